//! DataLoaders: every parent→child field is batched into one query per level, so a page
//! of 100 providers costs a handful of queries, not hundreds.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Object;
use uuid::Uuid;

use super::GqlResultExt;
use std::sync::Arc;

use crate::auth::{Actor, Caller};
use crate::clients::ClientView;
use crate::counties::{self, County};
use crate::crypto::Keyring;
use crate::db::DbPool;
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
}

impl Loaders {
    /// Loaders for one request made by `caller`.
    pub fn new(pool: DbPool, caller: Caller, keyring: Arc<Keyring>) -> Self {
        let db = Db(pool);
        let actor: Actor = caller.actor.clone();
        Loaders {
            services: DataLoader::new(ServicesByProvider(db.clone()), spawner()),
            phones: DataLoader::new(PhonesByProvider(db.clone()), spawner()),
            locations: DataLoader::new(LocationsByProvider(db.clone(), actor.clone()), spawner()),
            service_areas: DataLoader::new(ServiceAreaByProvider(db.clone()), spawner()),
            needs: DataLoader::new(NeedsByService(db.clone()), spawner()),
            counties: DataLoader::new(CountyByFips(db.clone()), spawner()),
            providers: DataLoader::new(ProvidersById(db.clone()), spawner()),
            flags: DataLoader::new(FlagsByProvider(db.clone()), spawner()),
            contacts: DataLoader::new(ContactsByProvider(db.clone(), actor.clone()), spawner()),
            trainings: DataLoader::new(TrainingsByProvider(db.clone(), actor.clone()), spawner()),
            mous: DataLoader::new(MousByProvider(db.clone(), actor.clone()), spawner()),
            needs_by_code: DataLoader::new(NeedByCode(db.clone()), spawner()),
            referral_clients: DataLoader::new(
                ClientsByReferral(db.clone(), caller.clone(), Arc::clone(&keyring)),
                spawner(),
            ),
            referral_events: DataLoader::new(EventsByReferral(db.clone(), caller.clone(), keyring), spawner()),
            referral_follow_ups: DataLoader::new(FollowUpsByReferral(db, caller), spawner()),
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

#[derive(Clone)]
pub struct Db(DbPool);

impl Db {
    async fn conn(&self) -> async_graphql::Result<Object<AsyncPgConnection>> {
        self.0.get().await.map_err(AppError::from).gql()
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
        let rows = providers::phones_of(&mut *self.0.conn().await?, keys).await.gql()?;
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
        let rows = providers::service_areas_of(&mut *self.0.conn().await?, keys).await.gql()?;
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
        let rows = counties::by_fips(&mut *self.0.conn().await?, keys).await.gql()?;
        Ok(rows.into_iter().map(|c| (c.fips.clone(), c)).collect())
    }
}

pub struct ProvidersById(Db);

impl Loader<Uuid> for ProvidersById {
    type Value = Provider;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = providers::by_ids(&mut *self.0.conn().await?, keys).await.gql()?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// The client of each referral as the caller may see it (reads are audited).
pub struct ClientsByReferral(Db, Caller, Arc<Keyring>);

impl Loader<Uuid> for ClientsByReferral {
    type Value = ClientView;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        referrals::clients_of(&mut *self.0.conn().await?, &self.2, &self.1, keys).await.gql()
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

pub struct FlagsByProvider(Db);

impl Loader<Uuid> for FlagsByProvider {
    type Value = crate::network::Flags;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::network::flags_of(&mut *self.0.conn().await?, keys).await.gql()?;
        Ok(rows.into_iter().map(|f| (f.provider_id, f)).collect())
    }
}

/// Contacts of providers; the domain refuses non-members for the whole batch.
pub struct ContactsByProvider(Db, Actor);

impl Loader<Uuid> for ContactsByProvider {
    type Value = Vec<crate::network::Contact>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::network::contacts_of(&mut *self.0.conn().await?, &self.1, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|c| (c.provider_id, c)).collect()))
    }
}

pub struct TrainingsByProvider(Db, Actor);

impl Loader<Uuid> for TrainingsByProvider {
    type Value = Vec<crate::network::Training>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::network::trainings_of(&mut *self.0.conn().await?, &self.1, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|t| (t.provider_id, t)).collect()))
    }
}

/// Every MOU of providers; the resolver narrows to those in force when asked.
pub struct MousByProvider(Db, Actor);

impl Loader<Uuid> for MousByProvider {
    type Value = Vec<crate::network::Mou>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::network::mous_of(&mut *self.0.conn().await?, &self.1, keys).await.gql()?;
        Ok(group(keys, rows.into_iter().map(|m| (m.provider_id, m)).collect()))
    }
}

/// Need categories by code (one query per batch).
pub struct NeedByCode(Db);

impl Loader<String> for NeedByCode {
    type Value = NeedCategory;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let all = needs::list(&mut *self.0.conn().await?, None).await.gql()?;
        Ok(all.into_iter().filter(|n| keys.contains(&n.code)).map(|n| (n.code.clone(), n)).collect())
    }
}
