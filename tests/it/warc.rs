//! WARC in and out: `pith run --warc` against a loopback server writes a
//! WARC/1.1 file whose records are checked here member by member (digests,
//! lengths, request headers against what the server saw), read by an
//! independent reader (warcio, when installed), and read back by `pith
//! extract` into the same texts as the run. WARC files written by other tools
//! (wget; warcio in Common Crawl's layout) are read too.

use crate::server::{Response, TestServer};
use serde_json::Value;
use sha1::{Digest, Sha1};
use std::collections::HashMap;
use std::io::Read;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn page_source(slug: &str) -> Vec<u8> {
    std::fs::read(
        manifest()
            .join("testdata/pages")
            .join(slug)
            .join("source.html"),
    )
    .expect("fixture page")
}

fn records_of(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("invalid JSON {l:?}: {e}")))
        .collect()
}

/// `pith extract` over `args`, one thread, records in order.
fn extract(args: &[&str]) -> (i32, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_pith"))
        .args(["-q", "extract", "--jobs", "1"])
        .args(args)
        .output()
        .expect("run pith extract");
    (out.status.code().unwrap_or(-1), records_of(&out.stdout))
}

/// One WARC record: its version line, named fields and block.
pub struct WarcRecord {
    pub version: String,
    pub fields: Vec<(String, String)>,
    pub block: Vec<u8>,
}

impl WarcRecord {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Split a `.warc.gz` into gzip members, asserting each holds exactly one
/// whole record.
pub fn members(bytes: &[u8]) -> Vec<WarcRecord> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut d = flate2::bufread::GzDecoder::new(rest);
        let mut raw = Vec::new();
        d.read_to_end(&mut raw).expect("a whole gzip member");
        rest = d.into_inner();
        let head_end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("record head ends with a blank line");
        let head = String::from_utf8(raw[..head_end].to_vec()).expect("UTF-8 head");
        let mut lines = head.split("\r\n");
        let version = lines.next().expect("version line").to_string();
        let fields: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(": ").expect("name: value");
                (n.to_string(), v.to_string())
            })
            .collect();
        let len: usize = fields
            .iter()
            .find(|(n, _)| n == "Content-Length")
            .expect("Content-Length")
            .1
            .parse()
            .expect("a number");
        let block = raw[head_end + 4..head_end + 4 + len].to_vec();
        assert_eq!(
            &raw[head_end + 4 + len..],
            b"\r\n\r\n",
            "one record per member, closed by two CRLF"
        );
        out.push(WarcRecord {
            version,
            fields,
            block,
        });
    }
    out
}

pub fn sha1_base32(bytes: &[u8]) -> String {
    format!(
        "sha1:{}",
        data_encoding::BASE32.encode(&Sha1::digest(bytes))
    )
}

/// Checks `file` with warcio (digests included); fails when Python lacks
/// it (`.ci/run` installs it).
pub fn warcio_check(file: &Path) {
    let has_warcio = Command::new("python3")
        .args(["-c", "import warcio"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_warcio,
        "the independent WARC reader is missing: `python3 -m pip install warcio`"
    );
    let script = "import sys\n\
        from warcio.archiveiterator import ArchiveIterator\n\
        n = 0\n\
        with open(sys.argv[1], 'rb') as f:\n\
        \x20   for rec in ArchiveIterator(f, check_digests='raise'):\n\
        \x20       rec.content_stream().read()\n\
        \x20       n += 1\n\
        print(n)\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(file)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "warcio refused the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n: usize = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a count");
    assert!(n > 1, "warcio read {n} records");
}

#[test]
fn a_run_writes_a_warc_that_reads_back_to_the_same_texts() {
    let s = TestServer::start(Ipv4Addr::new(127, 0, 0, 31));
    s.route("/robots.txt", Response::ok("").status(404));
    s.route(
        "/news",
        Response::ok(page_source("news-ads-newsletter")).gzip(),
    );
    s.route("/moved", Response::ok("").redirect(301, "/spain"));
    s.route("/spain", Response::ok(page_source("spanish-news")));
    s.route(
        "/russian",
        Response::ok(page_source("russian-cp1251")).content_type("text/html; charset=windows-1251"),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("urls.txt");
    let urls = [
        s.url("/news"),
        s.url("/moved"),
        s.url("/russian"),
        s.url("/missing"),
    ];
    std::fs::write(&list, urls.join("\n") + "\n").expect("write list");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[fetch]\nallow_private_networks = true\nper_host_delay_ms = 0\nretries = 0\n",
    )
    .expect("write config");
    let warc = dir.path().join("crawl.warc.gz");
    let out = Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(dir.path())
        .args(["-q", "--config"])
        .arg(&cfg)
        .arg("run")
        .arg(&list)
        .arg("--warc")
        .arg(&warc)
        .output()
        .expect("run pith");
    assert_eq!(
        out.status.code(),
        Some(1),
        "one URL is missing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = records_of(&out.stdout);
    assert_eq!(run.len(), 4);

    // Member by member: versions, digests, lengths, links.
    let recs = members(&std::fs::read(&warc).expect("WARC written"));
    assert!(recs.iter().all(|r| r.version == "WARC/1.1"));
    assert_eq!(recs[0].get("WARC-Type"), Some("warcinfo"));
    let info_id = recs[0].get("WARC-Record-ID").expect("id").to_string();
    let mut responses: HashMap<String, &WarcRecord> = HashMap::new();
    let mut ids = HashMap::new();
    for r in &recs[1..] {
        assert_eq!(r.get("WARC-Warcinfo-ID"), Some(info_id.as_str()));
        assert_eq!(
            r.get("WARC-Block-Digest"),
            Some(sha1_base32(&r.block).as_str())
        );
        assert!(r.get("WARC-Date").is_some_and(|d| d.ends_with('Z')));
        let uri = r.get("WARC-Target-URI").expect("target").to_string();
        match r.get("WARC-Type") {
            Some("response") => {
                ids.insert(
                    r.get("WARC-Record-ID").expect("id").to_string(),
                    uri.clone(),
                );
                let at = r
                    .block
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .expect("head")
                    + 4;
                assert_eq!(
                    r.get("WARC-Payload-Digest"),
                    Some(sha1_base32(&r.block[at..]).as_str())
                );
                assert_eq!(r.get("WARC-IP-Address"), Some("127.0.0.31"));
                responses.insert(uri, r);
            }
            Some("request") => {
                let to = r.get("WARC-Concurrent-To").expect("linked to its response");
                assert_eq!(ids.get(to), Some(&uri), "request follows its response");
            }
            other => panic!("unexpected record type {other:?}"),
        }
    }
    let mut fetched: Vec<&str> = responses.keys().map(String::as_str).collect();
    fetched.sort_unstable();
    let mut want = vec![
        s.url("/robots.txt"),
        s.url("/news"),
        s.url("/moved"),
        s.url("/spain"),
        s.url("/russian"),
        s.url("/missing"),
    ];
    want.sort();
    assert_eq!(
        fetched, want,
        "every response, redirects and errors included"
    );
    let status = |path: &str| {
        let block = &responses[&s.url(path)].block;
        String::from_utf8_lossy(&block[..block.len().min(20)]).into_owned()
    };
    assert!(status("/moved").starts_with("HTTP/1.1 301"));
    assert!(status("/missing").starts_with("HTTP/1.1 404"));
    // The gzip page is stored decoded, and its head describes what is stored.
    let news = &responses[&s.url("/news")].block;
    let at = news
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head")
        + 4;
    let head = String::from_utf8_lossy(&news[..at]).to_lowercase();
    assert!(!head.contains("\r\ncontent-encoding:"), "{head}");
    assert!(
        head.contains(&format!("\r\ncontent-length: {}\r\n", news.len() - at)),
        "{head}"
    );
    assert!(String::from_utf8_lossy(&news[at..]).contains("Electric buses"));
    // The request record holds the headers the server received.
    let seen = s
        .requests()
        .into_iter()
        .find(|l| l.path == "/news")
        .expect("server saw /news");
    let request = recs
        .iter()
        .find(|r| {
            r.get("WARC-Type") == Some("request")
                && r.get("WARC-Target-URI") == Some(&s.url("/news"))
        })
        .expect("request record");
    let text = String::from_utf8_lossy(&request.block).into_owned();
    assert!(text.starts_with("GET /news HTTP/1.1\r\n"), "{text}");
    for (name, value) in &seen.headers {
        assert!(
            text.contains(&format!("{name}: {value}\r\n")),
            "header {name}: {value} missing from {text}"
        );
    }

    warcio_check(&warc);

    // Read back: the same texts as the run, by the URL each page came from.
    let (code, back) = extract(&[warc.to_str().expect("UTF-8 path")]);
    assert_eq!(code, 0, "{back:?}");
    assert_eq!(back.len(), 3, "three HTML pages: {back:?}");
    for r in run.iter().filter(|r| r["error"].is_null()) {
        let final_url = r["final_url"].as_str().expect("final URL");
        let b = back
            .iter()
            .find(|b| b["url"] == final_url)
            .unwrap_or_else(|| panic!("{final_url} not read back"));
        assert_eq!(b["source"], warc.to_str().expect("UTF-8 path"));
        for field in ["text", "title", "author", "date", "lang"] {
            assert_eq!(b[field], r[field], "{field} of {final_url}");
        }
    }
}

#[test]
fn warcs_of_other_tools_read_like_their_pages() {
    let warc_dir = manifest().join("testdata/warc");
    // (WARC, URL inside it, fixture page it holds)
    let cases = [
        (
            "wget.warc.gz",
            "http://127.0.0.1:8765/german-utf8/source.html",
            "german-utf8",
        ),
        (
            "wget.warc.gz",
            "http://127.0.0.1:8765/russian-cp1251/source.html",
            "russian-cp1251",
        ),
        (
            "common-crawl-style.warc.gz",
            "http://www.hangyeolnews.co.kr/news/articleView.html?idxno=52817",
            "korean-euc-kr",
        ),
        (
            "common-crawl-style.warc.gz",
            "https://www.northerndispatch.com/2021/02/03/transit/electric-buses-cold-winter-test.html",
            "news-ads-newsletter",
        ),
    ];
    let read: HashMap<&str, Vec<Value>> = ["wget.warc.gz", "common-crawl-style.warc.gz"]
        .into_iter()
        .map(|w| {
            let path = warc_dir.join(w);
            (w, extract(&[path.to_str().expect("UTF-8 path")]).1)
        })
        .collect();
    // wget's: two articles and a directory listing (after a 301, a 404 and
    // its own metadata records); the Common Crawl layout: two articles (a
    // 404, a redirect, an image, a revisit and metadata skipped).
    assert_eq!(read["wget.warc.gz"].len(), 3, "{:?}", read["wget.warc.gz"]);
    let listing = &read["wget.warc.gz"][2];
    assert!(
        listing["error"].is_null()
            && listing["text"]
                .as_str()
                .is_some_and(|t| t.contains("source.html") && t.contains("page.toml")),
        "the directory listing gives its entries: {listing:?}"
    );
    assert_eq!(read["common-crawl-style.warc.gz"].len(), 2);
    for (warc, url, slug) in cases {
        let got = read[warc]
            .iter()
            .find(|r| r["url"] == url)
            .unwrap_or_else(|| panic!("{url} not read from {warc}"));
        let source = manifest()
            .join("testdata/pages")
            .join(slug)
            .join("source.html");
        let (_, direct) = extract(&[source.to_str().expect("UTF-8 path"), "--url", url]);
        for field in ["text", "title", "author", "date", "lang", "sitename"] {
            assert_eq!(got[field], direct[0][field], "{field} of {slug} in {warc}");
        }
        assert!(got["word_count"].as_u64().unwrap_or(0) > 50, "{slug}");
    }
}

#[test]
fn a_broken_warc_becomes_one_error_record_and_the_run_goes_on() {
    let whole = std::fs::read(manifest().join("testdata/warc/common-crawl-style.warc.gz"))
        .expect("fixture");
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("cut.warc.gz");
    std::fs::write(&broken, &whole[..whole.len() * 3 / 4]).expect("write");
    let page = manifest().join("testdata/pages/german-utf8/source.html");
    let (code, recs) = extract(&[
        broken.to_str().expect("UTF-8 path"),
        page.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(code, 1);
    let kinds: Vec<Option<&str>> = recs.iter().map(|r| r["error"]["kind"].as_str()).collect();
    assert_eq!(kinds, [None, Some("warc"), None], "{recs:?}");
    assert_eq!(recs[1]["source"], broken.to_str().expect("UTF-8 path"));
}

/// `pith extract ARGS` in a child whose address space is capped at
/// `limit_kib`, so that a runaway allocation fails there, not on the machine.
fn extract_capped(limit_kib: u64, args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_pith"))
        .args(["-q", "extract", "--jobs", "1"])
        .args(args)
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .expect("run pith extract under ulimit")
}

#[test]
fn a_record_head_without_line_ends_is_cut_at_its_limit() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("temp dir");
    // 256 MiB of zeros, 1 MB compressed: one endless "line".
    let zeros = dir.path().join("zeros.warc.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&zeros).expect("create"),
        flate2::Compression::fast(),
    );
    let block = vec![0u8; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&block).expect("write");
    }
    gz.finish().expect("finish");
    let page = manifest().join("testdata/pages/german-utf8/source.html");
    let z = zeros.to_str().expect("UTF-8 path");
    let out = extract_capped(200 * 1024, &[z, page.to_str().expect("UTF-8 path")]);
    let recs = records_of(&out.stdout);
    let kinds: Vec<Option<&str>> = recs.iter().map(|r| r["error"]["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [Some("warc"), None],
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        recs[0]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("over 1 MiB")),
        "{:?}",
        recs[0]
    );
}

#[test]
fn a_warc_damaged_before_its_end_is_left_alone_and_not_appended_to() {
    use pith::io::warc::write::{Exchange, WarcWriter};
    let s = TestServer::start(Ipv4Addr::new(127, 0, 0, 42));
    s.route("/robots.txt", Response::ok("").status(404));
    s.route("/news", Response::ok(page_source("german-utf8")));
    let dir = tempfile::tempdir().expect("temp dir");
    // An archive of 40 exchanges, one byte flipped inside the 10th.
    let warc = dir.path().join("crawl.warc.gz");
    let w = WarcWriter::new(Vec::new(), "crawl.warc.gz").expect("writer");
    let mut starts = Vec::new();
    for i in 0..40 {
        starts.push(w.encoder().exchange(&Exchange {
            url: format!("http://example.org/{i}"),
            date: chrono::Utc::now(),
            request_headers: vec![("host".into(), "example.org".into())],
            version: "HTTP/1.1",
            status: 200,
            response_headers: reqwest::header::HeaderMap::new(),
            body: format!("<p>page {i}</p>").repeat(20).into_bytes(),
            truncated: false,
            ip: None,
        }));
    }
    let mut bytes = w.into_inner();
    let mut at = Vec::new();
    for members in starts {
        at.push(bytes.len());
        bytes.extend(members.expect("encode"));
    }
    let flip = (at[10] + at[11]) / 2;
    bytes[flip] ^= 0x55;
    std::fs::write(&warc, &bytes).expect("write");
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, s.url("/news") + "\n").expect("write list");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[fetch]\nallow_private_networks = true\nper_host_delay_ms = 0\nretries = 0\n",
    )
    .expect("write config");
    let out = Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(dir.path())
        .args(["-q", "--config"])
        .arg(&cfg)
        .args(["run", "--no-state"])
        .arg(&list)
        .arg("--warc")
        .arg(&warc)
        .output()
        .expect("run pith");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("damaged"), "{stderr}");
    assert_eq!(std::fs::read(&warc).expect("read"), bytes, "left as it was");
    assert_eq!(s.hits("/news"), 0, "nothing fetched");
}
