//! The cleaner: decides which parts of the page are furniture.
//!
//! Cleaning happens in two places of the flow:
//! * [`removed`] runs before scoring, top-down over the whole page, and drops
//!   what is never article text (scripts, hidden elements, form controls;
//!   on a page read as a region, the hidden panels of tab sets and
//!   accordions are kept, as sections of the page) and,
//!   depending on the [`Pass`], furniture recognised by tag, role or class/id:
//!   navigation, sidebars, share bars, comment sections and forms, cookie and
//!   newsletter boxes, related-links blocks, tag lists (`rel="tag"` links
//!   that make up most of their parent's text) and so on. Two vetoes keep the
//!   article when its markup says otherwise: an `<article>` holding most of
//!   the page and named as content keeps a furniture word in its classes,
//!   and a paywall-gated element holding several paragraphs of prose is the
//!   article's continuation, not a subscription prompt.
//! * [`prune`] runs after the scorer chose the article's container, inside it
//!   only, and drops blocks whose *shape* betrays them: link-dense lists,
//!   image galleries, tables of links.
//!
//! Which rules apply is set by a [`Pass`]. The extractor starts with the
//! strictest pass and relaxes it step by step when too little text is left
//! (the fallback ladder in [`crate::extract`](mod@crate::extract)), because a rule that is right
//! on most sites removes the article itself on a few.

use super::dom::{Data, Doc, Flag, Ix, NONE, Tag};
use super::ladder::Pass;
use super::rules::{self, Hit};
use super::stats::Stats;
use super::switch::{self, Rule};
use super::why::Reason;

/// Tags that may hold the whole article and so are never removed by class.
const NEVER_UNLIKELY: &[&str] = &[
    "html", "body", "article", "main", "a", "table", "tbody", "tr", "td", "th",
];

/// Largest share of a form's text that may be prose for it to count as a
/// comment or search form rather than a page wrapped in a `<form>` (ASP.NET).
const FORM_MAX_TEXT: u32 = 1500;

/// Share of the page's text above which a class/id *part* alone does not
/// make an element furniture: a wrapper named `nav-drawer` that holds the
/// whole page is a layout box, not a menu.
const PART_VETO_SHARE: f32 = 0.6;
/// [`PART_VETO_SHARE`] when a discussion is kept.
const THREAD_PART_VETO_SHARE: f32 = 0.45;

/// Share of the page's text above which an element named as the controls
/// of a grid ([`Hit::FACET`]) is taken for the grid it filters.
const FACET_MAX_SHARE: f32 = 0.3;
/// Images from which such an element is the grid of items it filters.
const FACET_MAX_IMAGES: u32 = 3;
/// Characters of text per comma below which such an element is prose (an
/// FAQ set in a box its theme names like a filter), not a list of options.
const FACET_MIN_CHARS_PER_COMMA: u32 = 200;

/// Text below which an element's paragraphs are an option's label (a
/// filter button's `<p>Socks</p>`), not prose.
const FACET_MIN_PROSE_CHARS: u32 = 80;

/// Whether an element named as the controls of a grid, with statistics `s`,
/// is such a panel: a small part of the page, without the item images of
/// the grid itself (a wrapper named after its filters, `filtered-products`)
/// and without prose (comma-rich text, or paragraphs that are not links and
/// say more than an option's label).
fn is_facet_panel(s: &Stats, page_len: f32, labels: bool) -> bool {
    let paragraphs =
        s.p > 0 && s.link_len * 2 < s.len && !(labels && s.len < FACET_MIN_PROSE_CHARS);
    let prose = s.commas * FACET_MIN_CHARS_PER_COMMA >= s.len.max(1) || paragraphs;
    (s.len as f32) < FACET_MAX_SHARE * page_len && s.img < FACET_MAX_IMAGES && !prose
}

/// Share of the page's text above which a hidden element is taken for the
/// page itself, waiting for a script to show it.
const HIDDEN_MAX_SHARE: f32 = 0.5;
/// Share of the page's text in a hidden element above which it is the
/// page itself, hidden until its scripts or styles load, whatever hides it.
const HIDDEN_WRAPPER_SHARE: f32 = 0.9;

/// Whether an element is hidden only the way scripts reveal: by the `hidden`
/// attribute or a hiding class, not by `aria-hidden` (which hides from
/// screen readers what is shown on screen) or an inline style.
fn revealed_by_script(e: &crate::extract::dom::ElemNode<'_>) -> bool {
    let attr = |name| crate::extract::dom::attr(e.el, name);
    (attr("hidden").is_some() || e.hits.contains(Hit::HIDDEN))
        && attr("aria-hidden").is_none_or(|v| !v.trim().eq_ignore_ascii_case("true"))
        && attr("style").is_none_or(|s| !crate::extract::dom::is_hidden_style(s))
}

/// Whether an element with statistics `s` is taken out of the layout by its
/// inline style (`display:none`, which a script clears to show it: once the
/// visitor is let in, once the page's data has come) and holds prose rather
/// than links: a menu or a drawer is mostly links. `visibility:hidden`
/// keeps the element's place on the page: it hides what is meant to stay
/// hidden.
fn prose_hidden_by_style(e: &crate::extract::dom::ElemNode<'_>, s: &Stats) -> bool {
    let attr = |name| crate::extract::dom::attr(e.el, name);
    s.link_len * 2 < s.len
        && attr("style").is_some_and(crate::extract::dom::is_display_none)
        && attr("aria-hidden").is_none_or(|v| !v.trim().eq_ignore_ascii_case("true"))
}

/// Whether a hidden element, with statistics `s`, is the panel of a tab set
/// or an accordion: `role="tabpanel"`, or a class or id that names such a
/// panel ([`rules::names_disclosure_panel`]), holding text rather than
/// links. Such a panel is hidden until the reader picks its tab or opens it
/// (the code sample in a second language, the answer of an FAQ, the second
/// of a service's feature tabs): its text is the page's. A panel of links
/// is a menu's.
fn is_disclosure_panel(
    e: &crate::extract::dom::ElemNode<'_>,
    s: &Stats,
    controlled: impl FnOnce() -> bool,
) -> bool {
    let attr = |name| crate::extract::dom::attr(e.el, name);
    if s.link_len * 2 >= s.len {
        return false;
    }
    attr("role").is_some_and(|r| r.trim().eq_ignore_ascii_case("tabpanel"))
        || ["class", "id"]
            .iter()
            .any(|a| attr(a).is_some_and(rules::names_disclosure_panel))
        || switch::on(Rule::ControlledPanels) && controlled()
}

/// The ids of the panels that the page's disclosure controls open: the
/// `aria-controls` of an element with `aria-expanded` or `role="tab"` (an
/// accordion's button, a tab), sorted.
fn controlled_panels_of<'d>(doc: &Doc<'d>) -> Vec<&'d str> {
    let mut out: Vec<&'d str> = Vec::new();
    for n in &doc.nodes {
        let Data::Elem(e) = &n.data else { continue };
        let attr = |name| crate::extract::dom::attr(e.el, name);
        let Some(ids) = attr("aria-controls") else {
            continue;
        };
        let toggles = attr("aria-expanded").is_some()
            || attr("role").is_some_and(|r| r.trim().eq_ignore_ascii_case("tab"));
        if toggles {
            out.extend(
                ids.split_ascii_whitespace()
                    .map(|id| id.trim_start_matches('#')),
            );
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether element `i` comes right after the control that opens it: its
/// previous sibling element is a button, a `<summary>`, or says
/// `role="button"` or `aria-expanded` (an FAQ's question above its answer),
/// or it sits in a `<details>` (whose script marks the closed answer hidden).
fn follows_a_toggle(doc: &Doc<'_>, i: Ix) -> bool {
    let parent = doc.nodes[i as usize].parent;
    if parent == NONE {
        return false;
    }
    if doc.name(parent) == "details" {
        return true;
    }
    let Some(prev) = doc.children(parent).take_while(|&c| c < i).last() else {
        return false;
    };
    let Some(p) = doc.elem(prev) else {
        return false;
    };
    let attr = |name| crate::extract::dom::attr(p.el, name);
    matches!(p.name, "button" | "summary")
        || attr("aria-expanded").is_some()
        || attr("role").is_some_and(|r| r.trim().eq_ignore_ascii_case("button"))
}

/// Whether an element is a segment of a streamed server render: React sends
/// each part of the page that was waiting on data as `<div hidden
/// id="S:3">` at the end of the document, and a script moves it into its
/// place and shows it. Such a segment is the page's, however small. On a
/// catalogue page (a listing, a category) the segments streamed after the
/// first grid are further shelves (yesterday's launches, more items like
/// these), not the catalogue itself: there they stay out.
fn is_streamed_segment(e: &crate::extract::dom::ElemNode<'_>) -> bool {
    let attr = |name| crate::extract::dom::attr(e.el, name);
    e.name == "div"
        && attr("hidden").is_some()
        && attr("id")
            .and_then(|id| id.strip_prefix("S:"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether an element with statistics `s` is a whole tab set or accordion
/// under `role="tablist"` (Bootstrap's accordions put it on the group of
/// panels): it holds paragraphs, or prose more than links. A list of tabs
/// alone is a few short labels. A set with several paragraphs is one even
/// when its other panels are lists of links (a department's page: its
/// information, then its forms and maps).
fn is_tab_set(e: &crate::extract::dom::ElemNode<'_>, s: &Stats) -> bool {
    crate::extract::dom::attr(e.el, "role")
        .is_some_and(|r| r.trim().eq_ignore_ascii_case("tablist"))
        && (s.p > 0 || s.len >= TAB_SET_MIN_TEXT)
        && (s.link_len * 2 < s.len || s.p >= TAB_SET_MIN_PARAGRAPHS)
}

/// Paragraphs from which a `role="tablist"` element is a tab set whatever
/// share of its text is links.
const TAB_SET_MIN_PARAGRAPHS: u32 = 3;

/// Text from which a `role="tablist"` element without paragraphs holds its
/// panels' text rather than tab labels.
const TAB_SET_MIN_TEXT: u32 = 200;

/// Whether an element is a schema.org `Question` or `Answer` item.
fn is_qa_item(e: &crate::extract::dom::ElemNode<'_>) -> bool {
    crate::extract::dom::attr(e.el, "itemtype").is_some_and(|t| {
        let t = t.trim_end_matches('/');
        t.ends_with("/Question") || t.ends_with("/Answer")
    })
}

/// Whether element `i` says word for word what an element before it in the
/// same parent says: one panel repeated behind every tab of a set.
fn repeats_a_sibling(doc: &Doc<'_>, i: Ix) -> bool {
    let parent = doc.nodes[i as usize].parent;
    if parent == NONE {
        return false;
    }
    let text = doc.text_of(i);
    doc.children(parent)
        .take_while(|&c| c < i)
        .any(|c| doc.elem(c).is_some() && doc.text_of(c) == text)
}

/// Paragraphs a paywall-gated element needs to be the article's continuation
/// rather than a subscription prompt.
const GATED_MIN_PARAGRAPHS: u32 = 3;
/// Text a paywall-gated element needs to be the article's continuation (a
/// prompt says its piece in a few lines).
const GATED_MIN_TEXT: u32 = 500;

/// Per node: is it out of the article (with its whole subtree) on this pass?
pub fn removed(doc: &Doc<'_>, raw: &[Stats], pass: Pass) -> Vec<bool> {
    removed_why(doc, raw, pass, None)
}

/// [`removed`], also noting in `why` the rule that removed each element
/// whose parent stays (the elements below it go with it).
pub fn removed_why(
    doc: &Doc<'_>,
    raw: &[Stats],
    pass: Pass,
    mut why: Option<&mut [Option<Reason>]>,
) -> Vec<bool> {
    let mut out = vec![false; doc.nodes.len()];
    let page_len = raw.get(doc.body as usize).map_or(0, |s| s.len) as f32;
    let mut related_headings = Vec::new();
    let on = Switches::read();
    // The fragments the page's links point to, read when first needed.
    let link_targets = std::cell::OnceCell::new();
    // The panels the page's accordions and tabs open, read when first needed.
    let controlled = std::cell::OnceCell::new();
    // The end of the question or answer item the walk is inside, if any.
    let mut qa_end = 0usize;
    // A thread's posts spread over the page beside its sidebars: a column
    // that holds a third of the text is the thread's, whatever its class.
    let part_veto = if pass.keep_thread {
        THREAD_PART_VETO_SHARE
    } else {
        PART_VETO_SHARE
    };
    for (i, n) in doc.nodes.iter().enumerate() {
        if n.parent != NONE && out[n.parent as usize] {
            out[i] = true;
            continue;
        }
        let Data::Elem(e) = &n.data else { continue };
        // A hidden element that holds most of the page is shown by a script:
        // a streamed server render (React's `<div hidden id="S:0">`) or a
        // page hidden until its scripts load, not a collapsed menu.
        // So is a wrapper hidden by its style around nearly all of the page
        // (`visibility:hidden` until the styles load): a page would not
        // hide everything it says.
        let share = raw[i].len as f32 / page_len.max(1.0);
        let hidden = on.hidden
            && e.flags.intersects(Flag::HIDDEN)
            && !(share >= HIDDEN_MAX_SHARE
                && (revealed_by_script(e)
                    || on.style_hidden_pages && prose_hidden_by_style(e, &raw[i])))
            && share < HIDDEN_WRAPPER_SHARE
            && !(on.streamed_segments && !pass.strip_facets && is_streamed_segment(e))
            && !(on.disclosure_panels
                && pass.open_panels
                && is_disclosure_panel(e, &raw[i], || {
                    is_link_target(e, controlled.get_or_init(|| controlled_panels_of(doc)))
                        || switch::on(Rule::TogglePanels) && follows_a_toggle(doc, i as Ix)
                })
                && !repeats_a_sibling(doc, i as Ix));
        let mut drop = e.tag.intersects(Tag::SKIP) || hidden;
        let mut reason = if e.tag.intersects(Tag::SKIP) {
            Reason::NotText
        } else {
            Reason::Hidden
        };
        if !drop && on.forms && e.tag.intersects(Tag::FORM) {
            // A form around little prose is a comment, search or login form.
            // Forum software wraps a thread's posts in its moderation form:
            // with a discussion kept, only the length counts.
            // A form around most of the page is its wrapper (ASP.NET),
            // paragraphs or not.
            // A form with no field to fill in (only hidden inputs and
            // buttons) asks nothing of the reader: forum software wraps a
            // post's text, or a short thread, in its edit or moderation form.
            let s = &raw[i];
            drop = (s.len < FORM_MAX_TEXT || !pass.keep_thread && s.controls > 0 && s.p == 0)
                && (s.len as f32) < PART_VETO_SHARE * page_len
                && !(on.fieldless_forms
                    && !has_fields(doc, i as Ix)
                    && (pass.keep_thread || touches_comments(doc, i as Ix)));
            if drop && why.is_some() {
                reason = form_reason(e);
            }
        }
        // On a question-and-answer page (schema.org `Question` and `Answer`
        // items), the comments set under a question or an answer are
        // remarks on it, not answers: they go with the page's furniture.
        if !drop && pass.keep_thread && on.qa_comments {
            if i < qa_end && e.flags.contains(Flag::COMMENT) {
                drop = true;
                reason = Reason::Comments;
            } else if is_qa_item(e) {
                qa_end = qa_end.max(n.end as usize);
            }
        }
        // Beside each post, forum software lists the member's details as
        // term and value pairs ("Joined" "Jan 9, 2012", "Messages" "1,204").
        if !drop
            && pass.keep_thread
            && on.member_pairs
            && e.name == "dl"
            && is_pair_list(doc, i as Ix)
        {
            drop = true;
            reason = Reason::MemberDetails;
        }
        let thread =
            pass.keep_thread && (e.hits.contains(Hit::THREAD) || e.flags.contains(Flag::COMMENT));
        if !drop
            && !thread
            && pass.strip_boilerplate
            && (!e.flags.intersects(Flag::ARTICLE) || e.name == "article")
        {
            // An `<article>` that holds most of the page and is also named
            // as content ("main-article-content url-breadcrumb") is the
            // article, whatever furniture word its classes hold besides.
            let main_article = on.main_article_veto
                && e.name == "article"
                && e.hits.intersects(Hit::MAYBE)
                && raw[i].len as f32 >= PART_VETO_SHARE * page_len;
            // The element a "skip to content" link jumps to holds the
            // content, whatever its name borrowed from the link
            // (`id="skip-link-target"`): one that holds most of the page
            // and is the target of a link of the page stays.
            let main_article = main_article
                || on.link_target_veto
                    && e.hits.intersects(Hit::BOILER)
                    && raw[i].len as f32 >= PART_VETO_SHARE * page_len
                    && is_link_target(e, link_targets.get_or_init(|| link_targets_of(doc)));
            let gated_prompt = on.gated_prompt && e.hits.intersects(Hit::GATED) && {
                let s = &raw[i];
                s.p < GATED_MIN_PARAGRAPHS || s.len < GATED_MIN_TEXT || s.link_len * 5 > s.len
            };
            if why.is_some() {
                reason = if on.tag_furniture && e.tag.intersects(Tag::BOILER) {
                    if e.name == "nav" {
                        Reason::Navigation
                    } else {
                        Reason::FurnitureTag
                    }
                } else if gated_prompt {
                    Reason::SubscriptionPrompt
                } else if on.role_furniture && e.flags.intersects(Flag::ROLE_BOILER) {
                    if crate::extract::dom::attr(e.el, "role") == Some("navigation") {
                        Reason::Navigation
                    } else {
                        Reason::FurnitureRole
                    }
                } else if names_comments(e) {
                    Reason::Comments
                } else if e.hits.intersects(Hit::BOILER) && !main_article {
                    Reason::FurnitureClass
                } else {
                    Reason::FurnitureClassPart
                };
            }
            // A tab set or an accordion marked up as one `role="tablist"`
            // around its panels holds the panels' text, not only the tabs,
            // on every page: its open panel is shown (the hidden ones are
            // opened only on a page read as a region).
            let tab_set = on.tab_sets && is_tab_set(e, &raw[i]);
            drop = on.tag_furniture && e.tag.intersects(Tag::BOILER)
                || gated_prompt
                || on.role_furniture && e.flags.intersects(Flag::ROLE_BOILER) && !tab_set
                || (on.class_boiler && e.hits.intersects(Hit::BOILER) && !main_article
                    || on.class_boiler_part
                        && pass.strip_boilerplate_parts
                        && e.hits.intersects(Hit::BOILER_PART)
                        && !e.hits.intersects(Hit::EMBED)
                        // A wrapper of an embedded post the article quotes
                        // (`<div class="social-media-embed"><blockquote
                        // class="twitter-tweet">`) holds content.
                        && raw[i].embeds == 0
                        && (!on.part_share_veto
                            || (raw[i].len as f32) < part_veto * page_len))
                    && !NEVER_UNLIKELY[..2].contains(&e.name);
        }
        if !drop
            && on.facets
            && pass.strip_facets
            && e.hits.intersects(Hit::FACET)
            && is_facet_panel(&raw[i], page_len, on.facet_labels)
            && !NEVER_UNLIKELY[..2].contains(&e.name)
        {
            drop = true;
            reason = Reason::Facets;
        }
        if !drop
            && on.tag_lists
            && pass.strip_boilerplate
            && e.flags.intersects(Flag::TAG_LINK)
            && n.parent != NONE
        {
            // Tag links set in a list of links go to the metadata; one set in
            // a sentence (plugins link keywords to their tag pages) is text.
            let p = &raw[n.parent as usize];
            drop = p.inline_link_len * 10 >= p.inline_len * TAG_LIST_MIN_LINK_TENTHS;
            reason = Reason::TagList;
        }
        if !drop && !thread && pass.strip_unlikely && !NEVER_UNLIKELY.contains(&e.name) {
            reason = Reason::Unlikely;
            drop = (on.unlikely_classes
                && e.hits.intersects(Hit::UNLIKELY)
                && !e.hits.intersects(Hit::MAYBE)
                && raw[i].embeds == 0)
                || on.unlikely_tags
                    && e.tag.intersects(Tag::UNLIKELY)
                    && !e.flags.intersects(Flag::IN_ARTICLE);
        }
        if on.related_heading_sections
            && pass.strip_boilerplate
            && e.tag.intersects(Tag::HEADING)
            && n.parent != NONE
        {
            let named_furniture = e
                .hits
                .intersects(Hit::NEG | Hit::UNLIKELY | Hit::BOILER | Hit::BOILER_PART);
            if (drop || named_furniture)
                && switch::on(Rule::RelatedHeadings)
                && rules::is_related_heading(&doc.text_of(i as Ix))
            {
                related_headings.push(i as Ix);
            }
        }
        out[i] = drop;
        if drop {
            if let Some(w) = why.as_deref_mut() {
                w[i] = Some(reason);
            }
        }
    }
    for h in related_headings {
        drop_related_section(doc, h, &mut out, why.as_deref_mut());
    }
    out
}

/// The fragments (`main` of `href="#main"`) of the page's in-page links.
fn link_targets_of<'d>(doc: &Doc<'d>) -> Vec<&'d str> {
    let mut out: Vec<&'d str> = doc
        .nodes
        .iter()
        .filter_map(|n| match &n.data {
            Data::Elem(e) if e.name == "a" => crate::extract::dom::attr(e.el, "href")?
                .strip_prefix('#')
                .filter(|f| !f.is_empty()),
            _ => None,
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether an element's id is one of `targets` (sorted): the fragments of
/// the page's links, the panels its toggles open.
fn is_link_target(e: &crate::extract::dom::ElemNode<'_>, targets: &[&str]) -> bool {
    crate::extract::dom::attr(e.el, "id").is_some_and(|id| targets.binary_search(&id).is_ok())
}

/// Whether an element's class or id names reader comments.
fn names_comments(e: &crate::extract::dom::ElemNode<'_>) -> bool {
    ["class", "id"].iter().any(|a| {
        crate::extract::dom::attr(e.el, a).is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("comment") || v.contains("respond")
        })
    })
}

/// Most words a term of a member's details holds ("Reaction score").
const PAIR_TERM_MAX_WORDS: usize = 3;
/// Most words a value of a member's details holds ("California, SF east
/// bay").
const PAIR_VALUE_MAX_WORDS: usize = 5;

/// Whether the `<dl>` at `i` is a list of short term and value pairs, each
/// term a label (no link, no image: not a member's name and avatar) and each
/// value a few words: a member's details, not a glossary.
fn is_pair_list(doc: &Doc<'_>, i: Ix) -> bool {
    let mut terms = 0;
    let mut values = 0;
    for c in doc.children(i) {
        let Some(e) = doc.elem(c) else {
            if !doc.text_of(c).trim().is_empty() {
                return false;
            }
            continue;
        };
        let words = doc.text_of(c).split_whitespace().count();
        match e.name {
            "dt" => {
                let end = doc.nodes[c as usize].end as usize;
                let plain = doc.nodes[c as usize + 1..end].iter().all(|n| {
                    n.elem()
                        .is_none_or(|d| !d.tag.intersects(Tag::LINK | Tag::IMG))
                });
                if words == 0 || words > PAIR_TERM_MAX_WORDS || !plain {
                    return false;
                }
                terms += 1;
            }
            "dd" => {
                if words > PAIR_VALUE_MAX_WORDS {
                    return false;
                }
                values += 1;
            }
            _ => return false,
        }
    }
    terms > 0 && values >= terms
}

/// Whether element `i` sits in, or holds, an element named or marked as a
/// comment (a class part `comment`, schema.org `Comment`).
fn touches_comments(doc: &Doc<'_>, i: Ix) -> bool {
    let is_comment = |n: &crate::extract::dom::Node<'_>| {
        n.elem()
            .is_some_and(|e| e.hits.contains(Hit::THREAD) || e.flags.contains(Flag::COMMENT))
    };
    let end = doc.nodes[i as usize].end as usize;
    if doc.nodes[i as usize..end].iter().any(is_comment) {
        return true;
    }
    let mut at = doc.nodes[i as usize].parent;
    while at != NONE {
        if is_comment(&doc.nodes[at as usize]) {
            return true;
        }
        at = doc.nodes[at as usize].parent;
    }
    false
}

/// Whether the form at `i` holds a field a reader fills in: a text area, a
/// list to choose from, or an input that is neither hidden nor a button.
fn has_fields(doc: &Doc<'_>, i: Ix) -> bool {
    let end = doc.nodes[i as usize].end as usize;
    doc.nodes[i as usize + 1..end].iter().any(|n| {
        let Data::Elem(e) = &n.data else { return false };
        match e.name {
            "textarea" | "select" => true,
            "input" => !crate::extract::dom::attr(e.el, "type").is_some_and(|t| {
                ["hidden", "submit", "button", "image", "reset"]
                    .iter()
                    .any(|k| t.trim().eq_ignore_ascii_case(k))
            }),
            _ => false,
        }
    })
}

/// A form's reason: a comment form when its class, id or action names
/// comments.
fn form_reason(e: &crate::extract::dom::ElemNode<'_>) -> Reason {
    let named = ["class", "id", "action"].iter().any(|a| {
        crate::extract::dom::attr(e.el, a)
            .is_some_and(|v| v.to_ascii_lowercase().contains("comment"))
    });
    if named {
        Reason::CommentForm
    } else {
        Reason::Form
    }
}

/// The switches of [`removed`]'s rules, read once per call.
struct Switches {
    hidden: bool,
    disclosure_panels: bool,
    streamed_segments: bool,
    style_hidden_pages: bool,
    tab_sets: bool,
    qa_comments: bool,
    forms: bool,
    fieldless_forms: bool,
    member_pairs: bool,
    tag_furniture: bool,
    role_furniture: bool,
    gated_prompt: bool,
    class_boiler: bool,
    main_article_veto: bool,
    link_target_veto: bool,
    class_boiler_part: bool,
    part_share_veto: bool,
    tag_lists: bool,
    unlikely_classes: bool,
    unlikely_tags: bool,
    related_heading_sections: bool,
    facets: bool,
    facet_labels: bool,
}

impl Switches {
    fn read() -> Self {
        Switches {
            hidden: switch::on(Rule::HiddenElements),
            disclosure_panels: switch::on(Rule::DisclosurePanels),
            streamed_segments: switch::on(Rule::StreamedSegments),
            style_hidden_pages: switch::on(Rule::StyleHiddenPages),
            tab_sets: switch::on(Rule::TabSets),
            qa_comments: switch::on(Rule::QaComments),
            forms: switch::on(Rule::Forms),
            fieldless_forms: switch::on(Rule::FieldlessForms),
            member_pairs: switch::on(Rule::MemberPairs),
            tag_furniture: switch::on(Rule::TagFurniture),
            role_furniture: switch::on(Rule::RoleFurniture),
            gated_prompt: switch::on(Rule::GatedPrompt),
            class_boiler: switch::on(Rule::ClassBoiler),
            main_article_veto: switch::on(Rule::MainArticleVeto),
            link_target_veto: switch::on(Rule::LinkTargetVeto),
            class_boiler_part: switch::on(Rule::ClassBoilerPart),
            part_share_veto: switch::on(Rule::PartShareVeto),
            tag_lists: switch::on(Rule::TagLists),
            unlikely_classes: switch::on(Rule::UnlikelyClasses),
            unlikely_tags: switch::on(Rule::UnlikelyTags),
            related_heading_sections: switch::on(Rule::RelatedHeadingSections),
            facets: switch::on(Rule::Facets),
            facet_labels: switch::on(Rule::FacetLabels),
        }
    }
}

/// A heading that its class or id names as furniture (`relatedpoststitle`)
/// and that is also worded as the heading of other stories ("You may also
/// like", [`rules::is_related_heading`]) is removed with the siblings after
/// it, up to the next heading of its level or higher: the posts of a related
/// section set loose beside their heading.
///
/// Its twin, [`crate::extract::render::filter`]'s `drop_related_sections`,
/// drops such sections after rendering, by wording and place alone. This one
/// exists as well because a heading whose class names it as furniture is
/// mostly removed here for that class, so the filter never sees it and the
/// posts set loose after it would stay; acting before scoring also keeps
/// them from being scored with the story. The class makes the heading safe
/// to act on anywhere on the page, not only near the end of the text.
fn drop_related_section(
    doc: &Doc<'_>,
    heading: Ix,
    out: &mut [bool],
    mut why: Option<&mut [Option<Reason>]>,
) {
    let level = |i: Ix| {
        doc.name(i)
            .strip_prefix('h')
            .and_then(|d| d.parse::<u8>().ok())
            .unwrap_or(0)
    };
    let n = &doc.nodes[heading as usize];
    let own = level(heading);
    out[heading as usize..n.end as usize].fill(true);
    if let Some(w) = why.as_deref_mut() {
        w[heading as usize] = Some(Reason::RelatedSection);
    }
    for c in doc.children(n.parent).filter(|&c| c > heading) {
        if doc.tag(c).intersects(Tag::HEADING) && level(c) <= own {
            break;
        }
        let end = doc.nodes[c as usize].end;
        if let Some(w) = why.as_deref_mut() {
            if !out[c as usize] {
                w[c as usize] = Some(Reason::RelatedSection);
            }
        }
        out[c as usize..end as usize].fill(true);
    }
}

/// Share of its parent's own text, in tenths, that tag links must make up to
/// be a tag list rather than words of a sentence.
const TAG_LIST_MIN_LINK_TENTHS: u32 = 7;

/// Inside the chosen containers, mark blocks to drop by their shape.
///
/// Modelled on Readability's conditional cleaning: a list, table, div or
/// section that holds few commas is dropped when it is mostly links, holds
/// more images than paragraphs, or is a
/// tiny link-only fragment. Lists that are mostly prose and data tables stay.
///
/// With `why`, the shape that removed each block is noted in it.
pub fn prune(
    doc: &Doc<'_>,
    stats: &[Stats],
    removed: &mut [bool],
    roots: &[Ix],
    pass: Pass,
    mut why: Option<&mut [Option<Reason>]>,
) {
    for &root in roots {
        let end = doc.nodes[root as usize].end;
        let mut i = root;
        while i < end {
            let n = &doc.nodes[i as usize];
            if removed[i as usize] {
                i = n.end;
                continue;
            }
            if let Data::Elem(e) = &n.data {
                let shape = if i == root {
                    None
                } else {
                    drop_by_shape(doc, stats, i, e.name, e.weight, pass)
                };
                if let Some(reason) = shape {
                    removed[i as usize] = true;
                    if let Some(w) = why.as_deref_mut() {
                        w[i as usize] = Some(reason);
                    }
                    i = n.end;
                    continue;
                }
            }
            i += 1;
        }
    }
}

fn drop_by_shape(
    doc: &Doc<'_>,
    stats: &[Stats],
    i: Ix,
    name: &str,
    weight: i16,
    pass: Pass,
) -> Option<Reason> {
    // Headings stay: those of furniture go with their sections, and
    // headings that are links to elsewhere with the related sections and
    // link lines of the render filter.
    if doc.tag(i).intersects(Tag::HEADING) {
        return None;
    }
    let s = &stats[i as usize];
    let weight = if pass.weight_classes && switch::on(Rule::ClassWeights) {
        weight as i32
    } else {
        0
    };
    if !pass.clean_conditionally {
        return None;
    }
    if !matches!(
        name,
        "form"
            | "fieldset"
            | "table"
            | "ul"
            | "ol"
            | "dl"
            | "div"
            | "section"
            | "header"
            | "figure"
            | "center"
    ) {
        return None;
    }
    if s.len == 0 {
        return (switch::on(Rule::PruneEmpty) && (s.img == 0 || name != "figure"))
            .then_some(Reason::Empty);
    }
    // An embedded post is quoted content, however link-dense its text and
    // whatever its wrapper is named.
    if s.embeds > 0 {
        return None;
    }
    if weight < 0 && switch::on(Rule::PruneNegativeWeight) {
        return Some(Reason::NegativeWeight);
    }
    if s.commas >= 10 {
        return None;
    }
    let is_list = matches!(name, "ul" | "ol" | "dl") || s.list_len as f32 > 0.9 * s.len as f32;
    if name == "table" && doc.table_shape(i).kept_as_data(s.tables) {
        return None;
    }
    if s.pre > 0 {
        return None;
    }
    let ld = s.link_len as f32 / s.len as f32;
    let p = s.p as f32;
    let img = s.img as f32;
    let heading_density = s.heading_len as f32 / s.len as f32;
    if img > 1.0
        && p / img < 0.5
        && name != "figure"
        && s.len < 200
        && switch::on(Rule::PruneImageGalleries)
    {
        return Some(Reason::ImageGallery);
    }
    if !is_list
        && heading_density < 0.9
        && s.len < 25
        && (img == 0.0 || img > 2.0)
        && ld > 0.0
        && switch::on(Rule::PruneLinkFragments)
    {
        return Some(Reason::LinkFragment);
    }
    ((!is_list
        && weight < 25
        && ld > 0.2 + s.len as f32 / 20000.0
        && switch::on(Rule::PruneLinkDensity))
        || (weight >= 25 && ld > 0.5 && switch::on(Rule::PruneWeightedLinkDensity)))
    .then_some(Reason::LinkDensity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ladder::LADDER;
    use scraper::Html;

    #[test]
    fn a_filter_buttons_label_is_no_prose_but_a_faq_is() {
        let page = 5000.0;
        // A filter option whose label is set in a `<p>`.
        let option = Stats {
            len: 5,
            p: 1,
            ..Stats::default()
        };
        assert!(is_facet_panel(&option, page, true));
        assert!(!is_facet_panel(&option, page, false));
        // A box its theme names like a filter, holding an answer.
        let faq = Stats {
            len: 400,
            p: 2,
            ..Stats::default()
        };
        assert!(!is_facet_panel(&faq, page, true));
    }

    /// The cleaning pass of a region page that opens hidden panels.
    fn panels_open() -> Pass {
        Pass {
            open_panels: true,
            ..LADDER[3]
        }
    }

    /// Whether the first element with this id is removed on `pass`.
    fn removed_on(html: &str, id: &str, pass: Pass) -> bool {
        let h = Html::parse_document(html);
        let doc = Doc::build(&h);
        let raw = crate::extract::stats::stats(&doc, None);
        let out = removed(&doc, &raw, pass);
        let at = (0..doc.nodes.len())
            .find(|&i| {
                doc.nodes[i]
                    .elem()
                    .is_some_and(|e| crate::extract::dom::attr(e.el, "id") == Some(id))
            })
            .expect("element with the id");
        out[at]
    }

    #[test]
    fn the_target_of_a_skip_link_stays_whatever_its_name() {
        let story = "<p>The council voted on Tuesday to keep the library open on Sundays through the winter, after a petition signed by more than two thousand residents.</p>";
        let page = |href: &str| {
            format!(
                "<body><a href='{href}'>Skip to main content</a><div id='skip-link-target'>{story}{story}</div>\
                 <div class='skip-link' id='small'><a href='#x'>Skip</a></div></body>"
            )
        };
        // Named like the link, but the link's target and most of the page.
        assert!(!removed_on(
            &page("#skip-link-target"),
            "skip-link-target",
            LADDER[0]
        ));
        // With no link pointing at it, the name decides.
        assert!(removed_on(&page("#other"), "skip-link-target", LADDER[0]));
        // A small box named so is the link itself.
        assert!(removed_on(&page("#small"), "small", LADDER[0]));
    }

    const TABS: &str = "<body><main><h1>Plans</h1>\
        <div role='tablist'><button>Monthly</button><button>Yearly</button></div>\
        <div role='tabpanel' id='monthly'><p>Pay each month, cancel at any time, keep every feature of the plan.</p></div>\
        <div role='tabpanel' id='yearly' hidden><p>Pay once a year and save two months on the price of the plan.</p></div>\
        <div role='tabpanel' id='again' hidden><p>Pay once a year and save two months on the price of the plan.</p></div>\
        <div class='accordion-panel' id='faq' hidden><p>Yes, you can switch between the two plans whenever you like.</p></div>\
        <div class='accordion-panel' id='menu' hidden><a href='/a'>Home</a> <a href='/b'>Pricing</a> <a href='/c'>About us</a></div>\
        <div class='modal' id='modal' hidden><p>Sign in to continue reading, it only takes a minute of your time.</p></div>\
        </main></body>";

    #[test]
    fn hidden_tab_and_accordion_panels_are_kept_on_a_region_page() {
        let region = panels_open();
        assert!(!removed_on(TABS, "yearly", region));
        assert!(!removed_on(TABS, "faq", region));
        // The same panel behind a second tab is said once.
        assert!(removed_on(TABS, "again", region));
        // A panel of links is a menu; other hidden boxes stay hidden.
        assert!(removed_on(TABS, "menu", region));
        assert!(removed_on(TABS, "modal", region));
    }

    #[test]
    fn hidden_panels_that_a_toggle_opens_are_kept_on_a_region_page() {
        let page = "<html><body><h1>Keyboard</h1>\
            <button aria-expanded=false aria-controls=panel-1>Shipping</button>\
            <div id=panel-1 hidden><p>All orders are inspected by hand in our workshop \
            and leave within two working days, tracked and insured.</p></div>\
            <button aria-expanded=false aria-controls=\"#panel-2\">Returns</button>\
            <div id=panel-2 hidden><p>Return any keyboard within thirty days, unused \
            and in its box, for a full refund of the price.</p></div>\
            <div id=panel-3 hidden><p>A hidden box that no toggle opens stays hidden, \
            whatever it says about the keyboard and its keys.</p></div>\
            <button aria-expanded=false aria-controls=menu>Menu</button>\
            <div id=menu hidden><a href=/a>Keyboards</a> <a href=/b>Switches</a></div>\
            </body></html>";
        let region = panels_open();
        assert!(!removed_on(page, "panel-1", region));
        assert!(!removed_on(page, "panel-2", region));
        assert!(removed_on(page, "panel-3", region));
        // A panel of links is a menu.
        assert!(removed_on(page, "menu", region));
        // Beside a story, a collapsed box stays out.
        assert!(removed_on(page, "panel-1", LADDER[3]));
    }

    #[test]
    fn hidden_answers_right_after_their_question_button_are_kept_on_a_region_page() {
        let page = "<html><body><h1>Repairs</h1>\
            <div><button type=button>How long does a repair take?</button>\
            <div id=answer-1 class=hidden><p>Most repairs are done within three working \
            days of the device reaching our workshop, parts permitting.</p></div></div>\
            <details><summary>Is the repair guaranteed?</summary>\
            <div id=answer-2 aria-hidden=true><p>Every repair carries a twelve month \
            guarantee on the parts we fitted and the work we did.</p></div></details>\
            <div><h3>Opening hours</h3><div id=answer-3 class=hidden><p>A hidden box \
            after a heading opens with no click of the reader and stays hidden.</p>\
            </div></div></body></html>";
        let region = panels_open();
        assert!(!removed_on(page, "answer-1", region));
        assert!(!removed_on(page, "answer-2", region));
        assert!(removed_on(page, "answer-3", region));
        // Beside a story, a collapsed box stays out.
        assert!(removed_on(page, "answer-1", LADDER[3]));
    }

    #[test]
    fn a_tablist_with_paragraphs_is_kept_beside_panels_of_links() {
        let links = (0..30)
            .map(|i| {
                format!("<li><a href='/doc/{i}'>Application form number {i} for permits</a></li>")
            })
            .collect::<String>();
        let set = |paragraphs: &str| {
            format!(
                "<body><main><h1>Building department</h1>\
                 <div role='tablist' id='set'><ol><li><a href='#a'>Info</a></li><li><a href='#b'>Forms</a></li></ol>\
                 <div id='a' role='tabpanel'>{paragraphs}</div>\
                 <div id='b' role='tabpanel' style='display:none'><ul>{links}</ul></div></div></main></body>"
            )
        };
        let p = "<p>The department issues building permits and inspects new homes, additions and remodels.</p>";
        assert!(!removed_on(&set(&p.repeat(3)), "set", LADDER[0]));
        // One paragraph beside a wall of links: a box of links with a blurb.
        assert!(removed_on(&set(p), "set", LADDER[0]));
    }

    #[test]
    fn a_tablist_around_its_panels_is_kept_on_every_page() {
        let html = "<body><main><h1>Services</h1>\
            <div role='tablist' id='set'><h3>Audits</h3><p>We review your controls against the standard and report every gap we find, with the fix for each.</p>\
            <h3>Training</h3><p>Short sessions for your staff on the threats they meet every day at work.</p></div>\
            <ul role='tablist' id='tabs'><li>Audits</li><li>Training</li></ul></main></body>";
        let region = panels_open();
        assert!(!removed_on(html, "set", region));
        assert!(removed_on(html, "tabs", region));
        assert!(!removed_on(html, "set", LADDER[0]));
        assert!(!removed_on(html, "set", LADDER[3]));
        assert!(removed_on(html, "tabs", LADDER[0]));
    }

    #[test]
    fn comments_under_an_answer_go_on_a_thread_but_answers_stay() {
        let html = "<body><main>\
            <div itemscope itemtype='https://schema.org/Question' id='q'><p>How do I undo the last commit without losing the changes I made?</p>\
              <ul><li itemprop='comment' itemscope itemtype='https://schema.org/Comment' id='qc'>Do you mean a pushed commit?</li></ul></div>\
            <div itemscope itemtype='https://schema.org/Answer' id='a'><p>Reset the branch one commit back with the soft option, and the changes stay staged.</p>\
              <ul><li itemprop='comment' itemscope itemtype='https://schema.org/Comment' id='ac'>Thanks, that worked.</li></ul></div>\
            <div class='comment' itemscope itemtype='https://schema.org/Comment' id='free'><p>A reply in a thread that is not a question and its answers.</p></div>\
            </main></body>";
        let thread = Pass {
            keep_thread: true,
            ..LADDER[3]
        };
        assert!(!removed_on(html, "q", thread));
        assert!(!removed_on(html, "a", thread));
        assert!(removed_on(html, "qc", thread));
        assert!(removed_on(html, "ac", thread));
        assert!(!removed_on(html, "free", thread));
    }

    #[test]
    fn a_form_without_fields_around_a_post_stays() {
        let html = "<body><main>\
            <div class='post'><form id='wrap'><input type='hidden' name='thing' value='t1'>\
              <div class='body'><p>Might this also help the people who lost their hearing?</p></div></form></div>\
            <form id='mod' method='post'><input type='hidden' name='key' value='k'>\
              <article><p>The first post of a short thread.</p><button type='button'>Quote</button></article></form>\
            <form id='reply'><textarea name='text'></textarea><p>Be kind to one another.</p></form>\
            <form id='search'><input name='q'><button>Search</button></form>\
            </main></body>";
        let thread = Pass {
            keep_thread: true,
            ..LADDER[3]
        };
        assert!(!removed_on(html, "wrap", thread));
        assert!(!removed_on(html, "mod", thread));
        assert!(removed_on(html, "reply", thread));
        assert!(removed_on(html, "search", thread));
        // On a page read as one story, so when it holds a comment.
        assert!(removed_on(html, "wrap", LADDER[0]));
        let in_comment = html.replace("class='body'", "class='comment'");
        assert!(!removed_on(&in_comment, "wrap", LADDER[0]));
        assert!(removed_on(&in_comment, "reply", LADDER[0]));
    }

    #[test]
    fn a_members_details_go_on_a_thread_but_a_glossary_stays() {
        let html = "<body><main>\
            <div class='user'><h4>alice</h4><dl id='joined'><dt>Joined</dt><dd>Jan 9, 2012</dd></dl>\
              <dl id='pairs'><dt>Messages</dt><dd><a href='/s'>1,204</a></dd><dt>Location</dt><dd>California, SF east bay</dd></dl></div>\
            <dl id='profile'><dt><img src='a.png'><a href='/u/bob'>bob</a></dt><dd>Posts: 12</dd></dl>\
            <dl id='glossary'><dt>Quorum</dt><dd>The least number of members who must be present for the meeting to decide anything.</dd></dl>\
            <p>The text of the post, which says at some length what the poster thinks.</p>\
            </main></body>";
        let thread = Pass {
            keep_thread: true,
            ..LADDER[3]
        };
        assert!(removed_on(html, "joined", thread));
        assert!(removed_on(html, "pairs", thread));
        assert!(!removed_on(html, "profile", thread));
        assert!(!removed_on(html, "glossary", thread));
        assert!(!removed_on(html, "joined", LADDER[3]));
    }

    #[test]
    fn streamed_segments_are_shown_however_small() {
        let html = "<body><main><h1>Title</h1><p>Intro paragraph of the page, long enough to matter here.</p>\
            <template id='B:0'></template></main>\
            <div hidden id='S:0'><p>The part of the page that waited on data, sent at the end.</p></div>\
            <div hidden id='S:x'><p>Some other hidden box that is not a segment of the render.</p></div>\
            </body>";
        assert!(!removed_on(html, "S:0", LADDER[0]));
        assert!(removed_on(html, "S:x", LADDER[0]));
    }

    #[test]
    fn most_of_the_page_hidden_by_its_style_until_a_script_shows_it_stays() {
        let grid = "<ul><li><h3>Dark roast</h3><p>A strong coffee for early mornings, ground fine.</p></li>\
            <li><h3>Light roast</h3><p>A mild coffee with notes of citrus and honey, whole bean.</p></li>\
            <li><h3>Decaf</h3><p>All the taste of the house blend without the caffeine in it.</p></li></ul>";
        let page = |style: &str, inner: &str| {
            format!(
                "<body><header><p>Free shipping on orders over $40</p></header>\
                 <div id='content' style='{style}'>{inner}</div></body>"
            )
        };
        assert!(!removed_on(
            &page("display: none;", grid),
            "content",
            LADDER[0]
        ));
        // Hidden so that it keeps its place: meant to stay hidden.
        assert!(removed_on(
            &page("visibility:hidden", grid),
            "content",
            LADDER[0]
        ));
        // A hidden drawer of links is a menu, however long.
        let menu = "<ul><li><a href='/a'>Dark roast coffee beans</a></li><li><a href='/b'>Light roast coffee beans</a></li>\
            <li><a href='/c'>Decaf coffee beans and pods</a></li><li><a href='/d'>Gift cards for coffee lovers</a></li></ul>";
        assert!(removed_on(
            &page("display:none", menu),
            "content",
            LADDER[0]
        ));
    }

    #[test]
    fn hidden_panels_stay_hidden_on_an_article() {
        assert!(!LADDER.iter().any(|p| p.open_panels));
        assert!(removed_on(TABS, "yearly", LADDER[0]));
        assert!(removed_on(TABS, "faq", LADDER[3]));
    }
}
