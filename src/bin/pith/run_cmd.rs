//! `pith run`: URL lists in, one record per URL out (a feed or sitemap
//! stands for the pages it lists), written as the pages finish.
//!
//! The flags over the settings make a `RunPlan`: what each round reads, how
//! pages are fetched and extracted, what is written where, the state and
//! the schedule. In each round the lists are read line by line on a thread
//! of their own and handed to the library's pipeline through a bounded
//! channel, so a list of any length streams. One writer (the round's loop)
//! owns the output: each record is written whole and flushed, after its
//! exchanges reach the WARC file and before its visit reaches the state.
//! Ctrl-C or SIGTERM starts nothing new (queued URLs, discoveries, retries),
//! says how many requests are in flight, lets them finish for a grace
//! period, flushes and exits 130 / 143; a second signal ends the run at once
//! (between two records, so the output stays whole lines).

use crate::args::{FetchFlags, RunArgs};
use crate::{
    EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM, EXIT_SOME_FAILED, format_setting, open_sink, path_setting,
};
use anyhow::{Context, Result, bail};
use pith::ExtractOptions;
use pith::config::{Config, FetchConfig};
use pith::crawl::{self as pipeline, Line, PageOutcome};
use pith::crawl::{FetchSettings, Fetcher, Schedule, Shard, StateStore};
use pith::io::output::{Format, Record, RunLock, Sink};
use pith::io::warc::write::WarcWriter;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// URL lines buffered between the list reader and the fetchers.
const LINE_BUFFER: usize = 1024;
/// Records buffered between the fetchers and the writer.
const RECORD_BUFFER: usize = 256;
/// How often a progress line is logged when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);
/// Longest wait for in-flight requests after an interrupt.
const MAX_GRACE: Duration = Duration::from_secs(10);

/// Where URL lines come from.
#[derive(Clone)]
enum ListSource {
    File(String),
    Stdin,
}

/// Everything a run was asked to do, settled before it starts.
struct RunPlan {
    /// What each round reads.
    lists: Lists,
    /// How pages are fetched (`archive` is set when a WARC file is written).
    fetch: FetchSettings,
    /// URL lines in flight at once.
    concurrency: usize,
    /// How pages become articles.
    extract: ExtractOptions,
    /// Memory the extractions at once share, in bytes (`[extract] memory_mb`).
    memory: usize,
    /// `[[site]]` tables.
    sites: Vec<pith::crawl::sites::SiteConfig>,
    /// What is written, and where.
    output: Output,
    /// What earlier runs saw, when remembered.
    state: Option<State>,
    /// The next round writes every page again (the output is new).
    refresh: bool,
    /// When rounds repeat; `None` runs once.
    schedule: Option<Schedule>,
    /// No progress bar, progress lines or summary.
    quiet: bool,
    /// Records go to a terminal (standard output): no progress bar then.
    records_on_terminal: bool,
}

/// What each round reads: the lists, then the configured URLs, keeping only
/// the URLs of this shard.
#[derive(Clone)]
pub(crate) struct Lists {
    sources: Vec<ListSource>,
    urls: Vec<String>,
    /// Where `urls` come from, as records name it: `command line` or `config`.
    urls_from: &'static str,
    shard: Option<Shard>,
}

/// The state store, where it is, and its lock.
struct State {
    store: Arc<StateStore>,
    path: PathBuf,
    _lock: RunLock,
}

/// What a run writes, and where: the records, the WARC file when asked
/// for, and whether records of unchanged pages are written too.
struct Output {
    /// The `--output` path (or `[output] path`); `None` for standard output.
    path: Option<PathBuf>,
    sink: Sink,
    /// The output was missing or empty when the run started.
    fresh: bool,
    warc: Option<WarcWriter<std::fs::File>>,
    emit_unchanged: bool,
    /// `--failures FILE`: error records, as JSONL, whatever the format.
    failures: Option<Sink>,
}

/// `pith run`: settle the plan from the flags over the settings, then run
/// it on the async runtime; returns the exit code.
pub fn run(a: RunArgs, mut config: Config, quiet: bool) -> Result<i32> {
    apply_fetch_flags(&a.fetch, &mut config.fetch)?;
    let format = format_setting(a.format.as_deref(), &config)?;
    let mut lists = lists(&a.lists, &a.urls, &config)?;
    let output = open_output(&a, &config, format)?;
    let records_on_terminal = output.path.is_none() && std::io::stdout().is_terminal();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let schedule = schedule(&a, &config, &lists)?;
    lists.shard = shard(&a, &config)?;
    let state = open_state(&a, &config, output.path.as_deref())?;
    if let (Some(state), Some(path)) = (&state, &output.path) {
        catch_up(&state.store, path)?;
    }
    let refresh = match &state {
        Some(s) if output.fresh => refresh_announced(s, output.path.as_deref())?,
        _ => false,
    };
    let mut fetch = config.fetch.settings();
    fetch.archive = output.warc.is_some();
    config.extract.validate()?;
    let plan = RunPlan {
        lists,
        fetch,
        concurrency: config.fetch.concurrency,
        extract: a.extraction.options(&config.extract)?,
        memory: usize::try_from(config.extract.memory_mb << 20).unwrap_or(usize::MAX),
        sites: config.site.clone(),
        output,
        state,
        refresh,
        schedule,
        quiet,
        records_on_terminal,
    };
    let code = runtime.block_on(drive(plan));
    // After a second signal, work left on the blocking pool (an extraction)
    // is not waited for: every record written is whole already.
    runtime.shutdown_background();
    code
}

/// The fetch flags over the `[fetch]` settings.
pub(crate) fn apply_fetch_flags(a: &FetchFlags, f: &mut FetchConfig) -> Result<()> {
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
    // Flags and config.toml alike: the names say which flag sets which.
    f.validate().map_err(|e| {
        let flag = match e.name {
            "fetch.concurrency" => " (--concurrency)",
            "fetch.per_host_concurrency" => " (--per-host-concurrency)",
            "fetch.per_host_delay_ms" => " (--per-host-delay-ms)",
            "fetch.timeout_secs" => " (--timeout-secs)",
            "fetch.retries" => " (--retries)",
            "fetch.max_body_bytes" => " (--max-body-bytes)",
            _ => "",
        };
        anyhow::anyhow!("{e}{flag}")
    })?;
    Ok(())
}

/// What the command line names: URLs (arguments that are http(s) URLs,
/// or a bare `host/path` that is no file, and `-u`), list files, and `-`
/// for standard input; without any, `[input]`'s lists and URLs; without
/// those, standard input when it is a pipe or a file. A named list must
/// exist now.
pub(crate) fn lists(named: &[String], named_urls: &[String], config: &Config) -> Result<Lists> {
    let mut sources = Vec::new();
    let mut urls: Vec<String> = Vec::new();
    for arg in named {
        if arg == "-" {
            sources.push(ListSource::Stdin);
        } else if is_http_url(arg) {
            urls.push(arg.clone());
        } else if Path::new(arg).exists() {
            if Path::new(arg).is_dir() {
                bail!("cannot read URL list {arg}: it is a directory");
            }
            sources.push(ListSource::File(arg.clone()));
        } else if is_bare_url(arg) {
            urls.push(arg.clone());
        } else {
            bail!(
                "cannot read URL list {arg}: no such file (a URL starts with http:// or https://)"
            );
        }
    }
    urls.extend(named_urls.iter().cloned());
    let mut urls_from = "command line";
    if sources.is_empty() && urls.is_empty() {
        urls_from = "config";
        sources = config
            .input
            .lists
            .iter()
            .map(|l| {
                if l == "-" {
                    Ok(ListSource::Stdin)
                } else {
                    std::fs::metadata(l).with_context(|| format!("cannot read URL list {l}"))?;
                    Ok(ListSource::File(l.clone()))
                }
            })
            .collect::<Result<_>>()?;
        urls = config.input.urls.clone();
    }
    if sources.is_empty() && urls.is_empty() {
        if stdin_is_piped() {
            sources.push(ListSource::Stdin);
        } else {
            bail!(
                "no URL list: name URLs, list files or '-' for stdin, pipe a list in, \
                 or set [input] lists/urls in config.toml"
            );
        }
    }
    Ok(Lists {
        sources,
        urls,
        urls_from,
        shard: None,
    })
}

/// Whether an argument that is no file is a URL without its scheme
/// (`example.com/page`): a host with a public suffix, and a path or a
/// suffix that is not also a usual file extension (`notes.md`).
fn is_bare_url(arg: &str) -> bool {
    const FILE_LIKE: &[&str] = &["md", "txt", "csv", "tsv", "list", "lst", "json", "jsonl"];
    let arg = arg.trim();
    let is_url = pipeline::url_of_line(arg).is_some_and(|u| u == format!("https://{arg}"));
    let ext = arg.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    is_url && (arg.contains('/') || !FILE_LIKE.contains(&ext.as_str()))
}

/// Whether `s` is an `http` or `https` URL with a host.
fn is_http_url(s: &str) -> bool {
    url::Url::parse(s.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// Whether standard input is a pipe or a file (not a terminal, not
/// `/dev/null`): then it holds a list.
fn stdin_is_piped() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map(std::fs::File::from)
            .and_then(|f| f.metadata())
            .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_file())
    }
    #[cfg(not(unix))]
    {
        !std::io::stdin().is_terminal()
    }
}

/// Open what the run writes: the records (a file appended to, a directory,
/// or standard output) and the WARC file, when one is named.
fn open_output(a: &RunArgs, config: &Config, format: Format) -> Result<Output> {
    let path = path_setting(a.output.as_ref(), &config.output.path);
    let fresh = path.as_deref().is_some_and(is_empty_output);
    let metadata = !(a.no_metadata || config.output.no_metadata);
    let sink = open_sink(path.as_deref(), format, metadata)?;
    let warc = match path_setting(a.warc.as_ref(), &config.output.warc) {
        Some(p) => Some(
            WarcWriter::append(&p)
                .with_context(|| format!("cannot open WARC file {}", p.display()))?,
        ),
        None => None,
    };
    let failures = match &a.failures {
        Some(p) => Some(
            Sink::open(p, Format::Jsonl)
                .with_context(|| format!("cannot open failures file {}", p.display()))?,
        ),
        None => None,
    };
    Ok(Output {
        path,
        sink,
        fresh,
        warc,
        emit_unchanged: a.emit_unchanged || config.state.emit_unchanged,
        failures,
    })
}

/// Whether the output at `path` is missing or empty (a directory: its index).
fn is_empty_output(path: &Path) -> bool {
    let written = if path.is_dir() {
        path.join(pith::io::output::INDEX_FILE)
    } else {
        path.to_path_buf()
    };
    std::fs::metadata(written).map_or(true, |m| m.len() == 0)
}

/// The output is new or empty: when the state remembers pages written
/// before, say once that they are written again; returns whether they are.
fn refresh_announced(state: &State, out: Option<&Path>) -> Result<bool> {
    let n = state
        .store
        .written_pages()
        .context("cannot read the state store")?;
    if n > 0 {
        tracing::warn!(
            "{} is new or empty but the state {} remembers {n} pages written before: writing them again",
            out.map(|p| p.display().to_string()).unwrap_or_default(),
            state.path.display()
        );
    }
    Ok(n > 0)
}

/// When rounds repeat: `--every`, else `[schedule]`; `None` runs once. A
/// list read from standard input cannot be read again.
fn schedule(a: &RunArgs, config: &Config, lists: &Lists) -> Result<Option<Schedule>> {
    let schedule = match &a.every {
        Some(every) => Schedule::from_settings(every, "")?,
        None => Schedule::from_settings(&config.schedule.every, &config.schedule.cron)?,
    };
    if schedule.is_some() && lists.sources.iter().any(|s| matches!(s, ListSource::Stdin)) {
        bail!("a list read from stdin cannot be repeated: name a file for --every or [schedule]");
    }
    Ok(schedule)
}

/// This run's share of the lists: `--shard`, else `[input] shard`.
fn shard(a: &RunArgs, config: &Config) -> Result<Option<Shard>> {
    let setting = a
        .shard
        .as_deref()
        .or(Some(config.input.shard.as_str()).filter(|s| !s.is_empty()));
    match setting {
        Some(s) => Ok(Some(s.parse::<Shard>().map_err(anyhow::Error::msg)?)),
        None => Ok(None),
    }
}

/// The state file, locked for this run: none when disabled; a named one,
/// which must open; else the default one of an output path (see
/// [`default_state_path`]), skipped with a warning when it cannot be
/// opened; records on standard output have none by default.
fn open_state(a: &RunArgs, config: &Config, out: Option<&Path>) -> Result<Option<State>> {
    if a.no_state || !config.state.enabled {
        return Ok(None);
    }
    let (path, required) = match path_setting(a.state.as_ref(), &config.state.path) {
        Some(p) => (p, true),
        None => match out {
            Some(out) => (default_state_path(out), false),
            None => return Ok(None),
        },
    };
    let lock = RunLock::acquire(&RunLock::path_for(&path))
        .with_context(|| format!("cannot open state file {}", path.display()))?;
    match StateStore::open(&path) {
        Ok(s) => {
            tracing::debug!(path = %path.display(), "state file");
            Ok(Some(State {
                store: Arc::new(s),
                path,
                _lock: lock,
            }))
        }
        Err(e) if required => {
            Err(e).with_context(|| format!("cannot open state file {}", path.display()))
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), "nothing is remembered between runs: {e}");
            Ok(None)
        }
    }
}

/// A crash can leave records in the output whose state was never
/// committed: read them back from `out` (a file, or a directory's index).
fn catch_up(state: &StateStore, out: &Path) -> Result<()> {
    let written = if out.is_dir() {
        out.join(pith::io::output::INDEX_FILE)
    } else {
        out.to_path_buf()
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
    Ok(())
}

/// Where the state of an output lives when no path is named: beside a
/// file (`records.jsonl.state.sqlite`), inside a directory
/// (`.pith-state.sqlite`).
pub(crate) fn default_state_path(out: &Path) -> PathBuf {
    if out.is_dir() {
        out.join(".pith-state.sqlite")
    } else {
        let mut name = out.as_os_str().to_owned();
        name.push(".state.sqlite");
        name.into()
    }
}

/// What every round of a run shares: one fetcher (so robots.txt verdicts
/// and politeness carry over), the grace period after an interrupt, and the
/// watch that turns to the exit code on a signal.
struct Session {
    fetcher: Arc<Fetcher>,
    grace: Duration,
    signals: watch::Receiver<Interrupt>,
}

/// The signals received so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Interrupt {
    /// The exit code of the first signal: 130 (SIGINT) or 143 (SIGTERM).
    pub(crate) code: Option<i32>,
    /// How many signals came.
    pub(crate) times: u32,
}

impl Session {
    /// Build the fetcher and listen for signals.
    fn start(plan: &RunPlan) -> Result<Session> {
        let grace = plan.fetch.timeout.min(MAX_GRACE);
        let fetcher = Fetcher::new(plan.fetch.clone()).context("cannot build the HTTP client")?;
        Ok(Session {
            fetcher: Arc::new(fetcher),
            grace,
            signals: listen_for_signals()?,
        })
    }
}

/// Run the rounds: one, or repeated on the schedule until a signal comes.
/// Returns the exit code.
async fn drive(mut plan: RunPlan) -> Result<i32> {
    let session = Session::start(&plan)?;
    let signals = &session.signals;
    let mut round = 0u64;
    loop {
        round += 1;
        let started = Instant::now();
        if plan.schedule.is_some() {
            tracing::info!(round, "round starts");
        }
        let failed = run_round(&mut plan, &session).await?;
        plan.refresh = false;
        plan.output.sink.finish().context("cannot write output")?;
        if let Some(f) = plan.output.failures.as_mut() {
            f.finish().context("cannot write the failures file")?;
        }
        if let Some(code) = signals.borrow().code {
            return Ok(code);
        }
        session.fetcher.forget_idle_hosts();
        let Some(schedule) = &plan.schedule else {
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
        if let Some(code) = signals.borrow().code {
            return Ok(code);
        }
    }
}

/// A watch of the signals: the exit code of the first, Ctrl-C (130) or
/// SIGTERM (143), and how many came.
pub(crate) fn listen_for_signals() -> Result<watch::Receiver<Interrupt>> {
    let (tx, rx) = watch::channel(Interrupt::default());
    #[cfg(unix)]
    let (mut int, mut term) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
            signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
        )
    };
    tokio::spawn(async move {
        loop {
            #[cfg(unix)]
            let code = tokio::select! {
                _ = int.recv() => EXIT_SIGINT,
                _ = term.recv() => EXIT_SIGTERM,
            };
            #[cfg(not(unix))]
            let code = {
                let _ = tokio::signal::ctrl_c().await;
                EXIT_SIGINT
            };
            tx.send_modify(|i| {
                i.code.get_or_insert(code);
                i.times += 1;
            });
        }
    });
    Ok(rx)
}

/// One pass over the lists; returns the number of failed records. The
/// first signal stops the round: nothing new starts, what is in flight
/// gets the grace period; a second one ends it at once.
async fn run_round(plan: &mut RunPlan, session: &Session) -> Result<usize> {
    let mut signals = session.signals.clone();
    let mut engine = Engine::start(plan, session);
    let mut round = Round::new(plan);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + LOG_EVERY, LOG_EVERY);
    let mut stopping = false;
    loop {
        tokio::select! {
            outcome = engine.outcomes.recv() => match outcome {
                Some(outcome) => round.take(plan, outcome).await?,
                None => break,
            },
            changed = signals.changed() => {
                let interrupt = *signals.borrow_and_update();
                if changed.is_err() || interrupt.times >= 2 {
                    engine.handle.abort();
                    round.progress.say("aborted: requests in flight were dropped");
                    return Ok(round.progress.finish());
                }
                if interrupt.times == 1 && !stopping {
                    stopping = true;
                    let _ = engine.stop.send(true);
                    session.fetcher.stop();
                    round.progress.say(&format!(
                        "stopping: {} requests in flight, Ctrl-C again to abort",
                        session.fetcher.in_flight()
                    ));
                }
            }
            _ = tick.tick() => round.progress.tick(),
        }
    }
    let finished = engine.handle.await;
    let counted = round.progress.finish();
    match finished {
        Err(e) if e.is_panic() => {
            bail!("internal error: the crawl engine stopped unexpectedly; please report this run")
        }
        _ => Ok(counted),
    }
}

/// The library's pipeline, running one round.
struct Engine {
    /// Outcomes, as pages finish.
    outcomes: mpsc::Receiver<PageOutcome>,
    /// Turned true, no new URL is started.
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

impl Engine {
    /// Stream the lists on a thread of their own into the pipeline, spawned
    /// on the runtime.
    fn start(plan: &RunPlan, session: &Session) -> Engine {
        let (line_tx, line_rx) = mpsc::channel::<Line>(LINE_BUFFER);
        let lists = plan.lists.clone();
        std::thread::spawn(move || read_lists(lists, line_tx));
        let (outcome_tx, outcomes) = mpsc::channel(RECORD_BUFFER);
        let (stop, stop_rx) = watch::channel(session.signals.borrow().code.is_some());
        let settings = pipeline::RunSettings {
            concurrency: plan.concurrency,
            extract: plan.extract.clone(),
            grace: session.grace,
            state: plan.state.as_ref().map(|s| s.store.clone()),
            refresh: plan.refresh,
            warc: plan.output.warc.as_ref().map(WarcWriter::encoder),
            memory: plan.memory,
            sites: plan.sites.clone(),
        };
        let handle = tokio::spawn(pipeline::run(
            line_rx,
            session.fetcher.clone(),
            settings,
            outcome_tx,
            stop_rx,
        ));
        Engine {
            outcomes,
            stop,
            handle,
        }
    }
}

/// One round's bookkeeping: its counts and progress, and the articles it
/// has written.
struct Round {
    progress: Progress,
    written: pipeline::Written,
}

impl Round {
    /// Nothing counted or written yet.
    fn new(plan: &RunPlan) -> Round {
        Round {
            progress: Progress::new(
                plan.quiet,
                plan.records_on_terminal,
                total_of(&plan.lists),
                plan.state.as_ref().map(|s| s.path.clone()),
            ),
            written: pipeline::Written::new(plan.state.is_some()),
        }
    }

    /// Write one outcome: its exchanges to the WARC file, then its record
    /// (unless it repeats an article or is unchanged and not asked for),
    /// then the visit to the state. A failed URL and a repeat are logged
    /// (WARN), and an error record also goes to the failures file.
    async fn take(&mut self, plan: &mut RunPlan, outcome: PageOutcome) -> Result<()> {
        // The exchanges reach the WARC file before the record and the
        // state: a crash may repeat them, never lose them.
        if let (Some(warc), false) = (plan.output.warc.as_mut(), outcome.warc.is_empty()) {
            warc.append_records(&outcome.warc)
                .context("cannot write the WARC file")?;
        }
        let Some(r) = outcome.record else {
            return Ok(());
        };
        // A URL reached twice in this run is written once; with a state
        // file (incremental runs), so is the same article under another
        // URL (canonical URL, content hash).
        // An unchanged article is remembered too (its keys), so that the
        // same article under another URL is a repeat of it.
        let repeats = self.written.repeat_of(&r).filter(|_| !r.is_unchanged());
        let mut unchanged = r.is_unchanged() || repeats.is_some();
        let write = !unchanged || plan.output.emit_unchanged && r.is_unchanged();
        // An article whose own file cannot be written (directory output)
        // gives its error record instead, and the run goes on.
        let r = if write {
            match plan.output.write(&r)? {
                Some(failed) => {
                    unchanged = false;
                    failed
                }
                None => r,
            }
        } else {
            r
        };
        let name = r.url.as_deref().unwrap_or(&r.source);
        if let Some(e) = &r.error {
            tracing::warn!(url = name, kind = e.kind, "failed: {}", e.message);
            if let Some(f) = plan.output.failures.as_mut() {
                f.write(&r).context("cannot write the failures file")?;
            }
        } else if let Some(first) = &repeats {
            tracing::warn!(
                url = name,
                repeats = &**first,
                "skipped: repeats an article written in this run"
            );
        } else if r.is_unchanged() {
            tracing::debug!(url = name, "unchanged since an earlier run");
        } else {
            tracing::debug!(url = name, "extracted");
        }
        self.progress.count(
            r.error.as_ref().map(|e| e.kind.as_str()),
            unchanged,
            r.is_unchanged(),
        );
        // The state follows the output: a record is on disk before its URL
        // is remembered as written. SQLite blocks: it runs on the blocking
        // pool, awaited, so visits keep the order of the records.
        if let Some(state) = &plan.state {
            let store = state.store.clone();
            let new = write && !unchanged;
            let repeat = repeats.is_some();
            tokio::task::spawn_blocking(move || remember(&store, &r, new, repeat))
                .await
                .context("the state update stopped")??;
        }
        Ok(())
    }
}

impl Output {
    /// Write one record whole, rendered in the run's format, and flush;
    /// the error record written in its place, if its article's own file
    /// could not be written (see [`Sink::put`]).
    fn write(&mut self, r: &Record) -> Result<Option<Record>> {
        self.sink.put(r).context("cannot write output")
    }
}

/// Note the visit of `r`'s URL in the state (see [`StateStore::remember`]).
fn remember(state: &StateStore, r: &Record, new: bool, repeat: bool) -> Result<()> {
    state
        .remember(r, new, repeat)
        .context("cannot update the state store")
}

/// Stream every list, then the URLs named on the command line or in the
/// settings, into the pipeline, keeping only the URLs of the shard. Every
/// line is accounted for: a line that is not UTF-8, and a list that stops
/// being readable, each give an error record; a list without a URL is
/// warned about.
pub(crate) fn read_lists(lists: Lists, tx: mpsc::Sender<Line>) {
    let Lists {
        sources,
        urls,
        urls_from,
        shard,
    } = lists;
    let keep = |text: &str| match pipeline::url_of_line(text) {
        None => true,
        Some(url) => shard.is_none_or(|s| s.owns(&url)),
    };
    let send = |line: Line| tx.blocking_send(line).is_ok();
    for s in sources {
        let (label, reader): (String, Box<dyn std::io::Read + Send>) = match s {
            ListSource::Stdin => ("-".into(), Box::new(std::io::stdin())),
            ListSource::File(p) => match std::fs::File::open(&p) {
                Ok(f) => (p, Box::new(f)),
                Err(e) => {
                    let message = format!("cannot open URL list {p}: {e}");
                    if !send(Line::unreadable(p, "io", message)) {
                        return;
                    }
                    continue;
                }
            },
        };
        let mut found = 0u64;
        let mut last = 0u64;
        for line in pith::io::input::list_lines(reader) {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    let message = format!("cannot read URL list {label} after line {last}: {e}");
                    if !send(Line::unreadable(label.clone(), "io", message)) {
                        return;
                    }
                    break;
                }
            };
            last = line.number;
            let line = match line.text {
                Ok(text) => {
                    if pipeline::is_url_line(&text) {
                        found += 1;
                    }
                    if !keep(&text) {
                        continue;
                    }
                    Line::listed(label.clone(), text)
                }
                Err(e) => {
                    found += 1;
                    let list = if label == "-" { "stdin" } else { &label };
                    Line::unreadable(label.clone(), "invalid_url", format!("{list}: {e}"))
                }
            };
            if !send(line) {
                return;
            }
        }
        if found == 0 {
            tracing::warn!("URL list {label} holds no URL ({last} lines)");
        }
    }
    for text in urls.into_iter().filter(|t| keep(t)) {
        if !send(Line::listed(urls_from, text)) {
            return;
        }
    }
}

/// How many URLs the lists hold, counted on a thread of their own when
/// every list is a file (0 until known); `None` when a list is read from
/// standard input.
fn total_of(lists: &Lists) -> Option<Arc<AtomicU64>> {
    let files: Vec<String> = lists
        .sources
        .iter()
        .map(|s| match s {
            ListSource::File(p) => Some(p.clone()),
            ListSource::Stdin => None,
        })
        .collect::<Option<_>>()?;
    let total = Arc::new(AtomicU64::new(0));
    let counted = total.clone();
    let urls = lists.urls.clone();
    let shard = lists.shard;
    std::thread::spawn(move || {
        let keep = |text: &str| {
            pipeline::url_of_line(text).is_some_and(|u| shard.is_none_or(|s| s.owns(&u)))
        };
        let mut n = urls.iter().filter(|u| keep(u)).count() as u64;
        for p in files {
            let Ok(f) = std::fs::File::open(&p) else {
                continue;
            };
            for line in pith::io::input::list_lines(f) {
                match line {
                    Ok(l) => match l.text {
                        Ok(t) if keep(&t) => n += 1,
                        Ok(_) => {}
                        Err(_) => n += 1,
                    },
                    Err(_) => break,
                }
            }
        }
        counted.store(n, Ordering::Relaxed);
    });
    Some(total)
}

/// Counts, the progress bar or periodic log lines, and the closing summary.
struct Progress {
    started: Instant,
    last_log: Instant,
    ok: usize,
    unchanged: usize,
    /// Of those, pages the state says did not change.
    skipped_by_state: usize,
    /// The state file, when there is one.
    state: Option<PathBuf>,
    failed: BTreeMap<String, usize>,
    /// URLs in the lists, when they are files (0 until counted).
    total: Option<Arc<AtomicU64>>,
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

/// Rates are shown from this much run time on: before, they mean little.
const RATE_AFTER: Duration = Duration::from_secs(1);

impl Progress {
    /// Start counting; a bar when stderr is a terminal, records do not go
    /// to a terminal too, and not `quiet`.
    fn new(
        quiet: bool,
        records_on_terminal: bool,
        total: Option<Arc<AtomicU64>>,
        state: Option<PathBuf>,
    ) -> Progress {
        let bar = (!quiet && !records_on_terminal && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(200));
            crate::show_bar(Some(b.clone()));
            b
        });
        Progress {
            started: Instant::now(),
            last_log: Instant::now(),
            ok: 0,
            unchanged: 0,
            skipped_by_state: 0,
            state,
            failed: BTreeMap::new(),
            total,
            bar,
            quiet,
        }
    }

    /// Failures of every kind.
    fn total_failed(&self) -> usize {
        self.failed.values().sum()
    }

    /// Records so far.
    fn done(&self) -> usize {
        self.ok + self.unchanged + self.total_failed()
    }

    /// Records per second so far; `None` in the first second.
    fn rate(&self) -> Option<f64> {
        let t = self.started.elapsed();
        (t >= RATE_AFTER).then(|| self.done() as f64 / t.as_secs_f64())
    }

    /// `done[/total] done, F failed[, R pages/s[, ETA]]`.
    fn line(&self) -> String {
        let done = self.done();
        let total = self
            .total
            .as_ref()
            .map(|t| t.load(Ordering::Relaxed) as usize)
            .filter(|&t| t > 0);
        let mut line = match total {
            Some(t) => format!(
                "{done}/{} done, {} failed",
                t.max(done),
                self.total_failed()
            ),
            None => format!("{done} done, {} failed", self.total_failed()),
        };
        if let Some(rate) = self.rate() {
            line.push_str(&format!(", {rate:.1} pages/s"));
            if let (Some(t), true) = (total, rate > 0.0) {
                let left = t.saturating_sub(done) as f64 / rate;
                line.push_str(&format!(
                    ", ETA {}",
                    humantime::format_duration(Duration::from_secs(left.ceil() as u64))
                ));
            }
        }
        line
    }

    /// Say `what` on stderr (above the bar, when there is one), unless quiet.
    fn say(&self, what: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(b) => b.suspend(|| eprintln!("pith run: {what}")),
            None => eprintln!("pith run: {what}"),
        }
    }

    /// Show the progress: on the bar, or a line every [`LOG_EVERY`].
    fn tick(&mut self) {
        if let Some(b) = &self.bar {
            b.set_message(self.line());
        } else if !self.quiet && self.last_log.elapsed() >= LOG_EVERY {
            self.last_log = Instant::now();
            eprintln!("pith run: {}", self.line());
        }
    }

    /// Count one record (by its error kind, if any; `by_state`: the state
    /// says it did not change) and show the progress.
    fn count(&mut self, error: Option<&str>, unchanged: bool, by_state: bool) {
        if by_state {
            self.skipped_by_state += 1;
        }
        match error {
            None if unchanged => self.unchanged += 1,
            None => self.ok += 1,
            Some(kind) => *self.failed.entry(kind.to_string()).or_default() += 1,
        }
        self.tick();
    }

    /// Print the summary; returns the number of failures.
    fn finish(self) -> usize {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
            crate::show_bar(None);
        }
        let failed = self.total_failed();
        if !self.quiet {
            let kinds: Vec<String> = self
                .failed
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            eprintln!(
                "pith run: {} ok, {} unchanged or repeated, {} failed{} in {:.1} s{}",
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
                    .map(|r| format!(" ({r:.1} pages/s)"))
                    .unwrap_or_default()
            );
            if let (n @ 1.., Some(state)) = (self.skipped_by_state, &self.state) {
                eprintln!(
                    "pith run: {n} pages unchanged since an earlier run were not written again (state {}; --no-state writes every page)",
                    state.display()
                );
            }
        }
        failed
    }
}
