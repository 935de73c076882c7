//! The HTTP edge: health, GraphiQL only in development, JSON-only POST, body cap,
//! no batches, production hardening.

use lantern::config::Mode;
use serde_json::{Value, json};

use crate::common::{TestApp, error_code};

const NEEDS_QUERY: &str = "{ needCategories { code } }";

#[tokio::test]
async fn healthz_checks_the_database() {
    let app = TestApp::spawn().await;
    let response = app.client.get(format!("{}/healthz", app.base_url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "ok");

    // A server whose database is unreachable says so instead of claiming health.
    let dead = lantern::db::pool("postgres://postgres@127.0.0.1:1/none", 1, 1000).unwrap();
    let broken = TestApp::spawn_with_pool(dead);
    let response = broken.client.get(format!("{}/healthz", broken.base_url)).send().await.unwrap();
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn graphiql_is_served_in_development_only() {
    let dev = TestApp::spawn_in(Mode::Development).await;
    let page = dev.client.get(format!("{}/graphql", dev.base_url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));

    let prod = TestApp::spawn().await;
    let page = prod.client.get(format!("{}/graphql", prod.base_url)).send().await.unwrap();
    assert_eq!(page.status(), 405);
}

#[tokio::test]
async fn only_json_posts_execute() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base_url);
    let body = json!({ "query": NEEDS_QUERY }).to_string();

    // GET with a query string never executes.
    let get = app.client.get(format!("{url}?query={NEEDS_QUERY}")).send().await.unwrap();
    assert_eq!(get.status(), 405);
    assert!(!get.text().await.unwrap().contains("acute."));

    for content_type in
        [Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=x"), None]
    {
        let mut request = app.client.post(&url).body(body.clone());
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "content type {content_type:?}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("acute."), "{content_type:?} executed: {text}");
    }

    let ok = app
        .client
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn oversized_malformed_and_batched_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base_url);
    let post = |body: String| app.client.post(&url).header("content-type", "application/json").body(body).send();

    let huge = json!({ "query": format!("{{ needCategories {{ code }} }} #{}", "x".repeat(2 * 1024 * 1024)) });
    assert_eq!(post(huge.to_string()).await.unwrap().status(), 413);

    let malformed = post("{\"query\": ".into()).await.unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(error_code(&malformed.json().await.unwrap()), "BAD_REQUEST");

    let batch = post(json!([{ "query": NEEDS_QUERY }, { "query": NEEDS_QUERY }]).to_string()).await.unwrap();
    assert_eq!(batch.status(), 400);
    let batch: Value = batch.json().await.unwrap();
    assert_eq!(error_code(&batch), "BATCH_NOT_SUPPORTED");
    assert!(batch.get("data").is_none());
}

#[tokio::test]
async fn production_hides_the_schema_and_suggestions() {
    let app = TestApp::spawn().await;
    for probe in ["{ __schema { types { name } } }", "{ __type(name: \"Provider\") { fields { name } } }"] {
        let introspection = app.gql(probe, json!({})).await;
        let text = introspection.to_string();
        assert!(
            !text.contains("searchProviders") && !text.contains("serviceArea"),
            "introspection must be off: {text}"
        );
        assert!(introspection["data"]["__schema"].is_null() && introspection["data"]["__type"].is_null(), "{text}");
    }

    let typo = app.gql("{ needCategory { code } }", json!({})).await;
    assert_eq!(error_code(&typo), "GRAPHQL_VALIDATION_FAILED");
    assert!(!typo.to_string().contains("Did you mean"), "{typo}");
    assert!(typo["errors"][0]["extensions"]["requestId"].is_string());

    let dev = TestApp::spawn_in(Mode::Development).await;
    let introspection = dev.data("{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(introspection["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn over_deep_queries_are_refused() {
    // The directory's own types nest 6 levels at most, so reach for depth through
    // introspection's recursive types (available in development).
    let app = TestApp::spawn_in(Mode::Development).await;
    let nested = |levels: usize| {
        let mut q = String::from("name");
        for _ in 0..levels {
            q = format!("ofType {{ {q} }}");
        }
        format!("{{ __type(name: \"Query\") {{ fields {{ type {{ {q} }} }} }} }}")
    };
    let shallow = app.gql(&nested(3), json!({})).await;
    assert!(shallow.get("errors").is_none(), "{shallow}");
    let deep = app.gql(&nested(12), json!({})).await;
    assert_eq!(error_code(&deep), "GRAPHQL_VALIDATION_FAILED", "{deep}");
    assert!(deep["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("deep"), "{deep}");
}

#[tokio::test]
async fn a_cross_site_mutation_executes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.network_admin().await;
    let url = format!("{}/graphql", app.base_url);
    let mutation = "mutation { createOrganization(input: { name: \"CSRF Org\" }) { id } }";
    let body = json!({ "query": mutation }).to_string();
    // What a browser form or a no-preflight fetch can send, with the victim's token.
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let response = app
            .client
            .post(&url)
            .bearer_auth(&admin)
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415, "{content_type}");
    }
    let by_get = app.client.get(format!("{url}?query={mutation}")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(by_get.status(), 405);
    let created: i64 = app
        .sql()
        .await
        .query_one("SELECT count(*) FROM organizations WHERE name = 'CSRF Org'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(created, 0, "nothing executed");
}
