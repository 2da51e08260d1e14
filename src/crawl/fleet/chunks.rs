//! What is too large for one message: chunks on the `<prefix>-chunks`
//! stream.
//!
//! A worker publishes a URL's record (its JSON) or its WARC records (gzip
//! members), when they do not fit in the server's largest payload, in
//! chunks that each fit, waits until the server stored them all, and names
//! their stream sequences in the result it publishes next
//! ([`ResultMessage::record_chunks`](super::message::ResultMessage),
//! [`WarcPart::chunks`](super::message::WarcPart)). The sink reads them
//! back by sequence, joins them in order, and deletes them once the record
//! is committed. Chunks nobody names (their worker died before it published
//! the result) expire after [`KEEP`].

use super::connection::{Fleet, FleetError, js_err};
use async_nats::jetstream::stream;
use std::time::Duration;

/// How long chunks are kept at most: long enough for a sink that was
/// stopped a while to find them.
pub const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// The smallest chunk, whatever the server's largest payload.
const MIN_CHUNK: usize = 16 * 1024;

/// The stream's name.
pub fn stream_name(fleet: &Fleet) -> String {
    format!("{}-chunks", fleet.settings().stream_prefix)
}

fn subject(fleet: &Fleet) -> String {
    format!("{}.chunks", fleet.settings().stream_prefix)
}

/// Make the stream, when missing.
pub(crate) async fn make_stream(fleet: &Fleet) -> Result<(), FleetError> {
    fleet
        .make_stream(stream::Config {
            name: stream_name(fleet),
            subjects: vec![subject(fleet)],
            retention: stream::RetentionPolicy::Limits,
            max_age: KEEP,
            ..Default::default()
        })
        .await
}

/// Publish `bytes` in chunks that fit in a message; their stream
/// sequences, in order, once the server stored them all.
pub(crate) async fn put_chunks(fleet: &Fleet, bytes: &[u8]) -> Result<Vec<u64>, FleetError> {
    let size = fleet.max_payload().saturating_sub(4096).max(MIN_CHUNK);
    let mut acks = Vec::new();
    for chunk in bytes.chunks(size) {
        let ack = fleet
            .js()
            .publish(subject(fleet), chunk.to_vec().into())
            .await
            .map_err(js_err("publish a chunk"))?;
        acks.push(ack);
    }
    let mut seqs = Vec::with_capacity(acks.len());
    for ack in acks {
        seqs.push(ack.await.map_err(js_err("publish a chunk"))?.sequence);
    }
    Ok(seqs)
}

/// The chunks at `seqs`, joined in order.
pub(crate) async fn get_chunks(fleet: &Fleet, seqs: &[u64]) -> Result<Vec<u8>, FleetError> {
    let stream = fleet
        .js()
        .get_stream(stream_name(fleet))
        .await
        .map_err(js_err("find the chunks stream"))?;
    let mut out = Vec::new();
    for &seq in seqs {
        let m = stream
            .get_raw_message(seq)
            .await
            .map_err(js_err(format!("read chunk {seq}")))?;
        out.extend_from_slice(&m.payload);
    }
    Ok(out)
}

/// Delete the chunks at `seqs` (written, or of a record written already);
/// one already gone is no error.
pub(crate) async fn delete_chunks(fleet: &Fleet, seqs: &[u64]) {
    if seqs.is_empty() {
        return;
    }
    let Ok(stream) = fleet.js().get_stream(stream_name(fleet)).await else {
        return;
    };
    for &seq in seqs {
        if let Err(e) = stream.delete_message(seq).await {
            tracing::debug!(seq, "cannot delete a chunk: {e}");
        }
    }
}
