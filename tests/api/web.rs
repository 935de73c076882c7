//! The web app's side of the server: the session cookie (`POST /session`, `DELETE
//! /session`, the cookie on `/graphql`) and serving the built app at `/`.

use lantern::startup::ServerOptions;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::common::{NO_LIMITS, PASSWORD, TestApp};

const ME: &str = "{ me { user { email } role organization { id } } }";

/// What `POST /session` answered: status, the `Set-Cookie` headers, the body.
struct SignIn {
    status: u16,
    cookies: Vec<String>,
    cache_control: String,
    body: Value,
}

impl SignIn {
    /// The `lantern_session=…` pair to send back.
    fn cookie(&self) -> String {
        let set = self.cookies.iter().find(|c| c.starts_with("lantern_session=")).expect("a session cookie");
        set.split(';').next().unwrap().to_owned()
    }
}

async fn sign_in(app: &TestApp, body: Value, headers: &[(&str, &str)]) -> SignIn {
    let mut request = app.client.post(format!("{}/session", app.base_url)).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let cookies = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let cache_control =
        response.headers().get("cache-control").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    SignIn { status, cookies, cache_control, body: response.json().await.expect("JSON body") }
}

/// A GraphQL request carrying `headers` (a cookie, an origin); returns status,
/// `Set-Cookie` headers and body.
async fn gql_with(app: &TestApp, headers: &[(&str, &str)], query: &str) -> (u16, Vec<String>, Value) {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .headers(map)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let cookies = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    (status, cookies, response.json().await.expect("JSON body"))
}

async fn member(app: &TestApp) -> (String, String) {
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Cookie Test Org (fake)").await;
    let (_, email, _) = app.member(&admin, &org, "ADVOCATE").await;
    (email, org)
}

#[tokio::test]
async fn signing_in_sets_an_httponly_strict_cookie_and_returns_no_token() {
    let app = TestApp::spawn().await;
    let (email, org) = member(&app).await;
    let origin = app.base_url.clone();
    let answer = sign_in(&app, json!({ "email": email, "password": PASSWORD }), &[("Origin", &origin)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.cache_control, "no-store");
    let set = answer.cookies.iter().find(|c| c.starts_with("lantern_session=lts_")).expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(set.contains(attribute), "{attribute} missing from {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP without TLS: no Secure flag ({set})");
    let token = answer.cookie().trim_start_matches("lantern_session=").to_owned();
    let text = answer.body.to_string();
    assert!(!text.contains(&token) && !text.contains("lts_"), "no token in the body: {text}");
    assert_eq!(answer.body["session"]["user"]["email"], email);
    assert_eq!(answer.body["session"]["organization"]["id"], org);
    assert_eq!(answer.body["session"]["organization"]["name"], "Cookie Test Org (fake)");
    assert_eq!(answer.body["session"]["role"], "ADVOCATE");

    // The cookie authenticates /graphql, from this site's pages.
    let cookie = answer.cookie();
    let (status, _, body) = gql_with(&app, &[("Cookie", &cookie), ("Origin", &origin)], ME).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["user"]["email"], email);
    let (status, _, body) = gql_with(&app, &[("Cookie", &cookie), ("Sec-Fetch-Site", "same-origin")], ME).await;
    assert_eq!((status, &body["data"]["me"]["role"]), (200, &json!("ADVOCATE")), "{body}");

    // And the gap-matrix download, a same-origin link.
    let csv = app
        .client
        .get(format!("{}/exports/gap-matrix.csv", app.base_url))
        .header("Cookie", &cookie)
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
}

#[tokio::test]
async fn behind_tls_the_cookie_is_secure() {
    let app = TestApp::spawn().await;
    let (email, _) = member(&app).await;
    let origin = app.base_url.replace("http://", "https://");
    let answer = sign_in(
        &app,
        json!({ "email": email, "password": PASSWORD }),
        &[("Origin", &origin), ("X-Forwarded-Proto", "https")],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.cookies.iter().any(|c| c.starts_with("lantern_session=") && c.contains("Secure")),
        "{:?}",
        answer.cookies
    );
}

#[tokio::test]
async fn the_cookie_is_refused_from_another_site() {
    let app = TestApp::spawn().await;
    let (email, _) = member(&app).await;
    let origin = app.base_url.clone();
    let cookie = sign_in(&app, json!({ "email": email, "password": PASSWORD }), &[("Origin", &origin)]).await.cookie();
    for headers in [
        vec![("Cookie", cookie.as_str()), ("Origin", "http://evil.example")],
        vec![("Cookie", cookie.as_str()), ("Origin", "null")],
        vec![("Cookie", cookie.as_str()), ("Sec-Fetch-Site", "cross-site")],
        vec![("Cookie", cookie.as_str()), ("Sec-Fetch-Site", "same-site"), ("Origin", origin.as_str())],
        // A state-changing request with the cookie must say where it comes from.
        vec![("Cookie", cookie.as_str())],
    ] {
        let (status, _, body) = gql_with(&app, &headers, ME).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert!(body.get("data").is_none(), "{body}");
    }
    // Signing in from another site (login CSRF) is refused too, and sets nothing.
    let evil =
        sign_in(&app, json!({ "email": email, "password": PASSWORD }), &[("Origin", "http://evil.example")]).await;
    assert_eq!(evil.status, 403);
    assert!(evil.cookies.is_empty());
    // Only JSON: a cross-site form cannot post here.
    let form = app
        .client
        .post(format!("{}/session", app.base_url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("email={email}&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
}

#[tokio::test]
async fn a_bearer_token_wins_over_the_cookie() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let org = app.organization(&admin, "Bearer Org (fake)").await;
    let (_, cookie_email, _) = app.member(&admin, &org, "ADVOCATE").await;
    let (_, bearer_email, bearer) = app.member(&admin, &org, "COORDINATOR").await;
    let origin = app.base_url.clone();
    let cookie =
        sign_in(&app, json!({ "email": cookie_email, "password": PASSWORD }), &[("Origin", &origin)]).await.cookie();
    let auth = format!("Bearer {bearer}");
    let (status, _, body) =
        gql_with(&app, &[("Cookie", &cookie), ("Authorization", &auth), ("Origin", "http://evil.example")], ME).await;
    assert_eq!(status, 200, "a bearer client is not a browser session: {body}");
    assert_eq!(body["data"]["me"]["user"]["email"], bearer_email);
}

#[tokio::test]
async fn signing_out_revokes_the_session_and_clears_the_cookie() {
    let app = TestApp::spawn().await;
    let (email, _) = member(&app).await;
    let origin = app.base_url.clone();
    let cookie = sign_in(&app, json!({ "email": email, "password": PASSWORD }), &[("Origin", &origin)]).await.cookie();
    // Not from another site.
    let refused = app
        .client
        .delete(format!("{}/session", app.base_url))
        .header("Cookie", &cookie)
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let (status, _, _) = gql_with(&app, &[("Cookie", &cookie), ("Origin", &origin)], ME).await;
    assert_eq!(status, 200, "a refused sign-out leaves the session alone");

    let out = app
        .client
        .delete(format!("{}/session", app.base_url))
        .header("Cookie", &cookie)
        .header("Origin", &origin)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    let cleared = out.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cleared.starts_with("lantern_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    // The token itself is revoked, not just forgotten by the browser.
    let (status, cookies, body) = gql_with(&app, &[("Cookie", &cookie), ("Origin", &origin)], ME).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(cookies.iter().any(|c| c.contains("Max-Age=0")), "a dead cookie is cleared: {cookies:?}");
    // Anonymous again: public reads work without the cookie.
    let (status, _, body) = gql_with(&app, &[("Origin", &origin)], "{ counties { fips } }").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_idle_session_cookie_sends_the_browser_back_to_sign_in() {
    let app = TestApp::spawn().await;
    let (email, _) = member(&app).await;
    let origin = app.base_url.clone();
    let cookie = sign_in(&app, json!({ "email": email, "password": PASSWORD }), &[("Origin", &origin)]).await.cookie();
    app.sql().await.execute("UPDATE sessions SET last_used_at = now() - interval '31 minutes'", &[]).await.unwrap();
    let (status, cookies, body) =
        gql_with(&app, &[("Cookie", &cookie), ("Origin", &origin)], "{ counties { fips } }").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(cookies.iter().any(|c| c.starts_with("lantern_session=;")), "{cookies:?}");
}

#[tokio::test]
async fn a_person_of_several_organizations_chooses_one_after_the_password() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let a = app.organization(&admin, "Alpha Shelter (fake)").await;
    let b = app.organization(&admin, "Beta Legal Aid (fake)").await;
    let (user, email, _) = app.member(&admin, &a, "ADVOCATE").await;
    app.data_as(
        &admin,
        "mutation($u: ID!, $o: ID!) { setMembership(userId: $u, organizationId: $o, role: COORDINATOR) }",
        json!({ "u": user, "o": b }),
    )
    .await;
    let origin = app.base_url.clone();

    // A wrong password learns nothing about the organizations.
    let wrong =
        sign_in(&app, json!({ "email": email, "password": "not the password at all" }), &[("Origin", &origin)]).await;
    assert_eq!(wrong.status, 401);
    assert!(!wrong.body.to_string().contains("Alpha"), "{}", wrong.body);
    assert_eq!(wrong.body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let choose = sign_in(&app, json!({ "email": email, "password": PASSWORD }), &[("Origin", &origin)]).await;
    assert_eq!(choose.status, 200, "{}", choose.body);
    assert!(choose.cookies.is_empty(), "no session before a choice");
    assert_eq!(
        choose.body["chooseOrganization"],
        json!([
            { "id": a, "name": "Alpha Shelter (fake)", "role": "ADVOCATE" },
            { "id": b, "name": "Beta Legal Aid (fake)", "role": "COORDINATOR" },
        ])
    );
    let chosen =
        sign_in(&app, json!({ "email": email, "password": PASSWORD, "organizationId": b }), &[("Origin", &origin)])
            .await;
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    let (_, _, body) = gql_with(&app, &[("Cookie", &chosen.cookie()), ("Origin", &origin)], ME).await;
    assert_eq!(body["data"]["me"]["organization"]["id"], b);
    assert_eq!(body["data"]["me"]["role"], "COORDINATOR");

    let stranger = uuid::Uuid::new_v4().to_string();
    let bad = sign_in(
        &app,
        json!({ "email": email, "password": PASSWORD, "organizationId": stranger }),
        &[("Origin", &origin)],
    )
    .await;
    assert_eq!((bad.status, &bad.body["errors"][0]["extensions"]["field"]), (400, &json!("organizationId")));
}

#[tokio::test]
async fn signing_in_by_cookie_shares_the_login_rate_limits() {
    let app = TestApp::spawn_with(ServerOptions {
        rate_limits: lantern::config::RateLimits { login_per_email: 2, ..NO_LIMITS },
        ..ServerOptions::default()
    })
    .await;
    let origin = app.base_url.clone();
    let body = json!({ "email": "nobody@lantern.test", "password": "wrong password here" });
    for _ in 0..2 {
        assert_eq!(sign_in(&app, body.clone(), &[("Origin", &origin)]).await.status, 401);
    }
    // The login mutation counts against the same limit.
    let limited = sign_in(&app, body, &[("Origin", &origin)]).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    let (status, _, mutation) = gql_with(
        &app,
        &[],
        "mutation { login(email: \"nobody@lantern.test\", password: \"wrong password here\") { token } }",
    )
    .await;
    assert_eq!((status, &mutation["errors"][0]["extensions"]["code"]), (429, &json!("RATE_LIMITED")));
}

/// A fake build: index.html, a hashed script with its gzip copy, a favicon.
fn fake_build() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lantern-web-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Lantern app</title>").unwrap();
    std::fs::write(dir.join("assets/index-abc123.js"), "console.log('plain');").unwrap();
    std::fs::write(dir.join("assets/index-abc123.js.gz"), b"\x1f\x8bgzipped").unwrap();
    std::fs::write(dir.join("favicon.svg"), "<svg/>").unwrap();
    std::fs::write(dir.join(".secret"), "hidden file").unwrap();
    dir
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.base_url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn serves_the_built_app_with_a_strict_policy() {
    let dir = fake_build();
    let app = TestApp::spawn_with(ServerOptions {
        web_dir: Some(dir.clone()),
        rate_limits: NO_LIMITS,
        ..ServerOptions::default()
    })
    .await;
    // The page of every route is no-store: client and referral pages show personal data.
    let routes = ["/", "/login", "/providers/6fe61bac-c274-504f-9724-41ef348af033", "/gaps/37183", "/sheet?x=1"];
    let client_routes = ["/clients/6fe61bac-c274-504f-9724-41ef348af033", "/referrals", "/follow-ups"];
    for path in routes.into_iter().chain(client_routes) {
        let response = get(&app, path, &[]).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
        let csp = header(&response, "content-security-policy");
        assert!(csp.starts_with("default-src 'self'") && !csp.contains("unsafe"), "{csp}");
        assert!(header(&response, "content-type").starts_with("text/html"));
        assert!(response.text().await.unwrap().contains("Lantern app"), "{path}");
    }
    let script = get(&app, "/assets/index-abc123.js", &[("Accept-Encoding", "gzip, br")]).await;
    assert_eq!(script.status(), 200);
    assert_eq!(header(&script, "content-encoding"), "gzip");
    assert!(header(&script, "content-type").contains("javascript"));
    assert_eq!(header(&script, "cache-control"), "public, max-age=31536000, immutable");
    let plain = get(&app, "/assets/index-abc123.js", &[("Accept-Encoding", "gzip;q=0")]).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.text().await.unwrap(), "console.log('plain');");
    assert_eq!(get(&app, "/favicon.svg", &[]).await.status(), 200);

    // The server's own paths never fall back to the page.
    for path in [
        "/assets/missing.js",
        "/graphql/x",
        "/healthz/x",
        "/exports/x",
        "/session/x",
        "/hsds/no-such-endpoint",
        "/assets/index-abc123.js.gz",
    ] {
        let response = get(&app, path, &[]).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!(status == 404 || status == 405, "{path}: {status}");
        assert!(!text.contains("Lantern app") && !text.contains("gzipped"), "{path}: {text}");
    }
    // Hidden files and paths out of the folder are never served (the page comes back).
    assert!(!get(&app, "/.secret", &[]).await.text().await.unwrap().contains("hidden file"));
    let traversal = get(&app, "/assets/%2e%2e/%2e%2e/Cargo.toml", &[]).await;
    assert!(!traversal.text().await.unwrap().contains("[package]"));
    let post = app.client.post(format!("{}/login", app.base_url)).body("x").send().await.unwrap();
    assert_eq!(post.status(), 404);
    // The API is untouched.
    assert_eq!(get(&app, "/healthz", &[]).await.status(), 200);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn without_a_build_the_root_says_so_and_the_api_works() {
    let app = TestApp::spawn().await;
    let response = get(&app, "/", &[]).await;
    assert_eq!(response.status(), 503);
    assert!(header(&response, "content-security-policy").starts_with("default-src 'self'"));
    assert!(response.text().await.unwrap().contains("not built"));
    assert_eq!(get(&app, "/assets/x.js", &[]).await.status(), 404);
    let data = app.data("{ counties { fips } }", json!({})).await;
    assert_eq!(data["counties"].as_array().unwrap().len(), 100);
}
