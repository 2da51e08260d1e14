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
    for (other, why) in [
        ("In stock – Order within", "not content (block model)"),
        // The reviews' sort control goes with the reviews' section.
        ("Sort by", "related posts section"),
        // The cards under "Customers also viewed" go with their section.
        ("Langdale Quilted Gilet", "related posts section"),
    ] {
        assert!(!article.text.contains(other));
        let parts = removed(&e.parts, other);
        assert_eq!(parts.len(), 1, "{other}: {:?}", e.parts);
        assert_eq!(parts[0].reason.as_deref(), Some(why), "{other}");
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

/// The source the explanation gives for `field`.
fn source_of(e: &pith::Explained, field: &str) -> String {
    e.metadata_sources
        .iter()
        .find(|s| s.field == field)
        .map(|s| s.source.clone())
        .unwrap_or_else(|| panic!("no source for {field}: {:?}", e.metadata_sources))
}

#[test]
fn each_metadata_field_names_where_the_reader_found_it() {
    // The site name is also in the page text and the title in the meta
    // description: the source is where the value was read, not a search.
    let html = r#"<!DOCTYPE html><html lang="de-AT"><head>
        <title>Ein Tag am See | Seeblick Zeitung</title>
        <meta name="description" content="Ein Tag am See, von Seeblick Zeitung erzählt.">
        <meta name="author" content="https://example.org/people/anna">
        <meta property="og:image" content="/bilder/see.jpg">
        </head><body><article><h1>Ein Tag am See</h1>
        <p class="byline">By Anna Berger</p>
        <p>Seeblick Zeitung war am Wochenende am See. Das Wasser war kalt, der Himmel klar,
        und viele Familien kamen mit Decken und Körben, um den ersten warmen Tag zu feiern.</p>
        <p>Am Abend spielte eine Kapelle am Ufer, und die Boote lagen still im Hafen, bis
        die Sonne hinter den Bergen verschwand und die Lichter im Dorf angingen.</p>
        </article></body></html>"#;
    let url = "https://seeblick.example/2024/05/17/ein-tag-am-see/";
    let e = explain_extract(html.as_bytes(), Some(url), &ExtractOptions::default()).unwrap();
    let m = &e.article.metadata;
    assert_eq!(m.title.as_deref(), Some("Ein Tag am See"));
    // `<title>` starts with the heading: the heading is the cleaner title.
    assert_eq!(source_of(&e, "title"), "<h1>");
    assert_eq!(m.sitename.as_deref(), Some("Seeblick Zeitung"));
    assert_eq!(source_of(&e, "sitename"), "cut from the title");
    assert_eq!(m.date.as_deref(), Some("2024-05-17"));
    assert_eq!(source_of(&e, "date"), "URL");
    assert_eq!(m.author.as_deref(), Some("Anna Berger"));
    assert!(source_of(&e, "author").starts_with("page text"));
    assert_eq!(source_of(&e, "description"), "meta description");
    assert_eq!(source_of(&e, "lang"), "<html lang>");
    assert_eq!(
        m.image.as_deref(),
        Some("https://seeblick.example/bilder/see.jpg")
    );
    assert_eq!(source_of(&e, "image"), "meta og:image");

    // JSON-LD first, and the first paragraph when nothing is declared.
    let html = br#"<html><head><script type="application/ld+json">
        {"@type": "NewsArticle", "headline": "Harbour lights return",
         "datePublished": "2023-11-02T08:00:00Z", "author": {"name": "Ruth Okafor"}}
        </script></head><body><article><h1>Harbour lights return</h1>
        <p>The harbour's lights came back on last night after a month in the dark, and the
        boats that had waited outside the wall came in one by one under a clear sky.</p>
        <p>Fishermen said the repair had taken longer than the council promised, but nobody on
        the quay was in a mood to complain once the beacons were turning again.</p>
        </article></body></html>"#;
    let e = explain_extract(
        html,
        Some("https://harbour.example/news/lights"),
        &ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!(source_of(&e, "title"), "JSON-LD headline");
    assert_eq!(source_of(&e, "date"), "JSON-LD datePublished");
    assert_eq!(source_of(&e, "author"), "JSON-LD author");
    assert_eq!(source_of(&e, "description"), "the first paragraph");
    assert_eq!(source_of(&e, "lang"), "detected from the text");
}

#[test]
fn the_annotated_page_shows_its_images() {
    // Relative addresses, a `<base href>`, and images that a script would
    // have loaded from `data-src`/`data-srcset`.
    let html = br##"<html><head><base href="/static/"></head><body><article>
        <h1>Stone walls of the valley</h1>
        <img src="walls.jpg" alt="a wall">
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/gate.jpg" alt="a gate">
        <img data-srcset="stile-1x.jpg 1x, stile-2x.jpg 2x" alt="a stile">
        <p>The dry-stone walls of the valley were built without mortar, stone by stone, and the
        best of them have stood for three hundred years through frost, flood and sheep.</p>
        <p>A waller lays two faces of stone and fills the space between with hearting, tying the
        faces together every so often with long through-stones that cross the whole wall.</p>
        <p><a href="../about">About the valley</a> <a href="#top">Top</a></p>
        </article></body></html>"##;
    let url = "https://valley.example/walls/index.html";
    let e = explain_extract(html, Some(url), &ExtractOptions::default()).unwrap();
    let page = e.annotated_html("");
    for want in [
        r#"src="https://valley.example/static/walls.jpg""#,
        r#"src="https://valley.example/img/gate.jpg""#,
        r#"srcset="https://valley.example/static/stile-1x.jpg 1x, https://valley.example/static/stile-2x.jpg 2x""#,
        r#"href="https://valley.example/about""#,
        r##"href="#top""##,
    ] {
        assert!(page.contains(want), "{want} not in {page}");
    }
    assert!(!page.contains("<base"), "{page}");
    assert!(!page.contains("src=\"data:image/gif"), "{page}");
}

/// The reason of the one removed part holding `text`.
fn reason_of(parts: &[Part], text: &str) -> String {
    let found = removed(parts, text);
    assert_eq!(found.len(), 1, "{text}: {parts:?}");
    found[0].reason.clone().unwrap_or_default()
}

#[test]
fn a_threads_repeats_and_tail_are_explained_as_such() {
    // The quoted copy of the opening post goes as a repeat; the original stays.
    let (bytes, url) = page("thread-quoted-reply");
    let e = explain_extract(&bytes, Some(&url), &ExtractOptions::default()).unwrap();
    assert_eq!(
        e.article.text.matches("Ammonia now drops to zero").count(),
        1
    );
    assert!(
        reason_of(&e.parts, "Ammonia now drops to zero").starts_with("repeats an earlier block"),
        "{:?}",
        e.parts
    );
    // What follows the last post goes as the thread's tail (the reply
    // box); the "Similar threads" under it go as a related section.
    let (bytes, url) = page("thread-tail-after-posts");
    let e = explain_extract(&bytes, Some(&url), &ExtractOptions::default()).unwrap();
    assert!(!e.article.text.contains("register to reply here"));
    assert_eq!(
        reason_of(&e.parts, "register to reply here"),
        "after the thread's last post"
    );
    assert!(!e.article.text.contains("Shivering on a celadon mug"));
    assert_eq!(
        reason_of(&e.parts, "Shivering on a celadon mug"),
        "related posts section"
    );
}
