//! Golden fixtures: every folder under `testdata/pages/` is extracted with a
//! fixed "today" and checked against (1) the human-written truths in its
//! `page.toml` (metadata fields, expected error kind, must-include and
//! must-exclude snippets) and (2) the blessed snapshots `expected.txt` and
//! `expected-metadata.json`. With `BLESS=1` the snapshots are rewritten
//! instead of compared; the truths are checked either way. All failures of
//! all pages are collected into one report.

use crate::support::{self, Page, clip, collapse_ws, short_diff};
use std::fmt::Write as _;
use std::path::Path;

const TEXT_SNAPSHOT: &str = "expected.txt";
const META_SNAPSHOT: &str = "expected-metadata.json";
const BLESS_HINT: &str = "run `BLESS=1 cargo test --test it golden` to (re)write the snapshots";

struct Failure {
    slug: String,
    field: String,
    detail: String,
}

#[derive(Default)]
struct Report {
    failures: Vec<Failure>,
    /// How many of the failures are snapshot mismatches or missing snapshots.
    snapshot_failures: usize,
}

impl Report {
    fn fail(&mut self, slug: &str, field: &str, detail: impl Into<String>) {
        self.failures.push(Failure {
            slug: slug.to_string(),
            field: field.to_string(),
            detail: detail.into(),
        });
    }

    fn render(&self, pages: usize) -> String {
        let mut s = String::new();
        let mut slugs: Vec<&str> = self.failures.iter().map(|f| f.slug.as_str()).collect();
        slugs.dedup();
        let _ = writeln!(
            s,
            "\n{} golden check(s) failed on {} of {} page(s):\n",
            self.failures.len(),
            slugs.len(),
            pages
        );
        let mut last = "";
        for f in &self.failures {
            if f.slug != last {
                let _ = writeln!(s, "── {} ──", f.slug);
                last = &f.slug;
            }
            let _ = writeln!(
                s,
                "  [{}] {}",
                f.field,
                f.detail.trim_end().replace('\n', "\n      ")
            );
        }
        if self.snapshot_failures > 0 {
            let _ = writeln!(
                s,
                "\n{} snapshot failure(s): if the new output is intended, {BLESS_HINT}, and review the diff",
                self.snapshot_failures
            );
        }
        s
    }
}

fn blessing() -> bool {
    std::env::var("BLESS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// What `extract` gave for a page, in snapshot form.
struct Outcome {
    result: Result<pith::Article, pith::ExtractError>,
    text: String,
    metadata_json: String,
}

fn run(page: &Page) -> Outcome {
    let result = pith::extract(
        &page.source,
        Some(&page.toml.url),
        &support::golden_options(),
    );
    let (text, value) = match &result {
        Ok(a) => (
            a.text.clone(),
            serde_json::to_value(&a.metadata).expect("metadata serializes"),
        ),
        Err(e) => (String::new(), serde_json::json!({ "error": e.kind() })),
    };
    let mut metadata_json = serde_json::to_string_pretty(&value).expect("json");
    metadata_json.push('\n');
    Outcome {
        result,
        text,
        metadata_json,
    }
}

fn check_truths(page: &Page, out: &Outcome, r: &mut Report) {
    let slug = page.slug.as_str();
    let ex = &page.toml.expect;
    let article = match (&out.result, &ex.error) {
        (Err(e), Some(kind)) => {
            if e.kind() != kind {
                r.fail(
                    slug,
                    "error",
                    format!("expected error kind {kind:?}, got {:?} ({e})", e.kind()),
                );
            }
            return;
        }
        (Ok(a), Some(kind)) => {
            let head: String = collapse_ws(&a.text).chars().take(200).collect();
            r.fail(
                slug,
                "error",
                format!(
                    "expected error kind {kind:?}, got an article of {} chars: {head:?}",
                    a.text.len()
                ),
            );
            return;
        }
        (Err(e), None) => {
            r.fail(
                slug,
                "extract",
                format!("expected an article, got error {:?}: {e}", e.kind()),
            );
            return;
        }
        (Ok(a), None) => a,
    };
    let m = &article.metadata;
    let primary = m.lang.as_deref().map(|l| {
        l.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    });
    let fields: [(&str, &Option<String>, Option<&str>); 5] = [
        ("title", &ex.title, m.title.as_deref()),
        ("author", &ex.author, m.author.as_deref()),
        ("date", &ex.date, m.date.as_deref()),
        ("lang", &ex.lang, primary.as_deref()),
        ("sitename", &ex.sitename, m.sitename.as_deref()),
    ];
    for (name, want, got) in fields {
        if let Some(want) = want {
            if got != Some(want.as_str()) {
                r.fail(slug, name, format!("expected {want:?}\n     got {got:?}"));
            }
        }
    }
    if let Some(want) = &ex.page_type {
        if article.page_type.as_str() != want {
            r.fail(
                slug,
                "page_type",
                format!(
                    "expected {want:?}\n     got {:?}",
                    article.page_type.as_str()
                ),
            );
        }
    }
    let text = collapse_ws(&article.text);
    for snippet in &ex.must_include {
        if !text.contains(&collapse_ws(snippet)) {
            r.fail(
                slug,
                "must_include",
                format!("missing from the text: {:?}", clip(snippet)),
            );
        }
    }
    for snippet in &ex.must_exclude {
        if text.contains(&collapse_ws(snippet)) {
            r.fail(
                slug,
                "must_exclude",
                format!("present in the text: {:?}", clip(snippet)),
            );
        }
    }
}

/// Compare (or, blessing, write) one snapshot file. Returns `false` when
/// the file is missing and not blessing, for the caller to report.
fn check_snapshot(
    slug: &str,
    dir: &Path,
    file: &str,
    got: &str,
    bless: bool,
    r: &mut Report,
) -> bool {
    let path = dir.join(file);
    let existing = std::fs::read(&path).ok();
    if bless {
        if existing.as_deref() != Some(got.as_bytes()) {
            match std::fs::write(&path, got) {
                Ok(()) => eprintln!("blessed {slug}/{file}"),
                Err(e) => r.fail(slug, file, format!("cannot write {}: {e}", path.display())),
            }
        }
        return true;
    }
    let Some(bytes) = existing else { return false };
    let want = String::from_utf8_lossy(&bytes);
    if want != got {
        r.fail(
            slug,
            file,
            format!(
                "differs from the current output (- blessed, + current):\n{}",
                short_diff(&want, got, 8)
            ),
        );
        r.snapshot_failures += 1;
    }
    true
}

#[test]
fn golden_pages() {
    let bless = blessing();
    let (pages, problems) = support::load_pages();
    let mut r = Report::default();
    for (slug, problem) in problems {
        r.fail(&slug, "fixture", problem);
    }
    if pages.is_empty() {
        r.fail("testdata/pages", "fixture", "no fixture pages found");
    }
    for page in &pages {
        let out = match std::panic::catch_unwind(|| run(page)) {
            Ok(o) => o,
            Err(p) => {
                r.fail(
                    &page.slug,
                    "panic",
                    format!("extract panicked: {}", support::panic_message(&*p)),
                );
                continue;
            }
        };
        let before = r.failures.len();
        check_truths(page, &out, &mut r);
        // Known gaps: truths this page states that pith does not meet yet.
        // They are reported, not failed; a gap that closes must be removed.
        let mut fresh: Vec<Failure> = r.failures.split_off(before);
        for gap in &page.toml.known_gaps {
            if !fresh.iter().any(|f| &f.field == gap) {
                r.fail(
                    &page.slug,
                    "known_gaps",
                    format!("'{gap}' passes now: remove it from known_gaps"),
                );
            }
        }
        fresh.retain(|f| {
            let known = page.toml.known_gaps.contains(&f.field);
            if known {
                eprintln!("known gap: {} [{}] {}", f.slug, f.field, f.detail);
            }
            !known
        });
        r.failures.extend(fresh);
        let missing: Vec<&str> = [
            (TEXT_SNAPSHOT, &out.text),
            (META_SNAPSHOT, &out.metadata_json),
        ]
        .into_iter()
        .filter(|(file, got)| !check_snapshot(&page.slug, &page.dir, file, got, bless, &mut r))
        .map(|(file, _)| file)
        .collect();
        if !missing.is_empty() {
            r.fail(
                &page.slug,
                "snapshot",
                format!("missing {}", missing.join(" and ")),
            );
            r.snapshot_failures += 1;
        }
    }
    if !r.failures.is_empty() {
        panic!("{}", r.render(pages.len()));
    }
}
