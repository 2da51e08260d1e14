//! Settings, as read from `config.toml` text (the binary reads the file and
//! merges command-line flags on top; the library only parses).
//!
//! Every key has a default in a `Default` impl; unknown keys are errors that
//! name the key.

use crate::crawl::sites::{SelectorsConfig, SiteConfig};
use crate::io::output::Format;
use serde::Deserialize;

/// All settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[extract]`: how pages become articles.
    pub extract: ExtractConfig,
    /// `[output]`: where and how records are written.
    pub output: OutputConfig,
    /// `[fetch]`: how `pith run` downloads pages.
    pub fetch: FetchConfig,
    /// `[input]`: what `pith run` fetches when no list is named.
    pub input: InputConfig,
    /// `[schedule]`: repeating `pith run`.
    pub schedule: ScheduleConfig,
    /// `[state]`: what `pith run` remembers between runs.
    pub state: StateConfig,
    /// `[nats]`: the fleet's NATS JetStream server (`pith enqueue`,
    /// `worker`, `sink`, `status`).
    pub nats: NatsConfig,
    /// `[serve]`: the HTTP API of `pith serve`.
    pub serve: ServeConfig,
    /// `[[site]]` tables: settings for the pages of one host.
    pub site: Vec<SiteConfig>,
}

/// `[nats]` settings.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NatsConfig {
    /// Server URL(s), comma-separated (`nats://`, `tls://`); `--nats` overrides.
    pub url: String,
    /// First token of the subjects, start of stream, consumer and bucket names.
    pub stream_prefix: String,
    /// Frontier partitions: URLs are split by the hash of their registrable
    /// domain, and each partition serves one URL at a time.
    pub partitions: u32,
    /// Seconds a claimed URL may go unacknowledged before it is given to
    /// another worker (long fetches extend it).
    pub ack_wait_secs: u64,
    /// Deliveries of one URL before the server gives up on it.
    pub max_deliver: i64,
    /// A NATS credentials file (`.creds`); empty: none.
    pub creds_file: String,
    /// A token for the server; empty: none.
    pub token: String,
}

impl Default for NatsConfig {
    fn default() -> Self {
        NatsConfig {
            url: "nats://127.0.0.1:4222".into(),
            stream_prefix: "pith".into(),
            partitions: 256,
            ack_wait_secs: 60,
            max_deliver: 10,
            creds_file: String::new(),
            token: String::new(),
        }
    }
}

/// `[serve]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// Largest request body accepted (HTML, JSON or NDJSON).
    pub max_body_bytes: u64,
    /// Deadline of one request (body read, fetch and extraction); of each
    /// line of a batch.
    pub request_timeout_secs: u64,
    /// Extractions running at once; 0 means two per core.
    pub max_concurrency: usize,
    /// Requests waiting for an extraction slot; more are refused with 503.
    pub max_queue: usize,
    /// Keys accepted in `Authorization: Bearer KEY` or `X-Api-Key`; empty
    /// requires none.
    pub api_keys: Vec<String>,
    /// Origins allowed by CORS (`*` for any); empty sends no CORS headers.
    pub cors_origins: Vec<String>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".into(),
            max_body_bytes: 10 * 1024 * 1024,
            request_timeout_secs: 30,
            max_concurrency: 0,
            max_queue: 1024,
            api_keys: Vec::new(),
            cors_origins: Vec::new(),
        }
    }
}

impl std::fmt::Debug for NatsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token never reaches a log.
        f.debug_struct("NatsConfig")
            .field("url", &self.url)
            .field("stream_prefix", &self.stream_prefix)
            .field("partitions", &self.partitions)
            .field("ack_wait_secs", &self.ack_wait_secs)
            .field("max_deliver", &self.max_deliver)
            .field("creds_file", &self.creds_file)
            .field("token", &if self.token.is_empty() { "" } else { "…" })
            .finish()
    }
}

impl NatsConfig {
    /// The fleet settings; `url` (the `--nats` flag) overrides the configured one.
    pub fn settings(
        &self,
        url: Option<&str>,
    ) -> Result<crate::crawl::fleet::FleetSettings, RangeError> {
        in_range("nats.partitions", self.partitions, 1, 4096)?;
        in_range("nats.ack_wait_secs", self.ack_wait_secs, 1, 86_400)?;
        in_range("nats.max_deliver", self.max_deliver.max(0), 1, 1_000_000)?;
        Ok(crate::crawl::fleet::FleetSettings {
            url: url.unwrap_or(&self.url).to_string(),
            stream_prefix: self.stream_prefix.clone(),
            partitions: self.partitions,
            ack_wait: std::time::Duration::from_secs(self.ack_wait_secs),
            max_deliver: self.max_deliver,
            creds_file: (!self.creds_file.is_empty()).then(|| self.creds_file.clone().into()),
            token: (!self.token.is_empty()).then(|| self.token.clone()),
        })
    }
}

impl ServeConfig {
    /// Refuse numeric settings outside their ranges.
    pub fn validate(&self) -> Result<(), RangeError> {
        in_range("serve.max_body_bytes", self.max_body_bytes, 1, 1 << 30)?;
        in_range(
            "serve.request_timeout_secs",
            self.request_timeout_secs,
            1,
            86_400,
        )?;
        in_range("serve.max_concurrency", self.max_concurrency, 0, MAX_JOBS)?;
        in_range("serve.max_queue", self.max_queue, 0, 1_000_000)
    }
}

/// `[state]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateConfig {
    /// Remember URLs between runs.
    pub enabled: bool,
    /// SQLite file that remembers validators and content hashes per URL
    /// (created on first use); empty means beside a file output
    /// (`<output>.state.sqlite`) or inside a directory output. Records on
    /// standard output have a state only when a path is set.
    pub path: String,
    /// Also write records of pages that did not change (marked `"unchanged": true`).
    pub emit_unchanged: bool,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            enabled: true,
            path: String::new(),
            emit_unchanged: false,
        }
    }
}

/// `[schedule]` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Repeat the run this often ("30m", "2s"); empty runs once.
    pub every: String,
    /// Repeat the run at the times of this cron expression (UTC); empty runs once.
    pub cron: String,
}

/// `[fetch]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    /// `User-Agent`; empty means `pith/<version> (+https://crates.io/crates/pith)`.
    pub user_agent: String,
    /// Requests in flight overall.
    pub concurrency: usize,
    /// Requests in flight per host.
    pub per_host_concurrency: usize,
    /// Least time between the starts of two requests to one host.
    pub per_host_delay_ms: u64,
    /// One deadline per request, body included.
    pub timeout_secs: u64,
    /// Deadline for connecting.
    pub connect_timeout_secs: u64,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Redirects followed.
    pub max_redirects: usize,
    /// Extra tries for connection errors, timeouts, 429 and 5xx.
    pub retries: u32,
    /// Obey robots.txt.
    pub respect_robots: bool,
    /// Allow loopback, private, link-local and other non-public addresses.
    pub allow_private_networks: bool,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: String::new(),
            concurrency: 16,
            per_host_concurrency: 1,
            per_host_delay_ms: 1000,
            timeout_secs: 30,
            connect_timeout_secs: 10,
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 10,
            retries: 3,
            respect_robots: true,
            allow_private_networks: false,
        }
    }
}

/// A setting outside its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} = {value} is out of range: it must be from {min} to {max}")]
pub struct RangeError {
    /// The setting (`fetch.concurrency`).
    pub name: &'static str,
    /// The value given.
    pub value: u64,
    /// The least value allowed.
    pub min: u64,
    /// The largest value allowed.
    pub max: u64,
}

/// Check that `value` of `name` lies in `min..=max`.
fn in_range<T: TryInto<u64>>(
    name: &'static str,
    value: T,
    min: u64,
    max: u64,
) -> Result<(), RangeError> {
    let value = value.try_into().unwrap_or(u64::MAX);
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(RangeError {
            name,
            value,
            min,
            max,
        })
    }
}

/// The ranges of the numeric `[fetch]` settings, as (name, least, largest).
pub const FETCH_RANGES: &[(&str, u64, u64)] = &[
    ("fetch.concurrency", 1, 10_000),
    ("fetch.per_host_concurrency", 1, 1_000),
    ("fetch.per_host_delay_ms", 0, 3_600_000),
    ("fetch.timeout_secs", 1, 86_400),
    ("fetch.connect_timeout_secs", 1, 3_600),
    ("fetch.max_body_bytes", 1, 1 << 30),
    ("fetch.max_redirects", 0, 100),
    ("fetch.retries", 0, 100),
];

impl FetchConfig {
    /// Refuse numeric settings outside their ranges ([`FETCH_RANGES`]).
    pub fn validate(&self) -> Result<(), RangeError> {
        let values: [u64; 8] = [
            self.concurrency as u64,
            self.per_host_concurrency as u64,
            self.per_host_delay_ms,
            self.timeout_secs,
            self.connect_timeout_secs,
            self.max_body_bytes,
            self.max_redirects as u64,
            u64::from(self.retries),
        ];
        for (&(name, min, max), value) in FETCH_RANGES.iter().zip(values) {
            in_range(name, value, min, max)?;
        }
        Ok(())
    }

    /// The user agent in force: the configured one, or pith's own.
    pub fn user_agent(&self) -> String {
        if self.user_agent.trim().is_empty() {
            format!(
                "pith/{} (+https://crates.io/crates/pith)",
                env!("CARGO_PKG_VERSION")
            )
        } else {
            self.user_agent.clone()
        }
    }

    /// Fetcher settings.
    pub fn settings(&self) -> crate::crawl::fetch::FetchSettings {
        use std::time::Duration;
        crate::crawl::fetch::FetchSettings {
            user_agent: self.user_agent(),
            per_host_concurrency: self.per_host_concurrency.max(1),
            per_host_delay: Duration::from_millis(self.per_host_delay_ms),
            timeout: Duration::from_secs(self.timeout_secs.max(1)),
            connect_timeout: Duration::from_secs(self.connect_timeout_secs.max(1)),
            max_body_bytes: usize::try_from(self.max_body_bytes).unwrap_or(usize::MAX),
            max_redirects: self.max_redirects,
            retries: self.retries,
            respect_robots: self.respect_robots,
            allow_private_networks: self.allow_private_networks,
            archive: false,
        }
    }
}

/// `[input]` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputConfig {
    /// URL list files (one URL per line) that `pith run` reads when given none.
    pub lists: Vec<String>,
    /// URLs that `pith run` fetches when given no list.
    pub urls: Vec<String>,
    /// Keep only the URLs of shard "I/N" (by registrable domain); empty keeps all.
    pub shard: String,
}

/// `[extract]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtractConfig {
    /// Keep figure captions in the text.
    pub include_captions: bool,
    /// Cut the site name off declared titles (og:title, JSON-LD) too.
    pub strip_site_name: bool,
    /// Inputs larger than this are refused with `too_large`.
    pub max_bytes: u64,
    /// Extraction of one page gives up after this many seconds (`timeout`).
    pub timeout_secs: u64,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Memory that the extractions of `pith run` running at once may take
    /// together, in MiB (each is reckoned at [`crate::peak_memory`]).
    pub memory_mb: u64,
    /// Keep only pages of these types (`article`, `forum`, `product`,
    /// `collection`, `listing`, `documentation`, `service`); empty keeps all.
    pub page_types: Vec<String>,
    /// Return reader comments in a separate `comments` field.
    pub comments: bool,
    /// Keep links as `[text](href)` in Markdown (absolute URLs).
    pub links: bool,
    /// Keep images as `![alt](src)` in Markdown (absolute URLs).
    pub images: bool,
    /// CSS selectors forcing parts in or out, on every page.
    pub selectors: SelectorsConfig,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            include_captions: false,
            strip_site_name: false,
            max_bytes: 20 * 1024 * 1024,
            timeout_secs: 10,
            jobs: 0,
            memory_mb: 512,
            page_types: Vec::new(),
            comments: false,
            links: false,
            images: false,
            selectors: SelectorsConfig::default(),
        }
    }
}

/// Longest deadline for extracting one page (`extract.timeout_secs`).
pub const MAX_EXTRACT_TIMEOUT_SECS: u64 = 86_400;

/// Most extraction worker threads (`extract.jobs`, `--jobs`).
pub const MAX_JOBS: u64 = 1024;

impl ExtractConfig {
    /// Refuse numeric settings outside their ranges: `jobs` up to
    /// [`MAX_JOBS`], `memory_mb` from 64 MiB to 1 TiB.
    pub fn validate(&self) -> Result<(), RangeError> {
        in_range("extract.jobs", self.jobs, 0, MAX_JOBS)?;
        in_range("extract.memory_mb", self.memory_mb, 64, 1 << 20)
    }

    /// Refuse `timeout_secs` outside 1 to [`MAX_EXTRACT_TIMEOUT_SECS`].
    pub fn validate_timeout(&self) -> Result<(), RangeError> {
        in_range(
            "extract.timeout_secs",
            self.timeout_secs,
            1,
            MAX_EXTRACT_TIMEOUT_SECS,
        )
    }
}

/// `[output]` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    /// A file to append to, or a directory for one file per article; empty for stdout.
    pub path: String,
    /// `jsonl`, `text` or `markdown`.
    pub format: Format,
    /// `pith run` also appends every request and response to this WARC
    /// file (gzip-compressed per record); empty writes none.
    pub warc: String,
    /// Markdown articles without YAML front matter and text articles
    /// without their header line.
    pub no_metadata: bool,
}

impl Config {
    /// Parse `config.toml` text.
    pub fn parse(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::sites::options_for;

    #[test]
    fn numeric_settings_have_ranges() {
        assert_eq!(FetchConfig::default().validate(), Ok(()));
        let big = FetchConfig {
            concurrency: 1 << 61,
            ..Default::default()
        };
        let e = big.validate().unwrap_err();
        assert_eq!(e.name, "fetch.concurrency");
        assert!(e.to_string().contains("from 1 to 10000"), "{e}");
        let zero = Config::parse("[fetch]\ntimeout_secs = 0\n").unwrap();
        assert_eq!(
            zero.fetch.validate().unwrap_err().name,
            "fetch.timeout_secs"
        );
        let retries = FetchConfig {
            retries: u32::MAX,
            ..Default::default()
        };
        assert_eq!(retries.validate().unwrap_err().name, "fetch.retries");
        let jobs = ExtractConfig {
            jobs: 1 << 61,
            ..Default::default()
        };
        assert_eq!(jobs.validate().unwrap_err().name, "extract.jobs");
        let memory = Config::parse("[extract]\nmemory_mb = 10\n").unwrap();
        assert_eq!(
            memory.extract.validate().unwrap_err().name,
            "extract.memory_mb"
        );
        assert_eq!(ExtractConfig::default().validate(), Ok(()));
    }

    #[test]
    fn site_tables_apply_to_their_host_and_subdomains() {
        let c = Config::parse(
            "[extract.selectors]\ndrop = [\".ad\"]\n\
             [[site]]\nhost = \"example.com\"\nselectors = { keep = [\"div.body\"] }\nlinks = true\n\
             [[site]]\nhost = \"other.org\"\nselectors = { drop = [\"nav\"] }\n",
        )
        .unwrap();
        assert_eq!(c.serve, ServeConfig::default());
        let base = crate::ExtractOptions {
            selectors: c.extract.selectors.to_selectors(),
            ..Default::default()
        };
        let o = options_for(&base, &c.site, Some("https://www.example.com/a"));
        assert_eq!(o.selectors.keep, vec!["div.body".to_string()]);
        assert_eq!(o.selectors.drop, vec![".ad".to_string()]);
        assert!(o.links);
        let o = options_for(&base, &c.site, Some("https://notexample.com/a"));
        assert!(o.selectors.keep.is_empty() && !o.links);
        let o = options_for(&base, &c.site, None);
        assert!(o.selectors.keep.is_empty());
        assert!(Config::parse("[[site]]\nhost = \"a.b\"\nkeep = []\n").is_err());
    }

    #[test]
    fn shipped_config_equals_defaults() {
        let shipped = include_str!("../config.toml");
        assert_eq!(Config::parse(shipped).unwrap(), Config::default());
    }

    #[test]
    fn format_names_as_on_the_command_line() {
        for (name, format) in [
            ("md", Format::Markdown),
            ("markdown", Format::Markdown),
            ("txt", Format::Text),
            ("json", Format::Jsonl),
        ] {
            let c = Config::parse(&format!("[output]\nformat = \"{name}\"\n")).unwrap();
            assert_eq!(c.output.format, format, "{name}");
            assert_eq!(name.parse::<Format>(), Ok(format));
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Config::parse("[extract]\njobz = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("jobz"), "{e}");
    }
}
