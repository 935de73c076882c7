-- Keeps every service instance's in-memory directory index in step with the database:
-- each statement that changes what search or the gap analysis read announces the
-- providers it touched on the `lantern_directory` channel (NOTIFY is delivered only
-- on commit, in commit order). Large statements, and changes to the reference tables,
-- announce '*' (reload everything) instead of thousands of ids.

CREATE FUNCTION notify_directory_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
BEGIN
    IF TG_TABLE_NAME = 'providers' THEN
        SELECT array_agg(DISTINCT c.id::text) INTO ids FROM changed c;
    ELSIF TG_TABLE_NAME = 'service_needs' THEN
        SELECT array_agg(DISTINCT s.provider_id::text) INTO ids
        FROM changed c JOIN services s ON s.id = c.service_id;
    ELSE
        SELECT array_agg(DISTINCT c.provider_id::text) INTO ids FROM changed c;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    -- A payload must stay under 8000 bytes: 150 ids of 37 bytes each.
    IF cardinality(ids) > 150 THEN
        PERFORM pg_notify('lantern_directory', '*');
    ELSE
        PERFORM pg_notify('lantern_directory', array_to_string(ids, ','));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION notify_directory_reload() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lantern_directory', '*');
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['providers', 'services', 'service_needs', 'locations', 'provider_service_areas',
                             'provider_contacts', 'training_records', 'mous']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change()', t || '_index_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change()', t || '_index_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change()', t || '_index_del', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_reload()', t || '_index_trunc', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['need_categories', 'counties']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_reload()', t || '_index_reload', t);
    END LOOP;
END;
$$;
