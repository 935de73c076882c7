CREATE OR REPLACE VIEW provider_flags AS
    SELECT p.id AS provider_id,
           EXISTS (SELECT 1 FROM provider_contacts c WHERE c.provider_id = p.id AND c.archived_at IS NULL) AS has_contact,
           EXISTS (SELECT 1 FROM training_records t WHERE t.provider_id = p.id AND t.archived_at IS NULL
                     AND t.kind = 'BASIC' AND t.trained_on <= current_date
                     AND (t.trained_on + interval '3 years')::date > current_date) AS ht_trained,
           EXISTS (SELECT 1 FROM mous m WHERE m.provider_id = p.id AND m.status = 'ACTIVE'
                     AND m.effective_on <= current_date AND m.expires_on >= current_date) AS has_active_mou
    FROM providers p;
DROP FUNCTION IF EXISTS provider_flags_on(date);
DROP FUNCTION IF EXISTS futures_partner(boolean, boolean);
DROP FUNCTION IF EXISTS futures_contact_counts(timestamptz);
DROP FUNCTION IF EXISTS futures_mou_in_force(text, date, date, date);
DROP FUNCTION IF EXISTS futures_ht_trained_by(text, date, date);
DROP FUNCTION IF EXISTS futures_training_current(date, date);
DROP FUNCTION IF EXISTS futures_training_lapses_on(date);
DROP FUNCTION IF EXISTS futures_counts_as_ht_training(text);
