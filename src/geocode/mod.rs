//! Geocoding addresses to points through the US Census Geocoder's one-line-address API
//! (`/geocoder/locations/onelineaddress?address=…&benchmark=Public_AR_Current&format=json`,
//! base URL configurable), with a cache. When the geocoder cannot be reached or finds
//! nothing, callers fall back to the county's interior point marked approximate, and the
//! address is retried later.
//!
//! Confidential locations' addresses are not sent to an outside geocoder unless the
//! operator allows it: a shelter's address leaving the network is itself a disclosure.
//! The rule is [`Geocoder::may_send`], applied in [`resolve`], the only way to the
//! geocoder, so a first attempt and every retry obey it alike.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use postgis_diesel::types::Point;
use uuid::Uuid;

use crate::db::schema::{geocode_cache, locations};
use crate::error::{AppError, AppResult};

/// Default geocoder: the US Census Bureau's.
pub const CENSUS_BASE_URL: &str = "https://geocoding.geo.census.gov";
/// Retries before a pending address is given up on (it stays approximate).
pub const MAX_GEOCODE_ATTEMPTS: i32 = 10;

/// The outcome of a lookup.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lookup {
    /// The address was placed.
    Found {
        /// Latitude in degrees (WGS 84).
        latitude: f64,
        /// Longitude in degrees (WGS 84).
        longitude: f64,
    },
    /// The geocoder knows no such address.
    NotFound,
    /// The geocoder could not be reached or answered with an error.
    Unavailable,
    /// The address may not leave the network (a confidential location's); nobody was
    /// asked, and nobody will be.
    Withheld,
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
    /// A geocoder at `base_url` (the Census one-line-address API), giving up after `timeout`; confidential addresses are sent only when `send_confidential` is true.
    pub fn new(base_url: &str, timeout: Duration, send_confidential: bool) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            // An address goes to the configured geocoder only, never on to wherever
            // it might redirect.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Lantern/1 (geocoding)")
            .build()
            .expect("an HTTP client with static settings builds");
        Geocoder { client, base_url: base_url.trim_end_matches('/').to_owned(), send_confidential }
    }

    /// Whether an address may be sent to the geocoder: always for an ordinary location,
    /// for a confidential one only where the operator allows it
    /// (`LANTERN_GEOCODE_CONFIDENTIAL`).
    pub fn may_send(&self, confidential: bool) -> bool {
        !confidential || self.send_confidential
    }

    /// Asks the geocoder (no cache, no rule: only [`resolve`] calls it).
    async fn lookup(&self, one_line: &str) -> Lookup {
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

/// Looks up the address of a location (`confidential` or not), through the cache, if
/// [`Geocoder::may_send`] allows it; else answers [`Lookup::Withheld`] at once. Only
/// matches are cached, so an address the geocoder could not find or could not be asked
/// about is tried again later. Callers authorize and validate before calling: this is
/// outside work (a request out, a cache write).
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    geocoder: &Geocoder,
    address: &str,
    confidential: bool,
) -> AppResult<Lookup> {
    if !geocoder.may_send(confidential) {
        return Ok(Lookup::Withheld);
    }
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

/// Tries pending addresses again (from the relay's background loop), one location at
/// a time, each locked while its address is looked up: a location marked confidential
/// meanwhile waits for the lookup, and one marked before is read as it is now. Under
/// [`Geocoder::may_send`] a confidential location's retry is cancelled, never sent.
/// Returns how many were resolved.
pub async fn retry_pending(conn: &mut AsyncPgConnection, geocoder: &Geocoder, limit: i64) -> AppResult<usize> {
    type Row = (Uuid, Option<String>, Option<String>, Option<String>, Option<String>, i32, bool);
    let mut after = Uuid::nil();
    let mut resolved = 0;
    for _ in 0..limit {
        let step = conn
            .transaction(async |conn| {
                let row: Option<Row> = locations::table
                    .filter(locations::geocode_pending)
                    .filter(locations::archived_at.is_null())
                    .filter(locations::id.gt(after))
                    .order(locations::id)
                    .select((
                        locations::id,
                        locations::street,
                        locations::city,
                        locations::state,
                        locations::postal_code,
                        locations::geocode_attempts,
                        locations::confidential,
                    ))
                    .for_update()
                    .skip_locked()
                    .first(conn)
                    .await
                    .optional()?;
                let Some((id, street, city, state, postal, attempts, confidential)) = row else { return Ok(None) };
                let address = one_line(street.as_deref(), city.as_deref(), state.as_deref(), postal.as_deref());
                let lookup = match address {
                    Some(address) => resolve(conn, geocoder, &address, confidential).await?,
                    None => Lookup::Withheld,
                };
                let placed = match lookup {
                    Lookup::Found { latitude, longitude } => {
                        let at = crate::coords::Coordinates::parse(latitude, longitude, "")?;
                        crate::counties::at(conn, at).await?.is_some().then_some((latitude, longitude))
                    }
                    _ => None,
                };
                match (placed, lookup) {
                    (Some((latitude, longitude)), _) => {
                        diesel::update(locations::table.find(id))
                            .set((
                                locations::geog.eq(Point::new(longitude, latitude, Some(4326))),
                                locations::approximate.eq(false),
                                locations::geocode_pending.eq(false),
                            ))
                            .execute(conn)
                            .await?;
                    }
                    // Not to be sent (or nothing to send): the retry ends here.
                    (None, Lookup::Withheld) => {
                        diesel::update(locations::table.find(id))
                            .set(locations::geocode_pending.eq(false))
                            .execute(conn)
                            .await?;
                    }
                    (None, _) => {
                        diesel::update(locations::table.find(id))
                            .set((
                                locations::geocode_attempts.eq(attempts + 1),
                                locations::geocode_pending.eq(attempts + 1 < MAX_GEOCODE_ATTEMPTS),
                            ))
                            .execute(conn)
                            .await?;
                    }
                }
                Ok::<_, AppError>(Some((id, placed.is_some())))
            })
            .await?;
        let Some((id, placed)) = step else { break };
        after = id;
        resolved += usize::from(placed);
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
