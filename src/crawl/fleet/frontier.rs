//! The frontier: URL lines in, one [`Task`] per URL not yet queued in the
//! epoch, published on its partition's subject (`<prefix>.frontier.<p>`).
//! `pith enqueue` streams lists through [`enqueue`]; workers queue the
//! entries of feeds and sitemaps through [`Frontier::queue`].

use super::connection::{Fleet, FleetError, js_err};
use super::message::Task;
use super::seen::Seen;
use crate::crawl::pipeline::{Line, url_of_line};
use async_nats::jetstream::context::PublishAckFuture;
use std::collections::VecDeque;
use tokio::sync::mpsc;

/// Publishes awaited at once while enqueueing (their acks come back in a
/// pipeline, not one round trip per URL).
const PUBLISHES_IN_FLIGHT: usize = 256;

/// What an enqueue did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnqueueReport {
    /// URLs published to the frontier.
    pub queued: u64,
    /// URLs skipped: queued in this epoch already.
    pub seen: u64,
    /// Lines that could not be read (not UTF-8, a read error): skipped.
    pub unreadable: u64,
}

/// Puts URLs on the frontier, each once per epoch.
pub struct Frontier<'a> {
    fleet: &'a Fleet,
    seen: Seen,
    acks: VecDeque<PublishAckFuture>,
}

impl<'a> Frontier<'a> {
    /// The frontier of `fleet`.
    pub async fn open(fleet: &'a Fleet) -> Result<Frontier<'a>, FleetError> {
        Ok(Frontier {
            fleet,
            seen: Seen::open(fleet).await?,
            acks: VecDeque::new(),
        })
    }

    /// Queue `task` unless its URL was queued in its epoch already;
    /// returns whether it was. Its publish is confirmed by [`Frontier::flush`]
    /// (or a later call, once many are pending).
    pub async fn queue(&mut self, task: Task) -> Result<bool, FleetError> {
        if !self.seen.first_in_epoch(&task.url, task.epoch).await? {
            return Ok(false);
        }
        let subject = self
            .fleet
            .frontier_subject(self.fleet.partition_of(&task.url));
        let mut headers = async_nats::HeaderMap::new();
        let id = format!("f{}", super::message::record_key(&task.url, task.epoch));
        headers.insert("Nats-Msg-Id", id.as_str());
        let body = serde_json::to_vec(&task).map_err(js_err("encode a task"))?;
        let ack = self
            .fleet
            .js()
            .publish_with_headers(subject, headers, body.into())
            .await
            .map_err(js_err("publish to the frontier"))?;
        self.acks.push_back(ack);
        while self.acks.len() >= PUBLISHES_IN_FLIGHT {
            self.confirm_one().await?;
        }
        Ok(true)
    }

    async fn confirm_one(&mut self) -> Result<(), FleetError> {
        if let Some(ack) = self.acks.pop_front() {
            ack.await.map_err(js_err("publish to the frontier"))?;
        }
        Ok(())
    }

    /// Wait until every task queued so far is stored by the server.
    pub async fn flush(&mut self) -> Result<(), FleetError> {
        while !self.acks.is_empty() {
            self.confirm_one().await?;
        }
        Ok(())
    }
}

/// Queue every URL line of `lines` in `epoch`: comments and blank lines
/// are skipped, as are URLs queued in the epoch already.
pub async fn enqueue(
    fleet: &Fleet,
    mut lines: mpsc::Receiver<Line>,
    epoch: u64,
) -> Result<EnqueueReport, FleetError> {
    let mut frontier = Frontier::open(fleet).await?;
    let mut report = EnqueueReport::default();
    while let Some(line) = lines.recv().await {
        if let Some(e) = &line.error {
            tracing::warn!(source = %line.source, "{}: {}", e.kind, e.message);
            report.unreadable += 1;
            continue;
        }
        let Some(url) = url_of_line(&line.text) else {
            continue;
        };
        let task = Task {
            url,
            source: line.source,
            depth: line.depth,
            epoch,
        };
        if frontier.queue(task).await? {
            report.queued += 1;
        } else {
            report.seen += 1;
        }
    }
    frontier.flush().await?;
    Ok(report)
}
