//! Scoring: which container holds the article.
//!
//! The algorithm is Readability's, reshaped for a flat tree:
//! 1. [`stats`](super::stats::stats) sums, bottom-up, the text of every element that the current
//!    cleaning pass keeps: length, link text, commas, paragraphs, list items,
//!    images, form controls, heading text.
//! 2. Every *paragraph unit* (a `p`, `pre`, `td`, `li`, a block with only
//!    inline content, or the loose inline text of a block that also has block
//!    children, such as `<br><br>`-separated text) of at least
//!    [`MIN_UNIT_LEN`] characters scores `1 + commas + min(len / 100, 3)`,
//!    scaled down by its own link density. The score goes to the unit's
//!    container in full, half to the next ancestor, and `1 / (3·level)` to
//!    the three after that.
//! 3. Each scored container starts from a tag prior (`div` +5, lists −3,
//!    headings −5 …) plus the class/id weight (±25 each) and a bonus for
//!    semantic markup (`article`, `main`, `itemprop=articleBody`); its total
//!    is then multiplied by `1 − link density`.
//! 4. [`select`] takes the best container, moves up to a common ancestor when
//!    several near-best candidates share one, or when the parent scores
//!    better, and past wrappers with a single child, and finally adds siblings that score close to it or are clean
//!    prose paragraphs (a `<p>`, or a bare block of one long sentence-ending
//!    paragraph, such as a lede in `<div class="summary">`).
//!
//! Lengths count CJK characters three times (see [`crate::extract::text::measure`]), so
//! the same thresholds work for Chinese and Japanese text.

use super::dom::{Data, Doc, Flag, Ix, NONE, Tag, attr};
use super::ladder::Pass;
use super::rules::Hit;
use super::stats::{Stats, link_density};
use super::switch::{self, Rule};
use std::collections::HashMap;

/// Shortest paragraph unit that scores.
pub const MIN_UNIT_LEN: u32 = 25;
/// Ancestors that receive a unit's score.
const SCORE_ANCESTORS: usize = 5;
/// Candidates compared when looking for a shared ancestor.
const TOP_CANDIDATES: usize = 5;
/// How many near-best candidates must share an ancestor to move up to it.
const MIN_SHARED_CANDIDATES: usize = 3;
/// How far the body's own score must exceed the best element's for the
/// body to be the article.
const BODY_WINS_RATIO: f32 = 1.5;
/// Text a same-class sibling needs to join the article unscored.
const SAME_CLASS_MIN_LEN: u32 = 200;
/// Text a block with no paragraph tag needs to join the article as one
/// (a lede set in a bare `<div>`): shorter ones are as often notes and
/// promotions ("This post may contain affiliate links.").
const UNTAGGED_PARAGRAPH_MIN_LEN: u32 = 150;
/// Bonus for semantic article markup.
const SEMANTIC_BONUS: f32 = 15.0;

fn tag_prior(name: &str) -> f32 {
    match name {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

/// Elements a paragraph unit is: its own score goes to its parent.
fn is_unit_tag(name: &str) -> bool {
    matches!(
        name,
        "p" | "pre" | "td" | "li" | "dd" | "blockquote" | "h2" | "h3" | "h4" | "h5" | "h6"
    )
}

/// Containers and their scores, after link-density scaling.
pub fn score(doc: &Doc<'_>, st: &[Stats], removed: &[bool], pass: Pass) -> Vec<(Ix, f32)> {
    let n = doc.nodes.len();
    let mut scores: Vec<f32> = vec![f32::NAN; n];
    let mut touched: Vec<Ix> = Vec::new();
    let class_weights = switch::on(Rule::ClassWeights);
    let semantic_bonus = switch::on(Rule::SemanticBonus);
    let mut add = |doc: &Doc<'_>, scores: &mut Vec<f32>, i: Ix, v: f32| {
        let k = i as usize;
        if scores[k].is_nan() {
            let e = match doc.elem(i) {
                Some(e) => e,
                None => return,
            };
            let mut init = tag_prior(e.name);
            if pass.weight_classes {
                if class_weights {
                    init += e.weight as f32;
                }
                if semantic_bonus && e.flags.intersects(Flag::ARTICLE) {
                    init += SEMANTIC_BONUS;
                }
            }
            scores[k] = init;
            touched.push(i);
        }
        scores[k] += v;
    };
    for i in 0..n {
        if removed[i] {
            continue;
        }
        let Data::Elem(e) = &doc.nodes[i].data else {
            continue;
        };
        let s = &st[i];
        if !e.tag.intersects(Tag::BLOCK) || e.name == "body" || e.name == "html" {
            continue;
        }
        // The unit's own text and which element collects it first.
        let (len, commas, link, first) = if is_unit_tag(e.name) || !s.has_block {
            (s.len, s.commas, s.link_len, doc.nodes[i].parent)
        } else if s.inline_len >= MIN_UNIT_LEN {
            (s.inline_len, s.inline_commas, s.inline_link_len, i as Ix)
        } else {
            continue;
        };
        if len < MIN_UNIT_LEN || first == NONE {
            continue;
        }
        let ld = if len == 0 {
            0.0
        } else {
            link as f32 / len as f32
        };
        let mut unit = 1.0 + commas as f32 + (len as f32 / 100.0).min(3.0);
        // Paragraphs split by <br><br> count as several.
        if first == i as Ix && s.inline_br >= 2 {
            unit += (s.inline_br as f32 / 2.0).min(10.0);
        }
        unit *= 1.0 - ld;
        let mut anc = first;
        for level in 0..SCORE_ANCESTORS {
            if anc == NONE {
                break;
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                l => l as f32 * 3.0,
            };
            add(doc, &mut scores, anc, unit / divider);
            anc = doc.nodes[anc as usize].parent;
        }
    }
    touched
        .into_iter()
        .map(|i| {
            (
                i,
                scores[i as usize] * (1.0 - link_density(&st[i as usize])),
            )
        })
        .collect()
}

/// Pick the article's containers: the best candidate and its worthy siblings.
///
/// The body, when its own score dwarfs every element's; else the best
/// candidate, moved up to the ancestor that several near-best candidates
/// share ([`shared_ancestor`]), to a parent that scores better
/// ([`better_parent`]) and past wrappers with one child
/// ([`above_only_children`]); then the siblings that join it
/// ([`with_siblings`]).
pub fn select(
    doc: &Doc<'_>,
    st: &[Stats],
    removed: &[bool],
    candidates: &[(Ix, f32)],
    pass: Pass,
) -> Vec<Ix> {
    let body = doc.body;
    let ranked = rank(doc, candidates);
    let Some(&(first, first_score)) = ranked.first() else {
        return vec![body];
    };
    if switch::on(Rule::BodyWins) && body_wins(candidates, body, first_score) {
        return vec![body];
    }
    let scores: HashMap<Ix, f32> = candidates.iter().copied().collect();
    let top = if switch::on(Rule::SharedAncestor) {
        shared_ancestor(doc, &ranked).unwrap_or(first)
    } else {
        first
    };
    let top = if switch::on(Rule::BetterParent) {
        better_parent(doc, &scores, top, first_score)
    } else {
        top
    };
    let inner = top;
    let top = above_only_children(doc, removed, top);
    if doc.nodes[top as usize].parent == NONE {
        return vec![top];
    }
    let top_score = scores.get(&top).copied().unwrap_or(first_score);
    // A container that wraps the chosen one alone is judged by it, and so
    // are its siblings by what they wrap alone.
    let climbed = top != inner && switch::on(Rule::SiblingChains);
    let mut roots = with_siblings(doc, st, removed, &scores, top, top_score, climbed);
    // Only once furniture named by a class part is out: before that, a
    // comment or a teaser can be built like the story's sections.
    if pass.strip_boilerplate_parts && switch::on(Rule::CousinSections) {
        if let Some(mut cousins) = cousin_sections(doc, st, removed, top) {
            cousins.retain(|&c| !roots.iter().any(|&r| r == c || is_ancestor(doc, r, c)));
            roots.retain(|&r| !cousins.iter().any(|&c| is_ancestor(doc, c, r)));
            roots.extend(cousins);
            roots.sort_unstable();
        }
    }
    roots
}

/// How far up from the chosen container its builder class is looked for,
/// and how far above that its cousins are.
const COUSIN_LEVELS: usize = 3;
/// Cousins that make an article of sections: one alone is as often a
/// teaser, a summary box or a promotion built like the story.
const COUSIN_MIN_COUNT: usize = 2;
/// Words at the start of two sections that, alike, make them copies.
const COUSIN_LEAD_WORDS: usize = 12;

/// An article cut into sections that are each wrapped alone (a builder's
/// rich-text block per section, between image and heading blocks): the
/// chosen container, or one of its nearest ancestors with a class (the
/// *holder*), has cousins of the same tag and class that hold prose, under
/// one of the holder's nearest ancestors. Builders that number their blocks
/// (`pb-text pb-text-4`) give each cousin its own class: the numbered
/// tokens are set aside ([`same_builder_class`]). Returns the cousins, in
/// document order, each with its own opening words (a copy of the story
/// is not a section of it).
fn cousin_sections(doc: &Doc<'_>, st: &[Stats], removed: &[bool], top: Ix) -> Option<Vec<Ix>> {
    let class_of = |i: Ix| doc.elem(i).and_then(|e| attr(e.el, "class")).unwrap_or("");
    let ordinals = switch::on(Rule::CousinOrdinals);
    let mut holder = top;
    for _ in 0..=COUSIN_LEVELS {
        if holder == NONE || holder == doc.body {
            return None;
        }
        let class = class_of(holder);
        if !class.is_empty() {
            let unnumbered = ordinals.then(|| unnumbered_tokens(class));
            let name = doc.name(holder);
            let mut anc = doc.nodes[holder as usize].parent;
            for _ in 0..COUSIN_LEVELS {
                if anc == NONE || anc == doc.body {
                    break;
                }
                let found: Vec<Ix> = (anc + 1..doc.nodes[anc as usize].end)
                    .filter(|&c| {
                        // The cheap tests first: most nodes hold little text.
                        is_same_class_prose(&st[c as usize])
                            && !removed[c as usize]
                            && c != holder
                            && !is_ancestor(doc, holder, c)
                            && !is_ancestor(doc, c, holder)
                            && doc.elem(c).is_some()
                            && doc.name(c) == name
                            && same_builder_class(class_of(c), class, unnumbered.as_deref())
                            && !in_furniture(doc, anc, c)
                    })
                    .collect();
                // A second copy of the story (a print or mobile version)
                // is built like it too: one copy of each text.
                let lead = |i: Ix| doc.first_words(i, COUSIN_LEAD_WORDS);
                let mut seen = vec![lead(holder)];
                let found: Vec<Ix> = found
                    .into_iter()
                    .filter(|&c| {
                        let l = lead(c);
                        let fresh = !seen.contains(&l);
                        seen.push(l);
                        fresh
                    })
                    .collect();
                if found.len() >= COUSIN_MIN_COUNT {
                    return Some(found);
                }
                anc = doc.nodes[anc as usize].parent;
            }
        }
        holder = doc.nodes[holder as usize].parent;
    }
    None
}

/// Whether class attribute `a` names the same kind of block as `b`: equal,
/// or (given `b`'s [`unnumbered_tokens`]) equal once the tokens that number
/// a builder's blocks are set aside (`pb-text pb-text-4` and `pb-text
/// pb-text-8`, `row row-number-3`), when some token is left to compare.
fn same_builder_class(a: &str, b: &str, b_unnumbered: Option<&[&str]>) -> bool {
    a == b || b_unnumbered.is_some_and(|w| !w.is_empty() && unnumbered_tokens(a) == w)
}

/// The tokens of a class attribute that hold no digit, sorted, each once.
fn unnumbered_tokens(class: &str) -> Vec<&str> {
    let mut w: Vec<&str> = class
        .split_ascii_whitespace()
        .filter(|t| !t.bytes().any(|b| b.is_ascii_digit()))
        .collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// Whether an element between `anc` and `c` (both left out) is named as
/// furniture or as a discussion: a comment built like the story's body, a
/// teaser like its sections.
fn in_furniture(doc: &Doc<'_>, anc: Ix, c: Ix) -> bool {
    let mut p = doc.nodes[c as usize].parent;
    while p != NONE && p != anc {
        if doc.elem(p).is_some_and(|e| {
            e.hits
                .intersects(Hit::THREAD | Hit::BOILER | Hit::BOILER_PART | Hit::NEG)
                || e.flags.intersects(Flag::COMMENT)
        }) {
            return true;
        }
        p = doc.nodes[p as usize].parent;
    }
    false
}

/// The candidates other than `<body>` and `<html>`, best first.
fn rank(doc: &Doc<'_>, candidates: &[(Ix, f32)]) -> Vec<(Ix, f32)> {
    let mut ranked: Vec<(Ix, f32)> = candidates
        .iter()
        .copied()
        .filter(|&(i, _)| i != doc.body && doc.name(i) != "html")
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked
}

/// Whether the body's own score exceeds the best element's
/// [`BODY_WINS_RATIO`] times: prose set straight into `<body>` (old
/// hand-written pages), and the body, already cleaned of furniture, is the
/// article.
fn body_wins(candidates: &[(Ix, f32)], body: Ix, best_score: f32) -> bool {
    let body_score = candidates
        .iter()
        .find(|c| c.0 == body)
        .map_or(f32::MIN, |c| c.1);
    body_score > best_score * BODY_WINS_RATIO
}

/// Several near-best candidates under one ancestor: the ancestor is the
/// article. The nearest ancestor of the best candidate (below the body)
/// that holds [`MIN_SHARED_CANDIDATES`] of the next best, those scoring at
/// least three quarters of the best.
fn shared_ancestor(doc: &Doc<'_>, ranked: &[(Ix, f32)]) -> Option<Ix> {
    let &(top, top_score) = ranked.first()?;
    let alternatives: Vec<Ix> = ranked
        .iter()
        .skip(1)
        .take(TOP_CANDIDATES - 1)
        .filter(|c| c.1 / top_score >= 0.75)
        .map(|c| c.0)
        .collect();
    if alternatives.len() < MIN_SHARED_CANDIDATES {
        return None;
    }
    let mut anc = doc.nodes[top as usize].parent;
    while anc != NONE && anc != doc.body {
        let shared = alternatives
            .iter()
            .filter(|&&a| is_ancestor(doc, anc, a))
            .count();
        if shared >= MIN_SHARED_CANDIDATES {
            return Some(anc);
        }
        anc = doc.nodes[anc as usize].parent;
    }
    None
}

/// A parent that scores better than the child holds more of the article:
/// up from `top` (below the body), skipping unscored ancestors and those
/// that score no more than the one before, the first ancestor that scores
/// more than the one before it. The climb ends at a score under a third of
/// `top`'s.
fn better_parent(doc: &Doc<'_>, scores: &HashMap<Ix, f32>, top: Ix, fallback: f32) -> Ix {
    let mut last = scores.get(&top).copied().unwrap_or(fallback);
    let threshold = last / 3.0;
    let mut parent = doc.nodes[top as usize].parent;
    while parent != NONE && parent != doc.body {
        let Some(&ps) = scores.get(&parent) else {
            parent = doc.nodes[parent as usize].parent;
            continue;
        };
        if ps < threshold {
            break;
        }
        if ps > last {
            return parent;
        }
        last = ps;
        parent = doc.nodes[parent as usize].parent;
    }
    top
}

/// An only child says nothing its parent does not: up from `top` while it
/// is its parent's one kept child (below the body).
fn above_only_children(doc: &Doc<'_>, removed: &[bool], mut top: Ix) -> Ix {
    loop {
        let p = doc.nodes[top as usize].parent;
        if p == NONE || p == doc.body {
            return top;
        }
        let kept_children = doc.children(p).filter(|&c| !removed[c as usize]).count();
        if kept_children != 1 {
            return top;
        }
        top = p;
    }
}

/// `top` and the kept siblings that join it, in document order: those that
/// score at least a fifth of `top` (and 10), with a bonus for sharing its
/// class; same-class prose ([`is_same_class_prose`]); and paragraphs
/// ([`is_prose_paragraph`]).
fn with_siblings(
    doc: &Doc<'_>,
    st: &[Stats],
    removed: &[bool],
    scores: &HashMap<Ix, f32>,
    top: Ix,
    top_score: f32,
    chains: bool,
) -> Vec<Ix> {
    let parent = doc.nodes[top as usize].parent;
    let top_name = doc.name(top);
    let judged = |c: Ix, own: Option<f32>| match chains && doc.name(c) == top_name {
        true => chain_score(doc, removed, scores, c).or(own),
        false => own,
    };
    let top_judged = judged(top, Some(top_score)).unwrap_or(top_score);
    let threshold = (top_judged * 0.2).max(10.0);
    let class_of = |i: Ix| doc.elem(i).and_then(|e| attr(e.el, "class")).unwrap_or("");
    let top_class = class_of(top);
    let (by_score, same_class, paragraphs) = (
        switch::on(Rule::SiblingScores),
        switch::on(Rule::SiblingSameClass),
        switch::on(Rule::SiblingParagraphs),
    );
    doc.children(parent)
        .filter(|&c| !removed[c as usize])
        .filter(|&c| {
            if c == top {
                return true;
            }
            let bonus = if same_class && !top_class.is_empty() && class_of(c) == top_class {
                top_score * 0.2
            } else {
                0.0
            };
            by_score && judged(c, scores.get(&c).copied()).is_some_and(|sc| sc + bonus >= threshold)
                || bonus > 0.0 && is_same_class_prose(&st[c as usize])
                || paragraphs && is_prose_paragraph(doc, &st[c as usize], c)
        })
        .collect()
}

/// The best score down `c`'s chain of wrappers: `c` and, while the
/// element reached has one kept child, that child. The chosen container
/// climbed such a chain ([`above_only_children`]), so its siblings are
/// judged down theirs: a section wraps its paragraphs as the chosen one did.
fn chain_score(
    doc: &Doc<'_>,
    removed: &[bool],
    scores: &HashMap<Ix, f32>,
    mut c: Ix,
) -> Option<f32> {
    let mut best = scores.get(&c).copied();
    loop {
        let mut kept = doc.children(c).filter(|&k| !removed[k as usize]);
        let (Some(only), None) = (kept.next(), kept.next()) else {
            return best;
        };
        if let Some(&s) = scores.get(&only) {
            best = Some(best.map_or(s, |b| b.max(s)));
        }
        c = only;
    }
}

/// A sibling built like the top candidate (same class) that holds prose is
/// the next part of the same article, scored or not.
fn is_same_class_prose(s: &Stats) -> bool {
    s.len >= SAME_CLASS_MIN_LEN && link_density(s) < 0.3
}

/// A paragraph, a quote, or a block that is one paragraph of text without
/// the tag ([`is_untagged_paragraph`]), that is long and nearly link-free,
/// or short, link-free and a sentence.
fn is_prose_paragraph(doc: &Doc<'_>, s: &Stats, c: Ix) -> bool {
    if !(doc.tag(c).intersects(Tag::P)
        || doc.name(c) == "blockquote"
        || switch::on(Rule::UntaggedParagraphs) && is_untagged_paragraph(doc, s, c))
    {
        return false;
    }
    let ld = link_density(s);
    if s.len > 80 && ld < 0.25 {
        true
    } else if s.len > 0 && s.len <= 80 && ld == 0.0 {
        let t = doc.text_of(c);
        t.ends_with('.') || t.contains(". ") || t.ends_with('。')
    } else {
        false
    }
}

/// A block that is one paragraph of text without the tag (`<div
/// class="summary">The lede…</div>`): inline text only, at least
/// [`UNTAGGED_PARAGRAPH_MIN_LEN`] long, ending as a sentence does.
fn is_untagged_paragraph(doc: &Doc<'_>, s: &Stats, c: Ix) -> bool {
    doc.tag(c).intersects(Tag::BLOCK)
        && !s.has_block
        && s.len >= UNTAGGED_PARAGRAPH_MIN_LEN
        && s.inline_len * 10 >= s.len * 9
        && doc
            .text_of(c)
            .trim_end()
            .ends_with(['.', '!', '?', '。', '"', '”', '»'])
}

/// Whether `a` is an ancestor of `d`.
pub fn is_ancestor(doc: &Doc<'_>, a: Ix, d: Ix) -> bool {
    a < d && d < doc.nodes[a as usize].end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_builder_classes_name_the_same_block() {
        let same = |a: &str, b: &str, ordinals: bool| {
            let unnumbered = ordinals.then(|| unnumbered_tokens(b));
            same_builder_class(a, b, unnumbered.as_deref())
        };
        assert!(same("pb-text pb-text-4", "pb-text pb-text-4", false));
        assert!(!same("pb-text pb-text-4", "pb-text pb-text-8", false));
        assert!(same(
            "pb-module pb-text pb-text-4",
            "pb-text pb-text-8 pb-module",
            true
        ));
        // Nothing left once the numbers go: hashed names say nothing.
        assert!(!same("css-1x2y", "css-9z8w", true));
        assert!(!same("pb-text pb-text-4", "pb-image pb-image-2", true));
    }

    /// A page whose sections are each wrapped alone in the same few
    /// unclassed blocks, one section longer than the rest.
    fn wrapped_sections_page() -> String {
        let section = |h: &str, paras: &[&str]| {
            let ps: String = paras.iter().map(|p| format!("<p>{p}</p>")).collect();
            format!("<section><div><div><div><h2>{h}</h2>{ps}</div></div></div></section>")
        };
        let para = |topic: &str| {
            format!(
                "The cost of {topic} depends on the size of the room, the materials you choose, \
                 and the labour rates where you live, so quotes from two or three local pros are \
                 worth the time; most homeowners spend a few thousand dollars on it, and some far more."
            )
        };
        let mut body = String::from(
            "<html><body><nav><a href=/>Home</a> <a href=/cost>Cost guides</a></nav><main>\
             <h1>How much does a renovation cost?</h1><section>",
        );
        let long = [
            para("the kitchen"),
            para("the cabinets"),
            para("the counters"),
        ];
        body.push_str(&section(
            "Kitchen",
            &long.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
        for topic in [
            "Bathroom floors",
            "Bedroom walls",
            "Basement damp",
            "Garage doors",
        ] {
            body.push_str(&section(topic, &[&para(&topic.to_lowercase())]));
        }
        body.push_str("</section></main><footer>All rights reserved</footer></body></html>");
        body
    }

    #[test]
    fn siblings_are_judged_down_their_wrappers_as_the_chosen_one_was() {
        let html = wrapped_sections_page();
        let text = |off: &[&str]| crate::extract::text_with_rules_off(html.as_bytes(), off);
        let on = text(&[]);
        for topic in [
            "the kitchen",
            "bathroom floors",
            "bedroom walls",
            "garage doors",
        ] {
            assert!(
                on.contains(&format!("The cost of {topic}")),
                "{topic}: {on}"
            );
        }
        assert!(!on.contains("All rights reserved"));
        // Judged by their own, thinly shared scores, the short sections stay out.
        let off = text(&["sibling_chains"]);
        assert!(!off.contains("The cost of bedroom walls"), "{off}");
    }
}
