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

use crate::extract::dom::{Doc, Flag, Ix};
use crate::extract::ladder::{Known, LADDER, Pass};
use crate::extract::model::{Block, PageType};
use crate::extract::stats::{self, Stats};
use crate::extract::{clean, render};
use chrono::NaiveDate;

/// The pass that cleans a page for its main region: furniture by tag, role
/// and class goes, weak "unlikely" cues stay (they name too many layout
/// boxes of such pages).
const REGION_PASS: Pass = LADDER[3];

/// The blocks of the page's main region, each with the node it starts at,
/// and the nodes of the blocks the last filter dropped. `thread` keeps its
/// discussion.
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
) -> (Vec<Block>, Vec<Ix>, Vec<Ix>) {
    let forced = steer.forced;
    let pass = pass(thread, page_type);
    let mut removed = clean::removed(doc, raw, pass);
    forced.apply(doc, &mut removed);
    let st = stats::stats(doc, Some(&removed));
    let mut roots = roots(doc, &st, &removed);
    forced.add_roots(doc, &mut roots);
    let (blocks, sources) = render::blocks_sourced(doc, &roots, &removed, steer.inline);
    let (blocks, sources) = render::without_captions(blocks, sources);
    render::filter::filter_sourced(
        blocks,
        sources,
        known.headlines,
        known.author,
        now,
        render::filter::Teasers::Content,
    )
}

/// The cleaning pass of a region page of `page_type` (`thread`: one whose
/// discussion is kept).
pub(crate) fn pass(thread: bool, page_type: PageType) -> Pass {
    Pass {
        keep_thread: thread,
        strip_boilerplate_parts: thread || page_type == PageType::Product,
        strip_facets: matches!(page_type, PageType::Collection | PageType::Listing),
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
