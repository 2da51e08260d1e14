//! Shared helpers of the integration tests: the golden-fixture loader
//! (`testdata/pages/<slug>/{source.html,page.toml}`), the fixed extraction
//! options, whitespace collapsing, a short line diff for reports, and a
//! seeded PRNG for the robustness inputs.

use pith::ExtractOptions;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The crate root (where `Cargo.toml` is).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `testdata/pages`.
pub fn pages_dir() -> PathBuf {
    manifest_dir().join("testdata").join("pages")
}

/// "Today" for every golden extraction, so date sanity checks never drift.
pub fn fixed_now() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date")
}

/// The options every golden page is extracted with.
pub fn golden_options() -> ExtractOptions {
    ExtractOptions {
        now: Some(fixed_now()),
        ..Default::default()
    }
}

/// `page.toml`: the human-written truths about a fixture page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageToml {
    /// The page's URL (passed to `extract`).
    pub url: String,
    /// What extraction must produce.
    #[serde(default)]
    pub expect: Expect,
    /// Checks of `[expect]` (by field name: `author`, `must_include`, …) that
    /// pith is known to fail on this page: reported, not failed, until fixed.
    #[serde(default)]
    pub known_gaps: Vec<String>,
}

/// The `[expect]` table of `page.toml`. Absent fields are not checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub title: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub lang: Option<String>,
    pub sitename: Option<String>,
    /// The page type (`article`, `listing`, `forum` …).
    pub page_type: Option<String>,
    /// The `kind()` extraction must fail with.
    pub error: Option<String>,
    #[serde(default)]
    pub must_include: Vec<String>,
    #[serde(default)]
    pub must_exclude: Vec<String>,
}

/// One fixture page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The folder name.
    pub slug: String,
    /// The folder.
    pub dir: PathBuf,
    /// Raw bytes of `source.html`.
    pub source: Vec<u8>,
    /// Parsed `page.toml`.
    pub toml: PageToml,
}

/// Every fixture folder under `testdata/pages`, in name order. Folders that
/// cannot be loaded are returned as `(slug, problem)` so that the caller can
/// report them with everything else.
pub fn load_pages() -> (Vec<Page>, Vec<(String, String)>) {
    load_pages_from(&pages_dir())
}

fn load_pages_from(root: &Path) -> (Vec<Page>, Vec<(String, String)>) {
    let mut pages = Vec::new();
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) => {
            problems.push((
                root.display().to_string(),
                format!("cannot list fixture folder: {e}"),
            ));
            return (pages, problems);
        }
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let slug = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match load_page(&dir) {
            Ok(toml) => match std::fs::read(dir.join("source.html")) {
                Ok(source) => pages.push(Page {
                    slug,
                    dir,
                    source,
                    toml,
                }),
                Err(e) => problems.push((slug, format!("cannot read source.html: {e}"))),
            },
            Err(e) => problems.push((slug, e)),
        }
    }
    (pages, problems)
}

fn load_page(dir: &Path) -> Result<PageToml, String> {
    let path = dir.join("page.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read page.toml: {e}"))?;
    toml::from_str(&text).map_err(|e| format!("invalid page.toml: {e}"))
}

/// Collapse every run of whitespace to one space, and trim.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A short, unified-style diff of two texts: the first differing region,
/// with a little context and at most `max` lines from each side.
pub fn short_diff(expected: &str, got: &str, max: usize) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = got.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_end, b_end) = (a.len() - suffix, b.len() - suffix);
    let ctx = prefix.saturating_sub(2);
    let mut out = format!(
        "@@ -{},{} +{},{} @@\n",
        prefix + 1,
        a_end - prefix,
        prefix + 1,
        b_end - prefix
    );
    for line in &a[ctx..prefix] {
        out.push_str(&format!("   {}\n", clip(line)));
    }
    for (sign, lines) in [('-', &a[prefix..a_end]), ('+', &b[prefix..b_end])] {
        for line in lines.iter().take(max) {
            out.push_str(&format!(" {sign} {}\n", clip(line)));
        }
        if lines.len() > max {
            out.push_str(&format!(" {sign} … ({} more lines)\n", lines.len() - max));
        }
    }
    if a_end == prefix && b_end == prefix {
        out.push_str("   (texts differ only in line endings or a trailing newline)\n");
    }
    out
}

/// A line cut to a readable length for reports.
pub fn clip(s: &str) -> String {
    const MAX: usize = 160;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

/// The message of a caught panic.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".to_string())
}

/// xorshift64*: a tiny seeded PRNG, so random inputs are the same every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len + 8);
        while v.len() < len {
            v.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        v.truncate(len);
        v
    }
}

#[test]
fn short_diff_shows_the_first_differing_lines() {
    let d = short_diff("a\nb\nc\nd", "a\nb\nX\nd", 5);
    assert!(
        d.contains(" - c") && d.contains(" + X") && d.contains("   b"),
        "{d}"
    );
}

#[test]
fn collapse_ws_folds_all_whitespace() {
    assert_eq!(collapse_ws("  a \n\n b\tc  "), "a b c");
}
