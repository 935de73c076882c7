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
