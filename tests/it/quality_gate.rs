//! Quality gate on the shared benchmark sets: extracts every page of
//! `scrapinghub` and `readability` (from `../shared/bench`, or the folder
//! named by `PITH_BENCH_DIR`), scores the predictions with the benchmark's
//! own `score.py` and fails when a headline figure drops under its floor.
//! Skipped (passing, with a note) when the benchmark folder is absent.

use crate::support;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

// Floors, pinned a little under the measured figures so that noise does not
// trip them but a real regression does. Raise them as quality rises; the
// figures come from `python3 benches/bench.py`, which prints the same numbers.
/// scrapinghub: ScrapingHub-compatible shingle F1.
const SCRAPINGHUB_COMPAT_F1: f64 = 0.977;
/// scrapinghub: token macro F1.
const SCRAPINGHUB_TEXT_MACRO_F1: f64 = 0.979;
/// readability: ScrapingHub-compatible shingle F1.
const READABILITY_COMPAT_F1: f64 = 0.955;
/// readability: token macro F1.
const READABILITY_TEXT_MACRO_F1: f64 = 0.953;
/// readability: share of exact titles.
const READABILITY_TITLE_EXACT: f64 = 0.91;
/// readability: share of exact authors, dates, site names, descriptions, languages.
const READABILITY_AUTHOR_EXACT: f64 = 0.78;
const READABILITY_DATE_EXACT: f64 = 0.96;
const READABILITY_SITENAME_EXACT: f64 = 0.98;
const READABILITY_DESCRIPTION_EXACT: f64 = 0.90;
const READABILITY_LANG_EXACT: f64 = 0.97;

/// The benchmark folder, or `None` (gate skipped) when the default one is absent.
fn bench_dir() -> Option<PathBuf> {
    match std::env::var_os("PITH_BENCH_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            assert!(
                d.is_dir(),
                "PITH_BENCH_DIR={} is not a directory",
                d.display()
            );
            Some(d)
        }
        None => {
            let d = support::manifest_dir()
                .join("..")
                .join("shared")
                .join("bench");
            d.is_dir().then_some(d)
        }
    }
}

#[test]
fn scrapinghub_gate() {
    gate(
        "scrapinghub",
        &[
            ("/scrapinghub_compat/f1", SCRAPINGHUB_COMPAT_F1),
            ("/text/macro/f1", SCRAPINGHUB_TEXT_MACRO_F1),
        ],
    );
}

#[test]
fn readability_gate() {
    gate(
        "readability",
        &[
            ("/scrapinghub_compat/f1", READABILITY_COMPAT_F1),
            ("/text/macro/f1", READABILITY_TEXT_MACRO_F1),
            ("/meta/title/exact", READABILITY_TITLE_EXACT),
            ("/meta/author/exact", READABILITY_AUTHOR_EXACT),
            ("/meta/date/exact", READABILITY_DATE_EXACT),
            ("/meta/sitename/exact", READABILITY_SITENAME_EXACT),
            ("/meta/description/exact", READABILITY_DESCRIPTION_EXACT),
            ("/meta/lang/exact", READABILITY_LANG_EXACT),
        ],
    );
}

fn gate(set: &str, floors: &[(&str, f64)]) {
    let Some(bench) = bench_dir() else {
        skipped(
            set,
            "no benchmark folder (../shared/bench, or PITH_BENCH_DIR)",
        );
        return;
    };
    let set_dir = bench.join(set);
    let docs_path = set_dir.join("docs.jsonl");
    if !docs_path.is_file() {
        skipped(set, &format!("{} not found", docs_path.display()));
        return;
    }
    let score_py = bench.join("score.py");
    assert!(
        score_py.is_file(),
        "quality gate {set}: {} not found",
        score_py.display()
    );
    python_available();

    let preds = tempfile::NamedTempFile::new().expect("temp file");
    let panicked = predict(&set_dir, &docs_path, preds.path());
    let out = Command::new("python3")
        .arg(&score_py)
        .arg(&set_dir)
        .arg(preds.path())
        .args(["--json", "--bootstrap", "0"])
        .output()
        .expect("run score.py");
    assert!(
        out.status.success(),
        "score.py failed ({:?}):\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let scores: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "score.py printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });

    let mut failures = Vec::new();
    for &(pointer, floor) in floors {
        match scores.pointer(pointer).and_then(Value::as_f64) {
            Some(v) => {
                println!("quality gate {set}: {pointer} = {v:.4} (floor {floor:.4})");
                if v < floor {
                    failures.push(format!("{pointer} = {v:.4}, under the floor {floor:.4}"));
                }
            }
            None => failures.push(format!("{pointer} missing from score.py's output")),
        }
    }
    if !panicked.is_empty() {
        failures.push(format!(
            "extract panicked on {} page(s): {}",
            panicked.len(),
            panicked.join(", ")
        ));
    }
    assert!(
        failures.is_empty(),
        "quality gate {set} failed:\n  {}",
        failures.join("\n  ")
    );
}

/// Say that the gate was skipped, past the test harness's output capture
/// (writing to the handle directly), so it shows in a plain `cargo test`.
fn skipped(set: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "quality gate {set}: skipped, {why}");
}

fn python_available() {
    match Command::new("python3").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "quality gate: `python3 --version` failed ({:?}); python3 is needed to run score.py",
            o.status.code()
        ),
        Err(e) => panic!(
            "quality gate: python3 is needed to run the benchmark's score.py, but it cannot be run: {e}"
        ),
    }
}

/// Extract every page of the set once and write the predictions JSONL.
/// Returns the ids of pages whose extraction panicked (scored as empty).
fn predict(set_dir: &Path, docs_path: &Path, preds: &Path) -> Vec<String> {
    let docs = std::fs::read_to_string(docs_path).expect("read docs.jsonl");
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(preds).expect("create predictions"));
    // The same options as `pith extract` (and benches/bench.py): the system clock is "today".
    let options = pith::ExtractOptions::default();
    let mut panicked = Vec::new();
    for (n, line) in docs
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let doc: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("docs.jsonl line {}: {e}", n + 1));
        let id = doc["id"]
            .as_str()
            .unwrap_or_else(|| panic!("docs.jsonl line {}: no id", n + 1));
        let html = doc["html"]
            .as_str()
            .unwrap_or_else(|| panic!("docs.jsonl line {}: no html", n + 1));
        let url = doc["url"].as_str().filter(|u| !u.is_empty());
        let path = set_dir.join(html);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let result = std::panic::catch_unwind(|| pith::extract(&bytes, url, &options));
        let pred = match result {
            Ok(Ok(a)) => {
                let m = &a.metadata;
                json!({
                    "id": id, "text": a.text, "title": m.title, "author": m.author, "date": m.date,
                    "sitename": m.sitename, "description": m.description, "lang": m.lang,
                })
            }
            Ok(Err(_)) => json!({ "id": id, "text": "" }),
            Err(_) => {
                panicked.push(id.to_string());
                json!({ "id": id, "text": "" })
            }
        };
        writeln!(out, "{pred}").expect("write predictions");
    }
    out.flush().expect("flush predictions");
    panicked
}
