//! The `pith` command: parses flags, merges `config.toml`, sets up logging,
//! and drives the library.
//!
//! Exit codes: 0 every input gave an article; 1 some inputs failed (each has
//! an error record); 2 usage, configuration or output errors; 130 / 143
//! interrupted by SIGINT / SIGTERM (`pith run`, `pith worker`, `pith sink`).

mod allocator;
mod args;
mod extract_cmd;
mod fleet_cmd;
mod run_cmd;
mod serve_cmd;

use anyhow::{Context, Result};
use clap::Parser;
use pith::config::Config;
use pith::io::output::{Format, Sink};
use std::path::{Path, PathBuf};

/// Every input gave an article.
pub const EXIT_OK: i32 = 0;
/// Some inputs failed.
pub const EXIT_SOME_FAILED: i32 = 1;
/// Usage, configuration or output error.
pub const EXIT_FATAL: i32 = 2;
/// Interrupted by SIGINT (Ctrl-C).
pub const EXIT_SIGINT: i32 = 130;
/// Interrupted by SIGTERM.
pub const EXIT_SIGTERM: i32 = 143;

/// Parse the flags, run, and exit with the code the run gives.
fn main() {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_FATAL } else { EXIT_OK };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    init_tracing(cli.verbose, cli.quiet);
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                EXIT_OK
            } else {
                eprintln!("pith: error: {e:#}");
                EXIT_FATAL
            }
        }
    };
    std::process::exit(code);
}

/// Load the settings and run the subcommand; returns the exit code.
fn run(cli: args::Cli) -> Result<i32> {
    let config = if cli.no_config {
        Config::default()
    } else {
        load_config(cli.config.as_deref())?
    };
    match cli.command {
        args::Command::Extract(a) => extract_cmd::run(a, config),
        args::Command::Run(a) => run_cmd::run(a, config, cli.quiet),
        args::Command::Enqueue(a) => fleet_cmd::enqueue(a, config),
        args::Command::Worker(a) => fleet_cmd::worker(a, config),
        args::Command::Sink(a) => fleet_cmd::sink(a, config),
        args::Command::Status(a) => fleet_cmd::status(a, config),
        args::Command::Serve(a) => serve_cmd::run(a, config),
    }
}

/// The settings: the named file (which must exist), else `./config.toml`
/// when there is one, else the defaults.
fn load_config(path: Option<&Path>) -> Result<Config> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (Path::new("config.toml").to_path_buf(), false),
    };
    if !required && !path.exists() {
        return Ok(Config::default());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    Config::parse(&text).with_context(|| {
        if required {
            format!("invalid config file {}", path.display())
        } else {
            "invalid config file ./config.toml (read because it is in the working \
             directory; --no-config ignores it, --config FILE names another)"
                .to_string()
        }
    })
}

/// The log filter of `-v` / `-q`: `-v` raises pith's own level (info,
/// debug, trace); other crates (html5ever, reqwest, hyper, …) stay at WARN
/// (html5ever, which warns of every parse error, at ERROR).
fn log_filter(verbose: u8, quiet: bool) -> &'static str {
    if quiet {
        return "error";
    }
    match verbose {
        0 => "warn,html5ever=error",
        1 => "warn,html5ever=error,pith=info",
        2 => "warn,html5ever=error,pith=debug",
        _ => "warn,html5ever=error,pith=trace",
    }
}

/// Log to stderr: `RUST_LOG` when set, else the level of `-v` / `-q`;
/// colours only when stderr is a terminal; lines go above the progress bar.
fn init_tracing(verbose: u8, quiet: bool) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(log_filter(verbose, quiet)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(|| AboveBar)
        .try_init();
}

/// The progress bar shown on stderr, if any.
static BAR: std::sync::Mutex<Option<indicatif::ProgressBar>> = std::sync::Mutex::new(None);

/// Show log lines above `bar` from now on (`None`: no bar any more).
pub fn show_bar(bar: Option<indicatif::ProgressBar>) {
    *BAR.lock().unwrap_or_else(|p| p.into_inner()) = bar;
}

/// Standard error, written with the progress bar (if any) hidden, so that
/// a log line never lands in the middle of it.
struct AboveBar;

impl std::io::Write for AboveBar {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = BAR.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match bar {
            Some(b) => b.suspend(|| std::io::stderr().write(buf)),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Whether `e` comes from a closed pipe (`pith … | head`): not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A path setting of both commands: the flag, else the configured path when
/// it is not empty.
fn path_setting(flag: Option<&PathBuf>, configured: &str) -> Option<PathBuf> {
    flag.cloned()
        .or_else(|| (!configured.is_empty()).then(|| configured.into()))
}

/// The output format: the flag, else `[output] format`.
fn format_setting(flag: Option<&str>, config: &Config) -> Result<Format> {
    match flag {
        Some(s) => s.parse::<Format>().map_err(anyhow::Error::msg),
        None => Ok(config.output.format),
    }
}

/// Where records go: appended to the file `path`, or one file per article
/// in the directory `path` (either locked for this run); without a path,
/// standard output. `metadata`: front matter or a header line per article
/// in the text formats.
fn open_sink(path: Option<&Path>, format: Format, metadata: bool) -> Result<Sink> {
    let sink = match path {
        Some(p) => {
            if p.is_dir() {
                probe_dir(p)
                    .with_context(|| format!("cannot write in output directory {}", p.display()))?;
            }
            Sink::open(p, format).with_context(|| format!("cannot open output {}", p.display()))?
        }
        None => Sink::stream(Box::new(std::io::stdout()), format),
    };
    Ok(sink.with_metadata(metadata))
}

/// Fail now, naming the directory, when files cannot be made in `dir`
/// (read-only, not ours), rather than at the first article.
fn probe_dir(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".pith-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}
