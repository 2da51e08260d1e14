//! Text a page declares but its markup hides.
//!
//! - A shop's JSON-LD `Product.description`, which many storefronts
//!   (headless shops, themes that fill the description from a script's
//!   data) only render once a script has run. On a product page whose
//!   extracted text holds too little of that description, it is added as
//!   the item's description, after the product's name.
//! - An article's JSON-LD `articleBody`, the whole story, on a page whose
//!   markup is a shell that scripts fill: when the text found holds less
//!   than half of a long body, the body is the text.

use super::model::{Block, BlockKind};
use super::switch::{Rule, on};
use super::text::collapse_whitespace;
use std::collections::HashSet;

/// Fewest words a declared description needs to be added (a one-line
/// tagline is not the item's description).
const MIN_WORDS: usize = 12;
/// Share of the declared text's words that the text found must stay under
/// for it to be added: from there on, the page shows it.
const MAX_SHOWN: f32 = 0.5;

/// Add `declared` (a product's JSON-LD description) to the `blocks` of a
/// product page when they hold less than half of its words; the blocks
/// must not be empty (a page that shows nothing is no product page to
/// complete). Returns whether it was added.
pub fn add_product_description(blocks: &mut Vec<Block>, declared: Option<&str>) -> bool {
    if blocks.is_empty() || !on(Rule::ProductDescription) {
        return false;
    }
    let Some(paragraphs) = declared.and_then(|d| hidden(blocks, d, MIN_WORDS)) else {
        return false;
    };
    // After the product's name when the text opens with it.
    let at = usize::from(matches!(blocks[0].kind, BlockKind::Heading(_)));
    blocks.splice(at..at, paragraphs.into_iter().map(paragraph));
    true
}

/// Fewest words an `articleBody` needs to stand in for the page's text.
const BODY_MIN_WORDS: usize = 100;

/// Replace `blocks` by the paragraphs of `body` (an article's JSON-LD
/// `articleBody`) when it has at least [`BODY_MIN_WORDS`] words and the
/// blocks hold less than half of them: the markup is a shell, or shows a
/// teaser of the story. Returns whether it did.
pub fn article_body_fallback(blocks: &mut Vec<Block>, body: Option<&str>) -> bool {
    let Some(body) = body else {
        return false;
    };
    // A page that shows half as much text as the body is no shell: its
    // words need no count.
    let shown_bytes: usize = blocks.iter().map(|b| b.text.len()).sum();
    if !on(Rule::ArticleBody) || shown_bytes * 2 >= body.len() {
        return false;
    }
    let Some(paragraphs) = hidden(blocks, body, BODY_MIN_WORDS) else {
        return false;
    };
    *blocks = paragraphs.into_iter().map(paragraph).collect();
    true
}

/// The paragraphs of `declared` when it has at least `min_words` words and
/// `blocks` hold less than [`MAX_SHOWN`] of them: text the page hides.
fn hidden(blocks: &[Block], declared: &str, min_words: usize) -> Option<Vec<String>> {
    let paragraphs = paragraphs(declared);
    let declared_words: Vec<String> = paragraphs.iter().flat_map(|p| words(p)).collect();
    if declared_words.len() < min_words {
        return None;
    }
    let shown: HashSet<String> = blocks.iter().flat_map(|b| words(&b.text)).collect();
    let held = declared_words.iter().filter(|w| shown.contains(*w)).count();
    ((held as f32) < MAX_SHOWN * declared_words.len() as f32).then_some(paragraphs)
}

/// A paragraph block of `text`.
fn paragraph(text: String) -> Block {
    Block {
        kind: BlockKind::Para,
        quote: 0,
        text,
        linked: false,
        md: None,
    }
}

/// The lower-cased words (runs of letters and digits) of `text`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The paragraphs of a description: its markup (some shops put HTML in
/// it) read as text, a paragraph per line or `<p>`/`<br>`/`<li>`, each with
/// its whitespace collapsed.
fn paragraphs(description: &str) -> Vec<String> {
    let mut text = String::with_capacity(description.len());
    let mut rest = description;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            text.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].trim_start_matches('/');
        let name = tag
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("");
        let breaks = BREAKING_TAGS.iter().any(|t| name.eq_ignore_ascii_case(t));
        text.push(if breaks { '\n' } else { ' ' });
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    text.lines()
        .map(collapse_whitespace)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Tags that end a paragraph of a description's markup.
const BREAKING_TAGS: &[&str] = &[
    "p", "br", "li", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
];

#[cfg(test)]
mod tests {
    use super::*;

    const DESCRIPTION: &str = "A dark roast brewed for bold mornings: <p>Notes of cherry and \
        cocoa, roasted in small batches and packed the same day.</p><ul><li>Fair trade \
        beans</li><li>Twelve ounce bag</li></ul>";

    fn texts(blocks: &[Block]) -> Vec<&str> {
        blocks.iter().map(|b| b.text.as_str()).collect()
    }

    #[test]
    fn a_hidden_description_comes_after_the_name() {
        let mut blocks = vec![
            Block::of(BlockKind::Heading(1), "Morning Roast"),
            Block::of(BlockKind::Para, "$18.99"),
            Block::of(BlockKind::Para, "Free shipping on orders over $40"),
        ];
        assert!(add_product_description(&mut blocks, Some(DESCRIPTION)));
        assert_eq!(
            texts(&blocks),
            [
                "Morning Roast",
                "A dark roast brewed for bold mornings:",
                "Notes of cherry and cocoa, roasted in small batches and packed the same day.",
                "Fair trade beans",
                "Twelve ounce bag",
                "$18.99",
                "Free shipping on orders over $40",
            ]
        );
    }

    #[test]
    fn a_long_article_body_stands_in_for_a_shell() {
        let sentence = "The river rose overnight and the old bridge closed to traffic.";
        let body = format!("{}\n\n{}", [sentence; 5].join(" "), [sentence; 5].join(" "));
        let mut blocks = vec![Block::of(BlockKind::Para, "Loading…")];
        assert!(article_body_fallback(&mut blocks, Some(&body)));
        assert_eq!(blocks.len(), 2);
        assert!(blocks[0].text.starts_with("The river rose overnight"));
        // A page that shows the story keeps its own text; a short body
        // is no story.
        let shown = vec![Block::of(BlockKind::Para, sentence)];
        let mut blocks = shown.clone();
        assert!(!article_body_fallback(&mut blocks, Some(&body)));
        assert_eq!(blocks, shown);
        let mut blocks = vec![Block::of(BlockKind::Para, "Loading…")];
        assert!(!article_body_fallback(&mut blocks, Some(sentence)));
        assert!(!article_body_fallback(&mut blocks, None));
        let mut empty = Vec::new();
        assert!(article_body_fallback(&mut empty, Some(&body)));
    }

    #[test]
    fn a_shown_short_or_missing_description_is_not_added() {
        let shown = vec![
            Block::of(BlockKind::Heading(1), "Morning Roast"),
            Block::of(
                BlockKind::Para,
                "A dark roast brewed for bold mornings: notes of cherry and cocoa, roasted in \
                 small batches and packed the same day.",
            ),
        ];
        let mut blocks = shown.clone();
        assert!(!add_product_description(&mut blocks, Some(DESCRIPTION)));
        assert_eq!(blocks, shown);
        assert!(!add_product_description(
            &mut blocks,
            Some("Bold and dark.")
        ));
        assert!(!add_product_description(&mut blocks, None));
        let mut empty = Vec::new();
        assert!(!add_product_description(&mut empty, Some(DESCRIPTION)));
        assert!(empty.is_empty());
    }
}
