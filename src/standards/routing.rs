//! Vetted referral routing: a network admin may require, per need category, that
//! referrals go only to organizations vetted for the matching service area of the
//! Standards of Service (issue 19). `referrals::create` (and sending a draft) asks
//! [`check_recipient`]; a refusal is `VETTING_REQUIRED` and says which area the need
//! requires and that the recipient is not vetted for it today. The database holds the same
//! line (migration 21: a trigger on `referrals` using `standards_vetted_areas`, the SQL
//! twin of [`super::vetted_as_of`]).
//!
//! Which area: one the need leads to (`need_standard_areas`). A need leading to one area
//! (emergency housing → shelter and housing) takes it by default; a need leading to two
//! (24-hour emergency response → hotline, crisis response) needs the admin to name one.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{ServiceArea, repo};
use crate::audit;
use crate::auth::Caller;
use crate::db::StoredText;
use crate::db::rls;
use crate::db::schema::{need_categories, need_standard_areas, referral_vetting_requirements};
use crate::error::{AppError, AppResult};

/// A need category whose referrals go only to organizations vetted for `area`.
#[derive(Clone, Debug, PartialEq)]
pub struct VettingRequirement {
    pub need_code: String,
    pub area: ServiceArea,
    pub set_by: Option<Uuid>,
    pub set_at: DateTime<Utc>,
}

type Row = (String, String, Option<Uuid>, DateTime<Utc>);

fn from_row((need_code, area, set_by, set_at): Row) -> AppResult<VettingRequirement> {
    Ok(VettingRequirement { need_code, area: ServiceArea::decode(&area)?, set_by, set_at })
}

/// The network's requirements, by need code (any network member: senders learn before
/// referring where a referral can go).
pub async fn requirements(conn: &mut AsyncPgConnection, caller: &Caller) -> AppResult<Vec<VettingRequirement>> {
    caller.actor.member()?;
    let rows: Vec<Row> = referral_vetting_requirements::table
        .order(referral_vetting_requirements::need_code)
        .select((
            referral_vetting_requirements::need_code,
            referral_vetting_requirements::area_code,
            referral_vetting_requirements::set_by,
            referral_vetting_requirements::set_at,
        ))
        .load(conn)
        .await?;
    rows.into_iter().map(from_row).collect()
}

/// The area a requirement for `need` takes: `chosen` if the need leads to it, else the
/// need's only area. Every refusal names its field.
pub fn area_for(need: &str, leads_to: &[ServiceArea], chosen: Option<ServiceArea>) -> AppResult<ServiceArea> {
    match (chosen, leads_to) {
        (_, []) => Err(AppError::bad_input(
            "needCode",
            format!(
                "needCode: no service area of the Standards of Service covers {need}, so no provider can be vetted for it"
            ),
        )),
        (Some(area), _) if leads_to.contains(&area) => Ok(area),
        (Some(area), _) => Err(AppError::bad_input(
            "serviceArea",
            format!("serviceArea: {need} does not lead to {} (it leads to {})", area.as_db(), names(leads_to)),
        )),
        (None, [only]) => Ok(*only),
        (None, _) => Err(AppError::bad_input(
            "serviceArea",
            format!("serviceArea: {need} leads to {}; name the one referrals require", names(leads_to)),
        )),
    }
}

fn names(areas: &[ServiceArea]) -> String {
    areas.iter().map(|a| a.as_db()).collect::<Vec<_>>().join(" and ")
}

/// Requires that referrals for `need` go only to organizations vetted for `area` (or the
/// need's only area), replacing any earlier requirement for it. Signed-in network admins.
pub async fn require(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    need: &str,
    area: Option<ServiceArea>,
) -> AppResult<VettingRequirement> {
    let admin = caller.actor.require_network_admin()?.clone();
    let user = admin.user_id.ok_or(AppError::Forbidden)?;
    let known: bool = diesel::select(diesel::dsl::exists(need_categories::table.find(need))).get_result(conn).await?;
    if !known {
        return Err(AppError::bad_input("needCode", "needCode is not a need category"));
    }
    let leads_to: Vec<String> = need_standard_areas::table
        .filter(need_standard_areas::need_code.eq(need))
        .select(need_standard_areas::area_code)
        .load(conn)
        .await?;
    let leads_to = leads_to.iter().map(|a| ServiceArea::decode(a)).collect::<AppResult<Vec<_>>>()?;
    let area = area_for(need, &ServiceArea::set_of(leads_to), area)?;
    let (need, caller) = (need.to_owned(), caller.clone());
    rls::in_org(conn, &admin, move |conn| {
        Box::pin(async move {
            let now = Utc::now();
            let row: Row = diesel::insert_into(referral_vetting_requirements::table)
                .values((
                    referral_vetting_requirements::need_code.eq(&need),
                    referral_vetting_requirements::area_code.eq(area.as_db()),
                    referral_vetting_requirements::set_by.eq(user),
                    referral_vetting_requirements::set_at.eq(now),
                ))
                .on_conflict(referral_vetting_requirements::need_code)
                .do_update()
                .set((
                    referral_vetting_requirements::area_code.eq(area.as_db()),
                    referral_vetting_requirements::set_by.eq(user),
                    referral_vetting_requirements::set_at.eq(now),
                ))
                .returning((
                    referral_vetting_requirements::need_code,
                    referral_vetting_requirements::area_code,
                    referral_vetting_requirements::set_by,
                    referral_vetting_requirements::set_at,
                ))
                .get_result(conn)
                .await?;
            audit::record(conn, &caller, "referral_vetting.require", "need_category", None).await?;
            from_row(row)
        })
    })
    .await
}

/// Lifts the requirement for `need` (signed-in network admins); whether there was one.
pub async fn lift(conn: &mut AsyncPgConnection, caller: &Caller, need: &str) -> AppResult<bool> {
    let admin = caller.actor.require_network_admin()?.clone();
    admin.user_id.ok_or(AppError::Forbidden)?;
    let (need, caller) = (need.to_owned(), caller.clone());
    rls::in_org(conn, &admin, move |conn| {
        Box::pin(async move {
            let n = diesel::delete(referral_vetting_requirements::table.find(&need)).execute(conn).await?;
            if n > 0 {
                audit::record(conn, &caller, "referral_vetting.lift", "need_category", None).await?;
            }
            Ok(n > 0)
        })
    })
    .await
}

/// Why a referral for `need` may not go to an organization not vetted for `area`: the
/// message a sender sees with `VETTING_REQUIRED`.
pub fn refusal(need: &str, area: ServiceArea) -> AppError {
    AppError::VettingRequired {
        message: format!(
            "this network sends referrals for {need} only to organizations vetted for {} under the Standards of \
             Service, and the organization keeping this listing is not vetted for it today; choose a vetted provider",
            area.as_db()
        ),
    }
}

/// Whether a referral for `need` may go to `recipient` on `day`: yes without a
/// requirement for the need, else only if the recipient is vetted for the area required.
pub fn allows(required: Option<ServiceArea>, vetted: &[super::VettedArea]) -> bool {
    required.is_none_or(|area| vetted.iter().any(|v| v.area == area))
}

/// Refuses (`VETTING_REQUIRED`) a referral for `need` to `recipient` when the network
/// requires vetting for the need and the recipient is not vetted for its area on the
/// network's day (the connection's `current_date`, see `crate::clock`).
pub(crate) async fn check_recipient(mut conn: &AsyncPgConnection, need: &str, recipient: Uuid) -> AppResult<()> {
    let found: Option<(String, NaiveDate)> = referral_vetting_requirements::table
        .filter(referral_vetting_requirements::need_code.eq(need))
        .select((referral_vetting_requirements::area_code, diesel::dsl::sql::<diesel::sql_types::Date>("current_date")))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((area, day)) = found else { return Ok(()) };
    // An area this build does not know is an error, never a requirement skipped.
    let area = ServiceArea::decode(&area)?;
    let outcomes = repo::outcomes_of(conn, &[recipient]).await?;
    if allows(Some(area), &super::vetted_as_of(&outcomes, day)) { Ok(()) } else { Err(refusal(need, area)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ServiceArea::*;

    #[test]
    fn the_area_is_the_needs_only_one_or_one_it_leads_to() {
        let field = |r: AppResult<ServiceArea>| match r {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(area_for("acute.housing", &[ShelterHousing], None).unwrap(), ShelterHousing);
        assert_eq!(area_for("acute.housing", &[ShelterHousing], Some(ShelterHousing)).unwrap(), ShelterHousing);
        assert_eq!(field(area_for("acute.housing", &[ShelterHousing], Some(Hotline))), "serviceArea");
        assert_eq!(field(area_for("x", &[Hotline, CrisisResponse], None)), "serviceArea");
        assert_eq!(area_for("x", &[Hotline, CrisisResponse], Some(CrisisResponse)).unwrap(), CrisisResponse);
        assert_eq!(field(area_for("acute.legal", &[], Some(Hotline))), "needCode");
    }

    #[test]
    fn a_requirement_lets_through_only_the_vetted() {
        let day = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let vetted = |area| super::super::VettedArea { area, valid_from: day, valid_until: day };
        assert!(allows(None, &[]));
        assert!(!allows(Some(ShelterHousing), &[]));
        assert!(!allows(Some(ShelterHousing), &[vetted(Hotline)]));
        assert!(allows(Some(ShelterHousing), &[vetted(Hotline), vetted(ShelterHousing)]));
    }
}
