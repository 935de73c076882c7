//! Identity over GraphQL: login, the signed-in member, organizations and onboarding.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{caller, client_ip, conn, parse_uuid, pool, services};
use super::errors::GqlResultExt;
use crate::auth::{self, Role};
use crate::error::AppError;
use crate::organizations::grants::{self, AccessGrant};
use crate::organizations::{self, Membership, Organization, User};

/// What a member may do for an organization.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role", remote = "crate::auth::Role")]
pub enum RoleGql {
    /// Runs the network: onboarding, vetting; manages every listing.
    NetworkAdmin,
    /// Tracks referrals and follow-ups; arranges placements.
    Coordinator,
    /// Works with survivors: searches, refers, arranges placements.
    Advocate,
    /// Keeps their own organization's listing current.
    ProviderStaff,
    /// Multidisciplinary-team member: aggregate gap data only.
    MdtViewer,
}

/// A member organization of the network.
pub struct OrganizationGql(pub Organization);

#[Object(name = "Organization")]
impl OrganizationGql {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The organization's users and roles (network admins and the organization's own members).
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MembershipGql>> {
        let list = organizations::members(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, self.0.id).await.gql()?;
        Ok(list.into_iter().map(MembershipGql).collect())
    }
    /// The directory listings this organization keeps, by name (public, as every
    /// listing's keeper is).
    async fn providers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::types::ProviderGql>> {
        let list = crate::providers::kept_by(&mut *conn(ctx).await.gql()?, self.0.id).await.gql()?;
        Ok(list.into_iter().map(super::types::ProviderGql).collect())
    }
    /// Memberships and API keys granted in this organization by someone outside it (a
    /// network admin of another organization, or the operator's command line), newest
    /// first; each is also sent as an `access.granted` webhook event. For the
    /// organization's coordinators and network admins. `first` is at most 100 (default 50).
    #[graphql(complexity = "first.unwrap_or(50).clamp(1, 100) as usize * child_complexity")]
    async fn access_grants(&self, ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Vec<AccessGrantGql>> {
        let first = i64::from(first.unwrap_or(50));
        let list = grants::list(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, self.0.id, first).await.gql()?;
        Ok(list.into_iter().map(AccessGrantGql::from).collect())
    }
}

/// An API key as an organization's access grants show it (never the key itself).
#[derive(SimpleObject)]
#[graphql(name = "ApiKeyRef")]
pub struct ApiKeyRefGql {
    pub id: ID,
    pub label: String,
}

/// Access granted in an organization from outside it: who, what role, when, by whom.
#[derive(SimpleObject)]
#[graphql(name = "AccessGrant")]
pub struct AccessGrantGql {
    pub id: ID,
    /// The user given the role; null when an API key was created.
    pub user: Option<UserGql>,
    /// The API key created; null when a user was given the role.
    pub api_key: Option<ApiKeyRefGql>,
    pub role: RoleGql,
    pub granted_at: DateTime<Utc>,
    /// The user who granted it; null when an API key did, or the operator's command line.
    pub granted_by: Option<UserGql>,
    /// The API key that granted it, if one did.
    pub granted_by_api_key_id: Option<ID>,
    /// The organization the granter acted for; null for the operator's command line.
    pub granted_by_organization_id: Option<ID>,
}

impl From<AccessGrant> for AccessGrantGql {
    fn from(g: AccessGrant) -> Self {
        AccessGrantGql {
            id: ID(g.id.to_string()),
            user: g.user.map(UserGql::from),
            api_key: g.api_key.map(|k| ApiKeyRefGql { id: ID(k.id.to_string()), label: k.label }),
            role: g.role.into(),
            granted_at: g.granted_at,
            granted_by: g.granted_by.map(UserGql::from),
            granted_by_api_key_id: g.granted_by_api_key_id.map(|id| ID(id.to_string())),
            granted_by_organization_id: g.granted_by_organization_id.map(|id| ID(id.to_string())),
        }
    }
}

/// A user of the network.
#[derive(SimpleObject)]
#[graphql(name = "User")]
pub struct UserGql {
    pub id: ID,
    pub email: String,
    pub display_name: String,
    /// False until the user has accepted their invitation and set a password.
    pub active: bool,
}

impl From<User> for UserGql {
    fn from(u: User) -> Self {
        UserGql { id: ID(u.id.to_string()), email: u.email, display_name: u.display_name, active: u.active }
    }
}

/// A user's role in an organization.
pub struct MembershipGql(pub Membership);

#[Object(name = "Membership")]
impl MembershipGql {
    async fn user(&self) -> UserGql {
        self.0.user.clone().into()
    }
    async fn role(&self) -> RoleGql {
        self.0.role.into()
    }
}

/// Who is asking.
pub struct ViewerGql;

#[Object(name = "Viewer")]
impl ViewerGql {
    /// The signed-in user; null for an API key.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserGql>> {
        Ok(organizations::me(&mut *conn(ctx).await.gql()?, &caller(ctx).actor).await.gql()?.map(UserGql::from))
    }
    /// The organization this request acts for.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrganizationGql>> {
        let actor = &caller(ctx).actor;
        let org = actor.member().gql()?.organization_id;
        Ok(organizations::get(&mut *conn(ctx).await.gql()?, actor, org).await.gql()?.map(OrganizationGql))
    }
    async fn role(&self, ctx: &Context<'_>) -> async_graphql::Result<RoleGql> {
        Ok(caller(ctx).actor.member().gql()?.role.into())
    }
}

/// Identity reads.
#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in member and the organization the request acts for.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<ViewerGql> {
        caller(ctx).actor.member().gql()?;
        Ok(ViewerGql)
    }

    /// Organizations you may see: all for network admins, else your own.
    async fn organizations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrganizationGql>> {
        let list = organizations::list(&mut *conn(ctx).await.gql()?, &caller(ctx).actor).await.gql()?;
        Ok(list.into_iter().map(OrganizationGql).collect())
    }

    /// An organization (network admins, or its own members).
    async fn organization(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<OrganizationGql>> {
        let id = parse_uuid(&id, "id").gql()?;
        Ok(organizations::get(&mut *conn(ctx).await.gql()?, &caller(ctx).actor, id).await.gql()?.map(OrganizationGql))
    }
}

/// A successful login.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Send as `Authorization: Bearer <token>`. Shown once.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub organization_id: ID,
    pub role: RoleGql,
}

/// An invitation for a new user.
#[derive(SimpleObject)]
pub struct InvitePayload {
    pub user_id: ID,
    /// Pass this to the invitee (it is shown once); they call `acceptInvitation` with it.
    /// Null when the user already had a password and only gained the membership.
    pub invitation_token: Option<String>,
}

/// A new API key.
#[derive(SimpleObject)]
pub struct ApiKeyPayload {
    pub id: ID,
    /// Send as `Authorization: Bearer <key>`. Shown once.
    pub key: String,
}

#[derive(InputObject)]
pub struct CreateOrganizationInput {
    pub name: String,
}

#[derive(InputObject)]
pub struct InviteUserInput {
    pub email: String,
    pub display_name: String,
    pub organization_id: ID,
    pub role: RoleGql,
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    pub organization_id: ID,
    pub role: RoleGql,
    /// What the key is for, e.g. "Case management system".
    pub label: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Identity writes.
#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Signs in. Returns a bearer token acting for one organization: `organizationId`,
    /// or your only one. Wrong email and wrong password give the same error. Attempts
    /// are limited per client IP, per email and IP, and per email (`RATE_LIMITED`).
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
        organization_id: Option<ID>,
    ) -> async_graphql::Result<LoginPayload> {
        let (services, ip) = (services(ctx), client_ip(ctx));
        services.check_login_limits(ip, &email).gql()?;
        let organization = organization_id.map(|id| parse_uuid(&id, "organizationId")).transpose().gql()?;
        let outcome = auth::sessions::login(
            pool(ctx),
            &services.passwords,
            services.sessions,
            &email,
            &password,
            organization,
            &caller(ctx).request_id,
        )
        .await
        .gql()?;
        Ok(LoginPayload {
            token: outcome.token,
            expires_at: outcome.expires_at,
            organization_id: ID(outcome.organization_id.to_string()),
            role: outcome.role.into(),
        })
    }

    /// Ends this login session.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        auth::sessions::logout(&mut *conn(ctx).await.gql()?, caller(ctx)).await.gql()?;
        Ok(true)
    }

    /// Sets your password with the invitation token you were given. Works once, with
    /// the newest invitation only, and only while you have no password; ends any other
    /// session of yours. Attempts are limited per client IP (`RATE_LIMITED`).
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        token: String,
        password: String,
    ) -> async_graphql::Result<bool> {
        let (services, ip) = (services(ctx), client_ip(ctx));
        services
            .limiter
            .invitation_attempt(&services.rate_limits, ip)
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })
            .gql()?;
        organizations::accept_invitation(pool(ctx), &services.passwords, &token, &password, &caller(ctx).request_id)
            .await
            .gql()?;
        Ok(true)
    }

    /// Onboards a member organization (network admins).
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> async_graphql::Result<OrganizationGql> {
        let org = organizations::create(&mut *conn(ctx).await.gql()?, caller(ctx), &input.name).await.gql()?;
        Ok(OrganizationGql(org))
    }

    /// Invites a person into an organization with a role (network admins).
    async fn invite_user(&self, ctx: &Context<'_>, input: InviteUserInput) -> async_graphql::Result<InvitePayload> {
        let org = parse_uuid(&input.organization_id, "input.organizationId").gql()?;
        let invitation = organizations::invite_user(
            &mut *conn(ctx).await.gql()?,
            caller(ctx),
            &input.email,
            &input.display_name,
            org,
            input.role.into(),
        )
        .await
        .gql()?;
        Ok(InvitePayload { user_id: ID(invitation.user_id.to_string()), invitation_token: invitation.token })
    }

    /// Gives a user a role in an organization, or changes it (network admins).
    async fn set_membership(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        organization_id: ID,
        role: RoleGql,
    ) -> async_graphql::Result<bool> {
        let user = parse_uuid(&user_id, "userId").gql()?;
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        organizations::set_membership(&mut *conn(ctx).await.gql()?, caller(ctx), user, org, Role::from(role))
            .await
            .gql()?;
        Ok(true)
    }

    /// Removes a user from an organization (network admins); their sessions for it end.
    async fn remove_membership(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        organization_id: ID,
    ) -> async_graphql::Result<bool> {
        let user = parse_uuid(&user_id, "userId").gql()?;
        let org = parse_uuid(&organization_id, "organizationId").gql()?;
        organizations::remove_membership(&mut *conn(ctx).await.gql()?, caller(ctx), user, org).await.gql()?;
        Ok(true)
    }

    /// Ends every login session of a user (network admins). Returns how many ended.
    async fn revoke_user_tokens(&self, ctx: &Context<'_>, user_id: ID) -> async_graphql::Result<i32> {
        let user = parse_uuid(&user_id, "userId").gql()?;
        let ended = auth::sessions::revoke_user_tokens(&mut *conn(ctx).await.gql()?, caller(ctx), user).await.gql()?;
        Ok(ended as i32)
    }

    /// Creates an API key for an integration, scoped to one organization and role
    /// (network admins).
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> async_graphql::Result<ApiKeyPayload> {
        let org = parse_uuid(&input.organization_id, "input.organizationId").gql()?;
        let key = auth::sessions::create_api_key(
            &mut *conn(ctx).await.gql()?,
            caller(ctx),
            org,
            input.role.into(),
            &input.label,
            input.expires_at,
        )
        .await
        .gql()?;
        Ok(ApiKeyPayload { id: ID(key.id.to_string()), key: key.key })
    }

    /// Revokes an API key (network admins).
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id").gql()?;
        auth::sessions::revoke_api_key(&mut *conn(ctx).await.gql()?, caller(ctx), id).await.gql()?;
        Ok(true)
    }
}
