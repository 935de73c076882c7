-- Capacity changes announce themselves apart from other directory changes: a figure or a
-- hold changes only when a provider's services have room, so the directory index re-reads
-- just their room windows (one query) rather than the whole provider (src/directory_index
-- `listen`). The payload is `rooms:` and the providers' ids; large statements still
-- announce '*' (reload everything).

CREATE FUNCTION notify_capacity_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
BEGIN
    IF TG_TABLE_NAME = 'capacity_holds' THEN
        SELECT array_agg(DISTINCT c.provider_id::text) INTO ids
        FROM changed h JOIN service_capacity c ON c.id = h.capacity_id;
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
        PERFORM pg_notify('lantern_directory', 'rooms:' || array_to_string(ids, ','));
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER service_capacity_index_ins ON service_capacity;
DROP TRIGGER service_capacity_index_upd ON service_capacity;
DROP TRIGGER capacity_holds_index_ins ON capacity_holds;
DROP TRIGGER capacity_holds_index_upd ON capacity_holds;
CREATE TRIGGER service_capacity_index_ins AFTER INSERT ON service_capacity REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_capacity_change();
CREATE TRIGGER service_capacity_index_upd AFTER UPDATE ON service_capacity REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_capacity_change();
CREATE TRIGGER capacity_holds_index_ins AFTER INSERT ON capacity_holds REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_capacity_change();
CREATE TRIGGER capacity_holds_index_upd AFTER UPDATE ON capacity_holds REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_capacity_change();
DROP FUNCTION notify_capacity_hold_change();
