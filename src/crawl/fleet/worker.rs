//! A fleet worker: claims frontier messages, one partition at a time per
//! claim, fetches and extracts each URL as `pith run` does (the same
//! `Processor`), publishes the record to the results stream, holds the
//! partition for the host's delay, then acks.
//!
//! Each partition has a loop; at most twice `concurrency` of them hold a claim
//! (a request for a message, or a message) at once, and an empty partition
//! holds none while it waits to be asked again. A message is worked on under
//! progress acks, so a long fetch keeps its lease; its record is published
//! with [`record_key`] as `Nats-Msg-Id` and the frontier
//! message is acked (double ack) only once the server stored the record.
//! The entries of feeds and sitemaps go back on the frontier, through the
//! seen-set. When `stop` turns true no new message is claimed; one being
//! worked on gets `grace` to finish, and is handed back (nak) after it.

use super::frontier::Frontier;
use super::message::{ResultMessage, Task, WireRecord};
use super::{Fleet, FleetError, js_err, record_key};
use crate::ExtractOptions;
use crate::crawl::fetch::Fetcher;
use crate::crawl::pipeline::{Line, Memory, PageOutcome, Processed, Processor, catch_panic};
use async_nats::jetstream::{self, AckKind};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long a request for a message waits at the server. nats-server 2.9
/// holds a request that has an expiry until it expires even when the
/// partition is empty (and one without an expiry may wait for ever), so it
/// is short: the claim goes back at once to a partition with work.
const PULL_WAIT: Duration = Duration::from_millis(10);
/// The longest wait for the end of a request's answer (the server's own
/// answer comes after [`PULL_WAIT`]).
const ANSWER_WAIT: Duration = Duration::from_secs(5);
/// Partitions claimed at once per slot (request or extraction at once).
const CLAIMS_PER_SLOT: usize = 2;
/// The first pause before an empty partition is asked again.
const IDLE_MIN: Duration = Duration::from_millis(20);
/// The longest pause before an empty partition is asked again.
const IDLE_MAX: Duration = Duration::from_millis(500);

/// How a worker works.
pub struct WorkerSettings {
    /// Requests and extractions at once; twice as many partitions are
    /// claimed at once (each one URL at a time), so that waiting for the
    /// server leaves no slot idle.
    pub concurrency: usize,
    /// Extraction options.
    pub extract: ExtractOptions,
    /// Memory, in bytes, that the extractions running at once share (see
    /// [`crate::crawl::RunSettings::memory`]).
    pub memory: usize,
    /// `[[site]]` tables (see [`crate::crawl::RunSettings::sites`]).
    pub sites: Vec<crate::config::SiteConfig>,
    /// How long a message being worked on may finish after `stop`.
    pub grace: Duration,
    /// Stop once no message came for this long and the frontier is empty
    /// (nothing pending, nothing in flight).
    pub idle_exit: Option<Duration>,
}

/// What a worker did so far.
#[derive(Debug, Default)]
pub struct WorkerCounts {
    /// Records published.
    pub done: AtomicU64,
    /// Of those, records of failures, by error kind.
    pub failed: Mutex<BTreeMap<String, u64>>,
    /// Messages that came for a second time or more.
    pub redelivered: AtomicU64,
    /// Entries of feeds and sitemaps queued.
    pub discovered: AtomicU64,
    /// Messages handed back (nak) at a stop.
    pub handed_back: AtomicU64,
    /// Milliseconds from the enqueue of the latest message to its claim.
    pub lag_ms: AtomicU64,
}

impl WorkerCounts {
    /// A one-line summary for logs.
    pub fn summary(&self) -> String {
        let failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        let kinds: Vec<String> = failed.iter().map(|(k, n)| format!("{k} {n}")).collect();
        format!(
            "{} done ({} failed{}{}), {} redelivered, {} discovered, {} handed back, lag {} ms",
            self.done.load(Ordering::Relaxed),
            failed.values().sum::<u64>(),
            if kinds.is_empty() { "" } else { ": " },
            kinds.join(", "),
            self.redelivered.load(Ordering::Relaxed),
            self.discovered.load(Ordering::Relaxed),
            self.handed_back.load(Ordering::Relaxed),
            self.lag_ms.load(Ordering::Relaxed),
        )
    }
}

/// What every partition loop shares.
struct Ctx {
    fleet: Arc<Fleet>,
    processor: Processor,
    counts: Arc<WorkerCounts>,
    grace: Duration,
    /// When a message last came.
    last_message: Mutex<Instant>,
}

/// Work until `stop` turns true (or, with `idle_exit`, the frontier stays
/// empty): see the module docs.
pub async fn work(
    fleet: Arc<Fleet>,
    fetcher: Arc<Fetcher>,
    settings: WorkerSettings,
    counts: Arc<WorkerCounts>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), FleetError> {
    let concurrency = settings.concurrency.clamp(1, Semaphore::MAX_PERMITS);
    let ctx = Arc::new(Ctx {
        fleet: fleet.clone(),
        processor: Processor {
            fetcher,
            extract: Arc::new(settings.extract),
            state: None,
            refresh: false,
            warc: None,
            slots: Arc::new(Semaphore::new(concurrency)),
            memory: Arc::new(Memory::new(settings.memory)),
            sites: Arc::new(settings.sites),
        },
        counts,
        grace: settings.grace,
        last_message: Mutex::new(Instant::now()),
    });
    // Stops the loops: the caller's stop, or the frontier drained.
    let (halt_tx, halt) = watch::channel(false);
    // Twice as many claims as slots: while some URLs wait for the server
    // (the record's publish, the ack, the next message), others keep the
    // slots busy.
    let claims = Arc::new(Semaphore::new(
        concurrency
            .saturating_mul(CLAIMS_PER_SLOT)
            .min(Semaphore::MAX_PERMITS),
    ));
    let mut loops = JoinSet::new();
    for p in 0..fleet.settings().partitions {
        let consumer = fleet.partition_consumer(p).await?;
        loops.spawn(serve(ctx.clone(), consumer, claims.clone(), halt.clone()));
    }
    let idle_exit = settings.idle_exit;
    let watcher = async {
        loop {
            tokio::select! {
                _ = stop.changed() => if *stop.borrow() { return },
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            if *stop.borrow() {
                return;
            }
            let Some(idle) = idle_exit else { continue };
            let quiet = ctx
                .last_message
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .elapsed();
            if quiet >= idle
                && super::status::frontier_is_empty(&fleet)
                    .await
                    .unwrap_or(false)
            {
                tracing::info!("the frontier is empty: stopping");
                return;
            }
        }
    };
    tokio::select! {
        _ = watcher => {}
        _ = async { while loops.join_next().await.is_some() {} } => {}
    }
    halt_tx.send_replace(true);
    while loops.join_next().await.is_some() {}
    Ok(())
}

/// One partition's loop, until halted: take a claim, ask the partition for
/// its next message, waiting [`PULL_WAIT`] at most (an empty partition, or
/// one whose message another worker holds, gives none), work on it and
/// ack, then give the claim back. A partition that gave nothing is asked again after a
/// pause, doubled up to [`IDLE_MAX`] while it stays empty, without a claim:
/// claims go to the partitions with work.
async fn serve(
    ctx: Arc<Ctx>,
    consumer: jetstream::consumer::Consumer<jetstream::consumer::pull::Config>,
    claims: Arc<Semaphore>,
    mut halt: watch::Receiver<bool>,
) {
    let mut pause = IDLE_MIN;
    loop {
        if *halt.borrow() {
            return;
        }
        let claim = tokio::select! {
            _ = halt.changed() => continue,
            c = claims.clone().acquire_owned() => c.expect("semaphore is never closed"),
        };
        let mut got = false;
        match consumer
            .fetch()
            .max_messages(1)
            .expires(PULL_WAIT)
            .messages()
            .await
        {
            Ok(mut batch) => {
                // The server's "no message" answer ends the batch; some
                // answers (a partition whose message is out) may not: the
                // wait is bounded either way.
                while let Ok(Some(next)) = tokio::time::timeout(ANSWER_WAIT, batch.next()).await {
                    let msg = match next {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::debug!("pull: {e}");
                            continue;
                        }
                    };
                    got = true;
                    if *halt.borrow() {
                        let _ = msg.ack_with(AckKind::Nak(None)).await;
                        ctx.counts.handed_back.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    *ctx.last_message.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
                    handle(&ctx, msg, &mut halt).await;
                    *ctx.last_message.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
                }
            }
            Err(e) => tracing::warn!("cannot pull from the frontier: {e}"),
        }
        drop(claim);
        if got {
            pause = IDLE_MIN;
            continue;
        }
        tokio::select! {
            _ = halt.changed() => {}
            _ = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(IDLE_MAX);
    }
}

/// Run `work` while acking progress on `msg` every third of `ack_wait`.
async fn with_progress<F: std::future::Future>(
    msg: &jetstream::Message,
    ack_wait: Duration,
    work: F,
) -> F::Output {
    let every = (ack_wait / 3).max(Duration::from_millis(100));
    let mut tick = tokio::time::interval_at(Instant::now() + every, every);
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = tick.tick() => {
                let _ = msg.ack_with(AckKind::Progress).await;
            }
        }
    }
}

/// One message: its URL fetched and extracted, its record published, the
/// host's delay waited, then acked.
async fn handle(ctx: &Ctx, msg: jetstream::Message, halt: &mut watch::Receiver<bool>) {
    let ack_wait = ctx.fleet.settings().ack_wait;
    if let Ok(info) = msg.info() {
        if info.delivered > 1 {
            ctx.counts.redelivered.fetch_add(1, Ordering::Relaxed);
        }
        let now = i128::from(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
        let lag_ms = (now - info.published.unix_timestamp_nanos()) / 1_000_000;
        ctx.counts
            .lag_ms
            .store(u64::try_from(lag_ms).unwrap_or(0), Ordering::Relaxed);
    }
    let task: Task = match serde_json::from_slice(&msg.payload) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("not a pith task on the frontier, dropped: {e}");
            let _ = msg.ack_with(AckKind::Term).await;
            return;
        }
    };
    let work = {
        let fleet = ctx.fleet.clone();
        let processor = ctx.processor.clone();
        let counts = ctx.counts.clone();
        let task = task.clone();
        async move {
            let line = Line {
                source: task.source.clone(),
                text: task.url.clone(),
                depth: task.depth,
                error: None,
            };
            match processor.process(line).await {
                Processed::Done(outcome) => outcome,
                Processed::Listed(found, warc) => {
                    let n = queue_entries(&fleet, found, task.epoch).await;
                    counts.discovered.fetch_add(n, Ordering::Relaxed);
                    PageOutcome { record: None, warc }
                }
            }
        }
    };
    let work = catch_panic(work, task.source.clone(), Some(task.url.clone()));
    // Worked on under progress acks; after a halt, for `grace` at most.
    let outcome = {
        let work = with_progress(&msg, ack_wait, work);
        tokio::pin!(work);
        let mut deadline: Option<Instant> = None;
        loop {
            let at = deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400));
            tokio::select! {
                o = &mut work => break Some(o),
                _ = halt.changed(), if deadline.is_none() => {
                    if *halt.borrow() {
                        deadline = Some(Instant::now() + ctx.grace);
                    }
                }
                _ = tokio::time::sleep_until(at), if deadline.is_some() => break None,
            }
        }
    };
    let Some(outcome) = outcome else {
        tracing::warn!(url = %task.url, "not finished within the grace period: handed back");
        let _ = msg.ack_with(AckKind::Nak(None)).await;
        ctx.counts.handed_back.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let done_at = Instant::now();
    if let Some(record) = outcome.record {
        let kind = record.error.as_ref().map(|e| e.kind.clone());
        if let Err(e) = with_progress(&msg, ack_wait, publish(&ctx.fleet, &task, record)).await {
            tracing::warn!(url = %task.url, "{e}: handed back");
            let _ = msg
                .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                .await;
            return;
        }
        ctx.counts.done.fetch_add(1, Ordering::Relaxed);
        if let Some(kind) = kind {
            *ctx.counts
                .failed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(kind)
                .or_default() += 1;
        }
    }
    // The partition stays ours for the host's delay (or Crawl-delay), so
    // the next request to the host, by any worker, starts after it.
    let gap = ctx.processor.fetcher.host_gap(&task.url);
    with_progress(&msg, ack_wait, tokio::time::sleep_until(done_at + gap)).await;
    if let Err(e) = msg.double_ack().await {
        // The lease ran out: the URL comes again, its record is a duplicate
        // the server or the sink drops.
        tracing::warn!(url = %task.url, "cannot ack: {e}");
    }
}

/// Publish the record of `task` and wait until the server stored it.
async fn publish(
    fleet: &Fleet,
    task: &Task,
    record: crate::io::output::Record,
) -> Result<(), FleetError> {
    let key = record_key(&task.url, task.epoch);
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", key.as_str());
    let body = serde_json::to_vec(&ResultMessage {
        key,
        record: WireRecord::from(record),
    })
    .map_err(js_err("encode a record"))?;
    let ack = fleet
        .js()
        .publish_with_headers(fleet.results_subject(), headers, body.into())
        .await
        .map_err(js_err("publish a record"))?;
    ack.await.map_err(js_err("publish a record"))?;
    Ok(())
}

/// Queue the entries of a feed or sitemap on the frontier (through the
/// seen-set); returns how many were new.
async fn queue_entries(
    fleet: &Fleet,
    found: crate::crawl::pipeline::Discovered,
    epoch: u64,
) -> u64 {
    let mut frontier = match Frontier::open(fleet).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("cannot queue the entries of a feed or sitemap: {e}");
            return 0;
        }
    };
    let mut n = 0;
    for url in found.entries {
        let task = Task {
            url,
            source: found.source.clone(),
            depth: found.depth,
            epoch,
        };
        match frontier.queue(task).await {
            Ok(true) => n += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!("cannot queue a discovered URL: {e}"),
        }
    }
    if let Err(e) = frontier.flush().await {
        tracing::warn!("cannot queue the entries of a feed or sitemap: {e}");
    }
    n
}
