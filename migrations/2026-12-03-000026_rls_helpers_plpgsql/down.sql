CREATE OR REPLACE FUNCTION app_network_admin() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.memberships m
                   WHERE m.user_id = app_user() AND m.organization_id = app_org() AND m.role = 'NETWORK_ADMIN')
$$;

CREATE OR REPLACE FUNCTION app_member_of(org uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM public.memberships m WHERE m.user_id = app_user() AND m.organization_id = org)
$$;

CREATE OR REPLACE FUNCTION capacity_service_owner(service uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT p.organization_id FROM public.services s JOIN public.providers p ON p.id = s.provider_id WHERE s.id = service
$$;

CREATE OR REPLACE FUNCTION capacity_hold_owner(capacity uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT capacity_service_owner(c.service_id) FROM public.service_capacity c WHERE c.id = capacity
$$;

CREATE OR REPLACE FUNCTION client_owner(client uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT organization_id FROM public.clients WHERE id = client $$;

CREATE OR REPLACE FUNCTION consent_owner(consent uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT organization_id FROM public.consents WHERE id = consent $$;
