//! The `pith` binary end to end: exit codes (0 all ok, 1 some inputs failed,
//! 2 usage or configuration errors), input kinds (files, `-`, directories,
//! `--input-list`), record order under `--jobs`, output formats and sinks
//! (stdout, appending file, one file per article), error kinds, and
//! `config.toml` handling. Every run happens in its own temporary directory
//! with small generated pages.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary working directory for one test.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `bytes` at `rel` (parents created); returns the relative path as a string.
    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> String {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
        rel.to_string()
    }

    /// `pith <args>` run in this directory, with `stdin` fed when given.
    fn pith(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pith"));
        cmd.args(args)
            .current_dir(self.path())
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        let mut child = cmd.spawn().expect("spawn pith");
        if let Some(bytes) = stdin {
            let mut w = child.stdin.take().expect("stdin");
            w.write_all(bytes).expect("write stdin");
        }
        child.wait_with_output().expect("wait for pith")
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("pith exited by a signal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code, stdout and stderr, for assertion messages.
fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// Parse JSONL; every line must be a JSON object.
fn records(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            assert!(v.is_object(), "not a JSON object: {l}");
            v
        })
        .collect()
}

fn kind(rec: &Value) -> Option<&str> {
    rec["error"]["kind"].as_str()
}

fn sources(recs: &[Value]) -> Vec<String> {
    recs.iter()
        .map(|r| r["source"].as_str().unwrap_or("<none>").to_string())
        .collect()
}

/// A small article page whose text is unique to `topic`.
fn article(topic: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{topic} - Test Gazette</title></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>{topic}</h1>
<p>The story of {topic} begins on a quiet morning, when the first reports reached the newsroom and nobody quite believed them.</p>
<p>By noon, several witnesses had described {topic} in remarkably similar terms, and the editors decided the story deserved a closer look.</p>
<p>Officials declined to comment on {topic} until the afternoon, when a short statement confirmed most of the details that had circulated.</p>
<p>Residents said they expected to hear more about {topic} in the coming weeks, as the investigation continues and new facts emerge.</p>
</article><footer>Copyright Test Gazette. All rights reserved.</footer></body></html>"#
    )
}

/// A section front: many linked headlines with one-line teasers, no article.
fn listing() -> String {
    let mut s = String::from(
        "<!doctype html><html lang=\"en\"><head><title>Business - Test Gazette</title></head><body><main><h1>Business</h1>",
    );
    for k in 1..=16 {
        s.push_str(&format!(
            "<article class=\"teaser\"><h2><a href=\"/business/story-{k}\">Headline number {k} about markets and trade</a></h2>\
             <p>A one-line teaser for story {k}.</p></article>"
        ));
    }
    s.push_str(
        "<nav class=\"pagination\"><a href=\"?page=2\">Next page</a></nav></main></body></html>",
    );
    s
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa\x00\x00\x00\x00IEND\xaeB`\x82";

#[test]
fn all_inputs_ok_exits_0() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let b = sb.write("b.html", article("Orchard Frost"));
    let o = sb.pith(&["extract", &a, &b], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(sources(&recs), [a, b], "{}", show(&o));
    for (rec, topic) in recs.iter().zip(["Harbor Lights", "Orchard Frost"]) {
        assert!(rec.get("error").is_none(), "{rec}");
        assert_eq!(rec["title"], topic, "{rec}");
        let text = rec["text"].as_str().expect("text");
        assert!(
            text.contains(&format!("The story of {topic} begins")),
            "{rec}"
        );
        assert!(!text.contains("All rights reserved"), "{rec}");
        assert!(rec["schema_version"].is_u64(), "{rec}");
    }
}

#[test]
fn missing_file_gives_not_found_record_and_exit_1() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let b = sb.write("b.html", article("Orchard Frost"));
    let o = sb.pith(&["extract", &a, "missing.html", &b], None);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(
        sources(&recs),
        [a.as_str(), "missing.html", b.as_str()],
        "{}",
        show(&o)
    );
    assert_eq!(kind(&recs[1]), Some("not_found"), "{}", recs[1]);
    assert!(
        recs[1]["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        recs[1]
    );
    assert!(recs[1].get("text").is_none(), "{}", recs[1]);
    assert_eq!(kind(&recs[0]), None);
    assert_eq!(kind(&recs[2]), None);
}

/// Exit code 2, nothing on stdout, and a message naming `needle`.
fn assert_fatal(o: &Output, needle: &str) {
    assert_eq!(code(o), 2, "{}", show(o));
    assert!(stdout(o).is_empty(), "{}", show(o));
    assert!(stderr(o).contains(needle), "{}", show(o));
}

#[test]
fn no_inputs_is_a_usage_error() {
    let sb = Sandbox::new();
    let o = sb.pith(&["extract"], None);
    assert_fatal(&o, "no input");
}

#[test]
fn bad_format_is_a_usage_error() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let o = sb.pith(&["extract", "--format", "xml", &a], None);
    assert_fatal(&o, "xml");
}

#[test]
fn unknown_config_key_is_fatal_and_named() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let cfg = sb.write("settings.toml", "[extract]\njobz = 3\n");
    let o = sb.pith(&["--config", &cfg, "extract", &a], None);
    assert_fatal(&o, "jobz");
}

#[test]
fn missing_config_file_named_by_flag_is_fatal() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let o = sb.pith(&["--config", "nope.toml", "extract", &a], None);
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(stderr(&o).contains("nope.toml"), "{}", show(&o));
}

#[test]
fn dash_reads_stdin() {
    let sb = Sandbox::new();
    let page = article("Harbor Lights");
    let o = sb.pith(
        &["extract", "--url", "https://example.com/harbor", "-"],
        Some(page.as_bytes()),
    );
    assert_eq!(code(&o), 0, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(recs.len(), 1, "{}", show(&o));
    assert_eq!(recs[0]["source"], "-");
    assert_eq!(recs[0]["url"], "https://example.com/harbor");
    assert!(
        recs[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("The story of Harbor Lights begins"),
        "{}",
        recs[0]
    );
}

#[test]
fn directory_is_searched_recursively_for_html_and_htm() {
    let sb = Sandbox::new();
    sb.write("site/a.html", article("Harbor Lights"));
    sb.write("site/sub/b.htm", article("Orchard Frost"));
    sb.write("site/sub/deeper/c.html", article("Granite Quarry"));
    sb.write("site/notes.txt", article("Not An Input"));
    sb.write("site/sub/image.png", PNG);
    let o = sb.pith(&["extract", "site"], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let recs = records(&stdout(&o));
    let mut got: Vec<String> = sources(&recs)
        .iter()
        .map(|s| s.replace('\\', "/"))
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["site/a.html", "site/sub/b.htm", "site/sub/deeper/c.html"],
        "{}",
        show(&o)
    );
}

#[test]
fn input_list_with_urls_comments_and_blank_lines() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let b = sb.write("b.html", article("Orchard Frost"));
    let list = format!(
        "# pages to extract\n\n{a}\thttps://example.com/news/harbor-lights\n   \n# another comment\n{b}\n"
    );
    let l = sb.write("inputs.tsv", &list);
    let o = sb.pith(&["extract", "--input-list", &l], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(sources(&recs), [a.as_str(), b.as_str()], "{}", show(&o));
    assert_eq!(recs[0]["url"], "https://example.com/news/harbor-lights");
    assert!(recs[1]["url"].is_null(), "{}", recs[1]);

    // The list itself may come from stdin.
    let o = sb.pith(&["extract", "--input-list", "-"], Some(list.as_bytes()));
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(sources(&records(&stdout(&o))), [a, b]);
}

#[test]
fn records_keep_input_order_with_jobs_4() {
    let sb = Sandbox::new();
    let mut inputs = Vec::new();
    for k in 0..20 {
        let name = format!("in/page-{k:02}.html");
        // Vary the work per input (and mix in failures) so that workers finish out of order.
        let body = match k % 5 {
            0 => article(&format!("Topic {k}")).repeat(40),
            3 => String::new(),
            _ => article(&format!("Topic {k}")),
        };
        inputs.push(sb.write(&name, body));
        if k == 7 {
            inputs.push("in/missing.html".to_string());
        }
    }
    // Reverse name order, so that input order differs from any sorted order.
    inputs.reverse();
    let mut args = vec!["extract", "--jobs", "4"];
    args.extend(inputs.iter().map(String::as_str));
    let o = sb.pith(&args, None);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(sources(&recs), inputs, "{}", show(&o));
    assert!(recs.iter().filter(|r| kind(r) == Some("empty")).count() == 4);
}

#[test]
fn text_and_markdown_formats() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));

    let o = sb.pith(&["extract", "--format", "text", &a], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let out = stdout(&o);
    // A form-feed line, then the header line, opens every article.
    assert!(
        out.starts_with(
            "\u{c}\n==> a.html | Harbor Lights <==\n\nThe story of Harbor Lights begins"
        ),
        "{}",
        show(&o)
    );
    assert!(out.contains("Residents said they expected"), "{}", show(&o));
    assert!(!out.trim_start().starts_with('{'), "{}", show(&o));

    let o = sb.pith(&["extract", "--format", "markdown", &a], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("<!-- pith:article -->\n---\nsource: \"a.html\"\n"),
        "{}",
        show(&o)
    );
    assert!(out.contains("\n---\n\n# Harbor Lights\n"), "{}", show(&o));
    assert!(
        out.contains("The story of Harbor Lights begins"),
        "{}",
        show(&o)
    );
    assert!(serde_json::from_str::<Value>(out.lines().next().unwrap_or("")).is_err());
}

#[test]
fn output_file_is_appended_to() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let b = sb.write("b.html", article("Orchard Frost"));
    let c = sb.write("c.html", article("Granite Quarry"));
    let o = sb.pith(&["extract", "--output", "out.jsonl", &a, &b], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(stdout(&o).is_empty(), "{}", show(&o));
    let o = sb.pith(&["extract", "-o", "out.jsonl", &c, "missing.html"], None);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let text = std::fs::read_to_string(sb.path().join("out.jsonl")).expect("output file");
    assert!(text.ends_with('\n'), "{text}");
    let recs = records(&text);
    assert_eq!(
        sources(&recs),
        [a.as_str(), b.as_str(), c.as_str(), "missing.html"],
        "{text}"
    );
}

#[test]
fn output_dir_gets_one_file_per_article() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let b = sb.write("b.html", article("Orchard Frost"));
    let c = sb.write("c.html", article("Granite Quarry"));
    let e = sb.write("e.html", "");
    let o = sb.pith(&["extract", "--output", "out/", &a, &b, &e, &c], None);
    assert_eq!(code(&o), 1, "{}", show(&o));
    assert!(stdout(&o).is_empty(), "{}", show(&o));
    let index = std::fs::read_to_string(sb.path().join("out").join(pith::io::output::INDEX_FILE))
        .expect("index");
    let entries: Vec<Value> = index
        .lines()
        .map(|l| serde_json::from_str(l).expect("index line"))
        .collect();
    assert_eq!(entries.len(), 4, "the index lists every record: {index}");
    assert_eq!(
        entries.iter().filter(|v| v["error"] == "empty").count(),
        1,
        "{index}"
    );
    assert!(entries.iter().filter(|v| v["error"].is_null()).all(|v| {
        sb.path()
            .join("out")
            .join(v["file"].as_str().expect("file"))
            .exists()
    }));
    let mut files: Vec<PathBuf> = std::fs::read_dir(sb.path().join("out"))
        .expect("output dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.ends_with(pith::io::output::INDEX_FILE))
        // The lock file.
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        3,
        "one file per article, none for the failure: {files:?}"
    );
    let mut titles = Vec::new();
    for f in &files {
        assert_eq!(
            f.extension().and_then(|e| e.to_str()),
            Some("json"),
            "{f:?}"
        );
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(f).expect("read")).expect("valid JSON");
        titles.push(v["title"].as_str().unwrap_or("").to_string());
    }
    titles.sort();
    assert_eq!(titles, ["Granite Quarry", "Harbor Lights", "Orchard Frost"]);
}

#[test]
fn error_kinds_for_empty_binary_and_script_shell_inputs() {
    let sb = Sandbox::new();
    let empty = sb.write("empty.html", "");
    let blank = sb.write("blank.html", " \n\t\n");
    let png = sb.write("image.html", PNG);
    let shell = sb.write(
        "shell.html",
        "<!doctype html><html><head><title>App</title></head><body><div id=\"root\"></div>\
         <script>render(document.getElementById('root'))</script></body></html>",
    );
    let ok = sb.write("ok.html", article("Harbor Lights"));
    let o = sb.pith(&["extract", &empty, &blank, &png, &shell, &ok], None);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let recs = records(&stdout(&o));
    let kinds: Vec<Option<&str>> = recs.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            Some("empty"),
            Some("empty"),
            Some("binary"),
            Some("no_content"),
            None
        ],
        "{}",
        show(&o)
    );
}

#[test]
fn a_listing_gives_its_cards_and_its_page_type() {
    let sb = Sandbox::new();
    let list = sb.write("listing.html", listing());
    let o = sb.pith(&["extract", &list], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(recs[0]["page_type"], "listing", "{}", show(&o));
    let text = recs[0]["text"].as_str().unwrap_or("");
    for k in [1, 8, 16] {
        assert!(
            text.contains(&format!("Headline number {k} about markets and trade")),
            "{text}"
        );
    }
    assert!(!text.contains("Next page"), "{text}");
}

#[test]
fn cli_format_overrides_config() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    let cfg = sb.write("conf/pith.toml", "[output]\nformat = \"text\"\n");

    let o = sb.pith(&["--config", &cfg, "extract", &a], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        stdout(&o).contains("<==\n\nThe story of Harbor Lights"),
        "config format=text applies: {}",
        show(&o)
    );

    let o = sb.pith(
        &["--config", &cfg, "extract", "--format", "jsonl", &a],
        None,
    );
    assert_eq!(code(&o), 0, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(
        recs.len(),
        1,
        "--format jsonl wins over the config: {}",
        show(&o)
    );
    assert_eq!(recs[0]["title"], "Harbor Lights");
}

#[test]
fn config_toml_in_current_dir_is_read_by_default() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Harbor Lights"));
    sb.write("config.toml", "[output]\nformat = \"markdown\"\n");
    let o = sb.pith(&["extract", &a], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(stdout(&o).contains("\n# Harbor Lights\n"), "{}", show(&o));

    // ...and a bad one there is reported, key named.
    sb.write("config.toml", "[output]\nfromat = \"text\"\n");
    let o = sb.pith(&["extract", &a], None);
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(stderr(&o).contains("fromat"), "{}", show(&o));
}

#[test]
fn declared_title_is_kept_as_written_unless_strip_site_name() {
    let sb = Sandbox::new();
    let page = article("Harbor Lights").replace(
        "<meta charset=\"utf-8\">",
        "<meta charset=\"utf-8\"><meta property=\"og:title\" content=\"Harbor Lights | Test Gazette\">\
         <meta property=\"og:site_name\" content=\"Test Gazette\">",
    );
    let a = sb.write("a.html", page);
    let o = sb.pith(&["extract", &a], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(
        records(&stdout(&o))[0]["title"],
        "Harbor Lights | Test Gazette"
    );

    let o = sb.pith(&["extract", "--strip-site-name", &a], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let rec = &records(&stdout(&o))[0];
    assert_eq!(rec["title"], "Harbor Lights", "{rec}");
    assert_eq!(rec["sitename"], "Test Gazette", "{rec}");

    sb.write("config.toml", "[extract]\nstrip_site_name = true\n");
    let o = sb.pith(&["extract", &a], None);
    assert_eq!(records(&stdout(&o))[0]["title"], "Harbor Lights");
}

#[test]
fn a_teaser_stream_gives_way_to_the_story_beside_it_only_on_a_dated_page() {
    let sb = Sandbox::new();
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/pages/teaser-stream-outscores-story/source.html"),
    )
    .expect("fixture page");
    let dated = sb.write("dated.html", &page);
    // The same page with no date anywhere: nothing says it is one story.
    let undated = page
        .replace(
            "<meta property=\"article:published_time\" content=\"2016-12-14T17:52:03Z\">",
            "",
        )
        .replace(
            "<abbr title=\"2016-12-14T17:52:03Z\">December 14, 2016</abbr>",
            "",
        )
        .replace("&copy; 2016 ", "");
    assert!(!undated.contains("2016"));
    let undated = sb.write("undated.html", undated);
    let o = sb.pith(&["extract", &dated, &undated], None);
    let recs = records(&stdout(&o));
    assert!(
        recs[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Vanessa Ortega said she had no idea")),
        "{}",
        show(&o)
    );
    // The undated page is a listing: its cards are its content.
    assert_eq!(kind(&recs[1]), None, "{}", show(&o));
    assert_eq!(recs[1]["page_type"], "listing", "{}", show(&o));
    assert_eq!(recs[0]["page_type"], "article", "{}", show(&o));
    // Asked for articles only, the listing is refused with its type.
    let o = sb.pith(
        &["extract", "--page-types", "article", &dated, &undated],
        None,
    );
    assert_eq!(code(&o), 1, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(kind(&recs[0]), None, "{}", show(&o));
    assert_eq!(kind(&recs[1]), Some("page_type"), "{}", show(&o));
    assert_eq!(recs[1]["page_type"], "listing", "{}", show(&o));
    let o = sb.pith(&["extract", "--page-types", "article,blog", &dated], None);
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown page type 'blog'"));
}

#[test]
fn a_shell_whose_data_holds_the_article_is_an_article_for_page_types() {
    let sb = Sandbox::new();
    let shell = sb.write(
        "shell.html",
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/pages/article-body-in-json-ld-shell/source.html"),
        )
        .expect("fixture page"),
    );
    // The classifier sees an empty shell; the JSON-LD article body makes it
    // the article, kept when only articles are asked for.
    let o = sb.pith(&["extract", "--page-types", "article", &shell], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(kind(&recs[0]), None, "{}", show(&o));
    assert_eq!(recs[0]["page_type"], "article", "{}", show(&o));
    assert!(
        recs[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("werktags von neun bis zwanzig Uhr")),
        "{}",
        show(&o)
    );
    let o = sb.pith(&["extract", "--page-types", "forum", &shell], None);
    assert_eq!(code(&o), 1, "{}", show(&o));
    assert_eq!(
        kind(&records(&stdout(&o))[0]),
        Some("page_type"),
        "{}",
        show(&o)
    );
}

// ---- `pith run`: what it reads, and errors that point to the fix ----

use crate::server::{Response, TestServer};

/// A loopback server with three article pages, `/a`, `/b` and `/c`.
fn pages_server() -> TestServer {
    let s = TestServer::start(std::net::Ipv4Addr::LOCALHOST);
    for (path, topic) in [("/a", "Alpha"), ("/b", "Bravo"), ("/c", "Charlie")] {
        s.route(path, Response::ok(article(topic)));
    }
    s
}

/// `pith run` flags for a loopback server: no delay, no retries, no state.
const RUN: &[&str] = &[
    "run",
    "--no-state",
    "--allow-private-networks",
    "--per-host-delay-ms",
    "0",
    "--retries",
    "0",
    "--timeout-secs",
    "5",
];

fn run_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    RUN.iter().copied().chain(extra.iter().copied()).collect()
}

fn urls_of(recs: &[Value]) -> Vec<String> {
    let mut u: Vec<String> = recs
        .iter()
        .map(|r| r["url"].as_str().unwrap_or("<none>").to_string())
        .collect();
    u.sort();
    u
}

#[test]
fn run_list_with_bad_bytes_bom_crlf_comments_and_a_bare_host() {
    let s = pages_server();
    let sb = Sandbox::new();
    let mut list = b"\xEF\xBB\xBF".to_vec();
    list.extend_from_slice(format!("{}\r\n", s.url("/a")).as_bytes());
    list.extend_from_slice(b"\xff\xfe bad\r\n");
    list.extend_from_slice(format!("{}  # seen in May\n", s.url("/b")).as_bytes());
    list.extend_from_slice(b"# a comment line\n");
    list.extend_from_slice(b"https://example.com/caf\xe9\n");
    let bare = format!("{}/c", s.addr());
    list.extend_from_slice(format!("{bare}\n").as_bytes());
    sb.write("urls.txt", &list);
    let o = sb.pith(&run_args(&["urls.txt"]), None);
    let recs = records(&stdout(&o));
    assert_eq!(recs.len(), 5, "one record per URL line\n{}", show(&o));
    assert_eq!(code(&o), 1, "{}", show(&o));
    for path in ["/a", "/b"] {
        let r = recs.iter().find(|r| r["url"] == s.url(path)).expect(path);
        assert_eq!(kind(r), None, "{r}");
    }
    let mut bad: Vec<&str> = recs
        .iter()
        .filter(|r| kind(r) == Some("invalid_url"))
        .map(|r| r["error"]["message"].as_str().unwrap())
        .collect();
    bad.sort();
    assert_eq!(bad.len(), 2, "{}", show(&o));
    assert!(
        bad[0].contains("line 2") && bad[0].contains("urls.txt"),
        "{bad:?}"
    );
    assert!(
        bad[1].contains("line 5") && bad[1].contains("caf\\xe9"),
        "{bad:?}"
    );
    // The bare host is tried as https (the test server speaks plain HTTP).
    let https = format!("https://{bare}");
    let r = recs.iter().find(|r| r["url"] == https.as_str());
    assert!(r.is_some_and(|r| kind(r).is_some()), "{}", show(&o));
}

#[test]
fn run_reads_a_utf16_list() {
    let s = pages_server();
    let sb = Sandbox::new();
    let text = format!("{}\r\n{}\r\n", s.url("/a"), s.url("/b"));
    for (name, bom, le) in [
        ("le.txt", [0xFF, 0xFE], true),
        ("be.txt", [0xFE, 0xFF], false),
    ] {
        let mut bytes = bom.to_vec();
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        sb.write(name, bytes);
        let o = sb.pith(&run_args(&[name]), None);
        assert_eq!(code(&o), 0, "{}", show(&o));
        let recs = records(&stdout(&o));
        assert_eq!(
            urls_of(&recs),
            vec![s.url("/a"), s.url("/b")],
            "{}",
            show(&o)
        );
    }
}

#[test]
fn run_takes_urls_as_arguments_with_dash_u_and_from_a_piped_stdin() {
    let s = pages_server();
    let sb = Sandbox::new();
    let (a, b, c) = (s.url("/a"), s.url("/b"), s.url("/c"));
    let o = sb.pith(&run_args(&[&a, "-u", &b, "--url", &c]), None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(
        urls_of(&records(&stdout(&o))),
        vec![a.clone(), b.clone(), c]
    );
    // No argument, a list piped in.
    let list = format!("{a}\n{b}\n");
    let o = sb.pith(RUN, Some(list.as_bytes()));
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(urls_of(&records(&stdout(&o))), vec![a, b]);
    // Neither: a usage error, not a wait on the terminal.
    let o = sb.pith(RUN, None);
    assert_fatal(&o, "no URL list");
    // A name that is neither a URL nor a file.
    for name in ["missing.txt", "notes.md"] {
        let o = sb.pith(&run_args(&[name]), None);
        assert_fatal(&o, name);
    }
    // A host and path without a scheme is a URL, tried as https.
    let bare = format!("{}/a", s.addr());
    let o = sb.pith(&run_args(&[&bare]), None);
    let recs = records(&stdout(&o));
    assert_eq!(
        urls_of(&recs),
        vec![format!("https://{bare}")],
        "{}",
        show(&o)
    );
}

#[test]
fn run_warns_about_a_list_without_urls() {
    let sb = Sandbox::new();
    sb.write("urls.txt", "# nothing yet\n\n");
    let o = sb.pith(&run_args(&["urls.txt"]), None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(stderr(&o).contains("holds no URL"), "{}", show(&o));
}

#[test]
fn run_errors_name_the_fix_and_the_page() {
    let sb = Sandbox::new();
    // A loopback address without --allow-private-networks.
    let o = sb.pith(&["run", "--no-state", "http://127.0.0.1:9/page"], None);
    let recs = records(&stdout(&o));
    assert_eq!(kind(&recs[0]), Some("blocked_address"), "{}", show(&o));
    let msg = recs[0]["error"]["message"].as_str().unwrap();
    assert!(msg.contains("--allow-private-networks"), "{msg}");
    // A port nobody listens on: the error names the page, not robots.txt.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let page = format!("http://127.0.0.1:{port}/some/page");
    let o = sb.pith(&run_args(&[&page]), None);
    let recs = records(&stdout(&o));
    assert_eq!(kind(&recs[0]), Some("connect"), "{}", show(&o));
    let msg = recs[0]["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&page) && !msg.contains("robots.txt"), "{msg}");
    // A name that does not resolve (.invalid: no query is sent), robots.txt
    // first: the error names the page.
    let page = "http://pith-test.invalid/story";
    let o = sb.pith(&run_args(&[page]), None);
    let recs = records(&stdout(&o));
    assert_eq!(kind(&recs[0]), Some("dns"), "{}", show(&o));
    let msg = recs[0]["error"]["message"].as_str().unwrap();
    assert!(msg.contains(page) && !msg.contains("robots.txt"), "{msg}");
    // Zero per-host concurrency is refused like zero concurrency.
    let o = sb.pith(&run_args(&["--per-host-concurrency", "0", page]), None);
    assert_fatal(&o, "per-host-concurrency");
}

#[test]
fn an_implicit_config_that_fails_says_so_and_no_config_skips_it() {
    let sb = Sandbox::new();
    let page = sb.write("p.html", article("Delta"));
    sb.write("config.toml", "[extract]\njobz = 3\n");
    let o = sb.pith(&["extract", &page], None);
    assert_fatal(&o, "--no-config");
    assert!(stderr(&o).contains("working directory"), "{}", show(&o));
    let o = sb.pith(&["--no-config", "extract", &page], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    // A named file that fails is not called implicit.
    let o = sb.pith(&["--config", "config.toml", "extract", &page], None);
    assert_fatal(&o, "jobz");
    assert!(!stderr(&o).contains("working directory"), "{}", show(&o));
}

#[test]
fn config_format_md_is_markdown() {
    let sb = Sandbox::new();
    let page = sb.write("p.html", article("Echo"));
    sb.write("config.toml", "[output]\nformat = \"md\"\n");
    let o = sb.pith(&["extract", &page], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        stdout(&o).starts_with("<!-- pith:article -->\n---\n"),
        "{}",
        show(&o)
    );
    assert!(stdout(&o).contains("\n# Echo"), "{}", show(&o));
}

#[test]
fn a_read_only_output_directory_is_named() {
    let sb = Sandbox::new();
    let page = sb.write("p.html", article("Foxtrot"));
    let ro = sb.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perm = std::fs::metadata(&ro).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&ro, perm.clone()).unwrap();
    // Where permissions do not bind (root), a directory of the kernel's,
    // where no one makes files, stands in for it.
    let writable = std::fs::write(ro.join("x"), "x").is_ok();
    let target = if writable { "/proc/self/fdinfo" } else { "ro" };
    let o = sb.pith(&["extract", &page, "-o", target], None);
    assert_fatal(&o, target);
    assert!(
        stderr(&o).contains(&format!("output directory {target}")),
        "{}",
        show(&o)
    );
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&ro, perm).unwrap();
}

#[test]
fn input_list_with_bom_utf16_and_a_bad_line() {
    let sb = Sandbox::new();
    let a = sb.write("a.html", article("Golf"));
    let b = sb.write("b.html", article("Hotel"));
    let mut list = b"\xEF\xBB\xBF".to_vec();
    list.extend_from_slice(format!("{a}\n").as_bytes());
    list.extend_from_slice(b"\xff.html\n");
    list.extend_from_slice(format!("{b}\n").as_bytes());
    sb.write("list.tsv", &list);
    let o = sb.pith(&["extract", "--input-list", "list.tsv"], None);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let recs = records(&stdout(&o));
    assert_eq!(recs.len(), 3, "{}", show(&o));
    assert_eq!(kind(&recs[0]), None);
    assert_eq!(kind(&recs[1]), Some("invalid_line"));
    assert!(
        recs[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 2")
    );
    assert_eq!(kind(&recs[2]), None);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in format!("{a}\r\n{b}\r\n").encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    sb.write("list16.tsv", utf16);
    let o = sb.pith(&["extract", "--input-list", "list16.tsv"], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(records(&stdout(&o)).len(), 2);
}

#[test]
fn extract_points_a_url_to_pith_run() {
    let sb = Sandbox::new();
    let o = sb.pith(&["extract", "https://example.com/a"], None);
    assert_fatal(&o, "pith run");
}

#[test]
fn installed_binary_has_no_debug_info_and_readme_installs_locked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let release = &manifest["profile"]["release"];
    let debug = release.get("debug");
    assert!(
        debug.is_none_or(|d| d.as_bool() == Some(false)
            || d.as_integer() == Some(0)
            || d.as_str() == Some("none")),
        "release keeps debug info: {debug:?}"
    );
    let profiling = &manifest["profile"]["profiling"];
    assert_eq!(profiling["inherits"].as_str(), Some("release"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("cargo install --locked --path ."));
    assert!(readme.contains("--profile profiling"));
}

// ---- `pith run`: stopping on a signal, naming failures, logs for machines ----

/// `pith run` over `paths` of `s`, started in the background with records
/// on a pipe.
fn spawn_run(sb: &Sandbox, s: &TestServer, paths: &[&str], extra: &[&str]) -> std::process::Child {
    let list: String = paths.iter().map(|p| s.url(p) + "\n").collect();
    sb.write("urls.txt", list);
    // RUN's flags but the deadline, which sets the grace period here.
    let run = RUN.iter().take_while(|a| **a != "--timeout-secs");
    Command::new(env!("CARGO_BIN_EXE_pith"))
        .args(run)
        .args(extra)
        .arg("urls.txt")
        .current_dir(sb.path())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pith")
}

/// Wait until the server has seen `n` requests to paths starting with `prefix`.
fn wait_for_hits(s: &TestServer, prefix: &str, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let hits = s
            .requests()
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .count();
        if hits >= n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server saw {hits} of {n} requests"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn send_signal(child: &std::process::Child, name: &str) {
    let st = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(st.success(), "kill -{name} failed");
}

/// Wait for `child` at most `limit`; returns its output and how long it took.
fn wait_within(
    mut child: std::process::Child,
    limit: std::time::Duration,
) -> (Output, std::time::Duration) {
    let t0 = std::time::Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return (child.wait_with_output().expect("output"), t0.elapsed());
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().expect("output");
            panic!("pith did not exit within {limit:?}\n{}", show(&o));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn sigint_starts_nothing_new_and_exits_130_within_the_grace() {
    let s = TestServer::start(std::net::Ipv4Addr::LOCALHOST);
    let paths = ["/s1", "/s2", "/s3", "/s4", "/s5", "/s6"];
    for p in paths {
        let page = Response::ok(article("Slow")).delay(std::time::Duration::from_secs(2));
        s.route(p, page);
    }
    let sb = Sandbox::new();
    // Grace: the 4 s deadline; two requests at a time, one page waiting behind them.
    let child = spawn_run(
        &sb,
        &s,
        &paths,
        &[
            "--concurrency",
            "3",
            "--per-host-concurrency",
            "2",
            "--timeout-secs",
            "4",
        ],
    );
    wait_for_hits(&s, "/s", 2);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let signalled = std::time::Instant::now();
    send_signal(&child, "INT");
    let (o, took) = wait_within(child, std::time::Duration::from_secs(8));
    assert_eq!(code(&o), 130, "{}", show(&o));
    assert!(
        took < std::time::Duration::from_millis(4500),
        "took {took:?}\n{}",
        show(&o)
    );
    let late: Vec<String> = s
        .requests()
        .iter()
        .filter(|r| r.at > signalled)
        .map(|r| r.path.clone())
        .collect();
    assert!(
        late.is_empty(),
        "requests after the signal: {late:?}\n{}",
        show(&o)
    );
    assert!(
        stderr(&o).contains("stopping: 2 requests in flight, Ctrl-C again to abort"),
        "{}",
        show(&o)
    );
    // The two in flight finished within the grace, as whole records.
    let recs = records(&stdout(&o));
    assert_eq!(recs.len(), 2, "{}", show(&o));
    assert!(recs.iter().all(|r| kind(r).is_none()), "{}", show(&o));
}

#[test]
fn a_second_sigterm_aborts_at_once_with_143() {
    let s = TestServer::start(std::net::Ipv4Addr::LOCALHOST);
    s.route("/fast", Response::ok(article("Fast")));
    let slow = Response::ok(article("Slow")).delay(std::time::Duration::from_secs(30));
    s.route("/slow1", slow.clone());
    s.route("/slow2", slow);
    let sb = Sandbox::new();
    // Grace: 10 s (the cap), far longer than the test waits.
    let child = spawn_run(
        &sb,
        &s,
        &["/fast", "/slow1", "/slow2"],
        &[
            "--concurrency",
            "3",
            "--per-host-concurrency",
            "3",
            "--timeout-secs",
            "60",
        ],
    );
    wait_for_hits(&s, "/slow", 2);
    wait_for_hits(&s, "/fast", 1);
    // The fast page is answered by now; the slow ones stay in flight.
    std::thread::sleep(std::time::Duration::from_millis(500));
    send_signal(&child, "TERM");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let second = std::time::Instant::now();
    send_signal(&child, "TERM");
    let (o, _) = wait_within(child, std::time::Duration::from_secs(8));
    assert!(
        second.elapsed() < std::time::Duration::from_secs(2),
        "took {:?} after the second signal\n{}",
        second.elapsed(),
        show(&o)
    );
    assert_eq!(code(&o), 143, "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains("stopping: 2 requests in flight"),
        "{}",
        show(&o)
    );
    assert!(err.contains("aborted"), "{}", show(&o));
    // Whatever was written is whole lines: the fast page's record.
    let out = stdout(&o);
    assert!(out.is_empty() || out.ends_with('\n'), "{}", show(&o));
    let recs = records(&out);
    assert_eq!(recs.len(), 1, "{}", show(&o));
    assert!(
        recs[0]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/fast"))
    );
}

#[test]
fn failures_and_repeats_are_named_and_the_failures_file_gets_error_records() {
    let s = pages_server();
    s.route("/gone", Response::ok("gone").status(410));
    let sb = Sandbox::new();
    // The same page again, under a fragment that is never sent (pages
    // finish in any order: either may be the repeat).
    let a = s.url("/a");
    let list = format!("{}\n{}\n{}#top\n", s.url("/a"), s.url("/gone"), s.url("/a"));
    sb.write("urls.txt", list);
    let o = sb.pith(
        &run_args(&["-f", "text", "--failures", "fails.jsonl", "urls.txt"]),
        None,
    );
    assert_eq!(code(&o), 1, "{}", show(&o));
    let err = stderr(&o);
    let gone = s.url("/gone");
    let warn = err
        .lines()
        .find(|l| l.contains("WARN") && l.contains(&gone))
        .unwrap_or_else(|| panic!("no WARN line names {gone}\n{}", show(&o)));
    assert!(
        warn.contains("kind=\"http_status\"") || warn.contains("kind=http_status"),
        "{warn}"
    );
    assert!(warn.contains("410"), "{warn}");
    assert!(
        err.lines().any(|l| l.contains("WARN")
            && l.contains("repeats")
            && (l.contains(&format!("url=\"{a}\" repeats=\"{a}#top\""))
                || l.contains(&format!("url=\"{a}#top\" repeats=\"{a}\"")))),
        "{}",
        show(&o)
    );
    // Records go to stdout as text; the failures file holds the error, as JSONL.
    let fails = std::fs::read_to_string(sb.path().join("fails.jsonl")).expect("failures file");
    let recs = records(&fails);
    assert_eq!(recs.len(), 1, "{fails}");
    assert_eq!(kind(&recs[0]), Some("http_status"));
    assert_eq!(recs[0]["url"], gone.as_str());
    assert!(!stdout(&o).contains("http_status"), "{}", show(&o));
}

#[test]
fn logs_off_a_terminal_have_no_colours_no_dependency_debug_and_no_rate_under_a_second() {
    let s = pages_server();
    let sb = Sandbox::new();
    let o = sb.pith(&run_args(&["-vv", &s.url("/a"), &s.url("/nothing")]), None);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let err = stderr(&o);
    assert!(
        !err.contains('\u{1b}'),
        "ANSI escape in captured stderr\n{err}"
    );
    // -vv is pith's debug, not its dependencies'.
    assert!(err.contains("DEBUG pith"), "{err}");
    let foreign: Vec<&str> = err
        .lines()
        .filter(|l| (l.contains("DEBUG") || l.contains("TRACE")) && !l.contains(" pith"))
        .collect();
    assert!(foreign.is_empty(), "dependency debug lines: {foreign:?}");
    let summary = err
        .lines()
        .find(|l| l.starts_with("pith run: ") && l.contains(" ok, "))
        .unwrap_or_else(|| panic!("no summary\n{err}"));
    assert!(
        !summary.contains("pages/s"),
        "a sub-second run has no rate: {summary}"
    );
}

#[test]
fn extract_failures_file_gets_the_error_records_whatever_the_format() {
    let sb = Sandbox::new();
    let empty = sb.write("empty.html", "");
    let ok = sb.write("ok.html", article("Harbor Lights"));
    let o = sb.pith(
        &[
            "extract",
            "-f",
            "markdown",
            "--failures",
            "fails.jsonl",
            &empty,
            &ok,
        ],
        None,
    );
    assert_eq!(code(&o), 1, "{}", show(&o));
    assert!(stdout(&o).contains("Harbor Lights"), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.lines()
            .any(|l| l.contains("WARN") && l.contains("empty.html")),
        "{}",
        show(&o)
    );
    let fails = std::fs::read_to_string(sb.path().join("fails.jsonl")).expect("failures file");
    let recs = records(&fails);
    assert_eq!(recs.len(), 1, "{fails}");
    assert_eq!(kind(&recs[0]), Some("empty"));
    assert!(
        recs[0]["source"]
            .as_str()
            .is_some_and(|s| s.ends_with("empty.html"))
    );
}

#[test]
fn a_progress_line_every_10_s_without_v_off_a_terminal() {
    let s = TestServer::start(std::net::Ipv4Addr::LOCALHOST);
    s.route(
        "/slow",
        Response::ok(article("Slow")).delay(std::time::Duration::from_millis(10_500)),
    );
    let sb = Sandbox::new();
    let child = spawn_run(&sb, &s, &["/slow"], &["--timeout-secs", "30"]);
    let (o, _) = wait_within(child, std::time::Duration::from_secs(25));
    assert_eq!(code(&o), 0, "{}", show(&o));
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.starts_with("pith run: 0/1 done, 0 failed, "))
        .unwrap_or_else(|| panic!("no progress line\n{err}"));
    assert!(line.ends_with(" pages/s"), "{line}");
}

#[test]
fn numeric_settings_out_of_range_are_refused() {
    let sb = Sandbox::new();
    let page = "http://pith-test.invalid/story";
    // 2^61: past tokio's semaphore, which panicked inside the engine.
    let huge = (1u64 << 61).to_string();
    let o = sb.pith(&run_args(&["--concurrency", &huge, page]), None);
    assert_fatal(&o, "--concurrency");
    assert!(stderr(&o).contains("fetch.concurrency"), "{}", show(&o));
    let o = sb.pith(&run_args(&["--retries", "4294967295", page]), None);
    assert_fatal(&o, "--retries");
    // config.toml alike.
    sb.write("big.toml", format!("[fetch]\nconcurrency = {huge}\n"));
    let o = sb.pith(&["--config", "big.toml", "run", "--no-state", page], None);
    assert_fatal(&o, "fetch.concurrency");
    sb.write("redirects.toml", "[fetch]\nmax_redirects = 100000\n");
    let o = sb.pith(
        &["--config", "redirects.toml", "run", "--no-state", page],
        None,
    );
    assert_fatal(&o, "fetch.max_redirects");
}

#[test]
fn an_over_long_url_line_gives_one_short_invalid_url_record() {
    let s = pages_server();
    let sb = Sandbox::new();
    let long = format!("{}/{}", s.url("/a"), "x".repeat(1 << 20));
    let list = format!("{}\n{long}\n{}\n", s.url("/a"), s.url("/b"));
    sb.write("urls.txt", list);
    let o = sb.pith(&run_args(&["urls.txt"]), None);
    let out = stdout(&o);
    let recs = records(&out);
    assert_eq!(recs.len(), 3, "one record per line\n{}", show(&o));
    for line in out.lines() {
        assert!(line.len() < 16 * 1024, "a record of {} bytes", line.len());
    }
    let bad: Vec<&Value> = recs
        .iter()
        .filter(|r| kind(r) == Some("invalid_url"))
        .collect();
    assert_eq!(bad.len(), 1, "{}", show(&o));
    let msg = bad[0]["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("line 2") && msg.contains("over the limit"),
        "{msg}"
    );
    for path in ["/a", "/b"] {
        let r = recs.iter().find(|r| r["url"] == s.url(path)).expect(path);
        assert_eq!(kind(r), None, "{r}");
    }
}

#[test]
fn an_out_of_range_job_count_is_refused() {
    let sb = Sandbox::new();
    let page = sb.write("p.html", article("Echo"));
    let huge = (1u64 << 61).to_string();
    let o = sb.pith(&["extract", "--jobs", &huge, &page], None);
    assert_fatal(&o, "extract.jobs");
    sb.write("jobs.toml", format!("[extract]\njobs = {huge}\n"));
    let o = sb.pith(&["--config", "jobs.toml", "extract", &page], None);
    assert_fatal(&o, "extract.jobs");
    let o = sb.pith(&["extract", "--jobs", "2", &page], None);
    assert_eq!(code(&o), 0, "{}", show(&o));
}

#[test]
fn extract_timeout_secs_is_range_checked() {
    let sb = Sandbox::new();
    let page = sb.write(
        "a.html",
        "<html><body><article><p>A paragraph of an article, long enough to be one.</p></article>",
    );
    for (value, ok) in [("0", false), ("86401", false), ("1", true), ("86400", true)] {
        sb.write(
            "config.toml",
            format!("[extract]\ntimeout_secs = {value}\n"),
        );
        let o = sb.pith(&["extract", &page], None);
        if ok {
            assert_eq!(code(&o), 0, "{value}: {}", show(&o));
        } else {
            assert_eq!(code(&o), 2, "{value}: {}", show(&o));
            assert!(stderr(&o).contains("extract.timeout_secs"), "{}", show(&o));
        }
    }
}
