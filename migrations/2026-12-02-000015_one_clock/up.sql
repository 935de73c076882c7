-- The FUTURES rules, once, for SQL: each function is the twin of the one of the same
-- name in src/partnerships/rules.rs (tests/api/rules.rs checks they agree over the
-- boundary dates). Every query that applies a rule calls these; none spells one out.
-- Each takes the day explicitly: `current_date` is the network's day because every
-- service connection is set to the network's time zone (src/clock.rs).
--
-- Scalar functions with an SQL-standard body: PostgreSQL inlines them into the calling
-- query, so indexes on the columns they test (e.g. mous_expiry_idx) are still used.

-- Which training can make a provider "trained on HT": basic training covering sex and
-- labor trafficking (Standard 18); an advanced topic alone does not.
CREATE FUNCTION futures_counts_as_ht_training(kind text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN kind = 'BASIC';

-- The day a training stops counting: its third anniversary (29 February lapses on 28
-- February).
CREATE FUNCTION futures_training_lapses_on(trained_on date) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (trained_on + interval '3 years')::date;

-- A training that can count is current: already given, not yet at its third anniversary.
CREATE FUNCTION futures_training_current(trained_on date, today date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN trained_on <= today AND today < futures_training_lapses_on(trained_on);

-- "Trained on HT?": a training that can count, and is current.
CREATE FUNCTION futures_ht_trained_by(kind text, trained_on date, today date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN futures_counts_as_ht_training(kind) AND futures_training_current(trained_on, today);

-- "Partner with them?": an MOU in force: recorded ACTIVE, effective, and not past its
-- expiry day (the expiry day is the last day in force).
CREATE FUNCTION futures_mou_in_force(status text, effective_on date, expires_on date, today date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN status = 'ACTIVE' AND effective_on <= today AND today <= expires_on;

-- "Have a contact?": a contact counts until it is archived.
CREATE FUNCTION futures_contact_counts(archived_at timestamptz) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN archived_at IS NULL;

-- A partner for a need: a contact, or an MOU in force covering the need.
CREATE FUNCTION futures_partner(has_contact boolean, has_mou_for_need boolean) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN has_contact OR has_mou_for_need;

-- The three FUTURES answers of every provider on `today`. A plain SQL body, so the
-- planner inlines it and a filter on provider_id reaches the scan of providers.
CREATE FUNCTION provider_flags_on(today date)
    RETURNS TABLE (provider_id uuid, has_contact boolean, ht_trained boolean, has_active_mou boolean)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.id,
           EXISTS (SELECT 1 FROM provider_contacts c
                    WHERE c.provider_id = p.id AND futures_contact_counts(c.archived_at)),
           EXISTS (SELECT 1 FROM training_records t
                    WHERE t.provider_id = p.id AND t.archived_at IS NULL
                      AND futures_ht_trained_by(t.kind, t.trained_on, today)),
           EXISTS (SELECT 1 FROM mous m
                    WHERE m.provider_id = p.id AND futures_mou_in_force(m.status, m.effective_on, m.expires_on, today))
    FROM providers p
$$;

-- The view keeps its name and columns (search filters on it): the answers on the
-- network's today.
CREATE OR REPLACE VIEW provider_flags AS
    SELECT provider_id, has_contact, ht_trained, has_active_mou FROM provider_flags_on(current_date);
