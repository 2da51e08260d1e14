//! What `pith run` remembers between runs, per URL: validators (`ETag`,
//! `Last-Modified`), the content hash of the last article written (or, for a
//! URL whose article repeated another URL's, seen), when the
//! URL was first and last seen, its last status, and how many revisions were
//! written. SQLite (bundled, so nothing to install), created on first use, in
//! WAL mode.
//!
//! The writer commits a URL's state only after its record is written and
//! flushed, so a crash between the two can repeat a record on the next run
//! but never lose one.
//!
//! Every call blocks on SQLite: async callers run them on tokio's blocking
//! pool (`spawn_blocking`), never on a worker thread.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

/// What is known of a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageState {
    /// `ETag` of the last response.
    pub etag: Option<String>,
    /// `Last-Modified` of the last response.
    pub last_modified: Option<String>,
    /// SHA-256 of the last article text written.
    pub content_hash: Option<String>,
    /// Articles written for the URL so far.
    pub revisions: u32,
}

/// Why the state store failed.
#[derive(Debug, thiserror::Error)]
#[error("state store: {0}")]
pub struct StateError(#[from] rusqlite::Error);

/// The store.
pub struct StateStore {
    conn: Mutex<Connection>,
}

impl StateStore {
    /// Open (or create) the store at `path`.
    pub fn open(path: &Path) -> Result<StateStore, StateError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // A commit survives the process dying at any moment (what the output
        // file promises too, being flushed, not synced); NORMAL skips the
        // fsync per commit that only power loss would need.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS pages (
                url TEXT PRIMARY KEY,
                etag TEXT,
                last_modified TEXT,
                content_hash TEXT,
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL,
                last_status INTEGER,
                revisions INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE IF NOT EXISTS fleet_records (
                key TEXT PRIMARY KEY,
                url TEXT,
                seq INTEGER NOT NULL,
                written_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS fleet_outputs (
                path TEXT PRIMARY KEY,
                committed_len INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS fleet_warcinfo (
                id TEXT PRIMARY KEY
            );
            CREATE TABLE IF NOT EXISTS fleet_articles (
                key TEXT PRIMARY KEY,
                url TEXT NOT NULL
            )",
        )?;
        Ok(StateStore {
            conn: Mutex::new(conn),
        })
    }

    /// The state of `url`, if it was seen before.
    pub fn get(&self, url: &str) -> Result<Option<PageState>, StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn
            .prepare_cached(
                "SELECT etag, last_modified, content_hash, revisions FROM pages WHERE url = ?1",
            )?
            .query_row(params![url], |r| {
                Ok(PageState {
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                    content_hash: r.get(2)?,
                    revisions: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// Note a visit to `url`. `written` is the hash of an article just
    /// written (its revision count goes up when the hash is new for the
    /// URL); `None` keeps the stored hash. A failed visit passes no
    /// validators, so that the next run fetches the page whole again.
    pub fn visit(
        &self,
        url: &str,
        status: Option<u16>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        written: Option<&str>,
    ) -> Result<(), StateError> {
        self.note(url, status, etag, last_modified, written, false)
    }

    /// Note a visit to `url` whose article repeated one written under
    /// another URL: its hash is kept (so that the next run finds it
    /// unchanged), but it counts as no revision, since nothing was written.
    pub fn visit_repeat(
        &self,
        url: &str,
        status: Option<u16>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        hash: &str,
    ) -> Result<(), StateError> {
        self.note(url, status, etag, last_modified, Some(hash), true)
    }

    fn note(
        &self,
        url: &str,
        status: Option<u16>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        hash: Option<&str>,
        repeat: bool,
    ) -> Result<(), StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        note_on(&conn, url, status, etag, last_modified, hash, repeat)
    }
}

/// Note a visit on `conn` (see [`StateStore::visit`] and
/// [`StateStore::visit_repeat`]).
fn note_on(
    conn: &Connection,
    url: &str,
    status: Option<u16>,
    etag: Option<&str>,
    last_modified: Option<&str>,
    hash: Option<&str>,
    repeat: bool,
) -> Result<(), StateError> {
    let counts = hash.is_some() && !repeat;
    let now = chrono::Utc::now().to_rfc3339();
    conn.prepare_cached(
        "INSERT INTO pages (url, etag, last_modified, content_hash, first_seen, last_seen, last_status, revisions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)
         ON CONFLICT(url) DO UPDATE SET
            etag = COALESCE(?2, etag),
            last_modified = COALESCE(?3, last_modified),
            content_hash = COALESCE(?4, content_hash),
            last_seen = ?5,
            last_status = ?6,
            revisions = revisions + (CASE WHEN ?7 = 1 AND ?4 IS NOT NULL
                AND content_hash IS NOT ?4 THEN 1 ELSE 0 END)",
    )?
    .execute(params![
        url,
        etag,
        last_modified,
        hash,
        now,
        status,
        u32::from(counts)
    ])?;
    Ok(())
}

/// A visit to note: a record's URL, status and validators, and the hash
/// that goes with them (see [`StateStore::remember`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    url: String,
    status: Option<u16>,
    etag: Option<String>,
    last_modified: Option<String>,
    hash: Option<String>,
    repeat: bool,
}

impl Visit {
    /// The visit of `r`'s URL, as [`StateStore::remember`] notes it; none
    /// for a record without a URL.
    pub fn of(r: &crate::io::output::Record, new: bool, repeat: bool) -> Option<Visit> {
        let url = r.url.clone()?;
        let mut f = r.fetch.clone().unwrap_or_default();
        if r.error.is_some() {
            f.etag = None;
            f.last_modified = None;
        }
        let hash = f.content_hash.filter(|_| r.article.is_some());
        let repeat = repeat && !new && hash.is_some();
        Some(Visit {
            url,
            status: f.status,
            etag: f.etag,
            last_modified: f.last_modified,
            hash: hash.filter(|_| new || repeat),
            repeat,
        })
    }

    fn note_on(&self, conn: &Connection) -> Result<(), StateError> {
        note_on(
            conn,
            &self.url,
            self.status,
            self.etag.as_deref(),
            self.last_modified.as_deref(),
            self.hash.as_deref(),
            self.repeat,
        )
    }
}

impl StateStore {
    /// Note the visit of `r`'s URL; its content hash counts as written
    /// when its article was `new` in the output, and is kept (as no
    /// revision) when it was a `repeat` of an article under another URL,
    /// so that the next run finds it unchanged. A failed page leaves no
    /// validators: a rerun must not be told "304 Not Modified" for a page
    /// that gave no record.
    pub fn remember(
        &self,
        r: &crate::io::output::Record,
        new: bool,
        repeat: bool,
    ) -> Result<(), StateError> {
        let Some(visit) = Visit::of(r, new, repeat) else {
            return Ok(());
        };
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        visit.note_on(&conn)
    }

    /// How many URLs have an article written, as remembered.
    pub fn written_pages(&self) -> Result<u64, StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM pages WHERE revisions > 0", [], |r| {
            r.get(0)
        })?;
        Ok(n.max(0).unsigned_abs())
    }
}

/// The ledger of `pith sink`: which records (by key: the hash of URL and
/// epoch) are written, at which results-stream sequence, and how long the
/// output file was after the last of them.
impl StateStore {
    /// Whether the record of `key` is written.
    pub fn fleet_has(&self, key: &str) -> Result<bool, StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn
            .prepare_cached("SELECT 1 FROM fleet_records WHERE key = ?1")?
            .query_row(params![key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// How many records are written, as the ledger says.
    pub fn fleet_written(&self) -> Result<u64, StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM fleet_records", [], |r| r.get(0))?;
        Ok(n.max(0).unsigned_abs())
    }

    /// The length of the output file `path` after the last committed
    /// record, when the ledger knows the file.
    pub fn fleet_committed_len(&self, path: &str) -> Result<Option<u64>, StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let n: Option<i64> = conn
            .prepare_cached("SELECT committed_len FROM fleet_outputs WHERE path = ?1")?
            .query_row(params![path], |r| r.get(0))
            .optional()?;
        Ok(n.map(|n| n.max(0).unsigned_abs()))
    }

    /// Note the record of `key` (of `url`, at stream sequence `seq`) as
    /// written and, for a file output, the file's length after it: one
    /// commit, so a crash leaves both or neither.
    pub fn fleet_commit(
        &self,
        key: &str,
        url: Option<&str>,
        seq: u64,
        output: Option<(&str, u64)>,
    ) -> Result<(), StateError> {
        let outputs: Vec<(&str, u64)> = output.into_iter().collect();
        self.fleet_commit_all(&[(key, url, seq)], &outputs)
    }

    /// Note the records `(key, url, seq)` as written and the length of
    /// each output file `(path, len)` after the last of them: one commit,
    /// so a crash leaves all or none.
    pub fn fleet_commit_all(
        &self,
        records: &[(&str, Option<&str>, u64)],
        outputs: &[(&str, u64)],
    ) -> Result<(), StateError> {
        self.fleet_commit_batch(&FleetBatch {
            records: records
                .iter()
                .map(|(k, u, s)| (k.to_string(), u.map(str::to_string), *s))
                .collect(),
            outputs: outputs.iter().map(|(p, n)| (p.to_string(), *n)).collect(),
            ..Default::default()
        })
    }

    /// Note everything of `batch` in one commit, so a crash leaves all or
    /// none.
    pub fn fleet_commit_batch(&self, batch: &FleetBatch) -> Result<(), StateError> {
        let now = chrono::Utc::now().to_rfc3339();
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO fleet_records (key, url, seq, written_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (key, url, seq) in &batch.records {
                insert.execute(params![
                    key,
                    url,
                    i64::try_from(*seq).unwrap_or(i64::MAX),
                    now
                ])?;
            }
            let mut info =
                tx.prepare_cached("INSERT OR IGNORE INTO fleet_warcinfo (id) VALUES (?1)")?;
            for id in &batch.warcinfos {
                info.execute(params![id])?;
            }
            let mut article = tx.prepare_cached(
                "INSERT OR IGNORE INTO fleet_articles (key, url) VALUES (?1, ?2)",
            )?;
            for (key, url) in &batch.articles {
                article.execute(params![key, url])?;
            }
        }
        for visit in &batch.visits {
            visit.note_on(&tx)?;
        }
        for (path, len) in &batch.outputs {
            let (path, len) = (path.as_str(), *len);
            tx.prepare_cached(
                "INSERT INTO fleet_outputs (path, committed_len) VALUES (?1, ?2)
                 ON CONFLICT(path) DO UPDATE SET committed_len = ?2",
            )?
            .execute(params![path, i64::try_from(len).unwrap_or(i64::MAX)])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Set the committed length of the output file `path` (a sink starting
    /// on a file the ledger does not know yet).
    pub fn fleet_set_committed_len(&self, path: &str, len: u64) -> Result<(), StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute(
            "INSERT INTO fleet_outputs (path, committed_len) VALUES (?1, ?2)
             ON CONFLICT(path) DO UPDATE SET committed_len = ?2",
            params![path, i64::try_from(len).unwrap_or(i64::MAX)],
        )?;
        Ok(())
    }
}

/// What one commit of `pith sink` notes (see
/// [`StateStore::fleet_commit_batch`]).
#[derive(Debug, Clone, Default)]
pub struct FleetBatch {
    /// The records `(key, url, stream sequence)` written.
    pub records: Vec<(String, Option<String>, u64)>,
    /// The output files `(path, length)` after them.
    pub outputs: Vec<(String, u64)>,
    /// The `warcinfo` records written to the WARC file, by record ID.
    pub warcinfos: Vec<String>,
    /// The keys of the articles written `(key, URL)`, to drop repeats.
    pub articles: Vec<(String, String)>,
    /// The visits of the records' URLs (see [`StateStore::remember`]).
    pub visits: Vec<Visit>,
}

impl StateStore {
    /// Whether the `warcinfo` record `id` is in the sink's WARC file.
    pub fn fleet_has_warcinfo(&self, id: &str) -> Result<bool, StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn
            .prepare_cached("SELECT 1 FROM fleet_warcinfo WHERE id = ?1")?
            .query_row(params![id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The URL of the article written under `key` (see the `articles` of
    /// a `FleetBatch`), if one was.
    pub fn fleet_article(&self, key: &str) -> Result<Option<String>, StateError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn
            .prepare_cached("SELECT url FROM fleet_articles WHERE key = ?1")?
            .query_row(params![key], |r| r.get(0))
            .optional()?)
    }
}

/// How much of the output's end is read back to reconcile the state.
const RECONCILE_TAIL_BYTES: u64 = 1024 * 1024;

impl StateStore {
    /// After a crash, records may be in the output whose state was never
    /// committed (the process died between the two). Read the end of the
    /// output (a JSONL file, or a directory's `index.jsonl`) back and
    /// remember those records as written, so the next run does not write
    /// them again. Returns how many were reconciled.
    pub fn reconcile(&self, output: &Path) -> Result<usize, StateError> {
        use std::io::{Read, Seek, SeekFrom};
        let Ok(mut f) = std::fs::File::open(output) else {
            return Ok(0);
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let start = len.saturating_sub(RECONCILE_TAIL_BYTES);
        let mut tail = Vec::new();
        if f.seek(SeekFrom::Start(start)).is_err() || f.read_to_end(&mut tail).is_err() {
            return Ok(0);
        }
        let text = String::from_utf8_lossy(&tail);
        // The first line may be cut by the window: skip it unless the window is the whole file.
        let lines = text.lines().skip(usize::from(start > 0));
        let mut fixed = 0;
        for line in lines {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let (Some(url), Some(hash)) = (v["url"].as_str(), v["content_hash"].as_str()) else {
                continue;
            };
            // An article line (a directory's index names its file instead).
            let article = v.get("text").is_some() || v["file"].is_string();
            if !article || v["unchanged"] == true {
                continue;
            }
            let known = self.get(url)?.and_then(|p| p.content_hash);
            if known.as_deref() != Some(hash) {
                self.visit(
                    url,
                    v["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
                    v["etag"].as_str(),
                    v["last_modified"].as_str(),
                    Some(hash),
                )?;
                fixed += 1;
            }
        }
        Ok(fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(&dir.path().join("state.sqlite")).unwrap();
        assert_eq!(s.get("u").unwrap(), None);
        s.visit("u", Some(200), Some("\"e1\""), None, Some("h1"))
            .unwrap();
        s.visit("u", Some(304), None, None, None).unwrap();
        let st = s.get("u").unwrap().unwrap();
        assert_eq!(st.etag.as_deref(), Some("\"e1\""));
        assert_eq!(st.content_hash.as_deref(), Some("h1"));
        assert_eq!(st.revisions, 1);
        s.visit("u", Some(200), Some("\"e2\""), None, Some("h2"))
            .unwrap();
        assert_eq!(s.get("u").unwrap().unwrap().revisions, 2);
        // The same text written again (a new output) is no new revision.
        s.visit("u", Some(200), None, None, Some("h2")).unwrap();
        assert_eq!(s.get("u").unwrap().unwrap().revisions, 2);
        assert_eq!(s.written_pages().unwrap(), 1);
        s.visit("v", Some(404), None, None, None).unwrap();
        assert_eq!(s.written_pages().unwrap(), 1);
        // A repeat keeps its hash but is no revision, and not written.
        s.visit_repeat("w", Some(200), None, None, "h2").unwrap();
        let w = s.get("w").unwrap().unwrap();
        assert_eq!(w.content_hash.as_deref(), Some("h2"));
        assert_eq!(w.revisions, 0);
        assert_eq!(s.written_pages().unwrap(), 1);
        s.visit("w", Some(200), None, None, Some("h3")).unwrap();
        assert_eq!(s.get("w").unwrap().unwrap().revisions, 1);
    }

    #[test]
    fn a_sink_batch_is_committed_whole() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(&dir.path().join("state.sqlite")).unwrap();
        assert!(!s.fleet_has_warcinfo("<urn:uuid:w>").unwrap());
        assert_eq!(s.fleet_article("k1").unwrap(), None);
        s.fleet_commit_batch(&FleetBatch {
            records: vec![("r1".into(), Some("https://x.org/a".into()), 7)],
            outputs: vec![("out.jsonl".into(), 120), ("crawl.warc.gz".into(), 900)],
            warcinfos: vec!["<urn:uuid:w>".into()],
            articles: vec![("k1".into(), "https://x.org/a".into())],
            visits: Vec::new(),
        })
        .unwrap();
        assert!(s.fleet_has("r1").unwrap());
        assert!(s.fleet_has_warcinfo("<urn:uuid:w>").unwrap());
        assert_eq!(
            s.fleet_article("k1").unwrap().as_deref(),
            Some("https://x.org/a")
        );
        assert_eq!(s.fleet_committed_len("crawl.warc.gz").unwrap(), Some(900));
        assert_eq!(s.fleet_written().unwrap(), 1);
    }

    #[test]
    fn a_sink_batch_notes_its_visits_as_remember_does() {
        use crate::io::output::{FetchFields, Record};
        let record = |url: &str, hash: &str| {
            let article = crate::Article {
                text: "Body.".into(),
                ..Default::default()
            };
            let mut r = Record::ok("list".into(), Some(url.into()), article);
            r.fetch = Some(FetchFields {
                status: Some(200),
                etag: Some("\"e\"".into()),
                content_hash: Some(hash.into()),
                ..Default::default()
            });
            r
        };
        let failed = Record::failed(
            "list".into(),
            Some("https://x.org/f".into()),
            "http_status",
            "gone".into(),
        );
        let cases = [
            (record("https://x.org/a", "ha"), true, false),
            (record("https://x.org/b", "hb"), false, true),
            (record("https://x.org/c", "hc"), false, false),
            (failed, false, false),
        ];
        let dir = tempfile::tempdir().unwrap();
        let one = StateStore::open(&dir.path().join("one.sqlite")).unwrap();
        let batched = StateStore::open(&dir.path().join("batched.sqlite")).unwrap();
        let mut batch = FleetBatch::default();
        for (r, new, repeat) in &cases {
            one.remember(r, *new, *repeat).unwrap();
            batch.visits.extend(Visit::of(r, *new, *repeat));
        }
        assert_eq!(batch.visits.len(), 4);
        // Nothing noted before the batch's commit.
        assert_eq!(batched.get("https://x.org/a").unwrap(), None);
        batched.fleet_commit_batch(&batch).unwrap();
        for (r, _, _) in &cases {
            let url = r.url.as_deref().unwrap();
            assert_eq!(batched.get(url).unwrap(), one.get(url).unwrap(), "{url}");
        }
        let a = batched.get("https://x.org/a").unwrap().unwrap();
        assert_eq!((a.content_hash.as_deref(), a.revisions), (Some("ha"), 1));
        // A repeat keeps its hash as no revision; a page not written keeps none.
        let b = batched.get("https://x.org/b").unwrap().unwrap();
        assert_eq!((b.content_hash.as_deref(), b.revisions), (Some("hb"), 0));
        let c = batched.get("https://x.org/c").unwrap().unwrap();
        assert_eq!((c.content_hash, c.etag.as_deref()), (None, Some("\"e\"")));
        assert!(
            Visit::of(
                &Record::failed("list".into(), None, "invalid_url", "x".into()),
                true,
                false
            )
            .is_none()
        );
    }

    #[test]
    fn records_written_before_a_crash_are_reconciled() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(&dir.path().join("state.sqlite")).unwrap();
        let out = dir.path().join("out.jsonl");
        std::fs::write(
            &out,
            "{\"url\":\"a\",\"text\":\"x\",\"content_hash\":\"h\",\"status\":200}\n{\"url\":\"b\",\"error\":{}}\n",
        )
        .unwrap();
        assert_eq!(s.reconcile(&out).unwrap(), 1);
        assert_eq!(
            s.get("a").unwrap().unwrap().content_hash.as_deref(),
            Some("h")
        );
        assert_eq!(s.reconcile(&out).unwrap(), 0, "already known");
        // A directory's index names the article's file instead of its text.
        let index = dir.path().join("index.jsonl");
        std::fs::write(
            &index,
            "{\"url\":\"c\",\"file\":\"c.json\",\"content_hash\":\"hc\",\"error\":null}\n\
             {\"url\":\"d\",\"file\":null,\"content_hash\":null,\"error\":\"http_status\"}\n",
        )
        .unwrap();
        assert_eq!(s.reconcile(&index).unwrap(), 1);
        assert_eq!(s.get("c").unwrap().unwrap().revisions, 1);
    }
}
