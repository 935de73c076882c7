//! Serves the built web app (`web/dist`, or `LANTERN_WEB_DIR`) at `/`.
//!
//! - A request for a file of the build gets that file; one whose client accepts gzip
//!   gets the precompressed `<file>.gz` the build wrote beside it.
//! - Any other `GET` gets `index.html`, so the app's own routes (`/providers/<id>`,
//!   `/gaps/<fips>`, …) work when opened directly; the app shows its own "not found".
//!   Paths that belong to the server (`/graphql`, `/healthz`, `/exports/`, `/session`,
//!   `/hsds/`) and missing `/assets/` files are `404` instead: a wrong API path or a
//!   stale script must not come back as a page.
//! - Hashed files under `/assets/` are cached for a year; `index.html` (the page of
//!   every app route) is `no-store`: the app shows clients and referrals in it, so no
//!   copy may stay in a cache or be restored from the back/forward cache after signing
//!   out, and a new build is picked up at once.
//! - Every response carries a strict Content-Security-Policy: the app loads scripts,
//!   styles, images and data from this origin only and runs no inline script.
//!
//! Without a build the app's paths answer a short page saying so; the API still works.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};

/// The policy for every response of the app. No `'unsafe-inline'` anywhere: the build
/// emits no inline script or style, and Leaflet positions its shapes through the CSSOM,
/// which the policy does not restrict.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// These paths and everything under them are the server's own: never answered with the app.
const SERVER_PATHS: [&str; 6] = ["/graphql", "/healthz", "/exports", "/session", "/hsds", "/assets"];

/// Where the build is: `None` when the folder has no `index.html`.
#[derive(Clone, Debug)]
pub struct WebApp {
    dir: Option<PathBuf>,
}

impl WebApp {
    /// The app in `dir`, if it has been built there.
    pub fn new(dir: Option<&Path>) -> Self {
        let dir = dir.filter(|d| d.join("index.html").is_file()).map(Path::to_path_buf);
        match &dir {
            Some(d) => tracing::info!(dir = %d.display(), "serving the web app"),
            None => tracing::warn!(
                "the web app is not built; `/` answers a notice (run `make run` or `npm run build` in web/)"
            ),
        }
        WebApp { dir }
    }

    /// Answers a request no API route matched.
    pub async fn respond(&self, req: &HttpRequest) -> HttpResponse {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return not_found();
        }
        let path = req.path();
        let Some(dir) = &self.dir else {
            return if is_server_path(path) { not_found() } else { not_built() };
        };
        if let Some(file) = file_in(dir, path)
            && let Some(response) = serve_file(req, &file, path.starts_with("/assets/"))
        {
            return response;
        }
        if is_server_path(path) {
            return not_found();
        }
        serve_file(req, &dir.join("index.html"), false).unwrap_or_else(not_found)
    }
}

fn is_server_path(path: &str) -> bool {
    SERVER_PATHS.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// The file a URL path names inside `dir`, if it is a plain relative path to a file
/// (no `..`, no hidden names, no precompressed variant asked for by name).
fn file_in(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = url_path.trim_start_matches('/');
    if relative.is_empty() || relative.ends_with(".gz") {
        return None;
    }
    let mut path = dir.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) if !part.to_string_lossy().starts_with('.') => path.push(part),
            _ => return None,
        }
    }
    path.is_file().then_some(path)
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers().get_all(header::ACCEPT_ENCODING).filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused =
                parts.any(|p| matches!(p.trim().replace(' ', "").as_str(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case("gzip") && !refused
        },
    )
}

/// The file as a response, from its `.gz` sibling when the client takes gzip.
fn serve_file(req: &HttpRequest, file: &Path, immutable: bool) -> Option<HttpResponse> {
    let gz = PathBuf::from(format!("{}.gz", file.display()));
    let named = if accepts_gzip(req) && gz.is_file() {
        let content_type = mime_guess::from_path(file).first_or_octet_stream();
        NamedFile::open(&gz).ok()?.set_content_type(content_type).set_content_encoding(ContentEncoding::Gzip)
    } else {
        NamedFile::open(file).ok()?
    };
    let mut response = named.disable_content_disposition().prefer_utf8(true).into_response(req);
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-store" };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    Some(response)
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .content_type("text/plain; charset=utf-8")
        .body("not found\n")
}

fn not_built() -> HttpResponse {
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Lantern</title>\
             <h1>The Lantern web app is not built</h1>\
             <p>The API works at <code>/graphql</code>. To build the app, run <code>make run</code>, \
             or <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code> \
             (or point <code>LANTERN_WEB_DIR</code> at a built app).</p></html>\n",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_paths_are_never_the_app() {
        for path in
            ["/graphql", "/healthz", "/exports/x.csv", "/session", "/session/end", "/hsds/services", "/assets/x.js"]
        {
            assert!(is_server_path(path), "{path}");
        }
        for path in ["/", "/login", "/providers/1", "/gaps/37183", "/sessions-history", "/graphqlx"] {
            assert!(!is_server_path(path), "{path}");
        }
    }

    #[test]
    fn only_plain_relative_paths_name_files() {
        let dir = std::env::temp_dir().join(format!("lantern-web-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("assets/app.js"), "x").unwrap();
        std::fs::write(dir.join(".secret"), "x").unwrap();
        assert!(file_in(&dir, "/assets/app.js").is_some());
        assert!(file_in(&dir, "/assets/../assets/app.js").is_none());
        assert!(file_in(&dir, "/.secret").is_none());
        assert!(file_in(&dir, "/assets/app.js.gz").is_none());
        assert!(file_in(&dir, "/").is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
