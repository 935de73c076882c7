-- Who may set a figure, asked once per transaction instead of six times per capacity
-- change. The policies of migration 20 call capacity_service_owner and app_network_admin,
-- SQL functions with a FROM clause, which PostgreSQL (before 18) never inlines and plans
-- again at every call site of every statement: a change of a figure paid for six plans (the
-- figure's UPDATE policy, its WITH CHECK, its history row's), more than its statements
-- cost. capacity_settable is PL/pgSQL holding one simple expression, which keeps those two
-- functions' plans for the rest of the transaction. The rule is the same; the helpers stay
-- SQL functions, which plan once per statement and are cheaper per row where a policy
-- filters many rows.
CREATE FUNCTION capacity_settable(service uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN capacity_service_owner($1) = app_org() OR app_network_admin();
END
$$;

DROP POLICY service_capacity_set ON service_capacity;
DROP POLICY service_capacity_reset ON service_capacity;
DROP POLICY service_capacity_history_recorded ON service_capacity_history;
CREATE POLICY service_capacity_set ON service_capacity FOR INSERT
    WITH CHECK (capacity_settable(service_id) AND set_by IS NOT DISTINCT FROM app_user());
CREATE POLICY service_capacity_reset ON service_capacity FOR UPDATE
    USING (capacity_settable(service_id))
    WITH CHECK (capacity_settable(service_id) AND set_by IS NOT DISTINCT FROM app_user());
CREATE POLICY service_capacity_history_recorded ON service_capacity_history FOR INSERT
    WITH CHECK (capacity_settable(service_id));
