//! Command-line flags (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// pith turns web article pages into clean text with metadata.
#[derive(Debug, Parser)]
#[command(name = "pith", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (default: ./config.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read no settings file, not even ./config.toml: only flags and defaults.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
    /// More log output (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract articles from saved pages (HTML files, directories, stdin).
    Extract(ExtractArgs),
    /// Fetch URL lists politely and extract every page.
    Run(RunArgs),
    /// Put URL lists on a NATS JetStream frontier for `pith worker`s.
    Enqueue(EnqueueArgs),
    /// Fetch and extract URLs of the NATS frontier; run any number, anywhere.
    Worker(WorkerArgs),
    /// Write the records the workers publish: the fleet's one writer.
    Sink(SinkArgs),
    /// Show the NATS frontier: pending, in flight and redelivered per partition.
    Status(StatusArgs),
    /// Serve the HTTP API and the preview page.
    Serve(ServeArgs),
}

/// `pith serve` flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Extractions running at once (default: two per core).
    #[arg(long, value_name = "N")]
    pub max_concurrency: Option<usize>,
    /// Deadline of one request, in seconds.
    #[arg(long, value_name = "SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Largest request body accepted.
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<u64>,
    /// Ignore robots.txt when fetching a `url`.
    #[arg(long)]
    pub no_robots: bool,
    /// Allow fetching loopback, private and other non-public addresses.
    #[arg(long)]
    pub allow_private_networks: bool,
    #[command(flatten)]
    pub extraction: ExtractionFlags,
}

/// The fetch flags of `pith run` and `pith worker`.
#[derive(Debug, Args)]
pub struct FetchFlags {
    /// Requests in flight overall.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Requests in flight per host.
    #[arg(long, value_name = "N")]
    pub per_host_concurrency: Option<usize>,
    /// Least milliseconds between request starts to one host.
    #[arg(long, value_name = "MS")]
    pub per_host_delay_ms: Option<u64>,
    /// Deadline per request, body included, in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout_secs: Option<u64>,
    /// Extra tries for connection errors, timeouts, 429 and 5xx.
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Largest body accepted, after decompression.
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<u64>,
    /// User-Agent header.
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,
    /// Ignore robots.txt.
    #[arg(long)]
    pub no_robots: bool,
    /// Allow loopback, private and other non-public addresses.
    #[arg(long)]
    pub allow_private_networks: bool,
}

/// The NATS server flag of the fleet commands.
#[derive(Debug, Args)]
pub struct NatsFlags {
    /// NATS server URL (nats://host:4222, tls://host:4222); default: [nats] url.
    #[arg(long, value_name = "URL")]
    pub nats: Option<String>,
}

/// `pith enqueue` flags.
#[derive(Debug, Args)]
pub struct EnqueueArgs {
    #[command(flatten)]
    pub nats: NatsFlags,
    /// URLs and files with one URL per line, or - for stdin, as for `pith run`;
    /// without any, the lists and URLs of config.toml's [input], else a piped stdin.
    #[arg(value_name = "URL_OR_LIST")]
    pub lists: Vec<String>,
    /// A URL to queue (repeatable).
    #[arg(long = "url", short = 'u', value_name = "URL")]
    pub urls: Vec<String>,
    /// The run epoch: a URL is fetched and written once per epoch; queue the
    /// lists again with a new epoch to crawl them again.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub epoch: u64,
}

/// `pith worker` flags.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub nats: NatsFlags,
    #[command(flatten)]
    pub fetch: FetchFlags,
    #[command(flatten)]
    pub extraction: ExtractionFlags,
    /// Exit (0) once no URL came for this many seconds and the frontier is empty.
    #[arg(long, value_name = "SECS")]
    pub idle_exit: Option<u64>,
    /// Send each URL's requests and responses to the sink for its WARC file
    /// (also when [output] warc is set).
    #[arg(long)]
    pub archive: bool,
}

/// `pith sink` flags.
#[derive(Debug, Args)]
pub struct SinkArgs {
    #[command(flatten)]
    pub nats: NatsFlags,
    /// Append to this file, or write one file per article into this directory
    /// (default: [output] path).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Output format: jsonl, text or markdown.
    #[arg(long, short = 'f', value_name = "FORMAT")]
    pub format: Option<String>,
    /// Markdown without YAML front matter, text without the header line per article.
    #[arg(long)]
    pub no_metadata: bool,
    /// SQLite file that records what was written (default: beside the output,
    /// FILE.state.sqlite, or inside an output directory).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Also append every error record to FILE, as JSONL, whatever --format is
    /// (exactly once, as the output).
    #[arg(long, value_name = "FILE")]
    pub failures: Option<PathBuf>,
    /// Append the requests and responses the workers made (they send them
    /// with --archive or [output] warc) to this WARC/1.1 file (default:
    /// [output] warc), each URL's once.
    #[arg(long, value_name = "FILE.warc.gz")]
    pub warc: Option<PathBuf>,
    /// Also write records of pages that did not change since an earlier
    /// epoch (marked "unchanged": true).
    #[arg(long)]
    pub emit_unchanged: bool,
    /// Exit (0) once no record came for this many seconds, the frontier is
    /// empty and every record is written.
    #[arg(long, value_name = "SECS")]
    pub idle_exit: Option<u64>,
}

/// `pith status` flags.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub nats: NatsFlags,
}

/// `pith run` flags.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// URLs (http:// or https://; a bare example.com/page is tried as https://) and files
    /// with one URL per line ('#' comments and blank lines skipped), or - for stdin.
    /// Without any, the lists and URLs of config.toml's [input], else a piped stdin.
    #[arg(value_name = "URL_OR_LIST")]
    pub lists: Vec<String>,
    /// A URL to fetch (repeatable).
    #[arg(long = "url", short = 'u', value_name = "URL")]
    pub urls: Vec<String>,
    /// Output format: jsonl, text or markdown.
    #[arg(long, short = 'f', value_name = "FORMAT")]
    pub format: Option<String>,
    /// Append to this file, or write one file per article into this directory.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Markdown without YAML front matter, text without the header line per article.
    #[arg(long)]
    pub no_metadata: bool,
    #[command(flatten)]
    pub fetch: FetchFlags,
    #[command(flatten)]
    pub extraction: ExtractionFlags,
    /// Repeat the whole run this often ("30m", "2s"); rounds never overlap.
    #[arg(long, value_name = "DURATION")]
    pub every: Option<String>,
    /// Keep only the URLs of shard I of N (split by registrable domain).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// SQLite file that remembers URLs between runs (conditional requests, only changes written);
    /// default: beside the --output file (FILE.state.sqlite) or inside an --output directory;
    /// records on stdout have a state only with this flag or [state] path.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Remember nothing between runs: every page is fetched and written again.
    #[arg(long, conflicts_with = "state")]
    pub no_state: bool,
    /// With a state file, also write records of unchanged pages.
    #[arg(long)]
    pub emit_unchanged: bool,
    /// Also append every request and response to this WARC file (WARC/1.1, gzip per record).
    #[arg(long, value_name = "FILE.warc.gz")]
    pub warc: Option<PathBuf>,
    /// Also append the error records to this file, as JSONL, whatever the output format.
    #[arg(long, value_name = "FILE")]
    pub failures: Option<PathBuf>,
}

/// `pith extract` flags.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// HTML files, WARC files (.warc, .warc.gz), directories (searched for *.html, *.htm and WARC files), or - for stdin.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// The page URL, for a single input.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// A file listing inputs, one per line: PATH or PATH<TAB>URL ('-' reads the list from stdin).
    #[arg(long, value_name = "FILE")]
    pub input_list: Option<PathBuf>,
    /// Output format: jsonl, text or markdown.
    #[arg(long, short = 'f', value_name = "FORMAT")]
    pub format: Option<String>,
    /// Append to this file, or write one file per article into this directory.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Markdown without YAML front matter, text without the header line per article.
    #[arg(long)]
    pub no_metadata: bool,
    /// Worker threads (default: all cores; 1 runs on one thread).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub extraction: ExtractionFlags,
    /// Also append the error records to this file, as JSONL, whatever the output format.
    #[arg(long, value_name = "FILE")]
    pub failures: Option<PathBuf>,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
    /// Print, for each input, every part of the page the extractor removed (with the rule or
    /// class that removed it), kept or did not choose, and where each metadata field is found,
    /// instead of the records.
    #[arg(long)]
    pub explain: bool,
    /// Development: print the names of the rules --dev-disable-rule knows, and exit.
    #[arg(long, hide = true)]
    pub dev_list_rules: bool,
}

/// Flags of the extraction itself, shared by `pith run` and `pith extract`.
#[derive(Debug, Args)]
pub struct ExtractionFlags {
    /// Keep figure captions in the text.
    #[arg(long)]
    pub captions: bool,
    /// Cut the site name off titles the page declares too (og:title, JSON-LD headline).
    #[arg(long)]
    pub strip_site_name: bool,
    /// Keep only pages of these types (comma-separated: article, forum, product, collection, listing, documentation, service).
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub page_types: Vec<String>,
    /// Return the reader comments of a page in a separate `comments` field (never in the text).
    #[arg(long)]
    pub comments: bool,
    /// Keep links as [text](href) in Markdown, with absolute URLs.
    #[arg(long)]
    pub links: bool,
    /// Keep images as ![alt](src) in Markdown, with absolute URLs.
    #[arg(long)]
    pub images: bool,
    /// Keep the elements this CSS selector matches in the article, whatever the cleaner thinks (repeatable).
    #[arg(long = "keep", value_name = "SELECTOR")]
    pub keep: Vec<String>,
    /// Remove the elements this CSS selector matches before scoring (repeatable).
    #[arg(long = "drop", value_name = "SELECTOR")]
    pub drop: Vec<String>,
    /// Development: extract every page with this profile (article, region).
    #[arg(long, hide = true, value_name = "PROFILE")]
    pub dev_profile: Option<String>,
    /// Development: turn off this rule of the extractor (repeatable), to measure what it is worth.
    #[arg(long, hide = true, value_name = "RULE")]
    pub dev_disable_rule: Vec<String>,
}

impl ExtractionFlags {
    /// The library's options: these flags over the `[extract]` settings.
    pub fn options(
        &self,
        config: &pith::config::ExtractConfig,
    ) -> anyhow::Result<pith::ExtractOptions> {
        let names = if self.page_types.is_empty() {
            &config.page_types
        } else {
            &self.page_types
        };
        let mut page_types = Vec::new();
        for name in names.iter().filter(|n| !n.trim().is_empty()) {
            match pith::PageType::from_name(name) {
                Some(t) => page_types.push(t),
                None => anyhow::bail!(
                    "unknown page type '{}' (page types: {})",
                    name.trim(),
                    pith::PageType::ALL.map(pith::PageType::as_str).join(", ")
                ),
            }
        }
        config.validate_timeout()?;
        let mut disabled_rules = pith::RuleSet::EMPTY;
        for name in &self.dev_disable_rule {
            disabled_rules.insert(name).map_err(anyhow::Error::msg)?;
        }
        let mut selectors = config.selectors.to_selectors();
        selectors.keep.extend(self.keep.iter().cloned());
        selectors.drop.extend(self.drop.iter().cloned());
        selectors.validate()?;
        Ok(pith::ExtractOptions {
            page_types,
            selectors,
            comments: self.comments || config.comments,
            links: self.links || config.links,
            images: self.images || config.images,
            disabled_rules,
            include_captions: self.captions || config.include_captions,
            strip_site_name: self.strip_site_name || config.strip_site_name,
            timeout: Some(std::time::Duration::from_secs(config.timeout_secs)),
            force_profile: match self.dev_profile.as_deref() {
                Some("article") => Some(pith::Profile::Article),
                Some("region") => Some(pith::Profile::Region),
                Some("thread") => Some(pith::Profile::Thread),
                _ => None,
            },
            ..Default::default()
        })
    }
}
