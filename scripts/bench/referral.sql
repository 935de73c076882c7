-- pgbench: the floor for createReferral. The statements Lantern sends for one referral
-- with consent, in one transaction, as the service's database role under the same
-- row-level security and plan settings, pipelined in the same groups (the claim with
-- every read the checks need; then every write): everything PostgreSQL does for it,
-- and nothing outside PostgreSQL (HTTP, GraphQL, the session lookup, sealing the note).
-- Run with -M prepared (Lantern's statements are prepared once per connection too) and
-- -D for sender, recipient, provider, service, client and user.
\set n random(1, 9000000000000000000)
BEGIN;
SELECT set_config('app.org_id', :sender, true), set_config('app.user_id', :user, true), set_config('plan_cache_mode', 'force_generic_plan', true);
\startpipeline
INSERT INTO idempotency_keys (organization_id, operation, key, request_hash, result_id)
  VALUES (:sender, 'createReferral', 'pgbench-' || :n, '\x00', md5(:n || 'r')::uuid) ON CONFLICT DO NOTHING;
SELECT providers.id, providers.organization_id,
       EXISTS (SELECT 1 FROM service_needs WHERE service_id = :service AND need_code = 'acute.housing'),
       (SELECT phase FROM need_categories WHERE code = 'acute.housing' LIMIT 1),
       EXISTS (SELECT 1 FROM counties WHERE fips = '37183')
  FROM services JOIN providers ON services.provider_id = providers.id
  WHERE services.id = :service AND services.archived_at IS NULL AND providers.archived_at IS NULL LIMIT 1;
SELECT * FROM clients WHERE id = ANY (ARRAY[:client]::uuid[]);
SELECT consent_recipients.organization_id, consents.service_id, consents.fields FROM consents
  JOIN consent_recipients ON consent_recipients.consent_id = consents.id
  LEFT JOIN consent_revocations ON consent_revocations.consent_id = consents.id
  WHERE consents.client_id = :client AND consents.expires_at > now() AND consent_revocations.consent_id IS NULL;
SELECT * FROM network_settings LIMIT 1;
\endpipeline
\startpipeline
INSERT INTO referrals (id, sender_organization_id, recipient_organization_id, provider_id, service_id, need_code,
                       urgency, client_id, shared_fields, county_fips, language, populations, status, sent_at, created_by)
  VALUES (md5(:n || 'r')::uuid, :sender, :recipient, :provider, :service, 'acute.housing', 'URGENT', :client, '{NAME}',
          '37183', NULL, '{}', 'SENT', now(), :user)
  RETURNING *;
INSERT INTO referral_events (uid, referral_id, from_status, to_status, actor_user_id, actor_organization_id, note_enc)
  VALUES (md5(:n || 'd')::uuid, md5(:n || 'r')::uuid, NULL, 'DRAFT', :user, :sender, NULL),
         (md5(:n || 's')::uuid, md5(:n || 'r')::uuid, 'DRAFT', 'SENT', :user, :sender, NULL);
INSERT INTO follow_ups (id, referral_id, organization_id, due_at, assigned_to)
  VALUES (md5(:n || 'f')::uuid, md5(:n || 'r')::uuid, :sender, now() + interval '2 days', :user);
INSERT INTO scheduled_events (dedupe_key, fire_at, event_type, organization_id, payload)
  VALUES ('follow_up.due:' || md5(:n || 'f'), now() + interval '2 days', 'follow_up.due', :sender,
          jsonb_build_object('followUpId', md5(:n || 'f')::uuid, 'referralId', md5(:n || 'r')::uuid)),
         ('follow_up.overdue:' || md5(:n || 'f'), now() + interval '3 days', 'follow_up.overdue', :sender,
          jsonb_build_object('followUpId', md5(:n || 'f')::uuid, 'referralId', md5(:n || 'r')::uuid))
  ON CONFLICT DO NOTHING;
INSERT INTO outbox_events (event_type, organization_id, payload)
  VALUES ('referral.sent', :recipient, jsonb_build_object('referralId', md5(:n || 'r')::uuid)) RETURNING id;
INSERT INTO audit_log (actor_user_id, actor_api_key_id, organization_id, action, target_type, target_id, request_id)
  VALUES (:user, NULL, :sender, 'referral.create', 'referral', md5(:n || 'r')::uuid, 'pgbench');
\endpipeline
COMMIT;
