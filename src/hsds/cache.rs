//! The records `service_at_locations?proximity=…` pages are rendered from, kept in
//! memory for as long as the directory index's view they were read under is current.
//!
//! The index ranks and counts a proximity read without PostgreSQL, but it holds no
//! names or descriptions. Those are read once per service, location and organization
//! and kept here, tied to the view: every change to a provider, its services or its
//! locations is announced to the index (`migrations/…_directory_index`) and makes a new
//! view, and a new view empties the cache. So a page is never older than the view that
//! ranked it, and a page of records already read costs no round trip at all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::repo::{self, LocationRow, OrganizationRow, Pair, ServiceRow};
use crate::directory_index::{DirectoryIndex, View};
use crate::error::AppResult;

/// Most records of each kind kept: past it the cache starts over (the directory's
/// busiest records come back first), so its memory stays bounded at any size. Measured
/// under `make bench` (100 000 providers, random points): at 50 000 the proximity search
/// served 510 / 2 828 req/s (1 / 8 clients) for ~20 MB more peak memory; at 5 000, 352 /
/// 821 req/s, no faster than PostGraphile. The memory is worth it.
const MOST_KEPT: usize = 50_000;

/// Records read for one view.
#[derive(Default)]
struct Held {
    /// The view they were read under. Weak: the cache keeps no old view's directory
    /// alive, only its address from being reused by a newer view.
    view: Weak<View>,
    services: HashMap<Uuid, Arc<ServiceRow>>,
    locations: HashMap<Uuid, Arc<LocationRow>>,
    organizations: HashMap<Uuid, Arc<OrganizationRow>>,
}

/// The records of one page.
#[derive(Default)]
pub struct Records {
    /// Services by id.
    pub services: HashMap<Uuid, Arc<ServiceRow>>,
    /// Locations by id.
    pub locations: HashMap<Uuid, Arc<LocationRow>>,
    /// The services' organizations by id.
    pub organizations: HashMap<Uuid, Arc<OrganizationRow>>,
}

/// The cache of one service instance (see the module's doc).
pub struct PageCache {
    index: Arc<DirectoryIndex>,
    held: Mutex<Held>,
}

impl PageCache {
    /// A cache for the views of `index`.
    pub fn new(index: Arc<DirectoryIndex>) -> Self {
        PageCache { index, held: Mutex::new(Held::default()) }
    }

    /// The index's current view, when it is `view` (a reader may hold an older one).
    pub fn current(&self, view: &View) -> Option<Arc<View>> {
        self.index.current().filter(|current| std::ptr::eq(Arc::as_ptr(current), view))
    }

    /// The records of `pairs` as of `view` (the index's current view): those held, and
    /// the rest read through `conn` (asked for only when something is missing) and kept.
    pub async fn records<C>(
        &self,
        view: &Arc<View>,
        pairs: &[Pair],
        conn: impl AsyncFnOnce() -> AppResult<C>,
    ) -> AppResult<Records>
    where
        C: std::ops::Deref<Target = AsyncPgConnection>,
    {
        let mut out = Records::default();
        let (mut services, mut locations, mut providers) = (Vec::new(), Vec::new(), Vec::new());
        {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            if !std::ptr::eq(held.view.as_ptr(), Arc::as_ptr(view)) {
                *held = Held { view: Arc::downgrade(view), ..Held::default() };
            }
            for p in pairs {
                if let Some(s) = held.services.get(&p.service_id) {
                    out.services.insert(s.id, Arc::clone(s));
                } else {
                    services.push(p.service_id);
                }
                if let Some(l) = held.locations.get(&p.location_id) {
                    out.locations.insert(l.id, Arc::clone(l));
                } else {
                    locations.push(p.location_id);
                }
                if let Some(o) = held.organizations.get(&p.provider_id) {
                    out.organizations.insert(o.id, Arc::clone(o));
                } else {
                    providers.push(p.provider_id);
                }
            }
        }
        if services.is_empty() && locations.is_empty() && providers.is_empty() {
            return Ok(out);
        }
        for ids in [&mut services, &mut locations, &mut providers] {
            ids.sort_unstable();
            ids.dedup();
        }
        // The three reads are independent (each pair names its provider), so they go to
        // PostgreSQL together: one round trip's wait instead of three.
        let conn = conn().await?;
        let (services, locations, organizations) = tokio::try_join!(
            async { if services.is_empty() { Ok(Vec::new()) } else { repo::services(&conn, &services).await } },
            async { if locations.is_empty() { Ok(Vec::new()) } else { repo::locations(&conn, &locations).await } },
            async { if providers.is_empty() { Ok(Vec::new()) } else { repo::organizations(&conn, &providers).await } },
        )?;
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        // Kept only when read under the view still held: a newer view may have
        // emptied the cache meanwhile, and these may predate its change.
        let keep = std::ptr::eq(held.view.as_ptr(), Arc::as_ptr(view));
        if keep && held.services.len().max(held.locations.len()).max(held.organizations.len()) >= MOST_KEPT {
            *held = Held { view: Arc::downgrade(view), ..Held::default() };
        }
        for s in services {
            let s = Arc::new(s);
            if keep {
                held.services.insert(s.id, Arc::clone(&s));
            }
            out.services.insert(s.id, s);
        }
        for l in locations {
            let l = Arc::new(l);
            if keep {
                held.locations.insert(l.id, Arc::clone(&l));
            }
            out.locations.insert(l.id, l);
        }
        for o in organizations {
            let o = Arc::new(o);
            if keep {
                held.organizations.insert(o.id, Arc::clone(&o));
            }
            out.organizations.insert(o.id, o);
        }
        Ok(out)
    }
}
