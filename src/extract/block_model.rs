//! The block model: a learned judge of the blocks rendered from a page's
//! main region, that drops what the cleaner's rules let through and is not
//! content (a filter bar, a rating widget, a row of another product's card,
//! a forum's user badges).
//!
//! A region page (a thread, a product, a category page, a landing page)
//! keeps everything its cleaning pass leaves, so its precision is whatever
//! the rules' words for furniture miss. The model reads each block with
//! what the page says around it: its text (length, links, sentence end,
//! digits), its place among the blocks, and its place in the page (the tag
//! of its container, the link density, share of the page and repetition of
//! its three nearest containers, the furniture cues of the rules on its
//! ancestors, and the words of their `class` and `id`). It is trained by
//! `benches/train_blocks.py` on the benchmark pages only, and shipped as
//! `block_model.json`: a gradient-boosted ensemble ([`gbdt`]).
//!
//! [`gbdt`]: crate::extract::gbdt

use crate::extract::dom::{Doc, Flag, Ix, NONE, attr};
use crate::extract::gbdt::Ensemble;
use crate::extract::model::{Block, BlockKind, PageType};
use crate::extract::rules::Hit;
use crate::extract::stats::Stats;
use crate::extract::text::measure;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// How many of a block's containers count as near it (its own block
/// element, the parent, the grandparent); the rest, up to `<body>`, are far.
const NEAR_LEVELS: usize = 3;
/// Containers whose statistics are features, from the block's own.
const LEVELS: usize = 4;

macro_rules! numeric {
    ($($name:ident,)*) => {
        /// Indices of the numeric features, one per name in [`NUMERIC`].
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        #[repr(usize)]
        enum N { $($name,)* COUNT }

        /// Names of the numeric features, as the model file lists them.
        pub const NUMERIC: &[&str] = &[$(stringify!($name)),*];
    };
}

numeric! {
    len, words, linked, para, heading, item, pre, row, level, sentence_end,
    digits, upper, pos, cum, blocks, total, repeat, prev_linked, next_linked,
    prev_len, next_len, prev_same, next_same,
    pt_article, pt_forum, pt_product, pt_collection, pt_listing,
    pt_documentation, pt_service, thread, depth,
    tag_p, tag_div, tag_li, tag_cell, tag_heading, tag_dd, tag_other,
    ld0, ld1, ld2, ld3, share0, share1, share2, share3, rep0, rep1, rep2, rep3,
    ctl2, img2,
    near_nav, near_header, near_footer, near_aside, near_form, near_article,
    near_main, near_section, near_table, near_list,
    far_nav, far_header, far_footer, far_aside, far_form, far_article,
    far_main, far_section, far_table, far_list,
    near_neg, near_pos, near_unlikely, near_boiler, near_part, near_thread,
    near_comment, far_neg, far_pos, far_unlikely, far_boiler, far_part,
    far_thread, far_comment, in_article,
}

/// One block as the model sees it: its text (to label it when training),
/// its numeric features, and the words of its containers' `class`/`id`.
#[derive(Debug, Clone, Serialize)]
pub struct BlockRow {
    /// The block's text.
    pub text: String,
    /// Values of the [`NUMERIC`] features, in order.
    pub values: Vec<f32>,
    /// Class/id words of the near containers.
    pub near: Vec<String>,
    /// Class/id words of the far containers.
    pub far: Vec<String>,
}

/// Where a model feature comes from.
#[derive(Debug)]
enum Column {
    Numeric(usize),
    Near(usize),
    Far(usize),
}

/// The model file's fields beside the ensemble (read apart: a flattened
/// struct would make serde buffer the whole file).
#[derive(Debug, Deserialize)]
struct Header {
    page_types: Vec<String>,
    thresholds: Vec<f64>,
}

#[derive(Debug)]
struct ModelFile {
    /// The page types (as [`PageType::as_str`]) the model judges.
    page_types: Vec<String>,
    /// For each of them, the probability of being content a block needs to
    /// be kept.
    thresholds: Vec<f64>,
    trees: Ensemble,
}

#[derive(Debug)]
struct Model {
    file: ModelFile,
    columns: Vec<Column>,
    /// The class/id words the model reads, each with its index.
    words: HashMap<String, usize>,
    types: Vec<PageType>,
}

const MODEL_JSON: &str = include_str!("block_model.json");

static MODEL: LazyLock<Model> = LazyLock::new(|| Model::parse(MODEL_JSON));

impl Model {
    fn parse(json: &str) -> Model {
        let header: Header = serde_json::from_str(json).expect("the block model is valid");
        let trees: Ensemble = serde_json::from_str(json).expect("the block model is valid");
        let file = ModelFile {
            page_types: header.page_types,
            thresholds: header.thresholds,
            trees,
        };
        file.trees.check("the block model");
        let mut words = HashMap::new();
        let columns = file
            .trees
            .features
            .iter()
            .map(|name| {
                if let Some(k) = NUMERIC.iter().position(|n| n == name) {
                    return Column::Numeric(k);
                }
                let (side, word) = name
                    .split_once(':')
                    .unwrap_or_else(|| panic!("the block model uses an unknown feature {name}"));
                let n = words.len();
                let k = *words.entry(word.to_string()).or_insert(n);
                match side {
                    "near" => Column::Near(k),
                    "far" => Column::Far(k),
                    _ => panic!("the block model uses an unknown feature {name}"),
                }
            })
            .collect();
        assert_eq!(
            file.page_types.len(),
            file.thresholds.len(),
            "the block model has a threshold per page type"
        );
        let types = file
            .page_types
            .iter()
            .map(|t| PageType::from_name(t).unwrap_or_else(|| panic!("unknown page type {t}")))
            .collect();
        Model {
            file,
            columns,
            words,
            types,
        }
    }
}

/// The probability of being content a block of a page of this type needs
/// to be kept, when the model judges pages of this type.
pub(crate) fn threshold(page_type: PageType) -> Option<f64> {
    let k = MODEL.types.iter().position(|&t| t == page_type)?;
    Some(MODEL.file.thresholds[k])
}

/// The blocks of one page, and what the model reads them with.
pub(crate) struct PageBlocks<'d, 'a> {
    pub doc: &'d Doc<'a>,
    /// Statistics of the uncleaned page.
    pub raw: &'d [Stats],
    pub blocks: &'d [Block],
    /// For each block, the node it starts at.
    pub sources: &'d [Ix],
    pub page_type: PageType,
    /// Whether the page was read as a thread.
    pub thread: bool,
}

/// Fewest blocks a page must have for the model to judge it. The model
/// learned from whole pages (about 120 blocks on average); a page of a few
/// lines (a directory listing, a stub) is outside what it saw, and its
/// page type is the least sure too.
pub(crate) const MIN_BLOCKS: usize = 8;

/// Which of the blocks the model keeps, given the probability of being
/// content a block needs.
pub(crate) fn keep(page: &PageBlocks<'_, '_>, threshold: f64) -> Vec<bool> {
    let model = &*MODEL;
    let ctx = Context::new(page);
    let nwords = model.words.len();
    let mut near = vec![false; nwords];
    let mut far = vec![false; nwords];
    let mut x = vec![0f32; model.columns.len()];
    let mut buf = String::new();
    (0..page.blocks.len())
        .map(|j| {
            let values = ctx.values(j);
            near.iter_mut().for_each(|v| *v = false);
            far.iter_mut().for_each(|v| *v = false);
            ctx.words(j, &mut buf, |is_near, w| {
                if let Some(&k) = model.words.get(w) {
                    if is_near {
                        near[k] = true;
                    } else {
                        far[k] = true;
                    }
                }
            });
            for (v, c) in x.iter_mut().zip(&model.columns) {
                *v = match *c {
                    Column::Numeric(k) => values[k],
                    Column::Near(k) => f32::from(u8::from(near[k])),
                    Column::Far(k) => f32::from(u8::from(far[k])),
                };
            }
            model.file.trees.probability(&x) >= threshold
        })
        .collect()
}

/// The rows of the blocks, for the trainer.
pub(crate) fn rows(page: &PageBlocks<'_, '_>) -> Vec<BlockRow> {
    let ctx = Context::new(page);
    let mut buf = String::new();
    (0..page.blocks.len())
        .map(|j| {
            let (mut near, mut far) = (Vec::new(), Vec::new());
            ctx.words(j, &mut buf, |is_near, w| {
                let side = if is_near { &mut near } else { &mut far };
                if !side.iter().any(|s: &String| s == w) {
                    side.push(w.to_string());
                }
            });
            BlockRow {
                text: page.blocks[j].text.clone(),
                values: ctx.values(j).to_vec(),
                near,
                far,
            }
        })
        .collect()
}

/// What the features of one page's blocks are computed from.
struct Context<'d, 'a> {
    doc: &'d Doc<'a>,
    raw: &'d [Stats],
    blocks: &'d [Block],
    /// For each block, its containers from its own block element up to
    /// (not including) `<body>`.
    chains: Vec<Vec<Ix>>,
    /// Per block, its share of the text before it.
    cum: Vec<f32>,
    total: f32,
    counts: HashMap<&'d str, u32>,
    page_type: PageType,
    thread: bool,
    body_len: f32,
}

impl<'d, 'a> Context<'d, 'a> {
    fn new(page: &PageBlocks<'d, 'a>) -> Self {
        let PageBlocks {
            doc,
            raw,
            blocks,
            sources,
            page_type,
            thread,
        } = *page;
        let chains = sources.iter().map(|&s| chain(doc, s)).collect();
        let lens: Vec<f32> = blocks.iter().map(|b| measure(&b.text).0 as f32).collect();
        let total: f32 = lens.iter().sum();
        let mut cum = Vec::with_capacity(lens.len());
        let mut acc = 0.0;
        for l in &lens {
            cum.push(if total > 0.0 { acc / total } else { 0.0 });
            acc += l;
        }
        let mut counts = HashMap::new();
        for b in blocks {
            *counts.entry(b.text.as_str()).or_default() += 1;
        }
        let body_len = raw.get(doc.body as usize).map_or(0, |s| s.len).max(1) as f32;
        Context {
            doc,
            raw,
            blocks,
            chains,
            cum,
            total,
            counts,
            page_type,
            thread,
            body_len,
        }
    }

    fn values(&self, j: usize) -> [f32; N::COUNT as usize] {
        let mut v = [0f32; N::COUNT as usize];
        let mut set = |n: N, x: f32| v[n as usize] = x;
        let b = &self.blocks[j];
        let (len, _) = measure(&b.text);
        let words = b.text.split_whitespace().count();
        set(N::len, (1.0 + len as f32).ln());
        set(N::words, (1.0 + words as f32).ln());
        set(N::linked, flag(b.linked));
        match b.kind {
            BlockKind::Para => set(N::para, 1.0),
            BlockKind::Heading(l) => {
                set(N::heading, 1.0);
                set(N::level, f32::from(l));
            }
            BlockKind::Item { .. } => set(N::item, 1.0),
            BlockKind::Pre => set(N::pre, 1.0),
            BlockKind::Row { .. } => set(N::row, 1.0),
            BlockKind::Caption => {}
        }
        let t = b.text.trim_end();
        set(
            N::sentence_end,
            flag(t.ends_with(['.', '!', '?', '。', '！', '？', '"', '”'])),
        );
        let chars = b.text.chars().filter(|c| !c.is_whitespace()).count().max(1) as f32;
        let digits = b.text.chars().filter(char::is_ascii_digit).count() as f32;
        let letters = b.text.chars().filter(|c| c.is_alphabetic()).count().max(1) as f32;
        let upper = b.text.chars().filter(|c| c.is_uppercase()).count() as f32;
        set(N::digits, digits / chars);
        set(N::upper, upper / letters);
        let n = self.blocks.len();
        set(N::pos, j as f32 / n as f32);
        set(N::cum, self.cum[j]);
        set(N::blocks, (1.0 + n as f32).ln());
        set(N::total, (1.0 + self.total).ln());
        let repeat = self.counts.get(b.text.as_str()).copied().unwrap_or(1);
        set(N::repeat, (repeat as f32).ln());
        let near_len = |k: usize| (1.0 + measure(&self.blocks[k].text).0 as f32).ln();
        let parent = |k: usize| self.chains[k].get(1).copied().unwrap_or(NONE);
        if j > 0 {
            set(N::prev_linked, flag(self.blocks[j - 1].linked));
            set(N::prev_len, near_len(j - 1));
            set(N::prev_same, flag(parent(j - 1) == parent(j)));
        }
        if j + 1 < n {
            set(N::next_linked, flag(self.blocks[j + 1].linked));
            set(N::next_len, near_len(j + 1));
            set(N::next_same, flag(parent(j + 1) == parent(j)));
        }
        let pt = match self.page_type {
            PageType::Article => N::pt_article,
            PageType::Forum => N::pt_forum,
            PageType::Product => N::pt_product,
            PageType::Collection => N::pt_collection,
            PageType::Listing => N::pt_listing,
            PageType::Documentation => N::pt_documentation,
            PageType::Service => N::pt_service,
        };
        set(pt, 1.0);
        set(N::thread, flag(self.thread));
        let chain = &self.chains[j];
        set(N::depth, (1.0 + chain.len() as f32).ln());
        let own = chain.first().copied().unwrap_or(NONE);
        let tag = match self.doc.name(own) {
            "p" => N::tag_p,
            "div" => N::tag_div,
            "li" => N::tag_li,
            "td" | "th" | "tr" => N::tag_cell,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => N::tag_heading,
            "dd" | "dt" => N::tag_dd,
            _ => N::tag_other,
        };
        set(tag, 1.0);
        const LD: [N; LEVELS] = [N::ld0, N::ld1, N::ld2, N::ld3];
        const SHARE: [N; LEVELS] = [N::share0, N::share1, N::share2, N::share3];
        const REP: [N; LEVELS] = [N::rep0, N::rep1, N::rep2, N::rep3];
        for (l, &e) in chain.iter().take(LEVELS).enumerate() {
            let s = &self.raw[e as usize];
            let ld = if s.len > 0 {
                s.link_len as f32 / s.len as f32
            } else {
                0.0
            };
            set(LD[l], ld);
            set(SHARE[l], s.len as f32 / self.body_len);
            set(REP[l], (1.0 + alike_siblings(self.doc, e) as f32).ln());
        }
        if let Some(&e) = chain.get(2) {
            let s = &self.raw[e as usize];
            set(N::ctl2, (1.0 + s.controls as f32).ln());
            set(N::img2, (1.0 + s.img as f32).ln());
        }
        const NEAR_TAGS: [N; 10] = [
            N::near_nav,
            N::near_header,
            N::near_footer,
            N::near_aside,
            N::near_form,
            N::near_article,
            N::near_main,
            N::near_section,
            N::near_table,
            N::near_list,
        ];
        const FAR_TAGS: [N; 10] = [
            N::far_nav,
            N::far_header,
            N::far_footer,
            N::far_aside,
            N::far_form,
            N::far_article,
            N::far_main,
            N::far_section,
            N::far_table,
            N::far_list,
        ];
        const NEAR_HITS: [N; 7] = [
            N::near_neg,
            N::near_pos,
            N::near_unlikely,
            N::near_boiler,
            N::near_part,
            N::near_thread,
            N::near_comment,
        ];
        const FAR_HITS: [N; 7] = [
            N::far_neg,
            N::far_pos,
            N::far_unlikely,
            N::far_boiler,
            N::far_part,
            N::far_thread,
            N::far_comment,
        ];
        for (l, &e) in chain.iter().enumerate() {
            let Some(el) = self.doc.elem(e) else { continue };
            let (tags, hits) = if l < NEAR_LEVELS {
                (&NEAR_TAGS, &NEAR_HITS)
            } else {
                (&FAR_TAGS, &FAR_HITS)
            };
            let t = match el.name {
                "nav" => Some(0),
                "header" => Some(1),
                "footer" => Some(2),
                "aside" => Some(3),
                "form" => Some(4),
                "article" => Some(5),
                "main" => Some(6),
                "section" => Some(7),
                "table" => Some(8),
                "ul" | "ol" | "dl" => Some(9),
                _ => None,
            };
            if let Some(t) = t {
                set(tags[t], 1.0);
            }
            for (k, hit) in [
                Hit::NEG,
                Hit::POS,
                Hit::UNLIKELY,
                Hit::BOILER,
                Hit::BOILER_PART,
                Hit::THREAD,
            ]
            .into_iter()
            .enumerate()
            {
                if el.hits.contains(hit) {
                    set(hits[k], 1.0);
                }
            }
            if el.flags.contains(Flag::COMMENT) {
                set(hits[6], 1.0);
            }
            if l == 0 && el.flags.intersects(Flag::IN_ARTICLE | Flag::ARTICLE) {
                set(N::in_article, 1.0);
            }
        }
        v
    }

    /// Call `f(near, word)` for each class/id word of block `j`'s
    /// containers (lower case, split at punctuation and camel case).
    fn words(&self, j: usize, buf: &mut String, mut f: impl FnMut(bool, &str)) {
        for (l, &e) in self.chains[j].iter().enumerate() {
            let Some(el) = self.doc.elem(e) else { continue };
            for name in ["class", "id"] {
                if let Some(v) = attr(el.el, name) {
                    split_words(v, buf, |w| f(l < NEAR_LEVELS, w));
                }
            }
        }
    }
}

fn flag(b: bool) -> f32 {
    f32::from(u8::from(b))
}

/// The containers of the node `source`: its nearest block element and
/// every element above it, up to (not including) `<body>`.
fn chain(doc: &Doc<'_>, source: Ix) -> Vec<Ix> {
    let mut out = Vec::new();
    let mut i = doc.block_of(source);
    while i != NONE && i != doc.body {
        out.push(i);
        i = doc.nodes[i as usize].parent;
    }
    out
}

/// Siblings of `e` with its tag and `class` value: the other cards of a
/// grid, the other posts of a thread.
fn alike_siblings(doc: &Doc<'_>, e: Ix) -> usize {
    let parent = doc.nodes[e as usize].parent;
    let Some(me) = doc.elem(e) else { return 0 };
    if parent == NONE {
        return 0;
    }
    let class = attr(me.el, "class");
    doc.children(parent)
        .filter(|&c| c != e)
        .filter(|&c| {
            doc.elem(c)
                .is_some_and(|o| o.name == me.name && attr(o.el, "class") == class)
        })
        .take(MAX_ALIKE)
        .count()
}

/// Siblings counted alike at most: enough to tell a grid from a pair.
const MAX_ALIKE: usize = 64;

/// Words of a class or id value: runs of letters and digits, split again
/// where lower case turns upper ("productTitle"), lower-cased; 3 to 24
/// bytes, not all digits.
fn split_words(value: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    let mut emit = |buf: &mut String| {
        if (3..=24).contains(&buf.len()) && !buf.bytes().all(|b| b.is_ascii_digit()) {
            f(buf);
        }
        buf.clear();
    };
    buf.clear();
    let mut prev_lower = false;
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                emit(buf);
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            buf.push(c.to_ascii_lowercase());
        } else {
            emit(buf);
            prev_lower = false;
        }
    }
    emit(buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_words_split_at_punctuation_and_case() {
        let mut buf = String::new();
        let mut out = Vec::new();
        split_words(
            "product-card__title productTitle js-x 2024 col-md-6",
            &mut buf,
            |w| out.push(w.to_string()),
        );
        assert_eq!(out, ["product", "card", "title", "product", "title", "col"]);
    }

    #[derive(Deserialize)]
    struct Fixture {
        values: Vec<f32>,
        near: Vec<String>,
        far: Vec<String>,
        probability: f64,
    }

    /// The trainer's probabilities for a few rows, computed from the JSON
    /// it wrote: the evaluation here agrees with it.
    #[test]
    fn the_model_gives_the_trainers_probabilities() {
        let rows: Vec<Fixture> =
            serde_json::from_str(include_str!("block_model_fixture.json")).unwrap();
        assert!(!rows.is_empty());
        for r in rows {
            let x: Vec<f32> = MODEL
                .columns
                .iter()
                .map(|c| match c {
                    Column::Numeric(k) => r.values[*k],
                    Column::Near(k) | Column::Far(k) => {
                        let side = if matches!(c, Column::Near(_)) {
                            &r.near
                        } else {
                            &r.far
                        };
                        let word = MODEL.words.iter().find(|(_, v)| *v == k).unwrap().0;
                        flag(side.contains(word))
                    }
                })
                .collect();
            let p = MODEL.file.trees.probability(&x);
            assert!(
                (p - r.probability).abs() < 1e-6,
                "{p} against {}",
                r.probability
            );
        }
    }

    #[test]
    fn the_model_reads_known_features() {
        assert!(!MODEL.columns.is_empty());
        assert!(MODEL.file.thresholds.iter().all(|&t| t > 0.0 && t < 1.0));
        assert_eq!(NUMERIC.len(), N::COUNT as usize);
    }
}
