//! DataLoaders: every parent→child field is batched into one query per level, so a page
//! of 100 providers costs a handful of queries, not hundreds.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Object;
use uuid::Uuid;

use super::errors::GqlResultExt;
use std::sync::Arc;

use crate::auth::{Actor, Caller};
use crate::clients::ClientView;
use crate::counties::{self, County};
use crate::crypto::Keyring;
use crate::db::DbPool;
use crate::directory::{Directory, Read, Source};
use crate::directory_index::View;
use crate::error::AppError;
use crate::follow_ups::FollowUp;
use crate::needs::{self, NeedCategory};
use crate::providers::Provider;
use crate::providers::{self, LocationView, Phone, Service};
use crate::referrals::{self, ReferralEvent};

/// The loaders of one request.
pub struct Loaders {
    pub services: DataLoader<ServicesByProvider>,
    pub phones: DataLoader<PhonesByProvider>,
    pub locations: DataLoader<LocationsByProvider>,
    pub service_areas: DataLoader<ServiceAreaByProvider>,
    pub needs: DataLoader<NeedsByService>,
    pub counties: DataLoader<CountyByFips>,
    pub providers: DataLoader<ProvidersById>,
    pub flags: DataLoader<FlagsByProvider>,
    pub contacts: DataLoader<ContactsByProvider>,
    pub trainings: DataLoader<TrainingsByProvider>,
    pub mous: DataLoader<MousByProvider>,
    pub needs_by_code: DataLoader<NeedByCode>,
    pub referral_clients: DataLoader<ClientsByReferral>,
    pub referral_events: DataLoader<EventsByReferral>,
    pub referral_follow_ups: DataLoader<FollowUpsByReferral>,
    pub referrals: DataLoader<ReferralsById>,
    pub organizations: DataLoader<OrganizationsById>,
}

impl Loaders {
    /// Loaders for one request made by `caller`; the public directory's children come
    /// from `directory`'s last view while the database cannot answer.
    /// Flags are the rules' answers on `today`.
    pub fn new(
        pool: DbPool,
        caller: Caller,
        keyring: Arc<Keyring>,
        directory: Directory,
        today: chrono::NaiveDate,
    ) -> Self {
        let db = Db(pool, directory);
        let actor: Actor = caller.actor.clone();
        Loaders {
            services: DataLoader::new(ServicesByProvider(db.clone()), spawner()),
            phones: DataLoader::new(PhonesByProvider(db.clone()), spawner()),
            locations: DataLoader::new(LocationsByProvider(db.clone(), actor.clone()), spawner()),
            service_areas: DataLoader::new(ServiceAreaByProvider(db.clone()), spawner()),
            needs: DataLoader::new(NeedsByService(db.clone()), spawner()),
            counties: DataLoader::new(CountyByFips(db.clone()), spawner()),
            providers: DataLoader::new(ProvidersById(db.clone()), spawner()),
            flags: DataLoader::new(FlagsByProvider(db.clone(), today), spawner()),
            contacts: DataLoader::new(ContactsByProvider(db.clone(), actor.clone()), spawner()),
            trainings: DataLoader::new(TrainingsByProvider(db.clone(), actor.clone()), spawner()),
            mous: DataLoader::new(MousByProvider(db.clone(), actor.clone()), spawner()),
            needs_by_code: DataLoader::new(NeedByCode(db.clone()), spawner()),
            referral_clients: DataLoader::new(
                ClientsByReferral(db.clone(), caller.clone(), Arc::clone(&keyring), today),
                spawner(),
            ),
            referral_events: DataLoader::new(EventsByReferral(db.clone(), caller.clone(), keyring), spawner()),
            referral_follow_ups: DataLoader::new(FollowUpsByReferral(db.clone(), caller.clone()), spawner()),
            referrals: DataLoader::new(ReferralsById(db.clone(), caller), spawner()),
            organizations: DataLoader::new(OrganizationsById(db), spawner()),
        }
    }
}

/// Runs a loader's batches as tasks inside the span of the request that made them, so
/// their log lines carry its id.
fn spawner()
-> impl Fn(futures_util::future::BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> + Send + Sync + 'static {
    let span = tracing::Span::current();
    move |batch| tokio::spawn(tracing::Instrument::instrument(batch, span.clone()))
}

/// The database, and the directory for public reads (which its index answers while
/// the database cannot).
#[derive(Clone)]
pub struct Db(DbPool, Directory);

impl Db {
    async fn conn(&self) -> async_graphql::Result<Object<AsyncPgConnection>> {
        self.0.get().await.map_err(AppError::from).gql()
    }

    /// A public read of the directory ([`Read::PUBLIC_LISTING`]): from the database,
    /// or — when the database fails it — from what the index's last view holds
    /// (`from_index`): the same data as of the last change the index applied.
    async fn public<T>(
        &self,
        from_database: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, AppError> + Clone,
        from_index: impl FnOnce(&View) -> T + Clone,
    ) -> async_graphql::Result<T> {
        self.1
            .read(Read::PUBLIC_LISTING, async move |source| match source {
                Source::Database(conn) => from_database(conn).await,
                Source::Index(view) => Ok(from_index(view)),
            })
            .await
            .gql()
    }
}

fn group<K: std::hash::Hash + Eq + Clone, V>(keys: &[K], items: Vec<(K, V)>) -> HashMap<K, Vec<V>> {
    // Every requested key gets an entry, so "no children" is an empty list, not a miss.
    let mut map: HashMap<K, Vec<V>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for (k, v) in items {
        map.entry(k).or_default().push(v);
    }
    map
}

pub struct ServicesByProvider(Db);

impl Loader<Uuid> for ServicesByProvider {
    type Value = Vec<Service>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = providers::services_of(&mut *self.0.conn().await?, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|s| (s.provider_id, s)).collect()))
    }
}

pub struct PhonesByProvider(Db);

impl Loader<Uuid> for PhonesByProvider {
    type Value = Vec<Phone>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .public(
                async |conn| providers::phones_of(conn, keys).await,
                |s| {
                    let held = keys.iter().filter_map(|id| s.provider_by_id(id));
                    held.flat_map(|p| {
                        p.phones().map(move |(number, label, twenty_four_hour)| Phone {
                            provider_id: p.id(),
                            number: number.to_owned(),
                            label: label.map(str::to_owned),
                            twenty_four_hour,
                        })
                    })
                    .collect()
                },
            )
            .await?;
        Ok(group(keys, rows.into_iter().map(|p| (p.provider_id, p)).collect()))
    }
}

pub struct LocationsByProvider(Db, Actor);

impl Loader<Uuid> for LocationsByProvider {
    type Value = Vec<LocationView>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = providers::locations_of(&mut *self.0.conn().await?, keys, &self.1).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|l| (l.provider_id, l)).collect()))
    }
}

pub struct ServiceAreaByProvider(Db);

impl Loader<Uuid> for ServiceAreaByProvider {
    type Value = Vec<String>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .public(
                async |conn| providers::service_areas_of(conn, keys).await,
                |s| {
                    let held = keys.iter().filter_map(|id| s.provider_by_id(id));
                    held.flat_map(|p| s.counties_of(p).into_iter().map(move |fips| (p.id(), fips))).collect()
                },
            )
            .await?;
        Ok(group(keys, rows))
    }
}

pub struct NeedsByService(Db);

impl Loader<Uuid> for NeedsByService {
    type Value = Vec<NeedCategory>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = needs::by_service(&mut *self.0.conn().await?, keys).await.gql()?;
        Ok(group(keys, rows))
    }
}

pub struct CountyByFips(Db);

impl Loader<String> for CountyByFips {
    type Value = County;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let rows = self
            .0
            .public(
                async |conn| counties::by_fips(conn, keys).await,
                |s| {
                    let named = keys.iter().filter_map(|fips| Some((fips, s.county_name(fips)?)));
                    named.map(|(fips, name)| County { fips: fips.clone(), name: name.to_owned() }).collect()
                },
            )
            .await?;
        Ok(rows.into_iter().map(|c| (c.fips.clone(), c)).collect())
    }
}

pub struct ProvidersById(Db);

impl Loader<Uuid> for ProvidersById {
    type Value = Provider;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .public(
                async |conn| providers::by_ids(conn, keys).await,
                |s| keys.iter().filter_map(|id| s.provider_by_id(id)).map(|p| p.to_provider()).collect(),
            )
            .await?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// The client of each referral as the caller may see it (reads are audited).
pub struct ClientsByReferral(Db, Caller, Arc<Keyring>, chrono::NaiveDate);

impl Loader<Uuid> for ClientsByReferral {
    type Value = ClientView;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        referrals::clients_of(&mut *self.0.conn().await?, &self.2, &self.1, keys, self.3).await.gql()
    }
}

pub struct EventsByReferral(Db, Caller, Arc<Keyring>);

impl Loader<Uuid> for EventsByReferral {
    type Value = Vec<ReferralEvent>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = referrals::events(&mut *self.0.conn().await?, &self.2, &self.1, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|e| (e.referral_id, e)).collect()))
    }
}

pub struct FollowUpsByReferral(Db, Caller);

impl Loader<Uuid> for FollowUpsByReferral {
    type Value = Vec<FollowUp>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = referrals::follow_ups_of(&mut *self.0.conn().await?, &self.1, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|f| (f.referral_id, f)).collect()))
    }
}

/// Referrals by id, as far as the caller's organization may see them.
pub struct ReferralsById(Db, Caller);

impl Loader<Uuid> for ReferralsById {
    type Value = referrals::Referral;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = referrals::by_ids(&mut *self.0.conn().await?, &self.1, keys).await.gql()?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Organizations by id, to name the parties of what the caller already sees.
pub struct OrganizationsById(Db);

impl Loader<Uuid> for OrganizationsById {
    type Value = crate::organizations::Organization;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::organizations::by_ids(&mut *self.0.conn().await?, keys).await.gql()?;
        Ok(rows.into_iter().map(|o| (o.id, o)).collect())
    }
}

/// The FUTURES yes/no answers on the request's day.
pub struct FlagsByProvider(Db, chrono::NaiveDate);

impl Loader<Uuid> for FlagsByProvider {
    type Value = crate::partnerships::Flags;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .public(
                async |conn| crate::partnerships::flags_of(conn, keys, self.1).await,
                |s| {
                    let held = keys.iter().filter_map(|id| s.provider_by_id(id));
                    held.map(|p| {
                        let (has_contact, ht_trained, has_active_mou) = s.flags_of(p);
                        crate::partnerships::Flags { provider_id: p.id(), has_contact, ht_trained, has_active_mou }
                    })
                    .collect()
                },
            )
            .await?;
        Ok(rows.into_iter().map(|f| (f.provider_id, f)).collect())
    }
}

/// Contacts of providers; the domain refuses non-members for the whole batch.
pub struct ContactsByProvider(Db, Actor);

impl Loader<Uuid> for ContactsByProvider {
    type Value = Vec<crate::partnerships::Contact>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::partnerships::contacts_of(&mut *self.0.conn().await?, &self.1, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|c| (c.provider_id, c)).collect()))
    }
}

pub struct TrainingsByProvider(Db, Actor);

impl Loader<Uuid> for TrainingsByProvider {
    type Value = Vec<crate::partnerships::Training>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::partnerships::trainings_of(&mut *self.0.conn().await?, &self.1, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|t| (t.provider_id, t)).collect()))
    }
}

/// Every MOU of providers; the resolver narrows to those in force when asked.
pub struct MousByProvider(Db, Actor);

impl Loader<Uuid> for MousByProvider {
    type Value = Vec<crate::partnerships::Mou>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::partnerships::mous_of(&mut *self.0.conn().await?, &self.1, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|m| (m.provider_id, m)).collect()))
    }
}

/// Need categories by code (one query per batch).
pub struct NeedByCode(Db);

impl Loader<String> for NeedByCode {
    type Value = NeedCategory;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let all = self
            .0
            .public(
                async |conn| needs::list(conn, None).await,
                |s| {
                    let needs = s.catalog.needs.iter();
                    needs
                        .map(|n| NeedCategory {
                            code: n.code.clone(),
                            phase: n.phase,
                            label: n.label.clone(),
                            position: n.position,
                        })
                        .collect()
                },
            )
            .await?;
        Ok(all.into_iter().filter(|n| keys.contains(&n.code)).map(|n| (n.code.clone(), n)).collect())
    }
}
