//! A flat, read-only view of the parsed page that the later stages walk.
//!
//! `scraper` gives a linked tree; the cleaner and scorer want to visit every
//! node a few times, bottom-up and top-down, and to keep per-node numbers in
//! plain vectors. So the tree is flattened once, in document order, into a
//! `Vec` where a node's subtree is the index range `i + 1 .. end`. Children
//! come after parents, so a reverse loop is a bottom-up pass. Text and
//! attributes are borrowed from the `scraper::Html`, never copied.
//!
//! Everything the rules in [`crate::extract::rules`] say about an element from
//! its tag, class, id, role and visibility is worked out here, once.

use crate::extract::rules::{self, Hit};
use crate::extract::switch::{self, Rule};
use crate::extract::text::{measure, push_collapsed};
use aho_corasick::AhoCorasick;
use rustc_hash::FxHashMap;
use scraper::Html;
use scraper::node::{Element, Node as SNode};
use std::sync::{LazyLock, OnceLock};

/// Index of a node in [`Doc::nodes`].
pub type Ix = u32;
/// "No node" (the parent of the root).
pub const NONE: Ix = Ix::MAX;

bitflags::bitflags! {
    /// Facts about a tag name.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
    pub struct Tag: u16 {
        /// Breaks the flow of text.
        const BLOCK = 1;
        /// Dropped with its subtree, always.
        const SKIP = 1 << 1;
        /// Page furniture by tag (`nav`, `aside`, `footer`).
        const BOILER = 1 << 2;
        /// Usually furniture (`header`).
        const UNLIKELY = 1 << 3;
        /// `h1`–`h6`.
        const HEADING = 1 << 4;
        /// `a`.
        const LINK = 1 << 5;
        /// `br`.
        const BR = 1 << 6;
        /// `ul`, `ol`, `dl`.
        const LIST = 1 << 7;
        /// `li`, `dt`, `dd`.
        const ITEM = 1 << 8;
        /// `p`.
        const P = 1 << 9;
        /// `pre`.
        const PRE = 1 << 10;
        /// `table`.
        const TABLE = 1 << 11;
        /// `td`, `th`.
        const CELL = 1 << 12;
        /// `img`.
        const IMG = 1 << 13;
        /// `form`.
        const FORM = 1 << 14;
        /// Form controls: `input`, `textarea`, `select`, `button`.
        const CONTROL = 1 << 15;
    }
}

bitflags::bitflags! {
    /// Facts about one element beyond its tag.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
    pub struct Flag: u8 {
        /// Hidden: `hidden`, `aria-hidden="true"`, inline `display:none`, a hiding class.
        const HIDDEN = 1;
        /// A `role` that marks furniture.
        const ROLE_BOILER = 1 << 1;
        /// Marked as the article body (`itemprop=articleBody`, `role=main`, `<main>`, `<article>`).
        const ARTICLE = 1 << 2;
        /// Marked as reader comments by microdata (`itemprop=comment`, `schema.org/Comment`).
        const COMMENT = 1 << 3;
        /// Lies inside an `<article>` or `<main>`.
        const IN_ARTICLE = 1 << 4;
        /// A tag link (`<a rel="tag">`).
        const TAG_LINK = 1 << 5;
    }
}

/// A text node.
#[derive(Debug, Clone, Copy)]
pub struct TextNode<'a> {
    /// The raw text.
    pub text: &'a str,
    /// Length with whitespace runs counted once, CJK characters weighted
    /// ([`measure`]).
    pub len: u32,
    /// Commas (Latin, full-width, ideographic, Arabic).
    pub commas: u16,
}

/// An element node.
#[derive(Debug, Clone, Copy)]
pub struct ElemNode<'a> {
    /// Lower-case local name.
    pub name: &'a str,
    /// The element, for attribute lookups.
    pub el: &'a Element,
    /// [`Tag`] flags of the name.
    pub tag: Tag,
    /// [`Hit`] flags of its class and id (the rules in [`rules`]).
    pub hits: Hit,
    /// [`Flag`] flags.
    pub flags: Flag,
    /// Readability-style class weight (class and id each ±25).
    pub weight: i16,
}

/// One node of the flattened tree.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    /// An element.
    Elem(ElemNode<'a>),
    /// A text node.
    Text(TextNode<'a>),
}

/// A node and its place in the tree.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    /// The parent's index, or [`NONE`].
    pub parent: Ix,
    /// One past the last index of this node's subtree.
    pub end: Ix,
    /// What the node is.
    pub data: Data<'a>,
}

impl<'a> Node<'a> {
    /// The element, when this node is one.
    pub fn elem(&self) -> Option<&ElemNode<'a>> {
        match &self.data {
            Data::Elem(e) => Some(e),
            Data::Text(_) => None,
        }
    }
    /// Tag flags (empty for text).
    pub fn tag(&self) -> Tag {
        self.elem().map_or(Tag::empty(), |e| e.tag)
    }
}

/// The flattened page.
#[derive(Debug)]
pub struct Doc<'a> {
    /// All element and text nodes, in document order.
    pub nodes: Vec<Node<'a>>,
    /// Index of `<body>`, or of the root element when there is none.
    pub body: Ix,
    /// For [`Doc::table_shape`], built on first use: for each index, how
    /// many nodes before it are tables, prose, headers and rows.
    shape_counts: OnceLock<Vec<[u32; 4]>>,
}

impl<'a> Doc<'a> {
    /// Flatten a parsed document.
    pub fn build(html: &'a Html) -> Doc<'a> {
        let mut nodes: Vec<Node<'a>> = Vec::with_capacity(html.tree.nodes().len());
        let mut stack: Vec<Ix> = Vec::with_capacity(64);
        let mut body = NONE;
        // Pages repeat the same class values many times (list items, cards):
        // each distinct value goes through the rules once.
        let mut verdicts: FxHashMap<&'a str, Hit> =
            FxHashMap::with_capacity_and_hasher(256, Default::default());
        // A page uses a few dozen tag names: each is matched once.
        let mut tags: FxHashMap<&'a str, Tag> =
            FxHashMap::with_capacity_and_hasher(64, Default::default());
        // ego_tree's traverse yields Open/Close edges, so no recursion is needed
        // even for pathologically deep pages.
        for edge in html.tree.root().traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => match n.value() {
                    SNode::Element(el) => {
                        let parent = stack.last().copied().unwrap_or(NONE);
                        let inherited = if parent == NONE {
                            Flag::empty()
                        } else {
                            nodes[parent as usize].elem().map_or(Flag::empty(), |p| {
                                if p.flags.intersects(Flag::IN_ARTICLE | Flag::ARTICLE) {
                                    Flag::IN_ARTICLE
                                } else {
                                    Flag::empty()
                                }
                            })
                        };
                        let mut e = describe(el, &mut tags, &mut verdicts);
                        e.flags |= inherited;
                        if e.tag.intersects(Tag::HEADING) && switch::on(Rule::HeadingButtons) {
                            read_button_as_text(&mut nodes, parent);
                        }
                        if e.tag.intersects(Tag::LINK)
                            && is_heading_anchor(&nodes, &e, parent)
                            && switch::on(Rule::HeadingAnchors)
                        {
                            e.tag.remove(Tag::LINK);
                        }
                        if e.name == "body" && body == NONE {
                            body = nodes.len() as Ix;
                        }
                        stack.push(nodes.len() as Ix);
                        nodes.push(Node {
                            parent,
                            end: 0,
                            data: Data::Elem(e),
                        });
                    }
                    SNode::Text(t) => {
                        let parent = stack.last().copied().unwrap_or(NONE);
                        let text: &'a str = t;
                        let (len, commas) = measure(text);
                        let i = nodes.len() as Ix;
                        nodes.push(Node {
                            parent,
                            end: i + 1,
                            data: Data::Text(TextNode { text, len, commas }),
                        });
                    }
                    _ => {}
                },
                ego_tree::iter::Edge::Close(n) => {
                    if n.value().is_element() {
                        if let Some(i) = stack.pop() {
                            nodes[i as usize].end = nodes.len() as Ix;
                            skip_icon_button(&mut nodes, i);
                        }
                    }
                }
            }
        }
        if body == NONE && !nodes.is_empty() {
            body = 0;
        }
        Doc {
            nodes,
            body,
            shape_counts: OnceLock::new(),
        }
    }

    /// The element at `i`, if it is one.
    pub fn elem(&self, i: Ix) -> Option<&ElemNode<'a>> {
        self.nodes.get(i as usize).and_then(Node::elem)
    }

    /// Indices of the element children of `i`.
    pub fn children(&self, i: Ix) -> Children<'_, 'a> {
        let n = &self.nodes[i as usize];
        Children {
            doc: self,
            next: i + 1,
            end: n.end,
        }
    }

    /// The block element that holds node `i` (a text node or an inline
    /// element climbs to its nearest block ancestor); `<body>` or [`NONE`]
    /// when there is none below the body.
    pub fn block_of(&self, i: Ix) -> Ix {
        let mut i = i;
        while i != NONE && i != self.body && !self.tag(i).intersects(Tag::BLOCK) {
            i = self.nodes[i as usize].parent;
        }
        i
    }

    /// Tag flags of `i` (0 for text or out of range).
    pub fn tag(&self, i: Ix) -> Tag {
        self.nodes.get(i as usize).map_or(Tag::empty(), Node::tag)
    }

    /// The tag name of `i` ("" for text).
    pub fn name(&self, i: Ix) -> &'a str {
        self.elem(i).map_or("", |e| e.name)
    }

    /// All text below `i`, whitespace collapsed, blocks separated by a space.
    pub fn text_of(&self, i: Ix) -> String {
        let mut out = String::new();
        let end = self.nodes[i as usize].end;
        for n in &self.nodes[i as usize..end as usize] {
            if let Data::Text(t) = &n.data {
                push_collapsed(&mut out, t.text);
            } else if n.tag().intersects(Tag::BLOCK | Tag::BR) && !out.ends_with(' ') {
                out.push(' ');
            }
        }
        out.trim().to_string()
    }

    /// The first `n` words of [`text_of`](Self::text_of)`(i)`, joined by
    /// one space: the same words, read only as far as they reach.
    pub fn first_words(&self, i: Ix, n: usize) -> String {
        // `out` grows as in `text_of`; each space pushed after a word ends
        // that word, and once `n` have ended the rest cannot change them.
        let mut out = String::new();
        let mut ended = 0;
        let mut end_word = |out: &mut String| {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
                ended += 1;
            }
            ended >= n
        };
        let end = self.nodes[i as usize].end;
        'nodes: for node in &self.nodes[i as usize..end as usize] {
            if let Data::Text(t) = &node.data {
                let text = t.text;
                for (k, word) in text.split_whitespace().enumerate() {
                    if (k > 0 || text.starts_with(char::is_whitespace)) && end_word(&mut out) {
                        break 'nodes;
                    }
                    out.push_str(word);
                }
                if text.ends_with(char::is_whitespace) && end_word(&mut out) {
                    break;
                }
            } else if node.tag().intersects(Tag::BLOCK | Tag::BR) && end_word(&mut out) {
                break;
            }
        }
        out.split_whitespace().take(n).collect::<Vec<_>>().join(" ")
    }

    /// The [`TableShape`] of the table at `i`: every node below it counts,
    /// whether a cleaning pass removed it or not.
    pub fn table_shape(&self, i: Ix) -> TableShape {
        // Running counts over the whole page, so that nested tables cost
        // one scan, not one per table.
        let counts = self.shape_counts.get_or_init(|| {
            let mut acc = [0u32; 4];
            let mut counts = Vec::with_capacity(self.nodes.len() + 1);
            counts.push(acc);
            for (j, n) in self.nodes.iter().enumerate() {
                let j = j as Ix;
                let name = self.name(j);
                let t = n.tag();
                let found = [
                    t.intersects(Tag::TABLE),
                    t.intersects(Tag::P | Tag::LIST | Tag::HEADING | Tag::PRE)
                        || name == "div" && n.end - j > TABLE_LAYOUT_DIV_NODES
                        || matches!(&n.data, Data::Text(tx) if tx.len > TABLE_PROSE_TEXT_LEN),
                    matches!(name, "th" | "thead" | "caption"),
                    name == "tr",
                ];
                for (a, f) in acc.iter_mut().zip(found) {
                    *a += u32::from(f);
                }
                counts.push(acc);
            }
            counts
        });
        let (from, to) = (i as usize + 1, self.nodes[i as usize].end as usize);
        let within = |k: usize| counts[to.max(from)][k] - counts[from][k];
        TableShape {
            nested: within(0) > 0,
            prose: within(1) > 0,
            headers: within(2) > 0,
            rows: within(3),
        }
    }

    /// Text of the subtree of `i` without its hidden elements (avatar
    /// initials, screen-reader labels), collapsed.
    pub fn visible_text_of(&self, i: Ix) -> String {
        let mut out = String::new();
        let end = self.nodes[i as usize].end;
        let mut k = i as usize;
        while k < end as usize {
            let n = &self.nodes[k];
            match &n.data {
                Data::Text(t) => push_collapsed(&mut out, t.text),
                Data::Elem(e) if e.flags.intersects(Flag::HIDDEN) && k != i as usize => {
                    k = n.end as usize;
                    continue;
                }
                _ if n.tag().intersects(Tag::BLOCK | Tag::BR) && !out.ends_with(' ') => {
                    out.push(' ')
                }
                _ => {}
            }
            k += 1;
        }
        out.trim().to_string()
    }
}

/// A button with no text (an icon: a lightbox's "Enlarge", a carousel's
/// arrows, a tooltip's trigger) is no form control: it is skipped, so a
/// box of prose with such a button is not read as a form.
fn skip_icon_button(nodes: &mut [Node<'_>], i: Ix) {
    let (start, end) = (i as usize + 1, nodes[i as usize].end as usize);
    let is_button = matches!(&nodes[i as usize].data, Data::Elem(b)
        if b.name == "button" && b.tag.intersects(Tag::CONTROL));
    if !is_button
        || !switch::on(Rule::IconButtons)
        || nodes[start..end]
            .iter()
            .any(|n| matches!(&n.data, Data::Text(t) if t.len > 0))
    {
        return;
    }
    if let Data::Elem(b) = &mut nodes[i as usize].data {
        b.tag = Tag::SKIP;
    }
}

/// Whether link `e` (child or grandchild of a heading) points into the
/// page (`href="#section"`): the heading's own anchor, which a reader
/// copies to share the section, not a link to elsewhere.
fn is_heading_anchor(nodes: &[Node<'_>], e: &ElemNode<'_>, parent: Ix) -> bool {
    let mut at = parent;
    let mut in_heading = false;
    for _ in 0..2 {
        let Some(node) = nodes.get(at as usize) else {
            break;
        };
        if node.tag().intersects(Tag::HEADING) {
            in_heading = true;
            break;
        }
        at = node.parent;
    }
    // Most links are in no heading: their attributes are not read.
    in_heading && attr(e.el, "href").is_some_and(|h| h.trim_start().starts_with('#'))
}

/// A heading in a button (`<button><h5>question</h5></button>`, an FAQ's
/// question that opens its answer) makes the button the heading of a panel,
/// not a form control: it is read as text, like a disclosure button. The
/// button is the heading's parent or grandparent.
fn read_button_as_text(nodes: &mut [Node<'_>], parent: Ix) {
    let mut at = parent;
    for _ in 0..2 {
        let Some(node) = nodes.get_mut(at as usize) else {
            return;
        };
        let up = node.parent;
        if let Data::Elem(b) = &mut node.data {
            if b.name == "button" && b.tag.intersects(Tag::CONTROL) {
                b.tag = Tag::empty();
                return;
            }
        }
        at = up;
    }
}

/// A `div` in a table with more nodes than this below it lays the page out.
const TABLE_LAYOUT_DIV_NODES: Ix = 8;
/// A text node in a table longer than this (see [`crate::extract::text::measure`]) is prose.
const TABLE_PROSE_TEXT_LEN: u32 = 400;
/// Rows that make a table without headers a table of data for the pruner.
const DATA_TABLE_MIN_ROWS: u32 = 3;

/// What a table's subtree holds: the facts that tell a table of data from a
/// table that lays out the page. [`Doc::table_shape`] finds them in one scan;
/// the two stages that ask put their questions side by side here, as
/// [`TableShape::kept_as_data`] and [`TableShape::rendered_as_rows`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableShape {
    /// `tr` elements, those of nested tables included.
    pub rows: u32,
    /// A header cell (`th`), a `thead` or a `caption`.
    pub headers: bool,
    /// Another table inside.
    pub nested: bool,
    /// Something that is no cell of data: a paragraph, list, heading or
    /// `pre`, a `div` with more than [`TABLE_LAYOUT_DIV_NODES`] nodes below
    /// it, or a text node longer than [`TABLE_PROSE_TEXT_LEN`].
    pub prose: bool,
}

impl TableShape {
    /// Whether the pruner ([`crate::extract::clean::prune`]) keeps the table
    /// as data, however few commas and many links it holds: no other table
    /// is kept inside it (`kept_tables`, from the pass's statistics, counts
    /// the table itself), and it has headers or at least
    /// [`DATA_TABLE_MIN_ROWS`] rows. Prose in the cells does not matter here.
    pub fn kept_as_data(&self, kept_tables: u32) -> bool {
        kept_tables <= 1 && (self.headers || self.rows >= DATA_TABLE_MIN_ROWS)
    }

    /// Whether rendering ([`crate::extract::render`]) writes the table as
    /// rows of cells rather than as the blocks inside its cells: no table
    /// inside it at all (kept or not), nothing prose-shaped, and a row.
    pub fn rendered_as_rows(&self) -> bool {
        !self.nested && !self.prose && self.rows >= 1
    }
}

/// Iterator over element children.
pub struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    next: Ix,
    end: Ix,
}

impl Iterator for Children<'_, '_> {
    type Item = Ix;
    fn next(&mut self) -> Option<Ix> {
        while self.next < self.end {
            let i = self.next;
            let n = &self.doc.nodes[i as usize];
            self.next = n.end;
            if n.elem().is_some() {
                return Some(i);
            }
        }
        None
    }
}

/// The value of attribute `name` on `el`, without interning the name.
pub fn attr<'e>(el: &'e Element, name: &str) -> Option<&'e str> {
    el.attrs
        .iter()
        .find(|(q, _)| &*q.local == name)
        .map(|(_, v)| &**v)
}

fn tag_flags(name: &str) -> Tag {
    // One match instead of scans of the rule lists: this runs for every
    // element. A unit test checks it against `rules`.
    match name {
        "address" | "article" | "blockquote" | "body" | "center" | "details" | "dir" | "div"
        | "fieldset" | "figcaption" | "figure" | "hgroup" | "hr" | "html" | "main" | "section"
        | "summary" | "tbody" | "thead" | "tfoot" | "tr" | "caption" | "legend" | "noframes" => {
            Tag::BLOCK
        }
        "header" => Tag::BLOCK | Tag::UNLIKELY,
        "nav" | "aside" | "footer" | "menu" => Tag::BLOCK | Tag::BOILER,
        "dialog" => Tag::BLOCK | Tag::SKIP,
        "frameset" => Tag::BLOCK | Tag::SKIP,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Tag::BLOCK | Tag::HEADING,
        "ul" | "ol" | "dl" => Tag::BLOCK | Tag::LIST,
        "li" | "dt" | "dd" => Tag::BLOCK | Tag::ITEM,
        "p" => Tag::BLOCK | Tag::P,
        "pre" | "listing" | "xmp" | "plaintext" => Tag::BLOCK | Tag::PRE,
        "table" => Tag::BLOCK | Tag::TABLE,
        "td" | "th" => Tag::BLOCK | Tag::CELL,
        "form" => Tag::BLOCK | Tag::FORM,
        "a" => Tag::LINK,
        "br" => Tag::BR,
        "img" => Tag::SKIP | Tag::IMG,
        "input" | "textarea" | "select" | "button" => Tag::SKIP | Tag::CONTROL,
        "script" | "style" | "noscript" | "template" | "svg" | "iframe" | "object" | "embed"
        | "canvas" | "option" | "optgroup" | "datalist" | "audio" | "video" | "source"
        | "track" | "map" | "area" | "head" | "title" | "meta" | "link" | "base" | "frame"
        | "applet" | "picture" => Tag::SKIP,
        _ => Tag::empty(),
    }
}

static SUBSTRINGS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::new(rules::SUBSTRING_RULES.iter().map(|(p, _)| *p))
        .expect("substring rules are valid patterns")
});

/// The index in [`rules::PART_RULES`] of each pattern (the first, were one
/// listed twice): a class part is looked up, not compared with every entry.
static PART_INDEX: LazyLock<FxHashMap<&'static str, usize>> = LazyLock::new(|| {
    let mut index = FxHashMap::default();
    for (k, (p, _)) in rules::PART_RULES.iter().enumerate() {
        index.entry(*p).or_insert(k);
    }
    index
});

/// Rule hits of one class or id value.
fn class_hits(value: &str) -> Hit {
    if value.is_empty() {
        return Hit::empty();
    }
    let lower;
    let v = if value.bytes().any(|b| b.is_ascii_uppercase()) {
        lower = value.to_ascii_lowercase();
        lower.as_str()
    } else {
        value
    };
    // Taxonomy classes (`category-advertising`, `tag-comments`) name what the
    // article is about, not what the element is; utility classes with a
    // variant or an arbitrary value (`md:hidden`, `[&_figcaption]:italic`)
    // say how it looks at some size or state, or style its descendants.
    let taxonomy = switch::on(Rule::TaxonomyClasses);
    let utility = switch::on(Rule::VariantClasses);
    // A page builder's block class is read for what follows its word for a
    // block: `elementor-widget-text-editor` as `-text-editor`.
    let builder = switch::on(Rule::BuilderClasses);
    let skipped = |t: &str| taxonomy && is_taxonomy_class(t) || utility && is_variant_class(t);
    let rewritten = |t: &str| builder && builder_block(t).is_some();
    let filtered;
    let v = if v
        .split_ascii_whitespace()
        .any(|t| skipped(t) || rewritten(t))
    {
        filtered = v
            .split_ascii_whitespace()
            .filter(|t| !skipped(t))
            .map(|t| {
                if builder {
                    builder_block(t).unwrap_or(t)
                } else {
                    t
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        filtered.as_str()
    } else {
        v
    };
    let mut hits = Hit::empty();
    for m in SUBSTRINGS.find_overlapping_iter(v) {
        let k = m.pattern().as_usize();
        if switch::class_on(k) {
            hits |= Hit::from_bits_retain(rules::SUBSTRING_RULES[k].1);
        }
    }
    let negation = switch::on(Rule::NegatedParts);
    let mut prev = "";
    for part in v.split(|c: char| !c.is_ascii_alphanumeric()) {
        if part.is_empty() || part.len() > 16 {
            continue;
        }
        // "non-ad", "no-ads": the opposite of what the part says.
        if !(negation && matches!(prev, "non" | "no")) {
            if let Some(&k) = PART_INDEX.get(part) {
                if switch::part_on(k) {
                    hits |= Hit::from_bits_retain(rules::PART_RULES[k].1);
                }
            }
        }
        prev = part;
    }
    for token in v.split_ascii_whitespace() {
        if rules::HIDDEN_CLASSES.contains(&token) && switch::on(Rule::HiddenClasses) {
            hits |= Hit::HIDDEN;
        }
    }
    hits
}

/// A utility class with a variant (`lg:`, `hover:`) or an arbitrary value
/// or selector in brackets.
fn is_variant_class(token: &str) -> bool {
    token.contains(':') || token.contains('[')
}

/// What a page builder's block class says past the builder's word for a
/// block (`-text-editor` of `elementor-widget-text-editor`), if it is one.
fn builder_block(token: &str) -> Option<&str> {
    rules::BUILDER_BLOCK_PREFIXES
        .iter()
        .find_map(|p| token.strip_prefix(p))
}

fn is_taxonomy_class(token: &str) -> bool {
    rules::TAXONOMY_CLASS_PREFIXES
        .iter()
        .any(|p| token.starts_with(p))
}

/// Class weight of one value: -25 for a negative hit, +25 for a positive one.
fn weight_of(hits: Hit) -> i16 {
    let mut w = 0;
    if hits.intersects(Hit::NEG) {
        w -= 25;
    }
    if hits.intersects(Hit::POS) {
        w += 25;
    }
    w
}

fn describe<'a>(
    el: &'a Element,
    tags: &mut FxHashMap<&'a str, Tag>,
    verdicts: &mut FxHashMap<&'a str, Hit>,
) -> ElemNode<'a> {
    let name: &'a str = el.name();
    let mut tagf = *tags.entry(name).or_insert_with(|| tag_flags(name));
    let mut flags = Flag::empty();
    let mut hits = Hit::empty();
    let mut weight = 0i16;
    for (q, v) in el.attrs.iter() {
        let v: &str = v;
        match &*q.local {
            "id" if v.split(['-', '_']).filter(|w| !w.is_empty()).count()
                >= rules::SLUG_ID_MIN_WORDS
                && switch::on(Rule::SlugIds) => {}
            "class" | "id" => {
                let h = *verdicts.entry(v).or_insert_with(|| class_hits(v));
                hits |= h;
                weight += weight_of(h);
            }
            "hidden" => flags |= Flag::HIDDEN,
            // A button that opens and closes a panel (an accordion's
            // question, a "Details" toggle) is the panel's heading, not a
            // form control: its text is read as a line of the page.
            "aria-expanded" if name == "button" && switch::on(Rule::DisclosureButtons) => {
                tagf = Tag::empty();
            }
            "aria-hidden" if v.trim().eq_ignore_ascii_case("true") => flags |= Flag::HIDDEN,
            "style" if is_hidden_style(v) => flags |= Flag::HIDDEN,
            "role" => {
                let r = v.trim().to_ascii_lowercase();
                if rules::BOILERPLATE_ROLES.contains(&r.as_str())
                    && switch::on(Rule::BoilerplateRoles)
                {
                    flags |= Flag::ROLE_BOILER;
                } else if r == "main" || r == "article" {
                    flags |= Flag::ARTICLE;
                }
            }
            "itemprop" => {
                let p = v.to_ascii_lowercase();
                if p.contains("articlebody") || p == "text" && name != "meta" {
                    flags |= Flag::ARTICLE;
                } else if p == "comment" || p == "comments" {
                    flags |= Flag::COMMENT;
                }
            }
            // A tag link (`rel="tag"`) belongs to the tag list, which goes
            // to the metadata, not the text.
            "rel" if name == "a" && v.split_whitespace().any(|r| r.eq_ignore_ascii_case("tag")) => {
                flags |= Flag::TAG_LINK;
            }
            "itemtype" if v.ends_with("/Comment") || v.ends_with("/UserComments") => {
                flags |= Flag::COMMENT;
            }
            _ => {}
        }
    }
    if hits.intersects(Hit::HIDDEN) {
        flags |= Flag::HIDDEN;
    }
    // Scripts toggle hiding classes and attributes on the page's outer
    // elements (preloaders, open menus, modals); they never hide the page.
    if matches!(name, "html" | "body") {
        flags &= !Flag::HIDDEN;
    }
    if matches!(name, "article" | "main") {
        flags |= Flag::ARTICLE;
    }
    ElemNode {
        name,
        el,
        tag: tagf,
        hits,
        flags,
        weight,
    }
}

pub(crate) fn is_hidden_style(style: &str) -> bool {
    let s = compact_style(style);
    s.contains("display:none") || s.contains("visibility:hidden")
}

/// Whether an inline style takes the element out of the layout
/// (`display:none`), as a script that shows it later sets it.
pub(crate) fn is_display_none(style: &str) -> bool {
    compact_style(style).contains("display:none")
}

/// An inline style without white space, in lower case.
fn compact_style(style: &str) -> String {
    style
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtree_ranges_and_children() {
        let html = Html::parse_document("<body><div><p>a <b>b</b></p><p>c</p></div></body>");
        let doc = Doc::build(&html);
        let div = (0..doc.nodes.len() as Ix)
            .find(|&i| doc.name(i) == "div")
            .unwrap();
        let kids: Vec<_> = doc.children(div).map(|i| doc.name(i)).collect();
        assert_eq!(kids, vec!["p", "p"]);
        assert_eq!(doc.text_of(div), "a b c");
    }

    #[test]
    fn first_words_are_those_of_the_text() {
        let pages = [
            "<body><div><p>a <b>b</b></p><p>c</p></div></body>",
            "<body><div> one<i>two</i> three <br>four\u{a0}five<p>six</p>seven  eight</div></body>",
            "<body><div><p></p><span>x</span><span>y </span><p> z</p>w<!-- c --><hr>v u t s r q</div></body>",
            "<body><div>\u{3000}漢字 かな<p>a</p>b\tc\nd</div></body>",
        ];
        for page in pages {
            let html = Html::parse_document(page);
            let doc = Doc::build(&html);
            for i in 0..doc.nodes.len() as Ix {
                let text = doc.text_of(i);
                for n in 0..12 {
                    let want = text
                        .split_whitespace()
                        .take(n)
                        .collect::<Vec<_>>()
                        .join(" ");
                    assert_eq!(doc.first_words(i, n), want, "{page} node {i}, {n} words");
                }
            }
        }
    }

    #[test]
    fn tables_of_data_and_of_layout() {
        let shape = |html: &str| {
            let html = Html::parse_document(html);
            let doc = Doc::build(&html);
            let table = (0..doc.nodes.len() as Ix)
                .find(|&i| doc.name(i) == "table")
                .unwrap();
            doc.table_shape(table)
        };
        let data = shape("<table><tr><th>A</th></tr><tr><td>1</td></tr></table>");
        assert!(data.kept_as_data(1) && data.rendered_as_rows());
        assert!(!data.kept_as_data(2));
        let layout = shape(
            "<table><tr><td><p>x</p></td></tr><tr><td>y</td></tr><tr><td>z</td></tr></table>",
        );
        assert_eq!(layout.rows, 3);
        assert!(layout.kept_as_data(1) && !layout.rendered_as_rows());
        let nested = shape("<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table>");
        assert!(nested.nested && !nested.rendered_as_rows());
    }

    #[test]
    fn class_rules_match_parts_and_substrings() {
        assert!(class_hits("td-post-comments").contains(Hit::BOILER_PART));
        assert!(!class_hits("field-label-hidden").contains(Hit::HIDDEN));
        assert!(class_hits("x hidden").contains(Hit::HIDDEN));
        // Webflow's form messages wait hidden for the form to be sent.
        assert!(class_hits("w-form-done").contains(Hit::HIDDEN));
        assert!(class_hits("w-form-fail").contains(Hit::HIDDEN));
        assert!(!class_hits("w-form").contains(Hit::HIDDEN));
        assert!(!class_hits("non-ad-column").contains(Hit::BOILER_PART));
        assert!(!class_hits("commentary-body").contains(Hit::BOILER));
        assert!(class_hits("site-advert").contains(Hit::BOILER));
        // A comment list as German and Spanish themes name it; a German
        // opinion column ("Kommentar") is no comment.
        for class in ["leserkommentare", "lista-comentarios"] {
            let hits = class_hits(class);
            assert!(hits.contains(Hit::UNLIKELY | Hit::THREAD), "{class}");
        }
        assert!(!class_hits("article-kommentar").contains(Hit::UNLIKELY));
        assert!(class_hits("ad").contains(Hit::BOILER_PART));
        assert!(!class_hits("shadow header-image").contains(Hit::BOILER));
        assert!(class_hits("NewsletterSignup").contains(Hit::BOILER));
        assert!(class_hits("entry-content").contains(Hit::POS));
    }

    #[test]
    fn page_builder_blocks_are_read_past_the_builder_word() {
        let furniture = Hit::NEG | Hit::UNLIKELY | Hit::BOILER_PART;
        assert!(
            !class_hits("elementor-widget-wrap elementor-element-populated").intersects(furniture)
        );
        assert!(!class_hits("elementor-widget elementor-widget-text-editor").intersects(furniture));
        assert!(class_hits("elementor-widget elementor-widget-text-editor").contains(Hit::POS));
        assert!(
            class_hits("elementor-widget elementor-widget-nav-menu").contains(Hit::BOILER_PART)
        );
        assert!(class_hits("elementor-widget-sidebar").contains(Hit::UNLIKELY));
        assert!(class_hits("widget widget_recent_entries").contains(Hit::BOILER_PART));
    }

    #[test]
    fn hidden_elements_are_flagged() {
        let html = Html::parse_document(
            "<div hidden>a</div><div aria-hidden=true>b</div><div style='display: none'>c</div>",
        );
        let doc = Doc::build(&html);
        let hidden = doc
            .nodes
            .iter()
            .filter(|n| n.elem().is_some_and(|e| e.flags.intersects(Flag::HIDDEN)))
            .count();
        assert_eq!(hidden, 3);
    }

    #[test]
    fn tag_flags_agree_with_the_rule_lists() {
        let all = rules::BLOCK_TAGS
            .iter()
            .chain(rules::SKIP_TAGS)
            .chain(rules::BOILERPLATE_TAGS)
            .chain(rules::UNLIKELY_TAGS);
        let checks = [
            (Tag::BLOCK, rules::BLOCK_TAGS),
            (Tag::SKIP, rules::SKIP_TAGS),
            (Tag::BOILER, rules::BOILERPLATE_TAGS),
            (Tag::UNLIKELY, rules::UNLIKELY_TAGS),
        ];
        for name in all {
            for (bit, list) in checks {
                assert_eq!(
                    tag_flags(name).intersects(bit),
                    list.contains(name),
                    "{name} {bit:?}"
                );
            }
        }
    }

    /// A service page whose FAQ is an accordion of the usual accessible
    /// shape (`<h3><button aria-expanded>question</button></h3>` before
    /// each answer), beside a box whose only button is a short toggle.
    fn accordion_page() -> String {
        let item = |q: &str, a: &str| {
            format!(
                "<div class=faq-item><h3><button type=button aria-expanded=false \
                 aria-controls=x>{q}</button></h3><div class=panel><p>{a}</p></div></div>"
            )
        };
        format!(
            "<html><body><nav><a href=/>Home</a> <a href=/plans>Plans</a></nav><main>\
             <h1>Home electrical services</h1>\
             <p>Our licensed electricians repair, rewire and inspect homes across the \
             county, with written quotes before any work starts, and same-week visits.</p>\
             <h2>Frequently asked questions</h2>{}{}{}\
             </main><footer>All rights reserved</footer></body></html>",
            item(
                "When do I need to rewire my house?",
                "Homes wired before 1980 often need new wiring, because old insulation \
                 cracks, aluminium wire loosens at its joints, and the panels were not \
                 built for today's loads."
            ),
            item(
                "How long does a periodic inspection take?",
                "Most inspections of a three-bedroom home take three to four hours, and \
                 the written report follows within two working days, with a list of \
                 anything that needs work."
            ),
            item(
                "Do I need a permit for a new circuit?",
                "Yes, in most towns a new circuit needs a permit, which we apply for, and \
                 an inspector checks the work before the walls are closed, at no cost to you."
            ),
        )
    }

    #[test]
    fn an_accordions_questions_are_read_as_text() {
        let html = accordion_page();
        let text = |off: &[&str]| crate::extract::text_with_rules_off(html.as_bytes(), off);
        let on = text(&[]);
        for q in [
            "When do I need to rewire my house?",
            "How long does a periodic inspection take?",
            "Do I need a permit for a new circuit?",
        ] {
            assert!(on.contains(q), "{q}: {on}");
        }
        assert!(on.contains("aluminium wire loosens"));
        // As form controls, the questions are lost, and with them the
        // answers of the items they make look like forms.
        let off = text(&["disclosure_buttons"]);
        assert!(!off.contains("When do I need to rewire my house?"), "{off}");
    }

    /// The form controls counted in the element with `id` of `html`.
    fn controls_in(html: &Html, id: &str) -> u32 {
        let doc = Doc::build(html);
        let st = crate::extract::stats::stats(&doc, None);
        let i = (0..doc.nodes.len())
            .find(|&i| {
                doc.elem(i as Ix)
                    .is_some_and(|e| attr(e.el, "id") == Some(id))
            })
            .expect("the element");
        st[i].controls
    }

    #[test]
    fn a_short_disclosure_button_is_still_a_control() {
        let html = Html::parse_document(
            "<div id=box><button aria-expanded=false>Read the letter</button></div>\
             <div id=faq><button aria-expanded=false>When do I need to rewire my house?</button></div>",
        );
        let controls = |id: &str| controls_in(&html, id);
        assert_eq!(controls("box"), 1);
        assert_eq!(controls("faq"), 0);
    }

    #[test]
    fn a_button_that_holds_a_heading_is_text_not_a_control() {
        let html = Html::parse_document(
            "<div id=faq><button type=button><h5>How much does a home solar system \
             cost?</h5><span class=arrow></span></button><div class=hidden><p>About \
             eight thousand pounds.</p></div></div>\
             <div id=deep><button><span><h4>Do I need planning permission?</h4></span>\
             </button></div>\
             <div id=form><button type=submit>Send the form to us now</button></div>",
        );
        let controls = |id: &str| controls_in(&html, id);
        assert_eq!(controls("faq"), 0);
        assert_eq!(controls("deep"), 0);
        assert_eq!(controls("form"), 1);
        let text = crate::extract(
            b"<html><body><main><h1>Solar</h1><p>We fit rooftop solar panels for homes \
              and small businesses across the county, from survey to inspection.</p>\
              <button><h3>What happens on a cloudy day?</h3></button><p>The panels keep \
              generating from diffuse light at a quarter of their output.</p></main>\
              </body></html>",
            None,
            &crate::ExtractOptions::default(),
        )
        .expect("extracted")
        .text;
        assert!(text.contains("What happens on a cloudy day?"), "{text}");
    }

    #[test]
    fn a_button_with_no_text_is_no_form_control() {
        let html = Html::parse_document(
            "<div id=pros><figure><img src=a.jpg alt=Laptop><button type=button \
             aria-label=Enlarge><svg></svg></button></figure><ul><li>Long battery \
             life</li><li>Great webcam</li></ul></div>\
             <div id=form><input name=q><button type=submit>Search</button></div>",
        );
        let controls = |id: &str| controls_in(&html, id);
        assert_eq!(controls("pros"), 0);
        assert_eq!(controls("form"), 2);
    }

    #[test]
    fn a_headings_own_anchor_is_no_link_to_elsewhere() {
        let para = "<p>Learning an instrument trains memory and attention, and the habit \
            of daily practice carries over into everything else a learner does.</p>";
        let page = format!(
            "<html><body><article><h1>Starting music lessons</h1>{para}\
             <h2 id=benefits><a href=#benefits>The benefits of learning music at any \
             age</a></h2>{para}<h2 id=teacher><a href=\"#teacher\">Choosing a teacher \
             who suits you</a></h2>{para}<h2><a href=/courses>See every course we \
             run this year</a></h2></article></body></html>"
        );
        let html = Html::parse_document(&page);
        let doc = Doc::build(&html);
        let st = crate::extract::stats::stats(&doc, None);
        let link_len = |name: &str, nth: usize| {
            let i = (0..doc.nodes.len())
                .filter(|&i| doc.name(i as Ix) == name)
                .nth(nth)
                .expect("the element");
            st[i].link_len
        };
        assert_eq!(link_len("h2", 0), 0);
        assert_eq!(link_len("h2", 1), 0);
        assert!(link_len("h2", 2) > 0);
        let text = crate::extract(page.as_bytes(), None, &crate::ExtractOptions::default())
            .expect("extracted")
            .text;
        assert!(
            text.contains("The benefits of learning music at any age"),
            "{text}"
        );
        assert!(text.contains("Choosing a teacher who suits you"), "{text}");
    }

    #[test]
    fn a_disabled_input_is_no_form_field() {
        // As a Markdown renderer writes a task list (`- [ ] item`).
        let page = "<html><body><nav><a href=/>Home</a></nav><article><h1>Moving checklist</h1>\
            <p>Work through this list over the eight weeks before the move, and tick each \
            item off as you go, so that nothing is left for the last weekend.</p><ul>\
            <li><input disabled type=checkbox> Book the removal van two months ahead</li>\
            <li><input disabled type=checkbox> Tell the bank, the doctor and the employer</li>\
            <li><input disabled type=checkbox> Redirect the post for at least three months</li>\
            </ul></article></body></html>";
        let text = crate::extract::text_with_rules_off(page.as_bytes(), &[]);
        assert!(text.contains("Redirect the post"), "{text}");
    }
}
