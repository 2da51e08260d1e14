//! The README's `curl` examples of `pith serve`, run as shown (with `curl`)
//! against servers on loopback: `localhost:8080` becomes the test server's
//! address, and `https://example.com/` a loopback site serving a fixture
//! page. The example that presents `Bearer KEY` goes to a server whose key
//! is `KEY`. Each must answer 200 with a body.

use crate::serve::{fetch, fixture, settings, start};
use crate::server::{Response, TestServer};
use std::net::Ipv4Addr;
use std::process::Command;

/// The shell commands of the README's `pith serve` section that call
/// `curl`, continuation lines joined.
fn readme_curl_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("### `pith serve")
        .expect("the README's pith serve section");
    let section = &readme[start..];
    let end = section[4..]
        .find("\n### ")
        .map_or(section.len(), |e| e + 4)
        .min(section.find("\n#### ").unwrap_or(section.len()));
    let section = &section[..end];
    let mut commands = Vec::new();
    let mut in_code = false;
    let mut current = String::new();
    for line in section.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            continue;
        }
        current.push_str(trimmed);
        if current.contains("curl ") {
            commands.push(std::mem::take(&mut current));
        }
        current.clear();
    }
    commands
}

fn has_curl() -> bool {
    Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_curl_examples_run_as_shown() {
    assert!(
        has_curl(),
        "curl is not installed (apt-get install curl): the README's examples need it"
    );
    let commands = readme_curl_commands();
    assert!(commands.len() >= 8, "{commands:#?}");
    let site = TestServer::start(Ipv4Addr::new(127, 0, 0, 44));
    site.route("/", Response::ok(fixture("short-news-brief")));
    let open = start(settings(), fetch(true)).await;
    let mut keyed_settings = settings();
    keyed_settings.api_keys = vec!["KEY".into()];
    let keyed = start(keyed_settings, fetch(true)).await;
    let site_root = site.url("/");
    for command in commands {
        let addr = if command.contains("Bearer KEY") {
            keyed
        } else {
            open
        };
        let shown = command.clone();
        let run = command
            .replace("localhost:8080", &addr.to_string())
            .replace("https://example.com/", &site_root)
            + " -w '\\n%{http_code}'";
        let out = tokio::task::spawn_blocking(move || {
            Command::new("sh").args(["-c", &run]).output().expect("sh")
        })
        .await
        .expect("curl ran");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (body, status) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
        assert!(out.status.success(), "{shown}: {out:?}");
        assert_eq!(status, "200", "{shown}:\n{body}");
        assert!(!body.trim().is_empty(), "{shown}: no body");
    }
}
