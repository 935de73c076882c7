//! Clients over GraphQL: the record an organization keeps, with personal fields sealed at
//! rest and shown only as consent allows. Resolvers parse, call `crate::clients`, and wrap;
//! access decisions and audit happen in the domain.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;

use super::context::{caller, conn, page_size, parse_uuid, services, today};
use super::errors::GqlResultExt;
use crate::clients::{self, ClientInput, ClientView, SafeContact};

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

/// Reads of your organization's clients.
#[derive(Default)]
pub struct ClientQuery;

#[Object]
impl ClientQuery {
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
        let limit = page_size(first).gql()?;
        let list = clients::list(&mut *conn(ctx).await.gql()?, &services(ctx).keyring, caller(ctx), limit, today(ctx))
            .await
            .gql()?;
        Ok(list.into_iter().map(ClientGql).collect())
    }
}

/// Writes of your organization's clients.
#[derive(Default)]
pub struct ClientMutation;

#[Object]
impl ClientMutation {
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
}
