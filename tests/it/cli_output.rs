//! The `pith` binary's outputs: appending to a user's file without losing a
//! byte, text and Markdown streams that split back into articles, directory
//! outputs that rerun in place, one run at a time per output, and what the
//! state does when the output is new (against loopback servers).

use crate::server::{Response, TestServer};
use serde_json::Value;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// An article page about `topic`, titled `title`.
fn page(title: &str, topic: &str) -> String {
    let p = format!(
        "<p>The council met on Tuesday to discuss {topic} and agreed on a plan that \
         residents had asked for since the spring, after a long debate in the hall.</p>"
    );
    format!(
        "<html><head><title>{title}</title><meta name=\"author\" content=\"Ann Lee\"></head>\
         <body><article><h1>{title}</h1>{}</article></body></html>",
        p.repeat(6)
    )
}

/// `pith <args>` in `dir`, with no config file of its own.
fn pith(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run pith")
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

#[test]
fn appending_to_a_users_file_keeps_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.html"), page("Bridge", "the bridge")).unwrap();
    // A hand-written Markdown file whose last line has no newline.
    let mine = "# Reading list\n\nthings to read this week";
    std::fs::write(dir.path().join("reading.md"), mine).unwrap();
    let o = pith(
        dir.path(),
        &["extract", "a.html", "-f", "markdown", "-o", "reading.md"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let after = std::fs::read_to_string(dir.path().join("reading.md")).unwrap();
    assert!(
        after.starts_with(&format!("{mine}\n<!-- pith:article -->\n---\n")),
        "{after}"
    );
    // The same in JSONL: a user's last line stays; a partial record of
    // pith's own (a killed run) is cut.
    let user = "{\"note\": \"mine\"}\n{\"note\": \"no newline\"}";
    std::fs::write(dir.path().join("out.jsonl"), user).unwrap();
    let o = pith(dir.path(), &["extract", "a.html", "-o", "out.jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let after = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert!(
        after.starts_with(&format!("{user}\n{{\"schema_version\"")),
        "{after}"
    );
    assert_eq!(jsonl(&after).len(), 3);
    let torn = format!("{after}{{\"schema_version\":1,\"source\":\"a.ht");
    std::fs::write(dir.path().join("out.jsonl"), &torn).unwrap();
    let o = pith(dir.path(), &["extract", "a.html", "-o", "out.jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let fixed = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert!(fixed.starts_with(&after), "{fixed}");
    assert_eq!(jsonl(&fixed).len(), 4);
}

#[test]
fn markdown_and_text_streams_split_back_into_articles() {
    let dir = tempfile::tempdir().unwrap();
    let tricky = "Yes: \"quotes\", a # hash & a \\ backslash";
    std::fs::write(dir.path().join("a.html"), page(tricky, "the bridge")).unwrap();
    std::fs::write(dir.path().join("b.html"), page("Second story", "the park")).unwrap();
    let o = pith(
        dir.path(),
        &["extract", "a.html", "b.html", "-f", "markdown"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let md = String::from_utf8(o.stdout).unwrap();
    let articles: Vec<&str> = md.split("<!-- pith:article -->\n").skip(1).collect();
    assert_eq!(articles.len(), 2, "{md}");
    assert!(md.starts_with("<!-- pith:article -->\n"));
    let front = articles[0]
        .strip_prefix("---\n")
        .and_then(|a| a.split_once("\n---\n"))
        .map(|(f, _)| f)
        .unwrap_or_else(|| panic!("no front matter: {}", articles[0]));
    assert!(front.contains("source: \"a.html\""), "{front}");
    assert!(
        front.contains(r#"title: "Yes: \"quotes\", a # hash & a \\ backslash""#),
        "{front}"
    );
    assert!(front.contains("author: \"Ann Lee\""), "{front}");
    assert!(front.contains("page_type: \""), "{front}");
    assert!(articles[1].contains("title: \"Second story\""));

    let o = pith(
        dir.path(),
        &[
            "extract",
            "a.html",
            "b.html",
            "-f",
            "markdown",
            "--no-metadata",
        ],
    );
    let md = String::from_utf8(o.stdout).unwrap();
    let articles: Vec<&str> = md.split("<!-- pith:article -->\n").skip(1).collect();
    assert_eq!(articles.len(), 2, "{md}");
    assert!(articles.iter().all(|a| a.starts_with("# ")), "{md}");

    let o = pith(dir.path(), &["extract", "a.html", "b.html", "-f", "text"]);
    let text = String::from_utf8(o.stdout).unwrap();
    let articles: Vec<&str> = text.split("\u{c}\n").skip(1).collect();
    assert_eq!(articles.len(), 2, "{text}");
    assert!(
        articles[0].starts_with(&format!("==> a.html | {tricky} <==\n\n")),
        "{}",
        articles[0]
    );
    assert!(articles[1].starts_with("==> b.html | Second story <==\n\nThe council"));
    let o = pith(
        dir.path(),
        &["extract", "a.html", "-f", "text", "--no-metadata"],
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("\u{c}\nThe council met"), "{text}");
}

#[test]
fn a_directory_output_reruns_in_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.html"), page("Bridge", "the bridge")).unwrap();
    std::fs::write(dir.path().join("b.html"), page("Park", "the park")).unwrap();
    for round in 0..3 {
        let o = pith(
            dir.path(),
            &[
                "extract", "a.html", "b.html", "-f", "markdown", "-o", "out/",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "round {round}: {}", show(&o));
    }
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    files.sort();
    assert_eq!(files, ["bridge.md", "park.md"]);
    let index = std::fs::read_to_string(dir.path().join("out/index.jsonl")).unwrap();
    let index = jsonl(&index);
    assert_eq!(index.len(), 2, "{index:?}");
    let md = std::fs::read_to_string(dir.path().join("out/bridge.md")).unwrap();
    assert!(md.starts_with("---\nsource: \"a.html\"\n"), "{md}");
}

#[cfg(unix)]
#[test]
fn a_second_run_on_a_locked_output_exits_2_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.html"), page("Bridge", "the bridge")).unwrap();
    // The first run holds the output while it waits for its input.
    let mut first = Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(dir.path())
        .args(["extract", "-", "-o", "out.jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = dir.path().join("out.jsonl.lock");
    let t0 = std::time::Instant::now();
    while std::fs::read_to_string(&lock).map_or(true, |s| s.trim().is_empty()) {
        assert!(t0.elapsed().as_secs() < 20, "the first run never locked");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let second = pith(dir.path(), &["extract", "a.html", "-o", "out.jsonl"]);
    assert_eq!(second.status.code(), Some(2), "{}", show(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains(&format!("pid {}", first.id())) && err.contains("another pith run"),
        "{err}"
    );
    let mut stdin = first.stdin.take().unwrap();
    stdin
        .write_all(page("Bridge", "the bridge").as_bytes())
        .unwrap();
    drop(stdin);
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", show(&first));
    let text = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert_eq!(jsonl(&text).len(), 1, "only the first run wrote");
    // Once it is done, the output is free again.
    let third = pith(dir.path(), &["extract", "a.html", "-o", "out.jsonl"]);
    assert_eq!(third.status.code(), Some(0), "{}", show(&third));
}

/// A loopback server with two stories and a page that gives no article,
/// each with an ETag; and a config that lets `pith run` reach it.
fn site(last_octet: u8, dir: &Path) -> (TestServer, Vec<String>) {
    let s = TestServer::start(Ipv4Addr::new(127, 0, 0, last_octet));
    s.route("/robots.txt", Response::ok("").status(404));
    s.route(
        "/a",
        Response::ok(page("Bridge", "the bridge")).header("ETag", "\"a1\""),
    );
    s.route(
        "/b",
        Response::ok(page("Park", "the park")).header("ETag", "\"b1\""),
    );
    s.route(
        "/empty",
        Response::ok("<html><body><div></div></body></html>").header("ETag", "\"e1\""),
    );
    std::fs::write(
        dir.join("config.toml"),
        "[fetch]\nallow_private_networks = true\nper_host_delay_ms = 0\nretries = 0\ntimeout_secs = 5\n",
    )
    .unwrap();
    let urls = vec![s.url("/a"), s.url("/b"), s.url("/empty")];
    std::fs::write(dir.join("urls.txt"), urls.join("\n") + "\n").unwrap();
    (s, urls)
}

#[test]
fn a_deleted_output_gets_every_page_again() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = site(61, dir.path());
    let out = dir.path().join("out.jsonl");
    let run = || pith(dir.path(), &["run", "urls.txt", "-o", "out.jsonl"]);
    let first = run();
    assert_eq!(first.status.code(), Some(1), "{}", show(&first));
    let records = jsonl(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(records.len(), 3);
    assert_eq!(records.iter().filter(|r| r["revision"] == 1).count(), 2);

    // Nothing changed: nothing written, and the summary says why.
    let second = run();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(
        jsonl(&std::fs::read_to_string(&out).unwrap()).len(),
        4,
        "{err}"
    );
    assert!(
        err.contains("2 pages unchanged")
            && err.contains("out.jsonl.state.sqlite")
            && err.contains("--no-state"),
        "{err}"
    );

    // The output is gone: a new consumer gets every page, said once.
    std::fs::remove_file(&out).unwrap();
    let third = run();
    let err = String::from_utf8_lossy(&third.stderr);
    let records = jsonl(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(records.len(), 3, "{err}");
    assert_eq!(err.matches("is new or empty").count(), 1, "{err}");
    assert!(
        records
            .iter()
            .filter(|r| r["error"].is_null())
            .all(|r| r["revision"] == 1)
    );
    // The page that failed never sent its ETag back: it is tried whole again.
    let sent: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|l| l.path == "/empty")
        .map(|l| l.header("if-none-match").map(str::to_string))
        .collect();
    assert_eq!(sent, [None, None, None]);
}

#[test]
fn records_on_stdout_have_no_state_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, urls) = site(62, dir.path());
    for _ in 0..2 {
        let o = pith(dir.path(), &["run", "urls.txt"]);
        let records = jsonl(&String::from_utf8_lossy(&o.stdout));
        assert_eq!(records.len(), 3, "{}", show(&o));
        // Without a state there is no revision to count.
        assert!(
            records.iter().all(|r| r.get("revision").is_none()),
            "{records:?}"
        );
    }
    let made: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("state") || n.ends_with(".lock"))
        .collect();
    assert!(made.is_empty(), "{made:?}");
    // With a named state, the second run writes only what changed.
    let first = pith(dir.path(), &["run", "--state", "seen.sqlite", "urls.txt"]);
    assert_eq!(jsonl(&String::from_utf8_lossy(&first.stdout)).len(), 3);
    let second = pith(dir.path(), &["run", "--state", "seen.sqlite", "urls.txt"]);
    let records = jsonl(&String::from_utf8_lossy(&second.stdout));
    assert_eq!(records.len(), 1, "{}", show(&second));
    assert_eq!(records[0]["url"], urls[2]);
    assert!(records[0]["error"].is_object(), "{records:?}");
    // --no-state: every page, no revisions.
    let o = pith(
        dir.path(),
        &["run", "--no-state", "-o", "plain.jsonl", "urls.txt"],
    );
    let records = jsonl(&std::fs::read_to_string(dir.path().join("plain.jsonl")).unwrap());
    assert_eq!(records.len(), 3, "{}", show(&o));
    assert!(
        records.iter().all(|r| r.get("revision").is_none()),
        "{records:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_second_run_on_a_locked_state_exits_2_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = site(63, dir.path());
    s.route(
        "/slow",
        Response::ok(page("Slow", "the slow page")).delay(std::time::Duration::from_secs(3)),
    );
    std::fs::write(dir.path().join("slow.txt"), s.url("/slow") + "\n").unwrap();
    let first = Command::new(env!("CARGO_BIN_EXE_pith"))
        .current_dir(dir.path())
        .args(["-q", "run", "--state", "seen.sqlite", "slow.txt"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = dir.path().join("seen.sqlite.lock");
    let t0 = std::time::Instant::now();
    while std::fs::read_to_string(&lock).map_or(true, |s| s.trim().is_empty()) {
        assert!(t0.elapsed().as_secs() < 20, "the first run never locked");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Another output, the same state.
    let second = pith(
        dir.path(),
        &[
            "run",
            "--state",
            "seen.sqlite",
            "-o",
            "other.jsonl",
            "urls.txt",
        ],
    );
    assert_eq!(second.status.code(), Some(2), "{}", show(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", show(&first));
    assert_eq!(jsonl(&String::from_utf8_lossy(&first.stdout)).len(), 1);
}

#[test]
fn a_long_title_gets_a_short_file_name_and_a_bad_file_is_one_error_record() {
    let dir = tempfile::tempdir().unwrap();
    // 120 CJK characters: 360 bytes of UTF-8, more than a file name may hold.
    let long = "橋".repeat(60) + &"梁".repeat(60);
    std::fs::write(dir.path().join("long.html"), page(&long, "the bridge")).unwrap();
    std::fs::write(dir.path().join("b.html"), page("Bravo story", "the park")).unwrap();
    std::fs::write(
        dir.path().join("c.html"),
        page("Charlie story", "the school"),
    )
    .unwrap();
    // Where the article of c.html is written first: a directory, so its
    // file cannot be made.
    std::fs::create_dir_all(dir.path().join("out/.charlie-story.json.tmp")).unwrap();
    let o = pith(
        dir.path(),
        &[
            "extract",
            "long.html",
            "b.html",
            "c.html",
            "--output",
            "out/",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let index = jsonl(&std::fs::read_to_string(dir.path().join("out/index.jsonl")).unwrap());
    assert_eq!(index.len(), 3, "{index:?}");
    let long_name = index[0]["file"]
        .as_str()
        .expect("a file for the long title");
    assert!(long_name.len() <= 200, "{} bytes", long_name.len());
    assert!(long_name.starts_with("橋橋"), "{long_name}");
    let text = std::fs::read_to_string(dir.path().join("out").join(long_name)).unwrap();
    assert!(text.contains("the bridge"));
    assert!(index[1]["file"].is_string(), "{:?}", index[1]);
    assert_eq!(index[2]["error"], "output", "{:?}", index[2]);
    assert!(index[2]["file"].is_null(), "{:?}", index[2]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("charlie-story"),
        "{}",
        show(&o)
    );
}
