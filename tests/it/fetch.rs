//! `pith run` against real HTTP servers on loopback addresses (127.0.0.x
//! stand for several hosts): robots.txt, politeness measured from the
//! servers' own timestamps, retries, redirects, deadlines, body caps, content
//! types, invalid lines, the address guard, one record per line, and SIGTERM.

use crate::server::{Response, TestServer};
use serde_json::Value;
use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A real article page from the fixtures.
fn article() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/pages/short-news-brief/source.html");
    std::fs::read(dir).expect("fixture page")
}

/// The fixture article under its own canonical URL, as a distinct story.
fn story(slug: &str) -> Vec<u8> {
    String::from_utf8(article())
        .expect("utf-8")
        .replace("route-9-bridge-overnight-closure", slug)
        .replace(
            "will close to all traffic",
            &format!("will close to all traffic ({slug})"),
        )
        .into_bytes()
}

fn server(last_octet: u8) -> TestServer {
    TestServer::start(Ipv4Addr::new(127, 0, 0, last_octet))
}

/// Settings for a test run: private networks allowed (the servers are on
/// loopback), no delay unless the test sets one.
fn config(extra: &str) -> String {
    let mut fetch = String::from(
        "allow_private_networks = true\nper_host_delay_ms = 0\ntimeout_secs = 5\nretries = 0\nconcurrency = 8\n",
    );
    for line in extra.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        if !key.is_empty() {
            fetch = fetch
                .lines()
                .filter(|l| !l.starts_with(key))
                .map(|l| format!("{l}\n"))
                .collect();
        }
        fetch.push_str(line);
        fetch.push('\n');
    }
    format!("[fetch]\n{fetch}")
}

struct Run {
    out: Output,
    records: Vec<Value>,
    took: Duration,
}

fn run(config_text: &str, lines: &[String]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    run_in(dir.path(), config_text, lines)
}

/// `pith run` with records on stdout, in `dir` (where a default state file goes).
fn run_in(dir: &std::path::Path, config_text: &str, lines: &[String]) -> Run {
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, config_text).expect("write config");
    let list = dir.join("urls.txt");
    std::fs::write(&list, lines.join("\n") + "\n").expect("write list");
    let t0 = Instant::now();
    // In its own directory: a state file made there stays there.
    let out = Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(dir)
        .args(["-q", "--config"])
        .arg(&cfg)
        .arg("run")
        .arg(&list)
        .output()
        .expect("run pith");
    let took = t0.elapsed();
    let records = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("invalid JSON line {l:?}: {e}")))
        .collect();
    Run { out, records, took }
}

fn record<'a>(r: &'a Run, url: &str) -> &'a Value {
    r.records
        .iter()
        .find(|v| v["url"] == url)
        .unwrap_or_else(|| panic!("no record for {url}: {:?}", r.records))
}

fn kind(v: &Value) -> Option<&str> {
    v["error"]["kind"].as_str()
}

fn gaps(s: &TestServer, path_prefix: &str) -> Vec<Duration> {
    let times: Vec<Instant> = s
        .requests()
        .into_iter()
        .filter(|l| l.path.starts_with(path_prefix))
        .map(|l| l.at)
        .collect();
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn robots_txt_disallow_and_fetched_once() {
    let s = server(1);
    s.route(
        "/robots.txt",
        Response::ok("User-agent: *\nDisallow: /private/\n").content_type("text/plain"),
    );
    s.route("/a", Response::ok(story("a")));
    s.route("/b", Response::ok(story("b")));
    s.route("/private/c", Response::ok(story("c")));
    let urls = vec![s.url("/a"), s.url("/private/c"), s.url("/b")];
    let r = run(&config(""), &urls);
    assert_eq!(kind(record(&r, &urls[0])), None);
    assert_eq!(kind(record(&r, &urls[1])), Some("robots_disallowed"));
    assert_eq!(kind(record(&r, &urls[2])), None);
    assert_eq!(
        s.hits("/robots.txt"),
        1,
        "robots.txt is fetched once per origin"
    );
    assert_eq!(s.hits("/private/c"), 0);
    assert_eq!(r.out.status.code(), Some(1));
}

#[test]
fn robots_txt_4xx_allows_and_5xx_disallows() {
    let allow = server(2);
    allow.route("/robots.txt", Response::ok("gone").status(404));
    allow.route("/a", Response::ok(story("allow")));
    let deny = server(3);
    deny.route("/robots.txt", Response::ok("oops").status(503));
    deny.route("/a", Response::ok(story("deny")));
    let urls = vec![allow.url("/a"), deny.url("/a")];
    let r = run(&config(""), &urls);
    assert_eq!(kind(record(&r, &urls[0])), None);
    assert_eq!(kind(record(&r, &urls[1])), Some("robots_disallowed"));
    assert_eq!(deny.hits("/a"), 0);
}

#[test]
fn per_host_delay_and_crawl_delay_are_kept() {
    let plain = server(4);
    plain.route("/robots.txt", Response::ok("").status(404));
    let slow = server(5);
    slow.route(
        "/robots.txt",
        Response::ok("User-agent: *\nCrawl-delay: 1\n").content_type("text/plain"),
    );
    let mut urls = Vec::new();
    for i in 0..3 {
        plain.route(
            &format!("/p{i}"),
            Response::ok(story(&format!("plain-{i}"))),
        );
        slow.route(&format!("/p{i}"), Response::ok(story(&format!("slow-{i}"))));
        urls.push(plain.url(&format!("/p{i}")));
        urls.push(slow.url(&format!("/p{i}")));
    }
    let r = run(&config("per_host_delay_ms = 300"), &urls);
    assert!(
        r.records.iter().all(|v| kind(v).is_none()),
        "{:?}",
        r.records
    );
    for g in gaps(&plain, "/p") {
        assert!(
            g >= Duration::from_millis(290),
            "requests to one host {g:?} apart, delay is 300 ms"
        );
    }
    for g in gaps(&slow, "/") {
        assert!(
            g >= Duration::from_millis(990),
            "Crawl-delay 1 s not kept: {g:?}"
        );
    }
    // Hosts run side by side: the slow host alone sets the pace.
    assert!(r.took < Duration::from_secs(6), "took {:?}", r.took);
}

#[test]
fn a_flaky_503_is_retried_after_retry_after() {
    let s = server(6);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route_seq(
        "/a",
        vec![
            Response::ok("busy").status(503).header("Retry-After", "1"),
            Response::ok(article()),
        ],
    );
    s.route("/down", Response::ok("down").status(500));
    let urls = vec![s.url("/a"), s.url("/down")];
    let r = run(&config("retries = 2"), &urls);
    assert_eq!(kind(record(&r, &urls[0])), None, "{:?}", r.records);
    assert_eq!(s.hits("/a"), 2);
    let g = gaps(&s, "/a");
    assert!(
        g[0] >= Duration::from_millis(990),
        "Retry-After not honoured: {:?}",
        g[0]
    );
    let down = record(&r, &urls[1]);
    assert_eq!(kind(down), Some("http_status"));
    assert_eq!(down["status"], 500);
    assert_eq!(s.hits("/down"), 3, "one try and two retries");
}

#[test]
fn redirects_are_followed_and_loops_stopped() {
    let s = server(7);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route("/a", Response::ok("").redirect(301, "/b"));
    s.route("/b", Response::ok("").redirect(302, &s.url("/c")));
    s.route("/c", Response::ok(article()));
    s.route("/x", Response::ok("").redirect(302, "/y"));
    s.route("/y", Response::ok("").redirect(302, "/x"));
    let urls = vec![s.url("/a"), s.url("/x")];
    let r = run(&config("max_redirects = 5"), &urls);
    let a = record(&r, &urls[0]);
    assert_eq!(kind(a), None);
    assert_eq!(a["final_url"], s.url("/c"));
    assert_eq!(kind(record(&r, &urls[1])), Some("too_many_redirects"));
}

#[test]
fn slow_and_dripping_servers_are_cut_by_the_deadline() {
    let s = server(8);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route(
        "/sleep",
        Response::ok(article()).delay(Duration::from_secs(30)),
    );
    s.route(
        "/drip",
        Response::ok(article()).drip(Duration::from_secs(1)),
    );
    s.route("/endless", Response::endless());
    let urls = vec![s.url("/sleep"), s.url("/drip"), s.url("/endless")];
    let r = run(
        &config("timeout_secs = 2\nconcurrency = 3\nper_host_concurrency = 3"),
        &urls,
    );
    for u in &urls {
        let k = kind(record(&r, u));
        assert!(k == Some("timeout") || k == Some("too_large"), "{u}: {k:?}");
    }
    assert!(r.took < Duration::from_secs(15), "run took {:?}", r.took);
}

#[test]
fn huge_bodies_and_gzip_bombs_are_cut() {
    let s = server(9);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route("/big", Response::large(60 * 1024 * 1024));
    s.route("/bomb", Response::gzip_bomb(200 * 1024 * 1024));
    let urls = vec![s.url("/big"), s.url("/bomb")];
    let r = run(
        &config("max_body_bytes = 1048576\ntimeout_secs = 20"),
        &urls,
    );
    assert_eq!(kind(record(&r, &urls[0])), Some("too_large"));
    assert_eq!(kind(record(&r, &urls[1])), Some("too_large"));
}

#[test]
fn a_pdf_is_not_html_and_bad_lines_are_invalid_urls() {
    let s = server(10);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route(
        "/doc.pdf",
        Response::ok("%PDF-1.4 ...").content_type("application/pdf"),
    );
    s.route("/a", Response::ok(article()));
    // Served as HTML, but an image: it cannot be decoded as text.
    s.route(
        "/png",
        Response::ok(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
    );
    s.route("/empty", Response::ok(""));
    let lines = vec![
        s.url("/doc.pdf"),
        s.url("/png"),
        s.url("/empty"),
        "not a url".to_string(),
        "ftp://example.org/file".to_string(),
        "# a comment".to_string(),
        String::new(),
        format!("  {}  ", s.url("/a")),
    ];
    let r = run(&config(""), &lines);
    assert_eq!(
        r.records.len(),
        6,
        "one record per URL line: {:?}",
        r.records
    );
    assert_eq!(kind(record(&r, &s.url("/doc.pdf"))), Some("not_html"));
    assert_eq!(kind(record(&r, &s.url("/png"))), Some("decode"));
    assert_eq!(kind(record(&r, &s.url("/empty"))), Some("decode"));
    assert_eq!(kind(record(&r, "not a url")), Some("invalid_url"));
    assert_eq!(
        kind(record(&r, "ftp://example.org/file")),
        Some("invalid_url")
    );
    let a = record(&r, &s.url("/a"));
    assert_eq!(kind(a), None);
    assert_eq!(a["status"], 200);
    assert!(a["content_hash"].as_str().is_some_and(|h| h.len() == 64));
    assert!(a["title"].as_str().is_some());
}

#[test]
fn loopback_is_refused_unless_allowed() {
    let s = server(11);
    s.route("/a", Response::ok(article()));
    let urls = vec![s.url("/a"), "http://localhost:9/x".to_string()];
    let r = run(
        "[fetch]\nallow_private_networks = false\nper_host_delay_ms = 0\n",
        &urls,
    );
    assert_eq!(kind(record(&r, &urls[0])), Some("blocked_address"));
    assert_eq!(kind(record(&r, &urls[1])), Some("blocked_address"));
    assert_eq!(
        s.requests().len(),
        0,
        "nothing may reach a refused address, robots.txt included"
    );
}

#[test]
fn exactly_one_record_per_line_across_hosts() {
    let servers: Vec<TestServer> = (12..15).map(server).collect();
    let mut urls = Vec::new();
    for s in &servers {
        s.route("/robots.txt", Response::ok("").status(404));
        for i in 0..10 {
            let name = format!("{}-p{i}", s.addr().ip());
            s.route(&format!("/p{i}"), Response::ok(story(&name)));
            urls.push(s.url(&format!("/p{i}")));
        }
        urls.push(s.url("/missing"));
    }
    let r = run(&config(""), &urls);
    assert_eq!(r.records.len(), urls.len());
    for u in &urls {
        assert_eq!(
            r.records.iter().filter(|v| v["url"] == *u).count(),
            1,
            "{u}"
        );
    }
}

#[cfg(unix)]
#[test]
fn sigterm_mid_run_leaves_a_valid_file() {
    let s = server(15);
    s.route("/robots.txt", Response::ok("").status(404));
    let urls = serve_stories(&s, "p", 50);
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config("per_host_delay_ms = 200")).expect("config");
    let out = dir.path().join("out.jsonl");
    std::fs::write(&out, "{\"kept\":true}\n").expect("seed output");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pith"))
        .args(["-q", "--config"])
        .arg(&cfg)
        .args(["run", "-", "--output"])
        .arg(&out)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn pith");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all((urls.join("\n") + "\n").as_bytes())
            .expect("write list");
    }
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let t0 = Instant::now();
    let status = child.wait().expect("wait");
    assert!(
        t0.elapsed() < Duration::from_secs(12),
        "stopped only after {:?}",
        t0.elapsed()
    );
    assert_eq!(status.code(), Some(143));
    let text = std::fs::read_to_string(&out).expect("output");
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0], "{\"kept\":true}",
        "appending keeps what the file held"
    );
    for l in &lines {
        serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("broken line {l:?}: {e}"));
    }
    assert!(lines.len() > 2 && lines.len() < 51, "{} lines", lines.len());
}

#[test]
fn connection_tls_and_dns_failures_have_their_kinds() {
    // A port that was free a moment ago: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    // A server that answers a TLS hello with plain HTTP.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let plain_port = plain.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        if let Ok((mut conn, _)) = plain.accept() {
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let urls = vec![
        format!("http://127.0.0.1:{port}/x"),
        format!("https://127.0.0.1:{plain_port}/a"),
        "http://no-such-host.invalid/x".to_string(),
    ];
    let r = run(&config("respect_robots = false"), &urls);
    assert_eq!(kind(record(&r, &urls[0])), Some("connect"));
    assert_eq!(kind(record(&r, &urls[1])), Some("tls"));
    assert_eq!(kind(record(&r, &urls[2])), Some("dns"));
}

#[test]
fn an_unreachable_robots_txt_closes_the_origin() {
    let s = server(17);
    s.route(
        "/robots.txt",
        Response::ok("User-agent: *\nAllow: /\n").delay(Duration::from_secs(30)),
    );
    s.route("/a", Response::ok(article()));
    let urls = vec![s.url("/a")];
    let r = run(&config("timeout_secs = 1"), &urls);
    assert_eq!(kind(record(&r, &urls[0])), Some("timeout"));
    assert_eq!(
        s.hits("/a"),
        0,
        "nothing is fetched while robots.txt is unreachable"
    );
}

#[cfg(unix)]
#[test]
fn every_repeats_rounds_until_sigterm() {
    let s = server(18);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route("/a", Response::ok(article()));
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config("")).expect("config");
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, s.url("/a") + "\n").expect("list");
    let out = dir.path().join("out.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pith"))
        .args(["-q", "--config"])
        .arg(&cfg)
        .args(["run", "--every", "2s", "--output"])
        .arg(&out)
        .arg(&list)
        .spawn()
        .expect("spawn pith");
    std::thread::sleep(Duration::from_millis(7000));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let t0 = Instant::now();
    let status = child.wait().expect("wait");
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "slow to stop: {:?}",
        t0.elapsed()
    );
    assert_eq!(status.code(), Some(143));
    let rounds = s.hits("/a");
    assert!(rounds >= 3, "{rounds} rounds in 7 s with --every 2s");
    // The state beside the output remembers the page: later rounds find it
    // unchanged and write nothing.
    let text = std::fs::read_to_string(&out).expect("output");
    assert_eq!(text.lines().count(), 1, "written once: {text}");
    serde_json::from_str::<Value>(text.trim_end()).expect("a whole line");
    assert!(dir.path().join("out.jsonl.state.sqlite").is_file());

    // Without a state, every round writes its record.
    let out2 = dir.path().join("out2.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pith"))
        .args(["-q", "--config"])
        .arg(&cfg)
        .args(["run", "--no-state", "--every", "1s", "--output"])
        .arg(&out2)
        .arg(&list)
        .spawn()
        .expect("spawn pith");
    std::thread::sleep(Duration::from_millis(2500));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert_eq!(child.wait().expect("wait").code(), Some(143));
    let text = std::fs::read_to_string(&out2).expect("output");
    assert_eq!(
        text.lines().count(),
        s.hits("/a") - rounds,
        "one record per round"
    );
    assert!(text.lines().count() >= 2);
    assert!(!dir.path().join("out2.jsonl.state.sqlite").exists());
}

#[test]
fn shards_split_a_list_without_overlap_or_loss() {
    let lines: Vec<String> = (0..60)
        // ftp:// URLs become invalid_url records without any network use,
        // while their host still decides the shard.
        .map(|i| format!("ftp://site{}.example.org/page/{i}", i % 20))
        .chain(["not a url".to_string()])
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, lines.join("\n") + "\n").expect("list");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[fetch]\nrespect_robots = false\n").expect("config");
    let mut seen: Vec<(String, u32)> = Vec::new();
    for i in 0..3 {
        let out = Command::new(env!("CARGO_BIN_EXE_pith"))
            .current_dir(dir.path())
            .args(["-q", "--config"])
            .arg(&cfg)
            .args(["run", "--no-state", "--shard", &format!("{i}/3")])
            .arg(&list)
            .output()
            .expect("run pith");
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            let v: Value = serde_json::from_str(l).expect("record");
            seen.push((v["url"].as_str().expect("url").to_string(), i));
        }
    }
    assert_eq!(seen.len(), lines.len(), "every line in exactly one shard");
    for l in &lines {
        assert_eq!(seen.iter().filter(|(u, _)| u == l).count(), 1, "{l}");
    }
    // One site, one shard.
    for site in 0..20 {
        let shards: std::collections::HashSet<u32> = seen
            .iter()
            .filter(|(u, _)| u.starts_with(&format!("ftp://site{site}.example.org/")))
            .map(|(_, i)| *i)
            .collect();
        assert_eq!(shards.len(), 1, "site{site} split over shards {shards:?}");
    }
}

#[test]
fn a_second_run_is_conditional_and_writes_only_changes() {
    let s = server(19);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route_seq(
        "/etag",
        vec![
            Response::ok(story("etag")).header("ETag", "\"v1\""),
            Response::ok("").status(304),
        ],
    );
    s.route("/same", Response::ok(story("same")));
    s.route("/changes", Response::ok(story("changes")));
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.sqlite");
    let cfg = config("") + &format!("[state]\npath = {:?}\n", state.display().to_string());
    let urls = vec![s.url("/etag"), s.url("/same"), s.url("/changes")];

    let first = run(&cfg, &urls);
    assert_eq!(first.records.len(), 3);
    assert!(
        first.records.iter().all(|v| v["revision"] == 1),
        "{:?}",
        first.records
    );
    assert!(state.exists(), "the state file is created on first use");

    let changed = String::from_utf8(story("changes"))
        .expect("utf-8")
        .replace("will close to all traffic", "will close to every vehicle");
    s.route("/changes", Response::ok(changed));
    let second = run(&cfg, &urls);
    assert_eq!(second.out.status.code(), Some(0));
    assert_eq!(
        second.records.len(),
        1,
        "only the changed page: {:?}",
        second.records
    );
    assert_eq!(second.records[0]["url"], s.url("/changes"));
    assert_eq!(second.records[0]["revision"], 2);
    let etag_requests: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|l| l.path == "/etag")
        .collect();
    assert_eq!(etag_requests.len(), 2);
    assert_eq!(etag_requests[1].header("if-none-match"), Some("\"v1\""));

    let third = run(&(cfg + "emit_unchanged = true\n"), &urls);
    assert_eq!(third.records.len(), 3);
    assert!(
        third.records.iter().all(|v| v["unchanged"] == true),
        "{:?}",
        third.records
    );
}

#[test]
fn the_same_article_under_two_urls_is_written_once_across_runs() {
    let s = server(41);
    s.route("/robots.txt", Response::ok("").status(404));
    // No validators: each run fetches both pages whole.
    s.route("/one", Response::ok(story("twin")));
    s.route("/two", Response::ok(story("twin")));
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.sqlite");
    let cfg = config("") + &format!("[state]\npath = {:?}\n", state.display().to_string());
    let urls = vec![s.url("/one"), s.url("/two")];
    let first = run(&cfg, &urls);
    assert_eq!(
        first.records.len(),
        1,
        "one of the two: {:?}",
        first.records
    );
    assert_eq!(first.records[0]["revision"], 1);
    for round in 2..4 {
        let again = run(&cfg, &urls);
        assert_eq!(again.out.status.code(), Some(0));
        assert!(
            again.records.is_empty(),
            "run {round} writes nothing new: {:?}",
            again.records
        );
    }
    assert_eq!(s.hits("/one") + s.hits("/two"), 6);
}

#[test]
fn a_url_of_an_idle_host_is_not_held_back_by_urls_waiting_for_a_busy_one() {
    use std::io::BufRead;
    let slow = server(43);
    let idle = server(44);
    for s in [&slow, &idle] {
        s.route("/robots.txt", Response::ok("").status(404));
    }
    // 40 URLs of one host, 0.5 s apart: 20 s of waiting for that host.
    let mut urls = serve_stories(&slow, "s", 40);
    idle.route("/idle", Response::ok(story("idle")));
    urls.push(idle.url("/idle"));
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config("per_host_delay_ms = 500\nconcurrency = 4")).expect("config");
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, urls.join("\n") + "\n").expect("write list");
    let t0 = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(dir.path())
        .args(["-q", "--config"])
        .arg(&cfg)
        .arg("run")
        .arg(&list)
        .stdout(Stdio::piped())
        .spawn()
        .expect("run pith");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let v: Value = serde_json::from_str(&line).expect("a JSON record");
            if tx.send((t0.elapsed(), v)).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let idle_at = loop {
        match rx.recv_timeout(Duration::from_secs(15).saturating_sub(t0.elapsed())) {
            Ok((at, v)) if v["url"] == idle.url("/idle") => {
                assert_eq!(kind(&v), None, "{v}");
                break Some(at);
            }
            Ok((_, v)) => seen.push(v["url"].to_string()),
            Err(_) => break None,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let idle_at = idle_at.unwrap_or_else(|| {
        panic!(
            "no record of the idle host within 15 s; {} of the busy host came first",
            seen.len()
        )
    });
    assert!(
        idle_at < Duration::from_secs(5),
        "the idle host's record came after {idle_at:?}, behind {} of the busy host",
        seen.len()
    );
    assert!(seen.len() < 20, "{seen:?}");
}

/// `n` distinct stories served at `/{prefix}{i}`; their URLs.
fn serve_stories(s: &TestServer, prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let path = format!("/{prefix}{i}");
            s.route(&path, Response::ok(story(&format!("{prefix}-{i}"))));
            s.url(&path)
        })
        .collect()
}

/// Start the run, `kill -9` it after each wait, then run it to the end;
/// returns the last run's exit code.
#[cfg(unix)]
fn kill_9_then_rerun(start: impl Fn() -> std::process::Child, waits_ms: [u64; 2]) -> Option<i32> {
    for wait_ms in waits_ms {
        let mut child = start();
        std::thread::sleep(Duration::from_millis(wait_ms));
        Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status()
            .expect("kill");
        let _ = child.wait();
    }
    start().wait().expect("rerun").code()
}

/// How often each `url` occurs among JSON lines; every line must be whole.
fn url_counts(text: &str) -> std::collections::HashMap<String, usize> {
    let mut seen = std::collections::HashMap::new();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("broken line {l:?}: {e}"));
        *seen
            .entry(v["url"].as_str().expect("url").to_string())
            .or_insert(0) += 1;
    }
    seen
}

#[cfg(unix)]
#[test]
fn kill_9_then_rerun_gives_every_url_once_and_whole_lines() {
    let s = server(20);
    s.route("/robots.txt", Response::ok("").status(404));
    let urls = serve_stories(&s, "p", 30);
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    let state = dir.path().join("state.sqlite");
    std::fs::write(
        &cfg,
        config("per_host_delay_ms = 60")
            + &format!("[state]\npath = {:?}\n", state.display().to_string()),
    )
    .expect("config");
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, urls.join("\n") + "\n").expect("list");
    let out = dir.path().join("out.jsonl");
    let warc = dir.path().join("out.warc.gz");
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_pith"))
            .args(["-q", "--config"])
            .arg(&cfg)
            .args(["run", "--output"])
            .arg(&out)
            .arg("--warc")
            .arg(&warc)
            .arg(&list)
            .spawn()
            .expect("spawn pith")
    };
    assert_eq!(kill_9_then_rerun(start, [500, 700]), Some(0));
    let seen = url_counts(&std::fs::read_to_string(&out).expect("output"));
    for u in &urls {
        assert_eq!(seen.get(u), Some(&1), "{u} written {:?} times", seen.get(u));
    }
    // The WARC file is whole (a torn member was cut on restart) and holds
    // every page's response.
    let records = crate::warc::members(&std::fs::read(&warc).expect("WARC"));
    for u in &urls {
        assert!(
            records
                .iter()
                .any(|r| r.get("WARC-Type") == Some("response")
                    && r.get("WARC-Target-URI") == Some(u.as_str())),
            "no response for {u}"
        );
    }
}

#[cfg(unix)]
#[test]
fn kill_9_then_rerun_into_a_directory_writes_every_article_once() {
    let s = server(25);
    s.route("/robots.txt", Response::ok("").status(404));
    let urls = serve_stories(&s, "d", 30);
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config("per_host_delay_ms = 60")).expect("config");
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, urls.join("\n") + "\n").expect("list");
    let out = dir.path().join("articles");
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_pith"))
            .args(["-q", "--config"])
            .arg(&cfg)
            .args(["run", "--output"])
            .arg(format!("{}/", out.display()))
            .arg(&list)
            .spawn()
            .expect("spawn pith")
    };
    assert_eq!(kill_9_then_rerun(start, [500, 800]), Some(0));
    assert!(
        out.join(".pith-state.sqlite").is_file(),
        "state inside the directory"
    );
    let seen = url_counts(&std::fs::read_to_string(out.join("index.jsonl")).expect("index"));
    for u in &urls {
        assert_eq!(seen.get(u), Some(&1), "{u} indexed {:?} times", seen.get(u));
    }
    let files = std::fs::read_dir(&out)
        .expect("read dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .count();
    assert_eq!(files, urls.len(), "one file per article");
}

#[test]
fn the_same_article_reached_twice_is_written_once() {
    let s = server(21);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route("/a", Response::ok(article()));
    // The same page under another address, and a copy with another URL.
    s.route("/copy", Response::ok(article()));
    s.route(
        "/b",
        Response::ok(
            String::from_utf8(article())
                .expect("utf-8")
                .replace("will close to all traffic", "will close to every vehicle")
                // Another article: its own canonical URL.
                .replace("route-9-bridge-overnight-closure", "route-9-bridge-reopens"),
        ),
    );
    let urls = vec![
        s.url("/a"),
        format!("{}?utm_source=feed&utm_medium=rss#top", s.url("/a")),
        s.url("/copy"),
        s.url("/b"),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.sqlite");
    let cfg = config("") + &format!("[state]\npath = {:?}\n", state.display().to_string());
    let r = run(&cfg, &urls);
    assert_eq!(r.out.status.code(), Some(0));
    let written: Vec<&str> = r
        .records
        .iter()
        .map(|v| v["url"].as_str().expect("url"))
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(written.contains(&urls[3].as_str()), "{written:?}");
    assert_eq!(
        written
            .iter()
            .filter(|u| [urls[0].as_str(), urls[1].as_str(), urls[2].as_str()].contains(u))
            .count(),
        1,
        "{written:?}"
    );
}

#[test]
fn feeds_and_sitemaps_are_expanded_into_their_pages() {
    let s = server(22);
    s.route("/robots.txt", Response::ok("").status(404));
    for p in ["f1", "f2", "p1", "p2", "plain"] {
        s.route(&format!("/{p}"), Response::ok(story(p)));
    }
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>t</title><item><title>1</title><link>{}</link></item>\
         <item><title>2</title><link>{}</link></item></channel></rss>",
        s.url("/f1"),
        s.url("/f2")
    );
    s.route(
        "/feed.xml",
        Response::ok(rss).content_type("application/rss+xml"),
    );
    let index = format!(
        "<sitemapindex><sitemap><loc>{}</loc></sitemap></sitemapindex>",
        s.url("/s1.xml.gz")
    );
    s.route(
        "/sitemap.xml",
        Response::ok(index).content_type("application/xml"),
    );
    let urlset = "<urlset><url><loc>/p1</loc></url><url><loc>/p2</loc></url></urlset>";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(urlset.as_bytes()).expect("gzip");
    s.route(
        "/s1.xml.gz",
        Response::ok(gz.finish().expect("gzip")).content_type("application/x-gzip"),
    );
    // A sitemap index that lists itself: expansion stops at the depth limit.
    let looping = format!(
        "<sitemapindex><sitemap><loc>{}</loc></sitemap></sitemapindex>",
        s.url("/loop.xml")
    );
    s.route(
        "/loop.xml",
        Response::ok(looping).content_type("application/xml"),
    );
    // `/f1` is also listed plainly, `/plain` twice (once with a fragment):
    // each URL is written once, even without a state file.
    let urls = vec![
        s.url("/f1"),
        s.url("/feed.xml"),
        s.url("/sitemap.xml"),
        s.url("/plain"),
        s.url("/loop.xml"),
        s.url("/plain#top"),
    ];
    let r = run(&config(""), &urls);
    let mut articles: Vec<String> = r
        .records
        .iter()
        .filter(|v| kind(v).is_none())
        .map(|v| {
            v["url"]
                .as_str()
                .expect("url")
                .trim_end_matches("#top")
                .to_string()
        })
        .collect();
    articles.sort();
    let mut want: Vec<String> = ["f1", "f2", "p1", "p2", "plain"]
        .iter()
        .map(|p| s.url(&format!("/{p}")))
        .collect();
    want.sort();
    assert_eq!(articles, want, "{:?}", r.records);
    let failed: Vec<&Value> = r.records.iter().filter(|v| kind(v).is_some()).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(kind(failed[0]), Some("not_html"));
    assert_eq!(
        s.hits("/loop.xml"),
        3,
        "expanded twice, refused the third time"
    );
}

#[test]
fn a_url_listed_many_times_in_a_sitemap_is_fetched_once() {
    let s = server(45);
    s.route("/robots.txt", Response::ok("").status(404));
    s.route("/a", Response::ok(story("dup-a")));
    s.route("/b", Response::ok(story("dup-b")));
    let mut urlset = String::from("<urlset>");
    for i in 0..2000 {
        let loc = if i % 2 == 0 { "/a" } else { "/a#frag" };
        urlset.push_str(&format!("<url><loc>{loc}</loc></url>"));
    }
    urlset.push_str("<url><loc>/b</loc></url></urlset>");
    s.route(
        "/sitemap.xml",
        Response::ok(urlset).content_type("application/xml"),
    );
    let r = run(&config(""), &[s.url("/sitemap.xml")]);
    assert_eq!(s.hits("/a"), 1, "{:?}", r.records.len());
    assert_eq!(s.hits("/b"), 1);
    assert_eq!(r.records.len(), 2, "{:?}", r.records);
    assert!(
        r.records.iter().all(|v| kind(v).is_none()),
        "{:?}",
        r.records
    );
}

#[test]
fn an_empty_feed_or_sitemap_gives_one_record() {
    let s = server(46);
    s.route("/robots.txt", Response::ok("").status(404));
    let xml = |body: &str| Response::ok(body.to_string()).content_type("application/xml");
    s.route("/empty-urlset.xml", xml("<urlset/>"));
    s.route("/empty-index.xml", xml("<sitemapindex></sitemapindex>"));
    s.route(
        "/unusable.xml",
        xml("<urlset><url><loc>mailto:a@b.org</loc></url><url><loc>javascript:x()</loc></url></urlset>"),
    );
    s.route(
        "/empty-feed.xml",
        Response::ok("<rss version=\"2.0\"><channel><title>t</title></channel></rss>")
            .content_type("application/rss+xml"),
    );
    let urls: Vec<String> = [
        "/empty-urlset.xml",
        "/empty-index.xml",
        "/unusable.xml",
        "/empty-feed.xml",
    ]
    .iter()
    .map(|p| s.url(p))
    .collect();
    let r = run(&config(""), &urls);
    assert_eq!(r.records.len(), urls.len(), "{:?}", r.records);
    for u in &urls {
        let v = record(&r, u);
        assert_eq!(kind(v), Some("no_content"), "{v:?}");
    }
    let message = |u: &str| {
        record(&r, u)["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        message(&urls[0]).contains("empty sitemap"),
        "{}",
        message(&urls[0])
    );
    assert!(
        message(&urls[2]).contains("none a usable"),
        "{}",
        message(&urls[2])
    );
    assert!(
        message(&urls[3]).contains("empty feed"),
        "{}",
        message(&urls[3])
    );
}

#[test]
fn a_sitemap_index_fetches_its_sitemaps_as_the_queue_drains() {
    const SITEMAPS: usize = 10;
    const PAGES: usize = 300;
    let s = server(47);
    s.route("/robots.txt", Response::ok("").status(404));
    let mut index = String::from("<sitemapindex>");
    for i in 0..SITEMAPS {
        index.push_str(&format!("<sitemap><loc>/s{i}.xml</loc></sitemap>"));
        let mut urlset = String::from("<urlset>");
        for j in 0..PAGES {
            urlset.push_str(&format!("<url><loc>/p/{i}/{j}</loc></url>"));
        }
        urlset.push_str("</urlset>");
        s.route(
            &format!("/s{i}.xml"),
            Response::ok(urlset).content_type("application/xml"),
        );
    }
    index.push_str("</sitemapindex>");
    s.route(
        "/index.xml",
        Response::ok(index).content_type("application/xml"),
    );
    // One slot: up to 64 tasks wait, so fewer than 64 discovered pages
    // waiting lets the next sitemap be fetched.
    let r = run(&config("concurrency = 1"), &[s.url("/index.xml")]);
    // Every page gives its record (a 404 here), the sitemaps none.
    assert_eq!(r.records.len(), SITEMAPS * PAGES, "{:?}", r.out);
    let log: Vec<String> = s.requests().into_iter().map(|l| l.path).collect();
    let sitemaps_before = |n: usize| {
        let first = log
            .iter()
            .enumerate()
            .filter(|(_, p)| p.starts_with("/p/"))
            .nth(n)
            .map(|(i, _)| i)
            .expect("pages requested");
        log[..first].iter().filter(|p| p.starts_with("/s")).count()
    };
    // Before the pages of the first sitemap are done, at most two sitemaps
    // (the first and one ahead) were fetched, not all of them.
    assert!(sitemaps_before(0) <= 2, "{}", sitemaps_before(0));
    assert!(
        sitemaps_before(PAGES - 100) <= 2,
        "{}",
        sitemaps_before(PAGES - 100)
    );
    assert_eq!(log.iter().filter(|p| p.starts_with("/s")).count(), SITEMAPS);
}

#[test]
fn an_absurd_crawl_delay_is_cut_not_a_panic() {
    let s = server(40);
    s.route(
        "/robots.txt",
        Response::ok("User-agent: *\nCrawl-delay: 1e20\n").content_type("text/plain"),
    );
    s.route("/a", Response::ok(story("absurd-delay")));
    let urls = vec![s.url("/a")];
    let r = run(&config(""), &urls);
    assert_eq!(r.records.len(), 1, "{:?}", r.out);
    assert_eq!(kind(record(&r, &urls[0])), None, "{:?}", r.records);
    assert_eq!(r.out.status.code(), Some(0));
}

/// A raw TCP server on 127.0.0.1 that answers every connection with
/// `reply` and closes it; with `reset`, it reads only the request's first
/// byte, so the close (with request bytes unread) resets the connection.
fn raw_server(reply: Vec<u8>, reset: bool) -> String {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let reply = reply.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while conn.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                    if reset || head.ends_with(b"\r\n\r\n") {
                        break;
                    }
                }
                let _ = conn.write_all(&reply);
                let _ = conn.flush();
                if reset {
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

#[test]
fn broken_answers_have_kinds_from_their_error_types() {
    let html = |extra: &str, body: &[u8]| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n{extra}Connection: close\r\n\r\n"
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    let mut many = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..10_000 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let huge = format!("HTTP/1.1 200 OK\r\nX-Big: {}\r\n\r\n", "a".repeat(1 << 20));
    let zipped = gzip(&article());
    let cut = &zipped[..zipped.len() / 2];
    let mut partial = html("Content-Length: 100000\r\n", &article());
    partial.truncate(partial.len() / 2);
    // A port that was free a moment ago, under a path with a TLS-ish word.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_port = closed.local_addr().expect("addr").port();
    drop(closed);
    let cases: Vec<(String, &str)> = vec![
        (
            format!("http://127.0.0.1:{closed_port}/alerts/ssl-story"),
            "connect",
        ),
        (
            raw_server(huge.into_bytes(), false) + "/big-head",
            "http_protocol",
        ),
        (
            raw_server(many.into_bytes(), false) + "/many",
            "http_protocol",
        ),
        (raw_server(article(), false) + "/http09", "http_protocol"),
        (
            raw_server(b"HTTP/1.1 abc OK\r\n\r\n".to_vec(), false) + "/status",
            "http_protocol",
        ),
        (raw_server(Vec::new(), false) + "/empty", "http_protocol"),
        (
            raw_server(
                html("Content-Encoding: gzip\r\n", b"this is not gzip at all"),
                false,
            ) + "/bad-gzip",
            "decode",
        ),
        (
            raw_server(html("Content-Encoding: gzip\r\n", cut), false) + "/cut-gzip",
            "decode",
        ),
        (raw_server(partial, true) + "/reset", "http_protocol"),
        (
            raw_server(html("", &article()), false) + "/" + &"u".repeat(40_000),
            "invalid_url",
        ),
    ];
    let urls: Vec<String> = cases.iter().map(|(u, _)| u.clone()).collect();
    let r = run(&config("respect_robots = false\ntimeout_secs = 10"), &urls);
    assert_eq!(r.records.len(), urls.len(), "{:?}", r.out);
    let mut wrong = Vec::new();
    for (url, want) in &cases {
        let rec = record(&r, url);
        if kind(rec) != Some(want) {
            wrong.push(format!(
                "{}: want {want}, got {:?}: {}",
                &url[..url.len().min(60)],
                kind(rec),
                rec["error"]["message"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn site_tables_apply_to_the_pages_of_their_host() {
    // The same page on two hosts; a [[site]] table drops one paragraph on
    // the first host only.
    let a = server(21);
    let b = server(22);
    a.route("/robots.txt", Response::ok("").status(404));
    b.route("/robots.txt", Response::ok("").status(404));
    a.route("/story", Response::ok(story("story-a")));
    b.route("/story", Response::ok(story("story-b")));
    let cfg = format!(
        "{}\n[[site]]\nhost = \"{}\"\nselectors = {{ drop = [\"p:nth-of-type(2)\"] }}\n",
        config(""),
        a.addr().ip()
    );
    let (ua, ub) = (a.url("/story"), b.url("/story"));
    let r = run(&cfg, &[ua.clone(), ub.clone()]);
    let text = |u: &str| {
        record(&r, u)["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let (ta, tb) = (text(&ua), text(&ub));
    assert!(tb.contains("adds about six minutes"), "{tb}");
    assert!(!ta.contains("adds about six minutes"), "{ta}");
    assert!(ta.contains("will close to all traffic"), "{ta}");
}

/// A server that closes the first connection after reading the request,
/// without a word, as a server closing an idle kept-alive connection does
/// just as the next request arrives: the request is sent once more, even
/// with retries off, and the page is fetched.
#[test]
fn a_connection_closed_unanswered_is_tried_once_more() {
    use std::io::Read;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while conn.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                    if head.ends_with(b"\r\n\r\n") {
                        break;
                    }
                }
                if !first {
                    let mut reply =
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
                            .to_vec();
                    reply.extend_from_slice(&article());
                    let _ = conn.write_all(&reply);
                    let _ = conn.flush();
                }
            });
        }
    });
    let url = format!("http://127.0.0.1:{port}/story");
    let r = run(
        &config("respect_robots = false"),
        std::slice::from_ref(&url),
    );
    assert_eq!(kind(record(&r, &url)), None, "{:?}", r.records);
    assert_eq!(
        seen.load(Ordering::SeqCst),
        2,
        "one more connection, no more"
    );
}
