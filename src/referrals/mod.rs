//! Referrals: from the acting organization to a provider's service, for a need, with an
//! urgency. With consent, the recipient reads exactly the consented fields of the client,
//! live, only while a consent naming it is active; without personal data, only need,
//! county, language, populations and urgency travel — consent is never a condition of
//! service. Every transition is an event; the sender sees the referral, the recipient
//! once it is sent (a draft is the sender's alone), nobody else.
//!
//! Notes (on creating and on every transition) are free text. On a referral with a
//! client they are client data: the recipient reads them only while it may read some of
//! the client. On a referral without one they must hold no personal data, and a note
//! with a phone number or an e-mail address is refused.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use diesel::dsl;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::{Caller, Member};
use crate::clients::{self, CLIENT_ROLES, ClientField, ClientView};
use crate::counties::Fips;
use crate::crypto::{FieldContext, Keyring};
use crate::db::schema::{
    counties, follow_ups as follow_up_rows, need_categories, providers, referral_events, referrals, service_needs,
    services,
};
use crate::db::{StoredText, rls};
use crate::error::{AppError, AppResult};
use crate::follow_ups::{self, FollowUp};
use crate::needs::Phase;
use crate::notify::{self, EventType};
use crate::providers::{LanguageCode, Population};
use crate::{audit, consent, idempotency, network_settings, standards, validate};

/// How soon the client needs the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Urgency {
    Emergency,
    Urgent,
    Routine,
}

/// Where a referral is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Status {
    Draft,
    Sent,
    Accepted,
    Declined,
    InProgress,
    Completed,
    Cancelled,
    UnableToReach,
}

/// Why a recipient declined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclineReason {
    NoCapacity,
    NotEligible,
    ServiceNotOffered,
    Other,
}

/// The text each value is stored as (see [`StoredText`]).
macro_rules! db_enum {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl StoredText for $t {
            const STORED: &'static [Self] = &[$(Self::$v),*];
            fn as_db(self) -> &'static str { match self { $(Self::$v => $s),* } }
        }
    };
}
db_enum!(Urgency { Emergency => "EMERGENCY", Urgent => "URGENT", Routine => "ROUTINE" });
db_enum!(Status {
    Draft => "DRAFT", Sent => "SENT", Accepted => "ACCEPTED", Declined => "DECLINED", InProgress => "IN_PROGRESS",
    Completed => "COMPLETED", Cancelled => "CANCELLED", UnableToReach => "UNABLE_TO_REACH",
});
db_enum!(DeclineReason { NoCapacity => "NO_CAPACITY", NotEligible => "NOT_ELIGIBLE", ServiceNotOffered => "SERVICE_NOT_OFFERED", Other => "OTHER" });

/// The side of a referral an organization is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Sender,
    Recipient,
}

/// Which side may move a referral from `from` to `to`; `None` if no one may.
pub fn who_may_move(from: Status, to: Status) -> Option<Side> {
    use Status::*;
    match (from, to) {
        (Draft, Sent) => Some(Side::Sender),
        (Draft | Sent | Accepted | InProgress, Cancelled) => Some(Side::Sender),
        (Sent, Accepted | Declined) => Some(Side::Recipient),
        (Accepted, InProgress) => Some(Side::Recipient),
        (InProgress, Completed) => Some(Side::Recipient),
        (Sent | Accepted | InProgress, UnableToReach) => Some(Side::Recipient),
        _ => None,
    }
}

/// A referral.
#[derive(Clone, Debug, PartialEq)]
pub struct Referral {
    pub id: Uuid,
    pub sender_organization_id: Uuid,
    pub recipient_organization_id: Uuid,
    pub provider_id: Uuid,
    pub service_id: Uuid,
    pub need_code: String,
    pub urgency: Urgency,
    pub client_id: Option<Uuid>,
    pub shared_fields: Vec<ClientField>,
    pub county_fips: Option<String>,
    pub language: Option<String>,
    pub populations: Vec<Population>,
    pub status: Status,
    pub decline_reason: Option<DeclineReason>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A transition.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferralEvent {
    pub referral_id: Uuid,
    pub from: Option<Status>,
    pub to: Status,
    pub actor_user_id: Option<Uuid>,
    pub actor_organization_id: Uuid,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// A new referral.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReferralInput {
    pub service_id: Uuid,
    pub need_code: String,
    pub urgency: Urgency,
    /// With consent: the client, and the fields to share.
    pub client_id: Option<Uuid>,
    pub share_fields: Vec<ClientField>,
    /// Without personal data: what may travel instead.
    pub county: Option<String>,
    pub language: Option<String>,
    pub populations: Vec<&'static str>,
    pub note: Option<String>,
    /// Send at once (default) or keep as a draft.
    pub send: bool,
}

const OPERATION: &str = "createReferral";

#[derive(Queryable, Selectable)]
#[diesel(table_name = referrals)]
struct Row {
    id: Uuid,
    sender_organization_id: Uuid,
    recipient_organization_id: Uuid,
    provider_id: Uuid,
    service_id: Uuid,
    need_code: String,
    urgency: String,
    client_id: Option<Uuid>,
    shared_fields: Vec<Option<String>>,
    county_fips: Option<String>,
    language: Option<String>,
    populations: Vec<Option<String>>,
    status: String,
    decline_reason: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn from_row(r: Row) -> AppResult<Referral> {
    Ok(Referral {
        id: r.id,
        sender_organization_id: r.sender_organization_id,
        recipient_organization_id: r.recipient_organization_id,
        provider_id: r.provider_id,
        service_id: r.service_id,
        need_code: r.need_code,
        urgency: Urgency::decode(&r.urgency)?,
        client_id: r.client_id,
        shared_fields: ClientField::decode_list(&r.shared_fields)?,
        county_fips: r.county_fips,
        language: r.language,
        populations: Population::decode_list(&r.populations)?,
        status: Status::decode(&r.status)?,
        decline_reason: r.decline_reason.as_deref().map(DeclineReason::decode).transpose()?,
        sent_at: r.sent_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// The referrals `org` may see: those it sent, and those it received once they were
/// sent — a draft belongs to its sender alone. The row-level-security policy on
/// `referrals` states the same rule, so the database holds it on its own too. (A
/// concrete expression type, not a boxed one, keeps the statements prepared once.)
fn visible_to(org: Uuid) -> VisibleTo {
    referrals::sender_organization_id
        .eq(org)
        .or(referrals::recipient_organization_id.eq(org).and(referrals::sent_at.is_not_null()))
}

type VisibleTo = dsl::Or<
    dsl::Eq<referrals::sender_organization_id, Uuid>,
    dsl::And<dsl::Eq<referrals::recipient_organization_id, Uuid>, dsl::IsNotNull<referrals::sent_at>>,
>;

async fn load(mut conn: &AsyncPgConnection, org: Uuid, ids: &[Uuid]) -> AppResult<Vec<Referral>> {
    let rows: Vec<Row> = referrals::table
        .filter(referrals::id.eq_any(ids))
        .filter(visible_to(org))
        .select(Row::as_select())
        .load(&mut conn)
        .await?;
    rows.into_iter().map(from_row).collect()
}

/// Where an event's note is sealed. The associated data binds it to its referral and to
/// its own event (`uid`), so a sealed note opens only in the event row it was written
/// for. Events from before events had a `uid` (migration 10) were sealed against their
/// referral only, and are opened as they were sealed.
fn note_field(event: Option<Uuid>) -> String {
    match event {
        Some(uid) => format!("note:{uid}"),
        None => "note".to_owned(),
    }
}

fn seal_note(keyring: &Keyring, referral: Uuid, event: Uuid, note: Option<&str>) -> Option<Vec<u8>> {
    let field = note_field(Some(event));
    keyring.seal_opt(FieldContext { table: "referral_events", row: referral, field: &field }, note)
}

fn open_note(
    keyring: &Keyring,
    referral: Uuid,
    event: Option<Uuid>,
    sealed: Option<&[u8]>,
) -> AppResult<Option<String>> {
    let field = note_field(event);
    keyring.open_opt(FieldContext { table: "referral_events", row: referral, field: &field }, sealed)
}

/// A transition to record: from, to, and the note (if any).
type Transition<'a> = (Option<Status>, Status, Option<&'a str>);

/// Appends transition events made `at` one instant, in order, in one statement (of a
/// fixed number of rows, so its text is fixed and it is prepared once per connection).
/// Each event gets its id (`uid`) here, before insertion, so its note can be sealed
/// against it.
async fn record_events<const N: usize>(
    mut conn: &AsyncPgConnection,
    keyring: &Keyring,
    member: &Member,
    referral: Uuid,
    at: DateTime<Utc>,
    transitions: [Transition<'_>; N],
) -> AppResult<()> {
    let rows = transitions.map(|(from, to, note)| {
        let uid = Uuid::new_v4();
        (
            referral_events::uid.eq(uid),
            referral_events::referral_id.eq(referral),
            referral_events::from_status.eq(from.map(Status::as_db)),
            referral_events::to_status.eq(to.as_db()),
            referral_events::actor_user_id.eq(member.user_id),
            referral_events::actor_organization_id.eq(member.organization_id),
            referral_events::note_enc.eq(seal_note(keyring, referral, uid, note)),
            referral_events::at.eq(at),
        )
    });
    diesel::insert_into(referral_events::table).values(rows).execute(&mut conn).await?;
    Ok(())
}

/// Checks that `allowed` (what active consents let the recipient see) covers `fields`.
fn require_consent(allowed: &BTreeSet<ClientField>, fields: &[ClientField]) -> AppResult<()> {
    let missing: Vec<&str> = fields.iter().filter(|f| !allowed.contains(f)).map(|f| f.as_db()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::ConsentRequired {
            message: format!(
                "no active consent lets the recipient see: {}; record consent, or refer without personal data",
                missing.join(", ")
            ),
        })
    }
}

/// What sending sets in motion (the referral is already marked sent at `sent_at`): the
/// sender's follow-up, sooner for acute needs, with its due and overdue reminders, and
/// word to the recipient. The three writes are independent, so they are pipelined: sent
/// together, run in order, one round trip.
async fn after_send(
    conn: &AsyncPgConnection,
    member: &Member,
    referral: Uuid,
    recipient: Uuid,
    due: DateTime<Utc>,
) -> AppResult<()> {
    let follow_up = Uuid::new_v4();
    let announced = [("referralId", referral)];
    tokio::try_join!(
        follow_ups::schedule(conn, follow_up, referral, member.organization_id, due, member.user_id),
        follow_ups::schedule_events(conn, follow_up, referral, member.organization_id, due),
        notify::emit(conn, EventType::ReferralSent, recipient, &announced),
    )?;
    Ok(())
}

/// When the sender's follow-up on a referral sent at `sent_at` falls due.
fn follow_up_due(network: &network_settings::NetworkSettings, phase: Phase, sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::days(network.follow_up_days(phase).into())
}

/// The phase of a need (its follow-up comes sooner when acute).
async fn phase_of(conn: &mut AsyncPgConnection, need: &str) -> AppResult<Phase> {
    let phase: String = need_categories::table.find(need).select(need_categories::phase).first(conn).await?;
    Phase::decode(&phase)
}

/// Where a new referral goes, as one lookup: the service's provider and its
/// organization, whether the service meets the need, the need's phase, and whether the
/// county asked about exists.
#[derive(Queryable)]
struct Target {
    provider: Uuid,
    recipient: Option<Uuid>,
    meets_need: bool,
    phase: Option<String>,
    county_exists: bool,
}

async fn target_of(
    mut conn: &AsyncPgConnection,
    service: Uuid,
    need: &str,
    county: Option<&Fips>,
) -> AppResult<Option<Target>> {
    use diesel::dsl::exists;
    Ok(services::table
        .inner_join(providers::table)
        .filter(services::id.eq(service))
        .filter(services::archived_at.is_null())
        .filter(providers::archived_at.is_null())
        .select((
            providers::id,
            providers::organization_id,
            exists(
                service_needs::table
                    .filter(service_needs::service_id.eq(service))
                    .filter(service_needs::need_code.eq(need)),
            ),
            need_categories::table.filter(need_categories::code.eq(need)).select(need_categories::phase).single_value(),
            exists(counties::table.filter(counties::fips.nullable().eq(county.map(|f| f.as_str().to_owned())))),
        ))
        .first(&mut conn)
        .await
        .optional()?)
}

/// Creates a referral (and sends it unless `send` is false). Idempotent by `key`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    keyring: &Arc<Keyring>,
    caller: &Caller,
    key: &str,
    input: ReferralInput,
) -> AppResult<Referral> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    idempotency::check_key(key)?;
    let note = validate::optional_text(input.note.as_deref(), "input.note", 4000)?;
    if input.client_id.is_none() {
        note_without_personal_data(note.as_deref(), "input.note")?;
    }
    match (input.client_id, input.share_fields.is_empty()) {
        (Some(_), true) => {
            return Err(AppError::bad_input(
                "input.shareFields",
                "input.shareFields must name what to share about the client",
            ));
        }
        (None, false) => {
            return Err(AppError::bad_input("input.shareFields", "input.shareFields needs input.clientId"));
        }
        _ => {}
    }
    let county = input.county.as_deref().map(|c| Fips::parse(c, "input.county")).transpose()?;
    let language = input
        .language
        .as_deref()
        .map(|l| LanguageCode::parse(l, "input.language").map(|c| c.as_str().to_owned()))
        .transpose()?;
    let hash = idempotency::request_hash(&serde_json::to_string(&input).unwrap_or_default());
    let (key, caller, keyring) = (key.to_owned(), caller.clone(), Arc::clone(keyring));
    let acting = member.clone();
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let member = acting;
            let db: &AsyncPgConnection = conn;
            let id = Uuid::new_v4();
            // The claim and everything the checks read go to the database together
            // (pipelined: sent at once, run in order), one round trip instead of five.
            let client_and_grants = async {
                match input.client_id {
                    None => Ok::<_, AppError>(None),
                    Some(client) => Ok(Some(tokio::try_join!(
                        clients::owned_in_tx(db, &member, client),
                        consent::active_grants(db, client)
                    )?)),
                }
            };
            let (claim, target, client, network) = tokio::try_join!(
                idempotency::claim(db, member.organization_id, OPERATION, &key, &hash, id),
                target_of(db, input.service_id, &input.need_code, county.as_ref()),
                client_and_grants,
                network_settings::get(db),
            )?;
            if let idempotency::Claim::Done(existing) = claim {
                return load(db, member.organization_id, &[existing])
                    .await?
                    .pop()
                    .ok_or(AppError::NotFound { what: "referral" });
            }
            let target = target
                .ok_or_else(|| AppError::bad_input("input.serviceId", "input.serviceId is not a listed service"))?;
            let recipient = target.recipient.ok_or_else(|| {
                AppError::bad_input(
                    "input.serviceId",
                    "input.serviceId belongs to a provider that is not a network member and cannot receive referrals",
                )
            })?;
            if !target.meets_need {
                return Err(AppError::bad_input("input.needCode", "input.needCode is not a need this service meets"));
            }
            if county.is_some() && !target.county_exists {
                return Err(AppError::bad_input("input.county", "input.county is not a known county"));
            }
            standards::routing::check_recipient(db, &input.need_code, recipient).await?;
            if let Some((owned, grants)) = client {
                owned.ok_or(AppError::NotFound { what: "client" })?;
                require_consent(&consent::granted_fields(&grants, recipient, input.service_id), &input.share_fields)?;
            }
            // Sent at once (the usual case) is written as sent, with both events: the
            // draft it was, and its sending, all at one instant. The writes are
            // independent of each other's results, so they are pipelined too. try_join!
            // polls its futures in the order written and each sends its statement on its
            // first poll, so PostgreSQL runs them in that order: the referral before the
            // rows that reference it. The first failure aborts the transaction; the
            // statements after it fail too and everything rolls back.
            let now = Utc::now();
            let sent_at = input.send.then_some(now);
            let status = if input.send { Status::Sent } else { Status::Draft };
            let shared: BTreeSet<&str> = input.share_fields.iter().map(|f| f.as_db()).collect();
            let inserted = async {
                let mut db = db;
                diesel::insert_into(referrals::table)
                    .values((
                        referrals::id.eq(id),
                        referrals::sender_organization_id.eq(member.organization_id),
                        referrals::recipient_organization_id.eq(recipient),
                        referrals::provider_id.eq(target.provider),
                        referrals::service_id.eq(input.service_id),
                        referrals::need_code.eq(&input.need_code),
                        referrals::urgency.eq(input.urgency.as_db()),
                        referrals::client_id.eq(input.client_id),
                        referrals::shared_fields.eq(shared.iter().map(|f| Some(f.to_string())).collect::<Vec<_>>()),
                        referrals::county_fips.eq(county.as_ref().map(|f| f.as_str().to_owned())),
                        referrals::language.eq(&language),
                        referrals::populations.eq(input
                            .populations
                            .iter()
                            .map(|p| Some(p.to_string()))
                            .collect::<Vec<_>>()),
                        referrals::status.eq(status.as_db()),
                        referrals::sent_at.eq(sent_at),
                        referrals::created_at.eq(now),
                        referrals::updated_at.eq(now),
                        referrals::created_by.eq(member.user_id),
                    ))
                    .returning(Row::as_returning())
                    .get_result::<Row>(&mut db)
                    .await
                    .map_err(AppError::from)
            };
            let drafted: Transition<'_> = (None, Status::Draft, note.as_deref());
            let events = async {
                match sent_at {
                    None => record_events(db, &keyring, &member, id, now, [drafted]).await,
                    Some(_) => {
                        let sent: Transition<'_> = (Some(Status::Draft), Status::Sent, None);
                        record_events(db, &keyring, &member, id, now, [drafted, sent]).await
                    }
                }
            };
            let sending = async {
                let Some(sent_at) = sent_at else { return Ok(()) };
                // The service meets the need (checked above), so the need has a row and a phase.
                let phase = Phase::decode(target.phase.as_deref().unwrap_or_default())?;
                after_send(db, &member, id, recipient, follow_up_due(&network, phase, sent_at)).await
            };
            let (row, (), (), ()) = tokio::try_join!(
                inserted,
                events,
                sending,
                audit::record(db, &caller, "referral.create", "referral", Some(id)),
            )?;
            from_row(row)
        })
    })
    .await
}

/// Moves a referral along its lifecycle. Illegal moves are `BAD_USER_INPUT` on `to`;
/// moves that belong to the other side are `FORBIDDEN`.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    keyring: &Arc<Keyring>,
    caller: &Caller,
    id: Uuid,
    to: Status,
    reason: Option<DeclineReason>,
    note: Option<String>,
) -> AppResult<Referral> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let note = validate::optional_text(note.as_deref(), "note", 4000)?;
    match (to, reason) {
        (Status::Declined, None) => return Err(AppError::bad_input("reason", "reason is required to decline")),
        (s, Some(_)) if s != Status::Declined => {
            return Err(AppError::bad_input("reason", "reason is only for declining"));
        }
        _ => {}
    }
    let (caller2, keyring) = (caller.clone(), Arc::clone(keyring));
    let acting = member.clone();
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let member = acting;
            let row: Option<Row> = referrals::table
                .find(id)
                .filter(visible_to(member.organization_id))
                .select(Row::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let referral = from_row(row.ok_or(AppError::NotFound { what: "referral" })?)?;
            if referral.client_id.is_none() {
                note_without_personal_data(note.as_deref(), "note")?;
            }
            let side =
                if referral.sender_organization_id == member.organization_id { Side::Sender } else { Side::Recipient };
            let needed = who_may_move(referral.status, to).ok_or_else(|| {
                AppError::bad_input(
                    "to",
                    format!("to: a referral cannot go from {} to {}", referral.status.as_db(), to.as_db()),
                )
            })?;
            if needed != side {
                return Err(AppError::Forbidden);
            }
            let now = Utc::now();
            if to == Status::Sent {
                standards::routing::check_recipient(conn, &referral.need_code, referral.recipient_organization_id)
                    .await?;
                if let Some(client) = referral.client_id {
                    let (recipient, service) = (referral.recipient_organization_id, referral.service_id);
                    let allowed = consent::active_fields(conn, client, recipient, service).await?;
                    require_consent(&allowed, &referral.shared_fields)?;
                }
                diesel::update(referrals::table.find(id))
                    .set((
                        referrals::status.eq(Status::Sent.as_db()),
                        referrals::sent_at.eq(now),
                        referrals::updated_at.eq(now),
                        referrals::version.eq(referrals::version + 1),
                    ))
                    .execute(conn)
                    .await?;
                let phase = phase_of(conn, &referral.need_code).await?;
                let network = network_settings::get(conn).await?;
                after_send(conn, &member, id, referral.recipient_organization_id, follow_up_due(&network, phase, now))
                    .await?;
            } else {
                diesel::update(referrals::table.find(id))
                    .set((
                        referrals::status.eq(to.as_db()),
                        referrals::decline_reason.eq(reason.map(DeclineReason::as_db)),
                        referrals::updated_at.eq(now),
                        referrals::version.eq(referrals::version + 1),
                    ))
                    .execute(conn)
                    .await?;
            }
            record_events(conn, &keyring, &member, id, now, [(Some(referral.status), to, note.as_deref())]).await?;
            // A hold on the service's capacity is converted or freed with the answer, and
            // a decline for no capacity records that there was none.
            crate::capacity::holds::on_referral_moved(conn, &member, id, referral.service_id, to, reason).await?;
            // Tell the other side (sending already announced itself to the recipient, and
            // a recipient knows nothing of a referral never sent: cancelling an unsent
            // draft tells nobody).
            let other = match side {
                Side::Sender => referral.recipient_organization_id,
                Side::Recipient => referral.sender_organization_id,
            };
            let event = match to {
                Status::Sent => None,
                _ if referral.sent_at.is_none() => None,
                Status::Accepted => Some(EventType::ReferralAccepted),
                Status::Declined => Some(EventType::ReferralDeclined),
                _ => Some(EventType::ReferralStatusChanged),
            };
            if let Some(event) = event {
                notify::emit(conn, event, other, &[("referralId", id)]).await?;
            }
            audit::record(conn, &caller2, "referral.transition", "referral", Some(id)).await?;
            Ok(())
        })
    })
    .await?;
    get(conn, caller, id).await?.ok_or(AppError::NotFound { what: "referral" })
}

/// A referral the caller's organization sent, or received (once sent).
pub async fn get(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<Option<Referral>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let org = member.organization_id;
    rls::in_org(conn, &member, move |conn| Box::pin(async move { Ok(load(conn, org, &[id]).await?.pop()) })).await
}

/// Referrals by id, those the caller's organization may see (for batched loading).
pub async fn by_ids(conn: &mut AsyncPgConnection, caller: &Caller, ids: &[Uuid]) -> AppResult<Vec<Referral>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let (org, ids) = (member.organization_id, ids.to_vec());
    rls::in_org(conn, &member, move |conn| Box::pin(async move { load(conn, org, &ids).await })).await
}

/// How many referrals of the caller's organization are in each status, on each side:
/// those it sent (drafts included) and those it received (once sent, as it sees them).
/// Statuses with none are left out.
pub async fn counts(conn: &mut AsyncPgConnection, caller: &Caller) -> AppResult<Vec<(Side, Status, i64)>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let org = member.organization_id;
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let sent: Vec<(String, i64)> = referrals::table
                .filter(referrals::sender_organization_id.eq(org))
                .group_by(referrals::status)
                .select((referrals::status, dsl::count_star()))
                .load(conn)
                .await?;
            let received: Vec<(String, i64)> = referrals::table
                .filter(referrals::recipient_organization_id.eq(org))
                .filter(referrals::sent_at.is_not_null())
                .group_by(referrals::status)
                .select((referrals::status, dsl::count_star()))
                .load(conn)
                .await?;
            let sides =
                sent.into_iter().map(|r| (Side::Sender, r)).chain(received.into_iter().map(|r| (Side::Recipient, r)));
            sides.map(|(side, (status, n))| Ok((side, Status::decode(&status)?, n))).collect()
        })
    })
    .await
}

/// Which referrals to list.
#[derive(Clone, Debug, Default)]
pub struct ReferralFilter {
    /// Only those the caller's organization sent (`Sender`) or received (`Recipient`).
    pub side: Option<Side>,
    pub statuses: Vec<Status>,
    pub need_code: Option<String>,
    /// Only referrals sent at least this many days ago that have no follow-up outcome
    /// and are still open (sent, accepted or in progress).
    pub no_outcome_after_days: Option<i32>,
}

/// Referrals of the caller's organization, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    filter: ReferralFilter,
    limit: i64,
) -> AppResult<Vec<Referral>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    if filter.no_outcome_after_days.is_some_and(|d| !(0..=3650).contains(&d)) {
        return Err(AppError::bad_input(
            "filter.noOutcomeAfterDays",
            "filter.noOutcomeAfterDays must be from 0 to 3650",
        ));
    }
    let org = member.organization_id;
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let mut query = referrals::table
                .select(Row::as_select())
                .filter(visible_to(org))
                .order((referrals::created_at.desc(), referrals::id))
                .limit(limit)
                .into_boxed();
            match filter.side {
                Some(Side::Sender) => query = query.filter(referrals::sender_organization_id.eq(org)),
                Some(Side::Recipient) => query = query.filter(referrals::recipient_organization_id.eq(org)),
                None => {}
            }
            if !filter.statuses.is_empty() {
                query = query
                    .filter(referrals::status.eq_any(filter.statuses.iter().map(|s| s.as_db()).collect::<Vec<_>>()));
            }
            if let Some(need) = &filter.need_code {
                query = query.filter(referrals::need_code.eq(need.clone()));
            }
            if let Some(days) = filter.no_outcome_after_days {
                let open = [Status::Sent, Status::Accepted, Status::InProgress].map(Status::as_db);
                query = query
                    .filter(referrals::sender_organization_id.eq(org))
                    .filter(referrals::status.eq_any(open))
                    .filter(referrals::sent_at.lt(Utc::now() - Duration::days(days.into())))
                    .filter(diesel::dsl::not(diesel::dsl::exists(
                        follow_up_rows::table
                            .filter(follow_up_rows::referral_id.eq(referrals::id))
                            .filter(follow_up_rows::completed_at.is_not_null()),
                    )));
            }
            query.load(conn).await?.into_iter().map(from_row).collect()
        })
    })
    .await
}

/// The transitions of referrals the caller may see, oldest first, with the notes it may
/// read opened (see [`notes_readable`]; the others are `None`).
pub async fn events(
    conn: &mut AsyncPgConnection,
    keyring: &Keyring,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<Vec<ReferralEvent>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let (ids, org) = (ids.to_vec(), member.organization_id);
    type EventRow = (Uuid, Option<String>, String, Option<Uuid>, Uuid, DateTime<Utc>, Option<Vec<u8>>, Option<Uuid>);
    let (rows, notes_shown): (Vec<EventRow>, HashSet<Uuid>) = rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let visible = load(conn, org, &ids).await?;
            let mut notes_shown = HashSet::new();
            for referral in &visible {
                if notes_readable(conn, referral, org).await? {
                    notes_shown.insert(referral.id);
                }
            }
            let visible: Vec<Uuid> = visible.iter().map(|r| r.id).collect();
            let rows = referral_events::table
                .filter(referral_events::referral_id.eq_any(&visible))
                .order((referral_events::referral_id, referral_events::id))
                .select((
                    referral_events::referral_id,
                    referral_events::from_status,
                    referral_events::to_status,
                    referral_events::actor_user_id,
                    referral_events::actor_organization_id,
                    referral_events::at,
                    referral_events::note_enc,
                    referral_events::uid,
                ))
                .load(conn)
                .await?;
            Ok((rows, notes_shown))
        })
    })
    .await?;
    rows.into_iter()
        .map(|(referral_id, from, to, actor_user_id, actor_organization_id, at, note, uid)| {
            // A note the caller may not read is not even opened.
            let note = if notes_shown.contains(&referral_id) {
                open_note(keyring, referral_id, uid, note.as_deref())?
            } else {
                None
            };
            Ok(ReferralEvent {
                referral_id,
                from: from.as_deref().map(Status::decode).transpose()?,
                to: Status::decode(&to)?,
                actor_user_id,
                actor_organization_id,
                at,
                note,
            })
        })
        .collect()
}

/// The fields of a referral's client that `org` may read right now: all of them for the
/// sender (whose client it is); for the recipient, those the referral shares that an
/// active consent naming it covers for the referral's service; none without a client.
/// Call inside an RLS transaction.
async fn readable_fields(conn: &AsyncPgConnection, referral: &Referral, org: Uuid) -> AppResult<Vec<ClientField>> {
    let Some(client) = referral.client_id else { return Ok(Vec::new()) };
    if referral.sender_organization_id == org {
        return Ok(ClientField::ALL.to_vec());
    }
    let allowed = consent::active_fields(conn, client, org, referral.service_id).await?;
    Ok(referral.shared_fields.iter().copied().filter(|f| allowed.contains(f)).collect())
}

/// Whether `org` may read the notes on a referral it can see. Without a client they hold
/// no personal data (see [`note_without_personal_data`]) and both sides read them; with
/// one they are client data, and go with the client: the recipient reads them while it
/// may read some of the client, so they are gone once consent is revoked or expires.
async fn notes_readable(conn: &AsyncPgConnection, referral: &Referral, org: Uuid) -> AppResult<bool> {
    Ok(referral.client_id.is_none() || !readable_fields(conn, referral, org).await?.is_empty())
}

/// A note on a referral without a client must not carry what the referral leaves out.
fn note_without_personal_data(note: Option<&str>, field: &str) -> AppResult<()> {
    match note {
        Some(note) => validate::no_contact_details(note, field, "on a referral without a client"),
        None => Ok(()),
    }
}

/// The follow-ups of referrals (only the sending organization's show).
pub async fn follow_ups_of(conn: &mut AsyncPgConnection, caller: &Caller, ids: &[Uuid]) -> AppResult<Vec<FollowUp>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let (ids, org) = (ids.to_vec(), member.organization_id);
    rls::in_org(conn, &member, move |conn| Box::pin(async move { follow_ups::of_referrals(conn, org, &ids).await }))
        .await
}

/// The client of each referral as the caller may see it right now: the sender (the
/// client's organization) sees the whole record; the recipient sees the fields the
/// referral shares that an active consent naming it covers, and nothing once consent is
/// revoked or expired. Each read of personal data is audited in the same transaction.
pub async fn clients_of(
    conn: &mut AsyncPgConnection,
    keyring: &Keyring,
    caller: &Caller,
    ids: &[Uuid],
    today: chrono::NaiveDate,
) -> AppResult<HashMap<Uuid, ClientView>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let (caller2, ids) = (caller.clone(), ids.to_vec());
    let org = member.organization_id;
    let readable: Vec<(Uuid, clients::ClientRow, Vec<ClientField>)> = rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let list = load(conn, org, &ids).await?;
            let mut out = Vec::new();
            for referral in list {
                let Some(client) = referral.client_id else { continue };
                let fields = readable_fields(conn, &referral, org).await?;
                if fields.is_empty() {
                    continue;
                }
                // RLS shows the client row only to its organization or to an organization
                // an active consent names.
                let Some(row) = clients::rows_in_tx(conn, &[client]).await?.pop() else { continue };
                audit::record(conn, &caller2, "client.read", "client", Some(client)).await?;
                out.push((referral.id, row, fields));
            }
            Ok(out)
        })
    })
    .await?;
    readable
        .into_iter()
        .map(|(referral, row, fields)| Ok((referral, clients::view(keyring, row, &fields, today)?)))
        .collect()
}
