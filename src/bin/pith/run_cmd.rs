//! `pith run`: URL lists in, one record per URL out.
//!
//! The lists are read line by line on a thread of their own and handed to the
//! library's pipeline through a bounded channel, so a list of any length
//! streams. One writer (this function's loop) owns the output: each record is
//! written whole and flushed. Ctrl-C or SIGTERM stops taking new URLs, lets
//! what is in flight finish for a grace period, flushes and exits 130 / 143.

use crate::args::RunArgs;
use crate::{EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM, EXIT_SOME_FAILED};
use anyhow::{Context, Result, bail};
use pith::ExtractOptions;
use pith::config::Config;
use pith::crawl::Fetcher;
use pith::crawl::Schedule;
use pith::crawl::Shard;
use pith::crawl::StateStore;
use pith::crawl::{self as pipeline, Line};
use pith::io::output::{Format, Sink};
use pith::io::warc::write::WarcWriter;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// URL lines buffered between the list reader and the fetchers.
const LINE_BUFFER: usize = 1024;
/// Records buffered between the fetchers and the writer.
const RECORD_BUFFER: usize = 256;
/// How often a progress line is logged when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);
/// Longest wait for in-flight requests after an interrupt.
const MAX_GRACE: Duration = Duration::from_secs(10);

#[derive(Clone)]
enum ListSource {
    File(String),
    Stdin,
}

pub fn run(a: RunArgs, mut config: Config, quiet: bool) -> Result<i32> {
    let f = &mut config.fetch;
    if let Some(v) = a.concurrency {
        f.concurrency = v;
    }
    if let Some(v) = a.per_host_concurrency {
        f.per_host_concurrency = v;
    }
    if let Some(v) = a.per_host_delay_ms {
        f.per_host_delay_ms = v;
    }
    if let Some(v) = a.timeout_secs {
        f.timeout_secs = v;
    }
    if let Some(v) = a.retries {
        f.retries = v;
    }
    if let Some(v) = a.max_body_bytes {
        f.max_body_bytes = v;
    }
    if let Some(v) = &a.user_agent {
        f.user_agent = v.clone();
    }
    if a.no_robots {
        f.respect_robots = false;
    }
    if a.allow_private_networks {
        f.allow_private_networks = true;
    }
    if f.concurrency == 0 {
        bail!("fetch.concurrency must be at least 1");
    }
    let format = match &a.format {
        Some(s) => s.parse::<Format>().map_err(anyhow::Error::msg)?,
        None => config.output.format,
    };
    let lists: Vec<String> = if a.lists.is_empty() {
        config.input.lists.clone()
    } else {
        a.lists.clone()
    };
    let urls: Vec<String> = if a.lists.is_empty() {
        config.input.urls.clone()
    } else {
        Vec::new()
    };
    if lists.is_empty() && urls.is_empty() {
        bail!(
            "no URL list: name list files or '-' for stdin, or set [input] lists/urls in config.toml"
        );
    }
    let mut sources = Vec::new();
    for l in &lists {
        if l == "-" {
            sources.push(ListSource::Stdin);
        } else {
            std::fs::metadata(l).with_context(|| format!("cannot read URL list {l}"))?;
            sources.push(ListSource::File(l.clone()));
        }
    }
    let out_path = a
        .output
        .clone()
        .or_else(|| (!config.output.path.is_empty()).then(|| config.output.path.clone().into()));
    let sink = match &out_path {
        Some(p) => {
            Sink::open(p, format).with_context(|| format!("cannot open output {}", p.display()))?
        }
        None => Sink::Stream(Box::new(std::io::stdout())),
    };
    let extract = a.extraction.options(&config.extract);
    let warc_path = a
        .warc
        .clone()
        .or_else(|| (!config.output.warc.is_empty()).then(|| config.output.warc.clone().into()));
    let warc = match &warc_path {
        Some(p) => Some(
            WarcWriter::append(p)
                .with_context(|| format!("cannot open WARC file {}", p.display()))?,
        ),
        None => None,
    };
    let writers = Writers { sink, warc };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let schedule = match &a.every {
        Some(every) => Schedule::from_settings(every, "")?,
        None => Schedule::from_settings(&config.schedule.every, &config.schedule.cron)?,
    };
    if schedule.is_some() && sources.iter().any(|s| matches!(s, ListSource::Stdin)) {
        bail!("a list read from stdin cannot be repeated: name a file for --every or [schedule]");
    }
    let shard = match a
        .shard
        .as_deref()
        .or(Some(config.input.shard.as_str()).filter(|s| !s.is_empty()))
    {
        Some(s) => Some(s.parse::<Shard>().map_err(anyhow::Error::msg)?),
        None => None,
    };
    // The state file: named, or by default beside the output (see
    // `default_state_path`). A named file that cannot be opened is an error;
    // a default one is skipped with a warning.
    let named_state = a
        .state
        .clone()
        .or_else(|| (!config.state.path.is_empty()).then(|| config.state.path.clone().into()));
    let state = if a.no_state || !config.state.enabled {
        None
    } else if let Some(p) = &named_state {
        Some(Arc::new(StateStore::open(p).with_context(|| {
            format!("cannot open state file {}", p.display())
        })?))
    } else {
        let p = default_state_path(out_path.as_deref());
        match StateStore::open(&p) {
            Ok(s) => {
                tracing::debug!(path = %p.display(), "state file");
                Some(Arc::new(s))
            }
            Err(e) => {
                tracing::warn!(path = %p.display(), "nothing is remembered between runs: {e}");
                None
            }
        }
    };
    let emit_unchanged = a.emit_unchanged || config.state.emit_unchanged;
    // A crash can leave records whose state was never committed: read them back.
    if let (Some(state), Some(p)) = (&state, &out_path) {
        let written = if p.is_dir() {
            p.join(pith::io::output::INDEX_FILE)
        } else {
            p.clone()
        };
        if written.is_file() {
            let n = state
                .reconcile(&written)
                .context("cannot reconcile the state with the output")?;
            if n > 0 {
                tracing::warn!(
                    records = n,
                    "state caught up with records written before a crash"
                );
            }
        }
    }
    runtime.block_on(drive(
        config,
        sources,
        urls,
        writers,
        format,
        extract,
        quiet,
        schedule,
        shard,
        state,
        emit_unchanged,
    ))
}

/// Where a run writes: the records, and the WARC file when asked for.
struct Writers {
    sink: Sink,
    warc: Option<WarcWriter<std::fs::File>>,
}

/// Where the state lives when no path is named: beside a file output
/// (`records.jsonl.state.sqlite`), inside a directory output
/// (`.pith-state.sqlite`), and for standard output `pith-state.sqlite` in
/// the working directory.
fn default_state_path(out: Option<&std::path::Path>) -> std::path::PathBuf {
    match out {
        Some(dir) if dir.is_dir() => dir.join(".pith-state.sqlite"),
        Some(file) => {
            let mut name = file.as_os_str().to_owned();
            name.push(".state.sqlite");
            name.into()
        }
        None => "pith-state.sqlite".into(),
    }
}

struct RoundPlan {
    sources: Vec<ListSource>,
    urls: Vec<String>,
    shard: Option<Shard>,
    state: Option<Arc<StateStore>>,
    emit_unchanged: bool,
}

#[allow(clippy::too_many_arguments)]
async fn drive(
    config: Config,
    sources: Vec<ListSource>,
    urls: Vec<String>,
    mut writers: Writers,
    format: Format,
    extract: ExtractOptions,
    quiet: bool,
    schedule: Option<Schedule>,
    shard: Option<Shard>,
    state: Option<Arc<StateStore>>,
    emit_unchanged: bool,
) -> Result<i32> {
    let mut settings = config.fetch.settings();
    settings.archive = writers.warc.is_some();
    let grace = settings.timeout.min(MAX_GRACE);
    // One fetcher for every round: robots.txt verdicts and politeness carry over.
    let fetcher = Arc::new(Fetcher::new(settings).context("cannot build the HTTP client")?);
    let signals = listen_for_signals()?;
    let plan = RoundPlan {
        sources,
        urls,
        shard,
        state,
        emit_unchanged,
    };
    let mut round = 0u64;
    loop {
        round += 1;
        let started = Instant::now();
        if schedule.is_some() {
            tracing::info!(round, "round starts");
        }
        let failed = run_round(
            &plan,
            &fetcher,
            &config,
            &extract,
            grace,
            &mut writers,
            format,
            quiet,
            signals.clone(),
        )
        .await?;
        if let Some(code) = *signals.borrow() {
            return Ok(code);
        }
        let Some(schedule) = &schedule else {
            return Ok(if failed == 0 {
                EXIT_OK
            } else {
                EXIT_SOME_FAILED
            });
        };
        let wait = schedule.wait(started.elapsed(), chrono::Utc::now());
        let mut sig = signals.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = sig.changed() => {}
        }
        if let Some(code) = *signals.borrow() {
            return Ok(code);
        }
    }
}

/// A watch that turns to the exit code on Ctrl-C (130) or SIGTERM (143).
fn listen_for_signals() -> Result<watch::Receiver<Option<i32>>> {
    let (tx, rx) = watch::channel(None);
    #[cfg(unix)]
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::spawn(async move {
        #[cfg(unix)]
        let term = sigterm.recv();
        #[cfg(not(unix))]
        let term = std::future::pending::<Option<()>>();
        let code = tokio::select! {
            _ = tokio::signal::ctrl_c() => EXIT_SIGINT,
            _ = term => EXIT_SIGTERM,
        };
        let _ = tx.send(Some(code));
        // Keep the sender: a closed channel would wake every waiter at once, forever.
        std::future::pending::<()>().await;
    });
    Ok(rx)
}

/// One pass over the lists; returns the number of failed records.
#[allow(clippy::too_many_arguments)]
async fn run_round(
    plan: &RoundPlan,
    fetcher: &Arc<Fetcher>,
    config: &Config,
    extract: &ExtractOptions,
    grace: Duration,
    writers: &mut Writers,
    format: Format,
    quiet: bool,
    mut signals: watch::Receiver<Option<i32>>,
) -> Result<usize> {
    let (line_tx, line_rx) = mpsc::channel::<Line>(LINE_BUFFER);
    let (sources, urls, shard) = (plan.sources.clone(), plan.urls.clone(), plan.shard);
    std::thread::spawn(move || read_lists(sources, urls, shard, line_tx));
    let (rec_tx, mut rec_rx) = mpsc::channel(RECORD_BUFFER);
    let (stop_tx, stop_rx) = watch::channel(signals.borrow().is_some());
    let settings = pipeline::RunSettings {
        concurrency: config.fetch.concurrency,
        extract: extract.clone(),
        grace,
        state: plan.state.clone(),
        warc: writers.warc.as_ref().map(WarcWriter::encoder),
    };
    let engine = tokio::spawn(pipeline::run(
        line_rx,
        fetcher.clone(),
        settings,
        rec_tx,
        stop_rx,
    ));
    let mut progress = Progress::new(quiet);
    let mut written = pipeline::Written::new(plan.state.is_some());
    loop {
        tokio::select! {
            outcome = rec_rx.recv() => match outcome {
                Some(outcome) => {
                    // The exchanges reach the WARC file before the record
                    // and the state: a crash may repeat them, never lose them.
                    if let (Some(warc), false) = (writers.warc.as_mut(), outcome.warc.is_empty()) {
                        warc.append_records(&outcome.warc).context("cannot write the WARC file")?;
                    }
                    let Some(r) = outcome.record else { continue };
                    // A URL reached twice in this run is written once; with
                    // a state file (incremental runs), so is the same article
                    // under another URL (canonical URL, content hash).
                    let unchanged = r.is_unchanged() || written.is_repeat(&r);
                    progress.count(r.error.as_ref().map(|e| e.kind.as_str()), unchanged);
                    let write = !unchanged || plan.emit_unchanged && r.is_unchanged();
                    if write {
                        let text = r.render(format);
                        writers.sink.write(&r, text.as_deref()).context("cannot write output")?;
                    }
                    // The state follows the output: a record is on disk before
                    // its URL is remembered as written.
                    if let (Some(state), Some(url)) = (&plan.state, &r.url) {
                        let f = r.fetch.clone().unwrap_or_default();
                        let written = (write && !unchanged && r.article.is_some())
                            .then_some(f.content_hash.as_deref())
                            .flatten();
                        state
                            .visit(url, f.status, f.etag.as_deref(), f.last_modified.as_deref(), written)
                            .context("cannot update the state store")?;
                    }
                }
                None => break,
            },
            changed = signals.changed() => {
                if changed.is_err() || signals.borrow().is_some() {
                    let _ = stop_tx.send(true);
                }
            }
        }
    }
    let _ = engine.await;
    Ok(progress.finish())
}

/// Stream every list, then the configured URLs, into the pipeline.
fn read_lists(
    sources: Vec<ListSource>,
    urls: Vec<String>,
    shard: Option<Shard>,
    tx: mpsc::Sender<Line>,
) {
    let keep =
        |text: &str| !pipeline::is_url_line(text) || shard.is_none_or(|s| s.owns(text.trim()));
    for s in sources {
        let (label, reader): (String, Box<dyn BufRead>) = match s {
            ListSource::Stdin => ("-".into(), Box::new(BufReader::new(std::io::stdin()))),
            ListSource::File(p) => match std::fs::File::open(&p) {
                Ok(f) => (p, Box::new(BufReader::new(f))),
                Err(e) => {
                    tracing::error!("cannot open URL list {p}: {e}");
                    continue;
                }
            },
        };
        for line in reader.lines() {
            let Ok(text) = line else {
                tracing::error!("cannot read URL list {label}");
                break;
            };
            if keep(&text)
                && tx
                    .blocking_send(Line {
                        source: label.clone(),
                        text,
                        depth: 0,
                    })
                    .is_err()
            {
                return;
            }
        }
    }
    for text in urls.into_iter().filter(|t| keep(t)) {
        if tx
            .blocking_send(Line {
                source: "config".into(),
                text,
                depth: 0,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Counts, the progress bar or periodic log lines, and the closing summary.
struct Progress {
    started: Instant,
    last_log: Instant,
    ok: usize,
    unchanged: usize,
    failed: BTreeMap<String, usize>,
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Progress {
            started: Instant::now(),
            last_log: Instant::now(),
            ok: 0,
            unchanged: 0,
            failed: BTreeMap::new(),
            bar,
            quiet,
        }
    }

    fn total_failed(&self) -> usize {
        self.failed.values().sum()
    }

    fn rate(&self) -> f64 {
        (self.ok + self.unchanged + self.total_failed()) as f64
            / self.started.elapsed().as_secs_f64().max(1e-3)
    }

    fn count(&mut self, error: Option<&str>, unchanged: bool) {
        match error {
            None if unchanged => self.unchanged += 1,
            None => self.ok += 1,
            Some(kind) => *self.failed.entry(kind.to_string()).or_default() += 1,
        }
        let line = format!(
            "{} done, {} failed, {:.1} pages/s",
            self.ok + self.unchanged + self.total_failed(),
            self.total_failed(),
            self.rate()
        );
        if let Some(b) = &self.bar {
            b.set_message(line);
        } else if !self.quiet && self.last_log.elapsed() >= LOG_EVERY {
            self.last_log = Instant::now();
            tracing::info!("{line}");
        }
    }

    /// Print the summary; returns the number of failures.
    fn finish(self) -> usize {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        let failed = self.total_failed();
        if !self.quiet {
            let kinds: Vec<String> = self
                .failed
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            eprintln!(
                "pith run: {} ok, {} unchanged or repeated, {} failed{} in {:.1} s ({:.1} pages/s)",
                self.ok,
                self.unchanged,
                failed,
                if kinds.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", kinds.join(", "))
                },
                self.started.elapsed().as_secs_f64(),
                self.rate()
            );
        }
        failed
    }
}
