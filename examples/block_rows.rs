//! Developer tool: the blocks of pages as the block model sees them, for
//! training it (`benches/train_blocks.py`).
//!
//! `cargo run --release --example block_rows -- LIST` reads LIST (`-` for
//! stdin), one page a line as `PATH` or `PATH<TAB>URL` (a `PATH` that is
//! missing is read from `PATH.gz`). It prints a first line
//! `{"numeric": [names]}`, then one JSON object a page: `path`, `page_type`,
//! `region` (whether the page was read as a region), and `rows`, one per
//! block of the text with the model off: `text`, `values` (the numeric
//! features, in the first line's order), `near` and `far` (the class/id
//! words of the block's near and far containers). A page with no text
//! gives `rows: []`.

use std::io::Write;

#[path = "support/pages.rs"]
mod pages;

fn main() {
    let list = std::env::args().nth(1).unwrap_or_else(|| "-".into());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let header = serde_json::json!({ "numeric": pith::BLOCK_FEATURES });
    writeln!(out, "{header}").expect("writable output");
    let options = pith::ExtractOptions {
        text_only: true,
        ..Default::default()
    };
    for (path, url) in pages::list(&list) {
        let Some(bytes) = pages::read_page(&path) else {
            eprintln!("{path}: cannot read");
            continue;
        };
        let record = match pith::block_rows(&bytes, url.as_deref(), &options) {
            Ok(r) => serde_json::json!({
                "path": path,
                "page_type": r.page_type.as_str(),
                "region": r.region,
                "rows": r.rows,
            }),
            Err(e) => serde_json::json!({ "path": path, "error": e.to_string(), "rows": [] }),
        };
        writeln!(out, "{record}").expect("writable output");
    }
}
