//! Writing WARC/1.1: a `warcinfo` record when a file is opened, then for each
//! HTTP exchange a `response` record and its `request` record (linked by
//! `WARC-Concurrent-To`). Every record is its own gzip member, so readers can
//! seek to any record, and the two records of an exchange reach the file in
//! one write. A file left with a torn last member (a crash mid-write) is cut
//! back to its last whole member when opened again, which reads the file
//! through once; a damaged member followed by whole ones is never cut, and
//! the file is not appended to (see [`repair_torn_tail`]).
//!
//! Bodies arrive decoded (the HTTP client undoes `Content-Encoding` and
//! chunking, and drops those headers), so the stored HTTP head is made to
//! describe the stored payload, as Common Crawl does: any `Content-Encoding`,
//! `Transfer-Encoding` or `Content-Length` still present is kept under an
//! `X-Crawler-` prefix, and a `Content-Length` of the stored payload follows.
//! Block and payload digests are SHA-1 in base 32, the form WARC tools write
//! and check.

use super::WARC_VERSION;
use flate2::Compression;
use flate2::write::GzEncoder;
use sha1::{Digest, Sha1};
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::Path;

/// One HTTP request and its response, as a WARC file keeps them.
///
/// The body is stored as the application saw it, after `Content-Encoding`
/// and `Transfer-Encoding` were undone; [`crate::io::warc`] says so in the
/// headers it writes.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The requested URL.
    pub url: String,
    /// When the response head arrived.
    pub date: chrono::DateTime<chrono::Utc>,
    /// The request headers sent, in order (`host` first).
    pub request_headers: Vec<(String, String)>,
    /// The HTTP version of the response (`HTTP/1.1`, `HTTP/2`).
    pub version: &'static str,
    /// Status code.
    pub status: u16,
    /// Response headers as received.
    pub response_headers: reqwest::header::HeaderMap,
    /// The body, decoded, as far as it was read.
    pub body: Vec<u8>,
    /// The body was cut short (size cap) or not read (a type pith does not keep).
    pub truncated: bool,
    /// The server's address.
    pub ip: Option<IpAddr>,
}

/// HTTP headers that describe the transfer, not the stored payload.
const TRANSFER_HEADERS: [&str; 3] = ["content-encoding", "transfer-encoding", "content-length"];

/// Turns exchanges into WARC records, each a gzip member. Cheap to clone,
/// so records can be made on worker threads and only appended by the writer.
#[derive(Debug, Clone)]
pub struct WarcEncoder {
    info_id: std::sync::Arc<str>,
}

impl Default for WarcEncoder {
    fn default() -> Self {
        WarcEncoder {
            info_id: record_id().into(),
        }
    }
}

impl WarcEncoder {
    /// An encoder whose records refer to the `warcinfo` record `info_id`
    /// (a `WARC-Record-ID`, `<urn:uuid:…>`): records made elsewhere (a
    /// fleet worker) and the `warcinfo` written where they are appended.
    pub fn with_info_id(info_id: &str) -> WarcEncoder {
        WarcEncoder {
            info_id: info_id.into(),
        }
    }

    /// The `WARC-Record-ID` of the `warcinfo` record the records refer to.
    pub fn info_id(&self) -> &str {
        &self.info_id
    }

    /// The `warcinfo` record every other record refers to.
    pub fn warcinfo(&self, filename: &str) -> io::Result<Vec<u8>> {
        let info = format!(
            "software: pith/{}\r\nformat: WARC File Format 1.1\r\n\
             conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n",
            env!("CARGO_PKG_VERSION")
        );
        let mut fields = vec![
            ("WARC-Type", "warcinfo".to_string()),
            ("WARC-Record-ID", self.info_id.to_string()),
            ("WARC-Date", warc_date(chrono::Utc::now())),
        ];
        if !filename.is_empty() {
            fields.push(("WARC-Filename", filename.to_string()));
        }
        fields.push(("Content-Type", "application/warc-fields".to_string()));
        gzip_record(&fields, info.as_bytes())
    }

    /// The response and request records of one exchange.
    pub fn exchange(&self, ex: &Exchange) -> io::Result<Vec<u8>> {
        let date = warc_date(ex.date);
        let response_id = record_id();
        let mut block = response_head(ex);
        let payload_at = block.len();
        block.extend_from_slice(&ex.body);
        let mut fields = vec![
            ("WARC-Type", "response".to_string()),
            ("WARC-Record-ID", response_id.clone()),
            ("WARC-Warcinfo-ID", self.info_id.to_string()),
            ("WARC-Date", date.clone()),
            ("WARC-Target-URI", ex.url.clone()),
        ];
        if let Some(ip) = ex.ip {
            fields.push(("WARC-IP-Address", ip.to_string()));
        }
        fields.push(("WARC-Block-Digest", sha1_base32(&block)));
        fields.push(("WARC-Payload-Digest", sha1_base32(&block[payload_at..])));
        if ex.truncated {
            fields.push(("WARC-Truncated", "length".to_string()));
        }
        fields.push((
            "Content-Type",
            "application/http;msgtype=response".to_string(),
        ));
        let mut out = gzip_record(&fields, &block)?;

        let request = request_head(ex);
        let fields = vec![
            ("WARC-Type", "request".to_string()),
            ("WARC-Record-ID", record_id()),
            ("WARC-Warcinfo-ID", self.info_id.to_string()),
            ("WARC-Date", date),
            ("WARC-Target-URI", ex.url.clone()),
            ("WARC-Concurrent-To", response_id),
            ("WARC-Block-Digest", sha1_base32(&request)),
            (
                "Content-Type",
                "application/http;msgtype=request".to_string(),
            ),
        ];
        out.extend(gzip_record(&fields, &request)?);
        Ok(out)
    }
}

/// Appends records to a WARC file.
pub struct WarcWriter<W: Write> {
    out: W,
    encoder: WarcEncoder,
}

impl WarcWriter<std::fs::File> {
    /// Open `path` for appending (created when missing; a torn last member
    /// cut off) and write a `warcinfo` record naming this run. A file
    /// damaged before its last member is an error, and is left untouched.
    pub fn append(path: &Path) -> io::Result<Self> {
        if let Some(cut) = repair_torn_tail(path)? {
            tracing::warn!(
                path = %path.display(),
                bytes = cut,
                "cut a torn record off the end of the WARC file"
            );
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        WarcWriter::new(file, &name)
    }
}

impl<W: Write> WarcWriter<W> {
    /// Start writing to `out`, beginning with a `warcinfo` record.
    pub fn new(out: W, filename: &str) -> io::Result<Self> {
        let encoder = WarcEncoder::default();
        let mut w = WarcWriter { out, encoder };
        let info = w.encoder.warcinfo(filename)?;
        w.append_records(&info)?;
        Ok(w)
    }

    /// The encoder whose records refer to this file's `warcinfo`.
    pub fn encoder(&self) -> WarcEncoder {
        self.encoder.clone()
    }

    /// Append records made by [`WarcEncoder`], in one write, then flush.
    pub fn append_records(&mut self, members: &[u8]) -> io::Result<()> {
        self.out.write_all(members)?;
        self.out.flush()
    }

    /// Write the response and request records of one exchange, whole.
    pub fn write_exchange(&mut self, ex: &Exchange) -> io::Result<()> {
        let members = self.encoder.exchange(ex)?;
        self.append_records(&members)
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// A `BufRead` that counts what its reader consumed.
struct Counted<R> {
    inner: R,
    consumed: u64,
}

impl<R: io::Read> io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: io::BufRead> io::BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// Cut a gzip-compressed WARC file back to its last whole member; returns
/// the number of bytes cut, if any. Files that are not gzip are left alone.
///
/// Only a torn *last* member is cut. A member that does not decode but is
/// followed by a whole one is damage inside the archive: the file is left
/// as it is and an [`io::ErrorKind::InvalidData`] error says where, so that
/// good records are never thrown away.
pub fn repair_torn_tail(path: &Path) -> io::Result<Option<u64>> {
    use std::io::BufRead;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let mut reader = Counted {
        inner: io::BufReader::with_capacity(1 << 16, file),
        consumed: 0,
    };
    if len == 0 || !reader.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        return Ok(None);
    }
    let mut whole = 0u64;
    let mut members = 0u64;
    loop {
        if reader.fill_buf()?.is_empty() {
            return Ok(None);
        }
        let mut member = flate2::bufread::GzDecoder::new(&mut reader);
        if io::copy(&mut member, &mut io::sink()).is_err() {
            break;
        }
        drop(member);
        whole = reader.consumed;
        members += 1;
    }
    drop(reader);
    if let Some(next) = next_whole_member(path, whole + 1)? {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the WARC file is damaged: member {} (bytes {whole}..{next}) does not \
                 decode, but whole records follow it; it is left as it is and nothing \
                 is appended (repair it or name another file)",
                members + 1
            ),
        ));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .set_len(whole)?;
    Ok(Some(len - whole))
}

/// The offset of the first gzip member at or after `from` that decodes
/// whole, if any.
fn next_whole_member(path: &Path, from: u64) -> io::Result<Option<u64>> {
    use std::io::{Read, Seek, SeekFrom};
    const MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(from))?;
    let mut chunk = vec![0u8; 1 << 16];
    // The last two bytes of a chunk are kept, so a magic number split
    // between two reads is found.
    let mut kept = 0usize;
    let mut at = from;
    loop {
        let n = file.read(&mut chunk[kept..])?;
        if n == 0 {
            return Ok(None);
        }
        let filled = kept + n;
        let mut i = 0;
        while let Some(found) = memchr::memmem::find(&chunk[i..filled], &MAGIC) {
            let offset = at + (i + found) as u64;
            if member_decodes_at(path, offset)? {
                return Ok(Some(offset));
            }
            i += found + 1;
        }
        kept = filled.min(MAGIC.len() - 1);
        chunk.copy_within(filled - kept..filled, 0);
        at += (filled - kept) as u64;
    }
}

/// Whether one whole gzip member starts at `offset`.
fn member_decodes_at(path: &Path, offset: u64) -> io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let reader = io::BufReader::with_capacity(1 << 16, file);
    let mut member = flate2::bufread::GzDecoder::new(reader);
    Ok(io::copy(&mut member, &mut io::sink()).is_ok())
}

/// One record, compressed as one gzip member.
fn gzip_record(fields: &[(&str, String)], block: &[u8]) -> io::Result<Vec<u8>> {
    let mut head = String::with_capacity(512);
    head.push_str(WARC_VERSION);
    head.push_str("\r\n");
    for (name, value) in fields {
        head.push_str(name);
        head.push_str(": ");
        // A header value is one line.
        head.push_str(&value.replace(['\r', '\n'], " "));
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", block.len()));
    // Level 3: within 7% of level 6's size at well under half its time.
    let mut gz = GzEncoder::new(
        Vec::with_capacity(block.len() / 3 + 256),
        Compression::new(3),
    );
    gz.write_all(head.as_bytes())?;
    gz.write_all(block)?;
    gz.write_all(b"\r\n\r\n")?;
    gz.finish()
}

/// Status line and headers of the stored response (see the module docs).
fn response_head(ex: &Exchange) -> Vec<u8> {
    let reason = reqwest::StatusCode::from_u16(ex.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut head = format!("{} {} {reason}\r\n", ex.version, ex.status).into_bytes();
    for (name, value) in &ex.response_headers {
        if TRANSFER_HEADERS.contains(&name.as_str()) {
            head.extend_from_slice(b"x-crawler-");
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(format!("content-length: {}\r\n\r\n", ex.body.len()).as_bytes());
    head
}

/// Request line and headers as sent.
fn request_head(ex: &Exchange) -> Vec<u8> {
    let target = url::Url::parse(&ex.url)
        .map(|u| {
            let mut t = u.path().to_string();
            if let Some(q) = u.query() {
                t.push('?');
                t.push_str(q);
            }
            t
        })
        .unwrap_or_else(|_| "/".to_string());
    let version = if ex.version == "HTTP/1.0" {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    let mut head = format!("GET {target} {version}\r\n");
    for (name, value) in &ex.request_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn record_id() -> String {
    format!("<urn:uuid:{}>", uuid::Uuid::new_v4())
}

/// `WARC-Date`: UTC, to the microsecond, as WARC/1.1 allows.
fn warc_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// `sha1:` and the digest in base 32.
pub fn sha1_base32(bytes: &[u8]) -> String {
    format!(
        "sha1:{}",
        data_encoding::BASE32.encode(&Sha1::digest(bytes))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn exchange() -> Exchange {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("content-type", "text/html; charset=utf-8".parse().unwrap());
        headers.insert("content-encoding", "gzip".parse().unwrap());
        headers.insert("content-length", "31".parse().unwrap());
        Exchange {
            url: "http://example.org/a?b=1".into(),
            date: chrono::Utc::now(),
            request_headers: vec![("host".into(), "example.org".into())],
            version: "HTTP/1.1",
            status: 200,
            response_headers: headers,
            body: b"<html><p>Hello</p></html>".to_vec(),
            truncated: false,
            ip: Some("127.0.0.1".parse().unwrap()),
        }
    }

    #[test]
    fn members_and_digests() {
        let mut w = WarcWriter::new(Vec::new(), "t.warc.gz").unwrap();
        w.write_exchange(&exchange()).unwrap();
        let bytes = w.into_inner();
        // Three gzip members: warcinfo, response, request.
        let mut members = Vec::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let mut d = flate2::bufread::GzDecoder::new(rest);
            let mut text = Vec::new();
            d.read_to_end(&mut text).unwrap();
            rest = d.into_inner();
            members.push(String::from_utf8(text).unwrap());
        }
        assert_eq!(members.len(), 3);
        assert!(members[0].starts_with("WARC/1.1\r\nWARC-Type: warcinfo\r\n"));
        let response = &members[1];
        assert!(response.contains("WARC-Target-URI: http://example.org/a?b=1\r\n"));
        assert!(response.contains("x-crawler-content-encoding: gzip\r\n"));
        assert!(response.contains("x-crawler-content-length: 31\r\n"));
        assert!(response.contains("content-length: 25\r\n\r\n<html>"));
        assert!(response.ends_with("</html>\r\n\r\n"));
        let digest = sha1_base32(b"<html><p>Hello</p></html>");
        assert!(response.contains(&format!("WARC-Payload-Digest: {digest}\r\n")));
        assert!(members[2].contains("GET /a?b=1 HTTP/1.1\r\nhost: example.org\r\n\r\n"));
        assert_eq!(sha1_base32(b""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
    }

    #[test]
    fn a_torn_tail_is_cut_back_to_the_last_whole_member() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.warc.gz");
        let mut w = WarcWriter::append(&path).unwrap();
        w.write_exchange(&exchange()).unwrap();
        drop(w);
        let whole = std::fs::read(&path).unwrap();
        assert_eq!(repair_torn_tail(&path).unwrap(), None);
        // Half of one more exchange, as a crash would leave it.
        let mut torn = WarcWriter::new(Vec::new(), "").unwrap().into_inner();
        torn.truncate(torn.len() / 2);
        let mut bytes = whole.clone();
        bytes.extend_from_slice(&torn);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(repair_torn_tail(&path).unwrap(), Some(torn.len() as u64));
        assert_eq!(std::fs::read(&path).unwrap(), whole);
        // Opening for append repairs, then adds a warcinfo record.
        std::fs::write(&path, &bytes).unwrap();
        drop(WarcWriter::append(&path).unwrap());
        let now = std::fs::read(&path).unwrap();
        assert_eq!(&now[..whole.len()], &whole[..]);
        assert!(repair_torn_tail(&path).unwrap().is_none());
    }

    #[test]
    fn damage_before_the_last_member_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.warc.gz");
        let mut w = WarcWriter::append(&path).unwrap();
        let mut starts = Vec::new();
        for _ in 0..20 {
            starts.push(std::fs::metadata(&path).unwrap().len() as usize);
            w.write_exchange(&exchange()).unwrap();
        }
        drop(w);
        let mut bytes = std::fs::read(&path).unwrap();
        // One flipped byte inside the deflate data of the 10th exchange.
        let at = (starts[10] + starts[11]) / 2;
        bytes[at] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap();
        let err = repair_torn_tail(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("damaged"), "{err}");
        assert!(WarcWriter::append(&path).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        // The same damage in the last member is a torn tail: cut.
        let mut last = bytes.clone();
        last[at] ^= 0x55;
        let end = last.len();
        last[end - 20] ^= 0x55;
        std::fs::write(&path, &last).unwrap();
        let cut = repair_torn_tail(&path).unwrap().expect("cut");
        assert!(cut > 0 && cut < 1000, "{cut}");
        assert!(repair_torn_tail(&path).unwrap().is_none());
    }
}
