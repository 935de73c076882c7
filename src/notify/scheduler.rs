//! Time-based events: queued follow-up events whose time has come, MOUs, HT training and
//! vetting under the Standards of Service about to expire, capacity figures gone stale.
//! Each is emitted exactly once, however many instances tick at once:
//! queued events are claimed by deleting them, and every emission carries a unique
//! dedupe key.

use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::error::AppResult;

/// Days ahead that MOUs, training and vetting are announced as expiring.
pub const EXPIRY_NOTICE_DAYS: i32 = 30;

/// Emits everything due. Returns how many events were written.
pub async fn tick(conn: &mut AsyncPgConnection) -> AppResult<usize> {
    let mut emitted = diesel::sql_query(
        "WITH due AS (DELETE FROM scheduled_events WHERE fire_at <= clock_timestamp() RETURNING *)
         INSERT INTO outbox_events (event_type, organization_id, payload, dedupe_key)
         SELECT event_type, organization_id, payload, dedupe_key FROM due WHERE NOT cancelled
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .execute(conn)
    .await?;
    // MOUs in force expiring soon: to each party organization, each county team's
    // organizations, and the organization keeping the provider's listing.
    emitted += diesel::sql_query(
        "INSERT INTO outbox_events (event_type, organization_id, payload, dedupe_key)
         SELECT 'mou.expiring', r.org, jsonb_build_object('mouId', m.id, 'providerId', m.provider_id),
                'mou.expiring:' || m.id || ':' || m.expires_on || ':' || r.org
         FROM mous m
         JOIN LATERAL (
             SELECT mp.organization_id AS org FROM mou_parties mp WHERE mp.mou_id = m.id AND mp.organization_id IS NOT NULL
             UNION SELECT ct.organization_id FROM mou_parties mp JOIN county_teams ct ON ct.county_fips = mp.county_fips WHERE mp.mou_id = m.id
             UNION SELECT p.organization_id FROM providers p WHERE p.id = m.provider_id AND p.organization_id IS NOT NULL
         ) r ON true
         WHERE futures_mou_in_force(m.status, m.effective_on, m.expires_on, current_date)
           AND m.expires_on <= current_date + $1
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind::<diesel::sql_types::Integer, _>(EXPIRY_NOTICE_DAYS)
    .execute(conn)
    .await?;
    // HT training lapsing soon (the latest training that can count, still current): to
    // the organization keeping the listing.
    emitted += diesel::sql_query(
        "INSERT INTO outbox_events (event_type, organization_id, payload, dedupe_key)
         SELECT 'training.expiring', p.organization_id, jsonb_build_object('providerId', p.id),
                'training.expiring:' || p.id || ':' || t.lapses_on
         FROM providers p
         JOIN (SELECT provider_id, max(trained_on) AS latest, futures_training_lapses_on(max(trained_on)) AS lapses_on
               FROM training_records WHERE futures_counts_as_ht_training(kind) AND archived_at IS NULL
               GROUP BY provider_id) t
           ON t.provider_id = p.id
         WHERE p.organization_id IS NOT NULL AND p.archived_at IS NULL
           AND futures_training_current(t.latest, current_date) AND t.lapses_on <= current_date + $1
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind::<diesel::sql_types::Integer, _>(EXPIRY_NOTICE_DAYS)
    .execute(conn)
    .await?;
    // Vetting ending soon: the outcome in force today (`standards_vetted_areas`' rule: the
    // latest decided one that has begun), vetting at least one area, whose last day is
    // within the notice: to the organization, once per outcome. A renewal is decided
    // with a start no later than its decision day, so once recorded it is the outcome in
    // force and the old one is announced no more.
    emitted += diesel::sql_query(
        "INSERT INTO outbox_events (event_type, organization_id, payload, dedupe_key)
         SELECT 'vetting.expiring', o.organization_id,
                jsonb_build_object('organizationId', o.organization_id, 'outcomeId', o.id),
                'vetting.expiring:' || o.id
         FROM (SELECT DISTINCT ON (organization_id) *
               FROM standards_outcomes
               WHERE valid_from <= current_date
               ORDER BY organization_id, decided_at DESC, id DESC) o
         JOIN organizations g ON g.id = o.organization_id AND g.archived_at IS NULL
         WHERE o.valid_until >= current_date AND o.valid_until <= current_date + $1
           AND cardinality(o.service_areas) > 0
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind::<diesel::sql_types::Integer, _>(EXPIRY_NOTICE_DAYS)
    .execute(conn)
    .await?;
    // Capacity figures past their unit's staleness limit (src/capacity: fresh up to the
    // limit exactly): once per figure as set, to the organization keeping the listing, so
    // its staff refresh them. Ids only.
    emitted += diesel::sql_query(
        "INSERT INTO outbox_events (event_type, organization_id, payload, dedupe_key)
         SELECT 'capacity.stale', p.organization_id,
                jsonb_build_object('serviceId', c.service_id, 'providerId', c.provider_id, 'capacityId', c.id),
                'capacity.stale:' || c.id || ':' || c.version
         FROM service_capacity c
         JOIN capacity_unit_kinds k ON k.code = c.unit_code AND k.archived_at IS NULL
         JOIN services s ON s.id = c.service_id AND s.archived_at IS NULL
         JOIN providers p ON p.id = c.provider_id AND p.archived_at IS NULL AND p.organization_id IS NOT NULL
         WHERE clock_timestamp() - c.set_at > make_interval(mins => k.stale_after_minutes)
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .execute(conn)
    .await?;
    Ok(emitted)
}
