DROP POLICY service_capacity_set ON service_capacity;
DROP POLICY service_capacity_reset ON service_capacity;
DROP POLICY service_capacity_history_recorded ON service_capacity_history;
CREATE POLICY service_capacity_set ON service_capacity FOR INSERT
    WITH CHECK ((capacity_service_owner(service_id) = app_org() OR app_network_admin())
                AND set_by IS NOT DISTINCT FROM app_user());
CREATE POLICY service_capacity_reset ON service_capacity FOR UPDATE
    USING (capacity_service_owner(service_id) = app_org() OR app_network_admin())
    WITH CHECK ((capacity_service_owner(service_id) = app_org() OR app_network_admin())
                AND set_by IS NOT DISTINCT FROM app_user());
CREATE POLICY service_capacity_history_recorded ON service_capacity_history FOR INSERT
    WITH CHECK (capacity_service_owner(service_id) = app_org() OR app_network_admin());
DROP FUNCTION capacity_settable(uuid);
