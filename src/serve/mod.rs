//! `pith serve`: the HTTP API (axum, on the tokio runtime of the crawler)
//! and the preview page.
//!
//! One [`App`] holds what every request shares: the extraction options and
//! `[[site]]` tables, one polite, guarded [`Fetcher`] (so robots.txt and
//! per-host politeness hold across requests), the slots that bound the
//! extractions running on its extraction threads ([`pool`]), the memory they share (the
//! crawler's budget: `[extract] memory_mb`), and the metrics. [`router`]
//! wires the routes ([`routes`], [`preview`]) behind the limits
//! ([`limits`]): API keys, CORS, request deadline and body size.
//!
//! Answers are the records of [`crate::io::output`], the same as a line of
//! `pith extract`'s JSONL; the HTTP status follows the record's error kind
//! ([`status`]).

pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod pool;
pub mod preview;
pub mod request;
pub mod routes;
pub mod status;

use crate::ExtractOptions;
use crate::config::FetchConfig;
use crate::crawl::fetch::Fetcher;
use crate::crawl::pipeline::Memory;
use crate::crawl::sites::SiteConfig;
use axum::Router;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Settings of the server (the `[serve]` table of `config.toml`).
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Deadline of one request; of each line of a batch.
    pub request_timeout: Duration,
    /// Extractions running at once.
    pub max_concurrency: usize,
    /// Requests waiting for an extraction slot before 503 is answered.
    pub max_queue: usize,
    /// Memory, in bytes, that the extractions running at once may take
    /// together, each reckoned at [`crate::peak_memory`] of its page, as
    /// in the crawler (`[extract] memory_mb`): a page waits, holding its
    /// slot, until its share is free (one larger than all of it runs alone).
    pub memory: usize,
    /// Accepted API keys; empty requires none.
    pub api_keys: Vec<String>,
    /// Origins allowed by CORS (`*` for any); empty sends no CORS headers.
    pub cors_origins: Vec<String>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The HTTP client of the fetcher could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// Listening or serving failed.
    #[error("cannot serve: {0}")]
    Io(#[from] std::io::Error),
}

/// What every request shares.
pub struct App {
    settings: ServeSettings,
    options: ExtractOptions,
    sites: Vec<SiteConfig>,
    fetcher: Fetcher,
    slots: Arc<Semaphore>,
    /// The threads that run the extractions, one per slot.
    pool: pool::Pool,
    memory: Memory,
    waiting: AtomicUsize,
    /// Requests started, ever.
    started: AtomicU64,
    /// Requests started and not yet answered or given up.
    in_flight: AtomicUsize,
    keys: limits::Keys,
    metrics: metrics::Metrics,
}

impl App {
    /// The shared state of a server: `options` and `sites` for every
    /// extraction, the `[fetch]` settings for every URL.
    pub fn new(
        settings: ServeSettings,
        options: ExtractOptions,
        sites: Vec<SiteConfig>,
        fetch: &FetchConfig,
    ) -> Result<Arc<App>, ServeError> {
        let fetcher =
            Fetcher::new(fetch.settings()).map_err(|e| ServeError::Client(e.to_string()))?;
        let slots = Arc::new(Semaphore::new(settings.max_concurrency.max(1)));
        let pool = pool::Pool::new(settings.max_concurrency.max(1))?;
        let memory = Memory::new(settings.memory);
        Ok(Arc::new(App {
            keys: limits::Keys::new(&settings.api_keys),
            settings,
            options,
            sites,
            fetcher,
            slots,
            pool,
            memory,
            waiting: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            metrics: metrics::Metrics::default(),
        }))
    }
}

/// What the server is doing, for a caller that acts when it is quiet (the
/// binary gives the allocator's free memory back to the system then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    /// Requests started since the server started.
    pub started: u64,
    /// Requests being answered now (a slow client's whose body is still
    /// coming included).
    pub in_flight: usize,
}

impl App {
    /// The requests started so far and in flight now.
    pub fn activity(&self) -> Activity {
        Activity {
            started: self.started.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
        }
    }
}

/// Every route, behind the limits.
pub fn router(app: Arc<App>) -> Router {
    let api = routes::routes().merge(preview::routes());
    limits::layer(api, app.clone()).with_state(app)
}

/// Serve `app` on `listener` until `shutdown` resolves; requests in
/// flight are finished first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
