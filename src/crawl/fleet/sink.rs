//! The fleet's one writer: a durable consumer on the results stream whose
//! records go to an output with the writers of `pith run` ([`Sink`]), each
//! exactly once.
//!
//! For each record: when the ledger (the SQLite state) knows its key, it
//! was written already (a redelivery, or a duplicate older than the
//! server's window) and is only acked. Otherwise it is written and flushed;
//! then its key, its stream sequence, its URL and, for a file output, the
//! file's new length are committed in one transaction; then it is acked.
//! A sink killed between the write and the commit leaves bytes beyond the
//! committed length: [`recover`] cuts them at the next start, and the
//! record, never acked, comes again. Killed between the commit and the ack,
//! the record comes again and is known. A directory output keeps one index
//! line per URL, so a record written twice there (a crash in the same
//! window) still counts once.

use super::message::ResultMessage;
use super::{Fleet, FleetError};
use crate::crawl::state::StateStore;
use crate::io::output::{Record, Sink};
use async_nats::jetstream::{self, AckKind};
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How the sink runs.
#[derive(Debug, Clone, Default)]
pub struct SinkSettings {
    /// Stop once no record came for this long, the frontier is empty and
    /// no record waits.
    pub idle_exit: Option<Duration>,
}

/// What the sink did so far.
#[derive(Debug, Default)]
pub struct SinkCounts {
    /// Records written.
    pub written: AtomicU64,
    /// Records already written, acked without writing.
    pub duplicates: AtomicU64,
}

/// Before opening a file output: cut what was written after the ledger's
/// last commit (a sink killed mid-record, or between a record and its
/// commit). Returns the bytes cut. A file the ledger does not know is
/// taken as it is.
pub fn recover(store: &StateStore, output: &Path) -> Result<u64, FleetError> {
    let key = output.to_string_lossy();
    let len = std::fs::metadata(output).map_or(0, |m| m.len());
    match store.fleet_committed_len(&key)? {
        Some(committed) if len > committed => {
            let f = std::fs::OpenOptions::new().write(true).open(output)?;
            f.set_len(committed)?;
            f.sync_all()?;
            tracing::warn!(
                path = %output.display(),
                cut = len - committed,
                "cut what was written after the last committed record"
            );
            Ok(len - committed)
        }
        Some(committed) if len < committed => {
            // Shortened by hand: take it as it is now.
            store.fleet_set_committed_len(&key, len)?;
            Ok(0)
        }
        Some(_) => Ok(0),
        None => {
            store.fleet_set_committed_len(&key, len)?;
            Ok(0)
        }
    }
}

/// Write the fleet's records to `out` until `stop` turns true (or, with
/// `idle_exit`, the work is done). `file` is the output file when `out`
/// appends to one (its length goes in the ledger), `None` for a directory.
pub async fn drain(
    fleet: &Fleet,
    out: &mut Sink,
    file: Option<PathBuf>,
    store: &StateStore,
    settings: &SinkSettings,
    counts: &SinkCounts,
    mut stop: watch::Receiver<bool>,
) -> Result<(), FleetError> {
    let consumer = fleet.sink_consumer().await?;
    let mut messages = consumer
        .messages()
        .await
        .map_err(super::js_err("read the results"))?;
    let mut last = Instant::now();
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        tokio::select! {
            _ = stop.changed() => {}
            m = messages.next() => match m {
                Some(Ok(msg)) => {
                    take(msg, out, file.as_deref(), store, counts).await?;
                    last = Instant::now();
                }
                Some(Err(e)) => tracing::debug!("results: {e}"),
                None => return Ok(()),
            },
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                if let Some(idle) = settings.idle_exit {
                    if last.elapsed() >= idle && is_done(fleet).await {
                        tracing::info!("the frontier is empty and every record is written: stopping");
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// Whether no URL waits or is worked on and no record waits for the sink.
async fn is_done(fleet: &Fleet) -> bool {
    match super::status::status(fleet).await {
        Ok(s) => s.frontier_is_empty() && s.results_pending == 0 && s.results_in_flight == 0,
        Err(_) => false,
    }
}

/// One result: written unless the ledger knows it, committed, acked.
async fn take(
    msg: jetstream::Message,
    out: &mut Sink,
    file: Option<&Path>,
    store: &StateStore,
    counts: &SinkCounts,
) -> Result<(), FleetError> {
    let seq = msg.info().map(|i| i.stream_sequence).unwrap_or(0);
    let result: ResultMessage = match serde_json::from_slice(&msg.payload) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(seq, "not a pith record on the results stream, dropped: {e}");
            let _ = msg.ack_with(AckKind::Term).await;
            return Ok(());
        }
    };
    if store.fleet_has(&result.key)? {
        counts.duplicates.fetch_add(1, Ordering::Relaxed);
        ack(&msg).await;
        return Ok(());
    }
    let record: Record = result.record.into();
    if let Some(replaced) = out.put(&record)? {
        tracing::warn!(url = ?replaced.url, "article file not written: an output error record instead");
    }
    let output = match file {
        Some(p) => Some((
            p.to_string_lossy().into_owned(),
            std::fs::metadata(p)?.len(),
        )),
        None => None,
    };
    store.fleet_commit(
        &result.key,
        record.url.as_deref(),
        seq,
        output.as_ref().map(|(p, n)| (p.as_str(), *n)),
    )?;
    counts.written.fetch_add(1, Ordering::Relaxed);
    ack(&msg).await;
    Ok(())
}

async fn ack(msg: &jetstream::Message) {
    if let Err(e) = msg.ack().await {
        // It comes again, and is known then.
        tracing::debug!("cannot ack a record: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_written_after_the_last_commit_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(&dir.path().join("state.sqlite")).unwrap();
        let out = dir.path().join("out.jsonl");
        std::fs::write(&out, "{\"kept\":true}\n").unwrap();
        // A file the ledger does not know is taken as it is.
        assert_eq!(recover(&store, &out).unwrap(), 0);
        let key = out.to_string_lossy().into_owned();
        assert_eq!(store.fleet_committed_len(&key).unwrap(), Some(14));
        // One record written and committed, a second written, then a crash.
        let one = "{\"url\":\"a\"}\n";
        std::fs::write(
            &out,
            format!("{{\"kept\":true}}\n{one}{{\"url\":\"b\",\"te"),
        )
        .unwrap();
        store
            .fleet_commit("ka", Some("a"), 7, Some((&key, 14 + one.len() as u64)))
            .unwrap();
        assert_eq!(recover(&store, &out).unwrap(), 14);
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            format!("{{\"kept\":true}}\n{one}")
        );
        assert!(store.fleet_has("ka").unwrap() && !store.fleet_has("kb").unwrap());
        assert_eq!(store.fleet_written().unwrap(), 1);
        // Nothing beyond the commit: nothing cut.
        assert_eq!(recover(&store, &out).unwrap(), 0);
    }
}
