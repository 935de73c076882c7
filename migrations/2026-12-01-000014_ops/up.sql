-- The directory index also holds providers' phone numbers (a crisis line can be given
-- while the database cannot answer), so a change to them is announced like any other
-- change search reads.
CREATE TRIGGER provider_phones_index_ins AFTER INSERT ON provider_phones REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change();
CREATE TRIGGER provider_phones_index_upd AFTER UPDATE ON provider_phones REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change();
CREATE TRIGGER provider_phones_index_del AFTER DELETE ON provider_phones REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change();
CREATE TRIGGER provider_phones_index_trunc AFTER TRUNCATE ON provider_phones
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_reload();
