//! Geocoding addresses to points through the US Census Geocoder's one-line-address API
//! (`/geocoder/locations/onelineaddress?address=…&benchmark=Public_AR_Current&format=json`,
//! base URL configurable), with a cache. When the geocoder cannot be reached or finds
//! nothing, callers fall back to the county's interior point marked approximate, and the
//! address is retried later.
//!
//! Confidential locations' addresses are not sent to an outside geocoder unless the
//! operator allows it: a shelter's address leaving the network is itself a disclosure.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use postgis_diesel::types::Point;
use uuid::Uuid;

use crate::db::schema::{geocode_cache, locations};
use crate::error::AppResult;

/// Default geocoder: the US Census Bureau's.
pub const CENSUS_BASE_URL: &str = "https://geocoding.geo.census.gov";
/// Retries before a pending address is given up on (it stays approximate).
pub const MAX_GEOCODE_ATTEMPTS: i32 = 10;

/// The outcome of a lookup.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lookup {
    Found {
        latitude: f64,
        longitude: f64,
    },
    NotFound,
    /// The geocoder could not be reached or answered with an error.
    Unavailable,
}

/// A geocoder client.
#[derive(Clone, Debug)]
pub struct Geocoder {
    client: reqwest::Client,
    base_url: String,
    /// Whether confidential locations' addresses may be sent out.
    pub send_confidential: bool,
}

impl Geocoder {
    pub fn new(base_url: &str, timeout: Duration, send_confidential: bool) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent("Lantern/1 (geocoding)")
            .build()
            .expect("an HTTP client with static settings builds");
        Geocoder { client, base_url: base_url.trim_end_matches('/').to_owned(), send_confidential }
    }

    /// Asks the geocoder (no cache).
    pub async fn lookup(&self, one_line: &str) -> Lookup {
        let Ok(url) = reqwest::Url::parse_with_params(
            &format!("{}/geocoder/locations/onelineaddress", self.base_url),
            &[("address", one_line), ("benchmark", "Public_AR_Current"), ("format", "json")],
        ) else {
            return Lookup::Unavailable;
        };
        let response = self.client.get(url).send().await;
        let Ok(response) = response else { return Lookup::Unavailable };
        if !response.status().is_success() {
            return Lookup::Unavailable;
        }
        let Ok(body) = response.json::<serde_json::Value>().await else { return Lookup::Unavailable };
        let Some(matches) = body["result"]["addressMatches"].as_array() else { return Lookup::Unavailable };
        match <[serde_json::Value]>::first(matches) {
            None => Lookup::NotFound,
            Some(m) => match (m["coordinates"]["y"].as_f64(), m["coordinates"]["x"].as_f64()) {
                (Some(latitude), Some(longitude)) if latitude.is_finite() && longitude.is_finite() => {
                    Lookup::Found { latitude, longitude }
                }
                _ => Lookup::NotFound,
            },
        }
    }
}

/// The one-line form of an address, normalized for the cache key.
pub fn one_line(street: Option<&str>, city: Option<&str>, state: Option<&str>, postal: Option<&str>) -> Option<String> {
    let street = street.map(str::trim).filter(|s| !s.is_empty())?;
    let parts: Vec<&str> =
        [Some(street), city, state, postal].into_iter().flatten().map(str::trim).filter(|s| !s.is_empty()).collect();
    if parts.len() < 2 {
        return None;
    }
    Some(parts.join(", ").split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Looks an address up, through the cache. Only matches are cached, so an address the
/// geocoder could not find or could not be asked about is tried again later.
pub async fn resolve(conn: &mut AsyncPgConnection, geocoder: &Geocoder, address: &str) -> AppResult<Lookup> {
    let key = address.to_lowercase();
    let cached: Option<(Option<f64>, Option<f64>, bool)> = geocode_cache::table
        .find(&key)
        .select((geocode_cache::latitude, geocode_cache::longitude, geocode_cache::matched))
        .first(conn)
        .await
        .optional()?;
    if let Some((lat, lon, matched)) = cached {
        return Ok(match (matched, lat, lon) {
            (true, Some(latitude), Some(longitude)) => Lookup::Found { latitude, longitude },
            _ => Lookup::NotFound,
        });
    }
    let found = geocoder.lookup(address).await;
    let Lookup::Found { latitude, longitude } = found else { return Ok(found) };
    let (lat, lon, matched) = (Some(latitude), Some(longitude), true);
    diesel::insert_into(geocode_cache::table)
        .values((
            geocode_cache::address.eq(&key),
            geocode_cache::latitude.eq(lat),
            geocode_cache::longitude.eq(lon),
            geocode_cache::matched.eq(matched),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(found)
}

/// Tries pending addresses again (from the relay's background loop). Returns how many
/// were resolved.
pub async fn retry_pending(conn: &mut AsyncPgConnection, geocoder: &Geocoder, limit: i64) -> AppResult<usize> {
    type Row = (Uuid, Option<String>, Option<String>, Option<String>, Option<String>, i32);
    let pending: Vec<Row> = locations::table
        .filter(locations::geocode_pending)
        .filter(locations::archived_at.is_null())
        .order(locations::id)
        .limit(limit)
        .select((
            locations::id,
            locations::street,
            locations::city,
            locations::state,
            locations::postal_code,
            locations::geocode_attempts,
        ))
        .load(conn)
        .await?;
    let mut resolved = 0;
    for (id, street, city, state, postal, attempts) in pending {
        let Some(address) = one_line(street.as_deref(), city.as_deref(), state.as_deref(), postal.as_deref()) else {
            diesel::update(locations::table.find(id)).set(locations::geocode_pending.eq(false)).execute(conn).await?;
            continue;
        };
        match resolve(conn, geocoder, &address).await? {
            Lookup::Found { latitude, longitude }
                if crate::counties::at(conn, crate::coords::Coordinates::parse(latitude, longitude, "")?)
                    .await?
                    .is_some() =>
            {
                diesel::update(locations::table.find(id))
                    .set((
                        locations::geog.eq(Point::new(longitude, latitude, Some(4326))),
                        locations::approximate.eq(false),
                        locations::geocode_pending.eq(false),
                    ))
                    .execute(conn)
                    .await?;
                resolved += 1;
            }
            _ => {
                diesel::update(locations::table.find(id))
                    .set((
                        locations::geocode_attempts.eq(attempts + 1),
                        locations::geocode_pending.eq(attempts + 1 < MAX_GEOCODE_ATTEMPTS),
                    ))
                    .execute(conn)
                    .await?;
            }
        }
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_addresses_need_a_street_and_a_place() {
        assert_eq!(
            one_line(Some(" 1 Main  St "), Some("Raleigh"), Some("NC"), Some("27601")).as_deref(),
            Some("1 Main St, Raleigh, NC, 27601")
        );
        assert_eq!(one_line(None, Some("Raleigh"), None, None), None);
        assert_eq!(one_line(Some("1 Main St"), None, None, None), None);
    }
}
