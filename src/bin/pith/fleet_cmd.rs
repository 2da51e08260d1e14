//! The fleet commands on NATS JetStream: `pith enqueue` (lists onto the
//! frontier), `pith worker` (fetch, extract, publish), `pith sink` (the one
//! writer) and `pith status`. The flags over `[nats]`, `[fetch]`,
//! `[extract]` and `[output]` make the library's settings; the library does
//! the work (`pith::crawl::fleet`).
//!
//! A worker or sink stops on SIGINT / SIGTERM: nothing new is claimed, a
//! URL being worked on gets a grace period and is handed back after it, and
//! the exit code is 130 / 143.

use crate::args::{EnqueueArgs, NatsFlags, SinkArgs, StatusArgs, WorkerArgs};
use crate::run_cmd::{
    apply_fetch_flags, default_state_path, listen_for_signals, lists, read_lists,
};
use crate::{EXIT_OK, format_setting, open_sink, path_setting};
use anyhow::{Context, Result};
use pith::config::Config;
use pith::crawl::fleet::{self, Fleet};
use pith::crawl::{Fetcher, StateStore};
use pith::io::output::{Format, RunLock, Sink};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Longest wait for a URL being worked on after a signal.
const MAX_GRACE: Duration = Duration::from_secs(10);
/// How often a worker or sink logs its counts.
const LOG_EVERY: Duration = Duration::from_secs(10);

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn connect(flags: &NatsFlags, config: &Config) -> Result<Fleet> {
    let settings = config
        .nats
        .settings(flags.nats.as_deref())
        .map_err(anyhow::Error::msg)?;
    Ok(Fleet::connect(settings).await?)
}

/// The first signal turns `stop` true; its exit code is read from `signals`.
fn stop_on_signal() -> Result<(
    watch::Receiver<bool>,
    watch::Receiver<crate::run_cmd::Interrupt>,
)> {
    let signals = listen_for_signals()?;
    let (tx, rx) = watch::channel(false);
    let mut s = signals.clone();
    tokio::spawn(async move {
        while s.changed().await.is_ok() {
            if s.borrow().code.is_some() {
                tx.send_replace(true);
                return;
            }
        }
    });
    Ok((rx, signals))
}

/// `pith enqueue`.
pub fn enqueue(a: EnqueueArgs, config: Config) -> Result<i32> {
    let lists = lists(&a.lists, &a.urls, &config)?;
    runtime()?.block_on(async {
        let fleet = connect(&a.nats, &config).await?;
        let (tx, rx) = mpsc::channel(1024);
        let reader = std::thread::spawn(move || read_lists(lists, tx));
        let report = fleet::frontier::enqueue(&fleet, rx, a.epoch).await?;
        let _ = reader.join();
        tracing::info!(
            queued = report.queued,
            seen = report.seen,
            unreadable = report.unreadable,
            epoch = a.epoch,
            "enqueued"
        );
        eprintln!(
            "queued {} URLs ({} already queued in epoch {}, {} unreadable lines)",
            report.queued, report.seen, a.epoch, report.unreadable
        );
        Ok(EXIT_OK)
    })
}

/// `pith worker`.
pub fn worker(a: WorkerArgs, mut config: Config) -> Result<i32> {
    apply_fetch_flags(&a.fetch, &mut config.fetch)?;
    let extract = a.extraction.options(&config.extract)?;
    config.extract.validate()?;
    let mut fetch = config.fetch.settings();
    // The sink writes the WARC file; a worker sends it the exchanges.
    let archive = a.archive || !config.output.warc.trim().is_empty();
    fetch.archive = archive;
    let grace = fetch.timeout.min(MAX_GRACE);
    let rt = runtime()?;
    let code = rt.block_on(async {
        let fleet = Arc::new(connect(&a.nats, &config).await?);
        let robots = fleet::robots::RobotsBucket::open(&fleet).await?;
        let fetcher = Fetcher::new(fetch)
            .context("cannot build the HTTP client")?
            .with_shared_robots(Arc::new(robots));
        let fetcher = Arc::new(fetcher);
        let (stop, signals) = stop_on_signal()?;
        let counts = Arc::new(fleet::publish::WorkerCounts::default());
        let settings = fleet::worker::WorkerSettings {
            concurrency: config.fetch.concurrency,
            extract,
            memory: usize::try_from(config.extract.memory_mb << 20).unwrap_or(usize::MAX),
            sites: config.site.clone(),
            grace,
            archive,
            remember: config.state.enabled,
            idle_exit: a.idle_exit.map(Duration::from_secs),
        };
        let logger = {
            let counts = counts.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(LOG_EVERY);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    tracing::info!("worker: {}", counts.summary());
                }
            })
        };
        tracing::info!(nats = %fleet::redact(&fleet.settings().url), "worker started");
        fleet::worker::work(fleet, fetcher, settings, counts.clone(), stop).await?;
        logger.abort();
        tracing::info!("worker: {}", counts.summary());
        let code = signals.borrow().code.unwrap_or(EXIT_OK);
        anyhow::Ok(code)
    })?;
    rt.shutdown_background();
    Ok(code)
}

/// `pith sink`.
pub fn sink(a: SinkArgs, config: Config) -> Result<i32> {
    let format = format_setting(a.format.as_deref(), &config)?;
    let Some(path) = path_setting(a.output.as_ref(), &config.output.path) else {
        anyhow::bail!("pith sink needs an output: --output PATH or [output] path");
    };
    let is_dir = path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/');
    if is_dir {
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot make output directory {}", path.display()))?;
    }
    let state_path = path_setting(a.state.as_ref(), &config.state.path)
        .unwrap_or_else(|| default_state_path(&path));
    // The state's lock covers the repair below; the output's own lock is
    // taken when it is opened.
    let _lock = RunLock::acquire(&RunLock::path_for(&state_path))
        .with_context(|| format!("cannot open state file {}", state_path.display()))?;
    let store = StateStore::open(&state_path)
        .with_context(|| format!("cannot open state file {}", state_path.display()))?;
    if !is_dir {
        fleet::sink::recover(&store, &path).context("cannot repair the output")?;
    }
    if let Some(p) = &a.failures {
        fleet::sink::recover(&store, p).context("cannot repair the failures file")?;
    }
    let warc_path = path_setting(a.warc.as_ref(), &config.output.warc);
    let mut warc = match &warc_path {
        Some(p) => {
            // A WARC file the ledger does not know yet (one of `pith run`)
            // is cut back to its last whole record, as `pith run` does;
            // one it knows is cut back to its last commit.
            let known = store
                .fleet_committed_len(&p.to_string_lossy())
                .context("cannot read the state store")?
                .is_some();
            if !known {
                pith::io::warc::write::repair_torn_tail(p)
                    .with_context(|| format!("cannot repair WARC file {}", p.display()))?;
            }
            fleet::sink::recover(&store, p).context("cannot repair the WARC file")?;
            Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .with_context(|| format!("cannot open WARC file {}", p.display()))?,
            )
        }
        None => None,
    };
    let metadata = !(a.no_metadata || config.output.no_metadata);
    let mut out = open_sink(Some(&path), format, metadata)?;
    let mut failures = match &a.failures {
        Some(p) => Some(
            Sink::open(p, Format::Jsonl)
                .with_context(|| format!("cannot open failures file {}", p.display()))?,
        ),
        None => None,
    };
    let file = (!is_dir).then(|| path.clone());
    let rt = runtime()?;
    let code = rt.block_on(async {
        let fleet = connect(&a.nats, &config).await?;
        let (stop, signals) = stop_on_signal()?;
        let counts = fleet::sink::SinkCounts::default();
        let settings = fleet::sink::SinkSettings {
            idle_exit: a.idle_exit.map(Duration::from_secs),
            remember: config.state.enabled,
            emit_unchanged: a.emit_unchanged || config.state.emit_unchanged,
        };
        tracing::info!(nats = %fleet::redact(&fleet.settings().url), output = %path.display(), "sink started");
        let outputs = fleet::sink::Outputs {
            out: &mut out,
            file,
            failures: failures.as_mut().zip(a.failures.clone()),
            warc: warc.as_mut().zip(warc_path.clone()),
        };
        let drained = fleet::sink::drain(&fleet, outputs, &store, &settings, &counts, stop);
        let logged = async {
            let mut tick = tokio::time::interval(LOG_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                tracing::info!(
                    written = counts.written.load(Ordering::Relaxed),
                    duplicates = counts.duplicates.load(Ordering::Relaxed),
                    repeats = counts.repeats.load(Ordering::Relaxed),
                    unchanged = counts.unchanged.load(Ordering::Relaxed),
                    archived = counts.archived.load(Ordering::Relaxed),
                    "sink"
                );
            }
        };
        tokio::select! {
            r = drained => r?,
            _ = logged => {}
        }
        tracing::info!(
            written = counts.written.load(Ordering::Relaxed),
            duplicates = counts.duplicates.load(Ordering::Relaxed),
            repeats = counts.repeats.load(Ordering::Relaxed),
                    unchanged = counts.unchanged.load(Ordering::Relaxed),
            archived = counts.archived.load(Ordering::Relaxed),
            "sink stopped"
        );
        let code = signals.borrow().code.unwrap_or(EXIT_OK);
        anyhow::Ok(code)
    })?;
    out.finish().context("cannot write output")?;
    if let Some(f) = failures.as_mut() {
        f.finish().context("cannot write the failures file")?;
    }
    rt.shutdown_background();
    Ok(code)
}

/// `pith status`.
pub fn status(a: StatusArgs, config: Config) -> Result<i32> {
    runtime()?.block_on(async {
        let fleet = connect(&a.nats, &config).await?;
        let s = fleet::status::status(&fleet).await?;
        println!("partition  pending  in_flight  redelivered  waiting");
        let mut total = fleet::status::PartitionStatus::default();
        for p in &s.partitions {
            println!(
                "{:>9}  {:>7}  {:>9}  {:>11}  {:>7}",
                p.partition, p.pending, p.in_flight, p.redelivered, p.waiting
            );
            total.pending += p.pending;
            total.in_flight += p.in_flight;
            total.redelivered += p.redelivered;
            total.waiting += p.waiting;
        }
        println!(
            "{:>9}  {:>7}  {:>9}  {:>11}  {:>7}",
            "total", total.pending, total.in_flight, total.redelivered, total.waiting
        );
        println!(
            "results: {} waiting for the sink, {} in flight",
            s.results_pending, s.results_in_flight
        );
        if s.exhausted > 0 {
            println!(
                "out of deliveries: {} URLs whose delivery_limit record is still to come",
                s.exhausted
            );
        }
        Ok(EXIT_OK)
    })
}
