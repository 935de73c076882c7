//! Consent to share a client's information: informed, written (or, for phone and online
//! contact, verbal and documented — Standard 12), time-limited, scoped to named
//! recipient organizations and named fields, revocable at once. A minor's consent needs
//! a parent's or guardian's who is not the suspected abuser, unless the network allows
//! the minor to consent alone for that service. Consent is never a condition of service:
//! referrals without personal data need none.
//!
//! History is append-only: a consent never changes; a revocation is a row of its own.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::audit;
use crate::auth::Caller;
use crate::clients::{self, CLIENT_ROLES, ClientField};
use crate::crypto::Keyring;
use crate::db::StoredText;
use crate::db::rls;
use crate::db::schema::{consent_recipients, consent_revocations, consents, referrals};
use crate::error::{AppError, AppResult};
use crate::{idempotency, network_settings, validate};

/// How consent was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ConsentMethod {
    WrittenSigned,
    VerbalDocumented,
}

impl StoredText for ConsentMethod {
    const STORED: &'static [Self] = &[ConsentMethod::WrittenSigned, ConsentMethod::VerbalDocumented];

    fn as_db(self) -> &'static str {
        match self {
            ConsentMethod::WrittenSigned => "WRITTEN_SIGNED",
            ConsentMethod::VerbalDocumented => "VERBAL_DOCUMENTED",
        }
    }
}

/// How the client was in contact when consenting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ContactMode {
    InPerson,
    Phone,
    Online,
}

impl StoredText for ContactMode {
    const STORED: &'static [Self] = &[ContactMode::InPerson, ContactMode::Phone, ContactMode::Online];

    fn as_db(self) -> &'static str {
        match self {
            ContactMode::InPerson => "IN_PERSON",
            ContactMode::Phone => "PHONE",
            ContactMode::Online => "ONLINE",
        }
    }
}

/// A parent's or guardian's consent for a minor.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GuardianConsent {
    /// E.g. "mother", "legal guardian".
    pub relationship: String,
    /// The person obtaining consent attests the guardian is not the suspected abuser.
    pub not_suspected_abuser: bool,
}

/// A consent as recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConsentInput {
    pub client_id: Uuid,
    pub recipients: Vec<Uuid>,
    pub fields: Vec<ClientField>,
    pub purpose: String,
    pub method: ConsentMethod,
    pub contact_mode: ContactMode,
    /// When it was obtained (default: now).
    pub obtained_at: Option<DateTime<Utc>>,
    /// When it ends (default: the network's default; at most its maximum).
    pub expires_at: Option<DateTime<Utc>>,
    pub guardian: Option<GuardianConsent>,
    /// The service a minor's own consent is for (when the network allows it).
    pub service_id: Option<Uuid>,
}

impl serde::Serialize for ClientField {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_db())
    }
}

/// Whether a consent can be relied on now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentStatus {
    Active,
    Expired,
    Revoked,
}

/// A recorded consent.
#[derive(Clone, Debug, PartialEq)]
pub struct Consent {
    pub id: Uuid,
    pub client_id: Uuid,
    pub organization_id: Uuid,
    pub recipients: Vec<Uuid>,
    pub fields: Vec<ClientField>,
    pub purpose: String,
    pub method: ConsentMethod,
    pub contact_mode: ContactMode,
    pub obtained_by: Option<Uuid>,
    pub obtained_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub guardian_relationship: Option<String>,
    pub service_id: Option<Uuid>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Consent {
    pub fn status(&self, now: DateTime<Utc>) -> ConsentStatus {
        if self.revoked_at.is_some() {
            ConsentStatus::Revoked
        } else if self.expires_at <= now {
            ConsentStatus::Expired
        } else {
            ConsentStatus::Active
        }
    }
}

const OPERATION: &str = "recordConsent";

/// Records a consent for a client of the caller's organization. Idempotent by `key`.
pub async fn record(
    conn: &mut AsyncPgConnection,
    keyring: &Arc<Keyring>,
    caller: &Caller,
    key: &str,
    input: ConsentInput,
    today: chrono::NaiveDate,
) -> AppResult<Consent> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    idempotency::check_key(key)?;
    if input.recipients.is_empty() {
        return Err(AppError::bad_input("input.recipients", "input.recipients must name at least one organization"));
    }
    if input.fields.is_empty() {
        return Err(AppError::bad_input("input.fields", "input.fields must name at least one field"));
    }
    let purpose = validate::text(&input.purpose, "input.purpose", 500)?;
    if input.method == ConsentMethod::VerbalDocumented && input.contact_mode == ContactMode::InPerson {
        return Err(AppError::bad_input(
            "input.method",
            "input.method: consent given in person must be written and signed; verbal consent is for phone or online contact",
        ));
    }
    let now = Utc::now();
    let obtained_at = input.obtained_at.unwrap_or(now);
    if obtained_at > now + Duration::minutes(5) {
        return Err(AppError::bad_input("input.obtainedAt", "input.obtainedAt cannot be in the future"));
    }
    if let Some(g) = &input.guardian {
        validate::text(&g.relationship, "input.guardian.relationship", 100)?;
        if !g.not_suspected_abuser {
            return Err(AppError::bad_input(
                "input.guardian.notSuspectedAbuser",
                "input.guardian.notSuspectedAbuser: a suspected abuser cannot consent for a minor",
            ));
        }
    }
    let hash = idempotency::request_hash(&serde_json::to_string(&input).unwrap_or_default());
    let key = key.to_owned();
    let caller = caller.clone();
    let keyring = Arc::clone(keyring);
    let recipients: BTreeSet<Uuid> = input.recipients.iter().copied().collect();
    let fields: BTreeSet<&'static str> = input.fields.iter().map(|f| f.as_db()).collect();
    let acting = member.clone();
    let id = rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let member = acting;
            let client = clients::owned_in_tx(conn, &member, input.client_id)
                .await?
                .ok_or(AppError::NotFound { what: "client" })?;
            let id = Uuid::new_v4();
            if let idempotency::Claim::Done(existing) =
                idempotency::claim(conn, member.organization_id, OPERATION, &key, &hash, id).await?
            {
                return Ok(existing);
            }
            for org in &recipients {
                if !crate::organizations::exists(conn, *org).await? {
                    return Err(AppError::bad_input(
                        "input.recipients",
                        "input.recipients names an unknown organization",
                    ));
                }
            }
            let settings = network_settings::get(conn).await?;
            let expires_at =
                input.expires_at.unwrap_or(obtained_at + Duration::days(settings.consent_default_days.into()));
            if expires_at <= now {
                return Err(AppError::bad_input("input.expiresAt", "input.expiresAt must be in the future"));
            }
            if expires_at > obtained_at + Duration::days(settings.consent_max_days.into()) {
                return Err(AppError::bad_input(
                    "input.expiresAt",
                    format!("input.expiresAt is beyond the network's maximum of {} days", settings.consent_max_days),
                ));
            }
            // A minor needs a guardian's consent unless the network lets minors consent
            // alone to the named service; an unknown age is not assumed to be adult.
            let minor = clients::view(&keyring, client.clone(), &[ClientField::DateOfBirth], today)?.minor;
            match (minor, &input.guardian, input.service_id) {
                (None, _, _) => {
                    return Err(AppError::bad_input(
                        "input.clientId",
                        "input.clientId: record the client's date of birth or whether they are a minor before consent",
                    ));
                }
                (Some(true), None, Some(service))
                    if network_settings::minor_may_consent_alone(conn, service).await? => {}
                (Some(true), None, _) => {
                    return Err(AppError::bad_input(
                        "input.guardian",
                        "input.guardian: a minor's consent needs a parent's or guardian's as well",
                    ));
                }
                _ => {}
            }
            diesel::insert_into(consents::table)
                .values((
                    consents::id.eq(id),
                    consents::client_id.eq(client.id),
                    consents::organization_id.eq(member.organization_id),
                    consents::fields.eq(fields.iter().map(|f| Some(f.to_string())).collect::<Vec<_>>()),
                    consents::purpose.eq(&purpose),
                    consents::method.eq(input.method.as_db()),
                    consents::contact_mode.eq(input.contact_mode.as_db()),
                    consents::obtained_by.eq(member.user_id),
                    consents::obtained_at.eq(obtained_at),
                    consents::expires_at.eq(expires_at),
                    consents::guardian_relationship
                        .eq(input.guardian.as_ref().map(|g| g.relationship.trim().to_owned())),
                    consents::guardian_attested_not_suspected_abuser
                        .eq(input.guardian.as_ref().map(|g| g.not_suspected_abuser)),
                    consents::service_id.eq(input.service_id),
                ))
                .execute(conn)
                .await?;
            let rows: Vec<_> = recipients
                .iter()
                .map(|org| {
                    (
                        consent_recipients::consent_id.eq(id),
                        consent_recipients::organization_id.eq(*org),
                        consent_recipients::owner_organization_id.eq(member.organization_id),
                    )
                })
                .collect();
            diesel::insert_into(consent_recipients::table).values(rows).execute(conn).await?;
            audit::record(conn, &caller, "consent.record", "consent", Some(id)).await?;
            Ok(id)
        })
    })
    .await?;
    get(conn, &member_caller(&member), id).await?.ok_or(AppError::NotFound { what: "consent" })
}

fn member_caller(member: &crate::auth::Member) -> Caller {
    Caller { actor: crate::auth::Actor::Member(member.clone()), request_id: String::new() }
}

/// Revokes a consent of the caller's organization at once.
pub async fn revoke(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<Consent> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let caller2 = caller.clone();
    let m = member.clone();
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let owner: Option<Uuid> = consents::table
                .find(id)
                .filter(consents::organization_id.eq(m.organization_id))
                .select(consents::organization_id)
                .first(conn)
                .await
                .optional()?;
            if owner.is_none() {
                return Err(AppError::NotFound { what: "consent" });
            }
            let inserted = diesel::insert_into(consent_revocations::table)
                .values((
                    consent_revocations::consent_id.eq(id),
                    consent_revocations::owner_organization_id.eq(m.organization_id),
                    consent_revocations::revoked_by.eq(m.user_id),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if inserted == 1 {
                // Tell each recipient organization holding a referral of this client that
                // the consent named (ids only). A draft's recipient holds nothing: it
                // knows of a referral only once it is sent.
                let affected: Vec<(Uuid, Uuid)> = referrals::table
                    .inner_join(consents::table.on(consents::client_id.nullable().eq(referrals::client_id)))
                    .inner_join(
                        consent_recipients::table.on(consent_recipients::consent_id
                            .eq(consents::id)
                            .and(consent_recipients::organization_id.eq(referrals::recipient_organization_id))),
                    )
                    .filter(consents::id.eq(id))
                    .filter(referrals::sent_at.is_not_null())
                    .select((referrals::id, referrals::recipient_organization_id))
                    .load(conn)
                    .await?;
                for (referral, recipient) in affected {
                    let ids = [("consentId", id), ("referralId", referral)];
                    crate::notify::emit(conn, crate::notify::EventType::ConsentRevoked, recipient, &ids).await?;
                }
                audit::record(conn, &caller2, "consent.revoke", "consent", Some(id)).await?;
            }
            Ok(())
        })
    })
    .await?;
    get(conn, caller, id).await?.ok_or(AppError::NotFound { what: "consent" })
}

/// A consent as stored (its recipients and any revocation live in their own tables).
#[derive(Queryable, Selectable)]
#[diesel(table_name = consents)]
struct ConsentRow {
    id: Uuid,
    client_id: Uuid,
    organization_id: Uuid,
    fields: Vec<Option<String>>,
    purpose: String,
    method: String,
    contact_mode: String,
    obtained_by: Option<Uuid>,
    obtained_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    guardian_relationship: Option<String>,
    service_id: Option<Uuid>,
}

async fn load(conn: &mut AsyncPgConnection, filter: Filter) -> AppResult<Vec<Consent>> {
    let mut query = consents::table
        .left_join(consent_revocations::table)
        .select((ConsentRow::as_select(), consent_revocations::revoked_at.nullable()))
        .order((consents::created_at.desc(), consents::id))
        .into_boxed();
    query = match filter {
        Filter::Id(id) => query.filter(consents::id.eq(id)),
        Filter::Client(client) => query.filter(consents::client_id.eq(client)),
    };
    let rows: Vec<(ConsentRow, Option<DateTime<Utc>>)> = query.load(conn).await?;
    let ids: Vec<Uuid> = rows.iter().map(|(r, _)| r.id).collect();
    let recipients: Vec<(Uuid, Uuid)> = consent_recipients::table
        .filter(consent_recipients::consent_id.eq_any(&ids))
        .select((consent_recipients::consent_id, consent_recipients::organization_id))
        .order((consent_recipients::consent_id, consent_recipients::organization_id))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|(r, revoked_at)| {
            Ok(Consent {
                id: r.id,
                client_id: r.client_id,
                organization_id: r.organization_id,
                recipients: recipients.iter().filter(|(c, _)| *c == r.id).map(|(_, o)| *o).collect(),
                fields: ClientField::decode_list(&r.fields)?,
                purpose: r.purpose,
                method: ConsentMethod::decode(&r.method)?,
                contact_mode: ContactMode::decode(&r.contact_mode)?,
                obtained_by: r.obtained_by,
                obtained_at: r.obtained_at,
                expires_at: r.expires_at,
                guardian_relationship: r.guardian_relationship,
                service_id: r.service_id,
                revoked_at,
            })
        })
        .collect()
}

enum Filter {
    Id(Uuid),
    Client(Uuid),
}

/// A consent the caller's organization recorded or is named in.
pub async fn get(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<Option<Consent>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    rls::in_org(conn, &member, move |conn| Box::pin(async move { Ok(load(conn, Filter::Id(id)).await?.pop()) })).await
}

/// Consents of a client of the caller's organization, newest first.
pub async fn of_client(conn: &mut AsyncPgConnection, caller: &Caller, client: Uuid) -> AppResult<Vec<Consent>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let mut list = load(conn, Filter::Client(client)).await?;
            list.retain(|c| c.organization_id == member.organization_id);
            Ok(list)
        })
    })
    .await
}

/// What one active consent lets one recipient organization read.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub recipient: Uuid,
    /// The one service the consent is scoped to; `None` for any.
    pub service: Option<Uuid>,
    pub fields: Vec<ClientField>,
}

/// Every grant of the client's active (unexpired, unrevoked) consents that the acting
/// organization can see. Call inside an RLS transaction.
pub async fn active_grants(mut conn: &AsyncPgConnection, client: Uuid) -> AppResult<Vec<Grant>> {
    let now = Utc::now();
    let rows: Vec<(Uuid, Option<Uuid>, Vec<Option<String>>)> = consents::table
        .inner_join(consent_recipients::table)
        .left_join(consent_revocations::table)
        .filter(consents::client_id.eq(client))
        .filter(consents::expires_at.gt(now))
        .filter(consent_revocations::consent_id.nullable().is_null())
        .select((consent_recipients::organization_id, consents::service_id, consents::fields))
        .load(&mut conn)
        .await?;
    rows.into_iter()
        .map(|(recipient, service, fields)| {
            Ok(Grant { recipient, service, fields: ClientField::decode_list(&fields)? })
        })
        .collect()
}

/// The fields `recipient` may read given `service`: the union of the fields of every
/// grant naming the recipient (a consent scoped to one service counts only for it).
pub fn granted_fields(grants: &[Grant], recipient: Uuid, service: Uuid) -> BTreeSet<ClientField> {
    grants
        .iter()
        .filter(|g| g.recipient == recipient && g.service.is_none_or(|s| s == service))
        .flat_map(|g| g.fields.iter().copied())
        .collect()
}

/// The fields of `client` that `recipient` may read now, given `service` (see
/// [`granted_fields`]). Call inside an RLS transaction.
pub async fn active_fields(
    conn: &AsyncPgConnection,
    client: Uuid,
    recipient: Uuid,
    service: Uuid,
) -> AppResult<BTreeSet<ClientField>> {
    Ok(granted_fields(&active_grants(conn, client).await?, recipient, service))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recipient_reads_the_union_of_its_grants_for_the_service_and_nothing_granted_to_others() {
        let (shelter, clinic) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (housing, counseling) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let grants = [
            Grant { recipient: shelter, service: None, fields: vec![ClientField::Name] },
            Grant { recipient: shelter, service: Some(housing), fields: vec![ClientField::Contact] },
            Grant { recipient: clinic, service: None, fields: vec![ClientField::Needs] },
        ];
        assert_eq!(
            granted_fields(&grants, shelter, housing),
            BTreeSet::from([ClientField::Name, ClientField::Contact])
        );
        assert_eq!(
            granted_fields(&grants, shelter, counseling),
            BTreeSet::from([ClientField::Name]),
            "a consent scoped to one service counts only for it"
        );
        assert_eq!(granted_fields(&grants, clinic, housing), BTreeSet::from([ClientField::Needs]));
        assert!(granted_fields(&grants, Uuid::from_u128(3), housing).is_empty(), "nobody else is named");
    }
}
