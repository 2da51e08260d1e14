//! Developer tool: the page-type features of pages, for training and
//! studying the classifier (`benches/train_page_type.py`).
//!
//! `cargo run --release --example page_features -- LIST` reads LIST (`-` for
//! stdin), one page a line as `PATH` or `PATH<TAB>URL` (a `PATH` that is
//! missing is read from `PATH.gz`), and prints one JSON object a line:
//! `path`, `url`, `domain` (the registrable domain of the URL), `predicted`
//! (the shipped model's page type) and `features` (name → value).

use std::io::Write;

#[path = "support/pages.rs"]
mod pages;

fn main() {
    let list = std::env::args().nth(1).unwrap_or_else(|| "-".into());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (path, url) in pages::list(&list) {
        let Some(bytes) = pages::read_page(&path) else {
            eprintln!("{path}: cannot read");
            continue;
        };
        let domain = url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| {
                let host = u.host_str()?.to_ascii_lowercase();
                Some(psl::domain_str(&host).map_or(host.clone(), str::to_string))
            });
        let Some(features) = pith::page_features(&bytes, url.as_deref()) else {
            eprintln!("{path}: cannot decode");
            continue;
        };
        let predicted = pith::classify_page_type(&features);
        let named: serde_json::Map<String, serde_json::Value> = features
            .named()
            .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
            .collect();
        let record = serde_json::json!({
            "path": path,
            "url": url,
            "domain": domain,
            "predicted": predicted.as_str(),
            "features": named,
        });
        writeln!(out, "{record}").expect("writable output");
    }
}
