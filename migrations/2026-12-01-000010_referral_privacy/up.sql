-- Row-level security that holds on its own (issue 13, items 1, 8 and 14).
--
-- The policies of migration 4 checked a written row only against the acting
-- organization's own claims: it could record a consent for another organization's
-- client naming itself (which the clients policy then honoured), send a referral in
-- another's name, or add events, revocations and follow-ups to rows it cannot see. And a
-- draft was visible to its recipient. Here every policy is split by command: reads say
-- who may see a row; writes also check that every row a written row points to belongs
-- to the acting organization (or, for events, is visible to it).

-- The acting user of the current transaction (set beside app.org_id), or NULL for an
-- API key.
CREATE FUNCTION app_user() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- The organization owning a client, and a consent, as the acting organization sees
-- them. Write policies call these rather than reading the table inline: a policy on
-- consents that read clients would pull in the clients policy, which reads consents,
-- and PostgreSQL refuses such recursion. They run under the caller's row-level security,
-- which never hides a row from its own organization, so "owned by app_org()" is
-- answered exactly (a row it cannot see is owned by nobody, i.e. NULL).
CREATE FUNCTION client_owner(client uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT organization_id FROM public.clients WHERE id = client $$;
CREATE FUNCTION consent_owner(consent uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT organization_id FROM public.consents WHERE id = consent $$;
GRANT EXECUTE ON FUNCTION app_user(), client_owner(uuid), consent_owner(uuid) TO lantern_app;

-- Clients: a consented recipient reads the client; only its organization writes it.
DROP POLICY clients_owner_or_consented ON clients;
CREATE POLICY clients_visible ON clients FOR SELECT
    USING (organization_id = app_org()
           OR EXISTS (SELECT 1 FROM consents c JOIN consent_recipients r ON r.consent_id = c.id
                      WHERE c.client_id = clients.id AND r.organization_id = app_org()
                        AND c.expires_at > now()
                        AND NOT EXISTS (SELECT 1 FROM consent_revocations v WHERE v.consent_id = c.id)));
CREATE POLICY clients_recorded ON clients FOR INSERT WITH CHECK (organization_id = app_org());
CREATE POLICY clients_kept ON clients FOR UPDATE
    USING (organization_id = app_org()) WITH CHECK (organization_id = app_org());

-- Consents: for the organization's own clients, obtained by the acting user.
DROP POLICY consents_owner_or_recipient ON consents;
CREATE POLICY consents_visible ON consents FOR SELECT
    USING (organization_id = app_org()
           OR EXISTS (SELECT 1 FROM consent_recipients r WHERE r.consent_id = consents.id AND r.organization_id = app_org()));
CREATE POLICY consents_recorded ON consents FOR INSERT
    WITH CHECK (organization_id = app_org() AND client_owner(client_id) = app_org()
                AND obtained_by IS NOT DISTINCT FROM app_user());

-- A consent's recipients are named by the consent's own organization.
DROP POLICY recipients_of_own_consents ON consent_recipients;
CREATE POLICY consent_recipients_visible ON consent_recipients FOR SELECT
    USING (owner_organization_id = app_org() OR organization_id = app_org());
CREATE POLICY consent_recipients_named ON consent_recipients FOR INSERT
    WITH CHECK (owner_organization_id = app_org() AND consent_owner(consent_id) = app_org());

-- Only the consent's organization revokes it.
DROP POLICY revocations_owner_or_recipient ON consent_revocations;
CREATE POLICY consent_revocations_visible ON consent_revocations FOR SELECT
    USING (owner_organization_id = app_org()
           OR EXISTS (SELECT 1 FROM consent_recipients r WHERE r.consent_id = consent_revocations.consent_id AND r.organization_id = app_org()));
CREATE POLICY consent_revocations_recorded ON consent_revocations FOR INSERT
    WITH CHECK (owner_organization_id = app_org() AND consent_owner(consent_id) = app_org()
                AND revoked_by IS NOT DISTINCT FROM app_user());

-- Referrals. A draft belongs to its sender alone: the recipient sees a referral once it
-- was sent (sent_at is set by sending and never cleared; a draft cancelled unsent stays
-- unsent). The same rule is applied by the domain (referrals::visible_to).
DROP POLICY referrals_sender_or_recipient ON referrals;
CREATE POLICY referrals_visible ON referrals FOR SELECT
    USING (sender_organization_id = app_org()
           OR (recipient_organization_id = app_org() AND sent_at IS NOT NULL));
-- Sent or drafted by the acting organization, as the acting user, about its own client
-- (if any), to the organization keeping the service's listing; born a draft or sent.
CREATE POLICY referrals_created ON referrals FOR INSERT
    WITH CHECK (sender_organization_id = app_org()
                AND created_by IS NOT DISTINCT FROM app_user()
                AND (client_id IS NULL OR client_owner(client_id) = app_org())
                AND EXISTS (SELECT 1 FROM services s JOIN providers p ON p.id = s.provider_id
                            WHERE s.id = referrals.service_id AND p.id = referrals.provider_id
                              AND p.organization_id = referrals.recipient_organization_id)
                AND status IN ('DRAFT', 'SENT') AND (status = 'SENT') = (sent_at IS NOT NULL)
                AND decline_reason IS NULL);
CREATE POLICY referrals_moved ON referrals FOR UPDATE
    USING (sender_organization_id = app_org()
           OR (recipient_organization_id = app_org() AND sent_at IS NOT NULL))
    WITH CHECK (sender_organization_id = app_org()
                OR (recipient_organization_id = app_org() AND sent_at IS NOT NULL));
-- What a referral is about (the parties, the service, the client and what is shared of
-- them) is fixed when it is made: the service may change only where it is in its life.
REVOKE UPDATE ON referrals FROM lantern_app;
GRANT UPDATE (status, decline_reason, sent_at, updated_at, version) ON referrals TO lantern_app;
-- ... and only the sender sends: sent_at goes from NULL to a time once, by the sender.
-- (Acting for no organization, i.e. as the owner for maintenance, is not restricted.)
CREATE FUNCTION referral_sent_at_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF app_org() IS NOT NULL AND NEW.sent_at IS DISTINCT FROM OLD.sent_at
       AND (OLD.sent_at IS NOT NULL OR NEW.sent_at IS NULL OR OLD.sender_organization_id IS DISTINCT FROM app_org()) THEN
        RAISE EXCEPTION 'only the sender sends a referral, once' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER referral_sent_at_guard BEFORE UPDATE OF sent_at ON referrals
    FOR EACH ROW EXECUTE FUNCTION referral_sent_at_guard();

-- Events: by the acting organization and user, on a referral it can see (so never on
-- another's draft). Each event carries its own id, chosen by the service before
-- inserting (the identity id exists only after), to which its note's encryption is
-- bound together with the referral: a sealed note opens only in the event it was written
-- for. Rows written before this migration have none (uid NULL): their notes stay
-- readable, bound to their referral only, as they were sealed; new rows must have one.
ALTER TABLE referral_events ADD COLUMN uid uuid UNIQUE;
DROP POLICY referral_events_of_visible_referrals ON referral_events;
CREATE POLICY referral_events_visible ON referral_events FOR SELECT
    USING (EXISTS (SELECT 1 FROM referrals r WHERE r.id = referral_events.referral_id));
CREATE POLICY referral_events_recorded ON referral_events FOR INSERT
    WITH CHECK (actor_organization_id = app_org() AND actor_user_id IS NOT DISTINCT FROM app_user()
                AND uid IS NOT NULL
                AND EXISTS (SELECT 1 FROM referrals r WHERE r.id = referral_events.referral_id));

-- Follow-ups: the sending organization's, on referrals it sent.
DROP POLICY follow_ups_of_own_organization ON follow_ups;
CREATE POLICY follow_ups_visible ON follow_ups FOR SELECT USING (organization_id = app_org());
CREATE POLICY follow_ups_scheduled ON follow_ups FOR INSERT
    WITH CHECK (organization_id = app_org()
                AND EXISTS (SELECT 1 FROM referrals r WHERE r.id = follow_ups.referral_id
                              AND r.sender_organization_id = app_org()));
CREATE POLICY follow_ups_kept ON follow_ups FOR UPDATE
    USING (organization_id = app_org()) WITH CHECK (organization_id = app_org());
