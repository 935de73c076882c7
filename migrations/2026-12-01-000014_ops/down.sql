DROP TRIGGER provider_phones_index_trunc ON provider_phones;
DROP TRIGGER provider_phones_index_del ON provider_phones;
DROP TRIGGER provider_phones_index_upd ON provider_phones;
DROP TRIGGER provider_phones_index_ins ON provider_phones;
