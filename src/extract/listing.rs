//! Listings: telling a story from a list of other stories.
//!
//! A *teaser* is a headline that links elsewhere, with perhaps a summary and a
//! byline; a *card* is an element built around one. Three questions are
//! answered here, on the statistics of the current cleaning pass:
//! - [`looks_like_listing`]: is the chosen container a listing (a section
//!   front, a home page, a stream of cards)? Then the page has no article,
//!   unless the page is dated (it presents itself as one story) and
//!   [`select_beside`] finds a prose container next to the listing that
//!   scores nearly as well (a story with a long stream of teasers beside
//!   it).
//! - [`is_card_list`]: is an element a list of cards (nearly all of its
//!   children, or those of the element holding most of its text, are cards
//!   with little text each)?
//! - [`drop_cards`]: inside the chosen containers, which trailing "more
//!   posts" cards sit beside the story and are not part of it?

use crate::extract::dom::{Doc, Ix, Tag};
use crate::extract::ladder::{MIN_TEXT, Pass};
use crate::extract::score;
use crate::extract::stats::Stats;

/// Linked headings in the chosen container above which it may be a listing.
pub const LISTING_MIN_LINKED_HEADINGS: usize = 4;
/// Text per linked heading below which the container is a listing.
pub const LISTING_MAX_TEXT_PER_HEADING: u32 = 500;
/// A paragraph at least this long, and nearly link-free, is prose.
const PROSE_MIN_LEN: u32 = 150;
/// A `<p>` at least this long, and nearly link-free, counts as a paragraph
/// (however short, as in stories told a sentence at a time).
const PARAGRAPH_MIN_LEN: u32 = 20;
/// Paragraphs per teaser (a summary, a byline) up to which a container of
/// teasers is a listing.
const LISTING_MAX_LINES_PER_TEASER: usize = 2;
/// Link density of the article text above which it is a link list.
const LISTING_MAX_LINK_DENSITY: f32 = 0.5;

/// The article when the chosen container was a listing: the best candidate
/// that neither holds nor sits inside those roots, scoring at least
/// [`BESIDE_MIN_SHARE`] of the listing and not a listing itself.
pub fn select_beside(
    doc: &Doc<'_>,
    st: &[Stats],
    removed: &[bool],
    candidates: &[(Ix, f32)],
    listing: &[Ix],
    pass: Pass,
) -> Option<Vec<Ix>> {
    let related = |c: Ix| overlaps(doc, listing, c);
    let best = |cs: &[(Ix, f32)]| {
        cs.iter()
            .filter(|c| c.0 != doc.body)
            .map(|c| c.1)
            .fold(f32::MIN, f32::max)
    };
    let listing_score = best(candidates);
    let rest: Vec<(Ix, f32)> = candidates
        .iter()
        .copied()
        .filter(|&(c, _)| !related(c))
        .collect();
    if rest.is_empty() || best(&rest) < listing_score * BESIDE_MIN_SHARE {
        return None;
    }
    let roots = score::select(doc, st, removed, &rest, pass);
    let len: u32 = roots.iter().map(|&r| st[r as usize].len).sum();
    (len >= MIN_TEXT
        && !roots.iter().any(|&r| related(r))
        && !looks_like_listing(doc, st, removed, &roots))
    .then_some(roots)
}

/// Whether `c` is one of `roots`, or holds or sits inside one.
fn overlaps(doc: &Doc<'_>, roots: &[Ix], c: Ix) -> bool {
    roots
        .iter()
        .any(|&r| r == c || score::is_ancestor(doc, r, c) || score::is_ancestor(doc, c, r))
}

/// Share of the listing's score that a candidate beside it needs to be taken
/// for the article instead.
pub const BESIDE_MIN_SHARE: f32 = 0.5;

/// A container of teasers: many headings that are links (or many `<article>`
/// cards), fewer prose paragraphs than teasers and little text per teaser;
/// or text that is mostly links.
pub fn looks_like_listing(doc: &Doc<'_>, st: &[Stats], removed: &[bool], roots: &[Ix]) -> bool {
    let mut linked_headings = 0usize;
    let mut articles = 0usize;
    let mut prose = 0usize;
    let mut paragraphs = 0usize;
    let (mut len, mut link) = (0u32, 0u32);
    for &r in roots {
        let s = &st[r as usize];
        len += s.len;
        link += s.link_len;
        let end = doc.nodes[r as usize].end;
        let mut i = r;
        while i < end {
            if removed[i as usize] {
                i = doc.nodes[i as usize].end;
                continue;
            }
            let t = doc.tag(i);
            let h = &st[i as usize];
            if is_teaser_heading(doc, st, i) {
                linked_headings += 1;
            }
            if doc.name(i) == "article" && i != r {
                articles += 1;
            }
            if (t.intersects(Tag::P) || t.intersects(Tag::BLOCK) && !h.has_block)
                && h.len >= PROSE_MIN_LEN
                && h.link_len * 5 < h.len
            {
                prose += 1;
            }
            if t.intersects(Tag::P) && h.len >= PARAGRAPH_MIN_LEN && h.link_len * 5 < h.len {
                paragraphs += 1;
            }
            i += 1;
        }
    }
    let teasers = linked_headings.max(articles);
    if roots
        .iter()
        .any(|&r| st[r as usize].len * 5 >= len * 4 && is_card_list(doc, st, removed, r))
    {
        return true;
    }
    // A story told in short paragraphs, with links to other stories set
    // between them, has more paragraphs than teasers have lines: a listing
    // gives each teaser a summary and perhaps a byline, no more.
    (teasers >= LISTING_MIN_LINKED_HEADINGS
        && prose < teasers
        && paragraphs <= teasers * LISTING_MAX_LINES_PER_TEASER
        && len / (teasers as u32) < LISTING_MAX_TEXT_PER_HEADING)
        || (len > 0 && link as f32 / len as f32 > LISTING_MAX_LINK_DENSITY)
}

/// A list of cards: the container, or the element holding most of its
/// text, has at least [`LISTING_MIN_LINKED_HEADINGS`] children, nearly all of
/// them built around a linked heading, with little text each (a headline and
/// a summary, however long the summary's paragraph).
pub fn is_card_list(doc: &Doc<'_>, st: &[Stats], removed: &[bool], root: Ix) -> bool {
    let total = st[root as usize].len;
    // Whether a kept linked heading sits in each subtree below `root`,
    // found in one scan when first needed (the loop below goes down a chain
    // that may be thousands of elements deep).
    let mut linked: Option<Vec<bool>> = None;
    let mut e = root;
    loop {
        let (mut items, mut len) = (0usize, 0u32);
        let mut main = None;
        for c in doc.children(e) {
            let s = &st[c as usize];
            if removed[c as usize] || s.len == 0 || doc.elem(c).is_none() {
                continue;
            }
            items += 1;
            len += s.len;
            if s.len * 5 >= total * 4 {
                main = Some(c);
            }
        }
        if items >= LISTING_MIN_LINKED_HEADINGS
            && len / (items as u32) < LISTING_MAX_TEXT_PER_HEADING
        {
            let linked = linked.get_or_insert_with(|| linked_headings(doc, st, removed, root));
            let cards = doc
                .children(e)
                .filter(|&c| {
                    let s = &st[c as usize];
                    !(removed[c as usize] || s.len == 0 || doc.elem(c).is_none())
                        && linked[(c - root) as usize]
                })
                .count();
            if cards * 10 >= items * 9 {
                return true;
            }
        }
        match main {
            Some(c) => e = c,
            None => return false,
        }
    }
}

/// For each node of `root`'s subtree (by index from `root`), what
/// [`has_linked_heading`] says of it.
fn linked_headings(doc: &Doc<'_>, st: &[Stats], removed: &[bool], root: Ix) -> Vec<bool> {
    let end = doc.nodes[root as usize].end;
    let mut linked = vec![false; (end - root) as usize];
    for i in (root..end).rev() {
        linked[(i - root) as usize] = !removed[i as usize]
            && (is_teaser_heading(doc, st, i)
                || doc.children(i).any(|c| linked[(c - root) as usize]));
    }
    linked
}

/// Whether a kept heading whose text is mostly a link to another page sits
/// in `e`'s subtree.
fn has_linked_heading(doc: &Doc<'_>, st: &[Stats], removed: &[bool], e: Ix) -> bool {
    let end = doc.nodes[e as usize].end;
    let mut i = e;
    while i < end {
        if removed[i as usize] {
            i = doc.nodes[i as usize].end;
            continue;
        }
        if is_teaser_heading(doc, st, i) {
            return true;
        }
        i += 1;
    }
    false
}

/// A teaser's headline: a heading whose text is mostly a link to another
/// page.
fn is_teaser_heading(doc: &Doc<'_>, st: &[Stats], i: Ix) -> bool {
    let h = &st[i as usize];
    doc.tag(i).intersects(Tag::HEADING)
        && h.len > 0
        && h.link_len * 2 > h.len
        && links_elsewhere(doc, i)
}

/// Whether an `<a>` in `e`'s subtree points to another page, not to an
/// anchor of this one (headings of documentation link to themselves).
fn links_elsewhere(doc: &Doc<'_>, e: Ix) -> bool {
    (e..doc.nodes[e as usize].end).any(|i| {
        doc.tag(i).intersects(Tag::LINK)
            && doc
                .elem(i)
                .and_then(|el| crate::extract::dom::attr(el.el, "href"))
                .is_some_and(|h| !h.trim_start().starts_with('#'))
    })
}

/// Cards beside the story in one container: at least [`MIN_SIDE_CARDS`]
/// children that are cards (not headings themselves, a linked headline and
/// under [`LISTING_MAX_TEXT_PER_HEADING`] of text each), next to a child
/// that is not a card and holds more text than all of them. They are marked
/// removed. Roundups whose items are the article hold more text in their
/// items than in their introduction, and keep them.
pub fn drop_cards(doc: &Doc<'_>, st: &[Stats], removed: &mut [bool], roots: &[Ix]) {
    for &r in roots {
        // Wrappers with one child say nothing: look where the children are.
        let mut e = r;
        let kids = loop {
            let kids: Vec<Ix> = doc
                .children(e)
                .filter(|&c| !removed[c as usize] && st[c as usize].len > 0)
                .collect();
            match kids[..] {
                [only] if doc.elem(only).is_some() => e = only,
                _ => break kids,
            }
        };
        let mut cards = Vec::new();
        let (mut cards_len, mut story_len) = (0u32, 0u32);
        for c in kids {
            if doc.elem(c).is_none() {
                continue;
            }
            let s = &st[c as usize];
            let card = !doc.tag(c).intersects(Tag::HEADING)
                && s.len < LISTING_MAX_TEXT_PER_HEADING
                && has_linked_heading(doc, st, removed, c);
            if card {
                cards.push(c);
                cards_len += s.len;
            } else {
                story_len = story_len.max(s.len);
            }
        }
        if cards.len() >= MIN_SIDE_CARDS && story_len > cards_len {
            for c in cards {
                removed[c as usize] = true;
            }
        }
    }
}

/// Fewest cards beside a story that [`drop_cards`] removes.
pub const MIN_SIDE_CARDS: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn card(k: usize, summary_words: usize) -> String {
        format!(
            "<article class='card'><h2><a href='/story-{k}'>Headline number {k} of the day</a></h2><p>{}</p></article>",
            "summary ".repeat(summary_words)
        )
    }

    fn story() -> String {
        "<article class='story'><h1>The story</h1>".to_string()
            + &"<p>A long paragraph of the story itself, with enough words in it to weigh more than every card beside it put together.</p>".repeat(8)
            + "</article>"
    }

    /// Runs `f` on the document's statistics, with nothing removed.
    fn with_doc<T>(html: &str, f: impl Fn(&Doc<'_>, &[Stats], &mut Vec<bool>) -> T) -> T {
        let h = Html::parse_document(html);
        let doc = Doc::build(&h);
        let st = crate::extract::stats::stats(&doc, None);
        let mut removed = vec![false; doc.nodes.len()];
        f(&doc, &st, &mut removed)
    }

    fn main_of(doc: &Doc<'_>) -> Ix {
        (0..doc.nodes.len() as Ix)
            .find(|&i| doc.name(i) == "main")
            .expect("main")
    }

    #[test]
    fn a_stream_of_cards_is_a_card_list() {
        let html: String = (1..=6).map(|k| card(k, 30)).collect();
        let html = format!("<body><main><div class='stream'>{html}</div></main></body>");
        assert!(with_doc(&html, |doc, st, removed| {
            is_card_list(doc, st, removed, main_of(doc))
        }));
    }

    #[test]
    fn documentation_sections_with_anchor_headings_are_no_card_list() {
        let section = |k: usize| {
            format!(
                "<section><h2><a href='#s{k}'>Section {k}</a></h2><p>Some text about it.</p></section>"
            )
        };
        let html: String = (1..=6).map(section).collect();
        let html = format!("<body><main>{html}</main></body>");
        assert!(!with_doc(&html, |doc, st, removed| {
            is_card_list(doc, st, removed, main_of(doc))
        }));
    }

    #[test]
    fn cards_after_a_longer_story_are_dropped_but_roundup_items_are_kept() {
        let beside = format!(
            "<body><div><main>{}{}</main></div></body>",
            story(),
            (1..=4).map(|k| card(k, 20)).collect::<String>()
        );
        let kept = with_doc(&beside, |doc, st, removed| {
            let root = doc.nodes[main_of(doc) as usize].parent;
            drop_cards(doc, st, removed, &[root]);
            (0..doc.nodes.len() as Ix)
                .filter(|&i| doc.name(i) == "article" && !removed[i as usize])
                .count()
        });
        assert_eq!(kept, 1, "only the story is left");

        // A short introduction followed by the items it introduces.
        let roundup = format!(
            "<body><main><p>Our picks this week, in no particular order.</p>{}</main></body>",
            (1..=5).map(|k| card(k, 40)).collect::<String>()
        );
        let dropped = with_doc(&roundup, |doc, st, removed| {
            drop_cards(doc, st, removed, &[main_of(doc)]);
            removed.iter().filter(|&&r| r).count()
        });
        assert_eq!(dropped, 0);
    }
}
