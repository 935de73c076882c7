DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['providers', 'services', 'service_needs', 'locations', 'provider_service_areas',
                             'provider_contacts', 'training_records', 'mous']
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_index_ins', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_index_upd', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_index_del', t);
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_index_trunc', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['need_categories', 'counties']
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_index_reload', t);
    END LOOP;
END;
$$;
DROP FUNCTION notify_directory_reload();
DROP FUNCTION notify_directory_change();
