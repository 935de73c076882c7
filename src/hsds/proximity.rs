//! `service_at_locations?proximity=…` answered from the in-memory directory index's
//! view, as `repo::pair_ids` asks PostgreSQL: services at locations within the radius of
//! the point, nearest first by the location's **public** position (a confidential
//! location's county point), ties by the pair's id.

use uuid::Uuid;

use crate::db::StoredText;
use crate::directory_index::View;
use crate::directory_index::geometry::sphere_distance_m;
use crate::directory_index::query::{ProviderFilter, population_bit};
use crate::directory_index::snapshot::unpack_language;
use crate::providers::Population;

use super::repo::{LocationRow, OrganizationRow, ServiceRow};
use super::taxonomy::{LanternTerm, service_at_location_id};
use super::{Nearby, Pair, ServiceFilter};

/// Whether the index holds every condition of `f`: not `search` or `modified_after`
/// (names and times are PostgreSQL's), nor "not open 24 hours".
pub fn index_knows(f: &ServiceFilter) -> bool {
    f.search.is_none() && f.modified_after.is_none() && f.open_24h != Some(false)
}

/// The page at `offset` (at most `limit`) and how many there are in all. The filter
/// must be one the index knows ([`index_knows`]).
pub fn from_view(view: &View, f: &ServiceFilter, near: Nearby, offset: i64, limit: i64) -> (i64, Vec<Pair>) {
    if f.nothing {
        return (0, Vec::new());
    }
    let needs = f.needs.as_ref().map(|codes| view.catalog.need_set(codes.iter().map(String::as_str)));
    let populations =
        f.populations.iter().filter_map(|p| Population::from_db(p)).fold(0u8, |set, p| set | population_bit(p));
    let open_24h = f.open_24h == Some(true);
    let flag = |term| f.provider_terms.contains(&term).then_some(true);
    let filter = ProviderFilter {
        service_level: needs.is_some() || populations != 0 || open_24h,
        needs,
        populations,
        open_24h,
        ht_trained: flag(LanternTerm::HtTrained),
        has_contact: flag(LanternTerm::HasContact),
        has_active_mou: flag(LanternTerm::HasActiveMou),
        ..ProviderFilter::default()
    };
    let at = (near.lon, near.lat);
    // Only the pairs that can reach the page are kept: the first `wanted` by distance,
    // and every pair as far as the last of them (the id decides among those at the end).
    // Every other match is only counted. The index hands over every provider
    // near enough in no order (ranking them all would cost a sort of thousands near a
    // city); once `wanted` pairs are kept, a pair farther than the last of them cannot be
    // on the page (ties are kept, the id decides them).
    let wanted = usize::try_from(offset.max(0).saturating_add(limit.max(0))).unwrap_or(usize::MAX);
    let mut total: i64 = 0;
    // Candidates by distance; a pair's id (a SHA-256) is computed only for those left at
    // the end, where it decides ties (the services of one location are all as far).
    let mut kept: Vec<(f64, Uuid, Uuid, Uuid)> = Vec::new();
    let mut bound = if wanted == 0 { f64::NEG_INFINITY } else { f64::INFINITY };
    // Trimmed now and then, not on every push: the sort is over a small vector. Ties at
    // the bound survive a trim, so the next one waits until the vector has doubled again.
    let mut trim_at = wanted.saturating_mul(2).max(64);
    let serves = |s: &&crate::directory_index::snapshot::ServiceEntry| {
        filter.needs.is_none_or(|set| s.needs & set != 0)
            && s.populations & populations == populations
            && (!open_24h || s.open_24h)
    };
    let flags_asked = filter.ht_trained.is_some() || filter.has_contact.is_some() || filter.has_active_mou.is_some();
    // The trees' proposals, checked here once each: a location's distance, the services'
    // needs, populations and hours (as `ProviderFilter::matches` would), then the flags
    // only when one is asked for.
    for p in view.near(&filter, at, near.radius_m, false) {
        if f.organization_id.is_some_and(|id| id != p.id()) {
            continue;
        }
        if flags_asked && !filter.flags_match(p, view.today()) {
            continue;
        }
        if f.provider_terms.contains(&LanternTerm::Synthetic) && !p.synthetic() {
            continue;
        }
        if f.provider_terms.contains(&LanternTerm::ConfidentialLocation)
            && !p.locations().iter().any(|l| l.confidential)
        {
            continue;
        }
        let services = p.services().iter().filter(serves).count() as i64;
        if services == 0 {
            continue;
        }
        for l in p.locations() {
            let distance = sphere_distance_m(l.public, at);
            if distance > near.radius_m {
                continue;
            }
            total += services;
            if distance > bound {
                continue;
            }
            kept.extend(p.services().iter().filter(serves).map(|s| (distance, s.id, l.id, p.id())));
            if kept.len() >= trim_at {
                bound = keep_nearest(&mut kept, wanted);
                trim_at = trim_at.max(kept.len().saturating_mul(2));
            }
        }
    }
    let mut kept: Vec<(f64, Pair)> = kept
        .into_iter()
        .map(|(distance, service_id, location_id, provider_id)| {
            let id = service_at_location_id(service_id, location_id);
            (distance, Pair { id, service_id, location_id, provider_id })
        })
        .collect();
    kept.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
    let page = kept.into_iter().skip(offset.max(0) as usize).take(limit.max(0) as usize).map(|(_, p)| p).collect();
    (total, page)
}

/// The records of one page's pairs, as `repo` reads them from PostgreSQL, from the view
/// that ranked them: the index holds what the list form shows, so a page needs no round
/// trip and is exactly as of that view. A pair the view no longer holds is left out.
pub fn records(view: &View, pairs: &[Pair]) -> Vec<(Pair, ServiceRow, LocationRow, OrganizationRow)> {
    pairs
        .iter()
        .filter_map(|pair| {
            let p = view.provider_by_id(&pair.provider_id)?;
            let si = p.services().iter().position(|s| s.id == pair.service_id)?;
            let li = p.locations().iter().position(|l| l.id == pair.location_id)?;
            let (service, location) = (&p.services()[si], &p.locations()[li]);
            let (s, l) = (p.service_listing(si)?, p.location_listing(li)?);
            let county = l.county.and_then(|c| view.catalog.counties.get(usize::from(c)));
            let listing = p.to_provider();
            let (has_contact, ht_trained, has_active_mou) = view.flags_of(p);
            let service_row = ServiceRow {
                id: service.id,
                provider_id: p.id(),
                name: s.name.to_owned(),
                description: s.description.map(str::to_owned),
                eligibility: s.eligibility.map(str::to_owned),
                cost: s.cost.map(str::to_owned),
                open_24h: service.open_24h,
                languages: p.languages(service).iter().map(|&l| unpack_language(l)).collect(),
                // In `Population::ALL` order, which may differ from the stored one: only
                // the full form shows populations, and PostgreSQL renders that.
                populations: Population::ALL
                    .into_iter()
                    .filter(|&q| service.populations & population_bit(q) != 0)
                    .map(|q| q.as_db().to_owned())
                    .collect(),
                needs: view
                    .catalog
                    .needs
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| service.needs & (1 << bit) != 0)
                    .map(|(_, n)| n.code.clone())
                    .collect(),
                last_modified: chrono::DateTime::from_timestamp_micros(s.modified_us).unwrap_or_default(),
            };
            let location_row = LocationRow {
                id: location.id,
                provider_id: p.id(),
                name: l.name.map(str::to_owned),
                street: l.street.map(str::to_owned),
                city: l.city.map(str::to_owned),
                state: l.state.map(str::to_owned),
                postal_code: l.postal_code.map(str::to_owned),
                latitude: location.exact.1,
                longitude: location.exact.0,
                confidential: location.confidential,
                county_fips: county.map(|c| c.fips.clone()).unwrap_or_default(),
                county_name: county.map(|c| c.name.clone()).unwrap_or_default(),
                owner_organization_id: p.organization_id(),
            };
            let organization_row = OrganizationRow {
                id: listing.id,
                name: listing.name,
                kind: listing.kind,
                description: listing.description,
                website: listing.website,
                email: listing.email,
                synthetic: listing.synthetic,
                organization_id: listing.organization_id,
                ht_trained,
                has_contact,
                has_active_mou,
            };
            Some((*pair, service_row, location_row, organization_row))
        })
        .collect()
}

/// Keeps the `wanted` nearest of `kept` and every one as far as the last of them (ties
/// are decided later, by id); returns that distance, past which nothing can be on the page.
fn keep_nearest(kept: &mut Vec<(f64, Uuid, Uuid, Uuid)>, wanted: usize) -> f64 {
    kept.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let Some(last) = kept.get(wanted.saturating_sub(1)).map(|k| k.0) else {
        return f64::INFINITY;
    };
    let end = kept.partition_point(|k| k.0 <= last);
    kept.truncate(end);
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_keeps_the_nearest_and_every_tie_with_the_last_of_them() {
        let id = Uuid::from_u128;
        let mut kept: Vec<(f64, Uuid, Uuid, Uuid)> = [5.0, 1.0, 3.0, 3.0, 9.0, 3.0, 2.0]
            .iter()
            .enumerate()
            .map(|(i, &d)| (d, id(i as u128), id(0), id(0)))
            .collect();
        assert_eq!(keep_nearest(&mut kept, 3), 3.0);
        // 1, 2 and the three at 3: the id decides among those later.
        assert_eq!(kept.iter().map(|k| k.0).collect::<Vec<_>>(), [1.0, 2.0, 3.0, 3.0, 3.0]);
        assert_eq!(keep_nearest(&mut kept, 10), f64::INFINITY, "fewer than wanted: nothing is bounded");
        assert_eq!(kept.len(), 5);
    }
}
