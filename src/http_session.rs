//! The web app's sign-in: `POST /session` opens a login session and keeps its token in
//! an `HttpOnly; SameSite=Strict` cookie (never in a response body, so no script can
//! read it); `DELETE /session` ends it. `/graphql` and the exports accept the cookie
//! beside bearer tokens (a bearer token wins).
//!
//! Cross-site request forgery: the cookie is `SameSite=Strict`, `/graphql` executes only
//! JSON `POST`s (which a cross-site form cannot send), and on top of both a request that
//! presents the cookie must come from this site's own pages: `Sec-Fetch-Site`, when the
//! browser sends it, must be `same-origin`, and `Origin`, when sent, must name this host.
//! A state-changing request with the cookie and neither header is refused.

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::credentials::SESSION_PREFIX;
use crate::auth::sessions::{self, SignIn};
use crate::auth::{Actor, Caller, Member};
use crate::config::CookieSecure;
use crate::db::StoredText;
use crate::error::AppError;
use crate::http::{HttpState, client_ip, error_response, is_json, rate_limited, request_id, status_of};
use crate::organizations;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "lantern_session";

/// The session token the request's cookie carries, if it looks like one.
pub fn cookie_token(req: &HttpRequest) -> Option<String> {
    let cookie = req.cookie(COOKIE_NAME)?;
    let value = cookie.value();
    (value.starts_with(SESSION_PREFIX) && value.len() <= 200).then(|| value.to_owned())
}

/// Whether a request that presents the session cookie comes from this site's own pages.
pub fn same_origin(req: &HttpRequest) -> bool {
    let headers = req.headers();
    let safe_method = req.method() == Method::GET || req.method() == Method::HEAD;
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = site {
        // `none`: the person typed the address or used a bookmark (a download link
        // opened in a new tab); never for a script's request.
        if !(site == "same-origin" || (safe_method && site == "none")) {
            return false;
        }
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin_is_host(origin, req.connection_info().host()),
        None => safe_method || site.is_some(),
    }
}

/// Whether `origin` (`scheme://host[:port]`) names `host` (`host[:port]`, as the request
/// addressed it).
fn origin_is_host(origin: &str, host: &str) -> bool {
    let authority = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
}

fn secure(req: &HttpRequest, setting: CookieSecure) -> bool {
    match setting {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => req.connection_info().scheme() == "https",
    }
}

fn cookie(req: &HttpRequest, setting: CookieSecure, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build(COOKIE_NAME, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req, setting))
        .max_age(max_age)
        .finish()
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(req: &HttpRequest, setting: CookieSecure) -> HeaderValue {
    let value = cookie(req, setting, String::new(), time::Duration::ZERO).to_string();
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("lantern_session=; Path=/; Max-Age=0"))
}

/// Registers `/session`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/session")
            .route(web::post().to(create_session))
            .route(web::delete().to(end_session))
            .default_service(web::to(|| async {
                HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, "POST, DELETE")).finish()
            })),
    );
}

/// The body of `POST /session`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignInRequest {
    email: String,
    password: String,
    organization_id: Option<String>,
}

fn app_error_response(e: &AppError, request_id: &str) -> HttpResponse {
    crate::error::log_internal(e);
    if let AppError::RateLimited { retry_after_secs } = e {
        return rate_limited(*retry_after_secs, request_id);
    }
    let status = status_of(e);
    let mut extensions = json!({ "code": e.code(), "requestId": request_id });
    if let AppError::BadUserInput { field, .. } = e {
        extensions["field"] = json!(field);
    }
    let message = match e {
        AppError::Unauthenticated => "the email or password is wrong".to_owned(),
        AppError::Forbidden => "this account belongs to no organization".to_owned(),
        other => other.public_message(),
    };
    no_store(HttpResponse::build(status).json(json!({ "errors": [{ "message": message, "extensions": extensions }] })))
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /session` with `{ email, password, organizationId? }` (JSON). Signs in with the
/// same checks and rate limits as the `login` mutation. Answers
/// `{ "session": { user, organization, role, expiresAt } }` and sets the cookie, or, for
/// a person of several organizations who named none, `{ "chooseOrganization": [{ id,
/// name, role }] }` and sets nothing.
async fn create_session(req: HttpRequest, body: web::Bytes, state: web::Data<HttpState>) -> HttpResponse {
    let request_id = request_id(&req);
    let ip = client_ip(&req);
    let services = &state.services;
    if let Err(retry) = services.limiter.check(&format!("api-ip:{ip}"), services.rate_limits.api_per_ip) {
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
    if !same_origin(&req) {
        return cross_site(&request_id);
    }
    let Ok(input) = serde_json::from_slice::<SignInRequest>(&body) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "body must be {\"email\": \"...\", \"password\": \"...\", \"organizationId\": \"...\" (optional)}",
            &request_id,
        );
    };
    if let Err(e) = services.check_login_limits(ip, &input.email) {
        return app_error_response(&e, &request_id);
    }
    let outcome = async {
        let organization = match &input.organization_id {
            Some(id) => Some(
                Uuid::parse_str(id)
                    .map_err(|_| AppError::bad_input("organizationId", "organizationId is not a valid id"))?,
            ),
            None => None,
        };
        let signed_in = sessions::sign_in(
            &state.pool,
            &services.passwords,
            services.sessions,
            &input.email,
            &input.password,
            organization,
            &request_id,
        )
        .await?;
        let outcome = match signed_in {
            SignIn::ChooseOrganization(choices) => {
                let list: Vec<_> = choices
                    .into_iter()
                    .map(|c| json!({ "id": c.id, "name": c.name, "role": c.role.as_db() }))
                    .collect();
                return Ok((json!({ "chooseOrganization": list }), None));
            }
            SignIn::Session(outcome) => outcome,
        };
        let actor = Actor::Member(Member {
            user_id: Some(outcome.user_id),
            api_key_id: None,
            session_id: None,
            organization_id: outcome.organization_id,
            role: outcome.role,
        });
        let mut conn = state.pool.get().await?;
        let user = organizations::me(&mut conn, &actor).await?.ok_or(AppError::Unauthenticated)?;
        let org = organizations::get(&mut conn, &actor, outcome.organization_id).await?;
        let body = json!({ "session": {
            "user": { "id": user.id, "email": user.email, "displayName": user.display_name },
            "organization": { "id": outcome.organization_id, "name": org.map(|o| o.name) },
            "role": outcome.role.as_db(),
            "expiresAt": outcome.expires_at,
        } });
        Ok::<_, AppError>((body, Some(outcome)))
    }
    .await;
    match outcome {
        Ok((body, session)) => {
            let mut response = HttpResponse::Ok();
            if let Some(session) = session {
                let lifetime = (session.expires_at - chrono::Utc::now()).num_seconds().max(0);
                response.cookie(cookie(&req, state.cookie_secure, session.token, time::Duration::seconds(lifetime)));
            }
            no_store(response.json(body))
        }
        Err(e) => app_error_response(&e, &request_id),
    }
}

fn cross_site(request_id: &str) -> HttpResponse {
    error_response(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        "cross-site requests may not sign in or use the session cookie",
        request_id,
    )
}

/// `DELETE /session`: ends the cookie's session (revokes its token) and removes the
/// cookie. Answers `{ "signedOut": true }` also when there was no live session.
async fn end_session(req: HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    let request_id = request_id(&req);
    if let Some(token) = cookie_token(&req) {
        if !same_origin(&req) {
            return cross_site(&request_id);
        }
        let ended = async {
            let mut conn = state.pool.get().await?;
            let actor = sessions::authenticate(&mut conn, state.services.sessions, &token).await?;
            sessions::logout(&mut conn, &Caller { actor, request_id: request_id.clone() }).await
        }
        .await;
        match ended {
            Ok(()) | Err(AppError::Unauthenticated) => {}
            Err(e) => return app_error_response(&e, &request_id),
        }
    }
    let mut response = no_store(HttpResponse::Ok().json(json!({ "signedOut": true })));
    response.headers_mut().append(header::SET_COOKIE, clearing_cookie(&req, state.cookie_secure));
    response
}

#[cfg(test)]
mod tests {
    use super::origin_is_host;

    #[test]
    fn origin_must_name_the_host_exactly() {
        assert!(origin_is_host("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(origin_is_host("https://lantern.example.org", "lantern.example.org"));
        assert!(!origin_is_host("http://127.0.0.1:8081", "127.0.0.1:8080"));
        assert!(!origin_is_host("http://evil.example", "lantern.example.org"));
        assert!(!origin_is_host("null", "127.0.0.1:8080"));
        assert!(!origin_is_host("http://lantern.example.org.evil.example", "lantern.example.org"));
    }
}
