//! Per-element text statistics: how much text, link text, commas,
//! paragraphs, list items, images and form controls each element's kept
//! subtree holds. Computed bottom-up in one pass over the flat tree; the
//! cleaner, the scorer, the listing checks and the metadata reader all read
//! them.
//!
//! Lengths count CJK characters three times (see [`super::text::measure`]), so
//! the same thresholds work for Chinese and Japanese text.

use super::dom::{Data, Doc, Flag, NONE, Tag};
use super::rules::Hit;

/// Text statistics of one element's kept subtree.
/// Text a disclosure button needs to be the heading of its panel rather
/// than a control of its box.
const DISCLOSURE_HEADING_MIN_LEN: u32 = 25;

#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Text length (see [`crate::extract::text::measure`]).
    pub len: u32,
    /// Length of text inside links.
    pub link_len: u32,
    /// Commas.
    pub commas: u32,
    /// Text directly in this element or in inline children (not in blocks).
    pub inline_len: u32,
    /// Commas in that inline text.
    pub inline_commas: u32,
    /// Link text in that inline text.
    pub inline_link_len: u32,
    /// Length of text inside list items.
    pub list_len: u32,
    /// Length of text inside headings.
    pub heading_len: u32,
    /// `p` elements.
    pub p: u32,
    /// `img` elements.
    pub img: u32,
    /// Form controls.
    pub controls: u32,
    /// `pre` elements.
    pub pre: u32,
    /// `table` elements, this one included.
    pub tables: u32,
    /// Embedded posts (tweets, Instagram posts), this one included.
    pub embeds: u32,
    /// `br` elements among the inline content.
    pub inline_br: u32,
    /// Has at least one block-level child element.
    pub has_block: bool,
}

/// Bottom-up statistics over the nodes not `removed`.
pub fn stats(doc: &Doc<'_>, removed: Option<&[bool]>) -> Vec<Stats> {
    let n = doc.nodes.len();
    let mut st = vec![Stats::default(); n];
    let is_removed = |i: usize| removed.is_some_and(|r| r[i]);
    for i in (0..n).rev() {
        let node = &doc.nodes[i];
        let parent = node.parent;
        match &node.data {
            Data::Text(t) => {
                if parent == NONE || is_removed(i) {
                    continue;
                }
                let p = &mut st[parent as usize];
                p.len += t.len;
                p.commas += t.commas as u32;
                p.inline_len += t.len;
                p.inline_commas += t.commas as u32;
            }
            Data::Elem(e) => {
                let mut s = st[i];
                if e.tag.intersects(Tag::IMG) {
                    s.img += 1;
                }
                // A disclosure button (read as text, see `dom`) with a
                // word or two ("Read the letter") is still a control of a
                // box, not the heading of a panel.
                if e.tag.intersects(Tag::CONTROL)
                    || e.tag.is_empty() && e.name == "button" && s.len < DISCLOSURE_HEADING_MIN_LEN
                {
                    s.controls += 1;
                }
                if is_removed(i) {
                    // Images and controls still count for the shape of the
                    // parent, even though they hold no text.
                    if e.tag.intersects(Tag::IMG | Tag::CONTROL)
                        && parent != NONE
                        && !is_removed(parent as usize)
                    {
                        let p = &mut st[parent as usize];
                        p.img += s.img;
                        p.controls += s.controls;
                    }
                    continue;
                }
                if e.tag.intersects(Tag::LINK) {
                    s.link_len = s.len;
                    s.inline_link_len = s.inline_len;
                }
                if e.tag.intersects(Tag::ITEM) {
                    s.list_len = s.len;
                }
                if e.tag.intersects(Tag::HEADING) {
                    s.heading_len = s.len;
                }
                s.p += (e.tag.intersects(Tag::P)) as u32;
                s.pre += (e.tag.intersects(Tag::PRE)) as u32;
                s.tables += (e.tag.intersects(Tag::TABLE)) as u32;
                s.embeds += (e.hits.intersects(Hit::EMBED)) as u32;
                st[i] = s;
                if parent == NONE {
                    continue;
                }
                let block = e.tag.intersects(Tag::BLOCK);
                let p = &mut st[parent as usize];
                p.len += s.len;
                p.link_len += s.link_len;
                p.commas += s.commas;
                p.list_len += s.list_len;
                p.heading_len += s.heading_len;
                p.p += s.p;
                p.img += s.img;
                p.controls += s.controls;
                p.pre += s.pre;
                p.tables += s.tables;
                p.embeds += s.embeds;
                if block {
                    p.has_block = true;
                } else {
                    p.inline_len += s.inline_len;
                    p.inline_commas += s.inline_commas;
                    p.inline_link_len += s.inline_link_len;
                    p.inline_br += s.inline_br + (e.tag.intersects(Tag::BR)) as u32;
                    p.has_block |= s.has_block;
                }
            }
        }
    }
    st
}

/// Link density of an element: share of its text inside links.
pub fn link_density(s: &Stats) -> f32 {
    if s.len == 0 {
        0.0
    } else {
        s.link_len as f32 / s.len as f32
    }
}

/// Text of the page's prose: its `<p>` elements of a sentence or more
/// ([`PROSE_PARAGRAPH_MIN`]) with under a quarter of their text in links,
/// outside what is plainly not the page's own (hidden elements, scripts,
/// navigation, footers and asides, comments and discussions) and outside
/// list items (a slideshow's captions, a list of teasers). Class parts
/// such as `widget` or `share` do not count against a paragraph: this is
/// the yardstick for a pass whose rules may have removed the story.
pub fn prose_mass(doc: &Doc<'_>, raw: &[Stats]) -> u32 {
    let mut mass = 0;
    let mut i = 0;
    while i < doc.nodes.len() {
        let n = &doc.nodes[i];
        let Some(e) = n.elem() else {
            i += 1;
            continue;
        };
        // Step over a subtree that is not the page's own.
        if e.flags.intersects(Flag::HIDDEN | Flag::COMMENT)
            || e.tag.intersects(Tag::BOILER | Tag::SKIP | Tag::ITEM)
            || e.hits.intersects(Hit::THREAD)
        {
            i = n.end as usize;
            continue;
        }
        let s = &raw[i];
        if e.tag.intersects(Tag::P) && s.len >= PROSE_PARAGRAPH_MIN && s.link_len * 4 < s.len {
            mass += s.len;
        }
        i += 1;
    }
    mass
}

/// Text of a paragraph that [`prose_mass`] counts.
const PROSE_PARAGRAPH_MIN: u32 = 80;

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn mass(html: &str) -> u32 {
        let h = Html::parse_document(html);
        let doc = Doc::build(&h);
        prose_mass(&doc, &stats(&doc, None))
    }

    const SENTENCE: &str =
        "A paragraph of the story that runs on for a good while, long enough to count as prose.";

    #[test]
    fn prose_mass_counts_paragraphs_in_any_wrapper_but_not_furniture() {
        let one = mass(&format!("<body><p>{SENTENCE}</p></body>"));
        assert!(one >= PROSE_PARAGRAPH_MIN);
        // A wrapper named for a widget still holds the story.
        let page = format!(
            "<body><div class='widget-body'><p>{SENTENCE}</p><p>{SENTENCE}</p></div>\
             <nav><p>{SENTENCE}</p></nav><footer><p>{SENTENCE}</p></footer>\
             <div hidden><p>{SENTENCE}</p></div>\
             <ul class='slides'><li><p>{SENTENCE}</p></li></ul>\
             <p>Too short.</p><p><a href='/x'>{SENTENCE}</a></p></body>"
        );
        assert_eq!(mass(&page), 2 * one);
    }
}
