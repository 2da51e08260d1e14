//! The bounds around every route: API keys (compared in constant time),
//! CORS (off unless origins are configured), the request deadline, the
//! body size, and the metrics of each answer.
//!
//! Order, outermost first: metrics → CORS → API key → deadline → route, so
//! a refused or timed-out request is still counted, and a CORS preflight
//! needs no key.

use crate::io::output::Record;
use crate::serve::App;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Routes that answer without a key: a load balancer's health check.
const OPEN_ROUTES: &[&str] = &["/healthz"];

/// The accepted API keys, kept as SHA-256 digests so that comparing a
/// candidate takes the same time whatever its length or content.
pub struct Keys(Vec<[u8; 32]>);

impl Keys {
    /// Digests of `keys` (empty strings are ignored).
    pub fn new(keys: &[String]) -> Keys {
        Keys(
            keys.iter()
                .filter(|k| !k.is_empty())
                .map(|k| Sha256::digest(k.as_bytes()).into())
                .collect(),
        )
    }

    /// Whether keys are required at all.
    pub fn required(&self) -> bool {
        !self.0.is_empty()
    }

    /// Whether `candidate` is one of the keys. Every key is compared, every
    /// byte of each digest, with no early exit.
    pub fn accepts(&self, candidate: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        let mut found = 0u8;
        for key in &self.0 {
            found |= u8::from(constant_time_eq(key, &digest));
        }
        found == 1
    }
}

/// Byte-wise comparison whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The key a request presents: `Authorization: Bearer KEY` or `X-Api-Key: KEY`.
fn presented(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = auth.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
}

/// `router` with the bounds of `app` around it.
pub fn layer(router: Router<Arc<App>>, app: Arc<App>) -> Router<Arc<App>> {
    let max_body = app.settings.max_body_bytes;
    router
        .layer(middleware::from_fn_with_state(app.clone(), deadline))
        .layer(middleware::from_fn_with_state(app.clone(), api_key))
        .layer(middleware::from_fn_with_state(app.clone(), cors))
        .layer(middleware::from_fn_with_state(app, measure))
        .layer(DefaultBodyLimit::max(max_body))
}

/// A JSON error record with the status of its kind.
pub fn error_response(kind: &str, message: String) -> Response {
    let record = Record::failed("request".into(), None, kind, message);
    let status = crate::serve::status::for_kind(Some(kind));
    (status, axum::Json(record)).into_response()
}

/// Refuse a request without an accepted key, when keys are set.
async fn api_key(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let open = OPEN_ROUTES.contains(&req.uri().path()) || req.method() == Method::OPTIONS;
    if !open
        && app.keys.required()
        && !presented(req.headers()).is_some_and(|k| app.keys.accepts(k))
    {
        let mut r = error_response(
            "unauthorized",
            "an API key is required: Authorization: Bearer KEY or X-Api-Key: KEY".into(),
        );
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    }
    next.run(req).await
}

/// Give up on a request after the configured deadline, with 504. (A
/// batch's answer streams: its deadline covers reading the body, and each
/// line has one of its own.)
async fn deadline(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let limit = app.settings.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => error_response("timeout", format!("the request took longer than {limit:?}")),
    }
}

/// CORS headers for the configured origins; none when none are.
async fn cors(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let origins = &app.settings.cors_origins;
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    let allowed = origin.as_deref().and_then(|o| {
        if origins.iter().any(|a| a == "*") {
            Some("*".to_string())
        } else {
            origins.iter().find(|a| *a == o).cloned()
        }
    });
    let Some(allowed) = allowed else {
        return next.run(req).await;
    };
    let preflight = req.method() == Method::OPTIONS;
    let mut r = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&allowed) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if preflight {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, x-api-key"),
        );
    }
    r
}

/// Count the request and its latency under its route; count it in flight
/// until it is answered or given up.
async fn measure(State(app): State<Arc<App>>, req: Request<Body>, next: Next) -> Response {
    let route = crate::serve::metrics::route_label(req.uri().path());
    let start = Instant::now();
    let _in_flight = InFlight::enter(&app);
    let r = next.run(req).await;
    app.metrics
        .observe(&route, r.status().as_u16(), start.elapsed());
    r
}

/// One request in flight, while it lives.
struct InFlight<'a>(&'a App);

impl InFlight<'_> {
    fn enter(app: &App) -> InFlight<'_> {
        app.started.fetch_add(1, Ordering::Relaxed);
        app.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(app)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_compared_by_digest() {
        let k = Keys::new(&["s3cret".into(), "other".into()]);
        assert!(k.required());
        assert!(k.accepts("s3cret"));
        assert!(k.accepts("other"));
        assert!(!k.accepts("s3cre"));
        assert!(!k.accepts(""));
        assert!(!Keys::new(&[String::new()]).required());
    }

    #[test]
    fn keys_come_from_bearer_or_x_api_key() {
        let mut h = HeaderMap::new();
        assert_eq!(presented(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(presented(&h), Some("abc"));
        h.insert("x-api-key", HeaderValue::from_static("xyz"));
        assert_eq!(presented(&h), Some("xyz"));
    }
}
