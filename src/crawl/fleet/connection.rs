//! The connection to the fleet's NATS server: its settings and errors, and
//! the names of the streams, consumers and buckets every fleet role uses.
//! [`Fleet::connect`] (in the fleet's root module) also makes those that are
//! missing.

use async_nats::jetstream::{self, consumer::pull, stream};
use std::path::PathBuf;
use std::time::Duration;

/// Partition consumers looked up at once when a worker starts (or `pith
/// status` reads them).
const LOOKUPS_AT_ONCE: usize = 32;

/// How to reach the fleet's NATS server and lay out its streams.
#[derive(Clone)]
pub struct FleetSettings {
    /// Server URL(s), comma-separated: `nats://host:4222`, `tls://host:4222`.
    pub url: String,
    /// First token of every subject, and the start of stream, consumer and
    /// bucket names.
    pub stream_prefix: String,
    /// Frontier partitions (at most one message of each is out at a time).
    pub partitions: u32,
    /// How long a message may stay unacknowledged before it is delivered
    /// again (progress acks extend it).
    pub ack_wait: Duration,
    /// Deliveries of one message before the server gives up on it.
    pub max_deliver: i64,
    /// A NATS credentials file (`.creds`), when the server asks for one.
    pub creds_file: Option<PathBuf>,
    /// A token, when the server asks for one.
    pub token: Option<String>,
}

impl std::fmt::Debug for FleetSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials never reach a log.
        f.debug_struct("FleetSettings")
            .field("url", &redact(&self.url))
            .field("stream_prefix", &self.stream_prefix)
            .field("partitions", &self.partitions)
            .field("ack_wait", &self.ack_wait)
            .field("max_deliver", &self.max_deliver)
            .field("creds_file", &self.creds_file.as_ref().map(|_| "…"))
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

/// Why fleet work failed.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The server could not be reached, or refused us.
    #[error("cannot connect to NATS at {url}: {message}")]
    Connect {
        /// The server URL, without credentials.
        url: String,
        /// What the client said.
        message: String,
    },
    /// A JetStream request (streams, consumers, publish, key-value) failed.
    #[error("JetStream: cannot {what}: {message}")]
    JetStream {
        /// What was being done.
        what: String,
        /// What the server or client said.
        message: String,
    },
    /// The sink's SQLite state.
    #[error(transparent)]
    State(#[from] crate::crawl::state::StateError),
    /// The sink's output.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    /// A setting out of its range.
    #[error("{0}")]
    Setting(String),
}

/// A [`FleetError::JetStream`] maker for `map_err`.
pub(crate) fn js_err<E: std::fmt::Display>(
    what: impl Into<String>,
) -> impl FnOnce(E) -> FleetError {
    let what = what.into();
    move |e| FleetError::JetStream {
        what,
        message: e.to_string(),
    }
}

/// `url` without a user name or password in it.
pub fn redact(url: &str) -> String {
    url.split(',')
        .map(|u| match (u.find("://"), u.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}://…@{}", &u[..s], &u[at + 1..]),
            (None, Some(at)) => format!("…@{}", &u[at + 1..]),
            _ => u.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A connection to the fleet's server, its streams and consumers made.
pub struct Fleet {
    client: async_nats::Client,
    js: jetstream::Context,
    settings: FleetSettings,
}

impl Fleet {
    /// Connect, with the settings checked; the streams are made by
    /// [`Fleet::connect`].
    pub(crate) async fn open(settings: FleetSettings) -> Result<Fleet, FleetError> {
        if settings.partitions == 0 || settings.partitions > 4096 {
            return Err(FleetError::Setting(format!(
                "nats.partitions = {} is out of range: it must be from 1 to 4096",
                settings.partitions
            )));
        }
        let prefix_ok = !settings.stream_prefix.is_empty()
            && settings
                .stream_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !prefix_ok {
            return Err(FleetError::Setting(format!(
                "nats.stream_prefix = {:?} must be letters, digits, '-' or '_'",
                settings.stream_prefix
            )));
        }
        let connect_err = |e: &dyn std::fmt::Display| FleetError::Connect {
            url: redact(&settings.url),
            message: e.to_string(),
        };
        let mut options = async_nats::ConnectOptions::new()
            .name("pith")
            .retry_on_initial_connect()
            .max_reconnects(None);
        if let Some(path) = &settings.creds_file {
            options = options
                .credentials_file(path)
                .await
                .map_err(|e| connect_err(&e))?;
        }
        if let Some(token) = &settings.token {
            options = options.token(token.clone());
        }
        let urls: Vec<async_nats::ServerAddr> = settings
            .url
            .split(',')
            .map(|u| u.trim().parse::<async_nats::ServerAddr>())
            .collect::<Result<_, _>>()
            .map_err(|e| connect_err(&e))?;
        let client = tokio::time::timeout(Duration::from_secs(10), options.connect(urls))
            .await
            .map_err(|_| connect_err(&"no answer within 10 s"))?
            .map_err(|e| connect_err(&e))?;
        let js = jetstream::new(client.clone());
        let fleet = Fleet {
            client,
            js,
            settings,
        };
        Ok(fleet)
    }

    /// The settings connected with.
    pub fn settings(&self) -> &FleetSettings {
        &self.settings
    }

    /// The client.
    pub(crate) fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The JetStream context.
    pub(crate) fn js(&self) -> &jetstream::Context {
        &self.js
    }

    /// Key-value bucket `name`, made when the fleet connected.
    pub(crate) async fn bucket(
        &self,
        name: &str,
    ) -> Result<async_nats::jetstream::kv::Store, FleetError> {
        self.js
            .get_key_value(name)
            .await
            .map_err(js_err(format!("open key-value bucket {name}")))
    }

    /// The largest message the server takes, in bytes.
    pub fn max_payload(&self) -> usize {
        match self.client.server_info().max_payload {
            0 => 1024 * 1024,
            n => n,
        }
    }

    /// Wait until everything published so far reached the server.
    pub async fn flush(&self) -> Result<(), FleetError> {
        self.client.flush().await.map_err(js_err("flush"))
    }

    /// `<prefix>-<what>`: the name of one of the fleet's streams or buckets.
    pub(crate) fn name(&self, what: &str) -> String {
        format!("{}-{what}", self.settings.stream_prefix)
    }

    /// The frontier stream's name.
    pub fn frontier_stream(&self) -> String {
        self.name("frontier")
    }

    /// The results stream's name.
    pub fn results_stream(&self) -> String {
        self.name("results")
    }

    /// The subject of partition `p` of the frontier.
    pub fn frontier_subject(&self, p: u32) -> String {
        format!("{}.frontier.{p}", self.settings.stream_prefix)
    }

    /// The subject of the results.
    pub fn results_subject(&self) -> String {
        format!("{}.results", self.settings.stream_prefix)
    }

    /// The durable consumer of partition `p`.
    pub fn partition_consumer_name(&self, p: u32) -> String {
        self.name(&format!("p{p}"))
    }

    /// The sink's durable consumer.
    pub fn sink_consumer_name(&self) -> String {
        self.name("sink")
    }

    /// The partition of a URL (or any list line): its registrable domain's
    /// hash, as `--shard` splits lists.
    pub fn partition_of(&self, url: &str) -> u32 {
        crate::crawl::shard::partition(url, self.settings.partitions)
    }

    /// How long duplicates of a message id are dropped by the server: long
    /// enough to outlive every redelivery of a frontier message.
    pub(crate) fn duplicate_window(&self) -> Duration {
        let deliveries = u32::try_from(self.settings.max_deliver.max(1)).unwrap_or(u32::MAX);
        (self.settings.ack_wait * deliveries.saturating_add(1)).max(Duration::from_secs(120))
    }

    /// Make the stream `config` describes, kept in files, when missing.
    pub(crate) async fn make_stream(&self, config: stream::Config) -> Result<(), FleetError> {
        let name = config.name.clone();
        self.js
            .get_or_create_stream(stream::Config {
                storage: stream::StorageType::File,
                ..config
            })
            .await
            .map_err(js_err(format!("make stream {name}")))?;
        Ok(())
    }

    /// Make key-value bucket `name` when missing, its values kept for
    /// `max_age` (zero: for ever). Its stream is made as the client's
    /// key-value API would make it (`KV_<bucket>`, one value per key), but
    /// directly: that API first asks for account details that nats-server
    /// 2.9 does not give in the form the client expects.
    pub(crate) async fn make_bucket(
        &self,
        name: &str,
        max_age: Duration,
    ) -> Result<(), FleetError> {
        self.js
            .get_or_create_stream(stream::Config {
                name: format!("KV_{name}"),
                subjects: vec![format!("$KV.{name}.>")],
                max_messages_per_subject: 1,
                max_age,
                storage: stream::StorageType::File,
                allow_rollup: true,
                deny_delete: true,
                allow_direct: true,
                discard: stream::DiscardPolicy::New,
                num_replicas: 1,
                ..Default::default()
            })
            .await
            .map_err(js_err(format!("make key-value bucket {name}")))?;
        Ok(())
    }

    /// The durable pull consumers of every partition, in order, made when
    /// missing. They are looked up [`LOOKUPS_AT_ONCE`] at a time: one at a
    /// time, 256 partitions took most of a second to start a worker.
    pub(crate) async fn partition_consumers(
        &self,
    ) -> Result<Vec<jetstream::consumer::Consumer<pull::Config>>, FleetError> {
        use futures_util::{StreamExt, TryStreamExt};
        let stream = self.stream(&self.frontier_stream()).await?;
        futures_util::stream::iter(0..self.settings.partitions)
            .map(|p| {
                let stream = &stream;
                async move {
                    let name = self.partition_consumer_name(p);
                    self.consumer_of(stream, &name, self.frontier_subject(p), 1)
                        .await
                }
            })
            .buffered(LOOKUPS_AT_ONCE)
            .try_collect()
            .await
    }

    /// The sink's durable pull consumer, made when missing.
    pub(crate) async fn sink_consumer(
        &self,
    ) -> Result<jetstream::consumer::Consumer<pull::Config>, FleetError> {
        let name = self.sink_consumer_name();
        self.consumer(&self.results_stream(), &name, self.results_subject(), 1024)
            .await
    }

    async fn consumer(
        &self,
        stream_name: &str,
        name: &str,
        subject: String,
        max_ack_pending: i64,
    ) -> Result<jetstream::consumer::Consumer<pull::Config>, FleetError> {
        let stream = self.stream(stream_name).await?;
        self.consumer_of(&stream, name, subject, max_ack_pending)
            .await
    }

    async fn stream(&self, stream_name: &str) -> Result<jetstream::stream::Stream, FleetError> {
        self.js
            .get_stream(stream_name)
            .await
            .map_err(js_err(format!("find stream {stream_name}")))
    }

    /// Consumer `name` of `stream`, made when missing.
    async fn consumer_of(
        &self,
        stream: &jetstream::stream::Stream,
        name: &str,
        subject: String,
        max_ack_pending: i64,
    ) -> Result<jetstream::consumer::Consumer<pull::Config>, FleetError> {
        stream
            .get_or_create_consumer(
                name,
                pull::Config {
                    durable_name: Some(name.to_string()),
                    filter_subject: subject,
                    ack_policy: jetstream::consumer::AckPolicy::Explicit,
                    ack_wait: self.settings.ack_wait,
                    max_deliver: self.settings.max_deliver,
                    max_ack_pending,
                    ..Default::default()
                },
            )
            .await
            .map_err(js_err(format!("make consumer {name}")))
    }
}
