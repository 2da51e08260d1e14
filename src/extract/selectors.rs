//! Selectors given by the caller (`selectors.keep`, `selectors.drop`, per
//! site in `[[site]]` tables): CSS, matched with scraper on the parsed page,
//! and turned into forced decisions on the flattened [`Doc`] before scoring.
//!
//! A dropped element is out of the article with its subtree, whatever the
//! scorer would think of it. A kept element is never removed by the cleaner
//! or the pruner, and when it lies outside the containers the scorer chose it
//! is added to them, in document order.

use crate::extract::dom::{Doc, Ix};
use crate::extract::error::ExtractError;
use crate::extract::why::Reason;
use scraper::{Html, Selector};
use std::collections::HashMap;

/// CSS selectors that force parts of a page in or out of the article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectors {
    /// Elements kept whatever the cleaner thinks of them.
    pub keep: Vec<String>,
    /// Elements removed before scoring.
    pub drop: Vec<String>,
}

impl Selectors {
    /// No selector at all.
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty() && self.drop.is_empty()
    }

    /// Refuse a selector CSS cannot parse, naming it.
    pub fn validate(&self) -> Result<(), ExtractError> {
        for s in self.keep.iter().chain(&self.drop) {
            parse(s)?;
        }
        Ok(())
    }
}

fn parse(s: &str) -> Result<Selector, ExtractError> {
    Selector::parse(s).map_err(|e| ExtractError::BadSelector(format!("{s:?}: {e}")))
}

/// The elements matched, as indexes of the [`Doc`], in document order.
#[derive(Debug, Default)]
pub struct Forced {
    /// Matched by a `keep` selector.
    pub keep: Vec<Ix>,
    /// Matched by a `drop` selector.
    pub drop: Vec<Ix>,
}

impl Forced {
    /// Match `selectors` on `html` (which `doc` flattens).
    pub fn find(html: &Html, doc: &Doc<'_>, selectors: &Selectors) -> Result<Forced, ExtractError> {
        if selectors.is_empty() {
            return Ok(Forced::default());
        }
        let by_ptr: HashMap<*const scraper::node::Element, Ix> = doc
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.elem().map(|e| (e.el as *const _, i as Ix)))
            .collect();
        let matched = |list: &[String]| -> Result<Vec<Ix>, ExtractError> {
            let mut out = Vec::new();
            for s in list {
                let sel = parse(s)?;
                out.extend(
                    html.select(&sel)
                        .filter_map(|e| by_ptr.get(&(e.value() as *const _)).copied()),
                );
            }
            out.sort_unstable();
            out.dedup();
            Ok(out)
        };
        Ok(Forced {
            keep: matched(&selectors.keep)?,
            drop: matched(&selectors.drop)?,
        })
    }

    /// Whether nothing was matched.
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty() && self.drop.is_empty()
    }

    /// Mark the dropped subtrees removed and the kept ones not (a drop
    /// inside a kept element still holds).
    pub fn apply(&self, doc: &Doc<'_>, removed: &mut [bool]) {
        for &k in &self.keep {
            let end = doc.nodes[k as usize].end as usize;
            removed[k as usize..end].fill(false);
        }
        for &d in &self.drop {
            let end = doc.nodes[d as usize].end as usize;
            removed[d as usize..end].fill(true);
        }
    }

    /// Note the forced decisions in an explanation: a dropped element's
    /// reason is its selector; nothing under a kept element is removed.
    pub fn note(&self, doc: &Doc<'_>, why: &mut [Option<Reason>]) {
        for &k in &self.keep {
            let end = doc.nodes[k as usize].end as usize;
            why[k as usize..end].fill(None);
        }
        for &d in &self.drop {
            let end = doc.nodes[d as usize].end as usize;
            why[d as usize..end].fill(None);
            why[d as usize] = Some(Reason::DropSelector);
        }
    }

    /// Add the kept elements that no root holds to `roots`, in document order.
    pub fn add_roots(&self, doc: &Doc<'_>, roots: &mut Vec<Ix>) {
        let inside = |roots: &[Ix], k: Ix| {
            roots
                .iter()
                .any(|&r| r <= k && k < doc.nodes[r as usize].end)
        };
        let mut added = false;
        for &k in &self.keep {
            if !inside(roots, k) {
                roots.push(k);
                added = true;
            }
        }
        if added {
            roots.sort_unstable();
            // A root inside another root would render twice.
            let all = roots.clone();
            roots.retain(|&r| {
                !all.iter()
                    .any(|&o| o != r && o < r && r < doc.nodes[o as usize].end)
            });
        }
    }
}
