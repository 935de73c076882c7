-- Policies first: some read other tables, which could not be dropped under them.
DROP POLICY IF EXISTS clients_owner_or_consented ON clients;
DROP POLICY IF EXISTS revocations_owner_or_recipient ON consent_revocations;
DROP POLICY IF EXISTS consents_owner_or_recipient ON consents;
DROP POLICY IF EXISTS referral_events_of_visible_referrals ON referral_events;
DROP TABLE IF EXISTS idempotency_keys;
DROP TABLE IF EXISTS follow_ups;
DROP TABLE IF EXISTS referral_events;
DROP TABLE IF EXISTS referrals;
DROP TABLE IF EXISTS consent_revocations;
DROP TABLE IF EXISTS consent_recipients;
DROP TABLE IF EXISTS consents;
DROP TABLE IF EXISTS clients;
ALTER TABLE services DROP COLUMN IF EXISTS minor_may_consent_alone;
DROP TABLE IF EXISTS network_settings;
DROP FUNCTION IF EXISTS app_org();
