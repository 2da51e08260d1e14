//! The fetcher: downloads pages politely and safely.
//!
//! One reqwest client (rustls, TLS verification always on) serves the whole
//! run. For each URL: only `http`/`https`; robots.txt of the origin is
//! consulted ([`robots`]); the request waits for its host's politeness slot
//! ([`politeness`]); the host must resolve to allowed addresses ([`guard`]);
//! redirects are followed by hand, up to `max_redirects`, with the same
//! checks at every hop; the whole request, body included, has one deadline;
//! the body is read as a stream and cut at `max_body_bytes` counted after
//! decompression; connection errors, timeouts, 429 and 5xx are retried with
//! back-off ([`retry`]). Only HTML/XHTML bodies, and feeds and sitemaps for
//! [`crate::crawl::discover`], are returned.
//!
//! With `archive` on, every HTTP exchange made for a URL (robots.txt,
//! redirects, retries, the final answer) is kept as an [`Exchange`] and
//! handed back with the page or the failure, for [`crate::io::warc`] to write.

pub mod guard;
pub mod politeness;
pub mod retry;
pub mod robots;

use crate::io::mime::{charset_of, is_html_type, is_listing_type};
use crate::io::warc::write::Exchange;
use politeness::Politeness;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, LAST_MODIFIED, LOCATION, RETRY_AFTER};
use robots::{ROBOTS_MAX_BYTES, ROBOTS_MAX_REDIRECTS, RobotsCache, Rules};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use url::Url;

/// Settings of the fetcher (the `[fetch]` table of `config.toml`).
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// `User-Agent` header; its first token is the robots.txt product token.
    pub user_agent: String,
    /// Requests in flight per host.
    pub per_host_concurrency: usize,
    /// Least time between the starts of two requests to one host.
    pub per_host_delay: Duration,
    /// One deadline per request, body included.
    pub timeout: Duration,
    /// Deadline for the TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Largest body accepted (after decompression).
    pub max_body_bytes: usize,
    /// Redirects followed.
    pub max_redirects: usize,
    /// Extra tries for retryable failures.
    pub retries: u32,
    /// Obey robots.txt.
    pub respect_robots: bool,
    /// Allow loopback, private and other non-public addresses.
    pub allow_private_networks: bool,
    /// Keep every request and response as an [`Exchange`] (for a WARC file).
    pub archive: bool,
}

/// Why a URL gave no page.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// Not a URL, or a scheme other than http/https.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The host is, or resolves only to, a refused address.
    #[error(
        "refused address: {0} (not public; --allow-private-networks or \
         fetch.allow_private_networks = true allows it)"
    )]
    BlockedAddress(String),
    /// robots.txt disallows the URL.
    #[error("disallowed by robots.txt")]
    RobotsDisallowed,
    /// The host name does not resolve.
    #[error("DNS lookup failed: {0}")]
    Dns(String),
    /// The connection failed.
    #[error("connection failed: {0}")]
    Connect(String),
    /// TLS failed (certificate, handshake).
    #[error("TLS failed: {0}")]
    Tls(String),
    /// The server's answer broke HTTP: a bad status line or head, a head
    /// too large or with too many headers, no answer at all, or a body cut
    /// short (the connection closed or reset in it).
    #[error("HTTP protocol error: {0}")]
    HttpProtocol(String),
    /// The connection closed before any answer began (kind `http_protocol`
    /// too). On a connection kept alive from an earlier request that is a
    /// race with the server closing it as idle, so such a request is sent
    /// once more, on a new connection, whatever `retries` says.
    #[error("HTTP protocol error: {0}")]
    Unanswered(String),
    /// The body's content coding (gzip, deflate, brotli) is invalid or cut short.
    #[error("cannot decode the body: {0}")]
    Decode(String),
    /// The request did not finish within the deadline.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// More redirects than allowed, or a loop.
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// A non-success status after retries.
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    /// The response is not HTML.
    #[error("not HTML: {0}")]
    NotHtml(String),
    /// The body is larger than allowed.
    #[error("body larger than {0} bytes")]
    TooLarge(usize),
    /// The fetcher was stopped ([`Fetcher::stop`]) before the request was sent.
    #[error("interrupted before the request was sent")]
    Interrupted,
}

impl FetchError {
    /// Stable machine-readable kind, as written in `error.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl(_) => "invalid_url",
            FetchError::BlockedAddress(_) => "blocked_address",
            FetchError::RobotsDisallowed => "robots_disallowed",
            FetchError::Dns(_) => "dns",
            FetchError::Connect(_) => "connect",
            FetchError::Tls(_) => "tls",
            FetchError::HttpProtocol(_) | FetchError::Unanswered(_) => "http_protocol",
            FetchError::Decode(_) => "decode",
            FetchError::Timeout(_) => "timeout",
            FetchError::TooManyRedirects(_) => "too_many_redirects",
            FetchError::HttpStatus(_) => "http_status",
            FetchError::NotHtml(_) => "not_html",
            FetchError::TooLarge(_) => "too_large",
            FetchError::Interrupted => "interrupted",
        }
    }

    /// The error as met while fetching `url`: a DNS, connection or TLS
    /// failure names it (robots.txt's failure is reported on the page).
    fn at(self, url: &Url) -> FetchError {
        match self {
            FetchError::Dns(m) => FetchError::Dns(format!("{url}: {m}")),
            FetchError::Connect(m) => FetchError::Connect(format!("{url}: {m}")),
            FetchError::Tls(m) => FetchError::Tls(format!("{url}: {m}")),
            FetchError::HttpProtocol(m) => FetchError::HttpProtocol(format!("{url}: {m}")),
            FetchError::Unanswered(m) => FetchError::Unanswered(format!("{url}: {m}")),
            FetchError::Decode(m) => FetchError::Decode(format!("{url}: {m}")),
            other => other,
        }
    }

    /// Whether another try may succeed: connection failures and timeouts.
    fn retryable(&self) -> bool {
        matches!(self, FetchError::Connect(_) | FetchError::Timeout(_))
    }
}

/// What is known of a response, also when it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseInfo {
    /// The URL after redirects.
    pub final_url: Option<String>,
    /// The last status.
    pub status: Option<u16>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header.
    pub last_modified: Option<String>,
    /// When the response arrived (RFC 3339).
    pub fetched_at: Option<String>,
}

/// A failed fetch and what was learnt on the way.
#[derive(Debug, Clone)]
pub struct FetchFailure {
    /// Why it failed.
    pub error: FetchError,
    /// The response, as far as there was one.
    pub info: ResponseInfo,
    /// The exchanges made, when archiving.
    pub exchanges: Vec<Exchange>,
}

/// What reqwest adds to every request beyond the headers set here: its
/// default `Accept`, and the encodings its decompression layer asks for.
const DEFAULT_ACCEPT: &str = "*/*";
const ACCEPT_ENCODING: &str = "gzip,deflate,br";

/// Bodies of responses that are not pages (errors, redirects, other types)
/// are kept up to this size in an archive.
const ARCHIVE_OTHER_MAX: usize = 1024 * 1024;

/// Exchanges of one fetch, collected when archiving.
type Capture = std::sync::Mutex<Vec<Exchange>>;

/// An HTML page.
#[derive(Debug, Clone)]
pub struct FetchedPage {
    /// Response facts.
    pub info: ResponseInfo,
    /// The `charset` of `Content-Type`, if any.
    pub charset: Option<String>,
    /// The body, decompressed.
    pub body: Vec<u8>,
    /// The server answered 304 to a conditional request: nothing changed.
    pub not_modified: bool,
    /// Served as a feed or sitemap type (XML, JSON, gzip), not as HTML.
    pub listing: bool,
    /// The exchanges made, when archiving.
    pub exchanges: Vec<Exchange>,
}

/// Validators of an earlier response, for a conditional request.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    /// Sent as `If-None-Match`.
    pub etag: Option<String>,
    /// Sent as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// One request to make: where, how much body to accept (cut silently with
/// `truncate`, else `too_large`), and validators for a conditional request.
#[derive(Clone, Copy)]
struct Request<'a> {
    url: &'a Url,
    cap: usize,
    truncate: bool,
    validators: Option<&'a Validators>,
    capture: Option<&'a Capture>,
    /// The run's slots: one is taken once the host's slot is granted.
    slots: Option<&'a Semaphore>,
}

struct Raw {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

/// A robots.txt verdict as shared between processes: the file's body (each
/// process parses it for its own product token), or the verdict of a 4xx
/// (allow all) or a 5xx (disallow all). An unreachable server's verdict
/// is not shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedVerdict {
    /// A 2xx answer's body.
    Body(Vec<u8>),
    /// No usable file: everything allowed.
    AllowAll,
    /// A server error: everything disallowed.
    DisallowAll,
}

/// A future of a [`SharedRobots`] call.
pub type SharedFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Where robots.txt verdicts are shared beyond one process (a fleet's
/// key-value bucket), keyed by origin (`scheme://host:port`). Failures of
/// the store are the store's to log: a missing verdict is fetched.
pub trait SharedRobots: Send + Sync {
    /// The shared verdict of `origin`, if any (and not expired).
    fn get<'a>(&'a self, origin: &'a str) -> SharedFuture<'a, Option<SharedVerdict>>;
    /// Share the verdict of `origin`.
    fn put<'a>(&'a self, origin: &'a str, verdict: SharedVerdict) -> SharedFuture<'a, ()>;
}

/// The polite, guarded HTTP client of a run.
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    polite: Politeness,
    robots: RobotsCache,
    /// Verdicts shared beyond this process (a fleet's), asked before
    /// robots.txt is fetched, told after.
    shared_robots: Option<Arc<dyn SharedRobots>>,
    token: String,
    /// Turned true by [`Fetcher::stop`]: no request is sent any more.
    stopped: tokio::sync::watch::Sender<bool>,
    /// Requests sent and not yet answered in full.
    in_flight: Arc<AtomicUsize>,
}

/// Counts one request in flight while it lives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(count: &Arc<AtomicUsize>) -> InFlight {
        count.fetch_add(1, Ordering::SeqCst);
        InFlight(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Fetcher {
    /// Build the client.
    pub fn new(settings: FetchSettings) -> Result<Fetcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .no_proxy()
            .dns_resolver(Arc::new(guard::GuardedResolver {
                allow_private: settings.allow_private_networks,
            }))
            .build()?;
        let token = settings
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("pith")
            .to_ascii_lowercase();
        Ok(Fetcher {
            client,
            polite: Politeness::new(settings.per_host_delay, settings.per_host_concurrency),
            settings,
            robots: RobotsCache::default(),
            shared_robots: None,
            token,
            stopped: tokio::sync::watch::Sender::new(false),
            in_flight: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Share robots.txt verdicts through `store` (a fleet's key-value
    /// bucket): an origin's file is fetched only when the store has no
    /// verdict, and the verdict is put there for the other processes.
    pub fn with_shared_robots(mut self, store: Arc<dyn SharedRobots>) -> Fetcher {
        self.shared_robots = Some(store);
        self
    }

    /// Send no request from now on: a fetch waiting for its host's slot, a
    /// retry's back-off or a robots.txt answer fails with
    /// `FetchError::Interrupted`; requests already sent go on.
    pub fn stop(&self) {
        self.stopped.send_replace(true);
    }

    /// Whether [`Fetcher::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }

    /// Requests sent and not yet answered in full.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Forget the politeness of hosts that nothing waits for and whose
    /// spacing has passed (a long or repeated run meets many hosts once).
    pub fn forget_idle_hosts(&self) -> usize {
        self.polite.evict_idle()
    }

    /// The least time between two request starts to the host of `url`:
    /// the spacing, or the host's `Crawl-delay` (once robots.txt told it)
    /// when longer. Zero for what is no URL.
    pub fn host_gap(&self, url: &str) -> Duration {
        match Url::parse(url.trim()) {
            Ok(u) => self.polite.gap(&host_key(&u)),
            Err(_) => Duration::ZERO,
        }
    }

    /// Fetch one URL (the input line, trimmed).
    pub async fn fetch(&self, input: &str) -> Result<FetchedPage, FetchFailure> {
        self.fetch_conditional(input, None).await
    }

    /// Fetch one URL, conditionally when `validators` are given: a 304 gives
    /// a page marked `not_modified` with no body.
    pub async fn fetch_conditional(
        &self,
        input: &str,
        validators: Option<&Validators>,
    ) -> Result<FetchedPage, FetchFailure> {
        self.fetch_in_slots(input, validators, None).await
    }

    /// Fetch one URL as [`Fetcher::fetch_conditional`] does; with `slots`,
    /// each request also takes one of them, but only once its host's
    /// politeness slot is granted, and holds it while it runs. A fetch
    /// waiting for a busy host thus holds none of a run's slots, and never
    /// keeps a request to an idle host waiting.
    pub async fn fetch_in_slots(
        &self,
        input: &str,
        validators: Option<&Validators>,
        slots: Option<&Semaphore>,
    ) -> Result<FetchedPage, FetchFailure> {
        let capture = self.settings.archive.then(Capture::default);
        let mut info = ResponseInfo::default();
        let fetched = self
            .follow(input, validators, capture.as_ref(), slots, &mut info)
            .await
            .and_then(|raw| page_of(raw, &info, validators.is_some()));
        // Every exchange is made by now: hand them over with the answer.
        let exchanges = capture
            .map(|c| c.into_inner().unwrap_or_default())
            .unwrap_or_default();
        match fetched {
            Ok(page) => Ok(FetchedPage {
                info,
                exchanges,
                ..page
            }),
            Err(error) => Err(FetchFailure {
                error,
                info,
                exchanges,
            }),
        }
    }

    /// Request `input`, following redirects by hand, up to `max_redirects`,
    /// with the address and robots checks at every hop. `info` follows the
    /// latest answer, so after a failure it tells how far the fetch got.
    async fn follow(
        &self,
        input: &str,
        validators: Option<&Validators>,
        capture: Option<&Capture>,
        slots: Option<&Semaphore>,
        info: &mut ResponseInfo,
    ) -> Result<Raw, FetchError> {
        let mut url = parse_url(input)?;
        let mut hops = 0usize;
        loop {
            self.check(&url, capture, slots)
                .await
                .map_err(|e| e.at(&url))?;
            let raw = self
                .request_with_retries(Request {
                    url: &url,
                    cap: self.settings.max_body_bytes,
                    truncate: false,
                    validators,
                    capture,
                    slots,
                })
                .await;
            info.final_url = Some(url.to_string());
            info.fetched_at = Some(chrono::Utc::now().to_rfc3339());
            let raw = raw.map_err(|e| e.at(&url))?;
            info.status = Some(raw.status);
            info.content_type = header(&raw.headers, CONTENT_TYPE);
            info.etag = header(&raw.headers, ETAG);
            info.last_modified = header(&raw.headers, LAST_MODIFIED);
            match redirect_target(&url, &raw) {
                Some(next) => {
                    hops += 1;
                    if hops > self.settings.max_redirects {
                        return Err(FetchError::TooManyRedirects(self.settings.max_redirects));
                    }
                    url = next?;
                }
                None => return Ok(raw),
            }
        }
    }

    /// Address and robots checks for one hop.
    async fn check(
        &self,
        url: &Url,
        capture: Option<&Capture>,
        slots: Option<&Semaphore>,
    ) -> Result<(), FetchError> {
        check_literal(url, self.settings.allow_private_networks)?;
        if self.settings.respect_robots {
            let origin = origin_of(url);
            let rules = self
                .robots
                .get(&origin, || self.fetch_robots(url, capture, slots))
                .await;
            if let Rules::Unreachable(e) = &*rules {
                return Err(e.clone());
            }
            if let Some(d) = rules.crawl_delay() {
                self.polite.set_crawl_delay(&host_key(url), d);
            }
            if !rules.allowed(url.as_str()) {
                return Err(FetchError::RobotsDisallowed);
            }
        }
        Ok(())
    }

    /// The robots.txt verdict for the origin of `page`: the shared one when
    /// a shared store has it, else fetched (and then shared).
    async fn fetch_robots(
        &self,
        page: &Url,
        capture: Option<&Capture>,
        slots: Option<&Semaphore>,
    ) -> Rules {
        let Some(shared) = &self.shared_robots else {
            return self.fetch_robots_here(page, capture, slots).await.0;
        };
        let origin = origin_of(page);
        if let Some(verdict) = shared.get(&origin).await {
            tracing::debug!(%origin, "robots.txt verdict from the shared store");
            return match verdict {
                SharedVerdict::Body(body) => Rules::parse(&self.token, &body),
                SharedVerdict::AllowAll => Rules::AllowAll,
                SharedVerdict::DisallowAll => Rules::DisallowAll,
            };
        }
        let (rules, verdict) = self.fetch_robots_here(page, capture, slots).await;
        if let Some(v) = verdict {
            shared.put(&origin, v).await;
        }
        rules
    }

    /// The robots.txt verdict for the origin of `page` (RFC 9309): fetched
    /// once, without retries, following up to [`ROBOTS_MAX_REDIRECTS`]
    /// redirects; see [`Rules`] for what each answer means. With it, what
    /// may be shared of it (not an unreachable server's).
    async fn fetch_robots_here(
        &self,
        page: &Url,
        capture: Option<&Capture>,
        slots: Option<&Semaphore>,
    ) -> (Rules, Option<SharedVerdict>) {
        let allow = (Rules::AllowAll, Some(SharedVerdict::AllowAll));
        let Ok(mut url) = page.join("/robots.txt") else {
            return allow;
        };
        for _ in 0..=ROBOTS_MAX_REDIRECTS {
            if let Err(e) = check_literal(&url, self.settings.allow_private_networks) {
                return (Rules::Unreachable(e), None);
            }
            let raw = match self
                .request_once(
                    Request {
                        url: &url,
                        cap: ROBOTS_MAX_BYTES,
                        truncate: true,
                        validators: None,
                        capture,
                        slots,
                    },
                    Duration::ZERO,
                )
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!(%url, "robots.txt unreachable: {e}");
                    return (Rules::Unreachable(e), None);
                }
            };
            match redirect_target(&url, &raw) {
                Some(Ok(next)) => url = next,
                Some(Err(_)) => return allow,
                None => {
                    return match raw.status {
                        200..=299 => {
                            let rules = Rules::parse(&self.token, &raw.body);
                            (rules, Some(SharedVerdict::Body(raw.body)))
                        }
                        400..=499 => allow,
                        _ => (Rules::DisallowAll, Some(SharedVerdict::DisallowAll)),
                    };
                }
            }
        }
        // More redirects than RFC 9309 asks to follow: the file is "unavailable".
        allow
    }

    /// One request, tried again after retryable failures (connection
    /// errors, timeouts, 429 and 5xx other than 501) up to `retries` times,
    /// with back-off or `Retry-After`; a request the server closed the
    /// connection on without answering is sent once more at once, not
    /// counted ([`FetchError::Unanswered`]). The last answer is returned as
    /// is.
    async fn request_with_retries(&self, req: Request<'_>) -> Result<Raw, FetchError> {
        let mut wait = Duration::ZERO;
        let mut attempt = 0u32;
        let mut resent = false;
        loop {
            let result = self.request_once(req, wait).await;
            if matches!(result, Err(FetchError::Unanswered(_))) && !resent && !self.is_stopped() {
                resent = true;
                wait = Duration::ZERO;
                tracing::debug!(url = %req.url, "sent again: the connection closed unanswered");
                continue;
            }
            let retry_after = match &result {
                Ok(raw) if retry::retryable_status(raw.status) => Some(
                    header(&raw.headers, RETRY_AFTER).and_then(|v| retry::parse_retry_after(&v)),
                ),
                Err(e) if e.retryable() => Some(None),
                _ => None,
            };
            match retry_after {
                Some(after) if attempt < self.settings.retries && !self.is_stopped() => {
                    attempt += 1;
                    wait = retry::backoff(attempt, after);
                    tracing::debug!(url = %req.url, attempt, ?wait, "retrying");
                }
                _ => return result,
            }
        }
    }

    /// One request in its host slot, the body read within the deadline.
    /// Fails with [`FetchError::Interrupted`] when the fetcher is stopped
    /// before the request is sent.
    async fn request_once(&self, req: Request<'_>, wait: Duration) -> Result<Raw, FetchError> {
        let mut stopped = self.stopped.subscribe();
        let host = host_key(req.url);
        let _slot = tokio::select! {
            biased;
            _ = stopped.wait_for(|s| *s) => return Err(FetchError::Interrupted),
            slot = self.polite.acquire(&host, wait) => slot,
        };
        // The run's slot only now: waiting for the host held none.
        let _run_slot = match req.slots {
            Some(slots) => tokio::select! {
                biased;
                _ = stopped.wait_for(|s| *s) => return Err(FetchError::Interrupted),
                p = slots.acquire() => Some(p.map_err(|_| FetchError::Interrupted)?),
            },
            None => None,
        };
        if self.is_stopped() {
            return Err(FetchError::Interrupted);
        }
        let _in_flight = InFlight::new(&self.in_flight);
        let deadline = self.settings.timeout;
        match tokio::time::timeout(deadline, self.send_and_read(req)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(deadline)),
        }
    }

    /// Send one request and read its answer. The body is read when it is a
    /// page (see [`is_page`]), or when archiving (cut at
    /// [`ARCHIVE_OTHER_MAX`] then); archiving also keeps the exchange.
    async fn send_and_read(&self, req: Request<'_>) -> Result<Raw, FetchError> {
        let Request {
            url,
            mut cap,
            mut truncate,
            validators,
            capture,
            ..
        } = req;
        let req = self.build_request(url, validators)?;
        let sent = capture.map(|_| self.request_headers(&req));
        let mut resp = self
            .client
            .execute(req)
            .await
            .map_err(|e| classify(&e, self.settings.timeout))?;
        let date = chrono::Utc::now();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let page = is_page(status, &headers, truncate);
        if !page && capture.is_some() {
            // Not a page: read it for the archive only, cut where it gets long.
            cap = cap.min(ARCHIVE_OTHER_MAX);
            truncate = true;
        }
        let (mut body, cut) = if page || capture.is_some() {
            self.read_body(&mut resp, cap, truncate).await?
        } else {
            (Vec::new(), false)
        };
        if let (Some(capture), Some(request_headers)) = (capture, sent) {
            let exchange = Exchange {
                url: url.to_string(),
                date,
                request_headers,
                version: version_name(resp.version()),
                status,
                response_headers: headers.clone(),
                // A body that is not the page is only kept for the archive.
                body: if page {
                    body.clone()
                } else {
                    std::mem::take(&mut body)
                },
                truncated: cut,
                ip: resp.remote_addr().map(|a| a.ip()),
            };
            if let Ok(mut v) = capture.lock() {
                v.push(exchange);
            }
        }
        Ok(Raw {
            status,
            headers,
            body,
        })
    }

    /// The GET request for `url`, conditional when `validators` are given.
    fn build_request(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<reqwest::Request, FetchError> {
        let mut req = self.client.get(url.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        req.build()
            .map_err(|e| FetchError::InvalidUrl(format!("{url}: {e}")))
    }

    /// Read the body of `resp` up to `cap` bytes: beyond, it is cut (with
    /// `truncate`; the second value says so) or refused as `too_large`, as
    /// is a larger declared `Content-Length` up front.
    async fn read_body(
        &self,
        resp: &mut reqwest::Response,
        cap: usize,
        truncate: bool,
    ) -> Result<(Vec<u8>, bool), FetchError> {
        let declared = header(resp.headers(), CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > cap) && !truncate {
            return Err(FetchError::TooLarge(cap));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify(&e, self.settings.timeout))?
        {
            if body.len() + chunk.len() > cap {
                if truncate {
                    body.extend_from_slice(&chunk[..cap - body.len()]);
                    return Ok((body, true));
                }
                return Err(FetchError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, false))
    }

    /// The headers a request goes out with: those set on it, and those the
    /// client adds (`Host`, `User-Agent`, `Accept`, `Accept-Encoding`).
    fn request_headers(&self, req: &reqwest::Request) -> Vec<(String, String)> {
        let url = req.url();
        let host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or("")),
            None => url.host_str().unwrap_or("").to_string(),
        };
        let mut out = vec![
            ("host".to_string(), host),
            ("user-agent".to_string(), self.settings.user_agent.clone()),
            ("accept".to_string(), DEFAULT_ACCEPT.to_string()),
            ("accept-encoding".to_string(), ACCEPT_ENCODING.to_string()),
        ];
        for (k, v) in req.headers() {
            out.push((
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            ));
        }
        out
    }
}

/// What the final answer (described by `info`) makes of a fetch: a page
/// (HTML, or a feed or sitemap type), a `not_modified` page for a 304 to a
/// `conditional` request, or an error (another status, another type). The
/// page's `info` and `exchanges` are left empty for the caller.
fn page_of(raw: Raw, info: &ResponseInfo, conditional: bool) -> Result<FetchedPage, FetchError> {
    let page = FetchedPage {
        info: ResponseInfo::default(),
        charset: None,
        body: Vec::new(),
        not_modified: false,
        listing: false,
        exchanges: Vec::new(),
    };
    if raw.status == 304 && conditional {
        return Ok(FetchedPage {
            not_modified: true,
            ..page
        });
    }
    if !(200..300).contains(&raw.status) {
        return Err(FetchError::HttpStatus(raw.status));
    }
    let listing = info.content_type.as_deref().is_some_and(is_listing_type);
    if let Some(ct) = &info.content_type {
        if !is_html_type(ct) && !listing {
            return Err(FetchError::NotHtml(ct.clone()));
        }
    }
    Ok(FetchedPage {
        charset: info.content_type.as_deref().and_then(charset_of),
        body: raw.body,
        listing,
        ..page
    })
}

/// Whether an answer is a page, whose body is read in full: a 2xx that is
/// no redirect, of an HTML, feed or sitemap type or of none; with
/// `truncate` (robots.txt), any answer.
fn is_page(status: u16, headers: &reqwest::header::HeaderMap, truncate: bool) -> bool {
    let html_like = header(headers, CONTENT_TYPE)
        .is_none_or(|ct| is_html_type(&ct) || is_listing_type(&ct) || truncate);
    let is_redirect = (300..400).contains(&status) && headers.contains_key(LOCATION);
    html_like && !is_redirect && (200..300).contains(&status) || truncate
}

/// The HTTP version as a WARC record writes it.
fn version_name(v: reqwest::Version) -> &'static str {
    match v {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    }
}

/// Longest URL requested (HTTP's request target has a limit too).
pub const MAX_URL_BYTES: usize = 32 * 1024;

/// An `http` or `https` URL with a host, from a list line.
fn parse_url(input: &str) -> Result<Url, FetchError> {
    let url =
        Url::parse(input.trim()).map_err(|e| FetchError::InvalidUrl(format!("{input}: {e}")))?;
    if url.as_str().len() > MAX_URL_BYTES {
        return Err(FetchError::InvalidUrl(format!(
            "the URL is {} bytes long, over the limit of {MAX_URL_BYTES} bytes",
            url.as_str().len()
        )));
    }
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        other => Err(FetchError::InvalidUrl(format!(
            "scheme '{other}' is not http or https"
        ))),
    }
}

/// Refuse IP-literal hosts that are not public (names are checked by the resolver).
fn check_literal(url: &Url, allow_private: bool) -> Result<(), FetchError> {
    if allow_private {
        return Ok(());
    }
    let ip: Option<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(v4.into()),
        Some(url::Host::Ipv6(v6)) => Some(v6.into()),
        _ => None,
    };
    match ip {
        Some(ip) if !guard::is_public(ip) => Err(FetchError::BlockedAddress(ip.to_string())),
        _ => Ok(()),
    }
}

/// Where a 3xx answer with a `Location` leads, resolved against `base`;
/// `None` for any other answer.
fn redirect_target(base: &Url, raw: &Raw) -> Option<Result<Url, FetchError>> {
    if !(300..400).contains(&raw.status) {
        return None;
    }
    let loc = header(&raw.headers, LOCATION)?;
    Some(
        base.join(loc.trim())
            .map_err(|e| FetchError::InvalidUrl(format!("redirect to {loc}: {e}")))
            .and_then(|u| parse_url(u.as_str())),
    )
}

/// A header's value, trimmed, when it is text.
fn header(h: &reqwest::header::HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

/// `scheme://host:port`, the unit of robots.txt.
fn origin_of(url: &Url) -> String {
    format!("{}://{}", url.scheme(), host_key(url))
}

/// `host:port`, the unit of politeness.
pub fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// The messages of `e`'s sources, joined (reqwest's own message names the
/// URL requested, which may be robots.txt's, and is left out: the page's
/// URL is added by the caller).
fn source_messages(e: &reqwest::Error) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let m = s.to_string();
        // A wrapper often repeats its source's message.
        if !out.last().is_some_and(|l| l.ends_with(&m)) {
            out.push(m);
        }
        source = s.source();
    }
    if out.is_empty() {
        // No source: reqwest's kind alone, without its URL.
        out.push(
            e.to_string()
                .split(" for url (")
                .next()
                .unwrap_or_default()
                .to_string(),
        );
    }
    out.join(": ")
}

/// What a typed error in the chain says the failure was.
enum Cause {
    Blocked(String),
    Dns,
    Tls,
    Timeout,
    Protocol,
    /// The connection closed before the answer began.
    Unanswered,
    /// The body broke off (the connection closed or reset in it).
    Body,
    /// The connection failed or broke.
    Io,
}

/// The cause one error of the chain shows, if it is of a known type;
/// `in_body` when the failure came while reading the body.
fn cause_of(s: &(dyn std::error::Error + 'static), in_body: bool) -> Option<Cause> {
    if let Some(b) = s.downcast_ref::<guard::BlockedAddress>() {
        return Some(Cause::Blocked(b.to_string()));
    }
    if s.is::<guard::DnsFailure>() {
        return Some(Cause::Dns);
    }
    if s.is::<rustls::Error>() {
        return Some(Cause::Tls);
    }
    if let Some(h) = s.downcast_ref::<hyper::Error>() {
        if h.is_parse() || h.is_parse_status() {
            return Some(Cause::Protocol);
        }
        if h.is_incomplete_message() {
            return Some(if in_body {
                Cause::Protocol
            } else {
                Cause::Unanswered
            });
        }
        if h.is_timeout() {
            return Some(Cause::Timeout);
        }
        // The connection broke: in the body (reqwest's decoder wraps that
        // as a decode error), or before an answer began.
        return Some(if in_body { Cause::Body } else { Cause::Io });
    }
    if let Some(io) = s.downcast_ref::<std::io::Error>() {
        // An I/O error's own source() skips the error it wraps: look inside.
        if let Some(inner) = io.get_ref().and_then(|i| cause_of(i, in_body)) {
            return Some(inner);
        }
        return match io.kind() {
            std::io::ErrorKind::TimedOut => Some(Cause::Timeout),
            _ => Some(Cause::Io),
        };
    }
    None
}

/// The kind of a reqwest failure, from the types of its error and of the
/// errors in its chain of sources (never from words, which may come from
/// the URL): refused address, DNS, TLS, timeout, a broken HTTP answer, an
/// invalid content coding, or else a connection failure.
fn classify(e: &reqwest::Error, deadline: Duration) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout(deadline);
    }
    let message = || source_messages(e);
    // The first typed cause met from the outside in, except a plain I/O
    // error, which only counts when nothing more telling is found.
    let mut io = false;
    let mut body = e.is_body() && !e.is_decode();
    let in_body = e.is_body() || e.is_decode();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        match cause_of(s, in_body) {
            Some(Cause::Blocked(m)) => return FetchError::BlockedAddress(m),
            Some(Cause::Dns) => return FetchError::Dns(message()),
            Some(Cause::Tls) => return FetchError::Tls(message()),
            Some(Cause::Timeout) => return FetchError::Timeout(deadline),
            Some(Cause::Protocol) => return FetchError::HttpProtocol(message()),
            Some(Cause::Unanswered) => return FetchError::Unanswered(message()),
            Some(Cause::Body) => body = true,
            Some(Cause::Io) => io = true,
            None => {}
        }
        source = s.source();
    }
    if body {
        // The answer had begun: its body broke off.
        return FetchError::HttpProtocol(format!("response body cut short: {}", message()));
    }
    if e.is_decode() {
        return FetchError::Decode(message());
    }
    if e.is_builder() {
        return FetchError::InvalidUrl(message());
    }
    if e.is_connect() || io {
        return FetchError::Connect(message());
    }
    // A request that failed otherwise: the server did not answer with HTTP.
    FetchError::HttpProtocol(message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_hosts() {
        assert!(parse_url("ftp://x.org/a").is_err());
        assert!(parse_url("not a url").is_err());
        assert!(parse_url(" https://x.org/a ").is_ok());
        assert!(check_literal(&Url::parse("http://127.0.0.1/").unwrap(), false).is_err());
        assert!(check_literal(&Url::parse("http://[::ffff:10.0.0.1]/").unwrap(), false).is_err());
        for embedded in [
            "http://[::ffff:0:127.0.0.1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[2002:7f00:1::1]/",
            "http://[64:ff9b::7f00:1]/",
        ] {
            let url = Url::parse(embedded).unwrap();
            assert!(check_literal(&url, false).is_err(), "{embedded}");
        }
        let long = format!("http://x.org/{}", "a".repeat(MAX_URL_BYTES));
        assert_eq!(parse_url(&long).unwrap_err().kind(), "invalid_url");
        assert!(check_literal(&Url::parse("http://127.0.0.1/").unwrap(), true).is_ok());
        assert_eq!(
            host_key(&Url::parse("https://x.org/a").unwrap()),
            "x.org:443"
        );
    }
}
