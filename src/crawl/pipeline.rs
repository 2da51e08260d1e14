//! `pith run`'s engine: URL lines in, one [`PageOutcome`] per URL line out.
//!
//! Lines arrive on a channel (the caller streams them from files, so a list
//! of any length stays out of memory). Each non-blank, non-comment line
//! becomes a task: fetch (async, polite, guarded) → extract on tokio's
//! blocking pool (`scraper::Html` is not `Send`, so parsing stays on one
//! thread) → a [`PageOutcome`] sent to the
//! caller's writer as soon as it is ready, so outcomes come in the order
//! their tasks finish, not in list order. A URL gives exactly one record,
//! success or error, except a feed or sitemap whose entries come back as
//! lines of their own (ahead of the list, up to [`MAX_DISCOVERY_DEPTH`]
//! levels deep) in its place; one that lists no usable URL gives a
//! `no_content` record. Discovered entries wait in the loop, newest feed or
//! sitemap first; the sitemaps of a sitemap index are fetched
//! [`CHILD_LISTINGS`] at most at once, and only while few discovered pages
//! wait, so an index of many large sitemaps is read as its pages are
//! started, not all at once. When `stop` turns true, no new line is
//! started and the fetcher is stopped (no retry, robots.txt or page waiting
//! for its host is sent; such a URL gives no record); requests in flight get
//! `grace` to finish and are abandoned after it.
//!
//! At most `concurrency` requests and extractions run at once (the run's
//! slots). A request takes its slot only once its host's politeness slot
//! is granted, so URLs waiting for a busy host hold none, and a URL of an
//! idle host behind them starts at once; up to [`WAITING_PER_SLOT`] ×
//! `concurrency` tasks exist at once, waiting or running.

use crate::ExtractOptions;
use crate::crawl::discover::{ListKind, Listing};
use crate::crawl::fetch::{
    FetchError, FetchFailure, FetchedPage, Fetcher, ResponseInfo, Validators,
};
use crate::crawl::normalize::normalize;
use crate::crawl::state::{PageState, StateStore};
use crate::io::output::{ErrorInfo, FetchFields, Record};
use crate::io::warc::write::Exchange;
use crate::io::warc::write::WarcEncoder;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;

/// One line of a URL list and where it came from.
#[derive(Debug, Clone)]
pub struct Line {
    /// The list it came from (a path, `-`, or `config`).
    pub source: String,
    /// The line as read.
    pub text: String,
    /// 0 for a listed URL; one more for each feed or sitemap it was found in.
    pub depth: u8,
    /// Set when the line could not be read (not UTF-8, a read error): it
    /// gives an error record of this kind and message, and is not fetched.
    pub error: Option<ErrorInfo>,
}

impl Line {
    /// A line read from `source`, at `depth` 0.
    pub fn listed(source: impl Into<String>, text: impl Into<String>) -> Line {
        Line {
            source: source.into(),
            text: text.into(),
            depth: 0,
            error: None,
        }
    }

    /// A line of `source` that could not be read: its record is an error
    /// of `kind`.
    pub fn unreadable(source: impl Into<String>, kind: &str, message: String) -> Line {
        Line {
            source: source.into(),
            text: String::new(),
            depth: 0,
            error: Some(ErrorInfo {
                kind: kind.to_string(),
                message,
            }),
        }
    }
}

/// Feeds and sitemaps are expanded this many levels deep (a sitemap index,
/// its sitemaps, their pages).
pub const MAX_DISCOVERY_DEPTH: u8 = 2;

/// Whether a list line holds a URL (not blank, not a `#` comment).
pub fn is_url_line(line: &str) -> bool {
    url_of_line(line).is_some()
}

/// The URL a list line holds: the line trimmed, without a trailing comment
/// (a `#` after a space or tab; a `#` inside a URL is its fragment), and
/// with `https://` put before a bare host and path (`example.com/page`).
/// `None` for blank lines and `#` comments.
pub fn url_of_line(line: &str) -> Option<String> {
    let t = line.trim();
    let comment = t
        .char_indices()
        .find(|&(i, c)| c == '#' && t[..i].ends_with([' ', '\t']))
        .map(|(i, _)| i);
    let t = comment.map_or(t, |i| t[..i].trim_end());
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    Some(if is_bare_host(t) {
        format!("https://{t}")
    } else {
        t.to_string()
    })
}

/// Whether `t` starts with a host name (with a dot, or `localhost`) and an
/// optional port, and names no scheme: `example.com/page`, `localhost:8080`.
fn is_bare_host(t: &str) -> bool {
    if t.contains("://") {
        return false;
    }
    let authority = t.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.starts_with(['.', '-'])
        && !host.ends_with('-')
        && (host.eq_ignore_ascii_case("localhost")
            || host.parse::<std::net::Ipv4Addr>().is_ok()
            || host.contains('.') && has_known_suffix(host));
    port_ok && host_ok
}

/// Whether `host` ends in a public suffix of the list (`.com`, `.co.uk`),
/// so that `notes.txt` is not taken for a host.
fn has_known_suffix(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known())
}

/// Tasks per run slot that may exist at once (most of them waiting for
/// their hosts): what bounds the memory of the waiting.
pub const WAITING_PER_SLOT: usize = 64;

/// How a run goes.
pub struct RunSettings {
    /// Requests and extractions at once (see the module docs).
    pub concurrency: usize,
    /// Extraction options.
    pub extract: ExtractOptions,
    /// How long tasks in flight may finish after `stop`.
    pub grace: Duration,
    /// What earlier runs saw, when remembered.
    pub state: Option<Arc<StateStore>>,
    /// Write every page again although the state remembers it (the output
    /// is new): no conditional requests, and an article the state knows is
    /// not `unchanged`. Revisions still count from the state.
    pub refresh: bool,
    /// Makes WARC records of the exchanges, when archiving (the fetcher
    /// must keep them: `FetchSettings::archive`).
    pub warc: Option<WarcEncoder>,
    /// `[[site]]` tables: per-host selectors and switches, applied to each
    /// page by its final URL's host.
    pub sites: Vec<crate::crawl::sites::SiteConfig>,
    /// Memory, in bytes, that the extractions running at once may take
    /// together, each reckoned at [`crate::peak_memory`] of its page: a
    /// page waits for others to finish until its share is free (one larger
    /// than all of it runs alone).
    pub memory: usize,
}

/// What one URL line gives the writer: its record (none for a feed or
/// sitemap whose entries were queued) and, when archiving, the WARC records
/// of every HTTP exchange made for it, ready to append.
#[derive(Debug)]
pub struct PageOutcome {
    /// The record to write.
    pub record: Option<Record>,
    /// WARC records (gzip members), empty unless archiving.
    pub warc: Vec<u8>,
}

/// Fetch and extract every URL line of `lines`, sending one outcome each to
/// `out` (none for a line that gave neither a record nor WARC records).
pub async fn run(
    mut lines: mpsc::Receiver<Line>,
    fetcher: Arc<Fetcher>,
    settings: RunSettings,
    out: mpsc::Sender<PageOutcome>,
    stop: watch::Receiver<bool>,
) {
    let grace = settings.grace;
    let concurrency = settings.concurrency.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(concurrency));
    let tickets = Arc::new(Semaphore::new(
        concurrency
            .saturating_mul(WAITING_PER_SLOT)
            .min(Semaphore::MAX_PERMITS),
    ));
    // Entries of feeds and sitemaps come back here, one message per feed or
    // sitemap: a task sends at most one and the loop receives at every wait,
    // so a send never waits long.
    let (more_tx, mut more_rx) = mpsc::channel::<Discovered>(tickets.available_permits().max(1));
    // The sitemaps of sitemap indexes are fetched at most this many at once,
    // and only while fewer than `low` discovered pages wait.
    let children = Arc::new(Semaphore::new(CHILD_LISTINGS));
    let low = tickets.available_permits();
    let shared = Shared {
        processor: Processor {
            fetcher,
            extract: Arc::new(settings.extract),
            state: settings.state,
            refresh: settings.refresh,
            warc: settings.warc,
            slots,
            memory: Arc::new(Memory::new(settings.memory)),
            sites: Arc::new(settings.sites),
        },
        more: more_tx,
        out,
    };
    let mut queue = Queue::default();
    let mut tasks = JoinSet::new();
    let mut input_open = true;
    'run: loop {
        while let Ok(d) = more_rx.try_recv() {
            queue.push(d);
        }
        if *stop.borrow() || !input_open && tasks.is_empty() && queue.is_empty() {
            break;
        }
        let mut stop_rx = stop.clone();
        let (line, child) = match queue.next(&children, low) {
            Some(next) => next,
            None => tokio::select! {
                biased;
                _ = stop_rx.changed() => break,
                Some(d) = more_rx.recv() => {
                    queue.push(d);
                    continue;
                }
                l = lines.recv(), if input_open => match l {
                    Some(l) => (l, None),
                    None => {
                        input_open = false;
                        continue;
                    }
                },
                Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            },
        };
        if line.error.is_none() && !is_url_line(&line.text) {
            continue;
        }
        let permit = loop {
            tokio::select! {
                biased;
                _ = stop_rx.changed() => break 'run,
                Some(d) = more_rx.recv() => queue.push(d),
                p = tickets.clone().acquire_owned() => break p.expect("semaphore is never closed"),
            }
        };
        tasks.spawn(task(shared.clone(), line, (permit, child)));
        // Reap finished tasks so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    // A task queueing entries now finds the loop gone.
    drop(more_rx);
    let interrupted = *stop.borrow();
    if interrupted {
        // Retries, robots.txt and pages waiting for their host start nothing now.
        shared.processor.fetcher.stop();
    }
    finish(tasks, interrupted, grace).await;
}

/// Sitemaps of sitemap indexes fetched at once.
pub const CHILD_LISTINGS: usize = 2;

/// The entries of one feed or sitemap, waiting to be started.
#[derive(Debug)]
pub(crate) struct Discovered {
    /// The list the feed or sitemap came from.
    pub(crate) source: String,
    /// The depth of its entries.
    pub(crate) depth: u8,
    /// Whether its entries are sitemaps (of a sitemap index).
    index: bool,
    /// Its entries, URLs.
    pub(crate) entries: std::vec::IntoIter<String>,
}

/// The discovered entries waiting, newest feed or sitemap first (so the
/// pages of a sitemap are started before the index's next sitemap is
/// fetched).
#[derive(Debug, Default)]
struct Queue {
    lists: Vec<Discovered>,
}

impl Queue {
    fn push(&mut self, d: Discovered) {
        if d.entries.len() > 0 {
            self.lists.push(d);
        }
    }

    fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Entries waiting that are not sitemaps of an index.
    fn pages(&self) -> usize {
        self.lists
            .iter()
            .filter(|d| !d.index)
            .map(|d| d.entries.len())
            .sum()
    }

    /// The next entry to start, newest list first: a sitemap of an index
    /// only while fewer than `low` other entries wait and one of the
    /// `children` permits is free (it goes with the sitemap's task); `None`
    /// when nothing may start now.
    fn next(
        &mut self,
        children: &Arc<Semaphore>,
        low: usize,
    ) -> Option<(Line, Option<OwnedSemaphorePermit>)> {
        let pages = self.pages();
        let mut child = None;
        let i = self.lists.iter().rposition(|d| {
            if !d.index {
                return true;
            }
            if pages >= low {
                return false;
            }
            child = children.clone().try_acquire_owned().ok();
            child.is_some()
        })?;
        let d = &mut self.lists[i];
        let text = d.entries.next()?;
        let line = Line {
            source: d.source.clone(),
            text,
            depth: d.depth,
            error: None,
        };
        if d.entries.len() == 0 {
            self.lists.remove(i);
        }
        Some((line, child))
    }
}

/// Wait for the tasks still running; when `interrupted`, for `grace` at
/// most, then abandon them.
async fn finish(mut tasks: JoinSet<()>, interrupted: bool, grace: Duration) {
    if interrupted {
        let drain = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, drain).await.is_err() {
            tracing::warn!(
                "{} pages did not finish within {grace:?} of the stop: dropped, without a record",
                tasks.len()
            );
            tasks.abort_all();
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// What every task of a run shares: handles, cheap to clone.
#[derive(Clone)]
struct Shared {
    processor: Processor,
    /// Where the entries of feeds and sitemaps go back to the loop.
    more: mpsc::Sender<Discovered>,
    /// The writer.
    out: mpsc::Sender<PageOutcome>,
}

/// One line's task: its outcome to the writer, then its ticket freed. A
/// panic while processing the line gives it an `internal` error record.
async fn task(
    shared: Shared,
    line: Line,
    ticket: (OwnedSemaphorePermit, Option<OwnedSemaphorePermit>),
) {
    let source = line.source.clone();
    let url = url_of_line(&line.text);
    let work = {
        let shared = shared.clone();
        async move {
            match shared.processor.process(line).await {
                Processed::Done(outcome) => outcome,
                Processed::Listed(found, warc) => {
                    // The loop is gone only when the run stops: the entries go with it.
                    let _ = shared.more.send(found).await;
                    PageOutcome { record: None, warc }
                }
            }
        }
    };
    let outcome = catch_panic(work, source, url).await;
    if outcome.record.is_some() || !outcome.warc.is_empty() {
        let _ = shared.out.send(outcome).await;
    }
    drop(ticket);
}

/// Aborts a task when dropped (its caller was abandoned).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Run `work`, a line's processing, as a task of its own: when it panics,
/// the line's outcome is an `internal` error record naming the panic.
pub(crate) async fn catch_panic<F>(work: F, source: String, url: Option<String>) -> PageOutcome
where
    F: std::future::Future<Output = PageOutcome> + Send + 'static,
{
    let handle = tokio::spawn(work);
    let _abort = AbortOnDrop(handle.abort_handle());
    match handle.await {
        Ok(outcome) => outcome,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(url = url.as_deref().unwrap_or(&source), "panicked: {what}");
            let message = format!("internal error (panic: {what}); please report this URL");
            PageOutcome {
                record: Some(Record::failed(source, url, "internal", message)),
                warc: Vec::new(),
            }
        }
        Err(_) => PageOutcome {
            record: None,
            warc: Vec::new(),
        },
    }
}

/// WARC records of `exchanges`, made on the blocking pool.
async fn encode(warc: Option<&WarcEncoder>, exchanges: Vec<Exchange>) -> Vec<u8> {
    let Some(encoder) = warc.cloned() else {
        return Vec::new();
    };
    if exchanges.is_empty() {
        return Vec::new();
    }
    let made = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for ex in &exchanges {
            match encoder.exchange(ex) {
                Ok(members) => out.extend(members),
                Err(e) => tracing::warn!(url = %ex.url, "cannot make WARC records: {e}"),
            }
        }
        out
    })
    .await;
    made.unwrap_or_default()
}

/// How one URL line is fetched and extracted: the handles a task needs,
/// cheap to clone. `pith run`'s loop and a fleet worker share it, so a URL
/// gives the same record either way.
#[derive(Clone)]
pub(crate) struct Processor {
    pub(crate) fetcher: Arc<Fetcher>,
    pub(crate) extract: Arc<ExtractOptions>,
    pub(crate) state: Option<Arc<StateStore>>,
    pub(crate) refresh: bool,
    pub(crate) warc: Option<WarcEncoder>,
    /// The slots: requests (once their host lets them go) and extractions
    /// take one each.
    pub(crate) slots: Arc<Semaphore>,
    /// The extractions' memory (see [`RunSettings::memory`]).
    pub(crate) memory: Arc<Memory>,
    /// `[[site]]` tables (see [`RunSettings::sites`]).
    pub(crate) sites: Arc<Vec<crate::crawl::sites::SiteConfig>>,
}

/// What one URL line gave: an outcome for the writer, or the entries of a
/// feed or sitemap (and the WARC records of its exchanges) to start in its
/// place.
// Returned once per URL and matched at once, never stored in bulk: the
// size of the record variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Processed {
    /// The line's record (none when it was interrupted) and WARC records.
    Done(PageOutcome),
    /// A feed or sitemap with entries: they stand for the line.
    Listed(Discovered, Vec<u8>),
}

impl Processor {
    /// One URL line: its record, or the entries of the feed or sitemap it was,
    /// and its WARC records.
    pub(crate) async fn process(&self, line: Line) -> Processed {
        let memory = match (&self.state, &line.error) {
            (Some(state), None) => {
                let url = url_of_line(&line.text).unwrap_or_default();
                Some(prior_state(Some(state.clone()), &url).await)
            }
            _ => None,
        };
        self.process_remembered(line, memory).await
    }

    /// [`Processor::process`] with what is remembered of the line's URL
    /// given: `None` when nothing is remembered between runs (no
    /// conditional request, no revisions), `Some(None)` when the URL is
    /// unknown.
    pub(crate) async fn process_remembered(
        &self,
        line: Line,
        memory: Option<Option<PageState>>,
    ) -> Processed {
        let shared = self;
        if let Some(e) = line.error {
            return Processed::Done(PageOutcome {
                record: Some(Record::failed(line.source, None, &e.kind, e.message)),
                warc: Vec::new(),
            });
        }
        let url = url_of_line(&line.text).unwrap_or_default();
        let remembers = memory.is_some();
        let prior = memory.flatten();
        let validators = prior.as_ref().filter(|_| !shared.refresh);
        let (fetched, exchanges) = fetch(&shared.fetcher, &url, validators, &shared.slots).await;
        // What follows (archiving, extraction) runs in one of the run's slots.
        let slot = shared
            .slots
            .acquire()
            .await
            .expect("semaphore is never closed");
        let warc = encode(shared.warc.as_ref(), exchanges).await;
        let extract = shared.extract.clone();
        let record = match fetched {
            // Stopped before its request was sent: no record, a rerun fetches it.
            Err(FetchFailure {
                error: FetchError::Interrupted,
                ..
            }) => return Processed::Done(PageOutcome { record: None, warc }),
            Err(FetchFailure { error, info, .. }) => {
                failed(line.source, url, error.kind(), error.to_string(), &info)
            }
            Ok(page) if page.not_modified => {
                let mut r = Record::unchanged(line.source, Some(url));
                let mut f = fields(&page.info, None);
                f.unchanged = Some(true);
                r.fetch = Some(f);
                r
            }
            Ok(page) if page.listing && line.depth < MAX_DISCOVERY_DEPTH => {
                // Queueing the entries may wait for the loop: not in a slot.
                drop(slot);
                let Some(list) = listing(&page).await else {
                    return Processed::Done(PageOutcome {
                        record: Some(
                            extract_page(
                                page,
                                extract,
                                &shared.sites,
                                &shared.memory,
                                line.source,
                                url,
                            )
                            .await,
                        ),
                        warc,
                    });
                };
                tracing::debug!(%url, entries = list.entries.len(), "expanded");
                if list.entries.is_empty() {
                    let message = match list.listed {
                        0 => format!("empty {}: it lists no entry", list.kind.name()),
                        n => format!(
                            "{} of {n} entries, none a usable http(s) URL",
                            list.kind.name()
                        ),
                    };
                    let record = failed(line.source, url, "no_content", message, &page.info);
                    return Processed::Done(PageOutcome {
                        record: Some(record),
                        warc,
                    });
                }
                let found = Discovered {
                    source: line.source,
                    depth: line.depth + 1,
                    index: list.kind == ListKind::SitemapIndex,
                    entries: list.entries.into_iter(),
                };
                return Processed::Listed(found, warc);
            }
            Ok(page) if page.listing => {
                let ct = page.info.content_type.clone().unwrap_or_default();
                let error = FetchError::NotHtml(format!(
                    "{ct} nested deeper than {MAX_DISCOVERY_DEPTH} feeds or sitemaps"
                ));
                failed(
                    line.source,
                    url,
                    error.kind(),
                    error.to_string(),
                    &page.info,
                )
            }
            Ok(page) => {
                let r = extract_page(
                    page,
                    extract,
                    &shared.sites,
                    &shared.memory,
                    line.source,
                    url,
                )
                .await;
                if remembers {
                    with_revision(r, prior.as_ref(), shared.refresh)
                } else {
                    r
                }
            }
        };
        Processed::Done(PageOutcome {
            record: Some(record),
            warc,
        })
    }
}

/// What an earlier run saw of `url`, when remembered, asked on the
/// blocking pool (SQLite blocks); a store that cannot answer is logged and
/// counts as no memory.
async fn prior_state(state: Option<Arc<StateStore>>, url: &str) -> Option<PageState> {
    let state = state?;
    let key = url.to_string();
    match tokio::task::spawn_blocking(move || state.get(&key)).await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            tracing::warn!(%url, "{e}");
            None
        }
        Err(_) => None,
    }
}

/// Fetch `url`, conditionally with the validators an earlier run left, and
/// take out the exchanges made on the way (for the WARC file).
async fn fetch(
    fetcher: &Fetcher,
    url: &str,
    prior: Option<&PageState>,
    slots: &Semaphore,
) -> (Result<FetchedPage, FetchFailure>, Vec<Exchange>) {
    let validators = prior.map(|p| Validators {
        etag: p.etag.clone(),
        last_modified: p.last_modified.clone(),
    });
    match fetcher
        .fetch_in_slots(url, validators.as_ref(), Some(slots))
        .await
    {
        Ok(mut page) => {
            let exchanges = std::mem::take(&mut page.exchanges);
            (Ok(page), exchanges)
        }
        Err(mut failure) => {
            let exchanges = std::mem::take(&mut failure.exchanges);
            (Err(failure), exchanges)
        }
    }
}

/// The entries of the feed or sitemap `page`, read on the blocking pool;
/// `None` when its body is neither.
async fn listing(page: &FetchedPage) -> Option<Listing> {
    let base = url::Url::parse(page.info.final_url.as_deref()?).ok()?;
    let body = page.body.clone();
    tokio::task::spawn_blocking(move || crate::crawl::discover::entries(&body, &base))
        .await
        .ok()
        .flatten()
}

/// Mark an article against what the state remembers of its URL: the same
/// text as last time is unchanged (with `refresh`, written again as the
/// same revision), another text the next revision, and with no memory of
/// the URL the article is revision 1. Without a state there are no
/// revisions.
fn with_revision(mut r: Record, prior: Option<&PageState>, refresh: bool) -> Record {
    if let (Some(f), Some(p)) = (r.fetch.as_mut(), prior) {
        if f.content_hash.is_some() && f.content_hash == p.content_hash {
            if refresh {
                f.revision = Some(p.revisions.max(1));
            } else {
                f.unchanged = Some(true);
            }
        } else if f.content_hash.is_some() {
            f.revision = Some(p.revisions + 1);
        }
    }
    if let (Some(f), None) = (r.fetch.as_mut(), prior) {
        if f.content_hash.is_some() {
            f.revision = Some(1);
        }
    }
    r
}

/// Extract the article of a fetched HTML page on the blocking pool: an
/// article record with its text's hash, or a failed one (a panic included).
async fn extract_page(
    page: FetchedPage,
    extract: Arc<ExtractOptions>,
    sites: &[crate::crawl::sites::SiteConfig],
    memory: &Memory,
    source: String,
    url: String,
) -> Record {
    let FetchedPage {
        info,
        charset,
        body,
        ..
    } = page;
    let base = info.final_url.clone().unwrap_or_else(|| url.clone());
    let _memory = memory.reserve(body.len()).await;
    let mut opts = crate::crawl::sites::options_for(&extract, sites, Some(&base));
    let result = tokio::task::spawn_blocking(move || {
        opts.http_charset = charset;
        crate::extract(&body, Some(&base), &opts)
    })
    .await;
    match result {
        Ok(Ok(article)) => {
            let hash = hex_sha256(article.text.as_bytes());
            let mut r = Record::ok(source, Some(url), article);
            r.fetch = Some(fields(&info, Some(hash)));
            r
        }
        Ok(Err(e)) => {
            // A body served as HTML that is empty or binary could not be decoded.
            let mut r = match e {
                crate::ExtractError::Decode(_) => {
                    Record::failed(source, Some(url), "decode", e.to_string())
                }
                _ => Record::not_extracted(source, Some(url), &e),
            };
            r.fetch = Some(fields(&info, None));
            r
        }
        Err(_) => {
            let message = "extraction panicked; please report this page";
            failed(source, url, "internal", message.into(), &info)
        }
    }
}

/// The memory that extractions running at once share, in KiB (the
/// crawler's and the server's).
pub(crate) struct Memory {
    free: Arc<Semaphore>,
    total: u32,
}

impl Memory {
    /// `bytes` of memory to share out.
    pub(crate) fn new(bytes: usize) -> Memory {
        let total = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .max(1);
        Memory {
            free: Arc::new(Semaphore::new(total as usize)),
            total,
        }
    }

    /// Wait until the extraction of a page of `size` bytes has its share
    /// (all of the memory, when it would need more), held until dropped.
    pub(crate) async fn reserve(&self, size: usize) -> Option<OwnedSemaphorePermit> {
        let need = crate::peak_memory(size).div_ceil(1024);
        let need = u32::try_from(need).unwrap_or(u32::MAX).min(self.total);
        // The semaphore is never closed.
        self.free.clone().acquire_many_owned(need).await.ok()
    }

    /// Bytes reserved by the extractions running now.
    pub(crate) fn reserved(&self) -> usize {
        (self.total as usize - self.free.available_permits()) * 1024
    }
}

/// The record of a fetched URL that gave no article: why, and what is known
/// of the response.
fn failed(source: String, url: String, kind: &str, message: String, info: &ResponseInfo) -> Record {
    let mut r = Record::failed(source, Some(url), kind, message);
    r.fetch = Some(fields(info, None));
    r
}

/// A record's fetch fields: what `info` says of the response, and the hash
/// of the article's text when there is one.
pub(crate) fn fields(info: &ResponseInfo, content_hash: Option<String>) -> FetchFields {
    FetchFields {
        final_url: info.final_url.clone(),
        status: info.status,
        content_type: info.content_type.clone(),
        fetched_at: info.fetched_at.clone(),
        etag: info.etag.clone(),
        last_modified: info.last_modified.clone(),
        content_hash,
        ..Default::default()
    }
}

/// The articles written in one run, to write each article once: by
/// normalized URL (as listed and after redirects), and, when `by_content`,
/// also by normalized canonical URL and content hash. Keys are kept as 64-bit
/// hashes, each with the URL of the record it came from (to name what a
/// repeat repeats).
#[derive(Debug, Default)]
pub struct Written {
    keys: std::collections::HashMap<u64, Arc<str>>,
    by_content: bool,
}

impl Written {
    /// Remember by URL only, or (`by_content`) by canonical URL and content too.
    pub fn new(by_content: bool) -> Written {
        Written {
            keys: Default::default(),
            by_content,
        }
    }

    /// Whether `record` repeats an article already written in this run;
    /// when it does not, it is remembered.
    pub fn is_repeat(&mut self, record: &Record) -> bool {
        self.repeat_of(record).is_some()
    }

    /// The URL (or source) of the article written earlier in this run that
    /// `record` repeats; `None` when it repeats none, and then it is
    /// remembered.
    pub fn repeat_of(&mut self, record: &Record) -> Option<Arc<str>> {
        use std::hash::{Hash, Hasher};
        let keys = article_keys(record, self.by_content);
        if keys.is_empty() {
            return None;
        }
        let keys: Vec<u64> = keys
            .iter()
            .map(|k| {
                // std's DefaultHasher made by `new()` is unkeyed, so a key
                // hashes alike throughout the run (today SipHash-1-3 with
                // zero keys; std does not promise the algorithm across
                // releases, and these hashes never leave the process).
                let mut h = std::hash::DefaultHasher::new();
                k.hash(&mut h);
                h.finish()
            })
            .collect();
        if let Some(first) = keys.iter().find_map(|k| self.keys.get(k)) {
            return Some(first.clone());
        }
        let name: Arc<str> = record.url.as_deref().unwrap_or(&record.source).into();
        for k in keys {
            self.keys.insert(k, name.clone());
        }
        None
    }
}

/// What makes an article the same as another in a run: its normalized URL
/// as listed and after redirects, and, when `by_content`, its normalized
/// canonical URL (unless a site's root) and its text's hash. None for a
/// record without an article.
pub(crate) fn article_keys(record: &Record, by_content: bool) -> Vec<String> {
    let Some(article) = record.article.as_ref() else {
        return Vec::new();
    };
    let fetch = record.fetch.as_ref();
    let mut keys: Vec<String> = [
        record.url.as_deref(),
        fetch.and_then(|f| f.final_url.as_deref()),
    ]
    .into_iter()
    .flatten()
    .filter_map(normalize)
    .map(|u| format!("url {u}"))
    .collect();
    // A canonical URL that is a site's root is a common mistake of
    // templates, not a statement that every page is the home page.
    if let Some(c) = article
        .metadata
        .canonical_url
        .as_deref()
        .and_then(normalize)
        .filter(|_| by_content)
    {
        if url::Url::parse(&c).is_ok_and(|u| u.path().len() > 1) {
            keys.push(format!("url {c}"));
        }
    }
    if let Some(h) = fetch
        .and_then(|f| f.content_hash.as_deref())
        .filter(|_| by_content)
    {
        keys.push(format!("hash {h}"));
    }
    keys
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_repeat_names_the_record_it_repeats() {
        let rec = |url: &str, hash: &str| {
            let mut r = Record::ok("list".into(), Some(url.into()), Default::default());
            r.fetch = Some(FetchFields {
                content_hash: Some(hash.into()),
                ..Default::default()
            });
            r
        };
        let mut w = Written::new(true);
        assert_eq!(w.repeat_of(&rec("https://x.org/a", "h1")), None);
        assert_eq!(
            w.repeat_of(&rec("https://x.org/a#top", "h2")).as_deref(),
            Some("https://x.org/a"),
            "the same URL"
        );
        assert_eq!(
            w.repeat_of(&rec("https://x.org/b", "h1")).as_deref(),
            Some("https://x.org/a"),
            "the same content"
        );
        assert_eq!(w.repeat_of(&rec("https://x.org/c", "h3")), None);
        let mut by_url = Written::new(false);
        assert!(!by_url.is_repeat(&rec("https://x.org/a", "h1")));
        assert!(!by_url.is_repeat(&rec("https://x.org/b", "h1")));
    }

    #[tokio::test]
    async fn a_panicking_task_gives_an_internal_record() {
        let out = catch_panic(
            async { panic!("boom") },
            "list".into(),
            Some("https://x.org/a".into()),
        )
        .await;
        let r = out.record.expect("a record for the line");
        let e = r.error.expect("an error");
        assert_eq!(e.kind, "internal");
        assert!(e.message.contains("boom"), "{}", e.message);
        assert_eq!(r.url.as_deref(), Some("https://x.org/a"));
        let fine = catch_panic(
            async {
                PageOutcome {
                    record: None,
                    warc: vec![1],
                }
            },
            "list".into(),
            None,
        )
        .await;
        assert_eq!(fine.warc, vec![1]);
    }

    fn discovered(index: bool, prefix: &str, n: usize) -> Discovered {
        Discovered {
            source: "list".into(),
            depth: 1,
            index,
            entries: (0..n)
                .map(|i| format!("https://x.org/{prefix}{i}"))
                .collect::<Vec<_>>()
                .into_iter(),
        }
    }

    #[test]
    fn sitemaps_of_an_index_start_only_as_the_queue_drains() {
        let children = Arc::new(Semaphore::new(CHILD_LISTINGS));
        let low = 3;
        let mut q = Queue::default();
        q.push(discovered(true, "s", 10));
        // An empty list is not kept.
        q.push(discovered(false, "none", 0));
        let mut held = Vec::new();
        for i in 0..CHILD_LISTINGS {
            let (line, child) = q.next(&children, low).expect("a sitemap starts");
            assert_eq!(line.text, format!("https://x.org/s{i}"));
            held.push(child.expect("a sitemap holds a child permit"));
        }
        assert!(q.next(&children, low).is_none(), "no third sitemap at once");
        // The first sitemap's pages come back: they go first, newest first.
        q.push(discovered(false, "p", 5));
        drop(held.remove(0));
        for i in 0..5 {
            let (line, child) = q.next(&children, low).expect("a page");
            assert_eq!(line.text, format!("https://x.org/p{i}"));
            assert!(child.is_none());
            // While `low` or more pages wait, no sitemap starts.
            if i < 5 - low {
                assert_eq!(q.pages(), 5 - i - 1);
            }
        }
        let (line, child) = q.next(&children, low).expect("the next sitemap");
        assert_eq!(line.text, "https://x.org/s2");
        assert!(child.is_some());
        assert_eq!(q.pages(), 0);
    }

    #[test]
    fn no_sitemap_starts_while_many_pages_wait() {
        let children = Arc::new(Semaphore::new(CHILD_LISTINGS));
        let mut q = Queue::default();
        q.push(discovered(false, "p", 4));
        q.push(discovered(true, "s", 2));
        // Newest first, but the index waits until fewer than 2 pages do.
        let texts: Vec<String> =
            std::iter::from_fn(|| q.next(&children, 2).map(|(l, _)| l.text)).collect();
        assert_eq!(
            texts,
            ["p0", "p1", "p2", "s0", "s1", "p3"].map(|t| format!("https://x.org/{t}"))
        );
        assert!(q.is_empty());
    }

    #[test]
    fn lines_and_hashes() {
        assert!(is_url_line(" https://x.org "));
        assert!(!is_url_line("# c") && !is_url_line("   "));
    }

    #[test]
    fn comments_and_bare_hosts() {
        let u = |l: &str| url_of_line(l);
        assert_eq!(
            u("https://x.org/a # seen in May").as_deref(),
            Some("https://x.org/a")
        );
        assert_eq!(u("https://x.org/a\t#c").as_deref(), Some("https://x.org/a"));
        assert_eq!(
            u("https://x.org/a#part").as_deref(),
            Some("https://x.org/a#part")
        );
        assert_eq!(u("  # only a comment"), None);
        assert_eq!(
            u("example.com/page").as_deref(),
            Some("https://example.com/page")
        );
        assert_eq!(u("example.com").as_deref(), Some("https://example.com"));
        assert_eq!(
            u("127.0.0.1:8080/a?b").as_deref(),
            Some("https://127.0.0.1:8080/a?b")
        );
        assert_eq!(
            u("localhost:3000").as_deref(),
            Some("https://localhost:3000")
        );
        assert_eq!(u("http://x.org/").as_deref(), Some("http://x.org/"));
        assert_eq!(u("mailto:a@x.org").as_deref(), Some("mailto:a@x.org"));
        assert_eq!(u("ftp://x.org/f").as_deref(), Some("ftp://x.org/f"));
        assert_eq!(u("not a url").as_deref(), Some("not a url"));
        assert_eq!(u("not a url # c").as_deref(), Some("not a url"));
        assert_eq!(u("urls.txt").as_deref(), Some("urls.txt"));
        assert_eq!(
            u("news.example.co.uk/a").as_deref(),
            Some("https://news.example.co.uk/a")
        );
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
