//! Fleet work on NATS JetStream: `pith enqueue` fills a frontier, any number
//! of `pith worker`s fetch and extract, one `pith sink` writes the records.
//!
//! ```text
//!  enqueue ──► <prefix>.frontier.<p>  (work queue, one durable pull
//!                   │                  consumer per partition p,
//!                   │                  max_ack_pending = 1)
//!        ┌──────────┼──────────┐
//!     worker     worker     worker ──► <prefix>.results ──► sink ──► output
//!        │                   <prefix>.chunks (large records, WARC) ┘
//!        └── KV: <prefix>-seen (URL → epoch)                 (+ SQLite ledger)
//!            KV: <prefix>-robots (origin → robots.txt, 24 h)
//!            KV: <prefix>-pages (URL → validators, content hash, revisions;
//!                written by the sink, read by workers before a fetch)
//!            KV: <prefix>-layout (the partition count: one per fleet)
//!  server advisories of URLs out of deliveries ──► <prefix>-exhausted ──► workers
//! ```
//!
//! A URL's partition is the hash of its registrable domain (the `--shard`
//! hash) modulo the partitions, and each partition lets one message out at
//! a time: the worker holding it fetches, publishes the record, waits the
//! host's delay, then acks. So two requests to one host are never closer
//! than the delay, whichever workers make them, and a worker that dies
//! gives its lease back after `ack_wait`.
//!
//! Records are published with `Nats-Msg-Id` set to the hash of the
//! normalized URL and the epoch ([`record_key`]); the frontier message is
//! acked only once that publish is confirmed, and the sink notes each key
//! and the output's length in its SQLite state in one commit after writing
//! (see [`sink`]). Fetching is at least once, records exactly once.

pub mod chunks;
pub mod connection;
pub mod exhausted;
pub mod frontier;
pub mod message;
pub mod pages;
pub mod publish;
pub mod robots;
pub mod seen;
pub mod sink;
pub mod status;
pub mod worker;

pub use connection::{Fleet, FleetError, FleetSettings, redact};
pub use message::record_key;

use async_nats::jetstream::stream;
use connection::js_err;
use std::time::Duration;

impl Fleet {
    /// Connect, and make the streams, consumers and buckets that are
    /// missing (existing ones are used as they are).
    pub async fn connect(settings: FleetSettings) -> Result<Fleet, FleetError> {
        let fleet = Fleet::open(settings).await?;
        fleet.make_streams().await?;
        Ok(fleet)
    }

    async fn make_streams(&self) -> Result<(), FleetError> {
        let window = self.duplicate_window();
        let prefix = &self.settings().stream_prefix;
        for (name, subject) in [
            (self.frontier_stream(), format!("{prefix}.frontier.*")),
            (self.results_stream(), self.results_subject()),
        ] {
            self.make_stream(stream::Config {
                name,
                subjects: vec![subject],
                retention: stream::RetentionPolicy::WorkQueue,
                duplicate_window: window,
                ..Default::default()
            })
            .await?;
        }
        exhausted::make_stream(self).await?;
        chunks::make_stream(self).await?;
        self.make_bucket(&seen::bucket(self), Duration::ZERO)
            .await?;
        self.make_bucket(&pages::bucket(self), Duration::ZERO)
            .await?;
        self.make_bucket(
            &robots::bucket(self),
            crate::crawl::fetch::robots::ROBOTS_TTL,
        )
        .await?;
        self.make_bucket(&self.layout_bucket(), Duration::ZERO)
            .await?;
        self.check_partitions().await
    }

    /// The bucket of the fleet's layout (its partition count).
    fn layout_bucket(&self) -> String {
        self.name("layout")
    }

    /// Note the partition count in the layout bucket when it has none, and
    /// refuse one that differs from it: URLs would go to partitions no
    /// worker serves, and one host could be served by two partitions.
    async fn check_partitions(&self) -> Result<(), FleetError> {
        let store = self.bucket(&self.layout_bucket()).await?;
        let ours = self.settings().partitions.to_string();
        match store.create("partitions", ours.clone().into()).await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == async_nats::jetstream::kv::CreateErrorKind::AlreadyExists => {}
            Err(e) => return Err(js_err("note the partition count")(e)),
        }
        let theirs = store
            .get("partitions")
            .await
            .map_err(js_err("read the partition count"))?
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default();
        if theirs == ours {
            return Ok(());
        }
        Err(FleetError::Setting(format!(
            "nats.partitions = {ours}, but the fleet under stream_prefix {:?} was made with {theirs}: \
             every command of a fleet must use the same partitions (or another stream_prefix)",
            self.settings().stream_prefix
        )))
    }
}
