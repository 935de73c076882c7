//! Identity and authorization: roles, the acting member, passwords and bearer tokens.
//!
//! Every operation receives an [`Actor`] and decides here, in the domain, whether it may
//! proceed. Resolvers never make access decisions.

pub mod credentials;
pub(crate) mod grace;
mod repo;
pub(crate) mod sessions;

use uuid::Uuid;

use crate::db::StoredText;
use crate::error::{AppError, AppResult};

pub use sessions::{LoginOutcome, SessionLifetimes};

/// What a member may do for an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Runs the network: onboarding, MOUs, vetting; manages every listing.
    NetworkAdmin,
    /// Tracks referrals and follow-ups for their organization; arranges placements.
    Coordinator,
    /// Works with survivors: searches, refers, arranges placements.
    Advocate,
    /// Keeps their own organization's listing current; receives referrals.
    ProviderStaff,
    /// Multidisciplinary-team member: aggregate gap data only.
    MdtViewer,
}

impl StoredText for Role {
    const STORED: &'static [Self] = &Role::ALL;

    /// The value stored in the database.
    fn as_db(self) -> &'static str {
        match self {
            Role::NetworkAdmin => "NETWORK_ADMIN",
            Role::Coordinator => "COORDINATOR",
            Role::Advocate => "ADVOCATE",
            Role::ProviderStaff => "PROVIDER_STAFF",
            Role::MdtViewer => "MDT_VIEWER",
        }
    }
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] =
        [Role::NetworkAdmin, Role::Coordinator, Role::Advocate, Role::ProviderStaff, Role::MdtViewer];

    /// Roles that arrange placements and so may see where confidential shelters are.
    pub fn arranges_placements(self) -> bool {
        matches!(self, Role::NetworkAdmin | Role::Coordinator | Role::Advocate)
    }
}

/// An actor together with the request it acts in (for the audit log).
#[derive(Clone, Debug)]
pub struct Caller {
    /// Who is asking, once their token or key has been checked.
    pub actor: Actor,
    /// The request id returned to the client in `x-request-id`.
    pub request_id: String,
}

/// Who is acting: nobody, or a member acting for exactly one organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// No credentials: the public directory only.
    Anonymous,
    /// A member acting for one organization in one role.
    Member(Member),
}

/// A signed-in user (or an integration's API key) acting for one organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The user, or `None` for an API key.
    pub user_id: Option<Uuid>,
    /// The API key, for integrations.
    pub api_key_id: Option<Uuid>,
    /// The login session, when signed in with a password.
    pub session_id: Option<Uuid>,
    /// The organization the member acts for.
    pub organization_id: Uuid,
    /// The role they act with there.
    pub role: Role,
}

impl Actor {
    /// The member, or `UNAUTHENTICATED`.
    pub fn member(&self) -> AppResult<&Member> {
        match self {
            Actor::Member(m) => Ok(m),
            Actor::Anonymous => Err(AppError::Unauthenticated),
        }
    }

    /// The member if they hold one of `roles`; `UNAUTHENTICATED` or `FORBIDDEN` otherwise.
    pub fn require(&self, roles: &[Role]) -> AppResult<&Member> {
        let member = self.member()?;
        if roles.contains(&member.role) { Ok(member) } else { Err(AppError::Forbidden) }
    }

    /// A network admin, or `FORBIDDEN`.
    pub fn require_network_admin(&self) -> AppResult<&Member> {
        self.require(&[Role::NetworkAdmin])
    }

    /// A network admin, or a coordinator acting for `organization`; `UNAUTHENTICATED`
    /// or `FORBIDDEN` otherwise. Lower roles and other organizations are refused.
    pub fn require_coordinator_of(&self, organization: Uuid) -> AppResult<&Member> {
        let member = self.require(&[Role::NetworkAdmin, Role::Coordinator])?;
        if member.role == Role::NetworkAdmin || member.organization_id == organization {
            Ok(member)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether this actor may see the exact address and coordinates of a confidential
    /// location of a provider whose listing `owner` keeps: members of the owning
    /// organization, and the roles that arrange placements. Everyone else (anonymous
    /// callers, MDT viewers, other organizations' provider staff) sees the county only.
    pub fn may_see_confidential_location(&self, owner: Option<Uuid>) -> bool {
        match self {
            Actor::Anonymous => false,
            Actor::Member(m) => m.role.arranges_placements() || owner == Some(m.organization_id),
        }
    }

    /// Whether searches may rank by the exact position of every confidential location.
    pub fn may_locate_all_confidential_locations(&self) -> bool {
        matches!(self, Actor::Member(m) if m.role.arranges_placements())
    }

    /// Whether this actor may edit the listing of a provider kept by `owner`: network
    /// admins always; provider staff only their own organization's listing.
    pub fn may_edit_listing(&self, owner: Option<Uuid>) -> bool {
        match self {
            Actor::Anonymous => false,
            Actor::Member(m) => match m.role {
                Role::NetworkAdmin => true,
                Role::ProviderStaff => owner == Some(m.organization_id),
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role, org: Uuid) -> Actor {
        Actor::Member(Member {
            user_id: Some(Uuid::nil()),
            api_key_id: None,
            session_id: None,
            organization_id: org,
            role,
        })
    }

    #[test]
    fn confidential_locations_are_for_the_owner_and_placement_roles() {
        let (own, other) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(!Actor::Anonymous.may_see_confidential_location(Some(own)));
        assert!(member(Role::ProviderStaff, own).may_see_confidential_location(Some(own)));
        assert!(member(Role::MdtViewer, own).may_see_confidential_location(Some(own)));
        assert!(!member(Role::ProviderStaff, other).may_see_confidential_location(Some(own)));
        assert!(!member(Role::MdtViewer, other).may_see_confidential_location(Some(own)));
        for role in [Role::Advocate, Role::Coordinator, Role::NetworkAdmin] {
            assert!(member(role, other).may_see_confidential_location(Some(own)));
        }
    }

    #[test]
    fn listings_are_edited_by_admins_and_their_own_staff() {
        let (own, other) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(member(Role::NetworkAdmin, other).may_edit_listing(Some(own)));
        assert!(member(Role::ProviderStaff, own).may_edit_listing(Some(own)));
        assert!(!member(Role::ProviderStaff, other).may_edit_listing(Some(own)));
        assert!(!member(Role::ProviderStaff, own).may_edit_listing(None));
        for role in [Role::Advocate, Role::Coordinator, Role::MdtViewer] {
            assert!(!member(role, own).may_edit_listing(Some(own)));
        }
        assert!(!Actor::Anonymous.may_edit_listing(Some(own)));
    }

    #[test]
    fn coordinators_of_the_organization_and_admins_pass() {
        let (own, other) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(member(Role::Coordinator, own).require_coordinator_of(own).is_ok());
        assert!(member(Role::NetworkAdmin, other).require_coordinator_of(own).is_ok());
        assert!(matches!(member(Role::Coordinator, other).require_coordinator_of(own), Err(AppError::Forbidden)));
        for role in [Role::Advocate, Role::ProviderStaff, Role::MdtViewer] {
            assert!(matches!(member(role, own).require_coordinator_of(own), Err(AppError::Forbidden)));
        }
        assert!(matches!(Actor::Anonymous.require_coordinator_of(own), Err(AppError::Unauthenticated)));
    }

    #[test]
    fn roles_round_trip_through_the_database_form() {
        for role in Role::ALL {
            assert_eq!(Role::from_db(role.as_db()), Some(role));
        }
        assert_eq!(Role::from_db("ROOT"), None);
    }
}
