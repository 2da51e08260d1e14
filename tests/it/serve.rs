//! `pith serve`'s API against the running server on loopback: every route,
//! every error status, the body and time limits, API keys, CORS, the bound
//! on concurrent extractions, and the address guard for `url`s.

use crate::server::{Response, TestServer};
use pith::config::FetchConfig;
use pith::serve::{App, ServeSettings};
use serde_json::{Value, json};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// A fixture page, as text.
pub fn fixture(slug: &str) -> String {
    let p = crate::support::pages_dir().join(slug).join("source.html");
    String::from_utf8_lossy(&std::fs::read(p).expect("fixture page")).into_owned()
}

/// Server settings for a test: generous unless the test says otherwise.
pub fn settings() -> ServeSettings {
    ServeSettings {
        max_body_bytes: 4 * 1024 * 1024,
        request_timeout: Duration::from_secs(20),
        max_concurrency: 2,
        max_queue: 64,
        memory: 512 << 20,
        api_keys: Vec::new(),
        cors_origins: Vec::new(),
    }
}

/// Fetch settings for a test; `private`: loopback pages may be fetched.
pub fn fetch(private: bool) -> FetchConfig {
    FetchConfig {
        allow_private_networks: private,
        per_host_delay_ms: 0,
        per_host_concurrency: 8,
        retries: 0,
        timeout_secs: 10,
        ..Default::default()
    }
}

/// Start a server on a free loopback port of this runtime.
pub async fn start(s: ServeSettings, f: FetchConfig) -> SocketAddr {
    let app = App::new(s, pith::ExtractOptions::default(), Vec::new(), &f).expect("app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(pith::serve::serve(listener, app, std::future::pending()));
    addr
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

async fn post_json(addr: SocketAddr, path: &str, body: &Value) -> (u16, Value) {
    let r = client()
        .post(format!("http://{addr}{path}"))
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.expect("body")).expect("JSON answer"),
    )
}

async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let r = client()
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    (status, ct, r.text().await.expect("body"))
}

fn kind(v: &Value) -> &str {
    v["error"]["kind"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_html_answers_the_cli_record_in_each_format() {
    let addr = start(settings(), fetch(false)).await;
    let html = fixture("short-news-brief");
    let (status, v) = post_json(
        addr,
        "/v1/extract",
        &json!({"html": html, "url": "https://example.com/news/a"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["schema_version"], pith::SCHEMA_VERSION);
    assert_eq!(v["url"], "https://example.com/news/a");
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert!(v["text"].as_str().is_some_and(|t| t.len() > 100), "{v}");
    // The same record as `pith extract`'s line for the page.
    let cli = pith::extract(
        html.as_bytes(),
        Some("https://example.com/news/a"),
        &Default::default(),
    )
    .expect("article");
    assert_eq!(v["text"], cli.text);

    let r = client()
        .post(format!("http://{addr}/v1/extract"))
        .body((json!({"html": html, "format": "markdown"})).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    let md = r.text().await.unwrap();
    assert!(md.starts_with("---\n"), "{md}");
    assert!(md.contains("\n# "), "{md}");

    let r = client()
        .post(format!("http://{addr}/v1/extract"))
        .body((json!({"html": html, "format": "text"})).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(r.text().await.unwrap().contains(&cli.text));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_400_and_no_content_is_422() {
    let addr = start(settings(), fetch(false)).await;
    let r = client()
        .post(format!("http://{addr}/v1/extract"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(kind(&v), "bad_request");
    for body in [
        json!({}),
        json!({"html": "<p>x</p>", "format": "pdf"}),
        json!({"html": "<p>x</p>", "unknown": 1}),
        json!({"html": "<p>x</p>", "selectors": {"drop": ["p[["]}}),
        json!({"url": "ftp://example.com/"}),
        json!({"html": ""}),
    ] {
        let (status, v) = post_json(addr, "/v1/extract", &body).await;
        assert_eq!(status, 400, "{body} gave {v}");
        assert!(v["error"]["message"].is_string(), "{v}");
    }
    let (status, v) = post_json(
        addr,
        "/v1/extract",
        &json!({"html": "<html><body><nav><a href='/'>Home</a></nav></body></html>"}),
    )
    .await;
    assert_eq!((status, kind(&v)), (422, "no_content"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_are_fetched_with_the_guarded_polite_fetcher() {
    let page = TestServer::start(Ipv4Addr::new(127, 0, 0, 41));
    page.route("/a", Response::ok(fixture("short-news-brief")));
    page.route("/gone", Response::ok("gone").status(404));
    page.route("/secret/b", Response::ok(fixture("short-news-brief")));
    page.route(
        "/robots.txt",
        Response::ok("User-agent: *\nDisallow: /secret/\n").content_type("text/plain"),
    );
    // Without permission, a loopback address is refused: 403.
    let guarded = start(settings(), fetch(false)).await;
    let q = format!("/v1/extract?url={}", page.url("/a"));
    let (status, _, body) = get(guarded, &q).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, kind(&v)), (403, "blocked_address"), "{v}");
    assert_eq!(page.hits("/a"), 0);

    let addr = start(settings(), fetch(true)).await;
    let (status, ct, body) = get(addr, &q).await;
    assert_eq!(status, 200, "{body}");
    assert!(ct.starts_with("application/json"));
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], 200);
    assert_eq!(v["final_url"], page.url("/a"));
    assert!(v["content_hash"].is_null() || v["content_hash"].is_string());
    // robots.txt: 403.
    let (status, v) = post_json(addr, "/v1/extract", &json!({"url": page.url("/secret/b")})).await;
    assert_eq!((status, kind(&v)), (403, "robots_disallowed"), "{v}");
    assert_eq!(page.hits("/secret/b"), 0);
    // An upstream 404: 502.
    let (status, v) = post_json(addr, "/v1/extract", &json!({"url": page.url("/gone")})).await;
    assert_eq!((status, kind(&v)), (502, "http_status"), "{v}");
    // Nothing listening: 502.
    let (status, v) = post_json(addr, "/v1/extract", &json!({"url": "http://127.0.0.1:9/x"})).await;
    assert_eq!(status, 502, "{v}");
    // The reader route: Markdown, the query string kept in the URL.
    let (status, ct, md) = get(addr, &format!("/r/{}?x=1", page.url("/a"))).await;
    assert_eq!(status, 200, "{md}");
    assert!(ct.starts_with("text/markdown"), "{ct}");
    assert!(md.starts_with("---\n") && md.contains("\n# "), "{md}");
    assert!(page.requests().iter().any(|r| r.path == "/a?x=1"));
    let (status, ct, body) = get(addr, &format!("/r/{}", page.url("/gone"))).await;
    assert_eq!(status, 502);
    assert!(
        ct.starts_with("text/plain") && body.starts_with("error http_status"),
        "{body}"
    );
    // robots.txt was fetched once for all these requests: one fetcher.
    assert_eq!(page.hits("/robots.txt"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_streams_one_record_per_line_in_order() {
    let addr = start(settings(), fetch(false)).await;
    let html = fixture("short-news-brief");
    let body = format!(
        "{}\nnot json\n\n{}\n{}\n",
        json!({"html": html, "url": "https://example.com/1"}),
        json!({"url": "http://10.1.2.3/"}),
        json!({"html": "<html><body><nav><a href='/'>Home</a></nav></body></html>"}),
    );
    let r = client()
        .post(format!("http://{addr}/v1/batch"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let text = r.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0]["url"], "https://example.com/1");
    assert!(lines[0]["error"].is_null());
    assert_eq!(kind(&lines[1]), "bad_request");
    assert_eq!(lines[1]["source"], "line 2");
    assert_eq!(kind(&lines[2]), "blocked_address");
    assert_eq!(kind(&lines[3]), "no_content");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metrics_and_openapi() {
    let addr = start(settings(), fetch(false)).await;
    let (status, _, body) = get(addr, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    post_json(
        addr,
        "/v1/extract",
        &json!({"html": "<html><body><nav><a href='/'>Home</a></nav></body></html>"}),
    )
    .await;
    let (status, ct, m) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/plain"), "{ct}");
    assert!(
        m.contains("pith_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("pith_http_requests_total{route=\"/v1/extract\",status=\"422\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("pith_http_request_duration_seconds_count{route=\"/v1/extract\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("pith_errors_total{kind=\"no_content\"} 1"),
        "{m}"
    );
    assert!(m.contains("pith_extractions_running 0"), "{m}");
    let (status, ct, spec) = get(addr, "/openapi.json").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/json"));
    let v: Value = serde_json::from_str(&spec).unwrap();
    assert!(v["paths"]["/v1/batch"]["post"].is_object());
    // Unknown paths: 404, counted as "other".
    assert_eq!(get(addr, "/nope").await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_413() {
    let s = ServeSettings {
        max_body_bytes: 1000,
        ..settings()
    };
    let addr = start(s, fetch(false)).await;
    let (status, v) = post_json(addr, "/v1/extract", &json!({"html": "x".repeat(5000)})).await;
    assert_eq!((status, kind(&v)), (413, "body_too_large"), "{v}");
    let r = client()
        .post(format!("http://{addr}/v1/batch"))
        .body("y".repeat(5000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_end_in_504() {
    let page = TestServer::start(Ipv4Addr::new(127, 0, 0, 42));
    page.route(
        "/slow",
        Response::ok(fixture("short-news-brief")).delay(Duration::from_secs(4)),
    );
    let s = ServeSettings {
        request_timeout: Duration::from_secs(1),
        ..settings()
    };
    let addr = start(s, fetch(true)).await;
    let t0 = std::time::Instant::now();
    let (status, v) = post_json(addr, "/v1/extract", &json!({"url": page.url("/slow")})).await;
    assert_eq!((status, kind(&v)), (504, "timeout"), "{v}");
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    // A batch line has its own deadline; the stream goes on.
    let body = format!(
        "{}\n{}\n",
        json!({"url": page.url("/slow")}),
        json!({"html": fixture("short-news-brief")})
    );
    let text = client()
        .post(format!("http://{addr}/v1/batch"))
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(kind(&lines[0]), "timeout", "{text}");
    assert!(lines[1]["error"].is_null(), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_required_when_set() {
    let s = ServeSettings {
        api_keys: vec!["k-123".into(), "k-456".into()],
        ..settings()
    };
    let addr = start(s, fetch(false)).await;
    let body = json!({"html": fixture("short-news-brief")});
    let url = format!("http://{addr}/v1/extract");
    let none = client()
        .post(&url)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    let v: Value = serde_json::from_str(&none.text().await.unwrap()).unwrap();
    assert_eq!(kind(&v), "unauthorized");
    for (h, k, want) in [
        ("authorization", "Bearer k-12", 401),
        ("authorization", "Bearer k-1234", 401),
        ("authorization", "Basic k-123", 401),
        ("x-api-key", "", 401),
        ("authorization", "Bearer k-123", 200),
        ("authorization", "bearer k-456", 200),
        ("x-api-key", "k-456", 200),
    ] {
        let r = client()
            .post(&url)
            .header(h, k)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), want, "{h}: {k}");
    }
    assert_eq!(get(addr, "/healthz").await.0, 200);
    assert_eq!(get(addr, "/metrics").await.0, 401);
    assert_eq!(get(addr, "/preview").await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_only_when_configured() {
    let addr = start(settings(), fetch(false)).await;
    let r = client()
        .get(format!("http://{addr}/healthz"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let s = ServeSettings {
        cors_origins: vec!["https://app.example".into()],
        api_keys: vec!["k".into()],
        ..settings()
    };
    let addr = start(s, fetch(false)).await;
    let r = client()
        .get(format!("http://{addr}/healthz"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let pre = client()
        .request(
            reqwest::Method::OPTIONS,
            format!("http://{addr}/v1/extract"),
        )
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    assert!(
        pre.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("x-api-key")
    );
    let other = client()
        .get(format!("http://{addr}/healthz"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn extractions_beyond_the_slots_and_queue_are_503() {
    let s = ServeSettings {
        max_concurrency: 1,
        max_queue: 0,
        ..settings()
    };
    let addr = start(s, fetch(false)).await;
    // A page big enough to keep the one slot busy for a while.
    let para = "<p>A sentence of the long story, with words enough, and commas, to be prose.</p>\n";
    let html = format!(
        "<html><body><article>{}</article></body></html>",
        para.repeat(15_000)
    );
    let body = json!({"html": html});
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            post_json(addr, "/v1/extract", &body).await
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        let (status, v) = t.await.unwrap();
        if status == 503 {
            assert_eq!(kind(&v), "busy");
        }
        statuses.push(status);
    }
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&503), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_links_and_images_on_request() {
    let addr = start(settings(), fetch(false)).await;
    let html = fixture("reader-comments-thread");
    let (status, plain) = post_json(addr, "/v1/extract", &json!({"html": html})).await;
    assert_eq!(status, 200, "{plain}");
    assert!(plain.get("comments").is_none(), "{plain}");
    let (_, v) = post_json(
        addr,
        "/v1/extract",
        &json!({"html": html, "comments": true}),
    )
    .await;
    let comments = v["comments"].as_str().unwrap_or("");
    assert!(
        comments.contains("The oven light trick saved my starter"),
        "{v}"
    );
    assert!(
        !v["text"].as_str().unwrap().contains("oven light trick"),
        "{v}"
    );
    assert_eq!(v["text"], plain["text"]);
    let page = "<html><body><article><p>A story that links to <a href='/more'>more reading</a> \
        and shows <img src='pic.jpg' alt='a picture'> in its first long paragraph.</p>\
        <p>And a second paragraph that carries on the story with more words for the scorer.</p>\
        </article></body></html>";
    let r = client()
        .post(format!("http://{addr}/v1/extract"))
        .body(
            json!({"html": page, "url": "https://ex.com/a/b", "format": "markdown",
                   "links": true, "images": true})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let md = r.text().await.unwrap();
    assert!(md.contains("[more reading](https://ex.com/more)"), "{md}");
    assert!(
        md.contains("![a picture](https://ex.com/a/pic.jpg)"),
        "{md}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_force_parts_in_and_out() {
    let addr = start(settings(), fetch(false)).await;
    let html = fixture("short-news-brief");
    let (_, plain) = post_json(addr, "/v1/extract", &json!({"html": html})).await;
    let text = plain["text"].as_str().unwrap().to_string();
    let (status, dropped) = post_json(
        addr,
        "/v1/extract",
        &json!({"html": html, "selectors": {"drop": ["p"]}}),
    )
    .await;
    // Every paragraph dropped: what is left is not the text it was.
    assert!(status == 422 || dropped["text"] != text, "{dropped}");
    let page = "<html><body><article><p>The story's first paragraph is long enough to be read as the article text.</p>\
        <p>And a second paragraph that carries on the story with more words for the scorer.</p></article>\
        <nav class='menu'><p>Keep this menu line</p></nav></body></html>";
    let (_, v) = post_json(addr, "/v1/extract", &json!({"html": page})).await;
    assert!(
        !v["text"].as_str().unwrap().contains("Keep this menu line"),
        "{v}"
    );
    let (_, v) = post_json(
        addr,
        "/v1/extract",
        &json!({"html": page, "selectors": {"keep": ["nav.menu"]}}),
    )
    .await;
    assert!(
        v["text"].as_str().unwrap().contains("Keep this menu line"),
        "{v}"
    );
}

#[test]
fn the_binary_serves_and_explains() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pith"))
        .args(["--no-config", "serve", "--listen", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pith serve");
    let mut line = String::new();
    BufReader::new(child.stderr.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap_or_default()
        .to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{line} {answer}");
    assert!(answer.ends_with("ok\n"), "{answer}");

    let page = crate::support::pages_dir().join("wp-newspaper-comment-form/source.html");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pith"))
        .args(["--no-config", "extract", "--explain"])
        .arg(&page)
        .output()
        .expect("pith extract --explain");
    assert!(out.status.success());
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.lines().any(|l| l.starts_with("removed")
            && l.contains("comment form")
            && l.contains("div#comments")),
        "{report}"
    );
    assert!(report.lines().any(|l| l.starts_with("kept")), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_posted_as_html_gives_the_record_of_the_json_request() {
    let addr = start(settings(), fetch(false)).await;
    let html = fixture("short-news-brief");
    let url = "https://example.com/news/a";
    let (status, json_record) =
        post_json(addr, "/v1/extract", &json!({"html": html, "url": url})).await;
    assert_eq!(status, 200, "{json_record}");
    let posted = |query: String, ct: &'static str, body: Vec<u8>| async move {
        let r = client()
            .post(format!("http://{addr}/v1/extract?{query}"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .expect("request");
        (r.status().as_u16(), r.text().await.expect("body"))
    };
    let (status, body) = posted(
        format!("url={url}"),
        "text/html; charset=utf-8",
        html.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("JSON answer");
    assert_eq!(v, json_record);
    // The options come from the query string.
    let (status, text) = posted(
        format!("url={url}&format=text"),
        "text/html",
        html.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains(json_record["text"].as_str().unwrap()),
        "{text}"
    );
    // The charset of the type decodes the page: "café" in windows-1252.
    let latin = b"<html><head><title>Caf\xe9</title></head><body><article><p>Le caf\xe9 du coin \
        sert un caf\xe9 noir et fort depuis des ann\xe9es, \xe0 toute heure du jour.</p>\
        <p>Une deuxi\xe8me phrase assez longue pour que la page compte comme un article.</p>\
        </article></body></html>"
        .to_vec();
    let (status, body) = posted(String::new(), "text/html; charset=windows-1252", latin).await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("JSON answer");
    assert!(
        v["text"].as_str().unwrap().contains("Le café du coin"),
        "{v}"
    );
    // The page is the body: html in the query is refused.
    let (status, body) = posted("html=x".into(), "text/html", b"<p>x</p>".to_vec()).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_html_is_unicode_whatever_its_meta_charset_says() {
    // A page saved as GBK and put in a JSON string: the string is Unicode
    // now, the <meta> is stale.
    let addr = start(settings(), fetch(false)).await;
    let html = "<html><head><meta charset=\"gbk\"><title>北京天气</title></head>\
        <body><article><h1>北京天气</h1><p>今天北京早上天气晴朗，下午气温升到二十五度。\
        傍晚以后云量增多，夜间部分地区有小雨，请大家出门时带好雨具。</p>\
        <p>明天全国大部分地区将有降雨，气温比今天略低，早晚温差较大，注意及时增减衣物。</p>\
        </article></body></html>";
    let (status, v) = post_json(addr, "/v1/extract", &json!({"html": html})).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["text"].as_str().unwrap().contains("今天北京早上天气晴朗"),
        "{v}"
    );
}
