//! HTTP routes: `POST /graphql` (JSON only), GraphiQL at `GET /graphql` in development,
//! `GET /healthz`, the gap-matrix exports, `/session` (see [`crate::http_session`]) and
//! the web app for everything else (see [`crate::web_app`]).
//!
//! The GraphQL route does its own request handling instead of a permissive extractor:
//! only `POST` with `application/json` executes (so no cross-site form or GET can run an
//! operation), the body is capped before parsing, batches are refused, and every error
//! leaves with a stable `extensions.code` and the request id.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::{self, Actor, Caller};
use crate::config::Mode;
use crate::db::DbPool;
use crate::graphql::{self, ClientAddr, LanternSchema, ServiceSettings};

/// Largest accepted GraphQL request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most aliased fields in one operation (aliases multiply work without adding depth).
pub const MAX_ALIASES: usize = 30;

/// Shared state of the HTTP layer.
#[derive(Clone)]
pub struct HttpState {
    pub schema: LanternSchema,
    pub pool: DbPool,
    pub mode: Mode,
    pub settings: ServiceSettings,
    pub request_timeout: Duration,
    /// Whether the session cookie is marked `Secure`.
    pub cookie_secure: crate::config::CookieSecure,
    /// The built web app, served for every path no route claims.
    pub web_app: crate::web_app::WebApp,
}

/// Registers Lantern's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .route("/healthz", web::get().to(healthz))
        .route("/exports/gap-matrix.{format}", web::get().to(gap_matrix_export))
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql_post))
                .route(web::get().to(graphql_get))
                .default_service(web::to(method_not_allowed)),
        )
        .configure(crate::http_session::routes)
        .default_service(web::to(web_app));
}

async fn web_app(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    state.web_app.respond(&req).await
}

/// The client's IP address: the TCP peer.
pub(crate) fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
    req.peer_addr().map(|a| a.ip()).unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]))
}

fn error_body(code: &str, message: &str, request_id: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }] })
}

/// A JSON error answer with the request id, in body and header.
pub(crate) fn error_response(status: StatusCode, code: &str, message: &str, request_id: &str) -> HttpResponse {
    with_request_id(HttpResponse::build(status).json(error_body(code, message, request_id)), request_id)
}

/// 429 with `Retry-After`.
pub(crate) fn rate_limited(retry_after_secs: u64, request_id: &str) -> HttpResponse {
    let mut response =
        error_response(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many requests; slow down", request_id);
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

fn with_request_id(mut response: HttpResponse, request_id: &str) -> HttpResponse {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(header::HeaderName::from_static("x-request-id"), value);
    }
    response
}

async fn method_not_allowed() -> HttpResponse {
    let id = Uuid::new_v4().to_string();
    with_request_id(
        HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, "POST")).json(error_body(
            "METHOD_NOT_ALLOWED",
            "use POST with Content-Type: application/json",
            &id,
        )),
        &id,
    )
}

/// GraphiQL in development; otherwise nothing is served (and nothing executes) on GET.
async fn graphql_get(state: web::Data<HttpState>) -> HttpResponse {
    match state.mode {
        Mode::Development => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(GraphiQLSource::build().endpoint("/graphql").finish()),
        Mode::Production => method_not_allowed().await,
    }
}

pub(crate) fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// The bearer token of the request: `Ok(None)` without an Authorization header, `Err`
/// for a header that is not `Bearer <token>`.
fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ()> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let (scheme, token) = value.split_once(' ').ok_or(())?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 200 {
        Ok(Some(token.to_owned()))
    } else {
        Err(())
    }
}

/// The actor of a request from its bearer token, or else its session cookie (anonymous
/// with neither), or the error response to send: 401 for a bad token (clearing a dead
/// cookie), 403 for a cookie sent from another site, 429 past the per-token rate limit.
async fn authenticate(req: &HttpRequest, state: &HttpState, request_id: &str) -> Result<Actor, HttpResponse> {
    let (token, from_cookie) = match bearer_token(req) {
        Err(()) => {
            return Err(error_response(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "Authorization must be: Bearer <token>",
                request_id,
            ));
        }
        Ok(Some(token)) => (token, false),
        Ok(None) => match crate::http_session::cookie_token(req) {
            None => return Ok(Actor::Anonymous),
            Some(_) if !crate::http_session::same_origin(req) => {
                return Err(error_response(
                    StatusCode::FORBIDDEN,
                    "FORBIDDEN",
                    "cross-site requests may not use the session cookie",
                    request_id,
                ));
            }
            Some(token) => (token, true),
        },
    };
    let key = format!("api-token:{}", crate::auth::credentials::token_fingerprint(&token));
    if let Err(retry) = state.settings.limiter.check(&key, state.settings.rate_limits.api_per_token) {
        return Err(rate_limited(retry, request_id));
    }
    let authenticated = match state.pool.get().await {
        Ok(mut conn) => auth::sessions::authenticate(&mut conn, state.settings.auth, &token).await,
        Err(e) => Err(e.into()),
    };
    match authenticated {
        Ok(actor) => Ok(actor),
        Err(crate::error::AppError::Unauthenticated) => {
            let message = if from_cookie {
                "your session has ended; sign in again"
            } else {
                "the token is invalid, expired or revoked"
            };
            let mut response = error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message, request_id);
            if from_cookie {
                // The browser drops the dead cookie; the app then shows the sign-in page.
                response
                    .headers_mut()
                    .append(header::SET_COOKIE, crate::http_session::clearing_cookie(req, state.cookie_secure));
            }
            Err(response)
        }
        Err(e) => {
            graphql::log_internal(&e);
            Err(error_response(StatusCode::SERVICE_UNAVAILABLE, "INTERNAL", "internal error", request_id))
        }
    }
}

/// The state-wide gap matrix as a download: `/exports/gap-matrix.csv` or `.geojson`.
/// For network members (bearer token or session cookie); aggregates only.
async fn gap_matrix_export(req: HttpRequest, state: web::Data<HttpState>, format: web::Path<String>) -> HttpResponse {
    let request_id = Uuid::new_v4().to_string();
    let ip = client_ip(&req);
    if let Err(retry) = state.settings.limiter.check(&format!("api-ip:{ip}"), state.settings.rate_limits.api_per_ip) {
        return rate_limited(retry, &request_id);
    }
    let actor = match authenticate(&req, &state, &request_id).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let (content_type, extension) = match format.as_str() {
        "csv" => ("text/csv; charset=utf-8", "csv"),
        "geojson" => ("application/geo+json", "geojson"),
        _ => {
            return error_response(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "exports are gap-matrix.csv and gap-matrix.geojson",
                &request_id,
            );
        }
    };
    let body = async {
        let mut conn = state.pool.get().await?;
        let cells = crate::gaps::matrix(&mut conn, &state.settings.directory, &actor, None).await?;
        match extension {
            "csv" => Ok(crate::gaps::to_csv(&cells)),
            _ => crate::gaps::to_geojson(&mut conn, &cells).await,
        }
    }
    .await;
    match body {
        Ok(body) => with_request_id(
            HttpResponse::Ok()
                .content_type(content_type)
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"lantern-gap-matrix.{extension}\""),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body(body),
            &request_id,
        ),
        Err(e) => {
            let status = match e {
                crate::error::AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
                crate::error::AppError::Forbidden => StatusCode::FORBIDDEN,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let (code, message) = (e.code(), e.public_message());
            graphql::log_internal(&e);
            error_response(status, code, &message, &request_id)
        }
    }
}

/// How many aliased fields the operation's document holds, fragments included.
fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => usize::from(f.node.alias.is_some()) + in_set(&f.node.selection_set.node),
                Selection::InlineFragment(f) => in_set(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = doc.operations.iter().map(|(_, op)| in_set(&op.node.selection_set.node)).sum();
    let fragments: usize = doc.fragments.values().map(|f| in_set(&f.node.selection_set.node)).sum();
    operations + fragments
}

async fn graphql_post(req: HttpRequest, body: web::Bytes, state: web::Data<HttpState>) -> HttpResponse {
    let request_id = Uuid::new_v4().to_string();
    let ip = client_ip(&req);
    let limits = state.settings.rate_limits;
    if let Err(retry) = state.settings.limiter.check(&format!("api-ip:{ip}"), limits.api_per_ip) {
        return rate_limited(retry, &request_id);
    }
    if !is_json(&req) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Content-Type must be application/json",
            &request_id,
        );
    }
    let raw: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) if e.to_string().contains("number out of range") => {
            // JSON cannot say NaN or Infinity; a number too large for a double is the
            // nearest thing, and it is the caller's input that is wrong.
            let field = name_before(&String::from_utf8_lossy(&body), e.line(), e.column()).unwrap_or_default();
            let message = format!("{field} must be a finite number");
            return with_request_id(
                HttpResponse::BadRequest().json(json!({ "errors": [{ "message": message.trim_start(),
                    "extensions": { "code": "BAD_USER_INPUT", "field": field, "requestId": request_id } }] })),
                &request_id,
            );
        }
        Err(_) => return error_response(StatusCode::BAD_REQUEST, "BAD_REQUEST", "body is not valid JSON", &request_id),
    };
    if raw.is_array() {
        return error_response(
            StatusCode::BAD_REQUEST,
            "BATCH_NOT_SUPPORTED",
            "batched requests are not supported; send one operation per request",
            &request_id,
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(raw) {
        Ok(r) => r,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "body must be a GraphQL request: {\"query\": \"...\", \"variables\": {...}}",
                &request_id,
            );
        }
    };
    let query_text = request.query.clone();
    if let Ok(doc) = async_graphql::parser::parse_query(&request.query)
        && count_aliases(&doc) > MAX_ALIASES
    {
        let message = format!("an operation may use at most {MAX_ALIASES} aliases");
        return with_request_id(
            HttpResponse::Ok().json(error_body("GRAPHQL_VALIDATION_FAILED", &message, &request_id)),
            &request_id,
        );
    }
    let actor = match authenticate(&req, &state, &request_id).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let caller = Caller { actor, request_id: request_id.clone() };
    let request = graphql::with_request_data(request, &state.pool, &state.settings.keyring, caller, ClientAddr(ip));
    let Ok(response) = tokio::time::timeout(state.request_timeout, state.schema.execute(request)).await else {
        tracing::warn!(request_id, "request timed out");
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "TIMEOUT",
            "the request took too long and was abandoned",
            &request_id,
        );
    };
    // Only the errors are rewritten; `data` is written straight from the executor's
    // value (a gap matrix is thousands of objects, and a detour through a JSON tree
    // doubled its cost).
    let mut errors: Vec<Value> = response.errors.iter().map(|e| serde_json::to_value(e).unwrap_or_default()).collect();
    finish_errors(&mut errors, &query_text, &request_id);
    let rate_limited = errors.iter().any(|e| e["extensions"]["code"] == "RATE_LIMITED");
    let status = if rate_limited { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::OK };
    let body = ResponseBody { data: &response.data, extensions: &response.extensions, errors };
    with_request_id(
        HttpResponse::build(status).insert_header((header::CACHE_CONTROL, "no-store")).json(body),
        &request_id,
    )
}

/// A GraphQL response as it leaves: the shape of `async_graphql::Response`, with the
/// errors after [`finish_errors`].
#[derive(serde::Serialize)]
struct ResponseBody<'a> {
    data: &'a async_graphql::Value,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Value>,
}

/// The argument or key named just before 1-based `line`/`column` of `text`: `lat` in
/// `lat: 1e400` or in `"lat": 1e400`. Used to name the field of a number literal that
/// failed to parse.
fn name_before(text: &str, line: usize, column: usize) -> Option<String> {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let line_text = text.get(line_start..)?.split('\n').next()?;
    let upto = line_text.char_indices().nth(column.saturating_sub(1)).map_or(line_text.len(), |(i, _)| i);
    let before = line_text[..upto].trim_end();
    // Step back over the number itself if the position points past it.
    let before = before.trim_end_matches(|c: char| c.is_ascii_digit() || "+-.eE".contains(c)).trim_end();
    let before = before.strip_suffix(':')?.trim_end().trim_end_matches('"');
    let name: String = before.chars().rev().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then(|| name.chars().rev().collect())
}

/// Gives every error a code and the request id. Errors raised by resolvers already carry
/// a code; those without one come from parsing or validating the query (no path) or
/// from coercing an argument (path), and anything else is masked as internal.
fn finish_errors(errors: &mut [Value], query: &str, request_id: &str) {
    for error in errors {
        let has_path = error.get("path").is_some();
        let message = error.get("message").and_then(Value::as_str).unwrap_or_default().to_owned();
        if message.contains("number out of range") {
            // A number literal too large for a double (the nearest thing to infinity
            // GraphQL can spell) fails while parsing; it is bad input, and we can say where.
            let at = &error["locations"][0];
            let field = name_before(
                query,
                at["line"].as_u64().unwrap_or(0) as usize,
                at["column"].as_u64().unwrap_or(0) as usize,
            );
            let field = field.unwrap_or_default();
            error["message"] = json!(format!("{field} must be a finite number").trim_start());
            error["extensions"] = json!({ "code": "BAD_USER_INPUT", "field": field });
        }
        let ext = error
            .as_object_mut()
            .map(|e| e.entry("extensions").or_insert_with(|| json!({})))
            .and_then(Value::as_object_mut);
        let Some(ext) = ext else { continue };
        if !ext.contains_key("code") {
            let code = if !has_path {
                "GRAPHQL_VALIDATION_FAILED"
            } else if message.starts_with("Failed to parse") || message.starts_with("Invalid value") {
                "BAD_USER_INPUT"
            } else {
                "INTERNAL"
            };
            ext.insert("code".into(), json!(code));
            if code == "INTERNAL" {
                tracing::error!(request_id, "unclassified GraphQL error masked");
                error["message"] = json!("internal error");
            }
        }
        if let Some(ext) = error.get_mut("extensions").and_then(Value::as_object_mut) {
            ext.insert("requestId".into(), json!(request_id));
        }
    }
}

async fn healthz(state: web::Data<HttpState>) -> HttpResponse {
    let ok = match state.pool.get().await {
        Ok(mut conn) => diesel_async::RunQueryDsl::execute(diesel::sql_query("SELECT 1"), &mut *conn).await.is_ok(),
        Err(_) => false,
    };
    let index = state.settings.directory.state().as_str();
    if ok {
        HttpResponse::Ok().json(json!({ "status": "ok", "searchIndex": index }))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable", "database": "unreachable" }))
    }
}

#[cfg(test)]
mod tests {
    use super::name_before;

    #[test]
    fn names_the_argument_before_a_position() {
        let q = "{ countyAt(lat: 1e400, lon: 2) { fips } }";
        assert_eq!(name_before(q, 1, 17).as_deref(), Some("lat"));
        assert_eq!(name_before(q, 1, 22).as_deref(), Some("lat"));
        assert_eq!(name_before("{\n \"vars\": {\"lon\": 1e999}", 2, 22).as_deref(), Some("lon"));
        assert_eq!(name_before("{ a }", 1, 3), None);
    }
}
