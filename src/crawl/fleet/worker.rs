//! A fleet worker: claims frontier messages, one partition at a time per
//! claim, fetches and extracts each URL as `pith run` does (the same
//! `Processor`), publishes the record to the results stream, holds the
//! partition for the host's delay, then acks.
//!
//! Each partition has a loop; at most twice `concurrency` of them hold a claim
//! (a request for a message, or a message) at once, and an empty partition
//! holds none while it waits to be asked again. A message is worked on under
//! progress acks, so a long fetch keeps its lease; its record is published
//! with [`record_key`](super::message::record_key) as `Nats-Msg-Id` and the frontier
//! message is acked only once the server stored the record: with the
//! request for the partition's next message (`+NXT`), whose answer confirms
//! the ack, or, at the end of a run or a stop, alone and confirmed (double
//! ack). The answers to all of the worker's requests come to one inbox
//! subscription. A message at its last delivery (`max_deliver`) gets a
//! [`DELIVERY_LIMIT`] error record instead of a fetch; one whose last
//! delivery ends unfinished too gets it through [`exhausted`](super::exhausted),
//! whose advisories every worker serves besides its partitions.
//! With `remember`, what the fleet remembers of a URL (the bucket of
//! [`pages`](super::pages)) is read before its fetch, so it is requested
//! conditionally and its article marked `unchanged` or given its revision,
//! as `pith run` does with its state.
//! When archiving, a URL's WARC records go with its record, for the sink's
//! WARC file (those of a feed or sitemap without a record of their own).
//! The entries of feeds and sitemaps go back on the frontier, through the
//! seen-set. When `stop` turns true no new message is claimed; one being
//! worked on gets `grace` to finish, and is handed back (nak) after it.

use super::connection::{Fleet, FleetError, js_err};
use super::frontier::Frontier;
use super::message::Task;
use super::publish::{DELIVERY_LIMIT, WorkerCounts, publish_archived};
use crate::ExtractOptions;
use crate::crawl::fetch::Fetcher;
use crate::crawl::pipeline::{
    Line, Memory, PageOutcome, Processed, Processor, catch_panic, url_of_line,
};
use crate::io::warc::write::WarcEncoder;
use async_nats::jetstream::{self, AckKind};
use futures_util::StreamExt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long a request for a message waits at the server. nats-server 2.9
/// holds a request that has an expiry until it expires even when the
/// partition is empty (and one without an expiry may wait for ever), so it
/// is short: the claim goes back at once to a partition with work.
const PULL_WAIT: Duration = Duration::from_millis(10);
/// The longest wait for the answer to a request (the server's own answer
/// comes after [`PULL_WAIT`]). nats-server 2.9 may answer late, or not at
/// all, when a request expires: the partition is then asked again, and an
/// answer that comes after its request was given up on is taken before
/// the next request is sent (see [`Partition::late_message`]).
const ANSWER_WAIT: Duration = Duration::from_millis(250);
/// The longest a claim waits for the answer to a request: a server slow to
/// say that a partition is empty (nats-server 2.9 may answer an expired
/// request late) keeps no claim from the partitions with work; a message
/// that comes later takes a claim again before it is worked on.
const CLAIM_HOLD: Duration = Duration::from_millis(100);
/// Partitions claimed at once per slot (request or extraction at once).
const CLAIMS_PER_SLOT: usize = 2;
/// Messages of one partition worked on in a row under one claim (each
/// acked with a request for the next) before the claim goes back, when
/// another partition waits for one, so that the claims go round the
/// partitions with work.
const RUN_LENGTH: u32 = 16;
/// The first pause before an empty partition is asked again.
const IDLE_MIN: Duration = Duration::from_millis(20);
/// The longest pause before an empty partition is asked again: a worker
/// asks each idle partition every 2 s, so hundreds of partitions cost the
/// server little while the frontier is empty, and new URLs wait 2 s at most.
const IDLE_MAX: Duration = Duration::from_secs(2);

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
    pub sites: Vec<crate::crawl::sites::SiteConfig>,
    /// How long a message being worked on may finish after `stop`.
    pub grace: Duration,
    /// Ask what the fleet remembers of each URL (see
    /// [`pages`](super::pages)) before fetching it: conditional requests,
    /// `unchanged` articles and revisions, as `pith run` with its state.
    pub remember: bool,
    /// Send each URL's WARC records (request and response of every
    /// exchange) with its record, for the sink's WARC file. The fetcher
    /// must keep the exchanges (`FetchSettings::archive`).
    pub archive: bool,
    /// Stop once no message came for this long and the frontier is empty
    /// (nothing pending, nothing in flight).
    pub idle_exit: Option<Duration>,
}

/// What every partition loop shares.
struct Ctx {
    fleet: Arc<Fleet>,
    processor: Processor,
    /// What the fleet remembers of each URL, when asked.
    pages: Option<Arc<super::pages::Pages>>,
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
    let pages = match settings.remember {
        true => Some(Arc::new(super::pages::Pages::open(&fleet).await?)),
        false => None,
    };
    let ctx = Arc::new(Ctx {
        pages,
        fleet: fleet.clone(),
        processor: Processor {
            fetcher,
            extract: Arc::new(settings.extract),
            state: None,
            refresh: false,
            warc: settings.archive.then(WarcEncoder::default),
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
    // One subscription for the answers to every request of this worker,
    // routed by partition: no subscription per request.
    let inbox = fleet.client().new_inbox();
    let answers = fleet
        .client()
        .subscribe(format!("{inbox}.*"))
        .await
        .map_err(js_err("subscribe to the worker's inbox"))?;
    let mut loops = JoinSet::new();
    let mut routes = Vec::new();
    for (p, consumer) in fleet.partition_consumers().await?.into_iter().enumerate() {
        let (to, answers) = mpsc::unbounded_channel();
        routes.push(to);
        let part = Partition {
            next_subject: format!(
                "$JS.API.CONSUMER.MSG.NEXT.{}.{}",
                fleet.frontier_stream(),
                consumer.cached_info().name
            ),
            reply: format!("{inbox}.{p}"),
            answers,
        };
        loops.spawn(serve(ctx.clone(), part, claims.clone(), halt.clone()));
    }
    let router = tokio::spawn(route(answers, routes));
    let advisories = tokio::spawn(super::exhausted::serve(
        fleet.clone(),
        ctx.counts.clone(),
        halt.clone(),
    ));
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
    router.abort();
    let _ = advisories.await;
    Ok(())
}

/// A request for one message, waiting [`PULL_WAIT`] at most.
fn pull_request() -> String {
    let nanos = PULL_WAIT.as_nanos();
    format!("{{\"batch\":1,\"expires\":{nanos}}}")
}

/// Route the answers to the worker's requests (subject `<inbox>.<p>`) to
/// the loop of partition `p`, until the subscription ends.
async fn route(
    mut answers: async_nats::Subscriber,
    loops: Vec<mpsc::UnboundedSender<async_nats::Message>>,
) {
    while let Some(m) = answers.next().await {
        let p = m
            .subject
            .rsplit('.')
            .next()
            .and_then(|t| t.parse::<usize>().ok());
        if let Some(to) = p.and_then(|p| loops.get(p)) {
            let _ = to.send(m);
        }
    }
}

/// One partition's way to the server: where its requests go, where their
/// answers come.
struct Partition {
    /// `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`.
    next_subject: String,
    /// This worker's inbox for the partition's answers.
    reply: String,
    answers: mpsc::UnboundedReceiver<async_nats::Message>,
}

impl Partition {
    /// The next answer: a message, or `None` for a status (no message: the
    /// partition is empty, or its message is out) or no answer in time.
    async fn answer(&mut self, ctx: &Ctx) -> Option<jetstream::Message> {
        loop {
            let m = match tokio::time::timeout(ANSWER_WAIT, self.answers.recv()).await {
                Ok(Some(m)) => m,
                Ok(None) | Err(_) => return None,
            };
            let status = m.status.unwrap_or(async_nats::StatusCode::OK);
            if status != async_nats::StatusCode::OK {
                return None;
            }
            if let Some(msg) = stream_message(ctx, m) {
                return Some(msg);
            }
        }
    }

    /// A message that came after its request was given up on, if one did
    /// (the statuses that came late are of no more use).
    fn late_message(&mut self, ctx: &Ctx) -> Option<jetstream::Message> {
        while let Ok(m) = self.answers.try_recv() {
            if m.status.is_none_or(|s| s == async_nats::StatusCode::OK) {
                if let Some(msg) = stream_message(ctx, m) {
                    return Some(msg);
                }
            }
        }
        None
    }
}

/// `m` as a message of the stream (one the server wants acked), else
/// `None`.
fn stream_message(ctx: &Ctx, m: async_nats::Message) -> Option<jetstream::Message> {
    m.reply.is_some().then(|| jetstream::Message {
        message: m,
        context: ctx.fleet.js().clone(),
    })
}

/// One partition's loop, until halted: take a claim, ask the partition for
/// its next message (waiting [`PULL_WAIT`] at most: an empty partition, or
/// one whose message another worker holds, gives none), work on it, then
/// ack it and ask for the next in one message (`+NXT`) (an answer that
/// takes longer than [`CLAIM_HOLD`] is waited for without the claim), up to
/// [`RUN_LENGTH`] in a row while other partitions wait for a claim (for
/// as long as the partition gives messages while none waits), and give
/// the claim back. The answer to a `+NXT`
/// confirms its ack: the server takes the ack before it looks for the next
/// message. A partition that gave nothing is asked again after a pause,
/// doubled up to [`IDLE_MAX`] while it stays empty, without a claim: claims
/// go to the partitions with work.
async fn serve(
    ctx: Arc<Ctx>,
    mut part: Partition,
    claims: Arc<Semaphore>,
    mut halt: watch::Receiver<bool>,
) {
    let client = ctx.fleet.client().clone();
    let mut pause = IDLE_MIN;
    loop {
        if *halt.borrow() {
            break;
        }
        let mut claim = Some(tokio::select! {
            _ = halt.changed() => continue,
            c = claims.clone().acquire_owned() => c.expect("semaphore is never closed"),
        });
        let mut got = false;
        let late = part.late_message(&ctx);
        let mut answer = match late {
            Some(msg) => Some(msg),
            None => match client
                .publish_with_reply(
                    part.next_subject.clone(),
                    part.reply.clone(),
                    pull_request().into(),
                )
                .await
            {
                Ok(()) => claimed_answer(&mut part, &ctx, &mut claim, &claims).await,
                Err(e) => {
                    tracing::warn!("cannot pull from the frontier: {e}");
                    None
                }
            },
        };
        let mut run = 0;
        while let Some(msg) = answer.take() {
            got = true;
            run += 1;
            if *halt.borrow() {
                hand_back(&ctx, &msg).await;
                break;
            }
            *ctx.last_message.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
            let ready = handle(&ctx, &msg, &mut halt).await;
            *ctx.last_message.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
            if !ready {
                break;
            }
            let Some(ack_subject) = msg.reply.clone() else {
                break;
            };
            // A run goes on while no other partition waits for a claim.
            if run >= RUN_LENGTH && claims.available_permits() > 0 {
                run = 0;
            }
            if run >= RUN_LENGTH || *halt.borrow() {
                if let Err(e) = msg.double_ack().await {
                    // The lease ran out: the URL comes again, its record is
                    // a duplicate the server or the sink drops.
                    tracing::warn!("cannot ack: {e}");
                }
                break;
            }
            let next = format!("+NXT {}", pull_request());
            if let Err(e) = client
                .publish_with_reply(ack_subject, part.reply.clone(), next.into())
                .await
            {
                tracing::warn!("cannot ack: {e}");
                break;
            }
            answer = claimed_answer(&mut part, &ctx, &mut claim, &claims).await;
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
    // A message that came after its request was given up on is handed
    // back rather than left to its lease.
    while let Some(msg) = part.late_message(&ctx) {
        hand_back(&ctx, &msg).await;
    }
}

/// The answer to the partition's request, `claim` held for [`CLAIM_HOLD`]
/// at most while it comes; a message that comes after has a claim again.
async fn claimed_answer(
    part: &mut Partition,
    ctx: &Ctx,
    claim: &mut Option<tokio::sync::OwnedSemaphorePermit>,
    claims: &Arc<Semaphore>,
) -> Option<jetstream::Message> {
    let wait = part.answer(ctx);
    tokio::pin!(wait);
    if let Ok(answer) = tokio::time::timeout(CLAIM_HOLD, &mut wait).await {
        return answer;
    }
    *claim = None;
    let msg = wait.await?;
    *claim = Some(
        claims
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore is never closed"),
    );
    Some(msg)
}

/// Give `msg` back to the server for another worker (a stop).
async fn hand_back(ctx: &Ctx, msg: &jetstream::Message) {
    let _ = msg.ack_with(AckKind::Nak(None)).await;
    ctx.counts.handed_back.fetch_add(1, Ordering::Relaxed);
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
/// host's delay waited. Returns whether it is to be acked now (else it was
/// handed back or dropped).
async fn handle(ctx: &Ctx, msg: &jetstream::Message, halt: &mut watch::Receiver<bool>) -> bool {
    let ack_wait = ctx.fleet.settings().ack_wait;
    let mut delivered = 1;
    if let Ok(info) = msg.info() {
        delivered = info.delivered;
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
            return false;
        }
    };
    let max_deliver = ctx.fleet.settings().max_deliver;
    if max_deliver >= 2 && delivered >= max_deliver {
        // The last delivery the server makes: every earlier one ended
        // unfinished (its worker died, or stopped and handed it back). The
        // URL gets an error record rather than none.
        let record = crate::io::output::Record::failed(
            task.source.clone(),
            Some(task.url.clone()),
            DELIVERY_LIMIT,
            format!(
                "delivered {delivered} times (nats.max_deliver) without a worker finishing it; not fetched again"
            ),
        );
        tracing::warn!(url = %task.url, delivered, "the last delivery: an error record instead of a fetch");
        let outcome = PageOutcome {
            record: Some(record),
            warc: Vec::new(),
        };
        return publish_counted(ctx, msg, &task, outcome).await;
    }
    let work = {
        let fleet = ctx.fleet.clone();
        let processor = ctx.processor.clone();
        let counts = ctx.counts.clone();
        let pages = ctx.pages.clone();
        let task = task.clone();
        async move {
            let line = Line {
                source: task.source.clone(),
                text: task.url.clone(),
                depth: task.depth,
                error: None,
            };
            let memory = match &pages {
                Some(pages) => {
                    let url = url_of_line(&task.url).unwrap_or_default();
                    Some(pages.get(&url).await.unwrap_or_else(|e| {
                        tracing::warn!(%url, "{e}: fetched as a new page");
                        None
                    }))
                }
                None => None,
            };
            match processor.process_remembered(line, memory).await {
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
        let work = with_progress(msg, ack_wait, work);
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
        hand_back(ctx, msg).await;
        return false;
    };
    let done_at = Instant::now();
    // A feed or sitemap has no record, but its WARC records travel.
    if (outcome.record.is_some() || !outcome.warc.is_empty())
        && !publish_counted(ctx, msg, &task, outcome).await
    {
        return false;
    }
    // The partition stays ours for the host's delay (or Crawl-delay), so
    // the next request to the host, by any worker, starts after it.
    let gap = ctx.processor.fetcher.host_gap(&task.url);
    if !gap.is_zero() {
        with_progress(msg, ack_wait, tokio::time::sleep_until(done_at + gap)).await;
    }
    true
}

/// Publish the outcome of `task` under progress acks on `msg`, and count
/// its record; `false` when it could not be (`msg` is then handed back).
async fn publish_counted(
    ctx: &Ctx,
    msg: &jetstream::Message,
    task: &Task,
    outcome: PageOutcome,
) -> bool {
    // `None`: WARC records alone (a feed or sitemap), nothing to count.
    let counted = outcome
        .record
        .as_ref()
        .map(|r| r.error.as_ref().map(|e| e.kind.clone()));
    let ack_wait = ctx.fleet.settings().ack_wait;
    let info_id = ctx.processor.warc.as_ref().map(|w| w.info_id());
    let published = publish_archived(&ctx.fleet, task, outcome, info_id);
    if let Err(e) = with_progress(msg, ack_wait, published).await {
        tracing::warn!(url = %task.url, "{e}: handed back");
        let _ = msg
            .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
            .await;
        return false;
    }
    let Some(kind) = counted else {
        return true;
    };
    ctx.counts.done.fetch_add(1, Ordering::Relaxed);
    if let Some(kind) = kind {
        *ctx.counts
            .failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(kind)
            .or_default() += 1;
    }
    true
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
