//! Inputs of `pith extract`: files, directories, standard input, input
//! lists and WARC files, turned into a stream of [`Input`]s without holding a
//! list, or an archive, in memory.
//!
//! The library reads nothing by itself: these functions open exactly the
//! paths the caller hands them.

use crate::io::warc::read::{ArchivedPage, WarcError, is_warc_path};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Largest payload decoded from a WARC record (`--max-bytes` applies after).
pub const WARC_PAYLOAD_MAX: usize = 64 * 1024 * 1024;

/// Where a page's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Standard input.
    Stdin,
    /// An HTML page read from a WARC file.
    Archived {
        /// The WARC file.
        warc: PathBuf,
        /// The page.
        page: ArchivedPage,
    },
    /// A line of an input list that is not text, or is too long.
    BadLine {
        /// The list, as named (`-` for standard input).
        list: String,
        /// Which line, and what it holds.
        error: LineError,
    },
    /// A WARC file, or one of its records, that could not be read.
    Unreadable {
        /// The WARC file.
        warc: PathBuf,
        /// Why.
        error: WarcError,
    },
}

/// One page to extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Where its bytes are.
    pub source: Source,
    /// The page's URL, when known.
    pub url: Option<String>,
}

impl Input {
    /// The source as written in a record: the path as given, or `-`.
    pub fn label(&self) -> String {
        match &self.source {
            Source::File(p)
            | Source::Archived { warc: p, .. }
            | Source::Unreadable { warc: p, .. } => p.display().to_string(),
            Source::Stdin => "-".to_string(),
            Source::BadLine { list, .. } => list.clone(),
        }
    }

    /// The charset the page was served with, when known (WARC records).
    pub fn http_charset(&self) -> Option<&str> {
        match &self.source {
            Source::Archived { page, .. } => page.charset.as_deref(),
            _ => None,
        }
    }
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The file does not exist.
    #[error("no such file: {0}")]
    NotFound(String),
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A WARC file or record could not be read.
    #[error("{path}: {source}")]
    Warc {
        /// The WARC file.
        path: String,
        /// What went wrong.
        source: WarcError,
    },
    /// A line of an input list that is not text, or is too long.
    #[error("input list {list}: {source}")]
    BadLine {
        /// The list.
        list: String,
        /// The line.
        source: LineError,
    },
    /// Larger than the limit.
    #[error("{path} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The path.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

impl InputError {
    /// Stable machine-readable kind, as written in `error.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            InputError::NotFound(_) => "not_found",
            InputError::Io { .. } => "io",
            InputError::TooLarge { .. } => "too_large",
            InputError::BadLine { .. } => "invalid_line",
            InputError::Warc { source, .. } => source.kind(),
        }
    }
}

/// Read an input's bytes, refusing more than `limit`.
pub fn read(input: &Input, limit: u64) -> Result<Vec<u8>, InputError> {
    let label = input.label();
    let io = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            InputError::NotFound(label.clone())
        } else {
            InputError::Io {
                path: label.clone(),
                source,
            }
        }
    };
    let mut buf = Vec::new();
    match &input.source {
        Source::File(p) => {
            let f = std::fs::File::open(p).map_err(io)?;
            let size = f.metadata().map_err(io)?.len();
            if size > limit {
                return Err(InputError::TooLarge {
                    path: label,
                    size,
                    limit,
                });
            }
            // Room for the whole file and the read that finds its end, so
            // that the buffer is not grown (and copied) step by step.
            buf.reserve_exact(usize::try_from(size).map_or(0, |s| s.saturating_add(1)));
            f.take(limit + 1).read_to_end(&mut buf).map_err(io)?;
        }
        Source::Stdin => {
            std::io::stdin()
                .lock()
                .take(limit + 1)
                .read_to_end(&mut buf)
                .map_err(io)?;
        }
        Source::Archived { page, .. } => buf.extend_from_slice(&page.body),
        Source::BadLine { list, error } => {
            return Err(InputError::BadLine {
                list: list.clone(),
                source: error.clone(),
            });
        }
        Source::Unreadable { error, .. } => {
            return Err(InputError::Warc {
                path: label,
                source: error.clone(),
            });
        }
    }
    if buf.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: label,
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// Whether a path names an HTML file by its extension.
pub fn is_html_path(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// Expand command-line arguments: `-` is stdin, a directory gives its
/// `*.html`/`*.htm` (and WARC) files recursively in name order, anything else
/// is a file. WARC files are expanded by [`expand_warcs`].
pub fn expand_args(
    args: &[String],
    url: Option<&str>,
) -> impl Iterator<Item = Input> + Send + use<> {
    let url = url.map(str::to_string);
    let args: Vec<String> = args.to_vec();
    args.into_iter()
        .flat_map(move |a| -> Box<dyn Iterator<Item = Input> + Send> {
            let url = url.clone();
            if a == "-" {
                return Box::new(std::iter::once(Input {
                    source: Source::Stdin,
                    url,
                }));
            }
            let p = PathBuf::from(&a);
            if p.is_dir() {
                Box::new(
                    walkdir::WalkDir::new(p)
                        .sort_by_file_name()
                        .into_iter()
                        .filter_map(Result::ok)
                        .filter(|e| {
                            e.file_type().is_file()
                                && (is_html_path(e.path()) || is_warc_path(e.path()))
                        })
                        .map(|e| Input {
                            source: Source::File(e.into_path()),
                            url: None,
                        }),
                )
            } else {
                Box::new(std::iter::once(Input {
                    source: Source::File(p),
                    url,
                }))
            }
        })
}

/// Replace every WARC file among `inputs` by the pages it holds, read as the
/// stream is consumed; an unreadable WARC, or record, becomes one input that
/// fails with its error.
pub fn expand_warcs<I>(inputs: I) -> impl Iterator<Item = std::io::Result<Input>> + Send + use<I>
where
    I: Iterator<Item = std::io::Result<Input>> + Send,
{
    inputs.flat_map(
        |item| -> Box<dyn Iterator<Item = std::io::Result<Input>> + Send> {
            let warc = match &item {
                Ok(Input {
                    source: Source::File(p),
                    ..
                }) if is_warc_path(p) => p.clone(),
                _ => return Box::new(std::iter::once(item)),
            };
            let unreadable = |warc: PathBuf, error: WarcError| Input {
                url: error.url().map(str::to_string),
                source: Source::Unreadable { warc, error },
            };
            match crate::io::warc::read::open(&warc, WARC_PAYLOAD_MAX) {
                Ok(pages) => Box::new(pages.map(move |page| {
                    Ok(match page {
                        Ok(page) => Input {
                            url: Some(page.url.clone()),
                            source: Source::Archived {
                                warc: warc.clone(),
                                page,
                            },
                        },
                        Err(e) => unreadable(warc.clone(), e),
                    })
                })),
                Err(e) => Box::new(std::iter::once(Ok(unreadable(
                    warc,
                    WarcError::Archive(e.to_string()),
                )))),
            }
        },
    )
}

/// Parse one line of an input list: `PATH<TAB>URL` or `PATH`; `None` for
/// blank lines and `#` comments.
pub fn parse_list_line(line: &str) -> Option<Input> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() || line.trim_start().starts_with('#') {
        return None;
    }
    let (path, url) = match line.split_once('\t') {
        Some((p, u)) => (
            p.trim(),
            Some(u.trim().to_string()).filter(|u| !u.is_empty()),
        ),
        None => (line.trim(), None),
    };
    let source = if path == "-" {
        Source::Stdin
    } else {
        Source::File(PathBuf::from(path))
    };
    Some(Input { source, url })
}

/// Stream an input list line by line (see [`list_lines`] for how its bytes
/// are read); `list` names it in records. A line that is not text becomes an
/// input that fails with [`InputError::BadLine`]; a read error ends the list.
pub fn read_list<R: Read + Send + 'static>(
    reader: R,
    list: &str,
) -> impl Iterator<Item = std::io::Result<Input>> + Send + use<R> {
    let list = list.to_string();
    list_lines(reader).filter_map(move |l| match l {
        Ok(ListLine { text: Ok(t), .. }) => parse_list_line(&t).map(Ok),
        Ok(ListLine { text: Err(e), .. }) => Some(Ok(Input {
            source: Source::BadLine {
                list: list.clone(),
                error: e,
            },
            url: None,
        })),
        Err(e) => Some(Err(e)),
    })
}

/// Longest prefix of a bad line shown in its error message.
const SHOWN_BYTES: usize = 120;

/// Longest list line read; the rest of a longer one is skipped unread
/// into memory, and the line is one [`LineError::TooLong`].
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// A list line that is not text, or is too long.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// Not UTF-8.
    #[error("line {line} is not UTF-8: \"{shown}\"")]
    NotUtf8 {
        /// Its 1-based line number.
        line: u64,
        /// Its first bytes, non-ASCII ones escaped (`\xff`).
        shown: String,
    },
    /// Longer than [`MAX_LINE_BYTES`].
    #[error(
        "line {line} is {bytes} bytes long, over the limit of {MAX_LINE_BYTES} bytes: \"{shown}\""
    )]
    TooLong {
        /// Its 1-based line number.
        line: u64,
        /// Its length.
        bytes: u64,
        /// Its first bytes, non-ASCII ones escaped (`\xff`).
        shown: String,
    },
}

impl LineError {
    /// The 1-based number of the line.
    pub fn line(&self) -> u64 {
        match self {
            LineError::NotUtf8 { line, .. } | LineError::TooLong { line, .. } => *line,
        }
    }
}

/// The first bytes of `bytes`, escaped, for a message.
fn shown(bytes: &[u8]) -> String {
    let mut shown = bytes[..bytes.len().min(SHOWN_BYTES)]
        .escape_ascii()
        .to_string();
    if bytes.len() > SHOWN_BYTES {
        shown.push('…');
    }
    shown
}

/// Read one line (its `\n` included) into `buf`, keeping at most `cap`
/// bytes of it and skipping the rest; returns the line's full length (0 at
/// the end) and the length of its ending (`\n` 1, `\r\n` 2, none 0).
fn read_capped(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(u64, u64)> {
    let mut total = 0u64;
    let mut last_cr = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((total, 0));
        }
        let (used, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len()).min(used);
        buf.extend_from_slice(&chunk[..room]);
        let cr = match used {
            1 => last_cr,
            _ => chunk[used - 2] == b'\r',
        };
        last_cr = chunk[used - 1] == b'\r';
        reader.consume(used);
        total += used as u64;
        if done {
            return Ok((total, if cr { 2 } else { 1 }));
        }
    }
}

/// One line of a list, read by [`list_lines`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListLine {
    /// 1-based line number.
    pub number: u64,
    /// The line without its ending (`\n` or `\r\n`), or why it is not
    /// text (or too long).
    pub text: Result<String, LineError>,
}

/// The lines of a list (of URLs or of inputs), read as bytes and streamed:
/// a UTF-8 byte order mark is dropped; a UTF-16 list (byte order mark
/// `FF FE` or `FE FF`) is decoded; a line that is not UTF-8 is one
/// [`LineError::NotUtf8`] line and the lines after it follow; a line longer
/// than [`MAX_LINE_BYTES`] is one [`LineError::TooLong`] line, its rest
/// skipped without being kept. A read error is yielded once and ends the
/// lines.
pub fn list_lines<R: Read + Send + 'static>(reader: R) -> ListLines {
    ListLines {
        state: LinesState::Start(Box::new(reader)),
        number: 0,
    }
}

/// The iterator of [`list_lines`].
pub struct ListLines {
    state: LinesState,
    number: u64,
}

enum LinesState {
    /// The byte order mark is not read yet.
    Start(Box<dyn Read + Send>),
    Reading(Box<dyn BufRead + Send>),
    Done,
}

impl std::fmt::Debug for ListLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListLines")
            .field("number", &self.number)
            .finish_non_exhaustive()
    }
}

/// `reader` with its byte order mark read: UTF-8 from then on (a UTF-16
/// stream is decoded as it is read).
fn skip_bom(mut reader: Box<dyn Read + Send>) -> std::io::Result<Box<dyn BufRead + Send>> {
    let mut head = Vec::with_capacity(3);
    while head.len() < 3 {
        let mut b = [0u8; 3];
        let want = 3 - head.len();
        match reader.read(&mut b[..want]) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&b[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let utf16 = match head.as_slice() {
        [0xFF, 0xFE, ..] => Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF, ..] => Some(encoding_rs::UTF_16BE),
        _ => None,
    };
    if let Some(encoding) = utf16 {
        let rest = std::io::Cursor::new(head[2..].to_vec()).chain(reader);
        return Ok(Box::new(std::io::BufReader::new(Utf16Reader {
            inner: Box::new(rest),
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; 8192],
            start: 0,
            end: 0,
            eof: false,
            out: Vec::new(),
            pos: 0,
            finished: false,
        })));
    }
    let skip = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let rest = std::io::Cursor::new(head[skip..].to_vec()).chain(reader);
    Ok(Box::new(std::io::BufReader::new(rest)))
}

impl Iterator for ListLines {
    type Item = std::io::Result<ListLine>;

    fn next(&mut self) -> Option<Self::Item> {
        if let LinesState::Start(_) = self.state {
            let LinesState::Start(r) = std::mem::replace(&mut self.state, LinesState::Done) else {
                unreachable!()
            };
            match skip_bom(r) {
                Ok(r) => self.state = LinesState::Reading(r),
                Err(e) => return Some(Err(e)),
            }
        }
        let LinesState::Reading(reader) = &mut self.state else {
            return None;
        };
        let mut buf = Vec::new();
        // One byte more than a line may hold, with its `\r\n`.
        match read_capped(&mut **reader, &mut buf, MAX_LINE_BYTES + 2) {
            Ok((0, _)) => {
                self.state = LinesState::Done;
                None
            }
            Ok((len, ending)) => {
                self.number += 1;
                if len - ending > MAX_LINE_BYTES as u64 {
                    return Some(Ok(ListLine {
                        number: self.number,
                        text: Err(LineError::TooLong {
                            line: self.number,
                            bytes: len - ending,
                            shown: shown(&buf),
                        }),
                    }));
                }
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                }
                let number = self.number;
                let text = String::from_utf8(buf).map_err(|e| LineError::NotUtf8 {
                    line: number,
                    shown: shown(e.as_bytes()),
                });
                Some(Ok(ListLine { number, text }))
            }
            Err(e) => {
                self.state = LinesState::Done;
                Some(Err(e))
            }
        }
    }
}

/// A UTF-16 stream read as UTF-8 (malformed units become U+FFFD).
struct Utf16Reader {
    inner: Box<dyn Read + Send>,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    out: Vec<u8>,
    pos: usize,
    finished: bool,
}

impl Read for Utf16Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.pos < self.out.len() {
                let n = buf.len().min(self.out.len() - self.pos);
                buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.start == self.end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.start = 0;
                self.end = n;
                self.eof = n == 0;
            }
            let src = &self.input[self.start..self.end];
            let room = self
                .decoder
                .max_utf8_buffer_length(src.len())
                .unwrap_or(src.len() * 3 + 16);
            self.out.clear();
            self.out.resize(room, 0);
            let (_, read, written, _) = self.decoder.decode_to_utf8(src, &mut self.out, self.eof);
            self.start += read;
            self.out.truncate(written);
            self.pos = 0;
            self.finished = self.eof;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_list_line_parsing() {
        assert_eq!(parse_list_line("# c"), None);
        assert_eq!(parse_list_line("   "), None);
        let i = parse_list_line("a/b.html\thttps://x.org/a").unwrap();
        assert_eq!(i.source, Source::File("a/b.html".into()));
        assert_eq!(i.url.as_deref(), Some("https://x.org/a"));
        assert_eq!(parse_list_line("c.htm").unwrap().url, None);
    }

    fn lines(bytes: &[u8]) -> Vec<Result<String, u64>> {
        list_lines(std::io::Cursor::new(bytes.to_vec()))
            .map(|l| l.expect("no read error").text.map_err(|e| e.line()))
            .collect()
    }

    #[test]
    fn a_bad_line_is_named_and_the_rest_follows() {
        assert_eq!(
            lines(b"a\n\xff\xfe bad\r\nb\n"),
            vec![Ok("a".into()), Err(2), Ok("b".into())]
        );
        let bad = list_lines(&b"\xffx\n"[..]).next().unwrap().unwrap();
        assert_eq!(
            bad.text.unwrap_err().to_string(),
            "line 1 is not UTF-8: \"\\xffx\""
        );
    }

    #[test]
    fn an_over_long_line_is_one_error_and_the_rest_follows() {
        let mut list = b"a\n".to_vec();
        list.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE_BYTES));
        list.extend_from_slice(b"\r\nb\n");
        list.extend(std::iter::repeat_n(b'y', MAX_LINE_BYTES));
        list.extend_from_slice(b"\r\n");
        let got: Vec<_> = list_lines(std::io::Cursor::new(list))
            .map(|l| l.expect("no read error").text)
            .collect();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0].as_deref(), Ok("a"));
        let e = got[1].clone().unwrap_err();
        assert!(
            matches!(e, LineError::TooLong { line: 2, bytes, .. } if bytes == 3 * MAX_LINE_BYTES as u64),
            "{e:?}"
        );
        assert!(e.to_string().len() < 1000, "{e}");
        assert_eq!(got[2].as_deref(), Ok("b"));
        assert_eq!(
            got[3].as_ref().map(String::len),
            Ok(MAX_LINE_BYTES),
            "at the limit"
        );
    }

    #[test]
    fn byte_order_marks() {
        assert_eq!(
            lines(b"\xEF\xBB\xBFhttps://a.org/\r\nb"),
            vec![Ok("https://a.org/".into()), Ok("b".into())]
        );
        let text = "https://a.org/é\r\nb\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        let want = vec![Ok("https://a.org/é".to_string()), Ok("b".to_string())];
        assert_eq!(lines(&le), want);
        assert_eq!(lines(&be), want);
        assert_eq!(lines(b""), vec![]);
        assert_eq!(lines(b"\xEF\xBB\xBF"), vec![]);
        assert_eq!(lines(b"ab"), vec![Ok("ab".into())]);
    }

    #[test]
    fn a_bad_line_of_an_input_list_is_an_input_that_fails() {
        let got: Vec<Input> = read_list(&b"a.html\n\xff.html\n"[..], "list.tsv")
            .map(Result::unwrap)
            .collect();
        assert_eq!(got.len(), 2);
        let e = read(&got[1], 100).unwrap_err();
        assert_eq!(e.kind(), "invalid_line");
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
