//! Output records and their renderings (JSONL, text, Markdown), and the
//! writers that put them in a file, a directory or a stream without ever
//! leaving half a record behind.

use crate::extract::error::ExtractError;
use crate::extract::model::{Article, PageType, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line.
    #[default]
    #[serde(alias = "json")]
    Jsonl,
    /// Plain text.
    #[serde(alias = "txt")]
    Text,
    /// Markdown.
    #[serde(alias = "md")]
    Markdown,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "jsonl" | "json" => Ok(Format::Jsonl),
            "text" | "txt" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!(
                "unknown format '{other}' (expected jsonl, text or markdown)"
            )),
        }
    }
}

/// Longest error message written in a record, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 2048;

/// `message`, cut to at most [`MAX_MESSAGE_BYTES`] on a character
/// boundary, with `…` at the cut.
fn cut_message(mut message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut end = MAX_MESSAGE_BYTES - '…'.len_utf8();
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    message.push('…');
    message
}

/// A failure, as written in a record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorInfo {
    /// Stable kind (see the README's list).
    pub kind: String,
    /// Human-readable message.
    pub message: String,
}

/// What a fetched record says about the response.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FetchFields {
    /// The URL after redirects.
    pub final_url: Option<String>,
    /// The HTTP status of the last response.
    pub status: Option<u16>,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
    /// When it was fetched (RFC 3339).
    pub fetched_at: Option<String>,
    /// Its `ETag`.
    pub etag: Option<String>,
    /// Its `Last-Modified`.
    pub last_modified: Option<String>,
    /// SHA-256 of the extracted text, hex (only with an article).
    pub content_hash: Option<String>,
    /// With a state store: the how-many-th article written for this URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// With a state store: nothing changed since the last run (written only
    /// with `--emit-unchanged`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<bool>,
}

/// One output record: an article or an error, for one input.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Output schema version.
    pub schema_version: u32,
    /// The input as given (a path, or `-`).
    pub source: String,
    /// The page URL, when known.
    pub url: Option<String>,
    /// Response facts, for fetched pages (`pith run`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub fetch: Option<FetchFields>,
    /// The article, when there is one.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub article: Option<Article>,
    /// The failure, when there is no article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// The page's type, on a record of a page whose type was not asked for
    /// (error kind `page_type`); an article carries its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_type: Option<PageType>,
}

impl Record {
    /// A record of this schema version, with no fetch fields yet.
    fn new(
        source: String,
        url: Option<String>,
        article: Option<Article>,
        error: Option<ErrorInfo>,
    ) -> Record {
        Record {
            schema_version: SCHEMA_VERSION,
            source,
            url,
            fetch: None,
            article,
            error,
            page_type: None,
        }
    }

    /// A record for an extracted article.
    pub fn ok(source: String, url: Option<String>, article: Article) -> Record {
        Record::new(source, url, Some(article), None)
    }

    /// A record for a page that did not change since the last run (304).
    pub fn unchanged(source: String, url: Option<String>) -> Record {
        Record::new(source, url, None, None)
    }

    /// Whether this record says nothing changed since the last run.
    pub fn is_unchanged(&self) -> bool {
        self.fetch
            .as_ref()
            .and_then(|f| f.unchanged)
            .unwrap_or(false)
    }

    /// A record for a failed input; a message longer than
    /// [`MAX_MESSAGE_BYTES`] is cut (on a character boundary, marked `…`).
    pub fn failed(source: String, url: Option<String>, kind: &str, message: String) -> Record {
        let error = ErrorInfo {
            kind: kind.to_string(),
            message: cut_message(message),
        };
        Record::new(source, url, None, Some(error))
    }

    /// A record for a page that gave no article: its error kind, and its
    /// page type when that was the reason.
    pub fn not_extracted(source: String, url: Option<String>, error: &ExtractError) -> Record {
        let mut r = Record::failed(source, url, error.kind(), error.to_string());
        r.page_type = error.page_type();
        r
    }

    /// Render in `format`. Returns `None` for a failed record in the text
    /// formats (failures are only in JSONL and on stderr there). With
    /// `metadata`, a Markdown article opens with YAML front matter and a
    /// text article with a header line.
    pub fn render(&self, format: Format, metadata: bool) -> Option<String> {
        match format {
            Format::Jsonl => {
                let mut s =
                    serde_json::to_string(self).unwrap_or_else(|e| fallback_json(&e.to_string()));
                s.push('\n');
                Some(s)
            }
            Format::Text => self.article.as_ref().map(|a| {
                let mut s = String::new();
                if metadata {
                    s.push_str(&self.header_line(a));
                    s.push_str("\n\n");
                }
                s.push_str(&a.text);
                s.push_str("\n\n");
                s
            }),
            Format::Markdown => self.article.as_ref().map(|a| {
                let mut s = String::new();
                if metadata {
                    s.push_str(&self.front_matter(a));
                    s.push('\n');
                }
                if let Some(t) = &a.metadata.title {
                    s.push_str("# ");
                    s.push_str(t);
                    s.push_str("\n\n");
                }
                s.push_str(&a.markdown());
                s.push_str("\n\n");
                s
            }),
        }
    }

    /// The header line of a text article: `==> URL | title <==` (the source
    /// when there is no URL; the title left out when there is none).
    fn header_line(&self, a: &Article) -> String {
        let origin = self.url.as_deref().unwrap_or(&self.source);
        let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        match &a.metadata.title {
            Some(t) => format!("==> {} | {} <==", one_line(origin), one_line(t)),
            None => format!("==> {} <==", one_line(origin)),
        }
    }

    /// YAML front matter for a Markdown article: `---`, one `key: value`
    /// line per known field (strings double-quoted and escaped), `---`.
    fn front_matter(&self, a: &Article) -> String {
        let m = &a.metadata;
        let mut s = String::from("---\n");
        let mut field = |key: &str, value: Option<&str>| {
            if let Some(v) = value {
                s.push_str(key);
                s.push_str(": ");
                s.push_str(&yaml_string(v));
                s.push('\n');
            }
        };
        field("url", self.url.as_deref());
        field("source", Some(&self.source));
        field("title", m.title.as_deref());
        field("author", m.author.as_deref());
        field("date", m.date.as_deref());
        field("sitename", m.sitename.as_deref());
        field("lang", m.lang.as_deref());
        field("page_type", Some(a.page_type.as_str()));
        if let Some(f) = &self.fetch {
            field("fetched_at", f.fetched_at.as_deref());
        }
        if !m.tags.is_empty() {
            s.push_str("tags: [");
            let tags: Vec<String> = m.tags.iter().map(|t| yaml_string(t)).collect();
            s.push_str(&tags.join(", "));
            s.push_str("]\n");
        }
        s.push_str("---\n");
        s
    }
}

/// The line that opens every article in a text stream: a form feed alone
/// (extracted text never holds one: its whitespace is folded to spaces).
pub const TEXT_SEPARATOR: &str = "\u{c}\n";
/// The line that opens every article in a Markdown stream (an HTML
/// comment, so it does not show when the Markdown is rendered).
pub const MARKDOWN_SEPARATOR: &str = "<!-- pith:article -->\n";

/// A YAML double-quoted scalar holding `s` exactly: quotes, backslashes,
/// and every character YAML does not print or reads as a line break
/// escaped.
pub fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            // Printable in YAML, and not a line break.
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..
                if !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') =>
            {
                out.push(c)
            }
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The JSON line written when a record cannot be serialized: an
/// `internal` error whose message is escaped like any JSON string.
fn fallback_json(message: &str) -> String {
    serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "error": { "kind": "internal", "message": message },
    })
    .to_string()
}

/// Name of the index a directory output keeps: one JSON line per record.
pub const INDEX_FILE: &str = "index.jsonl";

/// Why an output could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Another process holds the output's lock.
    #[error(
        "{} is in use by another pith run{}; wait for it to end or choose another output",
        path.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// The holder's process id, as it wrote it in the lock file.
        pid: Option<u32>,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// An exclusive lock, held until dropped, on a file beside what a run
/// writes (`FILE.lock`), which holds the holder's process id. The lock file
/// is left in place: removing it could let two runs lock two files.
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
}

impl RunLock {
    /// Lock `path` (created when missing) and write this process's id in
    /// it, or say which process holds it.
    pub fn acquire(path: &Path) -> Result<RunLock, OutputError> {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = std::io::Read::read_to_string(&mut file, &mut text);
                return Err(OutputError::Locked {
                    path: path.to_path_buf(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(e.into()),
        }
        file.set_len(0)?;
        file.write_all(format!("{}\n", std::process::id()).as_bytes())?;
        file.flush()?;
        Ok(RunLock { _file: file })
    }

    /// The lock file of `path`: `PATH.lock` beside a file, `.pith.lock`
    /// inside a directory.
    pub fn path_for(path: &Path) -> PathBuf {
        if path.is_dir() {
            path.join(".pith.lock")
        } else {
            let mut name = path.as_os_str().to_owned();
            name.push(".lock");
            name.into()
        }
    }
}

/// Where records go, and how they are written there.
pub struct Sink {
    target: Target,
    format: Format,
    metadata: bool,
    _lock: Option<RunLock>,
}

/// A stream or a directory.
enum Target {
    /// Standard output, or a file opened for appending.
    Stream {
        out: Box<dyn Write + Send>,
        /// The file did not end with a newline: one goes before the first record.
        newline_first: bool,
    },
    /// One file per article, and the index.
    Dir(DirOutput),
}

/// A directory output: what its index says so far.
struct DirOutput {
    dir: PathBuf,
    /// Per URL (or source, without one): its article file, if any, and the
    /// number of its last index line.
    known: std::collections::HashMap<String, (Option<String>, usize)>,
    /// Every article file the index names. A file of the directory that it
    /// does not name was left by a run killed between writing the file and
    /// indexing it: its name is free again.
    named: std::collections::HashSet<String>,
    /// Lines in the index.
    lines: usize,
    /// Some key has more than one index line.
    repeated: bool,
}

impl Sink {
    /// Records written to `out` (standard output, say): nothing is
    /// repaired or locked.
    pub fn stream(out: Box<dyn Write + Send>, format: Format) -> Sink {
        Sink {
            target: Target::Stream {
                out,
                newline_first: false,
            },
            format,
            metadata: true,
            _lock: None,
        }
    }

    /// Open `path` for appending (created when missing), or use a directory
    /// when `path` is one (or ends with a `/`). The output is locked first
    /// (see [`RunLock`]); then a record torn by a crash is cut, but only
    /// when it is a partial JSON record of pith's: a file's other bytes are
    /// never changed, a newline is added when it lacks one.
    pub fn open(path: &Path, format: Format) -> Result<Sink, OutputError> {
        let wants_dir = path.as_os_str().to_string_lossy().ends_with('/');
        if path.is_dir() || wants_dir {
            std::fs::create_dir_all(path)?;
            let lock = RunLock::acquire(&RunLock::path_for(path))?;
            let index = path.join(INDEX_FILE);
            repair_torn_tail(&index)?;
            let mut dir = DirOutput::load(path)?;
            if dir.repeated {
                dir.compact()?;
            }
            return Ok(Sink {
                target: Target::Dir(dir),
                format,
                metadata: true,
                _lock: Some(lock),
            });
        }
        let lock = RunLock::acquire(&RunLock::path_for(path))?;
        let newline_first = prepare_append(path, format)?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Sink {
            target: Target::Stream {
                out: Box::new(f),
                newline_first,
            },
            format,
            metadata: true,
            _lock: Some(lock),
        })
    }

    /// With `false`, Markdown articles have no front matter and text
    /// articles no header line.
    pub fn with_metadata(mut self, metadata: bool) -> Sink {
        self.metadata = metadata;
        self
    }

    /// Write one record whole, then flush. In the text formats a failed
    /// record is only noted in a directory's index; in a stream every
    /// article opens with the format's separator line.
    ///
    /// In a directory, an article whose own file cannot be written (the
    /// disk refused it) is not an error of the output: an error record of
    /// kind `output` takes its place in the index, and is returned, so
    /// that the run goes on. Errors are the output's own (the index, a
    /// stream).
    pub fn put(&mut self, record: &Record) -> std::io::Result<Option<Record>> {
        if let Target::Dir(dir) = &mut self.target {
            let rendered = record.render(self.format, self.metadata);
            return dir.put(record, rendered.as_deref(), self.format);
        }
        self.write(record).map(|()| None)
    }

    /// Write one record whole, then flush, as [`Sink::put`] does, but an
    /// article file that cannot be written is an error.
    pub fn write(&mut self, record: &Record) -> std::io::Result<()> {
        let rendered = record.render(self.format, self.metadata);
        match &mut self.target {
            Target::Stream { out, newline_first } => {
                let Some(text) = rendered else {
                    return Ok(());
                };
                let mut chunk = String::with_capacity(text.len() + 32);
                if *newline_first {
                    chunk.push('\n');
                }
                match self.format {
                    Format::Jsonl => {}
                    Format::Text => chunk.push_str(TEXT_SEPARATOR),
                    Format::Markdown => chunk.push_str(MARKDOWN_SEPARATOR),
                }
                chunk.push_str(&text);
                out.write_all(chunk.as_bytes())?;
                out.flush()?;
                *newline_first = false;
                Ok(())
            }
            Target::Dir(dir) => dir.write(record, rendered.as_deref(), self.format),
        }
    }

    /// Finish writing: a directory's index keeps one line per URL (or
    /// source), its last. Also done when the sink is dropped.
    pub fn finish(&mut self) -> std::io::Result<()> {
        match &mut self.target {
            Target::Dir(dir) if dir.repeated => dir.compact(),
            _ => Ok(()),
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Err(e) = self.finish() {
            tracing::warn!("cannot rewrite the output index: {e}");
        }
    }
}

/// The key of a record in a directory's index: its URL, else its source.
fn index_key(url: Option<&str>, source: Option<&str>) -> Option<String> {
    url.or(source).map(str::to_string)
}

impl DirOutput {
    /// Read the index of `dir` (if any) for the files it names.
    fn load(dir: &Path) -> std::io::Result<DirOutput> {
        use std::io::BufRead;
        let mut out = DirOutput {
            dir: dir.to_path_buf(),
            known: Default::default(),
            named: Default::default(),
            lines: 0,
            repeated: false,
        };
        remove_stale_temporaries(dir)?;
        let Ok(f) = std::fs::File::open(dir.join(INDEX_FILE)) else {
            return Ok(out);
        };
        for line in std::io::BufReader::new(f).split(b'\n') {
            let line = line?;
            let n = out.lines;
            out.lines += 1;
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(&line) else {
                continue;
            };
            let Some(key) = index_key(v["url"].as_str(), v["source"].as_str()) else {
                continue;
            };
            let file = v["file"].as_str().map(str::to_string);
            if let Some(f) = &file {
                out.named.insert(f.clone());
            }
            // A failure after an article: the article's file stays.
            let earlier = out.known.get(&key).map(|e| e.0.clone());
            out.repeated |= earlier.is_some();
            out.known.insert(key, (file.or(earlier.flatten()), n));
        }
        Ok(out)
    }

    /// Write the record as [`DirOutput::write`] does; when the article's
    /// own file cannot be written, index an `output` error record in its
    /// place and return it.
    fn put(
        &mut self,
        record: &Record,
        rendered: Option<&str>,
        format: Format,
    ) -> std::io::Result<Option<Record>> {
        let (Some(_), Some(text)) = (&record.article, rendered) else {
            return self.write(record, rendered, format).map(|()| None);
        };
        let key =
            index_key(record.url.as_deref(), Some(record.source.as_str())).unwrap_or_default();
        let name = match self.known.get(&key).and_then(|b| b.0.clone()) {
            Some(name) => name,
            None => self.free_name(record, format),
        };
        match self.article_file(&name, text) {
            Ok(()) => self.index(record, Some(name)).map(|()| None),
            Err(e) => {
                let mut failed = Record::failed(
                    record.source.clone(),
                    record.url.clone(),
                    "output",
                    format!("cannot write the article file {name:?}: {e}"),
                );
                failed.fetch.clone_from(&record.fetch);
                if let Some(f) = failed.fetch.as_mut() {
                    f.content_hash = None;
                    f.revision = None;
                    f.unchanged = None;
                }
                self.write(&failed, None, format)?;
                Ok(Some(failed))
            }
        }
    }

    /// Write an article's file beside, then rename: a reader never sees
    /// half a file.
    fn article_file(&self, name: &str, text: &str) -> std::io::Result<()> {
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let wrote =
            std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, self.dir.join(name)));
        if wrote.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        wrote
    }

    /// Write the article's file (its own again, when its URL or source has
    /// one already) and append the record's index line.
    fn write(
        &mut self,
        record: &Record,
        rendered: Option<&str>,
        format: Format,
    ) -> std::io::Result<()> {
        let key =
            index_key(record.url.as_deref(), Some(record.source.as_str())).unwrap_or_default();
        let before = self.known.get(&key).cloned();
        let mut file = before.as_ref().and_then(|b| b.0.clone());
        if let (Some(_), Some(rendered)) = (&record.article, rendered) {
            let name = match file.take() {
                Some(name) => name,
                None => self.free_name(record, format),
            };
            self.article_file(&name, rendered)?;
            file = Some(name);
        }
        self.index(record, file)
    }

    /// Append the record's index line, naming its article `file`.
    fn index(&mut self, record: &Record, file: Option<String>) -> std::io::Result<()> {
        let key =
            index_key(record.url.as_deref(), Some(record.source.as_str())).unwrap_or_default();
        let before = self.known.get(&key).cloned();
        // The index lists every record, failures included, with what a
        // state file needs to catch up after a crash. A failure keeps the
        // file of an earlier article of its URL.
        let mut entry = serde_json::json!({
            "source": record.source,
            "url": record.url,
            "file": file,
            "title": record.article.as_ref().and_then(|a| a.metadata.title.clone()),
            "error": record.error.as_ref().map(|e| e.kind.clone()),
        });
        if let Some(f) = &record.fetch {
            entry["status"] = serde_json::json!(f.status);
            entry["etag"] = serde_json::json!(f.etag);
            entry["last_modified"] = serde_json::json!(f.last_modified);
            entry["content_hash"] = serde_json::json!(f.content_hash);
            if f.unchanged == Some(true) {
                entry["unchanged"] = serde_json::json!(true);
            }
        }
        let mut index = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(INDEX_FILE))?;
        index.write_all(format!("{entry}\n").as_bytes())?;
        index.flush()?;
        self.repeated |= before.is_some();
        if let Some(f) = &file {
            self.named.insert(f.clone());
        }
        self.known.insert(key, (file, self.lines));
        self.lines += 1;
        Ok(())
    }

    /// A file name for a new article: its stem, with `-2`, `-3` … when
    /// another article of the index has it (a file the index does not name
    /// is an interrupted write's, and is written over).
    fn free_name(&self, record: &Record, format: Format) -> String {
        let ext = match format {
            Format::Jsonl => "json",
            Format::Text => "txt",
            Format::Markdown => "md",
        };
        let stem = file_stem(record);
        let mut name = format!("{stem}.{ext}");
        let mut n = 2;
        while self.named.contains(&name) {
            name = format!("{stem}-{n}.{ext}");
            n += 1;
        }
        name
    }

    /// Rewrite the index with one line per key, its last (written beside,
    /// then renamed).
    fn compact(&mut self) -> std::io::Result<()> {
        use std::io::BufRead;
        let path = self.dir.join(INDEX_FILE);
        let tmp = self.dir.join(format!(".{INDEX_FILE}.tmp"));
        let mut kept = 0;
        {
            let f = std::io::BufReader::new(std::fs::File::open(&path)?);
            let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            for (n, line) in f.split(b'\n').enumerate() {
                let line = line?;
                let keep = match serde_json::from_slice::<serde_json::Value>(&line) {
                    Ok(v) => index_key(v["url"].as_str(), v["source"].as_str())
                        .and_then(|k| self.known.get(&k))
                        .is_none_or(|(_, last)| *last == n),
                    Err(_) => !line.is_empty(),
                };
                if keep {
                    w.write_all(&line)?;
                    w.write_all(b"\n")?;
                    kept += 1;
                }
            }
            w.flush()?;
        }
        std::fs::rename(&tmp, &path)?;
        // Line numbers changed: read them back.
        let fresh = DirOutput::load(&self.dir)?;
        debug_assert_eq!(fresh.lines, kept);
        self.known = fresh.known;
        self.named = fresh.named;
        self.lines = fresh.lines;
        self.repeated = false;
        Ok(())
    }
}

/// Remove the `.NAME.tmp` files of writes that a killed run left half
/// done in an output directory (the run lock is held: no write is under
/// way).
fn remove_stale_temporaries(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// The first bytes of every JSONL record pith writes.
const RECORD_PREFIX: &[u8] = b"{\"schema_version\":";

/// Get the file `path` ready for appending records in `format`: when its
/// last line has no newline and is a partial JSON record of pith's (left
/// by a process killed mid-write, in JSONL), cut it; any other last line
/// is kept, and the answer is true: a newline goes before the next record.
fn prepare_append(path: &Path, format: Format) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    else {
        return Ok(false); // not there yet
    };
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8];
    f.seek(SeekFrom::Start(len - 1))?;
    f.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(false);
    }
    if format == Format::Jsonl {
        let start = last_line_start(&mut f, len)?;
        let mut tail = Vec::new();
        f.seek(SeekFrom::Start(start))?;
        f.read_to_end(&mut tail)?;
        let ours = tail.starts_with(RECORD_PREFIX)
            && serde_json::from_slice::<serde_json::Value>(&tail).is_err();
        if ours {
            tracing::warn!(path = %path.display(), cut = len - start, "cut a partial record left by an interrupted run");
            f.set_len(start)?;
            return Ok(false);
        }
    }
    tracing::info!(path = %path.display(), "the file does not end with a newline: one is added before the first record");
    Ok(true)
}

/// Where the last line of `f` (of `len` bytes) starts.
fn last_line_start(f: &mut std::fs::File, len: u64) -> std::io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let step = 64 * 1024u64;
    let mut end = len;
    loop {
        let start = end.saturating_sub(step);
        let mut buf = vec![0u8; (end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
        if let Some(pos) = buf.iter().rposition(|&b| b == b'\n') {
            return Ok(start + pos as u64 + 1);
        }
        if start == 0 {
            return Ok(0);
        }
        end = start;
    }
}

/// Cut a partial last line (left by a process killed mid-write) off `path`,
/// so that appending starts on a line of its own. Only for files pith
/// alone writes (a directory's index).
pub fn repair_torn_tail(path: &Path) -> std::io::Result<()> {
    let Ok(mut f) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    else {
        return Ok(()); // not there yet
    };
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let keep = last_line_start(&mut f, len)?;
    if keep < len {
        tracing::warn!(path = %path.display(), cut = len - keep, "repaired a torn last line");
        f.set_len(keep)?;
    }
    Ok(())
}

/// The longest file stem, in bytes: with a `-N` suffix, an extension and
/// the `.NAME.tmp` of a write in progress, a name stays well under the
/// 255 bytes file systems allow.
pub const MAX_STEM_BYTES: usize = 180;

/// The longest prefix of `s` of at most `max` bytes, cut between characters.
fn cut_to_bytes(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A file name for a record: from the URL's path, else the title, else the
/// source; at most [`MAX_STEM_BYTES`] bytes.
pub fn file_stem(record: &Record) -> String {
    let from_url = record
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| {
            let host = u
                .host_str()
                .unwrap_or("")
                .trim_start_matches("www.")
                .to_string();
            let path = u.path().trim_matches('/').replace('/', "-");
            if path.is_empty() {
                host
            } else {
                format!("{host}-{path}")
            }
        });
    let title = record
        .article
        .as_ref()
        .and_then(|a| a.metadata.title.clone());
    let raw = from_url.or(title).unwrap_or_else(|| record.source.clone());
    let mut slug = String::new();
    for c in raw.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = cut_to_bytes(slug.trim_matches('-'), MAX_STEM_BYTES).trim_end_matches('-');
    let slug: String = slug.chars().take(100).collect();
    if slug.is_empty() {
        "article".to_string()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_error_messages_are_cut_on_a_character_boundary() {
        for filler in ["x", "é", "日本"] {
            let message = filler.repeat(1_000_000);
            let r = Record::failed("l".into(), None, "connect", message);
            let m = &r.error.expect("error").message;
            assert!(m.len() <= MAX_MESSAGE_BYTES, "{}", m.len());
            assert!(m.len() > MAX_MESSAGE_BYTES - 8, "{}", m.len());
            assert!(m.ends_with('…'));
        }
        let short = Record::failed("l".into(), None, "dns", "no such host".into());
        assert_eq!(short.error.expect("error").message, "no such host");
    }

    #[test]
    fn failed_records_carry_kind_and_no_article_fields() {
        let r = Record::failed("x.html".into(), None, "no_content", "nothing".into());
        let line = r.render(Format::Jsonl, true).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["error"]["kind"], "no_content");
        assert!(v.get("text").is_none());
        assert_eq!(r.render(Format::Text, true), None);
    }

    #[test]
    fn torn_last_lines_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"b\":").unwrap();
        repair_torn_tail(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{\"a\":1}\n");
        repair_torn_tail(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{\"a\":1}\n");
        std::fs::write(&p, "torn").unwrap();
        repair_torn_tail(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "");
    }

    #[test]
    fn only_a_partial_record_of_pith_is_cut_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"schema_version\":1,\"sou").unwrap();
        assert!(!prepare_append(&p, Format::Jsonl).unwrap());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{\"a\":1}\n");
        // A user's own last line stays, in every format.
        for (text, format) in [
            ("{\"note\": \"mine\"", Format::Jsonl),
            ("{\"schema_version\":1}", Format::Jsonl),
            ("# Reading\n\nmy own line", Format::Markdown),
            ("{\"schema_version\":1,", Format::Text),
        ] {
            std::fs::write(&p, text).unwrap();
            assert!(prepare_append(&p, format).unwrap(), "{text:?}");
            assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
        }
    }

    #[test]
    fn the_fallback_json_escapes_its_message() {
        let line = fallback_json("a \"quoted\" \\ message\nover two lines");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["error"]["kind"], "internal");
        assert_eq!(
            v["error"]["message"],
            "a \"quoted\" \\ message\nover two lines"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn yaml_strings_are_quoted_and_escaped() {
        assert_eq!(yaml_string("plain"), "\"plain\"");
        assert_eq!(yaml_string("a: \"b\" # c"), "\"a: \\\"b\\\" # c\"");
        assert_eq!(yaml_string("back\\slash"), "\"back\\\\slash\"");
        assert_eq!(yaml_string("two\nlines\ttab"), "\"two\\nlines\\ttab\"");
        assert_eq!(
            yaml_string("bell\u{7}del\u{7f}"),
            "\"bell\\u0007del\\u007f\""
        );
        assert_eq!(
            yaml_string("ls\u{2028}nel\u{85}"),
            "\"ls\\u2028nel\\u0085\""
        );
        assert_eq!(yaml_string("Zoë — 東京 🎉"), "\"Zoë — 東京 🎉\"");
    }

    #[test]
    fn a_second_run_lock_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl.lock");
        let held = RunLock::acquire(&p).unwrap();
        match RunLock::acquire(&p) {
            Err(OutputError::Locked { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("{other:?}"),
        }
        drop(held);
        RunLock::acquire(&p).unwrap();
    }

    #[test]
    fn stems_come_from_urls() {
        let r = Record::failed(
            "a".into(),
            Some("https://www.x.org/2020/a-b/".into()),
            "k",
            "m".into(),
        );
        assert_eq!(file_stem(&r), "x-org-2020-a-b");
    }

    #[test]
    fn stems_are_cut_in_bytes_between_characters() {
        let mut r = Record::failed("a".into(), None, "k", "m".into());
        r.source = "標".repeat(120);
        let stem = file_stem(&r);
        assert!(stem.len() <= MAX_STEM_BYTES, "{}", stem.len());
        assert_eq!(stem, "標".repeat(MAX_STEM_BYTES / 3));
        r.source = format!("a{}", "é".repeat(200));
        let stem = file_stem(&r);
        assert_eq!(stem.len(), MAX_STEM_BYTES - 1);
        assert!(stem.starts_with("aé"));
    }

    /// The `.json` files of an output directory, sorted.
    fn json_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json") || n.ends_with(".tmp"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_the_index_does_not_name_is_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("articles");
        std::fs::create_dir(&out).unwrap();
        let article = |url: &str| {
            let a = crate::Article {
                text: format!("the text of {url}"),
                ..Default::default()
            };
            Record::ok(url.to_string(), Some(url.to_string()), a)
        };
        {
            let mut sink = Sink::open(&out, Format::Jsonl).unwrap();
            sink.write(&article("https://example.com/a")).unwrap();
        }
        // A run killed after writing b's file, before indexing it, and
        // in the middle of writing c's.
        std::fs::write(out.join("example-com-b.json"), "{}").unwrap();
        std::fs::write(out.join(".example-com-c.json.tmp"), "{").unwrap();
        let mut sink = Sink::open(&out, Format::Jsonl).unwrap();
        sink.write(&article("https://example.com/b")).unwrap();
        sink.write(&article("https://example.com/c")).unwrap();
        // Another article with a stem the index names gets its own file.
        sink.write(&article("https://example.com/a/")).unwrap();
        assert_eq!(
            json_files(&out),
            [
                "example-com-a-2.json",
                "example-com-a.json",
                "example-com-b.json",
                "example-com-c.json"
            ]
        );
        let b = std::fs::read_to_string(out.join("example-com-b.json")).unwrap();
        assert!(b.contains("the text of https://example.com/b"), "{b}");
    }
}
