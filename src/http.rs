//! HTTP routes: `POST /graphql` (JSON only), GraphiQL at `GET /graphql` in development,
//! `GET /healthz`, the gap-matrix and standards exports, `/session` (see [`crate::http_session`]),
//! the HSDS API under `/hsds` (see [`crate::http_hsds`]) and
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
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use serde_json::{Value, json};
use tracing::Instrument;
use uuid::Uuid;

use crate::auth::{self, Actor, Caller};
use crate::config::Mode;
use crate::db::DbPool;
use crate::error::{AppError, AppResult};
use crate::graphql::{self, ClientAddr, LanternSchema, Services};

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
    pub services: Services,
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
        .route("/exports/standards.csv", web::get().to(standards_export))
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql_post))
                .route(web::get().to(graphql_get))
                .default_service(web::to(method_not_allowed)),
        )
        .configure(crate::http_session::routes)
        .configure(crate::http_hsds::routes)
        .default_service(web::to(web_app));
}

async fn web_app(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    state.web_app.respond(&req).await
}

/// The client's IP address: the TCP peer.
pub(crate) fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
    req.peer_addr().map(|a| a.ip()).unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]))
}

/// The HTTP status of a domain error, for the routes that answer in plain HTTP (the
/// exports, the session); GraphQL answers carry the error in the body with 200.
pub(crate) fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::BadUserInput { .. } | AppError::ConsentRequired { .. } | AppError::VettingRequired { .. } => {
            StatusCode::BAD_REQUEST
        }
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The id of the request being served, given by the request middleware (`startup.rs`)
/// before anything else runs, so every log line of the request can carry it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The id the middleware gave this request (a fresh one if it somehow has none).
pub(crate) fn request_id(req: &HttpRequest) -> String {
    req.extensions().get::<RequestId>().map_or_else(|| Uuid::new_v4().to_string(), |id| id.0.clone())
}

/// A 503 for a database that cannot serve now, with a hint when to retry.
fn unavailable(request_id: &str) -> HttpResponse {
    let mut response =
        error_response(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", crate::error::UNAVAILABLE_MESSAGE, request_id);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_UNAVAILABLE_AFTER));
    response
}

/// Seconds a caller is asked to wait after `UNAVAILABLE`.
const RETRY_UNAVAILABLE_AFTER: &str = "2";

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

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let id = request_id(&req);
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
async fn graphql_get(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    match state.mode {
        Mode::Development => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(GraphiQLSource::build().endpoint("/graphql").finish()),
        Mode::Production => method_not_allowed(req).await,
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
    if let Err(retry) = state.services.limiter.check(&key, state.services.rate_limits.api_per_token) {
        return Err(rate_limited(retry, request_id));
    }
    let authenticated = match state.pool.get().await {
        Ok(mut conn) => auth::sessions::authenticate(&mut conn, state.services.sessions, &token).await,
        Err(e) => Err(e.into()),
    };
    let verified = &state.services.verified_tokens;
    match authenticated {
        Ok(actor) => {
            verified.remember(&token, &actor);
            Ok(actor)
        }
        Err(crate::error::AppError::Unauthenticated) => {
            verified.forget(&token);
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
            crate::error::log_internal(&e);
            // While the database cannot answer, a token it verified moments ago still
            // stands (see `auth::grace` for why revocation stays prompt). Any database
            // failure counts: a check cut off by a shutdown arrives without a kind.
            if let Some(actor) = verified.recall(&token) {
                tracing::warn!("token honoured from a recent check while the database cannot answer");
                return Ok(actor);
            }
            Err(match e {
                crate::error::AppError::Unavailable(_) => unavailable(request_id),
                _ => error_response(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.public_message(), request_id),
            })
        }
    }
}

/// Mutations that end or change credentials: after one succeeds through this instance,
/// no earlier token check is honoured without the database (`auth::grace`).
const ENDS_CREDENTIALS: &[&str] =
    &["logout", "revokeUserTokens", "revokeApiKey", "setMembership", "removeMembership", "acceptInvitation"];

/// Whether the document runs a mutation of [`ENDS_CREDENTIALS`].
fn ends_credentials(doc: &ExecutableDocument) -> bool {
    doc.operations.iter().any(|(_, op)| {
        op.node.ty == async_graphql::parser::types::OperationType::Mutation
            && op.node.selection_set.node.items.iter().any(|item| match &item.node {
                Selection::Field(f) => ENDS_CREDENTIALS.contains(&f.node.name.node.as_str()),
                _ => false,
            })
    })
}

/// What every download checks first: the per-IP rate limit, then who is asking (bearer
/// token or session cookie). The request id and the actor, or the answer to send.
pub(crate) async fn export_caller(req: &HttpRequest, state: &HttpState) -> Result<(String, Actor), HttpResponse> {
    let request_id = request_id(req);
    let ip = client_ip(req);
    if let Err(retry) = state.services.limiter.check(&format!("api-ip:{ip}"), state.services.rate_limits.api_per_ip) {
        return Err(rate_limited(retry, &request_id));
    }
    let actor = authenticate(req, state, &request_id).await?;
    Ok((request_id, actor))
}

/// A download's answer: the body as an attachment that is never cached, or the error.
fn export_response(body: AppResult<String>, content_type: &str, filename: &str, request_id: &str) -> HttpResponse {
    match body {
        Ok(body) => with_request_id(
            HttpResponse::Ok()
                .content_type(content_type)
                .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body(body),
            request_id,
        ),
        Err(e) => {
            let status = status_of(&e);
            let (code, message) = (e.code(), e.public_message());
            crate::error::log_internal(&e);
            error_response(status, code, &message, request_id)
        }
    }
}

/// How many organizations meet each Standard of Service, statewide and per county, as a
/// download: `/exports/standards.csv`. For network members; aggregates only, with small
/// counts withheld (see `crate::standards::aggregate`).
async fn standards_export(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let (request_id, actor) = match export_caller(&req, &state).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let body = async {
        let mut conn = state.pool.get().await?;
        let aggregate = crate::standards::aggregate::aggregate(&mut conn, &actor, state.services.clock.today()).await?;
        Ok(crate::standards::aggregate::to_csv(&aggregate))
    }
    .await;
    export_response(body, "text/csv; charset=utf-8", "lantern-standards.csv", &request_id)
}

/// The state-wide gap matrix as a download: `/exports/gap-matrix.csv` or `.geojson`.
/// For network members (bearer token or session cookie); aggregates only.
async fn gap_matrix_export(req: HttpRequest, state: web::Data<HttpState>, format: web::Path<String>) -> HttpResponse {
    let (request_id, actor) = match export_caller(&req, &state).await {
        Ok(caller) => caller,
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
        let cells = crate::gaps::matrix(&state.services.directory, &actor, None).await?;
        match extension {
            "csv" => Ok(crate::gaps::to_csv(&cells)),
            _ => crate::gaps::to_geojson(&mut *state.pool.get().await?, &cells).await,
        }
    }
    .await;
    export_response(body, content_type, &format!("lantern-gap-matrix.{extension}"), &request_id)
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
    let request_id = request_id(&req);
    let ip = client_ip(&req);
    let limits = state.services.rate_limits;
    if let Err(retry) = state.services.limiter.check(&format!("api-ip:{ip}"), limits.api_per_ip) {
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
    // Where the request carries a NUL character, if it does (see `finish_errors`).
    let nul_at = nul_path(&raw);
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
    let doc = async_graphql::parser::parse_query(&request.query).ok();
    // The request's span (opened by the middleware) names the operation for the log.
    let operation = request
        .operation_name
        .clone()
        .or_else(|| doc.as_ref().and_then(|d| d.operations.iter().find_map(|(name, _)| name.map(|n| n.to_string()))))
        .unwrap_or_else(|| "-".into());
    tracing::Span::current().record("operation", operation.as_str());
    if let Some(doc) = &doc {
        if count_aliases(doc) > MAX_ALIASES {
            let message = format!("an operation may use at most {MAX_ALIASES} aliases");
            return with_request_id(
                HttpResponse::Ok().json(error_body("GRAPHQL_VALIDATION_FAILED", &message, &request_id)),
                &request_id,
            );
        }
        // Every text and list input, before anything runs (and before the token costs a
        // database round trip): see `graphql::inputs`.
        if let Err(crate::error::AppError::BadUserInput { field, message }) =
            graphql::inputs::check(doc, &request.variables)
        {
            return with_request_id(
                HttpResponse::Ok().json(json!({ "data": null, "errors": [{ "message": message,
                    "extensions": { "code": "BAD_USER_INPUT", "field": field, "requestId": request_id } }] })),
                &request_id,
            );
        }
    }
    let actor = match authenticate(&req, &state, &request_id).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let caller = Caller { actor, request_id: request_id.clone() };
    let request = graphql::with_request_data(request, &state.pool, &state.services, caller, ClientAddr(ip));
    let ends_credentials = doc.as_ref().is_some_and(ends_credentials);
    if ends_credentials {
        // Before and after running it, so no check made before it commits is honoured.
        state.services.verified_tokens.forget_all();
    }
    let execution = state.schema.execute(request).instrument(tracing::Span::current());
    let Ok(response) = tokio::time::timeout(state.request_timeout, execution).await else {
        tracing::warn!(request_id, "request timed out");
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "TIMEOUT",
            "the request took too long and was abandoned",
            &request_id,
        );
    };
    if ends_credentials {
        state.services.verified_tokens.forget_all();
    }
    // Only the errors are rewritten; `data` is written straight from the executor's
    // value (a gap matrix is thousands of objects, and a detour through a JSON tree
    // doubled its cost).
    let mut errors: Vec<Value> = response.errors.iter().map(|e| serde_json::to_value(e).unwrap_or_default()).collect();
    // diesel keeps no SQLSTATE, so a statement PostgreSQL refused for a reason diesel
    // does not name is told apart by its circumstances: a NUL in the request is the
    // input's fault (22021: PostgreSQL refuses valid UTF-8 text only for a NUL); a
    // database that then fails a fresh round trip was shutting down or unreachable
    // (57P01 and kin cut a statement off mid-flight); anything else stays internal.
    let unclassified = response.errors.iter().filter_map(|e| e.source::<graphql::HiddenCause>());
    let unreachable = nul_at.is_none()
        && unclassified.into_iter().any(|c| c.unclassified_database_refusal)
        && !database_answers(&state.pool).await;
    for (error, json) in response.errors.iter().zip(errors.iter_mut()) {
        let Some(cause) = error.source::<graphql::HiddenCause>() else { continue };
        if !cause.unclassified_database_refusal {
            log_hidden_cause(cause.code, cause, &operation, &error.path);
        } else if let Some(field) = &nul_at {
            log_hidden_cause("BAD_USER_INPUT", cause, &operation, &error.path);
            *json = json!({ "message": format!("{field} must not contain NUL characters"), "path": json["path"],
                "extensions": { "code": "BAD_USER_INPUT", "field": field } });
        } else if unreachable {
            log_hidden_cause("UNAVAILABLE", cause, &operation, &error.path);
            *json = json!({ "message": crate::error::UNAVAILABLE_MESSAGE, "path": json["path"],
                "extensions": { "code": "UNAVAILABLE" } });
        } else {
            log_hidden_cause(cause.code, cause, &operation, &error.path);
        }
    }
    finish_errors(&mut errors, &query_text, &request_id);
    let has_code = |code: &str| errors.iter().any(|e| e["extensions"]["code"] == code);
    let status = if has_code("RATE_LIMITED") {
        StatusCode::TOO_MANY_REQUESTS
    } else if has_code("UNAVAILABLE") {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        builder.insert_header((header::RETRY_AFTER, RETRY_UNAVAILABLE_AFTER));
    }
    let body = ResponseBody { data: &response.data, extensions: &response.extensions, errors };
    with_request_id(builder.json(body), &request_id)
}

/// One log line for an error whose cause the caller did not see: the operation, the
/// field's path and the cause (the request's span adds the request id).
fn log_hidden_cause(
    answered: &str,
    cause: &graphql::HiddenCause,
    operation: &str,
    path: &[async_graphql::PathSegment],
) {
    let path: Vec<String> = path
        .iter()
        .map(|segment| match segment {
            async_graphql::PathSegment::Field(name) => name.clone(),
            async_graphql::PathSegment::Index(i) => i.to_string(),
        })
        .collect();
    let path = path.join(".");
    match answered {
        "INTERNAL" => tracing::error!(operation, path, cause = %cause.description, "internal error"),
        _ => {
            tracing::warn!(operation, path, code = answered, cause = %cause.description, "database refused or unavailable")
        }
    }
}

/// Whether the database answers a fresh round trip now (within a second).
async fn database_answers(pool: &DbPool) -> bool {
    let round_trip = async {
        let mut conn = pool.get().await.ok()?;
        diesel_async::RunQueryDsl::execute(diesel::sql_query("SELECT 1"), &mut *conn).await.ok()
    };
    matches!(tokio::time::timeout(Duration::from_secs(1), round_trip).await, Ok(Some(_)))
}

/// Whether GraphQL text holds a NUL character, raw or escaped in a string literal
/// (`\u0000`, `\u{0}`).
fn spells_nul(query: &str) -> bool {
    query.contains('\0')
        || query.match_indices("\\u").any(|(i, _)| {
            let rest = &query[i + 2..];
            rest.get(..4) == Some("0000")
                || rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .is_some_and(|(digits, _)| !digits.is_empty() && digits.chars().all(|c| c == '0'))
        })
}

/// Where in a GraphQL request body a NUL character is, as a field path: `$i.name` for
/// a variable's field, `query` for the document itself. `None` when there is none.
fn nul_path(body: &Value) -> Option<String> {
    fn find(value: &Value, path: &mut Vec<String>) -> bool {
        match value {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().enumerate().any(|(i, v)| {
                path.push(i.to_string());
                find(v, path) || {
                    path.pop();
                    false
                }
            }),
            Value::Object(fields) => fields.iter().any(|(k, v)| {
                path.push(k.clone());
                find(v, path) || {
                    path.pop();
                    false
                }
            }),
            _ => false,
        }
    }
    if body["query"].as_str().is_some_and(spells_nul) {
        return Some("query".into());
    }
    let mut path = Vec::new();
    find(&body["variables"], &mut path).then(|| format!("${}", path.join(".")))
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
    let ok = database_answers(&state.pool).await;
    let index = state.services.directory.index_state().as_str();
    if ok {
        HttpResponse::Ok().json(json!({ "status": "ok", "searchIndex": index }))
    } else {
        // Public searches may still be answered from the index's last snapshot.
        HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "database": "unreachable", "searchIndex": index }))
    }
}

#[cfg(test)]
mod tests {
    use super::name_before;

    #[test]
    fn finds_a_nul_raw_or_escaped() {
        use super::{nul_path, spells_nul};
        assert!(spells_nul("{ a(x: \"a\\u0000b\") }"));
        assert!(spells_nul("{ a(x: \"\\u{00}\") }"));
        assert!(!spells_nul("{ a(x: \"\\u0041 \\u{41}\") }"));
        let body = serde_json::json!({ "query": "q", "variables": { "i": { "tags": ["ok", "b\u{0}"] } } });
        assert_eq!(nul_path(&body).as_deref(), Some("$i.tags.1"));
        assert_eq!(nul_path(&serde_json::json!({ "query": "q", "variables": { "i": "fine" } })), None);
    }

    #[test]
    fn names_the_argument_before_a_position() {
        let q = "{ countyAt(lat: 1e400, lon: 2) { fips } }";
        assert_eq!(name_before(q, 1, 17).as_deref(), Some("lat"));
        assert_eq!(name_before(q, 1, 22).as_deref(), Some("lat"));
        assert_eq!(name_before("{\n \"vars\": {\"lon\": 1e999}", 2, 22).as_deref(), Some("lon"));
        assert_eq!(name_before("{ a }", 1, 3), None);
    }
}
