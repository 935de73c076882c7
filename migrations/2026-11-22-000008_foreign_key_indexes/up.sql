-- Every foreign key to providers and services gets a full index on the referencing
-- column. Partial indexes (WHERE archived_at IS NULL) serve the directory's reads but
-- not the key checks and cascades of a delete, which must see archived rows too: without
-- these, deleting providers scanned each child table once per deleted row
-- (regenerating 100 000 benchmark providers ran for many minutes).
DROP INDEX services_provider_idx;
CREATE INDEX services_provider_idx ON services (provider_id);
DROP INDEX locations_provider_idx;
CREATE INDEX locations_provider_idx ON locations (provider_id);
DROP INDEX provider_contacts_provider_idx;
CREATE INDEX provider_contacts_provider_idx ON provider_contacts (provider_id);
DROP INDEX training_records_provider_idx;
CREATE INDEX training_records_provider_idx ON training_records (provider_id, trained_on);
CREATE INDEX referrals_provider_idx ON referrals (provider_id);
CREATE INDEX referrals_service_idx ON referrals (service_id);
