//! The network's partnerships with providers, the FUTURES columns kept as data: contacts
//! at providers ("Have a contact?"), MOUs ("Partner with them?") and human-trafficking
//! training ("Trained on HT?"). The yes/no answers are derived from these records by
//! [`rules`], never stored.

pub mod rules;

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::audit;
use crate::auth::{Actor, Caller, Role};
use crate::counties::Fips;
use crate::db::StoredText;
use crate::db::schema::{mou_parties, mous, provider_contacts, providers, training_records};
use crate::directory::Writer;
use crate::error::{AppError, AppResult, expect_version};
use crate::{needs, validate};

pub use rules::{MouStatus, TrainingKind};

/// A named person at a provider.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable)]
#[diesel(table_name = provider_contacts)]
pub(crate) struct Contact {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub name: String,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub last_verified_on: Option<NaiveDate>,
    pub version: i32,
}

/// Contact fields; on update `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub(crate) struct ContactInput {
    pub name: Option<String>,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub last_verified_on: Option<NaiveDate>,
}

/// A training record.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Training {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub trained_on: NaiveDate,
    pub kind: TrainingKind,
    pub topic: Option<String>,
    pub staff_share_percent: Option<i32>,
    pub evidence_ref: Option<String>,
}

impl Training {
    /// For a training that can count ([`rules::counts_as_ht_training`]): the day it
    /// stops counting.
    pub fn lapses_on(&self) -> Option<NaiveDate> {
        rules::counts_as_ht_training(self.kind).then(|| rules::training_lapses_on(self.trained_on))
    }
}

/// Another party to an MOU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MouParty {
    Organization(Uuid),
    CountyTeam(String),
}

/// An MOU with a provider.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mou {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub title: String,
    pub scope_needs: Vec<String>,
    pub signed_on: Option<NaiveDate>,
    pub effective_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// As recorded: draft, active or terminated.
    recorded: MouStatus,
    pub document_ref: Option<String>,
    pub parties: Vec<MouParty>,
    pub version: i32,
}

impl Mou {
    /// Status on `today` ([`rules::mou_status`]).
    pub fn status(&self, today: NaiveDate) -> MouStatus {
        rules::mou_status(self.recorded, self.expires_on, today)
    }

    /// In force on `today` ([`rules::mou_in_force`]).
    pub fn in_force(&self, today: NaiveDate) -> bool {
        rules::mou_in_force(self.recorded, self.effective_on, self.expires_on, today)
    }
}

/// The MOUs a listing shows: every one, or with `in_force_only` those in force on `today`.
pub(crate) fn mous_shown(mous: Vec<Mou>, in_force_only: bool, today: NaiveDate) -> Vec<Mou> {
    mous.into_iter().filter(|m| !in_force_only || m.in_force(today)).collect()
}

/// MOU fields; on update `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub(crate) struct MouInput {
    pub provider_id: Option<Uuid>,
    pub title: Option<String>,
    pub scope_needs: Option<Vec<String>>,
    pub signed_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    /// DRAFT, ACTIVE or TERMINATED.
    pub status: Option<MouStatus>,
    pub document_ref: Option<String>,
    pub parties: Option<Vec<MouParty>>,
}

/// Locks a live provider and checks the caller may edit its listing.
async fn editable_provider(conn: &mut AsyncPgConnection, caller: &Caller, provider: Uuid) -> AppResult<()> {
    let owner: Option<Option<Uuid>> = providers::table
        .find(provider)
        .filter(providers::archived_at.is_null())
        .select(providers::organization_id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let owner = owner.ok_or(AppError::NotFound { what: "provider" })?;
    caller.actor.member()?;
    if caller.actor.may_edit_listing(owner) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Contacts of providers (members of the network only: these are people's details).
pub(crate) async fn contacts_of(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    providers: &[Uuid],
) -> AppResult<Vec<Contact>> {
    actor.member()?;
    Ok(provider_contacts::table
        .filter(provider_contacts::provider_id.eq_any(providers))
        .filter(provider_contacts::archived_at.is_null())
        .order((provider_contacts::provider_id, provider_contacts::name))
        .select(Contact::as_select())
        .load(conn)
        .await?)
}

/// Adds a contact (network admins; provider staff for their own listing).
pub(crate) async fn add_contact(
    conn: &mut Writer,
    caller: &Caller,
    provider: Uuid,
    input: ContactInput,
    today: NaiveDate,
) -> AppResult<Contact> {
    let name = validate::text(input.name.as_deref().unwrap_or(""), "input.name", 200)?;
    let role = validate::optional_text(input.role.as_deref(), "input.role", 200)?;
    let phone = validate::optional_text(input.phone.as_deref(), "input.phone", 40)?;
    let email = input
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(|e| validate::email(e, "input.email"))
        .transpose()?;
    if input.last_verified_on.is_some_and(|d| d > today) {
        return Err(AppError::bad_input("input.lastVerifiedOn", "input.lastVerifiedOn cannot be in the future"));
    }
    conn.transaction(async |conn| {
        editable_provider(conn, caller, provider).await?;
        let contact: Contact = diesel::insert_into(provider_contacts::table)
            .values((
                provider_contacts::provider_id.eq(provider),
                provider_contacts::name.eq(&name),
                provider_contacts::role.eq(&role),
                provider_contacts::phone.eq(&phone),
                provider_contacts::email.eq(&email),
                provider_contacts::last_verified_on.eq(input.last_verified_on),
            ))
            .returning(Contact::as_returning())
            .get_result(conn)
            .await?;
        audit::record(conn, caller, "contact.create", "contact", Some(contact.id)).await?;
        Ok(contact)
    })
    .await
}

/// Marks a contact verified `today`, or archives it when `archive` is true.
pub(crate) async fn touch_contact(
    conn: &mut Writer,
    caller: &Caller,
    id: Uuid,
    version: i32,
    archive: bool,
    today: NaiveDate,
) -> AppResult<()> {
    conn.transaction(async |conn| {
        let row: Option<(Uuid, i32)> = provider_contacts::table
            .find(id)
            .filter(provider_contacts::archived_at.is_null())
            .select((provider_contacts::provider_id, provider_contacts::version))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let (provider, current) = row.ok_or(AppError::NotFound { what: "contact" })?;
        editable_provider(conn, caller, provider).await?;
        expect_version("the contact", version, current)?;
        let now = Utc::now();
        let target = provider_contacts::table.find(id);
        if archive {
            diesel::update(target)
                .set((provider_contacts::archived_at.eq(now), provider_contacts::version.eq(version + 1)))
                .execute(conn)
                .await?;
        } else {
            diesel::update(target)
                .set((
                    provider_contacts::last_verified_on.eq(today),
                    provider_contacts::updated_at.eq(now),
                    provider_contacts::version.eq(version + 1),
                ))
                .execute(conn)
                .await?;
        }
        audit::record(conn, caller, if archive { "contact.archive" } else { "contact.verify" }, "contact", Some(id))
            .await
    })
    .await
}

/// A training record as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = training_records)]
struct TrainingRow {
    id: Uuid,
    provider_id: Uuid,
    trained_on: NaiveDate,
    kind: String,
    topic: Option<String>,
    staff_share_percent: Option<i32>,
    evidence_ref: Option<String>,
}

fn training_from(r: TrainingRow) -> AppResult<Training> {
    Ok(Training {
        id: r.id,
        provider_id: r.provider_id,
        trained_on: r.trained_on,
        kind: TrainingKind::decode(&r.kind)?,
        topic: r.topic,
        staff_share_percent: r.staff_share_percent,
        evidence_ref: r.evidence_ref,
    })
}

/// Training records of providers, newest first (members only).
pub(crate) async fn trainings_of(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    providers: &[Uuid],
) -> AppResult<Vec<Training>> {
    actor.member()?;
    let rows: Vec<TrainingRow> = training_records::table
        .filter(training_records::provider_id.eq_any(providers))
        .filter(training_records::archived_at.is_null())
        .order((training_records::provider_id, training_records::trained_on.desc()))
        .select(TrainingRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(training_from).collect()
}

/// What a training record says, as recorded.
#[derive(Clone, Debug)]
pub(crate) struct TrainingInput {
    pub trained_on: NaiveDate,
    pub kind: TrainingKind,
    pub topic: Option<String>,
    pub staff_share_percent: Option<i32>,
    pub evidence_ref: Option<String>,
}

/// Records a training given by `today` (network admins; provider staff for their own
/// listing).
pub(crate) async fn record_training(
    conn: &mut Writer,
    caller: &Caller,
    provider: Uuid,
    input: TrainingInput,
    today: NaiveDate,
) -> AppResult<Training> {
    let TrainingInput { trained_on, kind, topic, staff_share_percent, evidence_ref } = input;
    if trained_on > today {
        return Err(AppError::bad_input("input.trainedOn", "input.trainedOn cannot be in the future"));
    }
    if staff_share_percent.is_some_and(|p| !(0..=100).contains(&p)) {
        return Err(AppError::bad_input("input.staffSharePercent", "input.staffSharePercent must be from 0 to 100"));
    }
    let topic = validate::optional_text(topic.as_deref(), "input.topic", 200)?;
    let evidence = validate::optional_text(evidence_ref.as_deref(), "input.evidenceRef", 500)?;
    conn.transaction(async |conn| {
        editable_provider(conn, caller, provider).await?;
        let row: TrainingRow = diesel::insert_into(training_records::table)
            .values((
                training_records::provider_id.eq(provider),
                training_records::trained_on.eq(trained_on),
                training_records::kind.eq(kind.as_db()),
                training_records::topic.eq(&topic),
                training_records::staff_share_percent.eq(staff_share_percent),
                training_records::evidence_ref.eq(&evidence),
            ))
            .returning(TrainingRow::as_returning())
            .get_result(conn)
            .await?;
        audit::record(conn, caller, "training.record", "training", Some(row.id)).await?;
        training_from(row)
    })
    .await
}

/// Providers whose current HT training lapses within `days` of `today` (and when),
/// soonest first.
pub(crate) async fn lapsing_training(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    days: i32,
    today: NaiveDate,
) -> AppResult<Vec<(Uuid, NaiveDate)>> {
    actor.member()?;
    check_days(days)?;
    let rows: Vec<(Uuid, String, Option<NaiveDate>)> = training_records::table
        .filter(training_records::archived_at.is_null())
        .group_by((training_records::provider_id, training_records::kind))
        .select((training_records::provider_id, training_records::kind, diesel::dsl::max(training_records::trained_on)))
        .load(conn)
        .await?;
    let horizon = today + Duration::days(days.into());
    let mut latest: std::collections::HashMap<Uuid, NaiveDate> = std::collections::HashMap::new();
    for (provider, kind, on) in rows {
        let kind = TrainingKind::decode(&kind)?;
        if let Some(on) = on.filter(|_| rules::counts_as_ht_training(kind)) {
            let newest = latest.entry(provider).or_insert(on);
            *newest = (*newest).max(on);
        }
    }
    let mut lapsing: Vec<(Uuid, NaiveDate)> = latest
        .into_iter()
        .filter(|&(_, on)| rules::training_current(on, today))
        .map(|(p, on)| (p, rules::training_lapses_on(on)))
        .filter(|(_, lapses)| *lapses <= horizon)
        .collect();
    lapsing.sort_by_key(|(p, d)| (*d, *p));
    Ok(lapsing)
}

fn check_days(days: i32) -> AppResult<()> {
    if (0..=3650).contains(&days) {
        Ok(())
    } else {
        Err(AppError::bad_input("withinDays", "withinDays must be from 0 to 3650"))
    }
}

/// An MOU as stored (its parties live in `mou_parties`).
#[derive(Queryable, Selectable)]
#[diesel(table_name = mous)]
struct MouRow {
    id: Uuid,
    provider_id: Uuid,
    title: String,
    scope_needs: Vec<Option<String>>,
    signed_on: Option<NaiveDate>,
    effective_on: NaiveDate,
    expires_on: NaiveDate,
    status: String,
    document_ref: Option<String>,
    version: i32,
}

async fn load_mous(conn: &mut AsyncPgConnection, rows: Vec<MouRow>) -> AppResult<Vec<Mou>> {
    let statuses = rows.iter().map(|r| MouStatus::decode(&r.status)).collect::<AppResult<Vec<_>>>()?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let parties: Vec<(Uuid, Option<Uuid>, Option<String>)> = mou_parties::table
        .filter(mou_parties::mou_id.eq_any(&ids))
        .select((mou_parties::mou_id, mou_parties::organization_id, mou_parties::county_fips))
        .order(mou_parties::id)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .zip(statuses)
        .map(|(r, recorded)| Mou {
            id: r.id,
            provider_id: r.provider_id,
            title: r.title,
            scope_needs: r.scope_needs.into_iter().flatten().collect(),
            signed_on: r.signed_on,
            effective_on: r.effective_on,
            expires_on: r.expires_on,
            recorded,
            document_ref: r.document_ref,
            version: r.version,
            parties: parties
                .iter()
                .filter(|(m, _, _)| *m == r.id)
                .filter_map(|(_, org, county)| match (org, county) {
                    (Some(o), _) => Some(MouParty::Organization(*o)),
                    (None, Some(c)) => Some(MouParty::CountyTeam(c.clone())),
                    _ => None,
                })
                .collect(),
        })
        .collect())
}

macro_rules! mou_select {
    ($q:expr) => {
        $q.select(MouRow::as_select())
    };
}

/// Every MOU of providers (members only); [`Mou::in_force`] tells which are in force.
pub(crate) async fn mous_of(conn: &mut AsyncPgConnection, actor: &Actor, providers: &[Uuid]) -> AppResult<Vec<Mou>> {
    actor.member()?;
    let rows: Vec<MouRow> = mou_select!(
        mous::table.filter(mous::provider_id.eq_any(providers)).order((mous::provider_id, mous::expires_on))
    )
    .load(conn)
    .await?;
    load_mous(conn, rows).await
}

/// MOUs in force on `today` that expire within `days` (members only), soonest first.
pub(crate) async fn expiring_mous(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    days: i32,
    today: NaiveDate,
) -> AppResult<Vec<Mou>> {
    actor.member()?;
    check_days(days)?;
    let horizon = today + Duration::days(days.into());
    let rows: Vec<MouRow> = mou_select!(
        mous::table
            .filter(futures_mou_in_force(mous::status, mous::effective_on, mous::expires_on, today))
            .filter(mous::expires_on.le(horizon))
            .order((mous::expires_on, mous::id))
    )
    .load(conn)
    .await?;
    load_mous(conn, rows).await
}

/// Records or updates an MOU. Network admins may record and change any; a coordinator
/// only MOUs its own organization is a party to, both before (on update) and after the
/// change.
pub(crate) async fn save_mou(
    conn: &mut Writer,
    caller: &Caller,
    existing: Option<(Uuid, i32)>,
    input: MouInput,
) -> AppResult<Mou> {
    let member = caller.actor.require(&[Role::NetworkAdmin, Role::Coordinator])?.clone();
    let title = input.title.as_deref().map(|t| validate::text(t, "input.title", 300)).transpose()?;
    let document = input
        .document_ref
        .as_deref()
        .map(|d| validate::optional_text(Some(d), "input.documentRef", 500))
        .transpose()?;
    if let Some(parties) = &input.parties {
        if parties.is_empty() {
            return Err(AppError::bad_input(
                "input.parties",
                "input.parties must name at least one organization or county team",
            ));
        }
        for p in parties {
            if let MouParty::CountyTeam(f) = p {
                Fips::parse(f, "input.parties")?;
            }
        }
    }
    if input.status == Some(MouStatus::Expired) {
        return Err(AppError::bad_input(
            "input.status",
            "input.status EXPIRED follows from the expiry date; record ACTIVE",
        ));
    }
    conn.transaction(async |conn| {
        if let Some(scope) = &input.scope_needs {
            if scope.is_empty() {
                return Err(AppError::bad_input(
                    "input.scopeNeeds",
                    "input.scopeNeeds must name at least one need category",
                ));
            }
            let unknown = needs::unknown_codes(conn, scope).await?;
            if !unknown.is_empty() {
                return Err(AppError::bad_input(
                    "input.scopeNeeds",
                    format!("input.scopeNeeds has unknown need codes: {}", unknown.join(", ")),
                ));
            }
        }
        let (id, version) = match existing {
            Some((id, version)) => {
                let current: Option<i32> =
                    mous::table.find(id).select(mous::version).for_update().first(conn).await.optional()?;
                let current = current.ok_or(AppError::NotFound { what: "MOU" })?;
                // Who may change an MOU is decided by its parties as it stands, before this
                // change: otherwise a coordinator could name itself a party and so take over
                // (terminate, re-scope) another organization's partnership.
                if member.role == Role::Coordinator {
                    let party: bool = diesel::select(diesel::dsl::exists(
                        mou_parties::table
                            .filter(mou_parties::mou_id.eq(id))
                            .filter(mou_parties::organization_id.eq(member.organization_id)),
                    ))
                    .get_result(conn)
                    .await?;
                    if !party {
                        return Err(AppError::Forbidden);
                    }
                }
                expect_version("the MOU", version, current)?;
                (id, version + 1)
            }
            None => {
                let needed = [
                    ("input.providerId", input.provider_id.is_none()),
                    ("input.title", title.is_none()),
                    ("input.scopeNeeds", input.scope_needs.is_none()),
                    ("input.effectiveOn", input.effective_on.is_none()),
                    ("input.expiresOn", input.expires_on.is_none()),
                    ("input.parties", input.parties.is_none()),
                ];
                if let Some((field, _)) = needed.iter().find(|(_, missing)| *missing) {
                    return Err(AppError::bad_input(*field, format!("{field} is required")));
                }
                let provider_exists: bool = diesel::select(diesel::dsl::exists(
                    providers::table
                        .find(input.provider_id.unwrap_or_default())
                        .filter(providers::archived_at.is_null()),
                ))
                .get_result(conn)
                .await?;
                if !provider_exists {
                    return Err(AppError::bad_input("input.providerId", "input.providerId is not a listed provider"));
                }
                let id: Uuid = diesel::insert_into(mous::table)
                    .values((
                        mous::provider_id.eq(input.provider_id.unwrap_or_default()),
                        mous::title.eq(title.clone().unwrap_or_default()),
                        mous::scope_needs.eq(input
                            .scope_needs
                            .clone()
                            .unwrap_or_default()
                            .into_iter()
                            .map(Some)
                            .collect::<Vec<_>>()),
                        mous::effective_on.eq(input.effective_on.unwrap_or_default()),
                        mous::expires_on.eq(input.expires_on.unwrap_or_default()),
                        mous::status.eq("DRAFT"),
                    ))
                    .returning(mous::id)
                    .get_result(conn)
                    .await
                    .map_err(|e| match e {
                        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::CheckViolation, _) => {
                            AppError::bad_input(
                                "input.expiresOn",
                                "input.expiresOn must not be before input.effectiveOn",
                            )
                        }
                        other => other.into(),
                    })?;
                (id, 1)
            }
        };
        if let Some(parties) = &input.parties {
            diesel::delete(mou_parties::table.filter(mou_parties::mou_id.eq(id))).execute(conn).await?;
            for p in parties {
                let (org, county) = match p {
                    MouParty::Organization(o) => {
                        if !crate::organizations::exists(conn, *o).await? {
                            return Err(AppError::bad_input(
                                "input.parties",
                                "input.parties names an unknown organization",
                            ));
                        }
                        (Some(*o), None)
                    }
                    MouParty::CountyTeam(c) => (None, Some(c.clone())),
                };
                diesel::insert_into(mou_parties::table)
                    .values((
                        mou_parties::mou_id.eq(id),
                        mou_parties::organization_id.eq(org),
                        mou_parties::county_fips.eq(county),
                    ))
                    .execute(conn)
                    .await
                    .map_err(|e| match e {
                        diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                            _,
                        ) => AppError::bad_input("input.parties", "input.parties names an unknown county"),
                        other => other.into(),
                    })?;
            }
        }
        #[derive(AsChangeset)]
        #[diesel(table_name = mous)]
        struct Changes {
            title: Option<String>,
            scope_needs: Option<Vec<Option<String>>>,
            signed_on: Option<Option<NaiveDate>>,
            effective_on: Option<NaiveDate>,
            expires_on: Option<NaiveDate>,
            status: Option<&'static str>,
            document_ref: Option<Option<String>>,
            version: i32,
            updated_at: chrono::DateTime<Utc>,
        }
        let status = input.status.map(MouStatus::as_db);
        diesel::update(mous::table.find(id))
            .set(Changes {
                title,
                scope_needs: input.scope_needs.clone().map(|s| s.into_iter().map(Some).collect()),
                signed_on: input.signed_on.map(Some),
                effective_on: input.effective_on,
                expires_on: input.expires_on,
                status,
                document_ref: document,
                version,
                updated_at: Utc::now(),
            })
            .execute(conn)
            .await
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::CheckViolation, _) => {
                    AppError::bad_input("input.expiresOn", "input.expiresOn must not be before input.effectiveOn")
                }
                other => other.into(),
            })?;
        let rows: Vec<MouRow> = mou_select!(mous::table.filter(mous::id.eq(id))).load(conn).await?;
        let mou = load_mous(conn, rows).await?.pop().ok_or(AppError::NotFound { what: "MOU" })?;
        // And as it will stand: a coordinator records only MOUs its organization is party
        // to, so it cannot create one for others or hand its own away.
        if member.role == Role::Coordinator && !mou.parties.contains(&MouParty::Organization(member.organization_id)) {
            return Err(AppError::Forbidden);
        }
        audit::record(conn, caller, if existing.is_some() { "mou.update" } else { "mou.create" }, "mou", Some(id))
            .await?;
        Ok(mou)
    })
    .await
}

/// The derived FUTURES answers for a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, diesel::QueryableByName)]
pub(crate) struct Flags {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub provider_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_contact: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub ht_trained: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub has_active_mou: bool,
}

/// The derived answers for providers on `today` (public: yes/no only, no details), by
/// the rules' SQL twins (`provider_flags_on`, the definition of the `provider_flags`
/// view).
pub(crate) async fn flags_of(
    conn: &mut AsyncPgConnection,
    providers: &[Uuid],
    today: NaiveDate,
) -> AppResult<Vec<Flags>> {
    Ok(diesel::sql_query(
        "SELECT provider_id, has_contact, ht_trained, has_active_mou FROM provider_flags_on($2) WHERE provider_id = ANY($1)",
    )
    .bind::<Array<SqlUuid>, _>(providers)
    .bind::<Date, _>(today)
    .load(conn)
    .await?)
}

diesel::define_sql_function! {
    /// The SQL twin of [`rules::mou_in_force`] (migration 15).
    fn futures_mou_in_force(
        status: diesel::sql_types::Text,
        effective_on: Date,
        expires_on: Date,
        today: Date,
    ) -> diesel::sql_types::Bool;
}
