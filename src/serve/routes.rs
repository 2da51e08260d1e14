//! The API routes: `POST`/`GET /v1/extract`, `GET /r/{url}`,
//! `POST /v1/batch`, `GET /healthz`, `GET /metrics`, `GET /openapi.json`.
//!
//! A request names a page by its HTML (`html`, with `url` as its address)
//! or by its `url` alone, fetched with the server's one polite, guarded
//! fetcher; or it posts the page itself (`Content-Type: text/html`, the
//! options in the query string), which spares decoding it from JSON. Extraction runs on the server's extraction threads ([`super::pool`]), holding one of the
//! server's slots; a request that would wait behind more than `max_queue`
//! others is refused with 503.

use crate::ExtractOptions;
use crate::crawl::fetch::{FetchedPage, ResponseInfo};
use crate::crawl::pipeline::fields;
use crate::io::output::{Format, Record};
use crate::serve::limits::error_response;
use crate::serve::request::{ExtractRequest, decode};
use crate::serve::{App, status};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The API routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v1/extract", post(extract_post).get(extract_get))
        .route("/r/{*url}", get(reader))
        .route("/v1/batch", post(batch))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let running = app.settings.max_concurrency.max(1) - app.slots.available_permits();
    let waiting = app.waiting.load(Ordering::Relaxed);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(running, waiting, app.memory.reserved()),
    )
        .into_response()
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::serve::openapi::SPEC,
    )
        .into_response()
}

/// A request body, or the record saying why there is none.
pub fn body_or_error(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Box<Response>> {
    body.map_err(|e| {
        Box::new(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            error_response(
                "body_too_large",
                format!("the request body is too large: {e}"),
            )
        } else {
            error_response("bad_request", format!("cannot read the request body: {e}"))
        })
    })
}

/// A page posted as it is (`Content-Type: text/html`), with the charset
/// its type names.
struct RawPage {
    bytes: Vec<u8>,
    charset: Option<String>,
}

/// `Some(charset)` when the request's body is an HTML page itself.
fn html_body(headers: &HeaderMap) -> Option<Option<String>> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mut parts = ct.split(';');
    let mime = parts.next()?.trim();
    if !mime.eq_ignore_ascii_case("text/html")
        && !mime.eq_ignore_ascii_case("application/xhtml+xml")
    {
        return None;
    }
    Some(parts.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    }))
}

/// The request a query string makes.
fn query_request(q: Option<String>) -> Result<ExtractRequest, Box<Response>> {
    let q = q.unwrap_or_default();
    match Query::try_from_uri(&format!("/?{q}").parse().unwrap_or_default()) {
        Ok(Query(r)) => Ok(r),
        Err(e) => Err(Box::new(error_response(
            "bad_request",
            format!("invalid query: {e}"),
        ))),
    }
}

/// `POST /v1/extract`: a JSON request, or the page itself as `text/html`
/// with the options in the query string (no JSON to decode).
async fn extract_post(
    State(app): State<Arc<App>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body_or_error(body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if let Some(charset) = html_body(&headers) {
        let req = match query_request(q) {
            Ok(r) => r,
            Err(r) => return *r,
        };
        if req.html.is_some() {
            return error_response(
                "bad_request",
                "the page is the request body: no html in the query".into(),
            );
        }
        let page = RawPage {
            bytes: Vec::from(body),
            charset,
        };
        return answer(&app, req, Some(page)).await;
    }
    // Decoding the JSON, extracting and writing the answer happen in one
    // job on the extraction threads, in a slot: the page stays in one thread's
    // caches, and the runtime's threads only move bytes.
    let size = body.len();
    let shared = app.clone();
    let decoded = with_slot(&app, size, move || match decode(&body) {
        Err(e) => Decoded::Answered(error_response(
            "bad_request",
            format!("invalid JSON request: {e}"),
        )),
        Ok(req) if req.html.is_some() => Decoded::Answered(answer_now(&shared, req, None)),
        Ok(req) => Decoded::Fetch(req),
    })
    .await;
    match decoded {
        Ok(Decoded::Answered(r)) => r,
        Ok(Decoded::Fetch(req)) => answer(&app, req, None).await,
        Err(kind) => refused(&app, "request".into(), None, kind),
    }
}

/// A JSON request once decoded on an extraction thread.
enum Decoded {
    /// Its answer, when the page came with it (or the request was bad).
    Answered(Response),
    /// A request whose page is yet to be fetched.
    Fetch(ExtractRequest),
}

/// The answer when no slot could be had (`busy`) or the extraction
/// panicked (`internal`).
fn refused(app: &App, source: String, url: Option<String>, kind: &'static str) -> Response {
    let record = Record::failed(source, url, kind, slot_message(kind));
    app.metrics.error(kind);
    (status::for_kind(Some(kind)), axum::Json(record)).into_response()
}

async fn extract_get(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    match query_request(q) {
        Ok(req) => answer(&app, req, None).await,
        Err(r) => *r,
    }
}

/// `GET /r/{url}`: the page at `url` (query string included) as Markdown.
async fn reader(
    State(app): State<Arc<App>>,
    Path(url): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let url = match q {
        Some(q) if !q.is_empty() => format!("{url}?{q}"),
        _ => url,
    };
    let req = ExtractRequest {
        url: Some(url),
        ..Default::default()
    };
    let record = run(&app, req, None, Format::Markdown).await;
    let status = status::for_kind(record.error.as_ref().map(|e| e.kind.as_str()));
    match (&record.error, record.render(Format::Markdown, true)) {
        (None, Some(md)) => markdown(status, md),
        (Some(e), _) => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("error {}: {}\n", e.kind, e.message),
        )
            .into_response(),
        (None, None) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn markdown(status: StatusCode, md: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        md,
    )
        .into_response()
}

/// The format a request asks for, or the answer refusing it.
fn format_of(req: &ExtractRequest) -> Result<Format, Box<Response>> {
    match req.format.as_deref().map(str::parse::<Format>) {
        None => Ok(Format::Jsonl),
        Some(Ok(f)) => Ok(f),
        Some(Err(e)) => Err(Box::new(error_response("bad_request", e))),
    }
}

/// The answer to one extraction request, in the format it asks for: the
/// page is fetched here when the request only names it, then extracted
/// and written on an extraction thread.
async fn answer(app: &Arc<App>, req: ExtractRequest, page: Option<RawPage>) -> Response {
    let format = match format_of(&req) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let job = match job(app, req, page, format).await {
        Ok(job) => job,
        Err(record) => return respond(app, record, format),
    };
    let (source, url) = (job.source.clone(), job.url.clone());
    let shared = app.clone();
    match with_slot(app, job.bytes.len(), move || {
        respond(&shared, job.record(), format)
    })
    .await
    {
        Ok(r) => r,
        Err(kind) => refused(app, source, url, kind),
    }
}

/// The answer to a request whose page is in hand, made in this thread
/// (which holds a slot).
fn answer_now(app: &Arc<App>, req: ExtractRequest, page: Option<RawPage>) -> Response {
    let format = match format_of(&req) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let record = match job_in_hand(app, req, page, format) {
        Prepared::Ready(job) => job.record(),
        Prepared::Fetch(..) => unreachable!("the page is in hand"),
        Prepared::Refused(record) => *record,
    };
    respond(app, record, format)
}

/// A record as the answer in `format`, counted in the metrics when it is
/// an error.
fn respond(app: &App, record: Record, format: Format) -> Response {
    if let Some(e) = &record.error {
        app.metrics.error(&e.kind);
    }
    let status = status::for_kind(record.error.as_ref().map(|e| e.kind.as_str()));
    // The record is serialized once, straight into the answer's body.
    let rendered = match format {
        Format::Jsonl => None,
        _ => record.render(format, true),
    };
    match (format, rendered) {
        (Format::Jsonl, _) | (_, None) => (status, axum::Json(record)).into_response(),
        (Format::Markdown, Some(md)) => markdown(status, md),
        (Format::Text, Some(t)) => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            t,
        )
            .into_response(),
    }
}

/// `POST /v1/batch`: one request per NDJSON line in, one record per line
/// out, in input order, streamed as they are ready (up to
/// `max_concurrency` lines at a time, each with the request deadline).
async fn batch(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body_or_error(body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let lines: Vec<(usize, Bytes)> = body
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.trim_ascii().is_empty())
        .map(|(k, l)| (k + 1, body.slice_ref(l)))
        .collect();
    let limit = app.settings.request_timeout;
    let width = app.settings.max_concurrency.max(1);
    let stream = futures_util::stream::iter(lines)
        .map(move |(line, bytes)| {
            let app = app.clone();
            async move {
                let record = match decode(&bytes) {
                    Err(e) => Record::failed(
                        format!("line {line}"),
                        None,
                        "bad_request",
                        format!("invalid JSON request: {e}"),
                    ),
                    Ok(req) => {
                        let url = req.url.clone();
                        match tokio::time::timeout(limit, run(&app, req, None, Format::Jsonl)).await
                        {
                            Ok(r) => r,
                            Err(_) => {
                                app.metrics.error("timeout");
                                Record::failed(
                                    format!("line {line}"),
                                    url,
                                    "timeout",
                                    format!("the line took longer than {limit:?}"),
                                )
                            }
                        }
                    }
                };
                let mut s = serde_json::to_string(&record).unwrap_or_default();
                s.push('\n');
                Ok::<_, std::convert::Infallible>(Bytes::from(s))
            }
        })
        .buffered(width);
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// Run one request (whose page came as the body, when `page` is given)
/// to its record, to be written in `format` (only Markdown needs the
/// Markdown's inline markup).
async fn run(app: &Arc<App>, req: ExtractRequest, page: Option<RawPage>, format: Format) -> Record {
    let record = match job(app, req, page, format).await {
        Ok(job) => {
            let (source, url) = (job.source.clone(), job.url.clone());
            match with_slot(app, job.bytes.len(), move || job.record()).await {
                Ok(record) => record,
                Err(kind) => Record::failed(source, url, kind, slot_message(kind)),
            }
        }
        Err(record) => record,
    };
    if let Some(e) = &record.error {
        app.metrics.error(&e.kind);
    }
    record
}

/// A page to extract, with what the record says of it.
struct Job {
    source: String,
    url: Option<String>,
    bytes: Vec<u8>,
    base: Option<String>,
    info: Option<ResponseInfo>,
    options: ExtractOptions,
}

impl Job {
    /// Extract the page, in this thread, to its record.
    fn record(self) -> Record {
        let result = crate::extract(&self.bytes, self.base.as_deref(), &self.options);
        let mut record = match result {
            Ok(article) => Record::ok(self.source, self.url, article),
            Err(e) => Record::not_extracted(self.source, self.url, &e),
        };
        if let Some(info) = self.info {
            record.fetch = Some(fields(&info, None));
        }
        record
    }
}

/// The job a request makes, its page fetched when it names only a URL;
/// `Err` is the record of a request that cannot make one.
async fn job(
    app: &Arc<App>,
    req: ExtractRequest,
    page: Option<RawPage>,
    format: Format,
) -> Result<Job, Record> {
    let (mut job, url) = match job_in_hand(app, req, page, format) {
        Prepared::Ready(job) => return Ok(job),
        Prepared::Fetch(job, url) => (job, url),
        Prepared::Refused(record) => return Err(*record),
    };
    match app.fetcher.fetch(&url).await {
        Ok(FetchedPage {
            info,
            charset,
            body,
            ..
        }) => {
            job.options.http_charset = charset;
            job.base = info.final_url.clone().or(Some(url));
            job.bytes = body;
            job.info = Some(info);
            Ok(job)
        }
        Err(f) => {
            let mut r = Record::failed(job.source, job.url, f.error.kind(), f.error.to_string());
            r.fetch = Some(fields(&f.info, None));
            Err(r)
        }
    }
}

/// What a request makes before any fetch.
enum Prepared {
    /// A job whose page came with the request.
    Ready(Job),
    /// A job still without its page, and the URL to fetch it from.
    Fetch(Job, String),
    /// The record of a request that cannot make a job.
    Refused(Box<Record>),
}

/// The job of a request, as far as it goes without fetching.
fn job_in_hand(app: &App, req: ExtractRequest, page: Option<RawPage>, format: Format) -> Prepared {
    let source = req.url.clone().unwrap_or_else(|| "request".to_string());
    let mut options =
        crate::crawl::sites::options_for(&app.options, &app.sites, req.url.as_deref());
    if let Some(s) = &req.selectors {
        options.selectors.keep.extend(s.keep.iter().cloned());
        options.selectors.drop.extend(s.drop.iter().cloned());
    }
    options.comments = req.comments.unwrap_or(options.comments);
    options.links = req.links.unwrap_or(options.links);
    options.images = req.images.unwrap_or(options.images);
    options.text_only = format != Format::Markdown;
    if let Err(e) = options.selectors.validate() {
        return Prepared::Refused(Box::new(Record::not_extracted(source, req.url, &e)));
    }
    let html = match page {
        Some(p) => {
            options.http_charset = p.charset;
            Some(p.bytes)
        }
        None => req
            .html
            .inspect(|_| options.http_charset = Some("utf-8".into())),
    };
    let given = html.is_some();
    let job = Job {
        source,
        base: req.url.clone(),
        url: req.url,
        bytes: html.unwrap_or_default(),
        info: None,
        options,
    };
    if given {
        return Prepared::Ready(job);
    }
    match job.url.clone() {
        Some(url) => Prepared::Fetch(job, url),
        None => Prepared::Refused(Box::new(Record::failed(
            job.source,
            None,
            "bad_request",
            "the request names no page: give \"html\" or \"url\"".into(),
        ))),
    }
}

fn slot_message(kind: &str) -> String {
    match kind {
        "busy" => "too many requests are waiting for an extraction slot; retry later".into(),
        _ => "extraction panicked; please report this page".into(),
    }
}

/// Run `f`, the extraction of a page of `size` bytes, on the server's
/// extraction threads in one of its slots, once its share of the
/// extractions' memory is free.
pub async fn with_slot<T: Send + 'static>(
    app: &Arc<App>,
    size: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, &'static str> {
    let permit = match app.slots.clone().try_acquire_owned() {
        Ok(p) => p,
        Err(_) => {
            let waiting = app.waiting.fetch_add(1, Ordering::SeqCst);
            let _left = Waiting(app.clone());
            if waiting >= app.settings.max_queue {
                return Err("busy");
            }
            app.slots
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| "internal")?
        }
    };
    let memory = app.memory.reserve(size).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.pool.run(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        // The slot is free before the answer goes back.
        drop((permit, memory));
        let _ = tx.send(result);
    });
    rx.await.map_err(|_| "internal")?.map_err(|_| "internal")
}

/// Counts one request waiting for a slot while it lives.
struct Waiting(Arc<App>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FetchConfig;
    use crate::serve::ServeSettings;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    /// A server whose extractions share the memory of one page of `size`
    /// bytes, with slots for four.
    fn app(size: usize) -> Arc<App> {
        let settings = ServeSettings {
            max_body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(10),
            max_concurrency: 4,
            max_queue: 8,
            memory: crate::peak_memory(size),
            api_keys: Vec::new(),
            cors_origins: Vec::new(),
        };
        App::new(
            settings,
            ExtractOptions::default(),
            Vec::new(),
            &FetchConfig::default(),
        )
        .expect("app")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn extractions_wait_for_their_share_of_memory() {
        let app = app(1000);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let (app, running, most) = (app.clone(), running.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                with_slot(&app, 1000, move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(50));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        // One runs, holding all of the memory; the gauge says so.
        assert_eq!(
            app.memory.reserved(),
            crate::peak_memory(1000).div_ceil(1024) * 1024
        );
        for t in tasks {
            assert_eq!(t.await.expect("task"), Ok(()));
        }
        // Four slots, but memory for one page at a time.
        assert_eq!(most.load(Ordering::SeqCst), 1);
        assert_eq!(app.memory.reserved(), 0);
        // A page larger than all of the memory still runs, alone.
        assert_eq!(with_slot(&app, 10 << 20, || 7).await, Ok(7));
    }
}
