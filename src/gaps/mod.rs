//! County gap analysis: the FUTURES matrix filled from live data. For every county and
//! need: the providers located in or serving the county that meet the need (exactly the
//! ones `searchProviders` finds for that county and need), how many have a contact, an
//! MOU in force covering the need, current HT training, and a status. Computed by one
//! set-based query. Also demand: referrals per county and need, with small counts
//! suppressed so no survivor can be singled out. Aggregates only, never client data.

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::Actor;
use crate::counties::Fips;
use crate::directory_index::{DirectoryIndex, Snapshot};
use crate::error::{AppError, AppResult};

/// Counts from 1 to this are suppressed in demand figures.
pub const SUPPRESS_UP_TO: i64 = 4;

/// Where a county stands on a need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapStatus {
    /// No provider located in or serving the county meets the need.
    NoProvider,
    /// Providers exist, none with a contact or an MOU in force.
    NoPartner,
    /// Partners exist (a contact or an MOU), none of them trained on HT.
    Untrained,
    /// A trained partner meets the need.
    Covered,
}

impl GapStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GapStatus::NoProvider => "NO_PROVIDER",
            GapStatus::NoPartner => "NO_PARTNER",
            GapStatus::Untrained => "UNTRAINED",
            GapStatus::Covered => "COVERED",
        }
    }
}

/// One county × need cell.
#[derive(Clone, Debug, PartialEq, QueryableByName)]
pub struct GapCell {
    #[diesel(sql_type = Text)]
    pub county_fips: String,
    #[diesel(sql_type = Text)]
    pub county_name: String,
    #[diesel(sql_type = Text)]
    pub need_code: String,
    #[diesel(sql_type = Text)]
    pub need_label: String,
    #[diesel(sql_type = Text)]
    pub need_phase: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub need_position: i32,
    #[diesel(sql_type = BigInt)]
    pub provider_count: i64,
    #[diesel(sql_type = BigInt)]
    pub with_contact: i64,
    #[diesel(sql_type = BigInt)]
    pub with_active_mou: i64,
    #[diesel(sql_type = BigInt)]
    pub ht_trained: i64,
    #[diesel(sql_type = BigInt)]
    partners: i64,
    #[diesel(sql_type = BigInt)]
    trained_partners: i64,
}

impl GapCell {
    pub fn status(&self) -> GapStatus {
        if self.provider_count == 0 {
            GapStatus::NoProvider
        } else if self.partners == 0 {
            GapStatus::NoPartner
        } else if self.trained_partners == 0 {
            GapStatus::Untrained
        } else {
            GapStatus::Covered
        }
    }
}

/// The matrix in one statement: coverage (provider × county × need) joined to the
/// derived flags, grouped per cell; every county × need appears, empty ones with zeros.
const MATRIX_SQL: &str = "
WITH need_services AS (
    SELECT DISTINCT s.provider_id, sn.need_code
    FROM services s
    JOIN service_needs sn ON sn.service_id = s.id
    JOIN providers p ON p.id = s.provider_id
    WHERE s.archived_at IS NULL AND p.archived_at IS NULL
), coverage AS (
    SELECT pc.county_fips, ns.need_code, ns.provider_id
    FROM provider_counties pc
    JOIN need_services ns ON ns.provider_id = pc.provider_id
    WHERE ($1::text IS NULL OR pc.county_fips = $1)
), mou_needs AS (
    SELECT DISTINCT m.provider_id, n.need_code
    FROM mous m, unnest(m.scope_needs) AS n(need_code)
    WHERE m.status = 'ACTIVE' AND m.effective_on <= current_date AND m.expires_on >= current_date
), flagged AS (
    SELECT c.county_fips, c.need_code, c.provider_id, f.has_contact, f.ht_trained,
           (mn.provider_id IS NOT NULL) AS has_mou
    FROM coverage c
    JOIN provider_flags f ON f.provider_id = c.provider_id
    LEFT JOIN mou_needs mn ON mn.provider_id = c.provider_id AND mn.need_code = c.need_code
)
SELECT co.fips AS county_fips, co.name AS county_name, n.code AS need_code, n.label AS need_label,
       n.phase AS need_phase, n.position AS need_position,
       count(fl.provider_id) AS provider_count,
       count(*) FILTER (WHERE fl.has_contact) AS with_contact,
       count(*) FILTER (WHERE fl.has_mou) AS with_active_mou,
       count(*) FILTER (WHERE fl.ht_trained) AS ht_trained,
       count(*) FILTER (WHERE fl.has_contact OR fl.has_mou) AS partners,
       count(*) FILTER (WHERE (fl.has_contact OR fl.has_mou) AND fl.ht_trained) AS trained_partners
FROM counties co
CROSS JOIN need_categories n
LEFT JOIN flagged fl ON fl.county_fips = co.fips AND fl.need_code = n.code
WHERE ($1::text IS NULL OR co.fips = $1)
GROUP BY co.fips, co.name, n.code, n.label, n.phase, n.position
ORDER BY co.name, n.position";

/// Every county × need (or one county's needs), in county-name and matrix order.
/// For network members (any role): these are aggregates, never client data. Counted
/// from the in-memory directory index when it is ready, else by PostgreSQL.
pub async fn matrix(
    conn: &mut AsyncPgConnection,
    index: &DirectoryIndex,
    actor: &Actor,
    county: Option<&Fips>,
) -> AppResult<Vec<GapCell>> {
    actor.member()?;
    if let Some(cells) = index.read(|snapshot| matrix_from_index(snapshot, county)) {
        return cells;
    }
    matrix_from_database(conn, county).await
}

/// The matrix counted over the index, with the same definitions as [`MATRIX_SQL`].
fn matrix_from_index(snapshot: &Snapshot, county: Option<&Fips>) -> AppResult<Vec<GapCell>> {
    let slot = match county {
        None => None,
        Some(fips) => Some(
            snapshot
                .catalog
                .county_slot(fips.as_str())
                .ok_or_else(|| AppError::bad_input("fips", "fips is not a known county"))?,
        ),
    };
    let catalog = &snapshot.catalog;
    Ok(snapshot
        .coverage(slot)
        .into_iter()
        .map(|(c, n, counts)| {
            let (county, need) = (&catalog.counties[usize::from(c)], &catalog.needs[n]);
            GapCell {
                county_fips: county.fips.clone(),
                county_name: county.name.clone(),
                need_code: need.code.clone(),
                need_label: need.label.clone(),
                need_phase: need.phase.as_db().to_owned(),
                need_position: need.position,
                provider_count: counts.provider_count,
                with_contact: counts.with_contact,
                with_active_mou: counts.with_active_mou,
                ht_trained: counts.ht_trained,
                partners: counts.partners,
                trained_partners: counts.trained_partners,
            }
        })
        .collect())
}

/// The matrix computed by PostgreSQL in one statement.
async fn matrix_from_database(conn: &mut AsyncPgConnection, county: Option<&Fips>) -> AppResult<Vec<GapCell>> {
    if let Some(fips) = county
        && crate::counties::get(conn, fips).await?.is_none()
    {
        return Err(AppError::bad_input("fips", "fips is not a known county"));
    }
    Ok(diesel::sql_query(MATRIX_SQL)
        .bind::<Nullable<Text>, _>(county.map(|f| f.as_str().to_owned()))
        .load(conn)
        .await?)
}

fn csv_field(value: &str) -> String {
    // Quote every field; a leading formula character is neutralized for spreadsheets.
    let guarded = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// The matrix as CSV (one row per county × need).
pub fn to_csv(cells: &[GapCell]) -> String {
    let mut out = String::from(
        "county_fips,county,need,need_label,provider_count,with_contact,with_active_mou,ht_trained,status\n",
    );
    for c in cells {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            csv_field(&c.county_fips),
            csv_field(&c.county_name),
            csv_field(&c.need_code),
            csv_field(&c.need_label),
            c.provider_count,
            c.with_contact,
            c.with_active_mou,
            c.ht_trained,
            c.status().as_str()
        ));
    }
    out
}

#[derive(QueryableByName)]
struct Boundary {
    #[diesel(sql_type = Text)]
    fips: String,
    #[diesel(sql_type = Text)]
    geometry: String,
}

/// The matrix as GeoJSON: one feature per county (its boundary), carrying each need's
/// status and figures, for choropleth maps.
pub async fn to_geojson(conn: &mut AsyncPgConnection, cells: &[GapCell]) -> AppResult<String> {
    let boundaries: Vec<Boundary> =
        diesel::sql_query("SELECT fips, ST_AsGeoJSON(boundary, 5) AS geometry FROM counties ORDER BY fips")
            .load(conn)
            .await?;
    let mut features = Vec::with_capacity(boundaries.len());
    for b in boundaries {
        let mut needs = serde_json::Map::new();
        let mut name = String::new();
        for c in cells.iter().filter(|c| c.county_fips == b.fips) {
            name.clone_from(&c.county_name);
            needs.insert(
                c.need_code.clone(),
                serde_json::json!({
                    "status": c.status().as_str(),
                    "providerCount": c.provider_count,
                    "withContact": c.with_contact,
                    "withActiveMou": c.with_active_mou,
                    "htTrained": c.ht_trained,
                }),
            );
        }
        let geometry: serde_json::Value = serde_json::from_str(&b.geometry).map_err(AppError::internal)?;
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": { "fips": b.fips, "name": name, "needs": needs },
            "geometry": geometry,
        }));
    }
    Ok(serde_json::json!({ "type": "FeatureCollection", "features": features }).to_string())
}

/// Referrals for one county × need over a date range. A count from 1 to 4 is `None`
/// (suppressed): small numbers could single out a survivor.
#[derive(Clone, Debug, PartialEq)]
pub struct DemandCell {
    pub county_fips: String,
    pub need_code: String,
    pub sent: Option<i64>,
    pub declined_no_capacity: Option<i64>,
    pub never_placed: Option<i64>,
}

/// Hides counts from 1 to [`SUPPRESS_UP_TO`].
pub fn suppress(count: i64) -> Option<i64> {
    if (1..=SUPPRESS_UP_TO).contains(&count) { None } else { Some(count) }
}

#[derive(QueryableByName)]
struct DemandRow {
    #[diesel(sql_type = Text)]
    county_fips: String,
    #[diesel(sql_type = Text)]
    need_code: String,
    #[diesel(sql_type = BigInt)]
    sent: i64,
    #[diesel(sql_type = BigInt)]
    declined_no_capacity: i64,
    #[diesel(sql_type = BigInt)]
    placed: i64,
}

/// Demand per county × need for referrals sent from `from` to `to` (inclusive), only
/// cells with referrals. For network members.
pub async fn demand(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<DemandCell>> {
    actor.member()?;
    if to < from {
        return Err(AppError::bad_input("to", "to must not be before from"));
    }
    let rows: Vec<DemandRow> = diesel::sql_query(
        "SELECT county_fips, need_code, sum(sent)::bigint AS sent, sum(declined_no_capacity)::bigint AS declined_no_capacity,
                sum(placed)::bigint AS placed
         FROM referral_demand WHERE sent_on BETWEEN $1 AND $2
         GROUP BY county_fips, need_code HAVING sum(sent) > 0 ORDER BY county_fips, need_code",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DemandCell {
            county_fips: r.county_fips,
            need_code: r.need_code,
            sent: suppress(r.sent),
            declined_no_capacity: suppress(r.declined_no_capacity),
            never_placed: suppress(r.sent - r.placed),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_hides_one_to_four() {
        assert_eq!((0..=6).map(suppress).collect::<Vec<_>>(), [Some(0), None, None, None, None, Some(5), Some(6)]);
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Wake"), "\"Wake\"");
        assert_eq!(csv_field("Say \"hi\""), "\"Say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "\"'=cmd()\"");
    }
}
