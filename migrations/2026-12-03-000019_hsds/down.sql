DROP TABLE hsds_import_records;
DROP TRIGGER locations_hsds_pairs ON locations;
DROP TRIGGER services_hsds_pairs ON services;
DROP FUNCTION hsds_pair_new_location();
DROP FUNCTION hsds_pair_new_service();
DROP TABLE hsds_service_at_locations;
DROP FUNCTION hsds_service_at_location_id(uuid, uuid);
