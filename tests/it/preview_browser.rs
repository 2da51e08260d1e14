//! The preview page in headless Chromium, driven over WebDriver
//! (`chromedriver`, spoken to with plain HTTP): the preview of a saved
//! tagDiv page outlines its removed comment form with the reason, the
//! Markdown pane leaves it out, the toggle hides it, and screenshots of the
//! page before and after are kept under `target/preview-artifacts/`.
//!
//! Skipped, with a message, when `chromium` or `chromedriver` is not
//! installed (`apt-get install chromium chromium-driver`; `.ci/run` does).

use crate::server::{Response, TestServer};
use serde_json::{Value, json};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The WebDriver name of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The first of `names` found on `PATH`.
fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

/// A chromedriver process, killed on drop.
struct Driver {
    child: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver session.
struct Session {
    http: reqwest::Client,
    url: String,
}

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut r = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            r = r
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let text = r
            .send()
            .await
            .expect("webdriver")
            .text()
            .await
            .expect("body");
        let v: Value = serde_json::from_str(&text).expect("webdriver JSON");
        assert!(v["value"]["error"].is_null(), "webdriver {path}: {v}");
        v["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    async fn screenshot(&self, path: &std::path::Path) {
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = data_encoding::BASE64
            .decode(b64.as_str().expect("base64").as_bytes())
            .expect("PNG");
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).expect("write screenshot");
    }
}

/// Where the screenshots go.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::support::manifest_dir().join("target"));
    let dir = target.join("preview-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// What the test reads off the page, as one JSON object.
/// An image of one pixel.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f,
    0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

const PROBE: &str = r#"
const f = document.getElementById('page');
const d = f && f.contentDocument;
if (!d || d.readyState !== 'complete' || !d.querySelector('[data-pith]')) return null;
const warn = [...d.querySelectorAll('div')].find(e => e.textContent.trim() === 'Please enter your comment!');
const m = warn && warn.closest('[data-pith=removed]');
const cs = m && getComputedStyle(m);
return {
  found: !!warn,
  reason: m && m.getAttribute('data-pith-reason'),
  outline: cs && cs.outlineStyle,
  label: m && getComputedStyle(m, '::before').content,
  display: cs && cs.display,
  markdown: document.getElementById('markdown').textContent,
  kept: d.querySelectorAll('[data-pith=kept]').length,
  scripts: d.querySelectorAll('script').length,
  sandbox: f.getAttribute('sandbox'),
  image: (() => {
    const i = [...d.images].find(x => x.src.endsWith('/uploads/footbridge.png'));
    return i ? (i.complete ? i.naturalWidth : 0) : -1;
  })(),
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_outlines_the_removed_comment_form_in_chromium() {
    let (Some(driver_bin), Some(chromium)) = (
        which(&["chromedriver"]),
        which(&["chromium", "chromium-browser", "google-chrome"]),
    ) else {
        panic!(
            "chromium and chromedriver are not installed \
             (apt-get install chromium chromium-driver): the preview's browser test needs them"
        );
    };
    // The saved page, served on loopback, previewed by URL.
    let site = TestServer::start(Ipv4Addr::new(127, 0, 0, 43));
    // Its lead image moved to a relative address on the same server, so
    // that the preview can load it.
    let saved = crate::serve::fixture("wp-newspaper-comment-form").replace(
        "https://www.riversideledger.com/wp-content/uploads/2022/09/footbridge-reopen-696x464.jpg",
        "../../../../uploads/footbridge.png",
    );
    site.route(
        "/2022/09/18/old-mill-footbridge-reopens/",
        Response::ok(saved),
    );
    site.route(
        "/uploads/footbridge.png",
        Response::ok(PNG.to_vec()).content_type("image/png"),
    );
    let page_url = site.url("/2022/09/18/old-mill-footbridge-reopens/");
    let addr = crate::serve::start(crate::serve::settings(), crate::serve::fetch(true)).await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let driver = Driver {
        child: Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let t0 = Instant::now();
    loop {
        let ready = match http.get(format!("{}/status", driver.base)).send().await {
            Ok(r) => r
                .text()
                .await
                .unwrap_or_default()
                .contains("\"ready\":true"),
            Err(_) => false,
        };
        if ready {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1400,1000"]
        }
    }}});
    let created = http
        .post(format!("{}/session", driver.base))
        .header("content-type", "application/json")
        .body(caps.to_string())
        .send()
        .await
        .expect("new session")
        .text()
        .await
        .unwrap();
    let created: Value = serde_json::from_str(&created).expect("session JSON");
    let id = created["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {created}"))
        .to_string();
    let s = Session {
        http: http.clone(),
        url: format!("{}/session/{id}", driver.base),
    };

    let preview = format!(
        "http://{addr}/preview?url={}",
        url::form_urlencoded::byte_serialize(page_url.as_bytes()).collect::<String>()
    );
    s.post("/url", json!({"url": preview})).await;
    let mut probe = Value::Null;
    let t0 = Instant::now();
    while probe.is_null() && t0.elapsed() < Duration::from_secs(20) {
        probe = s.script(PROBE).await;
        if probe.is_null() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(!probe.is_null(), "the preview did not load");
    let dir = artifacts();
    // The comment form in view for the screenshot.
    s.script(
        "const d = document.getElementById('page').contentDocument; \
         const w = [...d.querySelectorAll('div')].find(e => e.textContent.trim() === 'Please enter your comment!'); \
         w.closest('[data-pith=removed]').scrollIntoView(); return null;",
    )
    .await;
    s.screenshot(&dir.join("preview-comment-form.png")).await;

    assert_eq!(probe["found"], true, "{probe}");
    let reason = probe["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("comment form"),
        "reason {reason:?}: {probe}"
    );
    assert_eq!(probe["outline"], "dashed", "{probe}");
    assert!(
        probe["label"].as_str().unwrap_or("").contains("removed"),
        "{probe}"
    );
    assert_ne!(probe["display"], "none", "{probe}");
    let md = probe["markdown"].as_str().unwrap_or("");
    assert!(md.contains("Old Mill"), "{md}");
    assert!(!md.contains("Please enter your comment!"), "{md}");
    assert!(probe["kept"].as_u64().unwrap_or(0) >= 1, "{probe}");
    assert_eq!(probe["scripts"], 0, "{probe}");
    assert_eq!(probe["sandbox"], "allow-same-origin", "{probe}");
    // The page's image, by a relative address, shows in the preview.
    assert_eq!(probe["image"], 1, "{probe}");
    assert!(site.hits("/uploads/footbridge.png") >= 1);

    // The toggle hides the removed parts.
    let toggle = s
        .post(
            "/element",
            json!({"using": "css selector", "value": "#hide-removed"}),
        )
        .await;
    let el = toggle[ELEMENT].as_str().expect("element").to_string();
    s.post(&format!("/element/{el}/click"), json!({})).await;
    let after = s.script(PROBE).await;
    assert_eq!(after["display"], "none", "{after}");
    s.screenshot(&dir.join("preview-comment-form-hidden.png"))
        .await;

    // A click on a removed part writes a keep rule for it.
    s.script(
        "const d = document.getElementById('page').contentDocument; \
         d.documentElement.classList.remove('pith-hide-removed'); \
         d.querySelector('[data-pith=removed]').click(); return null;",
    )
    .await;
    let rule = s
        .script("return document.getElementById('rule-toml').textContent;")
        .await;
    let rule = rule.as_str().unwrap_or("");
    assert!(
        rule.starts_with("[[site]]\nhost = \"127.0.0.43\""),
        "{rule}"
    );
    assert!(rule.contains("selectors = { keep = ["), "{rule}");
    let parsed: Result<pith::config::Config, _> = pith::config::Config::parse(rule);
    assert!(parsed.is_ok(), "{rule}: {parsed:?}");

    s.call(reqwest::Method::DELETE, "", None).await;
    println!("screenshots in {}", dir.display());
}
