//! A developer's view of one extraction: for each pass of the fallback
//! ladder, the chosen containers, the top candidates and their scores, and,
//! for a snippet of text, which element removed it. Used by the `explain`
//! example; not part of the public API.

use crate::extract::dom::{Data, Doc, Ix, NONE, attr};
use crate::extract::ladder::LADDER;
use crate::extract::{ExtractOptions, clean, decode, extract, prescan, score, stats};
use std::fmt::Write;

/// Candidates listed per pass.
const SHOWN_CANDIDATES: usize = 5;

/// A report of how the extractor sees `bytes`, as text.
pub fn explain(bytes: &[u8], url: Option<&str>, snippet: Option<&str>) -> String {
    super::switch::set(super::switch::RuleSet::EMPTY);
    let mut out = String::new();
    let decoded = match decode::decode(bytes, None, None) {
        Ok(d) => d,
        Err(e) => return format!("error: {e}\n"),
    };
    let _ = writeln!(out, "charset {} ({:?})", decoded.charset, decoded.source);
    let pre = prescan::prescan(&decoded.text);
    let html = super::parse(&pre.html, pre.elements + pre.texts);
    let doc = Doc::build(&html);
    let raw = stats::stats(&doc, None);
    for (k, pass) in LADDER.iter().enumerate() {
        let removed = clean::removed(&doc, &raw, *pass);
        let st = stats::stats(&doc, Some(&removed));
        let mut cands = score::score(&doc, &st, &removed, *pass);
        let roots = score::select(&doc, &st, &removed, &cands, *pass);
        cands.sort_by(|a, b| b.1.total_cmp(&a.1));
        let _ = writeln!(
            out,
            "pass {k}: roots {:?}",
            roots.iter().map(|&r| describe(&doc, r)).collect::<Vec<_>>()
        );
        for (i, s) in cands.iter().take(SHOWN_CANDIDATES) {
            let _ = writeln!(
                out,
                "   cand {:>8.1} len {:>6} {}",
                s,
                st[*i as usize].len,
                describe(&doc, *i)
            );
        }
        if let Some(sn) = snippet {
            removal_chain(&doc, &removed, sn, &mut out);
        }
    }
    match extract(bytes, url, &ExtractOptions::default()) {
        Ok(a) => {
            let _ = write!(
                out,
                "{}\n---\n{}\n",
                serde_json::to_string_pretty(&a.metadata).unwrap_or_default(),
                a.text
            );
        }
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
        }
    }
    out
}

/// The ancestors of the first text node holding `snippet` that a pass removed.
fn removal_chain(doc: &Doc<'_>, removed: &[bool], snippet: &str, out: &mut String) {
    let hit = doc
        .nodes
        .iter()
        .position(|n| matches!(&n.data, Data::Text(t) if t.text.contains(snippet)));
    let Some(mut i) = hit.map(|h| h as Ix) else {
        let _ = writeln!(out, "   snippet not found in any text node");
        return;
    };
    while i != NONE {
        let parent = doc.nodes[i as usize].parent;
        if removed[i as usize] && (parent == NONE || !removed[parent as usize]) {
            let _ = writeln!(out, "   REMOVED at {}", describe(doc, i));
        }
        i = parent;
    }
}

fn describe(doc: &Doc<'_>, i: Ix) -> String {
    match doc.elem(i) {
        Some(e) => format!(
            "#{i} <{} class={:?} id={:?}> hits={:?} flags={:?}",
            e.name,
            attr(e.el, "class")
                .unwrap_or("")
                .chars()
                .take(50)
                .collect::<String>(),
            attr(e.el, "id").unwrap_or(""),
            e.hits,
            e.flags
        ),
        None => format!("#{i} text"),
    }
}
