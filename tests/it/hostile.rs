//! Hostile pages, generated here: each is small, and each took memory or
//! time out of proportion to its size before the parse was bounded. Every
//! page runs through `pith extract` in a child process whose address space
//! is capped (peak memory within 40 times the page's size plus a fixed
//! allowance for the program itself), and must give one record, in bounded
//! time.

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Address space the program needs besides the page: code, thread stacks,
/// allocator arenas (a small page runs in 30 MiB, not in 20 MiB), with room
/// to spare.
const BASE_KIB: u64 = 80 * 1024;

/// `pith extract FILE` under an address-space cap of 40 times the file's
/// size plus [`BASE_KIB`]: its one record and how long it took.
fn extract_bounded(file: &Path) -> (Value, Duration) {
    let size = std::fs::metadata(file).expect("page written").len();
    let limit_kib = 40 * size / 1024 + BASE_KIB;
    let started = Instant::now();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_pith"))
        .args(["-q", "extract", "--jobs", "1"])
        .arg(file)
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .expect("run pith extract under ulimit");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one record for {} ({size} bytes, cap {limit_kib} KiB), got {:?}; status {:?}, stderr {}",
        file.display(),
        lines,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let record: Value = serde_json::from_str(lines[0]).expect("a JSON record");
    (record, took)
}

fn write(dir: &Path, name: &str, page: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, page).expect("write page");
    path
}

#[test]
fn unclosed_formatting_elements_do_not_multiply_with_paragraphs() {
    // 2,000 distinct `<code>`s left open in a paragraph, then 2,000
    // paragraphs: the parser would open every one of them again in each.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut page = String::from("<html><body><p>");
    for i in 0..2000 {
        page.push_str(&format!("<code id=\"i{i}\">"));
    }
    page.push_str("x</p>");
    for _ in 0..2000 {
        page.push_str("<p>para</p>");
    }
    let file = write(dir.path(), "formatting.html", &page);
    let (record, _) = extract_bounded(&file);
    let kind = record["error"]["kind"].as_str();
    assert!(kind.is_none() || kind == Some("too_large"), "{record}");
}

#[test]
fn formatting_elements_past_the_cap_are_cut_and_the_text_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut page = String::from("<html><body><article><p>");
    for i in 0..1000 {
        page.push_str(&format!("<b id=\"b{i}\">w{i} "));
    }
    page.push_str("end</p>");
    let file = write(dir.path(), "bold.html", &page);
    let (record, _) = extract_bounded(&file);
    let text = record["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{record}"));
    assert!(text.contains("w0 ") && text.contains("w999 end"), "{text}");
}

#[test]
fn deeply_nested_tables_and_lists_take_bounded_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pages = [
        ("tables.html", "<table><tr><td>"),
        ("definitions.html", "<dl><dd>"),
        ("figures.html", "<figure><fieldset><details><address>"),
    ];
    for (name, open) in pages {
        let page = format!(
            "<html><body>{}<p>The text at the bottom of it all, long enough to be read.</p>",
            open.repeat(20_000)
        );
        let file = write(dir.path(), name, &page);
        let (record, took) = extract_bounded(&file);
        assert!(record["error"].is_null(), "{name}: {record}");
        // Quadratic before the caps (13.5 s for the tables in a release
        // build); well under a second each now, in a debug build too.
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
    }
}

#[test]
fn a_flood_of_elements_is_too_large() {
    // 20 MB of `<br>`: five million elements.
    let dir = tempfile::tempdir().expect("temp dir");
    let page = format!("<html><body>{}", "<br>".repeat(5_000_000));
    let file = write(dir.path(), "br.html", &page);
    let (record, _) = extract_bounded(&file);
    assert_eq!(record["error"]["kind"], "too_large", "{record}");
    // 4 MB of two-word paragraphs, one a line: three nodes (the paragraph,
    // its text, the line break) per 19 bytes, each a few hundred bytes once
    // parsed.
    let page = format!("<html><body>{}", "<p>a few words</p>\n".repeat(210_000));
    let file = write(dir.path(), "paragraphs.html", &page);
    let (record, _) = extract_bounded(&file);
    assert_eq!(record["error"]["kind"], "too_large", "{record}");
}

#[test]
fn dense_but_ordinary_markup_is_extracted() {
    // One paragraph per 20 bytes, a million bytes: within the budget.
    let dir = tempfile::tempdir().expect("temp dir");
    let page = format!(
        "<html><body><article>{}</article>",
        "<p>a few words</p>\n".repeat(50_000)
    );
    let file = write(dir.path(), "dense.html", &page);
    let (record, _) = extract_bounded(&file);
    assert!(record["error"].is_null(), "{record}");
}

#[test]
fn an_expired_deadline_gives_timeout() {
    let page = b"<html><body><article><p>A paragraph of an article, long enough to be one.</p>\
        </article></body></html>";
    let options = pith::ExtractOptions {
        timeout: Some(Duration::ZERO),
        ..Default::default()
    };
    let e = pith::extract(page, None, &options).expect_err("no time at all");
    assert_eq!(e.kind(), "timeout");
    let options = pith::ExtractOptions {
        timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    assert!(pith::extract(page, None, &options).is_ok());
}

/// The highest resident memory `pid` reached, read from `/proc` (kept by the
/// kernel as the process runs, so the last reading before its exit is
/// within one poll of its peak).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Sixteen distinct pages of about 3 MB each on a loopback server, as dense
/// in nodes as the parse allows, and `pith run` over them (all fetched at
/// once) from `dir`, `extra` added to its `[fetch]` settings. Keep the server
/// until the run ends.
fn run_on_dense_pages(dir: &Path, extra: &str) -> (crate::server::TestServer, Command) {
    let server = crate::server::TestServer::start(std::net::Ipv4Addr::LOCALHOST);
    let mut lines = String::new();
    for i in 0..16 {
        let mut page = String::from("<html><body><article>");
        let unit = format!("<p>a few words {i:03}</p>\n");
        while page.len() < 3_000_000 {
            page.push_str(&unit);
        }
        server.route(
            &format!("/p{i}"),
            crate::server::Response::ok(page).content_type("text/html"),
        );
        lines.push_str(&server.url(&format!("/p{i}")));
        lines.push('\n');
    }
    let list = write(dir, "urls.txt", &lines);
    let cfg = write(
        dir,
        "config.toml",
        &format!(
            "[fetch]\nallow_private_networks = true\nper_host_delay_ms = 0\n\
             per_host_concurrency = 16\nconcurrency = 16\nrespect_robots = false\n{extra}"
        ),
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pith"));
    cmd.current_dir(dir)
        .args(["-q", "--config"])
        .arg(&cfg)
        .arg("run")
        .arg(&list);
    (server, cmd)
}

#[test]
fn large_pages_in_flight_share_the_extraction_memory() {
    // Sixteen pages of 3 MB, as dense as the parse allows (each about 130
    // MB to extract), fetched at once: extracted all together they would
    // take 2 GB; the default budget of 512 MiB lets a few run at a time.
    let dir = tempfile::tempdir().expect("temp dir");
    let (_server, mut cmd) = run_on_dense_pages(dir.path(), "");
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run pith");
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).expect("read"));
    let mut peak = 0;
    while child.try_wait().expect("wait").is_none() {
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = reader.join().expect("reader");
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect();
    assert_eq!(records.len(), 16, "{out:.2000}");
    for r in &records {
        assert!(r["error"].is_null(), "{r:.500}");
    }
    assert!(peak > 0, "no reading of the process's memory");
    assert!(peak < 1024 * 1024, "peak resident memory {peak} KiB");
    eprintln!(
        "16 large pages in flight: peak resident memory {} MiB",
        peak / 1024
    );
}

#[test]
fn sigterm_during_slow_extractions_stops_within_the_grace() {
    // Extractions of large pages are under way when SIGTERM comes: the run
    // ends after the grace (the fetch timeout, 1 s here), not after them.
    let dir = tempfile::tempdir().expect("temp dir");
    let (_server, mut cmd) = run_on_dense_pages(dir.path(), "timeout_secs = 1\n");
    let out = dir.path().join("out.jsonl");
    let mut child = cmd.arg("--output").arg(&out).spawn().expect("run pith");
    // Until the first article is written: extraction is then under way.
    let waited = Instant::now();
    while std::fs::read_to_string(&out).map_or(true, |t| t.is_empty()) {
        assert!(child.try_wait().expect("wait").is_none(), "ended early");
        assert!(waited.elapsed() < Duration::from_secs(120), "no record");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let t0 = Instant::now();
    let status = child.wait().expect("wait");
    let took = t0.elapsed();
    assert_eq!(status.code(), Some(143));
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    let text = std::fs::read_to_string(&out).expect("output");
    assert!(text.ends_with('\n'), "a torn last line");
    let n = text.lines().count();
    assert!((1..16).contains(&n), "{n} records");
    for l in text.lines() {
        let r: Value = serde_json::from_str(l).expect("a JSON record");
        assert!(r["error"].is_null(), "{r:.300}");
    }
}
