//! Developer tool: the page-type features of pages, for training and
//! studying the classifier (`benches/train_page_type.py`).
//!
//! `cargo run --release --example page_features -- LIST` reads LIST (`-` for
//! stdin), one page a line as `PATH` or `PATH<TAB>URL` (a `PATH` that is
//! missing is read from `PATH.gz`), and prints one JSON object a line:
//! `path`, `url`, `domain` (the registrable domain of the URL), `predicted`
//! (the shipped model's page type) and `features` (name → value).

use std::io::{BufRead, Read, Write};

fn main() {
    let list = std::env::args().nth(1).unwrap_or_else(|| "-".into());
    let input: Box<dyn BufRead> = if list == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(&list).expect("readable list"),
        ))
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in input.lines() {
        let line = line.expect("readable list");
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (path, url) = match line.split_once('\t') {
            Some((p, u)) => (
                p.to_string(),
                Some(u.trim().to_string()).filter(|u| !u.is_empty()),
            ),
            None => (line.trim().to_string(), None),
        };
        let Some(bytes) = read_page(&path) else {
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

fn read_page(path: &str) -> Option<Vec<u8>> {
    if let Ok(b) = std::fs::read(path) {
        return Some(b);
    }
    let gz = std::fs::File::open(format!("{path}.gz")).ok()?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}
