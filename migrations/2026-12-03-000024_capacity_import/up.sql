-- A capacity figure may be set by `lantern hsds import` (an HSDS 3.1 `service_capacity`
-- of a dataset): recorded as such in the figure and its history, by nobody in particular.
ALTER TABLE service_capacity DROP CONSTRAINT service_capacity_source_check;
ALTER TABLE service_capacity ADD CONSTRAINT service_capacity_source_check
    CHECK (source IN ('STAFF', 'API_KEY', 'UPDATE_LINK', 'REFERRAL_ACCEPTED', 'REFERRAL_DECLINED', 'IMPORT'));
