//! URLs that ran out of deliveries: each still gets one record, of kind
//! [`DELIVERY_LIMIT`].
//!
//! A worker gives a URL at its last delivery that record instead of a
//! fetch (see [`worker`](super::worker)), but that cannot cover every case:
//! with `max_deliver = 1` the only delivery is the last and is fetched, and
//! a worker can die during the last delivery itself. Either way the server
//! stops delivering the message and leaves it in the frontier stream, with
//! no record. When it gives up on a message, the server publishes a
//! max-deliveries advisory (`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.
//! <stream>.<consumer>`, naming the message's stream sequence); the
//! `<prefix>-exhausted` stream keeps those of the frontier's consumers, so
//! none is lost while no worker runs.
//!
//! Every worker serves that stream's durable consumer: for an advisory, it
//! reads the frontier message by its sequence, publishes the URL's
//! `delivery_limit` record under the URL's usual key (so a record published
//! by the worker that died, or a second advisory, is a duplicate the server
//! or the sink drops: the first record wins), deletes the message from the
//! frontier, then acks the advisory. A worker that dies on the way leaves
//! the advisory to another; a message already gone (deleted by an earlier
//! handling of the same advisory) is only acked.

use super::connection::{Fleet, FleetError, js_err};
use super::message::Task;
use super::publish::{DELIVERY_LIMIT, WorkerCounts};
use async_nats::jetstream::{self, AckKind, consumer::pull, stream};
use futures_util::StreamExt;
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;

/// What a max-deliveries advisory says (the fields pith reads).
#[derive(Debug, Deserialize)]
struct Advisory {
    /// The stream of the message.
    stream: String,
    /// The message's sequence in it.
    stream_seq: u64,
    /// How many times it was delivered.
    #[serde(default)]
    deliveries: u64,
}

/// The name of the stream that keeps the advisories.
pub fn stream_name(fleet: &Fleet) -> String {
    format!("{}-exhausted", fleet.settings().stream_prefix)
}

/// The subjects of the advisories of the frontier's consumers.
fn advisory_subject(fleet: &Fleet) -> String {
    format!(
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{}.*",
        fleet.frontier_stream()
    )
}

/// Make the stream of the advisories, when missing.
pub(crate) async fn make_stream(fleet: &Fleet) -> Result<(), FleetError> {
    fleet
        .make_stream(stream::Config {
            name: stream_name(fleet),
            subjects: vec![advisory_subject(fleet)],
            retention: stream::RetentionPolicy::WorkQueue,
            ..Default::default()
        })
        .await
}

/// The durable pull consumer of the advisories, made when missing.
pub(crate) async fn consumer(
    fleet: &Fleet,
) -> Result<jetstream::consumer::Consumer<pull::Config>, FleetError> {
    let name = stream_name(fleet);
    let stream = fleet
        .js()
        .get_stream(&name)
        .await
        .map_err(js_err(format!("find stream {name}")))?;
    stream
        .get_or_create_consumer(
            &name,
            pull::Config {
                durable_name: Some(name.clone()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: fleet.settings().ack_wait,
                // Handled again and again it would only repeat a duplicate.
                max_deliver: -1,
                max_ack_pending: 64,
                ..Default::default()
            },
        )
        .await
        .map_err(js_err(format!("make consumer {name}")))
}

/// Advisories waiting or being handled: URLs whose record is still to come.
pub async fn waiting(fleet: &Fleet) -> Result<u64, FleetError> {
    let info = consumer(fleet)
        .await?
        .get_info()
        .await
        .map_err(js_err("read the consumer of the exhausted URLs"))?;
    Ok(info.num_pending + info.num_ack_pending as u64)
}

/// Handle advisories until `halt` turns true.
pub(crate) async fn serve(
    fleet: Arc<Fleet>,
    counts: Arc<WorkerCounts>,
    mut halt: watch::Receiver<bool>,
) {
    let consumer = match consumer(&fleet).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("URLs past their last delivery will get no record from here: {e}");
            return;
        }
    };
    let mut messages = match consumer.messages().await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("URLs past their last delivery will get no record from here: {e}");
            return;
        }
    };
    loop {
        if *halt.borrow() {
            return;
        }
        let msg = tokio::select! {
            _ = halt.changed() => continue,
            m = messages.next() => match m {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    tracing::debug!("advisories: {e}");
                    continue;
                }
                None => return,
            },
        };
        match handle(&fleet, &counts, &msg).await {
            Ok(()) => {
                if let Err(e) = msg.double_ack().await {
                    tracing::debug!("cannot ack an advisory: {e}");
                }
            }
            Err(e) => {
                tracing::warn!("a URL past its last delivery: {e}; left for another try");
                let _ = msg
                    .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                    .await;
            }
        }
    }
}

/// One advisory: the record of its URL published, its frontier message
/// deleted.
async fn handle(
    fleet: &Fleet,
    counts: &WorkerCounts,
    msg: &jetstream::Message,
) -> Result<(), FleetError> {
    let advisory: Advisory = match serde_json::from_slice(&msg.payload) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!("not a max-deliveries advisory, dropped: {e}");
            return Ok(());
        }
    };
    if advisory.stream != fleet.frontier_stream() {
        return Ok(());
    }
    let frontier = fleet
        .js()
        .get_stream(&advisory.stream)
        .await
        .map_err(js_err("find the frontier stream"))?;
    let task_msg = match frontier.get_raw_message(advisory.stream_seq).await {
        Ok(m) => m,
        Err(e)
            if e.kind() == async_nats::jetstream::stream::RawMessageErrorKind::NoMessageFound =>
        {
            // Handled already (or acked after all): nothing to do.
            return Ok(());
        }
        Err(e) => return Err(js_err("read a frontier message")(e)),
    };
    let task: Task = match serde_json::from_slice(&task_msg.payload) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("not a pith task on the frontier, deleted: {e}");
            delete(&frontier, advisory.stream_seq).await?;
            return Ok(());
        }
    };
    let record = crate::io::output::Record::failed(
        task.source.clone(),
        Some(task.url.clone()),
        DELIVERY_LIMIT,
        format!(
            "delivered {} times (nats.max_deliver) without a worker finishing it; not fetched again",
            advisory.deliveries
        ),
    );
    tracing::warn!(url = %task.url, deliveries = advisory.deliveries, "no delivery left: an error record");
    super::publish::publish(fleet, &task, record).await?;
    delete(&frontier, advisory.stream_seq).await?;
    counts.done.fetch_add(1, Ordering::Relaxed);
    *counts
        .failed
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(DELIVERY_LIMIT.to_string())
        .or_default() += 1;
    Ok(())
}

/// Delete message `seq` of the frontier; one already gone is no error.
async fn delete(frontier: &stream::Stream, seq: u64) -> Result<(), FleetError> {
    use async_nats::jetstream::{ErrorCode, stream::DeleteMessageErrorKind};
    match frontier.delete_message(seq).await {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(e.kind(), DeleteMessageErrorKind::JetStream(j)
                if j.error_code() == ErrorCode::NO_MESSAGE_FOUND) =>
        {
            Ok(())
        }
        Err(e) => Err(js_err("delete a frontier message")(e)),
    }
}
