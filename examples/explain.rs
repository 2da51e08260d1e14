//! Developer tool: show how pith sees a page.
//!
//! `cargo run --release --example explain -- PAGE.html [URL] [SNIPPET]` prints, for each
//! pass of the fallback ladder, the chosen containers and their scores, the
//! text length found, and, when SNIPPET is given, the chain of ancestors of
//! the first text node containing it with each one's removal verdict; then
//! the metadata and text of the extraction.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: explain PAGE.html [URL] [SNIPPET]");
        std::process::exit(2);
    };
    let bytes = std::fs::read(path).expect("readable page");
    let url = args.get(2).map(String::as_str).filter(|u| !u.is_empty());
    print!(
        "{}",
        pith::explain(&bytes, url, args.get(3).map(String::as_str))
    );
}
