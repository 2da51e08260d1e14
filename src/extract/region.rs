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
//! Link lists above the page's one title are menus that no tag or class
//! named. A page of one subject closes with sections of other pages under a
//! heading worded as such ("Related services"); a shop sets its rows of other
//! products ("Frequently bought together") anywhere on a product's page, and
//! closes it with its buyers' reviews: those sections go.
//!
//! A thread and a product page give some text twice (a reply quoting a
//! post, a description repeated in a second tab): the second copy goes. A
//! thread ends with its last post: the reply box, the sign-in prompt and
//! the similar threads after it go too.
//!
//! A post's header (who wrote it and when) is the thread's text: the name
//! and the date that open each post stay, though a byline or a dateline on
//! an article would go.

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
) -> Region {
    let forced = steer.forced;
    let pass = pass(thread, page_type);
    let mut removed = clean::removed(doc, raw, pass);
    forced.apply(doc, &mut removed);
    let st = stats::stats(doc, Some(&removed));
    let mut roots = roots(doc, &st, &removed);
    forced.add_roots(doc, &mut roots);
    let (blocks, sources) = render::blocks_sourced(doc, &roots, &removed, steer.inline);
    let (blocks, sources) = render::without_captions(blocks, sources);
    let posts = if thread {
        posts(doc, &st, &roots)
    } else {
        Vec::new()
    };
    let headers = if switch::on(Rule::PostHeaders) {
        post_headers(doc, &posts, &blocks, &sources, now)
            .into_iter()
            .map(|(k, post)| PostHeader {
                block: blocks[k].clone(),
                source: sources[k],
                post_end: doc.nodes[post as usize].end,
            })
            .collect()
    } else {
        Vec::new()
    };
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
    }
    if matches!(page_type, PageType::Service | PageType::Product) && switch::on(Rule::CallsToAction)
    {
        (blocks, sources) = split_off(blocks, sources, &mut filtered, |_, b| {
            render::filter::is_call_to_action(b)
        });
    }
    // A catalogue's departments, a landing page's, a shop's, a manual's or
    // a board's menus set in plain `<div>`s: link lists above the one title.
    let above = switch::on(if pass.strip_facets {
        Rule::LinksAboveTitle
    } else {
        Rule::LinksAboveTitleRegion
    });
    if above {
        (blocks, sources) = without_links_above_title(blocks, sources, &mut filtered);
    }
    // A page of one subject (a service, a product, documentation, a thread)
    // closes, like an article, with sections of other pages under a heading
    // worded as such ("Related services"); a catalogue's sections are its
    // content.
    let catalogue = matches!(page_type, PageType::Collection | PageType::Listing);
    if !catalogue && switch::on(Rule::RegionRelatedSections) {
        let mut keep = vec![true; blocks.len()];
        // A shop sets its carousels of other products anywhere on the page,
        // often right under the product's buttons: the wording alone tells
        // them.
        let anywhere = page_type == PageType::Product && switch::on(Rule::ProductRelatedAnywhere);
        render::filter::drop_related_sections(&blocks, &mut keep, anywhere);
        if page_type == PageType::Product && switch::on(Rule::ProductReviewSections) {
            // The buyers' reviews that close a product page are not the
            // product's text; near the top, such a heading may open a
            // quoted expert's review that is.
            render::filter::drop_sections(
                &blocks,
                &mut keep,
                REVIEW_HEADING_MAX_CHARS,
                false,
                rules::is_review_heading,
            );
        }
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
    Region {
        blocks,
        sources,
        filtered,
        headers,
    }
}

/// What [`extract`] finds in a page's main region.
pub(crate) struct Region {
    /// The blocks kept, in page order.
    pub(crate) blocks: Vec<Block>,
    /// The node each block starts at.
    pub(crate) sources: Vec<Ix>,
    /// The nodes of the blocks the last filters dropped, and why.
    pub(crate) filtered: Vec<(Ix, Reason)>,
    /// A thread's post headers ([`post_headers`]): they stay whatever the
    /// later filters say, when their post does ([`with_headers`]).
    pub(crate) headers: Vec<PostHeader>,
}

/// A block that heads a post of a thread (its author or its date).
pub(crate) struct PostHeader {
    block: Block,
    /// The node the block starts at.
    source: Ix,
    /// The end of the post's subtree.
    post_end: Ix,
}

/// Longest heading taken for the heading of a product's reviews: it may
/// name the product ("Customer reviews for …").
const REVIEW_HEADING_MAX_CHARS: usize = 100;

/// Most words a post's date line has ("Posted March 5, 2024, 11:15pm").
const POST_DATE_MAX_WORDS: usize = 8;
/// Most words a poster's name has.
const POSTER_MAX_WORDS: usize = 4;

/// The indices of the blocks that head the thread's `posts`, among `blocks`,
/// each with its post
/// (each starting at its node in `sources`, in page order): in each post,
/// the first date line before the post's text (a block longer than a date
/// line), and the post's first block (the second when the first is one
/// letter, an avatar's initial) when it comes before that date and is as
/// short as a name. Forum software sets a post's author and date above
/// it (or in a column beside it), then the member's rank and counts, which
/// are not taken; dates in a member's details (`<dl>`: "Joined Aug 24,
/// 2006") are not the post's.
fn post_headers(
    doc: &Doc<'_>,
    posts: &[Ix],
    blocks: &[Block],
    sources: &[Ix],
    now: NaiveDate,
) -> Vec<(usize, Ix)> {
    let words = |b: &Block| b.text.split_whitespace().count();
    let in_details = |s: Ix, post: Ix| {
        let mut i = s;
        while i != crate::extract::dom::NONE && i > post {
            if doc
                .elem(i)
                .is_some_and(|e| matches!(e.name, "dl" | "dt" | "dd"))
            {
                return true;
            }
            i = doc.nodes[i as usize].parent;
        }
        false
    };
    let mut out = Vec::new();
    for &p in posts {
        let end = doc.nodes[p as usize].end;
        let lo = sources.partition_point(|&s| s < p);
        let hi = sources.partition_point(|&s| s < end);
        let span = &blocks[lo..hi];
        let body = span
            .iter()
            .position(|b| words(b) > POST_DATE_MAX_WORDS)
            .unwrap_or(span.len());
        let date = (0..body).find(|&k| {
            span[k].quote == 0
                && render::filter::is_dateline(&span[k].text, now)
                && !in_details(sources[lo + k], p)
        });
        let Some(d) = date else { continue };
        // The name opens the post; an avatar drawn as the name's initial
        // may come before it.
        let name = (0..d.min(2)).find(|&k| span[k].text.chars().count() > 1);
        if let Some(n) = name.filter(|&n| {
            let b = &span[n];
            b.quote == 0
                && words(b) <= POSTER_MAX_WORDS
                && !rules::is_post_chrome(&b.text)
                && !render::filter::is_dateline(&b.text, now)
        }) {
            out.push((lo + n, p));
        }
        out.push((lo + d, p));
    }
    out
}

/// `blocks` and their `sources` (in page order) with a thread's post
/// `headers` (in page order too) put back where they stand in the page, those the filters
/// after [`extract`] (the block model, the post chrome) dropped; `dropped`
/// forgets them. A header stays only over its post's text: a post the
/// filters dropped whole goes with its header.
pub(crate) fn with_headers(
    blocks: Vec<Block>,
    sources: Vec<Ix>,
    headers: Vec<PostHeader>,
    dropped: &mut Vec<(Ix, Reason)>,
) -> (Vec<Block>, Vec<Ix>) {
    // Those dropped whose post kept text after them (headers and sources
    // are both in page order, so the next kept block tells).
    let back: Vec<PostHeader> = headers
        .into_iter()
        .filter(|h| {
            let next = sources[sources.partition_point(|&x| x < h.source)..].first();
            next.is_some_and(|&x| x != h.source && x < h.post_end)
        })
        .collect();
    if back.is_empty() {
        return (blocks, sources);
    }
    dropped.retain(|&(x, _)| back.binary_search_by_key(&x, |h| h.source).is_err());
    let n = blocks.len() + back.len();
    let mut merged = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut back = back.into_iter().peekable();
    for (b, s) in blocks.into_iter().zip(sources) {
        while let Some(h) = back.next_if(|h| h.source < s) {
            merged.0.push(h.block);
            merged.1.push(h.source);
        }
        merged.0.push(b);
        merged.1.push(s);
    }
    merged
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
/// tag, role or class named (a mega-menu set in `<div>`s); the same holds
/// for the title of a product, a service, a manual's page or a thread, which
/// opens its content. Text above the
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
/// sources join `dropped`; so do those of a quoted post (the "Click to
/// expand..." under a quote). It runs after the block model, which judges each
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
            lines.clone().next().is_some() && lines.all(rules::is_post_chrome)
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
        para(text, false)
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

    #[test]
    fn a_quotes_expander_is_chrome_but_the_quote_stays() {
        let quoted = |t: &str| Block {
            quote: 1,
            ..block(t)
        };
        let blocks = vec![
            quoted("alice said:"),
            quoted("Has anyone tried the new tyres on wet rock?"),
            quoted("Click to expand..."),
            block("Yes, they grip better than the old ones."),
        ];
        let mut dropped = Vec::new();
        let (kept, _) = without_chrome(blocks, (0..4).collect(), &mut dropped);
        let kept: Vec<&str> = kept.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            kept,
            [
                "alice said:",
                "Has anyone tried the new tyres on wet rock?",
                "Yes, they grip better than the old ones."
            ]
        );
    }

    #[test]
    fn counts_and_member_details_are_post_chrome() {
        for chrome in [
            "67",
            "#12",
            "1,204",
            "23.8k",
            "-3",
            "4 replies",
            "1.2k views",
            "Joined",
            "Reaction score:",
            "1,204 posts · joined 2015",
            "120 posts 4 solutions",
            "1,9922 gold badges14 silver badges18 bronze badges",
            "23.8k14 gold badges88 silver badges124 bronze badges",
            "answered Jul 7, 2012 at 3:07",
            "edited Jan 28, 2013 at 19:38",
            "Improve this answer",
            "Last edited: Jul 9, 2022",
            "Start date Jul 18, 2024",
            "Reactions: alice, bob and carol",
            "Thread starter",
            "Moderator",
            "Staff member",
            "Quote",
            "Top Posters In This Topic",
            "Zum Vergrößern anklicken....",
            "Zuletzt bearbeitet: 9. Juli 2022",
            "Themenstarter",
            "Bekanntes Mitglied",
            "Beiträge: 1.204",
            "Zitieren",
        ] {
            assert!(rules::is_post_chrome(chrome), "{chrome}");
        }
        for text in [
            "42 is the answer.",
            "Version 2.4.1",
            "I joined in 2015 and posted 1,204 times.",
            "She answered Jul 7, 2012 at 3:07 with a long reply about it.",
            "Gold badges are given for answers with a score of 100.",
            "The moderator closed the thread starter's other topic.",
            "12 apples",
            "Antworten kann ich leider erst morgen, bin unterwegs.",
        ] {
            assert!(!rules::is_post_chrome(text), "{text}");
        }
    }

    /// A thread of `posts` posts, each a column of the member's name, rank
    /// and join date beside the post's date and text.
    fn thread(posts: usize) -> String {
        let post = |k: usize| {
            format!(
                "<article class='message'><div class='user'><h4>poster{k}</h4><h5>Senior Member</h5>\
                 <dl><dt>Joined</dt><dd>Jan 9, 2012</dd></dl></div>\
                 <div class='main'><div><time datetime='2024-05-1{k}'>May 1{k}, 2024</time></div>\
                 <p>The text of post {k}, which says at some length what the poster thinks of the matter in hand.</p></div></article>"
            )
        };
        let posts: String = (1..=posts).map(post).collect();
        format!("<body><main><div class='thread'>{posts}</div></main></body>")
    }

    /// The texts of the blocks [`post_headers`] picks in `html`.
    fn headers_of(html: &str) -> Vec<String> {
        let h = scraper::Html::parse_document(html);
        let doc = Doc::build(&h);
        let st = stats::stats(&doc, None);
        let removed = vec![false; doc.nodes.len()];
        let roots = roots(&doc, &st, &removed);
        let (blocks, sources) =
            render::blocks_sourced(&doc, &roots, &removed, render::inline::Inline::default());
        let posts = posts(&doc, &st, &roots);
        let now = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
        post_headers(&doc, &posts, &blocks, &sources, now)
            .into_iter()
            .map(|(k, _)| blocks[k].text.clone())
            .collect()
    }

    #[test]
    fn each_post_keeps_its_name_and_date_not_the_members_details() {
        assert_eq!(
            headers_of(&thread(3)),
            [
                "poster1",
                "May 11, 2024",
                "poster2",
                "May 12, 2024",
                "poster3",
                "May 13, 2024"
            ]
        );
        // One container of text is no thread: nothing heads a post.
        assert!(headers_of("<body><main><h4>poster1</h4><p>May 11, 2024</p>\
            <p>The text of the page, which says at some length what it thinks of the matter in hand.</p></main></body>")
            .is_empty());
    }

    #[test]
    fn a_header_comes_back_only_over_its_posts_text() {
        let header = |text: &str, source: Ix| PostHeader {
            block: block(text),
            source,
            post_end: source + 10,
        };
        // Post 1 (nodes 0..10) kept its text at node 5; post 2 (20..30) lost it.
        let blocks = vec![block("The text of the first post, kept.")];
        let headers = vec![header("poster1", 1), header("poster2", 21)];
        let mut dropped = vec![(1, Reason::BlockModel), (21, Reason::BlockModel)];
        let (kept, sources) = with_headers(blocks, vec![5], headers, &mut dropped);
        let kept: Vec<&str> = kept.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(kept, ["poster1", "The text of the first post, kept."]);
        assert_eq!(sources, [1, 5]);
        assert_eq!(dropped.len(), 1);
    }

    fn kinded(kind: BlockKind, text: &str, linked: bool) -> Block {
        Block {
            linked,
            ..Block::of(kind, text)
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
        kinded(kind, text, linked)
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
