-- The helpers row-level security policies call, kept per connection. Each is a SQL
-- function with a FROM clause, which PostgreSQL (before 18) never inlines and whose body
-- it parses and plans again in every statement that calls it, once per call site: a
-- capacity change paid for six such plans (the figure's UPDATE policy, its WITH CHECK, the
-- history row's), more than the statements themselves cost. As PL/pgSQL each body is
-- planned once per connection and kept. Same bodies, same volatility, same rights.
CREATE OR REPLACE FUNCTION app_network_admin() RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM public.memberships m
                   WHERE m.user_id = app_user() AND m.organization_id = app_org() AND m.role = 'NETWORK_ADMIN');
END
$$;

CREATE OR REPLACE FUNCTION app_member_of(org uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM public.memberships m WHERE m.user_id = app_user() AND m.organization_id = $1);
END
$$;

CREATE OR REPLACE FUNCTION capacity_service_owner(service uuid) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT p.organization_id FROM public.services s JOIN public.providers p ON p.id = s.provider_id
            WHERE s.id = $1);
END
$$;

CREATE OR REPLACE FUNCTION capacity_hold_owner(capacity uuid) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT capacity_service_owner(c.service_id) FROM public.service_capacity c WHERE c.id = $1);
END
$$;

CREATE OR REPLACE FUNCTION client_owner(client uuid) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT c.organization_id FROM public.clients c WHERE c.id = $1);
END
$$;

CREATE OR REPLACE FUNCTION consent_owner(consent uuid) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT c.organization_id FROM public.consents c WHERE c.id = $1);
END
$$;
