//! Clients, consent and referrals over GraphQL (follow-ups and the network's settings
//! have their own files). Resolvers parse, call the
//! domain, and wrap; access decisions and audit happen in the domain.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::context::{caller, conn, parse_uuid, services, today};
use super::errors::GqlResultExt;
use super::follow_ups::FollowUpGql;
use super::identity::OrganizationGql;
use super::loaders::Loaders;
use super::types::{NeedCategoryGql, PopulationGql, ProviderGql};
use crate::clients::{self, ClientInput, ClientView, SafeContact};
use crate::consent::{self, Consent, ConsentInput, GuardianConsent};
use crate::db::StoredText;
use crate::error::AppError;
use crate::referrals::{self, Referral, ReferralFilter, ReferralInput};

/// A part of a client record that consent can cover.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ClientField", remote = "crate::clients::ClientField")]
pub enum ClientFieldGql {
    /// The client's name.
    Name,
    /// Phone, email and safe-contact preferences.
    Contact,
    /// The date of birth (and so whether the client is a minor).
    DateOfBirth,
    /// What the client needs, in the recording organization's words.
    Needs,
    /// Case notes.
    Notes,
    /// The preferred language.
    Language,
}

/// How a client may be reached.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ContactChannel", remote = "crate::clients::ContactChannel")]
pub enum ContactChannelGql {
    /// A voice call.
    Phone,
    /// A text message.
    Text,
    /// E-mail.
    Email,
    /// Only in person.
    InPerson,
    /// Not at all: no contact.
    None,
}

/// How consent was obtained.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ConsentMethod", remote = "crate::consent::ConsentMethod")]
pub enum ConsentMethodGql {
    /// Written and signed (required for in-person contact).
    WrittenSigned,
    /// Verbal and documented (phone or online contact only).
    VerbalDocumented,
}

/// How the client was in contact when consent was obtained; verbal consent is accepted only for `PHONE` or `ONLINE`.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ContactMode", remote = "crate::consent::ContactMode")]
pub enum ContactModeGql {
    /// Face to face.
    InPerson,
    /// By telephone.
    Phone,
    /// Online (chat, video, a form).
    Online,
}

/// Where a consent stands today.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ConsentStatus", remote = "crate::consent::ConsentStatus")]
pub enum ConsentStatusGql {
    /// In force: not revoked and not past its expiry.
    Active,
    /// Past its expiry; it no longer lets anyone see anything.
    Expired,
    /// Withdrawn; takes effect at once.
    Revoked,
}

/// How soon the client needs the service.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Urgency", remote = "crate::referrals::Urgency")]
pub enum UrgencyGql {
    /// Right now: safety at risk.
    Emergency,
    /// Within a day or two.
    Urgent,
    /// Within the usual time.
    Routine,
}

/// Where a referral is in its lifecycle: `DRAFT → SENT → ACCEPTED | DECLINED → IN_PROGRESS → COMPLETED`, or `CANCELLED` by the sender, `UNABLE_TO_REACH` by the recipient.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReferralStatus", remote = "crate::referrals::Status")]
pub enum StatusGql {
    /// Kept by the sender and not yet sent: the recipient cannot see it.
    Draft,
    /// Sent; the recipient has not answered yet.
    Sent,
    /// The recipient agreed to take it on.
    Accepted,
    /// The recipient turned it down, with a `DeclineReason`.
    Declined,
    /// The recipient is providing the service.
    InProgress,
    /// The service was provided.
    Completed,
    /// Withdrawn by the sender.
    Cancelled,
    /// The recipient could not reach the client.
    UnableToReach,
}

/// Why a recipient declined a referral.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DeclineReason", remote = "crate::referrals::DeclineReason")]
pub enum DeclineReasonGql {
    /// No room or staff for another client now.
    NoCapacity,
    /// The client does not meet the service's eligibility.
    NotEligible,
    /// The service asked for is not one the recipient offers.
    ServiceNotOffered,
    /// Another reason (say which in the note).
    Other,
}

/// Which referrals: those your organization sent, or received.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReferralSide", remote = "crate::referrals::Side")]
pub enum SideGql {
    /// Referrals your organization sent.
    Sender,
    /// Referrals your organization received.
    Recipient,
}

/// How to reach a client safely.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(name = "SafeContact", input_name = "SafeContactInput")]
pub struct SafeContactGql {
    /// The channel to use.
    pub channel: ContactChannelGql,
    /// Whether a voicemail may be left.
    pub voicemail_ok: bool,
    /// May we say which agency is calling?
    pub may_name_agency: bool,
    /// Do not contact the client at all.
    pub do_not_contact: bool,
}

impl From<SafeContact> for SafeContactGql {
    fn from(s: SafeContact) -> Self {
        SafeContactGql {
            channel: s.channel.into(),
            voicemail_ok: s.voicemail_ok,
            may_name_agency: s.may_name_agency,
            do_not_contact: s.do_not_contact,
        }
    }
}

/// A client as you may see it: fields you may not see are null and listed in `withheld`.
pub struct ClientGql(pub ClientView);

/// A client as you may see them: fields you may not see are null and listed in `withheld`.
#[Object(name = "Client")]
impl ClientGql {
    /// The client's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Pseudonymous code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The name (null unless you may see `NAME`).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// The date of birth (null unless you may see `DATE_OF_BIRTH`).
    async fn date_of_birth(&self) -> Option<NaiveDate> {
        self.0.date_of_birth
    }
    /// Whether the client is a minor: from the date of birth, or as declared when it is unknown; null when unknown or withheld.
    async fn minor(&self) -> Option<bool> {
        self.0.minor
    }
    /// The phone number (null unless you may see `CONTACT`).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// The e-mail address (null unless you may see `CONTACT`).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// How to reach the client safely (null unless you may see `CONTACT`).
    async fn safe_contact(&self) -> Option<SafeContactGql> {
        self.0.safe_contact.map(Into::into)
    }
    /// What the client needs (null unless you may see `NEEDS`).
    async fn needs(&self) -> Option<&str> {
        self.0.needs.as_deref()
    }
    /// Case notes (null unless you may see `NOTES`).
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The preferred language (null unless you may see `LANGUAGE`).
    async fn preferred_language(&self) -> Option<&str> {
        self.0.preferred_language.as_deref()
    }
    /// Fields you may not see.
    async fn withheld(&self) -> Vec<ClientFieldGql> {
        self.0.withheld.iter().map(|&f| f.into()).collect()
    }
}

/// A recorded consent.
pub struct ConsentGql(pub Consent);

/// A client's consent to share some of their record with named organizations; the history is append-only.
#[Object(name = "Consent")]
impl ConsentGql {
    /// The consent's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The client who gave it.
    async fn client_id(&self) -> ID {
        ID(self.0.client_id.to_string())
    }
    /// Organizations the client agreed may see the fields.
    async fn recipients(&self) -> Vec<ID> {
        self.0.recipients.iter().map(|r| ID(r.to_string())).collect()
    }
    /// The recipient organizations, named (an archived one is left out).
    async fn recipient_organizations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrganizationGql>> {
        let found = ctx.data_unchecked::<Loaders>().organizations.load_many(self.0.recipients.iter().copied()).await?;
        Ok(self.0.recipients.iter().filter_map(|id| found.get(id).cloned()).map(OrganizationGql).collect())
    }
    /// The parts of the client record it covers.
    async fn fields(&self) -> Vec<ClientFieldGql> {
        self.0.fields.iter().map(|&f| f.into()).collect()
    }
    /// What the information may be used for, as told to the client.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    /// How it was obtained.
    async fn method(&self) -> ConsentMethodGql {
        self.0.method.into()
    }
    /// How the client was in contact when it was obtained.
    async fn contact_mode(&self) -> ContactModeGql {
        self.0.contact_mode.into()
    }
    /// The user who obtained it.
    async fn obtained_by(&self) -> Option<ID> {
        self.0.obtained_by.map(|u| ID(u.to_string()))
    }
    /// When it was obtained.
    async fn obtained_at(&self) -> DateTime<Utc> {
        self.0.obtained_at
    }
    /// When it stops letting anyone see anything.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// For a minor, the consenting parent's or guardian's relationship to the client.
    async fn guardian_relationship(&self) -> Option<&str> {
        self.0.guardian_relationship.as_deref()
    }
    /// The service a minor consented to alone, where the network allows that.
    async fn service_id(&self) -> Option<ID> {
        self.0.service_id.map(|s| ID(s.to_string()))
    }
    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// Where it stands now.
    async fn status(&self) -> ConsentStatusGql {
        self.0.status(Utc::now()).into()
    }
}

/// A transition of a referral.
#[derive(SimpleObject)]
#[graphql(name = "ReferralEvent")]
pub struct ReferralEventGql {
    /// The status before; null for the referral's creation.
    pub from: Option<StatusGql>,
    /// The status after.
    pub to: StatusGql,
    /// The user who made the move; null when an API key did.
    pub actor_user_id: Option<ID>,
    /// The organization the move was made for.
    pub actor_organization_id: ID,
    /// When.
    pub at: DateTime<Utc>,
    /// The note given with the transition. On a referral with a client it is client
    /// data: the recipient reads it only while it may read some of the client (an
    /// active consent names it), and null after the consent is revoked or expires.
    pub note: Option<String>,
}

/// A referral, seen by its sender or its recipient.
pub struct ReferralGql(pub Referral);

/// A referral from one organization to a provider's service for a need; seen only by its sender and its recipient (a draft only by its sender).
#[Object(name = "Referral")]
impl ReferralGql {
    /// The referral's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Where it is in its lifecycle.
    async fn status(&self) -> StatusGql {
        self.0.status.into()
    }
    /// How soon the client needs the service.
    async fn urgency(&self) -> UrgencyGql {
        self.0.urgency.into()
    }
    /// The need it is for.
    async fn need(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NeedCategoryGql>> {
        Ok(ctx.data_unchecked::<Loaders>().needs_by_code.load_one(self.0.need_code.clone()).await?.map(NeedCategoryGql))
    }
    /// The need's code, such as `acute.housing`.
    async fn need_code(&self) -> &str {
        &self.0.need_code
    }
    /// The provider whose service it went to.
    async fn provider(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProviderGql>> {
        Ok(ctx.data_unchecked::<Loaders>().providers.load_one(self.0.provider_id).await?.map(ProviderGql))
    }
    /// The service it went to.
    async fn service_id(&self) -> ID {
        ID(self.0.service_id.to_string())
    }
    /// The organization that sent it.
    async fn sender_organization_id(&self) -> ID {
        ID(self.0.sender_organization_id.to_string())
    }
    /// The organization it went to.
    async fn recipient_organization_id(&self) -> ID {
        ID(self.0.recipient_organization_id.to_string())
    }
    /// The organization that sent it (either side sees the other's name).
    async fn sender_organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrganizationGql>> {
        let org = ctx.data_unchecked::<Loaders>().organizations.load_one(self.0.sender_organization_id).await?;
        Ok(org.map(OrganizationGql))
    }
    /// The organization it went to: the one keeping the service's listing.
    async fn recipient_organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrganizationGql>> {
        let org = ctx.data_unchecked::<Loaders>().organizations.load_one(self.0.recipient_organization_id).await?;
        Ok(org.map(OrganizationGql))
    }
    /// Why the recipient declined it; null unless declined.
    async fn decline_reason(&self) -> Option<DeclineReasonGql> {
        self.0.decline_reason.map(Into::into)
    }
    /// The fields the sender shares (each visible only while consent covers it).
    async fn shared_fields(&self) -> Vec<ClientFieldGql> {
        self.0.shared_fields.iter().map(|&f| f.into()).collect()
    }
    /// The client as you may see them now; null without personal data, or when no
    /// active consent lets you see any of it.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ClientGql>> {
        if self.0.client_id.is_none() {
            return Ok(None);
        }
        Ok(ctx.data_unchecked::<Loaders>().referral_clients.load_one(self.0.id).await?.map(ClientGql))
    }
    /// Without a client: the client's county (5-digit FIPS).
    async fn county_fips(&self) -> Option<&str> {
        self.0.county_fips.as_deref()
    }
    /// Without a client: the client's language (ISO 639).
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// Without a client: the populations the client belongs to.
    async fn populations(&self) -> Vec<PopulationGql> {
        self.0.populations.iter().map(|&p| p.into()).collect()
    }
    /// When it was sent; null for a draft.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Every transition, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReferralEventGql>> {
        let events = ctx.data_unchecked::<Loaders>().referral_events.load_one(self.0.id).await?.unwrap_or_default();
        Ok(events
            .into_iter()
            .map(|e| ReferralEventGql {
                from: e.from.map(Into::into),
                to: e.to.into(),
                actor_user_id: e.actor_user_id.map(|u| ID(u.to_string())),
                actor_organization_id: ID(e.actor_organization_id.to_string()),
                at: e.at,
                note: e.note,
            })
            .collect())
    }
    /// Follow-ups (visible to the sending organization only).
    async fn follow_ups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FollowUpGql>> {
        let list = ctx.data_unchecked::<Loaders>().referral_follow_ups.load_one(self.0.id).await?.unwrap_or_default();
        Ok(list.into_iter().map(FollowUpGql).collect())
    }
}

/// How many referrals of one side are in one status.
#[derive(SimpleObject)]
#[graphql(name = "ReferralCount")]
pub struct ReferralCountGql {
    /// Sent or received.
    pub side: SideGql,
    /// The status counted.
    pub status: StatusGql,
    /// How many referrals.
    pub count: i32,
}

/// A new client record, kept by your organization.
#[derive(InputObject)]
pub struct ClientCreate {
    /// Pseudonymous code; generated when omitted.
    pub code: Option<String>,
    /// The client's name.
    pub name: Option<String>,
    /// The date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Whether the client is a minor, when the date of birth is unknown.
    pub minor: Option<bool>,
    /// A phone number.
    pub phone: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// What the client needs.
    pub needs: Option<String>,
    /// Case notes.
    pub notes: Option<String>,
    /// The preferred language.
    pub preferred_language: Option<String>,
    /// How to reach the client safely.
    pub safe_contact: Option<SafeContactGql>,
}

/// The parent or guardian consenting for a minor.
#[derive(InputObject)]
pub struct GuardianInput {
    /// E.g. "mother", "legal guardian".
    pub relationship: String,
    /// You attest this person is not the suspected abuser.
    pub not_suspected_abuser: bool,
}

/// A consent to record: who may see which parts of a client's record, why, and how it was obtained.
#[derive(InputObject)]
pub struct ConsentRecord {
    /// The client who consents.
    pub client_id: ID,
    /// Organizations that may see the fields.
    pub recipients: Vec<ID>,
    /// The parts of the record the recipients may see.
    pub fields: Vec<ClientFieldGql>,
    /// What the information may be used for, as told to the client.
    pub purpose: String,
    /// How it was obtained.
    pub method: ConsentMethodGql,
    /// How the client was in contact when it was obtained.
    pub contact_mode: ContactModeGql,
    /// When it was obtained; default now.
    pub obtained_at: Option<DateTime<Utc>>,
    /// Default: the network's default; at most its maximum.
    pub expires_at: Option<DateTime<Utc>>,
    /// Required for a minor unless the network allows the minor to consent alone to
    /// `serviceId`.
    pub guardian: Option<GuardianInput>,
    /// For a minor consenting alone: the service the network lets minors consent to alone.
    pub service_id: Option<ID>,
}

/// A new referral to a provider's service, with a client (under consent) or with no personal data at all.
#[derive(InputObject)]
pub struct ReferralCreate {
    /// The service to refer to.
    pub service_id: ID,
    /// The need it is for (a need the service meets), such as `acute.housing`.
    pub need_code: String,
    /// How soon the client needs the service.
    pub urgency: UrgencyGql,
    /// With consent: the client and the fields to share.
    pub client_id: Option<ID>,
    /// With `clientId`: the fields the recipient may see (each only while an active consent naming it covers it).
    #[graphql(default)]
    pub share_fields: Vec<ClientFieldGql>,
    /// Without personal data: county (FIPS), language (ISO 639), populations.
    pub county: Option<String>,
    /// Without a client: the client's language (ISO 639).
    pub language: Option<String>,
    /// Without a client: the populations the client belongs to.
    #[graphql(default)]
    pub populations: Vec<PopulationGql>,
    /// A note for the recipient (up to 4000 characters). With `clientId` it is client
    /// data, shown to the recipient only while consent lets it see the client. Without a
    /// client it must hold no personal data: a note with a phone number (or any run of
    /// seven or more digits) or an e-mail address is refused.
    pub note: Option<String>,
    /// Send at once (default) or keep a draft, which only your organization sees until
    /// it is sent.
    #[graphql(default = true)]
    pub send: bool,
}

/// Which referrals to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct ReferralsFilter {
    /// Sent or received; both when omitted.
    pub side: Option<SideGql>,
    /// Only these statuses.
    pub statuses: Option<Vec<StatusGql>>,
    /// Only referrals for this need.
    pub need_code: Option<String>,
    /// Sent referrals still open this many days after sending, with no follow-up outcome.
    pub no_outcome_after_days: Option<i32>,
}

fn ids(list: &[ID], field: &str) -> Result<Vec<Uuid>, AppError> {
    list.iter().map(|id| parse_uuid(id, field)).collect()
}

fn page(first: Option<i32>) -> Result<i64, AppError> {
    let first = first.unwrap_or(50);
    if !(1..=200).contains(&first) {
        return Err(AppError::bad_input("first", "first must be from 1 to 200"));
    }
    Ok(first.into())
}

/// Reads of clients, consent, referrals and follow-ups.
#[derive(Default)]
pub struct ReferralQuery;

#[Object]
impl ReferralQuery {
    /// A client of your organization (every read is audited).
    async fn client(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<ClientGql>> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(clients::get(&mut *conn(ctx).await.gql()?, &services(ctx).keyring, caller(ctx), id, today(ctx))
            .await
            .gql()?
            .map(ClientGql))
    }

    /// Your organization's clients, newest first (every read is audited).
    async fn clients(&self, ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Vec<ClientGql>> {
        let limit = page(first).gql()?;
        let list = clients::list(&mut *conn(ctx).await.gql()?, &services(ctx).keyring, caller(ctx), limit, today(ctx))
            .await
            .gql()?;
        Ok(list.into_iter().map(ClientGql).collect())
    }

    /// Consents of a client of your organization, newest first.
    async fn consents(&self, ctx: &Context<'_>, client_id: ID) -> async_graphql::Result<Vec<ConsentGql>> {
        let id = parse_uuid(&client_id, "clientId").gql()?;
        let list = consent::of_client(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?;
        Ok(list.into_iter().map(ConsentGql).collect())
    }

    /// A referral your organization sent or received (a draft is its sender's alone).
    async fn referral(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<ReferralGql>> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(referrals::get(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?.map(ReferralGql))
    }

    /// Referrals your organization sent or received (drafts only its own), newest first.
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 200) as usize * child_complexity")]
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReferralsFilter>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<ReferralGql>> {
        let limit = page(first).gql()?;
        let f = filter.unwrap_or_default();
        let filter = ReferralFilter {
            side: f.side.map(Into::into),
            statuses: f.statuses.unwrap_or_default().into_iter().map(Into::into).collect(),
            need_code: f.need_code,
            no_outcome_after_days: f.no_outcome_after_days,
        };
        let list = referrals::list(&mut *conn(ctx).await.gql()?, caller(ctx), filter, limit).await.gql()?;
        Ok(list.into_iter().map(ReferralGql).collect())
    }

    /// How many referrals your organization sent and received are in each status
    /// (drafts only your own; received ones once sent). Statuses with none are left out.
    async fn referral_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReferralCountGql>> {
        let list = referrals::counts(&mut *conn(ctx).await.gql()?, caller(ctx)).await.gql()?;
        Ok(list
            .into_iter()
            .map(|(side, status, n)| ReferralCountGql {
                side: side.into(),
                status: status.into(),
                count: i32::try_from(n).unwrap_or(i32::MAX),
            })
            .collect())
    }
}

/// Writes of clients, consent, referrals and follow-ups.
#[derive(Default)]
pub struct ReferralMutation;

#[Object]
impl ReferralMutation {
    /// Records a client for your organization. Personal fields are encrypted at rest.
    async fn create_client(&self, ctx: &Context<'_>, input: ClientCreate) -> async_graphql::Result<ClientGql> {
        let input = ClientInput {
            code: input.code,
            name: input.name,
            date_of_birth: input.date_of_birth,
            minor: input.minor,
            phone: input.phone,
            email: input.email,
            needs: input.needs,
            notes: input.notes,
            preferred_language: input.preferred_language,
            safe_contact: input.safe_contact.map(|s| SafeContact {
                channel: s.channel.into(),
                voicemail_ok: s.voicemail_ok,
                may_name_agency: s.may_name_agency,
                do_not_contact: s.do_not_contact,
            }),
        };
        let view =
            clients::create(&mut *conn(ctx).await.gql()?, &services(ctx).keyring, caller(ctx), input, today(ctx))
                .await
                .gql()?;
        Ok(ClientGql(view))
    }

    /// Records a client's informed consent. Retrying with the same `idempotencyKey`
    /// returns the same consent.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        input: ConsentRecord,
    ) -> async_graphql::Result<ConsentGql> {
        let input = ConsentInput {
            client_id: parse_uuid(&input.client_id, "input.clientId").gql()?,
            recipients: ids(&input.recipients, "input.recipients").gql()?,
            fields: input.fields.into_iter().map(Into::into).collect(),
            purpose: input.purpose,
            method: input.method.into(),
            contact_mode: input.contact_mode.into(),
            obtained_at: input.obtained_at,
            expires_at: input.expires_at,
            guardian: input.guardian.map(|g| GuardianConsent {
                relationship: g.relationship,
                not_suspected_abuser: g.not_suspected_abuser,
            }),
            service_id: input.service_id.map(|s| parse_uuid(&s, "input.serviceId")).transpose().gql()?,
        };
        let c = consent::record(
            &mut *conn(ctx).await.gql()?,
            &services(ctx).keyring,
            caller(ctx),
            &idempotency_key,
            input,
            today(ctx),
        )
        .await
        .gql()?;
        Ok(ConsentGql(c))
    }

    /// Revokes a consent at once: recipients lose access to the client's data.
    async fn revoke_consent(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ConsentGql> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(ConsentGql(consent::revoke(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?))
    }

    /// Refers a client (with consent) or a need (without personal data) to a service.
    /// Retrying with the same `idempotencyKey` returns the same referral.
    async fn create_referral(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        input: ReferralCreate,
    ) -> async_graphql::Result<ReferralGql> {
        let input = ReferralInput {
            service_id: parse_uuid(&input.service_id, "input.serviceId").gql()?,
            need_code: input.need_code,
            urgency: input.urgency.into(),
            client_id: input.client_id.map(|c| parse_uuid(&c, "input.clientId")).transpose().gql()?,
            share_fields: input.share_fields.into_iter().map(Into::into).collect(),
            county: input.county,
            language: input.language,
            populations: input.populations.into_iter().map(|p| crate::providers::Population::from(p).as_db()).collect(),
            note: input.note,
            send: input.send,
        };
        let r = referrals::create(
            &mut *conn(ctx).await.gql()?,
            &services(ctx).keyring,
            caller(ctx),
            &idempotency_key,
            input,
        )
        .await
        .gql()?;
        Ok(ReferralGql(r))
    }

    /// Moves a referral along: DRAFT → SENT → ACCEPTED | DECLINED (with a reason) →
    /// IN_PROGRESS → COMPLETED; CANCELLED (sender) or UNABLE_TO_REACH (recipient).
    /// Cancelling a draft that was never sent tells nobody. `note`: on a referral with a
    /// client it is client data, shown to the recipient only while consent lets it see
    /// the client; on a referral without one it must hold no personal data, and a note
    /// with a phone number (or any run of seven or more digits) or an e-mail address is
    /// refused.
    async fn transition_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        to: StatusGql,
        reason: Option<DeclineReasonGql>,
        note: Option<String>,
    ) -> async_graphql::Result<ReferralGql> {
        let id = parse_uuid(&id, "id").gql()?;
        let r = referrals::transition(
            &mut *conn(ctx).await.gql()?,
            &services(ctx).keyring,
            caller(ctx),
            id,
            to.into(),
            reason.map(Into::into),
            note,
        )
        .await
        .gql()?;
        Ok(ReferralGql(r))
    }
}
