//! Output records and their renderings (JSONL, text, Markdown), and the
//! writers that put them in a file, a directory or a stream without ever
//! leaving half a record behind.

use crate::extract::error::ExtractError;
use crate::extract::model::{Article, PageType, SCHEMA_VERSION};
use serde::Serialize;
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

/// A failure, as written in a record.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorInfo {
    /// Stable kind (see the README's list).
    pub kind: String,
    /// Human-readable message.
    pub message: String,
}

/// What a fetched record says about the response.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
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

    /// A record for a failed input.
    pub fn failed(source: String, url: Option<String>, kind: &str, message: String) -> Record {
        let error = ErrorInfo {
            kind: kind.to_string(),
            message,
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
    /// formats (failures are only in JSONL and on stderr there).
    pub fn render(&self, format: Format) -> Option<String> {
        match format {
            Format::Jsonl => {
                let mut s = serde_json::to_string(self).unwrap_or_else(|e| {
                    format!("{{\"schema_version\":{SCHEMA_VERSION},\"error\":{{\"kind\":\"internal\",\"message\":\"{e}\"}}}}")
                });
                s.push('\n');
                Some(s)
            }
            Format::Text => self.article.as_ref().map(|a| format!("{}\n\n", a.text)),
            Format::Markdown => self.article.as_ref().map(|a| {
                let mut s = String::new();
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
}

/// Name of the index a directory output keeps: one JSON line per record.
pub const INDEX_FILE: &str = "index.jsonl";

/// Where records go.
pub enum Sink {
    /// A stream (standard output, or a file opened for appending).
    Stream(Box<dyn Write + Send>),
    /// A directory: one file per article.
    Dir {
        /// The directory.
        dir: PathBuf,
        /// The format, which sets the file extension.
        format: Format,
    },
}

impl Sink {
    /// Open `path` for appending (created when missing), or use a directory
    /// when `path` is one (or ends with a `/`).
    pub fn open(path: &Path, format: Format) -> std::io::Result<Sink> {
        let wants_dir = path.as_os_str().to_string_lossy().ends_with('/');
        if path.is_dir() || wants_dir {
            std::fs::create_dir_all(path)?;
            repair_torn_tail(&path.join(INDEX_FILE))?;
            return Ok(Sink::Dir {
                dir: path.to_path_buf(),
                format,
            });
        }
        repair_torn_tail(path)?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Sink::Stream(Box::new(f)))
    }

    /// Write one rendered record whole, then flush. `rendered` is `None`
    /// for a failed record in the text formats: only a directory's index
    /// notes it.
    pub fn write(&mut self, record: &Record, rendered: Option<&str>) -> std::io::Result<()> {
        match self {
            Sink::Stream(w) => {
                if let Some(text) = rendered {
                    w.write_all(text.as_bytes())?;
                    w.flush()?;
                }
                Ok(())
            }
            Sink::Dir { dir, format } => {
                let mut file = None;
                if let (Some(_), Some(rendered)) = (&record.article, rendered) {
                    let ext = match format {
                        Format::Jsonl => "json",
                        Format::Text => "txt",
                        Format::Markdown => "md",
                    };
                    let stem = file_stem(record);
                    let mut name = format!("{stem}.{ext}");
                    let mut n = 2;
                    while dir.join(&name).exists() {
                        name = format!("{stem}-{n}.{ext}");
                        n += 1;
                    }
                    // Write beside, then rename: a reader never sees half a file.
                    let tmp = dir.join(format!(".{name}.tmp"));
                    std::fs::write(&tmp, rendered)?;
                    std::fs::rename(&tmp, dir.join(&name))?;
                    file = Some(name);
                }
                // The index lists every record, failures included, with
                // what a state file needs to catch up after a crash.
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
                    .open(dir.join(INDEX_FILE))?;
                index.write_all(format!("{entry}\n").as_bytes())?;
                index.flush()
            }
        }
    }
}

/// Cut a partial last line (left by a process killed mid-write) off `path`,
/// so that appending starts on a line of its own.
pub fn repair_torn_tail(path: &Path) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
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
    // Look back in steps for the last newline.
    let mut end = len;
    let step = 64 * 1024u64;
    loop {
        let start = end.saturating_sub(step);
        let mut buf = vec![0u8; (end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
        if end == len && buf.last() == Some(&b'\n') {
            return Ok(());
        }
        if let Some(pos) = buf.iter().rposition(|&b| b == b'\n') {
            let keep = start + pos as u64 + 1;
            tracing::warn!(path = %path.display(), cut = len - keep, "repaired a torn last line");
            return f.set_len(keep);
        }
        if start == 0 {
            tracing::warn!(path = %path.display(), cut = len, "repaired a torn only line");
            return f.set_len(0);
        }
        end = start;
    }
}

/// A file name for a record: from the URL's path, else the title, else the source.
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
    let slug: String = slug.trim_matches('-').chars().take(100).collect();
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
    fn failed_records_carry_kind_and_no_article_fields() {
        let r = Record::failed("x.html".into(), None, "no_content", "nothing".into());
        let line = r.render(Format::Jsonl).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["error"]["kind"], "no_content");
        assert!(v.get("text").is_none());
        assert_eq!(r.render(Format::Text), None);
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
    fn stems_come_from_urls() {
        let r = Record::failed(
            "a".into(),
            Some("https://www.x.org/2020/a-b/".into()),
            "k",
            "m".into(),
        );
        assert_eq!(file_stem(&r), "x-org-2020-a-b");
    }
}
