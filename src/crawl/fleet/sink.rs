//! The fleet's one writer: a durable consumer on the results stream whose
//! records go to an output with the writers of `pith run` ([`Sink`]), each
//! exactly once.
//!
//! Records are taken in batches: those that came within 20 ms of the
//! first, up to 256. For each record: when the ledger (the SQLite state) knows its
//! key (or the batch had it already), it was written already (a
//! redelivery, or a duplicate older than the server's window) and is only
//! acked. Otherwise it is written and flushed. Then the batch's keys,
//! stream sequences and URLs and, for a file output, the file's new length
//! are committed in one transaction; then its records are acked. A sink
//! killed between a write and the commit leaves bytes beyond the
//! committed length: [`recover`] cuts them at the next start, and the
//! records, never acked, come again. Killed between the commit and the
//! acks, the records come again and are known. A directory output keeps one index
//! line per URL, so a record written twice there (a crash in the same
//! window) still counts once.
//!
//! With a WARC file, a URL's WARC records (sent by workers that archive)
//! are appended before its record, preceded once by the `warcinfo` record
//! of the worker that made them; the WARC file's length and the `warcinfo`
//! records written are committed with the rest, so it too is cut back after
//! a crash and holds each URL's records once.
//!
//! As `pith run` with its state, an article that repeats one written
//! earlier in the same epoch (the same URL after redirects, canonical URL
//! or text) is not written again: the keys of the articles written are in
//! the ledger, so the rule holds across restarts of the sink. And as it,
//! each URL's visit is noted in the state (validators, content hash,
//! revisions), whence it is copied to the fleet's bucket of pages for the
//! workers; an `unchanged` record is written only with `emit_unchanged`.

use super::connection::{Fleet, FleetError};
use super::message::{ResultMessage, WireRecord};
use crate::crawl::pipeline::{article_keys, hex_sha256};
use crate::crawl::state::StateStore;
use crate::crawl::state::{FleetBatch, Visit};
use crate::io::output::{Record, Sink};
use crate::io::warc::write::WarcEncoder;
use async_nats::jetstream::{self, AckKind};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The most records written under one commit.
const BATCH: usize = 256;
/// How long the first record of a batch waits for more to share its
/// commit: records come one by one, as workers finish them, and a
/// commit per record costs more than the records' own writing.
const LINGER: Duration = Duration::from_millis(20);

/// How the sink runs.
#[derive(Debug, Clone, Default)]
pub struct SinkSettings {
    /// Stop once no record came for this long, the frontier is empty and
    /// no record waits.
    pub idle_exit: Option<Duration>,
    /// Note each URL's visit in the state and the fleet's bucket of pages
    /// (see [`pages`](super::pages)), and drop an article repeated in an
    /// epoch by its canonical URL and text too (else by its URLs only), as
    /// `pith run` with its state.
    pub remember: bool,
    /// Also write records of pages that did not change.
    pub emit_unchanged: bool,
}

/// What the sink did so far.
#[derive(Debug, Default)]
pub struct SinkCounts {
    /// Records written.
    pub written: AtomicU64,
    /// Records already written, acked without writing.
    pub duplicates: AtomicU64,
    /// Articles not written: they repeat one written in the same epoch.
    pub repeats: AtomicU64,
    /// Articles unchanged since an earlier epoch (written only with
    /// `emit_unchanged`).
    pub unchanged: AtomicU64,
    /// URLs whose WARC records were appended.
    pub archived: AtomicU64,
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

/// Where the sink writes.
pub struct Outputs<'a> {
    /// The records.
    pub out: &'a mut Sink,
    /// The output file when `out` appends to one (its length goes in the
    /// ledger), `None` for a directory.
    pub file: Option<PathBuf>,
    /// The error records again (`--failures`), and its file (whose length
    /// goes in the ledger too).
    pub failures: Option<(&'a mut Sink, PathBuf)>,
    /// The WARC file, opened to append (its length goes in the ledger
    /// too), and its path.
    pub warc: Option<(&'a mut std::fs::File, PathBuf)>,
}

/// Write the fleet's records to `outputs` until `stop` turns true (or,
/// with `idle_exit`, the work is done).
pub async fn drain(
    fleet: &Fleet,
    mut outputs: Outputs<'_>,
    store: &StateStore,
    settings: &SinkSettings,
    counts: &SinkCounts,
    mut stop: watch::Receiver<bool>,
) -> Result<(), FleetError> {
    let consumer = fleet.sink_consumer().await?;
    let pages = match settings.remember {
        true => Some(super::pages::Pages::open(fleet).await?),
        false => None,
    };
    let mut messages = consumer
        .messages()
        .await
        .map_err(super::connection::js_err("read the results"))?;
    let mut last = Instant::now();
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        tokio::select! {
            _ = stop.changed() => {}
            m = messages.next() => match m {
                Some(Ok(msg)) => {
                    // With the records that come within [`LINGER`]: one
                    // commit for all.
                    let mut batch = vec![msg];
                    let linger = tokio::time::sleep(LINGER);
                    tokio::pin!(linger);
                    while batch.len() < BATCH {
                        tokio::select! {
                            biased;
                            m = messages.next() => match m {
                                Some(Ok(m)) => batch.push(m),
                                Some(Err(e)) => tracing::debug!("results: {e}"),
                                None => break,
                            },
                            _ = &mut linger => break,
                        }
                    }
                    take(fleet, batch, &mut outputs, store, (settings, pages.as_ref()), counts).await?;
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

/// The ledger's key of an article key of `epoch`.
fn article_key(epoch: u64, key: &str) -> String {
    let mut k = hex_sha256(format!("{epoch}\n{key}").as_bytes());
    k.truncate(32);
    k
}

/// How long a result whose record's chunks cannot be read waits before it
/// is delivered again.
const RETRY_CHUNKS: Duration = Duration::from_secs(30);

/// A batch of results: each written unless the ledger (or the batch)
/// knows it, then all committed at once, then all acked.
async fn take(
    fleet: &Fleet,
    batch: Vec<jetstream::Message>,
    outputs: &mut Outputs<'_>,
    store: &StateStore,
    (settings, pages): (&SinkSettings, Option<&super::pages::Pages>),
    counts: &SinkCounts,
) -> Result<(), FleetError> {
    let mut commit = FleetBatch::default();
    let mut keys = HashSet::new();
    let mut infos = HashSet::new();
    let mut articles: std::collections::HashMap<String, String> = Default::default();
    let mut chunks = Vec::new();
    let mut to_ack = Vec::with_capacity(batch.len());
    let mut written = 0u64;
    // URLs whose visit was noted: copied to the bucket of pages.
    let mut remembered = Vec::new();
    for msg in batch {
        let seq = msg.info().map(|i| i.stream_sequence).unwrap_or(0);
        let (result, inline) = match ResultMessage::decode(&msg.payload) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(seq, "not a pith record on the results stream, dropped: {e}");
                let _ = msg.ack_with(AckKind::Term).await;
                continue;
            }
        };
        let inline = inline.to_vec();
        let ResultMessage {
            key,
            epoch,
            mut record,
            record_chunks,
            warc,
        } = result;
        if !record_chunks.is_empty() {
            // A record too large for one message: its JSON in chunks.
            let read = super::chunks::get_chunks(fleet, &record_chunks)
                .await
                .and_then(|b| {
                    serde_json::from_slice::<WireRecord>(&b).map_err(|e| FleetError::JetStream {
                        what: "read a record in chunks".into(),
                        message: e.to_string(),
                    })
                });
            match read {
                Ok(r) => record = Some(r),
                Err(e) => {
                    // Left for later: the chunks may be readable again.
                    tracing::warn!(seq, "cannot read a record in chunks, left for later: {e}");
                    let _ = msg.ack_with(AckKind::Nak(Some(RETRY_CHUNKS))).await;
                    continue;
                }
            }
            chunks.extend_from_slice(&record_chunks);
        }
        if let Some(w) = &warc {
            chunks.extend_from_slice(&w.chunks);
        }
        if keys.contains(&key) || store.fleet_has(&key)? {
            counts.duplicates.fetch_add(1, Ordering::Relaxed);
            // Its visit may not have reached the bucket (a crash after the
            // commit): copied again.
            if let Some(url) = record.as_ref().and_then(|r| r.url.clone()) {
                remembered.push(url);
            }
            to_ack.push(msg);
            continue;
        }
        // The exchanges reach the WARC file before the record, as in
        // `pith run`.
        if let Some((file, path)) = outputs.warc.as_mut() {
            match warc {
                Some(part) => {
                    let bytes = if part.chunks.is_empty() {
                        Ok(inline)
                    } else {
                        super::chunks::get_chunks(fleet, &part.chunks).await
                    };
                    match bytes {
                        Ok(b) if b.is_empty() => {}
                        Ok(b) => {
                            if !infos.contains(&part.info_id)
                                && !store.fleet_has_warcinfo(&part.info_id)?
                            {
                                let name = path
                                    .file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default();
                                let info =
                                    WarcEncoder::with_info_id(&part.info_id).warcinfo(&name)?;
                                file.write_all(&info)?;
                                infos.insert(part.info_id.clone());
                                commit.warcinfos.push(part.info_id);
                            }
                            file.write_all(&b)?;
                            file.flush()?;
                            counts.archived.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => tracing::error!(
                            seq,
                            "the WARC records of a URL are lost: {e}; its record is written"
                        ),
                    }
                }
                None if record.is_some() => {
                    static SAID: std::sync::Once = std::sync::Once::new();
                    SAID.call_once(|| {
                        tracing::warn!(
                            "records come without their WARC records: start the workers with \
                             --archive (or [output] warc set)"
                        )
                    });
                }
                None => {}
            }
        }
        keys.insert(key.clone());
        let Some(wire) = record else {
            // A feed or sitemap: its WARC records only.
            commit.records.push((key, None, seq));
            to_ack.push(msg);
            continue;
        };
        let mut record: Record = wire.into();
        // As `pith run` writes a round: an article repeating one written in
        // this epoch is not written, nor is an unchanged one unless asked.
        let these: Vec<String> = article_keys(&record, settings.remember)
            .iter()
            .map(|k| article_key(epoch, k))
            .collect();
        let mut repeats = None;
        for k in &these {
            repeats = match articles.get(k) {
                Some(u) => Some(u.clone()),
                None => store.fleet_article(k)?,
            };
            if repeats.is_some() {
                break;
            }
        }
        if repeats.is_none() {
            let name = record.url.clone().unwrap_or_else(|| record.source.clone());
            for k in these {
                articles.insert(k.clone(), name.clone());
                commit.articles.push((k, name.clone()));
            }
        }
        let is_unchanged = record.is_unchanged();
        let repeats = repeats.filter(|_| !is_unchanged);
        let mut unchanged = is_unchanged || repeats.is_some();
        let write = !unchanged || settings.emit_unchanged && is_unchanged;
        if let Some(first) = &repeats {
            tracing::warn!(
                url = record.url.as_deref().unwrap_or(&record.source),
                repeats = %first,
                "skipped: repeats an article written in this epoch"
            );
            counts.repeats.fetch_add(1, Ordering::Relaxed);
        } else if is_unchanged {
            counts.unchanged.fetch_add(1, Ordering::Relaxed);
        }
        if write {
            if let Some(replaced) = outputs.out.put(&record)? {
                tracing::warn!(url = ?replaced.url, "article file not written: an output error record instead");
                record = replaced;
                unchanged = false;
            }
            written += 1;
        }
        if record.error.is_some() {
            if let Some((failures, _)) = outputs.failures.as_mut() {
                failures.write(&record)?;
            }
        }
        if pages.is_some() {
            // Noted in the batch's commit, with the record.
            if let Some(visit) = Visit::of(&record, write && !unchanged, repeats.is_some()) {
                commit.visits.push(visit);
                remembered.extend(record.url.clone());
            }
        }
        commit.records.push((key, record.url, seq));
        to_ack.push(msg);
    }
    if !commit.records.is_empty() {
        let files = outputs
            .file
            .iter()
            .chain(outputs.failures.as_ref().map(|(_, p)| p))
            .chain(outputs.warc.as_ref().map(|(_, p)| p));
        for p in files {
            commit.outputs.push((
                p.to_string_lossy().into_owned(),
                std::fs::metadata(p)?.len(),
            ));
        }
        store.fleet_commit_batch(&commit)?;
        counts.written.fetch_add(written, Ordering::Relaxed);
    }
    for msg in &to_ack {
        ack(msg).await;
    }
    // Written (or known): the chunks are of no more use.
    super::chunks::delete_chunks(fleet, &chunks).await;
    if let Some(pages) = pages {
        // All of the batch's at once: one round trip, not one per URL.
        let mut states = Vec::with_capacity(remembered.len());
        for url in remembered {
            if let Some(state) = store.get(&url)? {
                states.push((url, state));
            }
        }
        let puts = states.iter().map(|(url, state)| async move {
            if let Err(e) = pages.put(url, state).await {
                tracing::warn!(%url, "{e}: its next fetch is not conditional");
            }
        });
        futures_util::future::join_all(puts).await;
    }
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
