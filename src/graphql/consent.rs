//! Consent over GraphQL: who may see which parts of a client's record, why, and how it
//! was obtained. Resolvers parse, call `crate::consent`, and wrap; the rules (minors,
//! guardians, verbal consent, expiry) live in the domain.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::clients::ClientFieldGql;
use super::context::{caller, conn, parse_uuid, services, today};
use super::errors::GqlResultExt;
use super::identity::OrganizationGql;
use super::loaders::Loaders;
use crate::consent::{self, Consent, ConsentInput, GuardianConsent};
use crate::error::AppError;

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

fn ids(list: &[ID], field: &str) -> Result<Vec<Uuid>, AppError> {
    list.iter().map(|id| parse_uuid(id, field)).collect()
}

/// Reads of consent.
#[derive(Default)]
pub struct ConsentQuery;

#[Object]
impl ConsentQuery {
    /// Consents of a client of your organization, newest first.
    async fn consents(&self, ctx: &Context<'_>, client_id: ID) -> async_graphql::Result<Vec<ConsentGql>> {
        let id = parse_uuid(&client_id, "clientId").gql()?;
        let list = consent::of_client(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?;
        Ok(list.into_iter().map(ConsentGql).collect())
    }
}

/// Writes of consent: recording and revoking.
#[derive(Default)]
pub struct ConsentMutation;

#[Object]
impl ConsentMutation {
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
}
