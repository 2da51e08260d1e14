//! Explain mode (`pith::explain_extract`) says why each part of a page is
//! out, down to the last steps: the line filter and, on a page read as a
//! region, the cleaning pass that page gets and the block model.

use pith::{ExtractOptions, Part, explain_extract, extract};
use std::path::Path;

fn page(slug: &str) -> (Vec<u8>, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/pages")
        .join(slug);
    let bytes = std::fs::read(dir.join("source.html")).expect("fixture page");
    let toml = std::fs::read_to_string(dir.join("page.toml")).expect("fixture page.toml");
    let url = toml
        .lines()
        .find_map(|l| l.strip_prefix("url = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("a url line")
        .to_string();
    (bytes, url)
}

fn removed<'a>(parts: &'a [Part], text: &str) -> Vec<&'a Part> {
    parts
        .iter()
        .filter(|p| p.state == "removed" && p.text.contains(text))
        .collect()
}

#[test]
fn block_model_and_line_filter_drops_are_explained() {
    let (bytes, url) = page("product-page-widgets");
    let options = ExtractOptions::default();
    let e = explain_extract(&bytes, Some(&url), &options).unwrap();
    let article = extract(&bytes, Some(&url), &options).unwrap();
    assert_eq!(e.article.text, article.text, "explaining changes nothing");
    for other in ["Langdale Quilted Gilet", "Sort by"] {
        assert!(!article.text.contains(other));
        let parts = removed(&e.parts, other);
        assert_eq!(parts.len(), 1, "{other}: {:?}", e.parts);
        assert_eq!(
            parts[0].reason.as_deref(),
            Some("not content (block model)")
        );
    }
    // The headline opens the text again: the line filter drops it.
    let heading = removed(&e.parts, "Fernhill Waxed Cotton Field Jacket");
    assert!(
        heading.iter().any(|p| p
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("line filter"))),
        "{:?}",
        e.parts
    );
    // What the text keeps is never marked removed.
    assert!(removed(&e.parts, "cut from 8 oz British waxed cotton").is_empty());
}

#[test]
fn a_thread_is_explained_with_the_pass_that_keeps_its_posts() {
    let (bytes, url) = page("forum-thread-in-noscript");
    let e = explain_extract(&bytes, Some(&url), &ExtractOptions::default()).unwrap();
    assert!(
        e.article
            .text
            .contains("That smell is just a hungry starter.")
    );
    for post in [
        "That smell is just a hungry starter.",
        "Two feedings a day did it.",
    ] {
        assert!(removed(&e.parts, post).is_empty(), "{post}: {:?}", e.parts);
    }
}
