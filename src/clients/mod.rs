//! Clients: the minimum a member organization records about a person it serves. Owned by
//! the organization that creates the record; personal fields encrypted by the
//! application (see `crypto`); every read of personal data audited in the same
//! transaction. Other organizations see a client only through a referral, and then only
//! the fields an active consent naming them covers.

mod repo;

use chrono::{Datelike, NaiveDate};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::audit;
use crate::auth::{Caller, Member, Role};
use crate::crypto::Keyring;
use crate::db::StoredText;
use crate::db::rls;
use crate::error::{AppError, AppResult};
use crate::providers::LanguageCode;
use crate::validate;

pub(crate) use repo::ClientRow;

/// A part of a client record that a consent can cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientField {
    Name,
    /// Phone, email and safe-contact preferences.
    Contact,
    DateOfBirth,
    /// What the client needs, in the advocate's words.
    Needs,
    Notes,
    /// Preferred language.
    Language,
}

impl StoredText for ClientField {
    const STORED: &'static [Self] = &ClientField::ALL;

    fn as_db(self) -> &'static str {
        match self {
            ClientField::Name => "NAME",
            ClientField::Contact => "CONTACT",
            ClientField::DateOfBirth => "DATE_OF_BIRTH",
            ClientField::Needs => "NEEDS",
            ClientField::Notes => "NOTES",
            ClientField::Language => "LANGUAGE",
        }
    }
}

impl ClientField {
    pub const ALL: [ClientField; 6] = [
        ClientField::Name,
        ClientField::Contact,
        ClientField::DateOfBirth,
        ClientField::Needs,
        ClientField::Notes,
        ClientField::Language,
    ];
}

/// How the client may be contacted, if at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactChannel {
    Phone,
    Text,
    Email,
    InPerson,
    None,
}

impl StoredText for ContactChannel {
    const STORED: &'static [Self] = &[
        ContactChannel::Phone,
        ContactChannel::Text,
        ContactChannel::Email,
        ContactChannel::InPerson,
        ContactChannel::None,
    ];

    fn as_db(self) -> &'static str {
        match self {
            ContactChannel::Phone => "PHONE",
            ContactChannel::Text => "TEXT",
            ContactChannel::Email => "EMAIL",
            ContactChannel::InPerson => "IN_PERSON",
            ContactChannel::None => "NONE",
        }
    }
}

/// Safe-contact preferences: how to reach the client without endangering them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SafeContact {
    pub channel: ContactChannel,
    pub voicemail_ok: bool,
    pub may_name_agency: bool,
    pub do_not_contact: bool,
}

/// A new client as entered. Only the code is always stored; everything else is optional.
#[derive(Clone, Debug, Default)]
pub struct ClientInput {
    /// Pseudonymous code; generated when absent.
    pub code: Option<String>,
    pub name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// Whether the client is a minor, when no date of birth is known.
    pub minor: Option<bool>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub needs: Option<String>,
    pub notes: Option<String>,
    pub preferred_language: Option<String>,
    pub safe_contact: Option<SafeContact>,
}

/// A client as one reader may see it: fields the reader may not see are `None` and
/// listed in `withheld`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientView {
    pub id: Uuid,
    pub code: String,
    pub name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub safe_contact: Option<SafeContact>,
    pub needs: Option<String>,
    pub notes: Option<String>,
    pub preferred_language: Option<String>,
    /// Whether the client is a minor (from the date of birth, else as declared); shown
    /// to the owner, and to a recipient who may see the date of birth.
    pub minor: Option<bool>,
    /// Fields this reader may not see.
    pub withheld: Vec<ClientField>,
}

/// Roles that work with clients. Network admins run the network and MDT viewers see
/// aggregates only: neither touches client records.
pub const CLIENT_ROLES: &[Role] = &[Role::Coordinator, Role::Advocate, Role::ProviderStaff];

/// Age in whole years on `today`.
pub fn age_on(date_of_birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - date_of_birth.year();
    if (today.month(), today.day()) < (date_of_birth.month(), date_of_birth.day()) {
        age -= 1;
    }
    age
}

/// Whether someone is a minor (under 18) on `today`: from the date of birth when known.
pub fn is_minor(date_of_birth: Option<NaiveDate>, declared: Option<bool>, today: NaiveDate) -> Option<bool> {
    match date_of_birth {
        Some(dob) => Some(age_on(dob, today) < 18),
        None => declared,
    }
}

fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let tail: String = (0..6).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("C-{tail}")
}

/// Records a new client for the caller's organization.
pub async fn create(
    conn: &mut AsyncPgConnection,
    keyring: &Keyring,
    caller: &Caller,
    input: ClientInput,
    today: NaiveDate,
) -> AppResult<ClientView> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let code = match input.code.as_deref() {
        Some(c) => validate::text(c, "input.code", 40)?,
        None => new_code(),
    };
    let text = |v: &Option<String>, field: &str, max| validate::optional_text(v.as_deref(), field, max);
    let name = text(&input.name, "input.name", 200)?;
    let phone = text(&input.phone, "input.phone", 40)?;
    let email = input
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(|e| validate::email(e, "input.email"))
        .transpose()?;
    let needs = text(&input.needs, "input.needs", 4000)?;
    let notes = text(&input.notes, "input.notes", 8000)?;
    let language = input
        .preferred_language
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .map(|l| LanguageCode::parse(l, "input.preferredLanguage").map(|c| c.as_str().to_owned()))
        .transpose()?;
    if let Some(dob) = input.date_of_birth
        && (dob > today || age_on(dob, today) > 120)
    {
        return Err(AppError::bad_input("input.dateOfBirth", "input.dateOfBirth must be a real past date"));
    }
    let id = Uuid::new_v4();
    let seal = |field: &str, value: Option<&str>| {
        keyring.seal_opt(crate::crypto::FieldContext { table: "clients", row: id, field }, value)
    };
    let row = repo::NewClient {
        id,
        organization_id: member.organization_id,
        code: code.clone(),
        name_enc: seal("name", name.as_deref()),
        date_of_birth_enc: seal("date_of_birth", input.date_of_birth.map(|d| d.to_string()).as_deref()),
        phone_enc: seal("phone", phone.as_deref()),
        email_enc: seal("email", email.as_deref()),
        needs_enc: seal("needs", needs.as_deref()),
        notes_enc: seal("notes", notes.as_deref()),
        declared_minor: if input.date_of_birth.is_some() { None } else { input.minor },
        preferred_language: language,
        contact_channel: input.safe_contact.map_or("NONE", |s| s.channel.as_db()).to_owned(),
        voicemail_ok: input.safe_contact.is_some_and(|s| s.voicemail_ok),
        may_name_agency: input.safe_contact.is_some_and(|s| s.may_name_agency),
        do_not_contact: input.safe_contact.is_some_and(|s| s.do_not_contact),
        created_by: member.user_id,
    };
    let caller = caller.clone();
    let stored = rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            if repo::code_taken(conn, &row.code).await? {
                return Err(AppError::Conflict {
                    message: "a client with this code exists in your organization".into(),
                });
            }
            repo::insert(conn, &row).await?;
            audit::record(conn, &caller, "client.create", "client", Some(row.id)).await?;
            repo::by_ids(conn, &[row.id]).await
        })
    })
    .await?;
    let row = stored.into_iter().next().ok_or(AppError::NotFound { what: "client" })?;
    view(keyring, row, &ClientField::ALL, today)
}

/// Decrypts the fields of `row` that `visible` allows; `minor` as of `today`.
pub(crate) fn view(
    keyring: &Keyring,
    row: ClientRow,
    visible: &[ClientField],
    today: NaiveDate,
) -> AppResult<ClientView> {
    let ctx = |field| crate::crypto::FieldContext { table: "clients", row: row.id, field };
    let sees = |f: ClientField| visible.contains(&f);
    let open = |field: &'static str, sealed: &Option<Vec<u8>>, allowed: bool| -> AppResult<Option<String>> {
        if allowed { keyring.open_opt(ctx(field), sealed.as_deref()) } else { Ok(None) }
    };
    let date_of_birth = open("date_of_birth", &row.date_of_birth_enc, sees(ClientField::DateOfBirth))?
        .map(|d| {
            d.parse::<NaiveDate>().map_err(|_| AppError::internal(std::io::Error::other("stored date unreadable")))
        })
        .transpose()?;
    let dob_for_minor = if sees(ClientField::DateOfBirth) { date_of_birth } else { None };
    Ok(ClientView {
        id: row.id,
        code: row.code.clone(),
        name: open("name", &row.name_enc, sees(ClientField::Name))?,
        date_of_birth,
        phone: open("phone", &row.phone_enc, sees(ClientField::Contact))?,
        email: open("email", &row.email_enc, sees(ClientField::Contact))?,
        safe_contact: match sees(ClientField::Contact) {
            true => Some(SafeContact {
                channel: ContactChannel::decode(&row.contact_channel)?,
                voicemail_ok: row.voicemail_ok,
                may_name_agency: row.may_name_agency,
                do_not_contact: row.do_not_contact,
            }),
            false => None,
        },
        needs: open("needs", &row.needs_enc, sees(ClientField::Needs))?,
        notes: open("notes", &row.notes_enc, sees(ClientField::Notes))?,
        preferred_language: if sees(ClientField::Language) { row.preferred_language.clone() } else { None },
        minor: if sees(ClientField::DateOfBirth) { is_minor(dob_for_minor, row.declared_minor, today) } else { None },
        withheld: ClientField::ALL.into_iter().filter(|f| !visible.contains(f)).collect(),
    })
}

/// A client of the caller's own organization, every field, audited as a read.
pub async fn get(
    conn: &mut AsyncPgConnection,
    keyring: &Keyring,
    caller: &Caller,
    id: Uuid,
    today: NaiveDate,
) -> AppResult<Option<ClientView>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let caller = caller.clone();
    let row = rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let row =
                repo::by_ids(conn, &[id]).await?.into_iter().find(|r| r.organization_id == member.organization_id);
            if let Some(row) = &row {
                audit::record(conn, &caller, "client.read", "client", Some(row.id)).await?;
            }
            Ok(row)
        })
    })
    .await?;
    row.map(|r| view(keyring, r, &ClientField::ALL, today)).transpose()
}

/// The caller's organization's clients (codes and fields), newest first, audited.
pub async fn list(
    conn: &mut AsyncPgConnection,
    keyring: &Keyring,
    caller: &Caller,
    limit: i64,
    today: NaiveDate,
) -> AppResult<Vec<ClientView>> {
    let member = caller.actor.require(CLIENT_ROLES)?.clone();
    let caller = caller.clone();
    let rows = rls::in_org(conn, &member, move |conn| {
        Box::pin(async move {
            let rows = repo::of_organization(conn, member.organization_id, limit).await?;
            for row in &rows {
                audit::record(conn, &caller, "client.read", "client", Some(row.id)).await?;
            }
            Ok(rows)
        })
    })
    .await?;
    rows.into_iter().map(|r| view(keyring, r, &ClientField::ALL, today)).collect()
}

/// Loads clients for the member inside an RLS transaction already open (the referral
/// read path); the caller decides which fields each reader sees.
pub(crate) async fn rows_in_tx(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<ClientRow>> {
    repo::by_ids(conn, ids).await
}

/// Whether the member owns the client (inside an RLS transaction).
pub(crate) async fn owned_in_tx(conn: &AsyncPgConnection, member: &Member, id: Uuid) -> AppResult<Option<ClientRow>> {
    Ok(repo::by_ids(conn, &[id]).await?.into_iter().find(|r| r.organization_id == member.organization_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_count_whole_birthdays() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(age_on(d(2008, 11, 23), d(2026, 11, 22)), 17, "the day before the 18th birthday");
        assert_eq!(age_on(d(2008, 11, 22), d(2026, 11, 22)), 18, "on the birthday");
        assert_eq!(is_minor(None, Some(true), d(2026, 11, 22)), Some(true));
        assert_eq!(is_minor(None, None, d(2026, 11, 22)), None);
    }
}
