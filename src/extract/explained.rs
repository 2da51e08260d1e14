//! The explanation of one extraction ([`crate::explain_extract`]): for
//! every part of the page the extractor set aside, the rule that removed it
//! ([`Reason`]), the containers it kept, the parts outside them it did not
//! choose (with the scorer's score when it had one), the page written back
//! with these marks for the preview ([`super::annotate`]), and
//! where each metadata field is found.
//!
//! It is built from the winning pass of the ladder as the extraction ran:
//! what it shows is what the extractor decided.

use crate::extract::annotate::{self, Mark};
use crate::extract::clean;
use crate::extract::dom::{Data, Doc, Ix, NONE};
use crate::extract::ladder::Pass;
use crate::extract::metadata::Sources;
use crate::extract::model::Article;
use crate::extract::selectors::Forced;
use crate::extract::stats::Stats;
use crate::extract::why::Reason;
use serde::Serialize;
use url::Url;

/// Text shown per part.
const SAMPLE_CHARS: usize = 100;

/// What one pass decided, node by node.
pub(crate) struct PassTrace {
    /// The rule that removed each element whose parent stayed.
    pub why: Vec<Option<Reason>>,
    /// The containers whose kept parts are the article.
    pub roots: Vec<Ix>,
    /// The scorer's candidates and their scores.
    pub scores: Vec<(Ix, f32)>,
}

/// A page read as a region (listings, forums) with `pass`: the cleaner's
/// decisions, with the whole body kept.
pub(crate) fn region_trace(doc: &Doc<'_>, raw: &[Stats], forced: &Forced, pass: Pass) -> PassTrace {
    let mut why = vec![None; doc.nodes.len()];
    let mut removed = clean::removed_why(doc, raw, pass, Some(&mut why));
    forced.apply(doc, &mut removed);
    forced.note(doc, &mut why);
    PassTrace {
        why,
        roots: vec![doc.body],
        scores: Vec::new(),
    }
}

/// Note `reason` on the block elements of the `dropped` blocks (each given
/// by the node it starts at) that hold none of the `kept` ones.
pub(crate) fn note_blocks(
    doc: &Doc<'_>,
    why: &mut [Option<Reason>],
    kept: &[Ix],
    dropped: &[(Ix, Reason)],
) {
    let mut kept = kept.to_vec();
    kept.sort_unstable();
    for &(s, reason) in dropped {
        let e = doc.block_of(s);
        if e == NONE || e == doc.body {
            continue;
        }
        let end = doc.nodes[e as usize].end;
        let first = kept.partition_point(|&k| k < e);
        if kept.get(first).is_some_and(|&k| k < end) {
            continue;
        }
        why[e as usize].get_or_insert(reason);
    }
}

/// Note `reason` on the elements `after` removes that `before` did not
/// (the topmost of each subtree).
pub(crate) fn note_new(
    doc: &Doc<'_>,
    before: &[bool],
    after: &[bool],
    why: &mut [Option<Reason>],
    reason: Reason,
) {
    for i in 0..after.len() {
        let p = doc.nodes[i].parent;
        if after[i] && !before[i] && (p == NONE || !after[p as usize]) {
            why[i] = Some(reason);
        }
    }
}

/// One part of the page and what the extractor did with it.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// `removed`, `kept` or `unchosen`.
    pub state: &'static str,
    /// Why (for removed and unchosen parts).
    pub reason: Option<String>,
    /// A CSS selector for it, as a `[[site]]` rule would name it.
    pub selector: String,
    /// The start of its text.
    pub text: String,
}

/// Where a metadata field's value is found.
#[derive(Debug, Clone, Serialize)]
pub struct FieldSource {
    /// The field (`title`, `author`, …).
    pub field: &'static str,
    /// Its value.
    pub value: String,
    /// Where it came from: `JSON-LD headline`, `meta og:title`, `<title>`,
    /// `URL`, `page text (byline)`, `cut from the title`, …
    pub source: String,
}

/// An extraction and why it came out as it did.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    /// The article, as [`crate::extract()`] gives it.
    #[serde(skip)]
    pub article: Article,
    /// The parts, in page order.
    pub parts: Vec<Part>,
    /// Where each metadata field is found.
    pub metadata_sources: Vec<FieldSource>,
    /// The page as HTML without scripts, the parts marked with `data-pith`
    /// attributes; `head_extra` goes at the start of its `<head>`.
    #[serde(skip)]
    annotated: String,
}

/// Marker written where [`Explained::annotated_html`] puts its head.
const HEAD_SLOT: &str = "<!--pith-head-->";

impl Explained {
    pub(crate) fn new(
        doc: &Doc<'_>,
        raw: &[Stats],
        trace: PassTrace,
        article: &Article,
        found: &Sources,
        url: Option<&Url>,
    ) -> Explained {
        let n = doc.nodes.len();
        let mut in_root = vec![false; n];
        let mut above_root = vec![false; n];
        for &r in &trace.roots {
            let end = doc.nodes[r as usize].end as usize;
            in_root[r as usize..end].fill(true);
            let mut p = doc.nodes[r as usize].parent;
            while p != NONE {
                above_root[p as usize] = true;
                p = doc.nodes[p as usize].parent;
            }
        }
        let score: std::collections::HashMap<Ix, f32> = trace.scores.iter().copied().collect();
        let mut marks: Vec<Option<Mark>> = vec![None; n];
        let mut parts = Vec::new();
        let mut i = 0usize;
        while i < n {
            let node = &doc.nodes[i];
            let Data::Elem(_) = node.data else {
                i += 1;
                continue;
            };
            let parent_outside = node.parent == NONE || above_root[node.parent as usize];
            let mark = if let Some(reason) = trace.why[i] {
                // Images, scripts and form controls are never text: not worth a label.
                (reason != Reason::NotText).then(|| Mark {
                    state: "removed",
                    reason: Some(reason.label().to_string()),
                })
            } else if trace.roots.contains(&(i as Ix)) {
                Some(Mark {
                    state: "kept",
                    reason: None,
                })
            } else if !in_root[i] && !above_root[i] && parent_outside && raw[i].len > 0 {
                let reason = match score.get(&(i as Ix)) {
                    Some(s) => format!("{} (score {s:.1})", Reason::NotChosen.label()),
                    None => Reason::NotChosen.label().to_string(),
                };
                Some(Mark {
                    state: "unchosen",
                    reason: Some(reason),
                })
            } else {
                None
            };
            if let Some(m) = &mark {
                let text: String = doc
                    .text_of(i as Ix)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(SAMPLE_CHARS)
                    .collect();
                parts.push(Part {
                    state: m.state,
                    reason: m.reason.clone(),
                    selector: annotate::selector(doc, i as Ix),
                    text,
                });
            }
            // Below a removed or unchosen part, nothing more is decided.
            let skip = mark.as_ref().is_some_and(|m| m.state != "kept") || trace.why[i].is_some();
            marks[i] = mark;
            i = if skip { node.end as usize } else { i + 1 };
        }
        Explained {
            article: article.clone(),
            parts,
            metadata_sources: sources(article, found),
            annotated: annotate::annotated(doc, &marks, HEAD_SLOT, url),
        }
    }

    /// The page as HTML, scripts stripped, parts marked; `head` is written
    /// at the start of its `<head>` (a CSP, styles).
    pub fn annotated_html(&self, head: &str) -> String {
        self.annotated.replacen(HEAD_SLOT, head, 1)
    }

    /// The parts as lines of text: state, reason, selector, text.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            out.push_str(&format!(
                "{:<8} {:<34} {}  \"{}\"\n",
                p.state,
                p.reason.as_deref().unwrap_or("-"),
                p.selector,
                p.text
            ));
        }
        for s in &self.metadata_sources {
            out.push_str(&format!("{:<8} {:<34} {}\n", "meta", s.field, s.source));
        }
        out
    }
}

/// Where each metadata field's value came from, as the reader found it.
fn sources(article: &Article, found: &Sources) -> Vec<FieldSource> {
    let m = &article.metadata;
    [
        ("title", &m.title, found.title),
        ("author", &m.author, found.author),
        ("date", &m.date, found.date),
        ("sitename", &m.sitename, found.sitename),
        ("description", &m.description, found.description),
        ("lang", &m.lang, found.lang),
        ("image", &m.image, found.image),
    ]
    .into_iter()
    .filter_map(|(field, value, source)| {
        Some(FieldSource {
            field,
            value: value.clone()?,
            source: source?.to_string(),
        })
    })
    .collect()
}
