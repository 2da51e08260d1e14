//! `pith extract`: saved pages in, records out, in input order.
//!
//! With `--jobs 1` everything runs on the calling thread. Otherwise a feeder
//! hands numbered inputs to worker threads, and the writer puts their records
//! back in input order. A bounded number of tickets keeps the reorder buffer
//! and the queue small, so an input list of any length streams.

use crate::args::ExtractArgs;
use crate::{EXIT_OK, EXIT_SOME_FAILED, format_setting, open_sink, path_setting};
use anyhow::{Context, Result, bail};
use pith::ExtractOptions;
use pith::config::Config;
use pith::io::input::{self, Input};
use pith::io::output::{Record, Sink};
use std::collections::BTreeMap;
use std::sync::mpsc;

/// Inputs in flight per worker.
const TICKETS_PER_JOB: usize = 4;

/// How every input is handled.
struct Settings {
    options: ExtractOptions,
    /// `[[site]]` tables, applied by the input's URL.
    sites: Vec<pith::crawl::sites::SiteConfig>,
    max_bytes: u64,
}

/// The inputs, as read lazily: the arguments, then the input list.
type Inputs = Box<dyn Iterator<Item = std::io::Result<Input>> + Send>;

/// `pith extract`: every input to one record, written in input order;
/// returns the exit code.
pub fn run(a: ExtractArgs, config: Config) -> Result<i32> {
    if a.dev_list_rules {
        for name in pith::RuleSet::names() {
            println!("{name}");
        }
        return Ok(0);
    }
    if a.inputs.is_empty() && a.input_list.is_none() {
        bail!("no input: name HTML files or directories, '-' for stdin, or --input-list FILE");
    }
    // `pith extract` reads saved pages; a URL given as one is most likely
    // meant for `pith run`.
    if let Some(u) = a.inputs.iter().find(|i| {
        (i.starts_with("http://") || i.starts_with("https://")) && !std::path::Path::new(i).exists()
    }) {
        bail!("{u} is a URL: pith extract reads saved pages; to fetch it, use pith run {u}");
    }
    if a.url.is_some() && (a.inputs.len() != 1 || a.input_list.is_some()) {
        bail!("--url goes with exactly one INPUT");
    }
    let format = format_setting(a.format.as_deref(), &config)?;
    let mut extract = config.extract.clone();
    if let Some(j) = a.jobs {
        extract.jobs = j;
    }
    extract.validate().map_err(|e| {
        let flag = if e.name == "extract.jobs" {
            " (--jobs)"
        } else {
            ""
        };
        anyhow::anyhow!("{e}{flag}")
    })?;
    let jobs = match extract.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut options = a.extraction.options(&config.extract)?;
    // Only Markdown output needs the inline markup of the Markdown.
    options.text_only = format != pith::io::output::Format::Markdown && !a.explain;
    let settings = Settings {
        options,
        sites: config.site.clone(),
        max_bytes: a.max_bytes.unwrap_or(config.extract.max_bytes),
    };
    if a.explain {
        return explain(&a, &settings);
    }
    let out_path = path_setting(a.output.as_ref(), &config.output.path);
    let mut out = Output {
        sink: open_sink(
            out_path.as_deref(),
            format,
            !(a.no_metadata || config.output.no_metadata),
        )?,
        failures: match &a.failures {
            Some(p) => Some(
                Sink::open(p, pith::io::output::Format::Jsonl)
                    .with_context(|| format!("cannot open failures file {}", p.display()))?,
            ),
            None => None,
        },
        total: 0,
        failed: 0,
    };
    let inputs = inputs(&a)?;
    if jobs <= 1 {
        for item in inputs {
            let input = item.context("cannot read input list")?;
            out.write(process(&input, &settings))?;
        }
    } else {
        run_parallel(inputs, jobs, &settings, &mut |r| out.write(r))?;
    }
    out.sink.finish().context("cannot write output")?;
    if let Some(f) = out.failures.as_mut() {
        f.finish().context("cannot write the failures file")?;
    }
    tracing::info!(total = out.total, failed = out.failed, "done");
    Ok(if out.failed == 0 {
        EXIT_OK
    } else {
        EXIT_SOME_FAILED
    })
}

/// `pith extract --explain`: per input, a `# SOURCE` line, then one line
/// per part of the page (state, reason, selector, start of its text) and
/// per metadata field (its source); failures on stderr.
fn explain(a: &ExtractArgs, s: &Settings) -> Result<i32> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for item in inputs(a)? {
        let input = item.context("cannot read input list")?;
        let label = input.label();
        let bytes = match input::read(&input, s.max_bytes) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("pith: {label}: {e}");
                failed += 1;
                continue;
            }
        };
        let options = pith::crawl::sites::options_for(&s.options, &s.sites, input.url.as_deref());
        match pith::explain_extract(&bytes, input.url.as_deref(), &options) {
            Ok(e) => write!(out, "# {label}\n{}\n", e.report())?,
            Err(e) => {
                eprintln!("pith: {label}: {} ({})", e, e.kind());
                failed += 1;
            }
        }
    }
    out.flush()?;
    Ok(if failed == 0 {
        EXIT_OK
    } else {
        EXIT_SOME_FAILED
    })
}

/// The inputs named as arguments, then those of `--input-list` (a file, or
/// `-` for standard input), with every WARC file replaced by its pages.
fn inputs(a: &ExtractArgs) -> Result<Inputs> {
    let args_iter = input::expand_args(&a.inputs, a.url.as_deref()).map(Ok);
    let list_iter: Inputs = match &a.input_list {
        None => Box::new(std::iter::empty()),
        Some(p) if p.as_os_str() == "-" => Box::new(input::read_list(std::io::stdin(), "-")),
        Some(p) => {
            let f = std::fs::File::open(p)
                .with_context(|| format!("cannot open input list {}", p.display()))?;
            Box::new(input::read_list(f, &p.display().to_string()))
        }
    };
    Ok(Box::new(input::expand_warcs(args_iter.chain(list_iter))))
}

/// Where the records go, and how many there were and how many failed.
struct Output {
    sink: Sink,
    /// `--failures FILE`: error records, as JSONL, whatever the format.
    failures: Option<Sink>,
    total: usize,
    failed: usize,
}

impl Output {
    /// Write one record (a failure is also logged) and count it. An
    /// article whose own file cannot be written becomes its error record.
    fn write(&mut self, record: Record) -> Result<()> {
        let record = self
            .sink
            .put(&record)
            .context("cannot write output")?
            .unwrap_or(record);
        self.total += 1;
        if let Some(e) = &record.error {
            self.failed += 1;
            tracing::warn!(source = %record.source, kind = %e.kind, "{}", e.message);
            if let Some(f) = self.failures.as_mut() {
                f.write(&record).context("cannot write the failures file")?;
            }
        }
        Ok(())
    }
}

/// Extract on `jobs` worker threads and write the records in input order:
/// a feeder numbers the inputs, and a bounded number of tickets keeps the
/// queue and the reorder buffer small.
fn run_parallel(
    inputs: impl Iterator<Item = std::io::Result<Input>> + Send,
    jobs: usize,
    settings: &Settings,
    write: &mut dyn FnMut(Record) -> Result<()>,
) -> Result<()> {
    let tickets = jobs * TICKETS_PER_JOB;
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Input)>(tickets);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Record)>();
    let (ticket_tx, ticket_rx) = mpsc::sync_channel::<()>(tickets);
    for _ in 0..tickets {
        let _ = ticket_tx.send(());
    }
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((k, input))) = next else { break };
                    if done_tx.send((k, process(&input, settings))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let feeder = scope.spawn(move || -> std::io::Result<()> {
            for (k, item) in inputs.enumerate() {
                if ticket_rx.recv().is_err() {
                    break;
                }
                let input = item?;
                if work_tx.send((k, input)).is_err() {
                    break;
                }
            }
            Ok(())
        });
        let mut pending: BTreeMap<usize, Record> = BTreeMap::new();
        let mut next = 0usize;
        let mut result = Ok(());
        for (k, rec) in done_rx {
            pending.insert(k, rec);
            while let Some(rec) = pending.remove(&next) {
                next += 1;
                if result.is_ok() {
                    result = write(rec);
                }
                let _ = ticket_tx.send(());
            }
            if result.is_err() {
                break;
            }
        }
        drop(ticket_tx);
        result?;
        feeder
            .join()
            .map_err(|_| anyhow::anyhow!("input feeder panicked"))?
            .context("cannot read input list")?;
        Ok(())
    })
}

/// One input to its record; an unreadable input, a failed extraction and a
/// panic each give a failed record.
fn process(input: &Input, s: &Settings) -> Record {
    let label = input.label();
    let bytes = match input::read(input, s.max_bytes) {
        Ok(b) => b,
        Err(e) => return Record::failed(label, input.url.clone(), e.kind(), e.to_string()),
    };
    // A WARC record carries the charset its page was served with.
    let served;
    let options = match input.http_charset() {
        Some(cs) => {
            served = ExtractOptions {
                http_charset: Some(cs.to_string()),
                ..s.options.clone()
            };
            &served
        }
        None => &s.options,
    };
    let per_site;
    let options = if s.sites.is_empty() {
        options
    } else {
        per_site = pith::crawl::sites::options_for(options, &s.sites, input.url.as_deref());
        &per_site
    };
    // A bug in one page's extraction must not end the run: it becomes a record.
    let result = std::panic::catch_unwind(|| pith::extract(&bytes, input.url.as_deref(), options));
    match result {
        Ok(Ok(article)) => Record::ok(label, input.url.clone(), article),
        Ok(Err(e)) => Record::not_extracted(label, input.url.clone(), &e),
        Err(_) => Record::failed(
            label,
            input.url.clone(),
            "internal",
            "extraction panicked; please report this page".into(),
        ),
    }
}
