//! Quality gate on the shared benchmark sets: extracts every page of
//! `scrapinghub`, `readability` and `wcxb-dev` (from `../shared/bench` beside
//! the repository, or the folder named by `PITH_BENCH_DIR`), scores the
//! predictions with the benchmark's own `score.py` and fails when a headline
//! figure drops under its floor.
//!
//! The benchmark folder is required: without it the gate fails, saying where
//! it looked. Pages are extracted in this process with the same options as
//! `pith extract` (a failed page is an empty prediction, a panic is reported),
//! spread over the machine's cores. A page shipped only as `html/<id>.html.gz`
//! (wcxb-dev; the folder may be read-only) is decompressed in memory.

use crate::support;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

// Floors, pinned a little under the measured figures so that noise does not
// trip them but a real regression does. Raise them as quality rises; the
// figures come from `python3 benches/bench.py`, which prints the same numbers.
/// scrapinghub: ScrapingHub-compatible shingle F1.
const SCRAPINGHUB_COMPAT_F1: f64 = 0.972;
/// scrapinghub: token macro F1.
const SCRAPINGHUB_TEXT_MACRO_F1: f64 = 0.973;
/// readability: ScrapingHub-compatible shingle F1.
const READABILITY_COMPAT_F1: f64 = 0.961;
/// readability: token macro F1.
const READABILITY_TEXT_MACRO_F1: f64 = 0.966;
/// readability: share of exact titles.
const READABILITY_TITLE_EXACT: f64 = 0.91;
/// readability: share of exact authors, dates, site names, descriptions, languages.
const READABILITY_AUTHOR_EXACT: f64 = 0.78;
const READABILITY_DATE_EXACT: f64 = 0.96;
const READABILITY_SITENAME_EXACT: f64 = 0.98;
const READABILITY_DESCRIPTION_EXACT: f64 = 0.90;
const READABILITY_LANG_EXACT: f64 = 0.97;
/// wcxb-dev: the WCXB rule (token macro F1, a page with no gold main content
/// scoring 1 when the prediction is empty too), over all pages.
const WCXB_F1: f64 = 0.877;
/// wcxb-dev: the WCXB rule per gold page type (`extra.page_type`).
const WCXB_ARTICLE_F1: f64 = 0.943;
const WCXB_SERVICE_F1: f64 = 0.855;
const WCXB_PRODUCT_F1: f64 = 0.74;
const WCXB_COLLECTION_F1: f64 = 0.715;
const WCXB_FORUM_F1: f64 = 0.81;
const WCXB_LISTING_F1: f64 = 0.73;
const WCXB_DOCUMENTATION_F1: f64 = 0.928;

/// The benchmark folder: `PITH_BENCH_DIR`, else `../shared/bench` beside the
/// repository. Panics when it is absent: the gate is not skippable.
fn bench_dir() -> PathBuf {
    match std::env::var_os("PITH_BENCH_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            assert!(
                d.is_dir(),
                "quality gate: PITH_BENCH_DIR={} is not a directory; it must name the \
                 benchmark folder (the one holding score.py, scrapinghub/, readability/, wcxb-dev/)",
                d.display()
            );
            d
        }
        None => {
            let d = support::manifest_dir()
                .join("..")
                .join("shared")
                .join("bench");
            assert!(
                d.is_dir(),
                "quality gate: no benchmark folder at {} (../shared/bench beside the repository); \
                 put it there, or name it with PITH_BENCH_DIR=/path/to/bench",
                d.display()
            );
            d
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

#[test]
fn wcxb_dev_gate() {
    gate(
        "wcxb-dev",
        &[
            ("/text/macro_f1_incl_gold_empty", WCXB_F1),
            ("/page_types/by_type/article/f1", WCXB_ARTICLE_F1),
            ("/page_types/by_type/service/f1", WCXB_SERVICE_F1),
            ("/page_types/by_type/product/f1", WCXB_PRODUCT_F1),
            ("/page_types/by_type/collection/f1", WCXB_COLLECTION_F1),
            ("/page_types/by_type/forum/f1", WCXB_FORUM_F1),
            ("/page_types/by_type/listing/f1", WCXB_LISTING_F1),
            (
                "/page_types/by_type/documentation/f1",
                WCXB_DOCUMENTATION_F1,
            ),
        ],
    );
}

fn gate(set: &str, floors: &[(&str, f64)]) {
    let bench = bench_dir();
    let set_dir = bench.join(set);
    let docs_path = set_dir.join("docs.jsonl");
    assert!(
        docs_path.is_file(),
        "quality gate {set}: {} not found (the benchmark folder is ../shared/bench beside the \
         repository, or PITH_BENCH_DIR)",
        docs_path.display()
    );
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

/// One page of `docs.jsonl`.
struct Doc {
    id: String,
    html: String,
    url: Option<String>,
}

/// The bytes of a page: `html/<id>.html`, or its gzipped `html/<id>.html.gz`
/// decompressed when only that is there.
fn read_page(set_dir: &Path, html: &str) -> Vec<u8> {
    let path = set_dir.join(html);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut gz = path.into_os_string();
            gz.push(".gz");
            let gz = PathBuf::from(gz);
            let file = std::fs::File::open(&gz).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (and neither is the page there unzipped)",
                    gz.display()
                )
            });
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(file)
                .read_to_end(&mut bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", gz.display()));
            bytes
        }
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// The prediction line of one page, and whether its extraction panicked.
fn predict_one(set_dir: &Path, doc: &Doc, options: &pith::ExtractOptions) -> (Value, bool) {
    let bytes = read_page(set_dir, &doc.html);
    let id = &doc.id;
    match std::panic::catch_unwind(|| pith::extract(&bytes, doc.url.as_deref(), options)) {
        Ok(Ok(a)) => {
            let m = &a.metadata;
            let pred = json!({
                "id": id, "text": a.text, "title": m.title, "author": m.author, "date": m.date,
                "sitename": m.sitename, "description": m.description, "lang": m.lang,
            });
            (pred, false)
        }
        // A page pith gives up on (no content, too large, ...) is an empty prediction.
        Ok(Err(_)) => (json!({ "id": id, "text": "" }), false),
        Err(_) => (json!({ "id": id, "text": "" }), true),
    }
}

/// Extract every page of the set once, over all cores, and write the
/// predictions JSONL in `docs.jsonl` order. Returns the ids of pages whose
/// extraction panicked (scored as empty).
fn predict(set_dir: &Path, docs_path: &Path, preds: &Path) -> Vec<String> {
    let docs: Vec<Doc> = std::fs::read_to_string(docs_path)
        .expect("read docs.jsonl")
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            let doc: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("docs.jsonl line {}: {e}", n + 1));
            let field = |k: &str| {
                doc[k]
                    .as_str()
                    .unwrap_or_else(|| panic!("docs.jsonl line {}: no {k}", n + 1))
                    .to_string()
            };
            Doc {
                id: field("id"),
                html: field("html"),
                url: doc["url"]
                    .as_str()
                    .filter(|u| !u.is_empty())
                    .map(str::to_string),
            }
        })
        .collect();
    // The same options as `pith extract` (and benches/bench.py): the system clock is "today".
    let options = pith::ExtractOptions::default();
    let results: Vec<Mutex<Option<(Value, bool)>>> =
        docs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            std::thread::Builder::new()
                // Debug builds recurse deeper per frame than release ones.
                .stack_size(64 << 20)
                .spawn_scoped(s, || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(doc) = docs.get(i) else { break };
                        let r = predict_one(set_dir, doc, &options);
                        *results[i].lock().unwrap() = Some(r);
                    }
                })
                .expect("spawn a gate worker");
        }
    });

    let mut out =
        std::io::BufWriter::new(std::fs::File::create(preds).expect("create predictions"));
    let mut panicked = Vec::new();
    for (doc, r) in docs.iter().zip(results) {
        let (pred, panic) = r.into_inner().unwrap().expect("every page predicted");
        if panic {
            panicked.push(doc.id.clone());
        }
        writeln!(out, "{pred}").expect("write predictions");
    }
    out.flush().expect("flush predictions");
    panicked
}
