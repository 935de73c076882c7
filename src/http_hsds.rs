//! The HSDS 3.0 API under `/hsds` (read-only): parse the query, call `crate::hsds`,
//! answer JSON (or NDJSON, streamed). Public; a bearer token (or the session cookie)
//! reads the caller's own view. Errors carry `extensions.code` as everywhere else.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::stream;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::hsds::{self, Query};
use crate::http::{HttpState, error_response, export_caller, status_of};

/// The profile, served at `/hsds/profile`.
const PROFILE: &str = include_str!("../docs/hsds-profile.md");
/// The HSDS 3.0 API reference Lantern implements, as Open Referral publishes it.
const OPENAPI: &str = include_str!("../vendor/hsds-3.0/openapi.json");

/// Registers `/hsds` and everything under it.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/hsds")
            .route("", web::get().to(meta))
            .route("/", web::get().to(meta))
            .route("/openapi.json", web::get().to(openapi))
            .route("/profile", web::get().to(profile))
            .route("/services", web::get().to(services))
            .route("/services/{id}", web::get().to(service))
            .route("/organizations", web::get().to(organizations))
            .route("/organizations/{id}", web::get().to(organization))
            .route("/service_at_locations", web::get().to(service_at_locations))
            .route("/service_at_locations/{id}", web::get().to(service_at_location))
            .route("/taxonomies", web::get().to(taxonomies))
            .route("/taxonomies/{id}", web::get().to(taxonomy))
            .route("/taxonomy_terms", web::get().to(taxonomy_terms))
            .route("/taxonomy_terms/{id}", web::get().to(taxonomy_term))
            .default_service(web::to(not_found)),
    );
}

/// The scheme and host the client used, for the absolute URLs of `GET /hsds/`.
fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn json_ok(body: &Value, request_id: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("x-request-id", request_id.to_owned()))
        .body(body.to_string())
}

fn failure(e: AppError, request_id: &str) -> HttpResponse {
    crate::error::log_internal(&e);
    let status = status_of(&e);
    let mut response = error_response(status, e.code(), &e.public_message(), request_id);
    if let AppError::BadUserInput { field, .. } = &e
        && let Ok(v) = header::HeaderValue::from_str(field)
    {
        // The field is in the body's message too; the header lets a client tell them apart.
        response.headers_mut().insert(header::HeaderName::from_static("x-error-field"), v);
    }
    response
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    let request_id = crate::http::request_id(&req);
    error_response(StatusCode::NOT_FOUND, "NOT_FOUND", "no such HSDS endpoint", &request_id)
}

async fn meta(req: HttpRequest) -> HttpResponse {
    let request_id = crate::http::request_id(&req);
    json_ok(&hsds::meta(&base_url(&req)), &request_id)
}

/// Lantern's own API reference: Open Referral's, with Lantern's server, version,
/// `proximity` form and the service-at-location answer's schema.
async fn openapi(req: HttpRequest) -> HttpResponse {
    let request_id = crate::http::request_id(&req);
    json_ok(&lantern_openapi(), &request_id)
}

/// Open Referral's API reference adapted to Lantern (see `docs/hsds-profile.md`).
pub fn lantern_openapi() -> Value {
    let mut doc: Value = serde_json::from_str(OPENAPI).expect("the vendored openapi.json is JSON");
    doc["info"] = serde_json::json!({
        "title": "Lantern HSDS API",
        "version": "1.0.0",
        "summary": "Lantern's provider directory as Open Referral HSDS 3.0",
        "description": "Read-only and public; a bearer token gives the caller's own view. Confidential locations never carry an address or coordinates. The profile is at /hsds/profile.",
        "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" },
    });
    doc["servers"] = serde_json::json!([{ "url": "/hsds" }]);
    doc["components"]["parameters"]["proximity"]["description"] = Value::String(
        "LAT,LON,METRES: services at locations within METRES of the point, nearest first (confidential locations by their county's point). Or METRES with postcode: within METRES of the postcode's centre.".into(),
    );
    // The published reference gives this answer the service schema; it is a service at a location.
    doc["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] =
        Value::String(
            "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/service_at_location.json"
                .into(),
        );
    doc
}

async fn profile() -> HttpResponse {
    HttpResponse::Ok().content_type("text/markdown; charset=utf-8").body(PROFILE)
}

/// The caller and the parsed query, or the answer to send.
async fn prepare(req: &HttpRequest, state: &HttpState) -> Result<(String, Actor, Query), HttpResponse> {
    let (request_id, actor) = export_caller(req, state).await?;
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).map_err(|_| {
        failure(AppError::bad_input("query", "the query string is not valid URL encoding"), &request_id)
    })?;
    let query = Query::parse(&pairs).map_err(|e| failure(e, &request_id))?;
    Ok((request_id, actor, query))
}

fn respond(result: AppResult<Value>, request_id: &str) -> HttpResponse {
    match result {
        Ok(v) => json_ok(&v, request_id),
        Err(e) => failure(e, request_id),
    }
}

fn lines(records: &[Value]) -> Bytes {
    let mut out = String::new();
    for r in records {
        out.push_str(&r.to_string());
        out.push('\n');
    }
    Bytes::from(out)
}

/// Where an NDJSON stream goes on from.
enum Next {
    After(Option<(String, Uuid)>),
    Offset(i64),
}

#[derive(Clone, Copy)]
enum Listing {
    Services,
    Organizations,
    ServiceAtLocations,
}

async fn batch(
    state: &HttpState,
    actor: &Actor,
    q: &Query,
    kind: Listing,
    at: Next,
) -> AppResult<(Vec<Value>, Option<Next>)> {
    let mut conn = state.pool.get().await?;
    match (kind, at) {
        (Listing::Services, Next::After(after)) => {
            let (records, next) = hsds::services_batch(&mut conn, actor, q, after).await?;
            Ok((records, next.map(|n| Next::After(Some(n)))))
        }
        (Listing::Organizations, Next::Offset(offset)) => {
            let (records, next) = hsds::organizations_batch(&mut conn, actor, q, offset).await?;
            Ok((records, next.map(Next::Offset)))
        }
        (Listing::ServiceAtLocations, Next::Offset(offset)) => {
            let (records, next) =
                hsds::service_at_locations_batch(&mut conn, actor, q, &state.services.directory, offset).await?;
            Ok((records, next.map(Next::Offset)))
        }
        _ => Ok((Vec::new(), None)),
    }
}

/// Every result, one JSON object a line, read in batches as the client takes them. The
/// first batch is read before answering, so a bad request still gets its error status.
async fn ndjson(
    state: web::Data<HttpState>,
    actor: Actor,
    q: Query,
    kind: Listing,
    request_id: String,
) -> HttpResponse {
    let start = match kind {
        Listing::Services => Next::After(None),
        _ => Next::Offset(0),
    };
    let (first, next) = match batch(&state, &actor, &q, kind, start).await {
        Ok(b) => b,
        Err(e) => return failure(e, &request_id),
    };
    let head = stream::once(async move { Ok::<Bytes, actix_web::Error>(lines(&first)) });
    let rest = stream::unfold(next, move |next| {
        let (state, actor, q) = (state.clone(), actor.clone(), q.clone());
        async move {
            let at = next?;
            match batch(&state, &actor, &q, kind, at).await {
                Ok((records, next)) => Some((Ok::<Bytes, actix_web::Error>(lines(&records)), next)),
                Err(e) => {
                    // The status is sent: end the stream short; the log says why.
                    crate::error::log_internal(&e);
                    None
                }
            }
        }
    });
    use futures_util::StreamExt;
    HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header(("x-request-id", request_id))
        .streaming(head.chain(rest))
}

async fn services(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let (request_id, actor, q) = match prepare(&req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if q.ndjson {
        return ndjson(state, actor, q, Listing::Services, request_id).await;
    }
    let result = async {
        let mut conn = state.pool.get().await?;
        Ok(hsds::services(&mut conn, &actor, &q).await?.to_json())
    }
    .await;
    respond(result, &request_id)
}

async fn service(req: HttpRequest, state: web::Data<HttpState>, id: web::Path<String>) -> HttpResponse {
    let (request_id, actor, _) = match prepare(&req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        let mut conn = state.pool.get().await?;
        hsds::service(&mut conn, &actor, &id).await
    }
    .await;
    respond(result, &request_id)
}

async fn organizations(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let (request_id, actor, q) = match prepare(&req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if q.ndjson {
        return ndjson(state, actor, q, Listing::Organizations, request_id).await;
    }
    let result = async {
        let mut conn = state.pool.get().await?;
        Ok(hsds::organizations(&mut conn, &actor, &q).await?.to_json())
    }
    .await;
    respond(result, &request_id)
}

async fn organization(req: HttpRequest, state: web::Data<HttpState>, id: web::Path<String>) -> HttpResponse {
    let (request_id, actor, q) = match prepare(&req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        let mut conn = state.pool.get().await?;
        hsds::organization(&mut conn, &actor, &id, q.full_service).await
    }
    .await;
    respond(result, &request_id)
}

async fn service_at_locations(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let (request_id, actor, q) = match prepare(&req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if q.ndjson {
        return ndjson(state, actor, q, Listing::ServiceAtLocations, request_id).await;
    }
    let result =
        hsds::service_at_locations(&state.pool, &actor, &q, &state.services.directory).await.map(|page| page.to_json());
    respond(result, &request_id)
}

async fn service_at_location(req: HttpRequest, state: web::Data<HttpState>, id: web::Path<String>) -> HttpResponse {
    let (request_id, actor, _) = match prepare(&req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        let mut conn = state.pool.get().await?;
        hsds::service_at_location(&mut conn, &actor, &id).await
    }
    .await;
    respond(result, &request_id)
}

/// A page, or with `format=ndjson` every record a line.
fn page_or_lines(page: hsds::Page, q: &Query, request_id: &str) -> HttpResponse {
    if q.ndjson {
        HttpResponse::Ok()
            .content_type("application/x-ndjson")
            .insert_header(("x-request-id", request_id.to_owned()))
            .body(lines(&page.contents))
    } else {
        json_ok(&page.to_json(), request_id)
    }
}

async fn taxonomies(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    match prepare(&req, &state).await {
        Ok((request_id, _, q)) => page_or_lines(hsds::taxonomies(&q), &q, &request_id),
        Err(r) => r,
    }
}

async fn taxonomy(req: HttpRequest, state: web::Data<HttpState>, id: web::Path<String>) -> HttpResponse {
    match prepare(&req, &state).await {
        Ok((request_id, _, _)) => respond(hsds::taxonomy_by_id(&id), &request_id),
        Err(r) => r,
    }
}

async fn taxonomy_terms(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let (request_id, _, q) = match prepare(&req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        let mut conn = state.pool.get().await?;
        hsds::taxonomy_terms(&mut conn, &q).await
    }
    .await;
    match result {
        Ok(page) => page_or_lines(page, &q, &request_id),
        Err(e) => failure(e, &request_id),
    }
}

async fn taxonomy_term(req: HttpRequest, state: web::Data<HttpState>, id: web::Path<String>) -> HttpResponse {
    let (request_id, _, _) = match prepare(&req, &state).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let result = async {
        let mut conn = state.pool.get().await?;
        hsds::taxonomy_term(&mut conn, &id).await
    }
    .await;
    respond(result, &request_id)
}
