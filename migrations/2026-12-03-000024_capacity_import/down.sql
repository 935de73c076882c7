-- Imported figures stay as they are (the history is append-only): the narrower check
-- applies to new rows only.
ALTER TABLE service_capacity DROP CONSTRAINT service_capacity_source_check;
ALTER TABLE service_capacity ADD CONSTRAINT service_capacity_source_check
    CHECK (source IN ('STAFF', 'API_KEY', 'UPDATE_LINK', 'REFERRAL_ACCEPTED', 'REFERRAL_DECLINED')) NOT VALID;
