//! Publishing a URL's outcome on the results stream, as workers do for
//! every URL they finish and for those out of deliveries
//! ([`exhausted`](super::exhausted)), and the counts of what a worker
//! published.

use super::connection::{Fleet, FleetError, js_err};
use super::message::{ResultMessage, Task, WarcPart, WireRecord, record_key};
use crate::crawl::pipeline::PageOutcome;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The error kind of the record of a URL that reached its last delivery
/// (`nats.max_deliver`) with every earlier one unfinished.
pub const DELIVERY_LIMIT: &str = "delivery_limit";

/// What a worker did so far.
#[derive(Debug, Default)]
pub struct WorkerCounts {
    /// Records published.
    pub done: AtomicU64,
    /// Of those, records of failures, by error kind.
    pub failed: Mutex<BTreeMap<String, u64>>,
    /// Messages that came for a second time or more.
    pub redelivered: AtomicU64,
    /// Entries of feeds and sitemaps queued.
    pub discovered: AtomicU64,
    /// Messages handed back (nak) at a stop.
    pub handed_back: AtomicU64,
    /// Milliseconds from the enqueue of the latest message to its claim.
    pub lag_ms: AtomicU64,
}

impl WorkerCounts {
    /// A one-line summary for logs.
    pub fn summary(&self) -> String {
        let failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        let kinds: Vec<String> = failed.iter().map(|(k, n)| format!("{k} {n}")).collect();
        format!(
            "{} done ({} failed{}{}), {} redelivered, {} discovered, {} handed back, lag {} ms",
            self.done.load(Ordering::Relaxed),
            failed.values().sum::<u64>(),
            if kinds.is_empty() { "" } else { ": " },
            kinds.join(", "),
            self.redelivered.load(Ordering::Relaxed),
            self.discovered.load(Ordering::Relaxed),
            self.handed_back.load(Ordering::Relaxed),
            self.lag_ms.load(Ordering::Relaxed),
        )
    }
}

/// Room left in a payload for what is not the record and its WARC bytes
/// (the JSON's WARC part, headers, the protocol's own bytes).
const PAYLOAD_MARGIN: usize = 4096;

/// Publish the record of `task` (no WARC records) and wait until the
/// server stored it.
pub(crate) async fn publish(
    fleet: &Fleet,
    task: &Task,
    record: crate::io::output::Record,
) -> Result<(), FleetError> {
    let outcome = PageOutcome {
        record: Some(record),
        warc: Vec::new(),
    };
    publish_archived(fleet, task, outcome, None).await
}

/// Publish the outcome of `task` and wait until the server stored it: its
/// record and, when the worker archives (`info_id` of its `warcinfo`), its
/// WARC records, after the JSON in the same payload when both fit in the
/// server's largest payload, else in chunks on the chunks stream first (a
/// record too large for a message goes there too).
pub(crate) async fn publish_archived(
    fleet: &Fleet,
    task: &Task,
    outcome: PageOutcome,
    info_id: Option<&str>,
) -> Result<(), FleetError> {
    let key = record_key(&task.url, task.epoch);
    let mut message = ResultMessage {
        key: key.clone(),
        epoch: task.epoch,
        record: outcome.record.map(WireRecord::from),
        record_chunks: Vec::new(),
        warc: None,
    };
    // Only a record with a long text can be too large: measured only then.
    let long = message
        .record
        .as_ref()
        .and_then(|r| r.article.as_ref())
        .is_some_and(|a| a.text.len() * 2 + PAYLOAD_MARGIN > fleet.max_payload());
    if long {
        let json = serde_json::to_vec(&message.record).map_err(js_err("encode a record"))?;
        if json.len() + PAYLOAD_MARGIN > fleet.max_payload() {
            message.record_chunks = super::chunks::put_chunks(fleet, &json).await?;
            message.record = None;
        }
    }
    let mut inline: &[u8] = &[];
    if let Some(info_id) = info_id {
        let mut part = WarcPart {
            info_id: info_id.to_string(),
            ..Default::default()
        };
        // The record's JSON is measured only when there is something to
        // send with it.
        let fits = outcome.warc.is_empty()
            || serde_json::to_vec(&message)
                .map_err(js_err("encode a record"))?
                .len()
                + outcome.warc.len()
                + PAYLOAD_MARGIN
                <= fleet.max_payload();
        if fits {
            part.inline = outcome.warc.len() as u64;
            inline = &outcome.warc;
        } else {
            part.chunks = super::chunks::put_chunks(fleet, &outcome.warc).await?;
        }
        message.warc = Some(part);
    }
    let body = message.encode(inline).map_err(js_err("encode a record"))?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", key.as_str());
    let ack = fleet
        .js()
        .publish_with_headers(fleet.results_subject(), headers, body.into())
        .await
        .map_err(js_err("publish a record"))?;
    ack.await.map_err(js_err("publish a record"))?;
    Ok(())
}
