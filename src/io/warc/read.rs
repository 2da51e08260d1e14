//! Reading WARC files: the HTML pages they hold, in file order.
//!
//! A file may be plain or gzip-compressed (per record, as pith, Common Crawl,
//! wget and warcio write it, or as one stream); the magic bytes decide.
//! Record heads are parsed by the `warc` crate; blocks are streamed, so a
//! record that holds no page costs no memory. A page is a `response` record
//! whose HTTP status is 2xx and whose `Content-Type` is HTML (or missing, as
//! `pith run` accepts it), or a `resource` record of an HTML type. Its URL is
//! `WARC-Target-URI`. The payload is undone as a browser would: chunked
//! transfer coding, then `gzip`, `deflate` or `br` content coding (Common
//! Crawl and pith store payloads decoded and rename those headers, so
//! nothing is undone twice). Requests, metadata, revisits, redirects, errors
//! and other types are skipped.

use crate::io::mime::{charset_of, is_html_type};
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// An HTML page found in a WARC file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedPage {
    /// `WARC-Target-URI`.
    pub url: String,
    /// The `charset` of the HTTP `Content-Type`, if any.
    pub charset: Option<String>,
    /// The payload, decoded.
    pub body: Vec<u8>,
}

/// Why a WARC, or one of its records, could not be read.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarcError {
    /// The file is not a readable WARC from here on (bad gzip, bad record).
    #[error("cannot read WARC: {0}")]
    Archive(String),
    /// One record's HTTP response could not be decoded.
    #[error("cannot decode the response for {url}: {reason}")]
    Payload {
        /// `WARC-Target-URI`.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

impl WarcError {
    /// Stable machine-readable kind, as written in `error.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            WarcError::Archive(_) => "warc",
            WarcError::Payload { .. } => "decode",
        }
    }

    /// The record's URL, when the error belongs to one record.
    pub fn url(&self) -> Option<&str> {
        match self {
            WarcError::Payload { url, .. } => Some(url),
            WarcError::Archive(_) => None,
        }
    }
}

/// Whether a path names a WARC file (`.warc`, `.warc.gz`).
pub fn is_warc_path(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".warc") || name.ends_with(".warc.gz")
}

/// The pages of a WARC stream, each payload cut at `limit` bytes.
///
/// Records are streamed: a record that holds no page is skipped without
/// being kept in memory, and a page's block is read up to `limit`, so a
/// WARC with huge records (videos, disk images) is read in bounded memory.
pub struct Pages<R: BufRead> {
    reader: R,
    limit: usize,
    failed: bool,
}

/// A boxed reader, plain or inflating.
pub type AnyReader = BufReader<Box<dyn Read + Send>>;

/// Longest record head accepted.
const MAX_HEAD: usize = 1024 * 1024;

/// Open a WARC file, plain or gzip-compressed.
pub fn open(path: &Path, limit: usize) -> io::Result<Pages<AnyReader>> {
    let mut file = BufReader::new(std::fs::File::open(path)?);
    let gzip = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + Send> = if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    Ok(pages(BufReader::with_capacity(1 << 16, inner), limit))
}

/// The pages of an uncompressed WARC stream.
pub fn pages<R: BufRead>(reader: R, limit: usize) -> Pages<R> {
    Pages {
        reader,
        limit,
        failed: false,
    }
}

/// What a record head says that matters here.
struct Head {
    kind: String,
    url: Option<String>,
    content_type: String,
    len: usize,
}

impl Head {
    /// Whether the record may hold a page, so that its block is read.
    fn may_hold_a_page(&self) -> bool {
        match self.kind.as_str() {
            "response" => self
                .content_type
                .to_ascii_lowercase()
                .starts_with("application/http"),
            "resource" => is_html_type(&self.content_type),
            _ => false,
        }
    }
}

fn cut(what: &str) -> WarcError {
    WarcError::Archive(format!("the file ends inside {what}"))
}

impl<R: BufRead> Pages<R> {
    /// The next record head (blank lines between records skipped), or
    /// `None` at the end of the stream.
    fn head(&mut self) -> Result<Option<Head>, WarcError> {
        let io = |e: io::Error| WarcError::Archive(e.to_string());
        let mut buf = Vec::new();
        loop {
            let start = buf.len();
            // Read no further than one byte past the cap, so that a head
            // without line ends (a stream of zeros) costs at most 1 MiB.
            let room = (MAX_HEAD + 1 - start) as u64;
            if (&mut self.reader)
                .take(room)
                .read_until(b'\n', &mut buf)
                .map_err(io)?
                == 0
            {
                return if buf.iter().all(u8::is_ascii_whitespace) {
                    Ok(None)
                } else {
                    Err(cut("a record head"))
                };
            }
            if buf.len() > MAX_HEAD {
                return Err(WarcError::Archive("a record head over 1 MiB".into()));
            }
            let line = &buf[start..];
            if line == b"\r\n" || line == b"\n" {
                if start == 0 {
                    buf.clear();
                    continue;
                }
                break;
            }
        }
        let (_, (_, fields, len)) = warc::parser::headers(&buf)
            .map_err(|_| WarcError::Archive("a malformed record head".into()))?;
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string())
        };
        Ok(Some(Head {
            kind: get("WARC-Type").unwrap_or_default().to_ascii_lowercase(),
            // Early WARC writers put the URI in angle brackets.
            url: get("WARC-Target-URI")
                .map(|u| u.trim_start_matches('<').trim_end_matches('>').to_string()),
            content_type: get("Content-Type").unwrap_or_default(),
            len,
        }))
    }

    /// Read the first `keep` bytes of a block of `len` and skip the rest.
    fn block(&mut self, len: usize, keep: usize) -> Result<Vec<u8>, WarcError> {
        let io = |e: io::Error| WarcError::Archive(e.to_string());
        let mut block = Vec::with_capacity(keep.min(1 << 20));
        (&mut self.reader)
            .take(keep as u64)
            .read_to_end(&mut block)
            .map_err(io)?;
        let rest = (len - block.len()) as u64;
        let skipped = io::copy(&mut (&mut self.reader).take(rest), &mut io::sink()).map_err(io)?;
        if block.len() < keep || skipped < rest {
            return Err(cut("a record"));
        }
        Ok(block)
    }

    fn next_page(&mut self) -> Result<Option<ArchivedPage>, WarcError> {
        loop {
            let Some(head) = self.head()? else {
                return Ok(None);
            };
            let keep = if head.may_hold_a_page() {
                head.len.min(self.limit)
            } else {
                0
            };
            let block = self.block(head.len, keep)?;
            let Some(url) = head.url.filter(|_| keep > 0) else {
                continue;
            };
            let page = if head.kind == "resource" {
                Some(Ok(ArchivedPage {
                    url,
                    charset: charset_of(&head.content_type),
                    body: block,
                }))
            } else {
                http_page(url, &block, self.limit)
            };
            match page {
                Some(Ok(p)) => return Ok(Some(p)),
                // One record's bad payload: reported, and the file goes on.
                Some(Err(e)) => return Err(e),
                None => continue,
            }
        }
    }
}

impl<R: BufRead> Iterator for Pages<R> {
    type Item = Result<ArchivedPage, WarcError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_page() {
            Ok(page) => page.map(Ok),
            Err(e) => {
                // Record boundaries are lost: nothing after this is trusted.
                if matches!(e, WarcError::Archive(_)) {
                    self.failed = true;
                }
                Some(Err(e))
            }
        }
    }
}

/// Parse an HTTP response block; `None` unless it is a 2xx HTML answer.
fn http_page(url: String, block: &[u8], limit: usize) -> Option<Result<ArchivedPage, WarcError>> {
    let fail = |reason: String| {
        Some(Err(WarcError::Payload {
            url: url.clone(),
            reason,
        }))
    };
    // httparse reads HTTP/1.x status lines; HTTP/2 and /3 answers are stored
    // with their own version name.
    let patched;
    let block = if block.starts_with(b"HTTP/2 ") || block.starts_with(b"HTTP/3 ") {
        patched = [b"HTTP/1.1".as_slice(), &block[6..]].concat();
        &patched[..]
    } else if block.starts_with(b"HTTP/2.0 ") {
        patched = [b"HTTP/1.1".as_slice(), &block[8..]].concat();
        &patched[..]
    } else {
        block
    };
    let mut headers = vec![httparse::EMPTY_HEADER; 256];
    let mut response = httparse::Response::new(&mut headers);
    let parsed = httparse::ParserConfig::default()
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .ignore_invalid_headers_in_responses(true)
        .parse_response(&mut response, block);
    let body_at = match parsed {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return fail("HTTP head cut short".into()),
        Err(e) => return fail(format!("bad HTTP head: {e}")),
    };
    let status = response.code.unwrap_or(0);
    if !(200..300).contains(&status) {
        return None;
    }
    let get = |name: &str| {
        response
            .headers
            .iter()
            .rev()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
    };
    let content_type = get("content-type");
    if content_type.as_deref().is_some_and(|ct| !is_html_type(ct)) {
        return None;
    }
    let mut body = &block[body_at..];
    let dechunked;
    if get("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        dechunked = match dechunk(body) {
            Ok(b) => b,
            Err(reason) => return fail(reason),
        };
        body = &dechunked;
    }
    let body = match get("content-encoding") {
        Some(ce) => match decode_content(body, &ce, limit) {
            Ok(b) => b,
            Err(reason) => return fail(reason),
        },
        None => body[..body.len().min(limit)].to_vec(),
    };
    Some(Ok(ArchivedPage {
        url,
        charset: content_type.as_deref().and_then(charset_of),
        body,
    }))
}

/// Undo chunked transfer coding; a missing last chunk keeps what arrived.
fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(rest.len());
    loop {
        match httparse::parse_chunk_size(rest) {
            Ok(httparse::Status::Complete((_, 0))) => return Ok(out),
            Ok(httparse::Status::Complete((at, size))) => {
                let data = &rest[at..];
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                if size >= data.len() {
                    // Cut short by the archiver: keep what is there.
                    out.extend_from_slice(data);
                    return Ok(out);
                }
                out.extend_from_slice(&data[..size]);
                rest = &data[size..];
                rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
            }
            Ok(httparse::Status::Partial) => return Ok(out),
            Err(_) if !out.is_empty() => return Ok(out),
            Err(_) => return Err("bad chunked encoding".into()),
        }
    }
}

/// Undo a content coding, reading at most `limit` bytes of output.
fn decode_content(body: &[u8], coding: &str, limit: usize) -> Result<Vec<u8>, String> {
    let coding = coding.trim().to_ascii_lowercase();
    let reader: Box<dyn Read + '_> = match coding.as_str() {
        "" | "identity" | "none" => return Ok(body[..body.len().min(limit)].to_vec()),
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(body)),
        // "deflate" is zlib-wrapped by the spec, raw by some servers.
        "deflate" if body.first().is_some_and(|b| b & 0x0f == 8) => {
            Box::new(flate2::read::ZlibDecoder::new(body))
        }
        "deflate" => Box::new(flate2::read::DeflateDecoder::new(body)),
        "br" => Box::new(brotli_decompressor::Decompressor::new(body, 4096)),
        other => return Err(format!("unknown content coding {other}")),
    };
    let mut out = Vec::new();
    match reader.take(limit as u64).read_to_end(&mut out) {
        Ok(_) => Ok(out),
        // A payload cut short by the archiver still gives what it holds.
        Err(_) if !out.is_empty() => Ok(out),
        Err(e) => Err(format!("cannot undo {coding}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn record(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
             WARC-Record-ID: <urn:uuid:0>\r\nWARC-Date: 2020-01-01T00:00:00Z\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        r.extend_from_slice(block);
        r.extend_from_slice(b"\r\n\r\n");
        r
    }

    #[test]
    fn pages_of_a_stream() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<p>Gzipped</p>").unwrap();
        let gz = gz.finish().unwrap();
        let mut chunked_gz = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=koi8-r\r\n\
            Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
            .to_vec();
        chunked_gz.extend_from_slice(format!("{:x}\r\n", 5).as_bytes());
        chunked_gz.extend_from_slice(&gz[..5]);
        chunked_gz.extend_from_slice(format!("\r\n{:x}\r\n", gz.len() - 5).as_bytes());
        chunked_gz.extend_from_slice(&gz[5..]);
        chunked_gz.extend_from_slice(b"\r\n0\r\n\r\n");
        let http = "application/http; msgtype=response";
        let mut warc = Vec::new();
        warc.extend(record(
            "warcinfo",
            "",
            "application/warc-fields",
            b"a: b\r\n",
        ));
        warc.extend(record(
            "request",
            "http://a.org/1",
            "application/http; msgtype=request",
            b"GET / HTTP/1.1\r\n\r\n",
        ));
        warc.extend(record(
            "response",
            "<http://a.org/1>",
            http,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>One</p>",
        ));
        warc.extend(record(
            "response",
            "http://a.org/r",
            http,
            b"HTTP/1.1 301 Moved\r\nLocation: /1\r\n\r\n",
        ));
        warc.extend(record(
            "response",
            "http://a.org/pdf",
            http,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n\r\n%PDF",
        ));
        warc.extend(record("response", "http://a.org/2", http, &chunked_gz));
        warc.extend(record(
            "response",
            "http://a.org/3",
            http,
            b"HTTP/2 200\r\ncontent-type: text/html\r\n\r\n<p>Three</p>",
        ));
        warc.extend(record(
            "resource",
            "file:///x.html",
            "text/html",
            b"<p>Four</p>",
        ));
        warc.extend(record(
            "metadata",
            "http://a.org/1",
            "application/warc-fields",
            b"x: y\r\n",
        ));
        let got: Vec<ArchivedPage> = pages(&warc[..], 1 << 20).map(Result::unwrap).collect();
        let urls: Vec<&str> = got.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "http://a.org/1",
                "http://a.org/2",
                "http://a.org/3",
                "file:///x.html"
            ]
        );
        assert_eq!(got[0].body, b"<p>One</p>");
        assert_eq!(got[1].body, b"<p>Gzipped</p>");
        assert_eq!(got[1].charset.as_deref(), Some("koi8-r"));
        assert_eq!(got[2].body, b"<p>Three</p>");
        assert_eq!(got[3].body, b"<p>Four</p>");
    }

    #[test]
    fn a_broken_stream_ends_with_one_error() {
        let mut warc = record(
            "response",
            "http://a.org/1",
            "application/http",
            b"HTTP/1.1 200 OK\r\n\r\n<p>One</p>",
        );
        warc.extend_from_slice(b"WARC/1.0\r\nContent-Length: 999\r\n\r\nshort");
        let got: Vec<_> = pages(&warc[..], 1 << 20).collect();
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        assert_eq!(got[1].as_ref().unwrap_err().kind(), "warc");
    }

    #[test]
    fn big_records_are_skipped_and_pages_cut_at_the_limit() {
        let big = vec![b'x'; 5 << 20];
        let mut warc = record(
            "resource",
            "http://a.org/disk.img",
            "application/octet-stream",
            &big,
        );
        let mut page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".to_vec();
        page.extend(std::iter::repeat_n(b'p', 1000));
        warc.extend(record(
            "response",
            "http://a.org/p",
            "application/http",
            &page,
        ));
        // Blank lines between records are tolerated.
        warc.extend_from_slice(b"\r\n");
        warc.extend(record(
            "response",
            "http://a.org/q",
            "application/http",
            &page,
        ));
        let got: Vec<ArchivedPage> = pages(&warc[..], 500).map(Result::unwrap).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].url, "http://a.org/p");
        assert!(got[0].body.len() < 500 && got[0].body.iter().all(|&b| b == b'p'));
    }

    #[test]
    fn warc_paths() {
        assert!(is_warc_path(Path::new("a/CC-MAIN-1.warc.gz")));
        assert!(is_warc_path(Path::new("b.WARC")));
        assert!(!is_warc_path(Path::new("c.html")));
    }
}
