//! Organizations, users, roles and tokens: onboarding end to end, login, the token
//! lifecycle (expiry, idle timeout, logout, revocation), invitations and API keys.

use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, error_code};

const ME: &str = "{ me { role user { email displayName } organization { id name } } }";

#[tokio::test]
async fn an_admin_onboards_an_organization_whose_staff_keep_their_listing() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Harbor House (test org)").await;
    let (_, email, staff) = app.member(&admin, &org, "PROVIDER_STAFF").await;

    let me = app.data_as(&staff, ME, json!({})).await;
    assert_eq!(me["me"]["role"], "PROVIDER_STAFF");
    assert_eq!(me["me"]["organization"]["id"], org.as_str());
    assert_eq!(me["me"]["user"]["email"], email.as_str());

    // Staff list their organization's provider and keep it current.
    let created = app
        .data_as(
            &staff,
            "mutation { createProvider(input: { name: \"Harbor House (synthetic)\", kind: \"dv_sa_agency\",
                 phones: [{ number: \"(919) 555-0100\", twentyFourHour: true }] }) { id version organizationId } }",
            json!({}),
        )
        .await;
    let provider = created["createProvider"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["createProvider"]["organizationId"], org.as_str());
    let service = app
        .data_as(&staff, "mutation($p: ID!) { createService(providerId: $p, input: { name: \"Emergency shelter\",
                 needs: [\"acute.housing\"], languages: [\"es\"], populations: [ADULTS], open24h: true }) { id version needs { code } } }",
                 json!({ "p": provider }))
        .await;
    assert_eq!(service["createService"]["needs"][0]["code"], "acute.housing");
    let location = app
        .data_as(&staff, "mutation($p: ID!) { createLocation(providerId: $p, input: { name: \"Shelter\", latitude: 35.7796,
                 longitude: -78.6382, confidential: true, street: \"1 Fixture Way\" }) { id version latitude county { fips } } }",
                 json!({ "p": provider }))
        .await;
    assert_eq!(location["createLocation"]["county"]["fips"], "37183", "county computed from the point");
    assert_eq!(location["createLocation"]["latitude"], 35.7796, "the owning organization sees its own shelter");
    let updated = app
        .data_as(&staff, "mutation($id: ID!) { updateProvider(id: $id, version: 1, input: { description: \"Open to all\" }) { version description } }",
                 json!({ "id": provider }))
        .await;
    assert_eq!(updated["updateProvider"]["version"], 2);
    let area = app
        .data_as(&staff, "mutation($id: ID!) { setServiceArea(providerId: $id, version: 2, counties: [\"37063\", \"37135\"]) { version serviceArea { fips } } }",
                 json!({ "id": provider }))
        .await;
    let fips: Vec<&str> =
        area["setServiceArea"]["serviceArea"].as_array().unwrap().iter().map(|c| c["fips"].as_str().unwrap()).collect();
    assert!(fips.contains(&"37063") && fips.contains(&"37135") && fips.contains(&"37183"));

    // The listing is now found by the public search.
    let found = app
        .data("{ searchProviders(filter: { needs: [\"acute.housing\"], county: \"37063\", languages: [\"es\"] }, first: 100) { nodes { provider { id } } } }", json!({}))
        .await;
    assert!(
        found["searchProviders"]["nodes"].as_array().unwrap().iter().any(|n| n["provider"]["id"] == provider.as_str())
    );

    // Every change left an audit row naming the actor's organization and the request.
    let db = app.sql().await;
    let rows = db
        .query("SELECT action FROM audit_log WHERE organization_id = $1::text::uuid AND request_id IS NOT NULL ORDER BY id", &[&org])
        .await
        .unwrap();
    let actions: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    for action in
        ["provider.create", "service.create", "location.create", "provider.update", "provider.set_service_area"]
    {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }
}

#[tokio::test]
async fn wrong_credentials_are_refused_alike() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Login Test Org").await;
    let (_, email, _) = app.member(&admin, &org, "ADVOCATE").await;
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let wrong_password = app.gql(login, json!({ "e": email, "p": "not the password at all" })).await;
    let unknown_user = app.gql(login, json!({ "e": "nobody@lantern.test", "p": PASSWORD })).await;
    assert_eq!(error_code(&wrong_password), "UNAUTHENTICATED");
    assert_eq!(error_code(&unknown_user), "UNAUTHENTICATED");
    assert_eq!(wrong_password["errors"][0]["message"], unknown_user["errors"][0]["message"]);

    // Case does not matter in the email; a disabled account cannot log in.
    let ok = app.gql(login, json!({ "e": email.to_uppercase(), "p": PASSWORD })).await;
    assert!(ok["data"]["login"]["token"].is_string(), "{ok}");
    app.sql()
        .await
        .execute("UPDATE users SET disabled_at = now() WHERE lower(email) = lower($1)", &[&email])
        .await
        .unwrap();
    let disabled = app.gql(login, json!({ "e": email, "p": PASSWORD })).await;
    assert_eq!(error_code(&disabled), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_member_of_several_organizations_chooses_one_explicitly() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let (a, b) = (app.organization(&admin, "Org A").await, app.organization(&admin, "Org B").await);
    let (user, email, _) = app.member(&admin, &a, "COORDINATOR").await;
    app.data_as(
        &admin,
        "mutation($u: ID!, $o: ID!) { setMembership(userId: $u, organizationId: $o, role: ADVOCATE) }",
        json!({ "u": user, "o": b }),
    )
    .await;

    let login = "mutation($e: String!, $p: String!, $o: ID) { login(email: $e, password: $p, organizationId: $o) { role organizationId } }";
    let ambiguous = app.gql(login, json!({ "e": email, "p": PASSWORD })).await;
    assert_eq!(error_code(&ambiguous), "BAD_USER_INPUT");
    assert_eq!(ambiguous["errors"][0]["extensions"]["field"], "organizationId");
    let as_b = app.data(login, json!({ "e": email, "p": PASSWORD, "o": b })).await;
    assert_eq!(as_b["login"]["role"], "ADVOCATE");
    assert_eq!(as_b["login"]["organizationId"], b.as_str());
    let elsewhere = app.organization(&admin, "Org C").await;
    let not_mine = app.gql(login, json!({ "e": email, "p": PASSWORD, "o": elsewhere })).await;
    assert_eq!(error_code(&not_mine), "BAD_USER_INPUT");
}

async fn me_status(app: &TestApp, token: &str) -> (u16, Value) {
    app.gql_as(token, ME, json!({})).await
}

#[tokio::test]
async fn tokens_expire_idle_out_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Token Org").await;
    let db = app.sql().await;

    // Logout ends the session.
    let (_, _, token) = app.member(&admin, &org, "ADVOCATE").await;
    assert_eq!(me_status(&app, &token).await.0, 200);
    app.data_as(&token, "mutation { logout }", json!({})).await;
    let (status, body) = me_status(&app, &token).await;
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));

    // An admin revokes all of a user's tokens.
    let (user, email, token) = app.member(&admin, &org, "ADVOCATE").await;
    let second = app.login(&email, None).await;
    let revoked = app.data_as(&admin, "mutation($u: ID!) { revokeUserTokens(userId: $u) }", json!({ "u": user })).await;
    assert_eq!(revoked["revokeUserTokens"], 2, "the onboarding login and the second");
    assert_eq!(me_status(&app, &token).await.0, 401);
    assert_eq!(me_status(&app, &second).await.0, 401);

    // Expiry and idle timeout.
    let (user, email, token) = app.member(&admin, &org, "ADVOCATE").await;
    db.execute("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1::text::uuid", &[&user])
        .await
        .unwrap();
    assert_eq!(me_status(&app, &token).await.0, 401, "expired");
    let token = app.login(&email, None).await;
    db.execute("UPDATE sessions SET last_used_at = now() - interval '31 minutes' WHERE user_id = $1::text::uuid AND revoked_at IS NULL", &[&user])
        .await
        .unwrap();
    assert_eq!(me_status(&app, &token).await.0, 401, "idle past the timeout");

    // Losing the membership ends the session at once.
    let token = app.login(&email, None).await;
    assert_eq!(me_status(&app, &token).await.0, 200);
    app.data_as(
        &admin,
        "mutation($u: ID!, $o: ID!) { removeMembership(userId: $u, organizationId: $o) }",
        json!({ "u": user, "o": org }),
    )
    .await;
    assert_eq!(me_status(&app, &token).await.0, 401);

    // Garbage and malformed credentials.
    assert_eq!(me_status(&app, "lts_not-a-real-token").await.0, 401);
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let db = app.sql().await;
    let rows = db.query("SELECT token_hash FROM sessions", &[]).await.unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let stored: Vec<u8> = row.get(0);
        assert_eq!(stored.len(), 32, "a SHA-256 digest");
        assert!(!String::from_utf8_lossy(&stored).contains(&admin[..10]));
    }
    let dump = db.query("SELECT string_agg(encode(token_hash, 'escape'), '') FROM sessions", &[]).await.unwrap();
    let text: Option<String> = dump[0].get(0);
    assert!(!text.unwrap_or_default().contains(&admin));
    let hashes = db.query("SELECT password_hash FROM users WHERE password_hash IS NOT NULL", &[]).await.unwrap();
    for row in hashes {
        let hash: String = row.get(0);
        assert!(hash.starts_with("$argon2id$"), "argon2id: {hash}");
    }
}

#[tokio::test]
async fn invitations_work_once_and_need_a_real_password() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Invite Org").await;
    let invite = "mutation($i: InviteUserInput!) { inviteUser(input: $i) { userId invitationToken } }";
    let invited = app
        .data_as(&admin, invite, json!({ "i": { "email": "sam.example@lantern.test", "displayName": "Sam Example (fake)", "organizationId": org, "role": "ADVOCATE" } }))
        .await;
    let token = invited["inviteUser"]["invitationToken"].as_str().unwrap();
    let accept = "mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }";

    let weak = app.gql(accept, json!({ "t": token, "p": "short" })).await;
    assert_eq!(
        (error_code(&weak), weak["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("password"))
    );
    // The refused attempt did not use the invitation up.
    app.data(accept, json!({ "t": token, "p": PASSWORD })).await;
    let again = app.gql(accept, json!({ "t": token, "p": "another long password" })).await;
    assert_eq!(
        (error_code(&again), again["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("token"))
    );
    let forged = app.gql(accept, json!({ "t": "lti_forged", "p": PASSWORD })).await;
    assert_eq!(error_code(&forged), "BAD_USER_INPUT");

    // An expired invitation is refused.
    let late = app
        .data_as(&admin, invite, json!({ "i": { "email": "late.example@lantern.test", "displayName": "Late Example (fake)", "organizationId": org, "role": "ADVOCATE" } }))
        .await;
    app.sql()
        .await
        .execute(
            "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE user_id = $1::text::uuid",
            &[&late["inviteUser"]["userId"].as_str().unwrap()],
        )
        .await
        .unwrap();
    let expired = app.gql(accept, json!({ "t": late["inviteUser"]["invitationToken"], "p": PASSWORD })).await;
    assert_eq!(error_code(&expired), "BAD_USER_INPUT");

    // Inviting someone who already has a password only adds the membership.
    let other = app.organization(&admin, "Second Invite Org").await;
    let existing = app
        .data_as(&admin, invite, json!({ "i": { "email": "SAM.example@lantern.test", "displayName": "Sam", "organizationId": other, "role": "COORDINATOR" } }))
        .await;
    assert_eq!(existing["inviteUser"]["invitationToken"], Value::Null);
    assert_eq!(existing["inviteUser"]["userId"], invited["inviteUser"]["userId"]);
}

#[tokio::test]
async fn api_keys_act_for_one_organization_and_role_until_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Integration Org").await;
    let created = app
        .data_as(&admin, "mutation($o: ID!) { createApiKey(input: { organizationId: $o, role: COORDINATOR, label: \"Case system\" }) { id key } }", json!({ "o": org }))
        .await;
    let key = created["createApiKey"]["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ltk_"));
    let me = app.data_as(&key, ME, json!({})).await;
    assert_eq!(me["me"]["role"], "COORDINATOR");
    assert_eq!(me["me"]["organization"]["id"], org.as_str());
    assert_eq!(me["me"]["user"], Value::Null);

    // A key is no admin: it cannot mint keys.
    let (status, denied) = app
        .gql_as(&key, "mutation($o: ID!) { createApiKey(input: { organizationId: $o, role: NETWORK_ADMIN, label: \"x\" }) { key } }", json!({ "o": org }))
        .await;
    assert_eq!((status, error_code(&denied)), (200, "FORBIDDEN"));

    app.data_as(&admin, "mutation($id: ID!) { revokeApiKey(id: $id) }", json!({ "id": created["createApiKey"]["id"] }))
        .await;
    assert_eq!(me_status(&app, &key).await.0, 401);
}

#[tokio::test]
async fn the_first_admin_comes_from_the_cli_with_no_default_password() {
    let app = TestApp::spawn().await;
    let run = |password: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lantern"))
            .args([
                "admin",
                "create-user",
                "--email",
                "first.admin@lantern.test",
                "--name",
                "First Admin (fake)",
                "--organization",
                "Network Office",
            ])
            .env("DATABASE_URL", &app.app_db_url)
            .env("LANTERN_MIGRATION_DATABASE_URL", &app.db_url)
            .env_remove("LANTERN_ADMIN_PASSWORD")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = run("admin");
    assert!(!weak.status.success(), "a weak password is refused");
    let ok = run(PASSWORD);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let token = app.login("first.admin@lantern.test", None).await;
    let me = app.data_as(&token, ME, json!({})).await;
    assert_eq!(me["me"]["role"], "NETWORK_ADMIN");
    assert!(!run(PASSWORD).status.success(), "the same email twice is refused");
}

const INVITE: &str = "mutation($i: InviteUserInput!) { inviteUser(input: $i) { userId invitationToken } }";
const ACCEPT: &str = "mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }";

async fn invite(app: &TestApp, admin: &str, email: &str, org: &str) -> (String, Option<String>) {
    let invited = app
        .data_as(admin, INVITE, json!({ "i": { "email": email, "displayName": "Robin Example (fake)", "organizationId": org, "role": "ADVOCATE" } }))
        .await;
    (
        invited["inviteUser"]["userId"].as_str().unwrap().to_owned(),
        invited["inviteUser"]["invitationToken"].as_str().map(str::to_owned),
    )
}

/// Issue 13, defect 9: an earlier invitation token must not reset a live password.
#[tokio::test]
async fn old_invitation_tokens_never_reset_a_live_password() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Reinvite Org").await;
    let email = "robin.example@lantern.test";

    // Re-inviting voids the earlier token.
    let (user, first) = invite(&app, &admin, email, &org).await;
    let (_, second) = invite(&app, &admin, email, &org).await;
    let voided = app.gql(ACCEPT, json!({ "t": first, "p": "an attacker's password" })).await;
    assert_eq!(
        (error_code(&voided), voided["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("token")),
        "a re-invitation voids earlier tokens: {voided}"
    );
    app.data(ACCEPT, json!({ "t": second, "p": PASSWORD })).await;
    let first_again = app.gql(ACCEPT, json!({ "t": first, "p": "an attacker's password" })).await;
    assert_eq!(error_code(&first_again), "BAD_USER_INPUT");

    // A token still in the table (issued before this rule, say) is refused once the
    // user has a password, and the password stays.
    let stray = lantern::auth::credentials::new_token(lantern::auth::credentials::INVITATION_PREFIX);
    let db = app.sql().await;
    db.execute(
        "INSERT INTO invitations (token_hash, user_id, expires_at) VALUES ($1, $2::text::uuid, now() + interval '1 day')",
        &[&lantern::auth::credentials::token_hash(&stray), &user],
    )
    .await
    .unwrap();
    let stray_attempt = app.gql(ACCEPT, json!({ "t": stray, "p": "an attacker's password" })).await;
    assert_eq!(error_code(&stray_attempt), "BAD_USER_INPUT", "{stray_attempt}");
    let session = app.login(email, None).await;
    assert_eq!(me_status(&app, &session).await.0, 200, "the real password still works");
}

/// Issue 13, defect 9: setting a password ends every other session of the user.
#[tokio::test]
async fn setting_a_password_ends_the_users_other_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Reset Org").await;
    let (user, email, session) = app.member(&admin, &org, "ADVOCATE").await;
    assert_eq!(me_status(&app, &session).await.0, 200);

    // The operator clears the password (a forced reset); the admin invites again.
    app.sql().await.execute("UPDATE users SET password_hash = NULL WHERE id = $1::text::uuid", &[&user]).await.unwrap();
    let (_, token) = invite(&app, &admin, &email, &org).await;
    let token = token.expect("a user without a password gets a new invitation");
    app.data(ACCEPT, json!({ "t": token, "p": PASSWORD })).await;
    assert_eq!(me_status(&app, &session).await.0, 401, "the session from before the reset ended");
    let fresh = app.login(&email, None).await;
    assert_eq!(me_status(&app, &fresh).await.0, 200);
}

/// A server on `app`'s database with its own password hashing (to count and hold it),
/// its own rate limits and a pool of `pool_size` connections.
fn server_beside(
    app: &TestApp,
    passwords: &std::sync::Arc<lantern::auth::credentials::PasswordHashing>,
    limits: lantern::config::RateLimits,
    pool_size: usize,
) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let pool = lantern::db::pool(&app.app_db_url, pool_size, 5_000).unwrap();
    let options = lantern::startup::ServerOptions {
        rate_limits: limits,
        passwords: std::sync::Arc::clone(passwords),
        keyring: app.keyring.clone(),
        search_index: false,
        ..lantern::startup::ServerOptions::default()
    };
    tokio::spawn(lantern::startup::build_server(listener, pool, options).unwrap());
    format!("http://127.0.0.1:{port}/graphql")
}

async fn post(app: &TestApp, url: &str, query: &str, variables: Value) -> (u16, Value) {
    let response = app.client.post(url).json(&json!({ "query": query, "variables": variables })).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Issue 13, defect 10: a bad invitation token is refused before any password hashing.
#[tokio::test]
async fn accept_invitation_refuses_a_bad_token_without_hashing() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Hashing Org").await;
    let (_, token) = invite(&app, &admin, "hash.example@lantern.test", &org).await;
    let passwords = std::sync::Arc::new(lantern::auth::credentials::PasswordHashing::new(2));
    let url = server_beside(&app, &passwords, crate::common::NO_LIMITS, 4);

    for bad in ["lti_forged", "", "not even a token", &"x".repeat(5000)] {
        let (_, body) = post(&app, &url, ACCEPT, json!({ "t": bad, "p": PASSWORD })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    assert_eq!(passwords.hashes(), 0, "no password was hashed for a token that does not exist");
    let (_, body) = post(&app, &url, ACCEPT, json!({ "t": token, "p": PASSWORD })).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(passwords.hashes(), 1, "the real invitation is hashed once");
    // Used now: refused, again without hashing.
    let (_, body) = post(&app, &url, ACCEPT, json!({ "t": token, "p": PASSWORD })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(passwords.hashes(), 1);
}

/// Issue 13, defect 10: acceptInvitation is limited per client IP, aliases included.
#[tokio::test]
async fn accept_invitation_is_rate_limited_per_ip_and_aliases_are_bounded() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Limited Org").await;
    let (_, token) = invite(&app, &admin, "limit.example@lantern.test", &org).await;
    let passwords = std::sync::Arc::new(lantern::auth::credentials::PasswordHashing::new(2));
    let limits = lantern::config::RateLimits { login_per_ip: 3, ..crate::common::NO_LIMITS };
    let url = server_beside(&app, &passwords, limits, 4);

    // Ten aliases of the real invitation in one request: three attempts are counted
    // against this IP's limit, the rest are refused without any work.
    let aliased: String = (0..10).map(|i| format!("a{i}: acceptInvitation(token: $t, password: $p) ")).collect();
    let (status, body) = post(
        &app,
        &url,
        &format!("mutation($t: String!, $p: String!) {{ {aliased} }}"),
        json!({ "t": token, "p": PASSWORD }),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    let codes: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["extensions"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes.iter().filter(|c| **c == "RATE_LIMITED").count(), 7, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == "BAD_USER_INPUT").count(), 2, "the used token: {codes:?}");
    assert_eq!(passwords.hashes(), 1, "one hash for the one real redemption");
    assert_eq!(me_status(&app, &app.login("limit.example@lantern.test", None).await).await.0, 200);

    // The next attempt from this IP is refused outright.
    let (status, body) = post(&app, &url, ACCEPT, json!({ "t": "lti_forged", "p": PASSWORD })).await;
    assert_eq!((status, error_code(&body)), (429, "RATE_LIMITED"));
    assert!(body["errors"][0]["extensions"]["retryAfter"].as_u64().is_some());
}

/// Issue 13, defect 10: hashing runs with bounded concurrency and holds no database
/// connection: with every hashing permit taken and a single pooled connection, a login
/// and an invitation wait while other requests are still answered.
#[tokio::test]
async fn password_hashing_is_bounded_and_holds_no_connection() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Pool Org").await;
    let (_, email, _) = app.member(&admin, &org, "ADVOCATE").await;
    let mut tokens = Vec::new();
    for i in 0..4 {
        tokens.push(invite(&app, &admin, &format!("bounded{i}@lantern.test"), &org).await.1.unwrap());
    }
    let passwords = std::sync::Arc::new(lantern::auth::credentials::PasswordHashing::new(2));
    let url = server_beside(&app, &passwords, crate::common::NO_LIMITS, 1);

    let held = passwords.hold_all().await;
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let waiting_login = tokio::spawn({
        let (client, url, email) = (app.client.clone(), url.clone(), email.clone());
        async move {
            let body = json!({ "query": login, "variables": { "e": email, "p": PASSWORD } });
            client.post(&url).json(&body).send().await.unwrap().json::<Value>().await.unwrap()
        }
    });
    let waiting_accept = tokio::spawn({
        let (client, url, token) = (app.client.clone(), url.clone(), tokens[0].clone());
        async move {
            let body = json!({ "query": ACCEPT, "variables": { "t": token, "p": PASSWORD } });
            client.post(&url).json(&body).send().await.unwrap().json::<Value>().await.unwrap()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting_login.is_finished() && !waiting_accept.is_finished(), "both wait for a hashing permit");
    let answered =
        tokio::time::timeout(std::time::Duration::from_secs(3), post(&app, &url, "{ counties { fips } }", json!({})))
            .await
            .expect("the one pooled connection is free while they wait");
    assert!(answered.1["data"]["counties"].is_array(), "{}", answered.1);
    drop(held);
    let login = waiting_login.await.unwrap();
    assert!(login["data"]["login"]["token"].is_string(), "{login}");
    let accepted = waiting_accept.await.unwrap();
    assert_eq!(accepted["data"]["acceptInvitation"], true, "{accepted}");

    // Many at once never run more than the bound.
    let many = tokens[1..].iter().map(|t| post(&app, &url, ACCEPT, json!({ "t": t, "p": PASSWORD })));
    for (_, body) in futures_util::future::join_all(many).await {
        assert_eq!(body["data"]["acceptInvitation"], true, "{body}");
    }
    assert!(passwords.peak() <= 2, "at most 2 hashes at once, saw {}", passwords.peak());
    assert_eq!(passwords.hashes(), 4);
    assert_eq!(passwords.verifications(), 1);
}

const GRANTS: &str = "query($o: ID!) { organization(id: $o) { accessGrants {
    id role grantedAt user { id } apiKey { id label } grantedBy { id } grantedByOrganizationId } } }";

/// Issue 13, defect 12: access granted to an organization from outside it is told to
/// the organization (an event through the outbox) and listed for its coordinators.
#[tokio::test]
async fn access_granted_from_outside_is_told_to_the_organization() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let me = app.data_as(&admin, "{ me { user { id } organization { id } } }", json!({})).await;
    let (admin_id, office) = (
        me["me"]["user"]["id"].as_str().unwrap().to_owned(),
        me["me"]["organization"]["id"].as_str().unwrap().to_owned(),
    );
    let org = app.organization(&admin, "Watched Org").await;
    let (_, _, coordinator) = app.member(&admin, &org, "COORDINATOR").await;
    let hook = app
        .data_as(
            &coordinator,
            "mutation($o: ID!) { createWebhookSubscription(input: { organizationId: $o, url: \"http://127.0.0.1:9/hook\", eventTypes: [\"access.granted\"] }) { id } }",
            json!({ "o": org }),
        )
        .await["createWebhookSubscription"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.data_as(&coordinator, GRANTS, json!({ "o": org })).await;
    let before = before["organization"]["accessGrants"].as_array().unwrap().len();

    // The admin makes itself a coordinator there and mints a key for it.
    app.data_as(
        &admin,
        "mutation($u: ID!, $o: ID!) { setMembership(userId: $u, organizationId: $o, role: COORDINATOR) }",
        json!({ "u": admin_id, "o": org }),
    )
    .await;
    let key = app
        .data_as(&admin, "mutation($o: ID!) { createApiKey(input: { organizationId: $o, role: COORDINATOR, label: \"Side door\" }) { id } }", json!({ "o": org }))
        .await["createApiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let grants = app.data_as(&coordinator, GRANTS, json!({ "o": org })).await;
    let grants = grants["organization"]["accessGrants"].as_array().unwrap().clone();
    assert_eq!(grants.len(), before + 2, "{grants:#?}");
    let (newest, membership) = (&grants[0], &grants[1]);
    assert_eq!(newest["apiKey"]["id"], key.as_str(), "newest first");
    assert_eq!(newest["apiKey"]["label"], "Side door");
    assert_eq!(newest["user"], Value::Null);
    assert_eq!(membership["user"]["id"], admin_id.as_str());
    assert_eq!(membership["role"], "COORDINATOR");
    for grant in [newest, membership] {
        assert_eq!(grant["grantedBy"]["id"], admin_id.as_str());
        assert_eq!(grant["grantedByOrganizationId"], office.as_str());
        assert!(grant["grantedAt"].is_string());
    }

    // Each grant is an event for the organization, ids only, fanned out to its hook.
    let db = app.sql().await;
    let events = db
        .query(
            "SELECT payload::text FROM outbox_events WHERE event_type = 'access.granted' AND organization_id = $1::text::uuid ORDER BY created_at",
            &[&org],
        )
        .await
        .unwrap();
    let payloads: Vec<Value> = events.iter().map(|r| serde_json::from_str(r.get::<_, &str>(0)).unwrap()).collect();
    assert!(payloads.len() >= 2, "{payloads:?}");
    let last_two = &payloads[payloads.len() - 2..];
    assert_eq!(last_two[0]["userId"], admin_id.as_str());
    assert_eq!(last_two[1]["apiKeyId"], key.as_str());
    for payload in last_two {
        assert_eq!(payload["grantedByUserId"], admin_id.as_str());
        for value in payload.as_object().unwrap().values() {
            assert!(value.as_str().is_some_and(|v| uuid::Uuid::parse_str(v).is_ok()), "ids only: {payload}");
        }
    }
    let delivered: i64 = db
        .query_one(
            "SELECT count(*) FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
              WHERE d.subscription_id = $1::text::uuid AND e.event_type = 'access.granted'",
            &[&hook],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(delivered, 2, "the organization's subscription receives both grants");

    // The service itself cannot erase or rewrite the record.
    let (service, connection) = tokio_postgres::connect(&app.app_db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    for statement in
        ["DELETE FROM access_grants", "UPDATE access_grants SET role = 'MDT_VIEWER'", "TRUNCATE access_grants"]
    {
        let err = service.execute(statement, &[]).await.expect_err(statement);
        assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{statement}");
    }

    // Access granted within one's own organization is not a grant from outside.
    let office_grants = app.data_as(&admin, GRANTS, json!({ "o": office })).await;
    let office_before = office_grants["organization"]["accessGrants"].as_array().unwrap().len();
    invite(&app, &admin, "colleague.example@lantern.test", &office).await;
    let office_grants = app.data_as(&admin, GRANTS, json!({ "o": office })).await;
    assert_eq!(office_grants["organization"]["accessGrants"].as_array().unwrap().len(), office_before);
}
