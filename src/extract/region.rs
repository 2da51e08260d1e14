//! The main region of a page that is not one story: a forum thread, a
//! product, a category or listing page, a service page, documentation.
//!
//! An article's text is one container, and the scorer picks it. On these
//! pages the content runs over many containers (every post of a thread,
//! every card of a grid, every section of a landing page), so choosing one
//! loses most of it. Here the page is cleaned of its furniture as for an
//! article, then everything that is left inside the page's main region is
//! kept: the `<main>` (or `role=main`) element when it holds most of the
//! kept text, else the body.
//!
//! A thread's posts carry the board's chrome as text ("Share on other
//! sites", "Last edited by …", a member's rank): it goes.
//!
//! A thread and a product page give some text twice (a reply quoting a
//! post, a description repeated in a second tab): the second copy goes. A
//! thread ends with its last post: the reply box, the sign-in prompt and
//! the similar threads after it go too.

use crate::extract::dom::{Doc, Flag, Ix, Tag, attr};
use crate::extract::ladder::{Known, LADDER, Pass};
use crate::extract::model::{Block, BlockKind, PageType};
use crate::extract::rules;
use crate::extract::stats::{self, Stats};
use crate::extract::switch::{self, Rule};
use crate::extract::why::Reason;
use crate::extract::{clean, render};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The pass that cleans a page for its main region: furniture by tag, role
/// and class goes, weak "unlikely" cues stay (they name too many layout
/// boxes of such pages).
const REGION_PASS: Pass = LADDER[3];

/// The blocks of the page's main region, each with the node it starts at,
/// and the nodes of the blocks the last filter dropped (with the repeats and
/// a thread's tail). `thread` keeps its discussion.
///
/// Furniture named by a class part alone (`widget`, `share`, `related`)
/// goes on a thread and on a product page, whose sidebars and carousels of
/// other products carry such names; on landing pages and catalogues the
/// same words name the sections that make the page. On a catalogue (a
/// category page, a listing) the filters, sort bar and pager around its
/// grid go.
pub(crate) fn extract(
    doc: &Doc<'_>,
    raw: &[Stats],
    known: &Known<'_>,
    now: NaiveDate,
    thread: bool,
    page_type: PageType,
    steer: crate::extract::Steer<'_>,
) -> (Vec<Block>, Vec<Ix>, Vec<(Ix, Reason)>) {
    let forced = steer.forced;
    let pass = pass(thread, page_type);
    let mut removed = clean::removed(doc, raw, pass);
    forced.apply(doc, &mut removed);
    let st = stats::stats(doc, Some(&removed));
    let mut roots = roots(doc, &st, &removed);
    forced.add_roots(doc, &mut roots);
    let (blocks, sources) = render::blocks_sourced(doc, &roots, &removed, steer.inline);
    let (blocks, sources) = render::without_captions(blocks, sources);
    let (mut blocks, mut sources, filtered) = render::filter::filter_sourced(
        blocks,
        sources,
        known.headlines,
        known.author,
        now,
        render::filter::Teasers::Content,
    );
    let mut filtered = Reason::LineFilter.of(filtered);
    if pass.strip_facets {
        // A catalogue's sort bar, result count and card buttons that no
        // class named: the lines alone say what they are.
        (blocks, sources) = without_grid_controls(blocks, sources, &mut filtered);
        if switch::on(Rule::LinksAboveTitle) {
            (blocks, sources) = without_links_above_title(blocks, sources, &mut filtered);
        }
    }
    // A page of one subject (a service, a product, documentation, a thread)
    // closes, like an article, with sections of other pages under a heading
    // worded as such ("Related services"); a catalogue's sections are its
    // content.
    let catalogue = matches!(page_type, PageType::Collection | PageType::Listing);
    if !catalogue && switch::on(Rule::RegionRelatedSections) {
        let mut keep = vec![true; blocks.len()];
        render::filter::drop_related_sections(&blocks, &mut keep);
        if keep.iter().any(|k| !k) {
            let all = std::mem::take(&mut blocks)
                .into_iter()
                .zip(std::mem::take(&mut sources));
            for ((b, s), k) in all.zip(keep) {
                if k {
                    blocks.push(b);
                    sources.push(s);
                } else {
                    filtered.push((s, Reason::RelatedSection));
                }
            }
        }
    }
    let posts = if thread {
        posts(doc, &st, &roots)
    } else {
        Vec::new()
    };
    if (thread || page_type == PageType::Product) && switch::on(Rule::RepeatedBlocks) {
        let page = Repeats {
            doc,
            thread,
            posts: &posts,
        };
        (blocks, sources) = page.without_repeats(blocks, sources, &mut filtered);
    }
    if let Some(&last) = posts.last().filter(|_| switch::on(Rule::ThreadTail)) {
        let end = doc.nodes[last as usize].end;
        let tail = sources.iter().position(|&s| s >= end);
        if let Some(at) = tail.filter(|&at| is_tail(&blocks, at)) {
            blocks.truncate(at);
            filtered.extend(sources.drain(at..).map(|s| (s, Reason::ThreadTail)));
        }
    }
    (blocks, sources, filtered)
}

/// The blocks without the controls of a grid of items
/// ([`render::filter::is_grid_control`]); their sources join `dropped`.
fn without_grid_controls(
    blocks: Vec<Block>,
    sources: Vec<Ix>,
    dropped: &mut Vec<(Ix, Reason)>,
) -> (Vec<Block>, Vec<Ix>) {
    split_off(blocks, sources, dropped, |_, b| {
        render::filter::is_grid_control(&b.text)
    })
}

/// `blocks` and their `sources` without those `drop` picks (given each
/// block's index), whose sources join `dropped` as lines the filter took.
fn split_off(
    blocks: Vec<Block>,
    sources: Vec<Ix>,
    dropped: &mut Vec<(Ix, Reason)>,
    mut drop: impl FnMut(usize, &Block) -> bool,
) -> (Vec<Block>, Vec<Ix>) {
    let mut kept = (
        Vec::with_capacity(blocks.len()),
        Vec::with_capacity(sources.len()),
    );
    for (k, (b, s)) in blocks.into_iter().zip(sources).enumerate() {
        if drop(k, &b) {
            dropped.push((s, Reason::LineFilter));
        } else {
            kept.0.push(b);
            kept.1.push(s);
        }
    }
    kept
}

/// Most words a menu entry above a catalogue's title has
/// ([`without_links_above_title`]).
const MENU_ENTRY_MAX_WORDS: usize = 6;

/// The blocks without those above the page's title that are wholly links:
/// on a catalogue, the one level-1 heading names the category, and link
/// lists above it are the site's menus and the shop's departments, which no
/// tag, role or class named (a mega-menu set in `<div>`s). Text above the
/// title that is not all links (a notice, an introduction) stays, and so
/// do long linked lines (items' names); everything stays when the page has
/// no title heading or several, or when the title comes after most of the
/// text.
fn without_links_above_title(
    blocks: Vec<Block>,
    sources: Vec<Ix>,
    dropped: &mut Vec<(Ix, Reason)>,
) -> (Vec<Block>, Vec<Ix>) {
    let mut titles = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.kind == BlockKind::Heading(1));
    let at = match (titles.next(), titles.next()) {
        // A title that is a link is the site's name in its header.
        (Some((at, title)), None) if !title.linked => at,
        _ => return (blocks, sources),
    };
    // The title opens the page's content: one set below most of the text
    // closes it (a shop's description under its grid), and the links
    // above it are the items.
    let len = |bs: &[Block]| bs.iter().map(|b| b.text.len()).sum::<usize>();
    if len(&blocks[..at]) * 2 > len(&blocks) {
        return (blocks, sources);
    }
    // A menu's entries are short labels; a linked line longer than that is
    // an item's name.
    let menu_entry =
        |b: &Block| b.linked && b.text.split_whitespace().count() <= MENU_ENTRY_MAX_WORDS;
    if !blocks[..at].iter().any(menu_entry) {
        return (blocks, sources);
    }
    split_off(blocks, sources, dropped, |k, b| k < at && menu_entry(b))
}

/// The blocks of a thread without those whose every line is the chrome of
/// a post ([`rules::is_post_chrome`]: "Share on other sites", "Last edited
/// by …", "3 likes", a member's rank): forum software sets them under or
/// beside every post, so they outnumber the lines of a short reply. Their
/// sources join `dropped`. It runs after the block model, which judges each
/// block beside the chrome it was trained with.
pub(crate) fn without_chrome(
    blocks: Vec<Block>,
    sources: Vec<Ix>,
    dropped: &mut Vec<(Ix, Reason)>,
) -> (Vec<Block>, Vec<Ix>) {
    let chrome: Vec<bool> = blocks
        .iter()
        .map(|b| {
            let mut lines = b.text.lines().map(str::trim).filter(|l| !l.is_empty());
            b.quote == 0 && lines.clone().next().is_some() && lines.all(rules::is_post_chrome)
        })
        .collect();
    // A thread of nothing but chrome is not emptied.
    if chrome.iter().all(|&c| c) {
        return (blocks, sources);
    }
    split_off(blocks, sources, dropped, |k, _| chrome[k])
}

/// Shortest text (in characters) a block must hold to go as a repeat.
const REPEAT_MIN_CHARS: usize = 30;
/// Posts a thread must have for a repeat outside a quote to be taken for
/// one post giving another's text (a reply's preview of the post it
/// answers): two alike sections of one page may say the same thing.
const REPEAT_MIN_POSTS: usize = 3;

/// What tells a repeated block from the page's own: the page, whether it is
/// a thread, and its posts ([`posts`]).
struct Repeats<'p, 'd> {
    doc: &'p Doc<'d>,
    thread: bool,
    posts: &'p [Ix],
}

impl Repeats<'_, '_> {
    /// The blocks without those that give again, word for word, what an
    /// earlier block in another container gave: a reply quoting a post, a
    /// reply's preview of the post it answers, an answer shown folded and
    /// unfolded, a product's description repeated in a second tab. A block
    /// goes when every line of it was a line of earlier blocks, none of
    /// them beside it (the same paragraph set down twice in one container is
    /// the page's own); on a thread, when it is also quoted or the lines
    /// came from another post. Its source joins `dropped`.
    fn without_repeats(
        &self,
        blocks: Vec<Block>,
        sources: Vec<Ix>,
        dropped: &mut Vec<(Ix, Reason)>,
    ) -> (Vec<Block>, Vec<Ix>) {
        // Each line given so far, with the container and post of its first block.
        let mut seen: HashMap<String, (Ix, Option<usize>)> = HashMap::new();
        let mut kept = (Vec::with_capacity(blocks.len()), Vec::new());
        for (b, s) in blocks.into_iter().zip(sources) {
            let within = self.doc.nodes[self.doc.block_of(s) as usize].parent;
            let post = self.post_of(s);
            let other = |&(at, from): &(Ix, Option<usize>)| {
                at != within
                    && (!self.thread
                        || b.quote > 0
                        || self.posts.len() >= REPEAT_MIN_POSTS && from.is_some() && from != post)
            };
            let lines = || b.text.lines().map(str::trim).filter(|l| !l.is_empty());
            let repeat = b.text.chars().count() >= REPEAT_MIN_CHARS
                && lines().all(|l| seen.get(l).is_some_and(other));
            if repeat {
                dropped.push((s, Reason::RepeatedBlock));
                continue;
            }
            for l in lines() {
                seen.entry(l.to_string()).or_insert((within, post));
            }
            kept.0.push(b);
            kept.1.push(s);
        }
        kept
    }

    /// The index of the post node `i` is in.
    fn post_of(&self, i: Ix) -> Option<usize> {
        let at = self.posts.partition_point(|&p| p <= i).checked_sub(1)?;
        (i < self.doc.nodes[self.posts[at] as usize].end).then_some(at)
    }
}

/// Share of a thread's kept text its posts must hold to stand for it.
const POSTS_MIN_SHARE: f32 = 0.5;
/// Share of the rendered text the blocks after the last post may hold to go:
/// a reply box, "similar threads", a sign-in prompt are short beside a
/// thread; a longer tail means the run found was not the posts.
const TAIL_MAX_SHARE: f32 = 0.25;

/// A thread's posts, in page order: the alike siblings (one tag, one first
/// class word once digits are set aside) that together hold most of the
/// region's kept text, the most numerous such run when several do.
/// Paragraphs, cells and inline elements do not count: a run of them is one
/// post's text, not the posts. Empty when no run holds enough.
fn posts(doc: &Doc<'_>, st: &[Stats], roots: &[Ix]) -> Vec<Ix> {
    let total: u32 = roots.iter().map(|&r| st[r as usize].len).sum();
    let min = (total as f32 * POSTS_MIN_SHARE) as u32;
    let mut best: Vec<Ix> = Vec::new();
    for &root in roots {
        for p in root..doc.nodes[root as usize].end {
            if st[p as usize].len < min || doc.elem(p).is_none() {
                continue;
            }
            // (key, members, kept text) of each kind of child.
            let mut runs: Vec<(PostKey<'_>, Vec<Ix>, u32)> = Vec::new();
            for c in doc.children(p) {
                let Some(key) = post_key(doc, c).filter(|_| st[c as usize].len > 0) else {
                    continue;
                };
                match runs.iter_mut().find(|r| r.0 == key) {
                    Some(r) => {
                        r.1.push(c);
                        r.2 += st[c as usize].len;
                    }
                    None => runs.push((key, vec![c], st[c as usize].len)),
                }
            }
            for (_, members, held) in runs {
                if members.len() >= 2 && held >= min && members.len() > best.len() {
                    best = members;
                }
            }
        }
    }
    best
}

/// What makes siblings alike for [`posts`]: the tag and the first class
/// word without its digits (`post bg1`, `post bg2`).
type PostKey<'a> = (&'a str, String);

/// The [`PostKey`] of element `i`, when it may be a post.
fn post_key<'a>(doc: &Doc<'a>, i: Ix) -> Option<PostKey<'a>> {
    let e = doc.elem(i)?;
    let post_like = e.tag.intersects(Tag::BLOCK)
        && !e
            .tag
            .intersects(Tag::P | Tag::HEADING | Tag::PRE | Tag::CELL | Tag::FORM)
        && !matches!(e.name, "dt" | "dd" | "blockquote" | "figure");
    if !post_like {
        return None;
    }
    let class = attr(e.el, "class")
        .and_then(|c| c.split_ascii_whitespace().next())
        .map(|w| w.chars().filter(|c| !c.is_ascii_digit()).collect())
        .unwrap_or_default();
    Some((e.name, class))
}

/// Whether the blocks from `at` on are a thread's tail, short beside it.
fn is_tail(blocks: &[Block], at: usize) -> bool {
    let len = |bs: &[Block]| bs.iter().map(|b| b.text.len()).sum::<usize>();
    at > 0 && (len(&blocks[at..]) as f32) <= TAIL_MAX_SHARE * len(blocks) as f32
}

/// The cleaning pass of a region page of `page_type` (`thread`: one whose
/// discussion is kept). Hidden tab and accordion panels are opened on every
/// region page but a thread, whose hidden panels are the board's (sign-in
/// and notification dialogs), not the posts'.
pub(crate) fn pass(thread: bool, page_type: PageType) -> Pass {
    Pass {
        keep_thread: thread,
        strip_boilerplate_parts: thread || page_type == PageType::Product,
        strip_facets: matches!(page_type, PageType::Collection | PageType::Listing),
        open_panels: !thread,
        ..REGION_PASS
    }
}

/// Share of the kept text the `<main>` elements must hold to stand for the page.
const MAIN_MIN_SHARE: f32 = 0.5;

/// The roots of the main region, given what the cleaning pass removed.
fn roots(doc: &Doc<'_>, st: &[Stats], removed: &[bool]) -> Vec<Ix> {
    let body = doc.body;
    if body == crate::extract::dom::NONE {
        return Vec::new();
    }
    let total = st[body as usize].len as f32;
    let end = doc.nodes[body as usize].end;
    let mut mains = Vec::new();
    let mut i = body + 1;
    while i < end {
        if removed[i as usize] {
            i = doc.nodes[i as usize].end;
            continue;
        }
        if let Some(e) = doc.elem(i) {
            let main = e.name == "main"
                || e.flags.contains(Flag::ARTICLE)
                    && crate::extract::dom::attr(e.el, "role").is_some_and(|r| r == "main");
            if main {
                // Its subtree is the region; a <main> inside it adds nothing.
                mains.push(i);
                i = doc.nodes[i as usize].end;
                continue;
            }
        }
        i += 1;
    }
    let held: u32 = mains.iter().map(|&m| st[m as usize].len).sum();
    if !mains.is_empty() && held as f32 >= total * MAIN_MIN_SHARE {
        mains
    } else {
        vec![body]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::model::BlockKind;

    fn block(text: &str) -> Block {
        Block {
            kind: BlockKind::Para,
            quote: 0,
            text: text.to_string(),
            linked: false,
            md: None,
        }
    }

    #[test]
    fn post_chrome_goes_and_post_text_stays() {
        let texts = [
            "I had the same problem after the update; a reboot fixed it.",
            "Link to comment",
            "Share on other sites",
            "Last edited by alice on Tue Aug 27, 2019 10:03 pm, edited 1 time in total.",
            "12 likes",
            "Senior Member",
            "I like it: 3 likes from me would not be enough.",
            "Thread starter bob",
        ];
        let blocks = texts.iter().map(|t| block(t)).collect();
        let sources = (0..texts.len() as Ix).collect();
        let mut dropped = Vec::new();
        let (kept, _) = without_chrome(blocks, sources, &mut dropped);
        let kept: Vec<&str> = kept.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(kept, [texts[0], texts[6]]);
        let dropped: Vec<Ix> = dropped.into_iter().map(|(s, _)| s).collect();
        assert_eq!(dropped, [1, 2, 3, 4, 5, 7]);
    }

    fn kinded(kind: BlockKind, text: &str, linked: bool) -> Block {
        Block {
            kind,
            quote: 0,
            text: text.to_string(),
            linked,
            md: None,
        }
    }

    fn para(text: &str, linked: bool) -> Block {
        kinded(BlockKind::Para, text, linked)
    }

    fn heading(text: &str, linked: bool) -> Block {
        kinded(BlockKind::Heading(1), text, linked)
    }

    fn item(text: &str, linked: bool) -> Block {
        let kind = BlockKind::Item {
            depth: 0,
            number: None,
            cont: false,
        };
        Block {
            kind,
            quote: 0,
            text: text.to_string(),
            linked,
            md: None,
        }
    }

    fn texts(blocks: Vec<Block>) -> Vec<String> {
        let sources = (0..blocks.len() as Ix).collect();
        let mut dropped = Vec::new();
        let (kept, _) = without_links_above_title(blocks, sources, &mut dropped);
        kept.into_iter().map(|b| b.text).collect()
    }

    fn intro() -> Block {
        para(
            "Throws and blankets woven in small mills, from wool, mohair, linen and cotton, \
             warm enough for a cold bedroom and light enough for a sofa all year round.",
            false,
        )
    }

    #[test]
    fn menu_entries_above_the_title_go_and_the_rest_stays() {
        let page = vec![
            item("Duvet covers", true),
            item("Tea towels", true),
            para("Free delivery over £50", false),
            heading("Throws & Blankets", false),
            intro(),
            item("Harbour Wool Throw", true),
        ];
        assert_eq!(
            texts(page),
            [
                "Free delivery over £50",
                "Throws & Blankets",
                intro().text.as_str(),
                "Harbour Wool Throw"
            ]
        );
    }

    #[test]
    fn long_names_several_titles_and_a_late_title_keep_everything() {
        // A linked line longer than a menu entry is an item's name.
        let named = vec![
            item(
                "The Professional Series Tournament Chess Pieces in Rosewood",
                true,
            ),
            heading("Chess Pieces", false),
            intro(),
        ];
        assert_eq!(texts(named).len(), 3);
        // Two level-1 headings: no title to read the page by.
        let two = vec![
            item("Duvet covers", true),
            heading("Throws", false),
            heading("Blankets", false),
            intro(),
        ];
        assert_eq!(texts(two).len(), 4);
        // A title under most of the text closes the page.
        let late = vec![
            item("Duvet covers", true),
            intro(),
            intro(),
            heading("Throws", false),
            para("A short note.", false),
        ];
        assert_eq!(texts(late).len(), 5);
    }
}
