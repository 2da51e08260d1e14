//! Rendering: the chosen containers become blocks, then text or Markdown.
//!
//! One walk over the kept nodes turns the article's subtree into a list of
//! [`Block`]s (paragraphs, headings, list items, quotes, preformatted code,
//! table rows, captions), with whitespace folded the way a browser would and
//! block boundaries kept, so words never glue across elements. `<br><br>`
//! ends a paragraph; a single `<br>` is a line break inside it.
//!
//! The blocks then pass one last filter ([`filter::filter_sourced`]), and
//! [`markdown`] writes them out as text or Markdown.

pub(crate) mod filter;
pub(crate) mod inline;
pub(crate) mod markdown;

use crate::extract::dom::{Data, Doc, Ix, NONE, Tag, attr};
use crate::extract::model::{Block, BlockKind};
use crate::extract::rules;
use crate::extract::text::push_collapsed;

/// Share of a block's bytes inside links above which it is "linked".
const LINKED_SHARE: f32 = 0.8;

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Heading(u8),
    Item,
    Quote,
    Pre,
    Caption,
    List {
        ordered: bool,
    },
    DataTable,
    Row,
    Link,
    /// An inline element whose closing writes this mark.
    Mark(char),
    Cell,
    Other,
}

struct Walker<'a> {
    blocks: Vec<Block>,
    buf: String,
    ctx: Vec<(Ctx, Ix)>,
    counters: Vec<u32>,
    item_started: bool,
    cells: Vec<String>,
    first_row: bool,
    /// Open `<a>` elements around the current position.
    link_depth: usize,
    /// Bytes of `buf` that came from inside links.
    link_bytes: usize,
    /// What inline markup the Markdown keeps.
    inline: inline::Inline<'a>,
    /// `buf` with inline marks ([`inline`]).
    md: String,
    /// Whether `md` holds a mark.
    marked: bool,
    /// The `](href)` and `![alt](src)` the marks of `md` refer to.
    refs: Vec<String>,
    /// Bytes at the end of `md` that opening marks wrote since the last text.
    opened: usize,
    /// An image followed a space: the next word needs one before it.
    space_after_image: bool,
    /// For each open link: the index of its reference, when it wrote a mark.
    link_marks: Vec<Option<usize>>,
    /// For each block, the node it starts at: its first text node, or the
    /// row of a table row.
    sources: Vec<Ix>,
    /// The first text node of the block being gathered, or [`NONE`].
    first_text: Ix,
}

impl Walker<'_> {
    fn in_ctx(&self, c: fn(&Ctx) -> bool) -> bool {
        self.ctx.iter().any(|(x, _)| c(x))
    }

    fn kind(&mut self) -> BlockKind {
        for (c, _) in self.ctx.iter().rev() {
            match c {
                Ctx::Heading(l) => return BlockKind::Heading(*l),
                Ctx::Pre => return BlockKind::Pre,
                Ctx::Caption => return BlockKind::Caption,
                Ctx::Item => {
                    let depth = self
                        .ctx
                        .iter()
                        .filter(|(c, _)| matches!(c, Ctx::List { .. }))
                        .count()
                        .saturating_sub(1) as u8;
                    let ordered = self
                        .ctx
                        .iter()
                        .rev()
                        .find_map(|(c, _)| match c {
                            Ctx::List { ordered } => Some(*ordered),
                            _ => None,
                        })
                        .unwrap_or(false);
                    let cont = self.item_started;
                    self.item_started = true;
                    return BlockKind::Item {
                        depth,
                        number: ordered.then(|| self.counters.last().copied().unwrap_or(1)),
                        cont,
                    };
                }
                _ => {}
            }
        }
        BlockKind::Para
    }

    fn flush(&mut self) {
        if self.in_ctx(|c| *c == Ctx::Cell) {
            return;
        }
        let pre = self.in_ctx(|c| *c == Ctx::Pre);
        let text = if pre {
            trim_blank_lines(&self.buf)
        } else {
            // A line of nothing but zero-width characters (a page
            // builder's spacer, "&zwj;") is an empty line.
            self.buf
                .split('\n')
                .map(str::trim)
                .filter(|l| l.chars().any(|c| !is_invisible(c)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        // Mostly link text: separators and punctuation between links
        // ("« Previous | Index | Comments (4)") leave some slack.
        let linked = self.link_bytes as f32 >= LINKED_SHARE * text.len() as f32;
        self.buf.clear();
        self.link_bytes = 0;
        let shadow = self.marked.then(|| std::mem::take(&mut self.md));
        self.md.clear();
        self.marked = false;
        self.opened = 0;
        let refs = std::mem::take(&mut self.refs);
        let source = std::mem::replace(&mut self.first_text, NONE);
        let has_image = shadow.as_ref().is_some_and(|m| m.contains(inline::IMAGE));
        if text.is_empty() && !has_image {
            return;
        }
        let kind = match self.kind() {
            BlockKind::Para if is_credited_caption(&text) => BlockKind::Caption,
            k => k,
        };
        let context = match kind {
            BlockKind::Heading(_) => markdown::Context::Heading,
            BlockKind::Caption => markdown::Context::Caption,
            _ => markdown::Context::Block,
        };
        let md = match shadow {
            Some(m) if !pre => {
                let lines: Vec<&str> = m
                    .split('\n')
                    .map(str::trim)
                    .filter(|l| {
                        l.chars()
                            .any(|c| !c.is_whitespace() && !is_lone_mark(c) || c == inline::IMAGE)
                    })
                    .collect();
                inline::finish(&lines.join("\n"), &refs, context)
            }
            _ => None,
        };
        if text.is_empty() && md.is_none() {
            return;
        }
        let quote = self.ctx.iter().filter(|(c, _)| *c == Ctx::Quote).count() as u8;
        self.blocks.push(Block {
            kind,
            quote,
            text,
            linked,
            md,
        });
        self.sources.push(source);
    }

    /// Write `mark` in the shadow (not in code spans or tables, which keep
    /// their text as is).
    fn mark(&mut self, mark: char) {
        if self.inline.plain {
            return;
        }
        if self.in_ctx(|c| matches!(c, Ctx::Pre | Ctx::Row | Ctx::Cell | Ctx::Mark(inline::CODE))) {
            return;
        }
        self.md.push(mark);
        self.marked = true;
    }

    /// Close an emphasis or code span: the mark goes before a trailing space.
    fn close_mark(&mut self, mark: char) {
        if self.inline.plain {
            return;
        }
        if self.in_ctx(|c| matches!(c, Ctx::Pre | Ctx::Row | Ctx::Cell)) {
            return;
        }
        self.opened = 0;
        if self.md.ends_with(' ') {
            self.md.pop();
            self.md.push(mark);
            self.md.push(' ');
        } else {
            self.md.push(mark);
        }
        self.marked = true;
    }

    /// Write into the shadow what was just appended to `buf` from `before`.
    fn mirror(&mut self, before: usize) {
        if self.inline.plain {
            return;
        }
        let delta = &self.buf[before..];
        // A space that leads an emphasis's text goes before its mark.
        let opened = std::mem::take(&mut self.opened);
        if std::mem::take(&mut self.space_after_image)
            && delta.starts_with(|c: char| c.is_alphanumeric())
        {
            self.md.push(' ');
        }
        if let Some(rest) = delta.strip_prefix(' ') {
            if opened > 0 && opened <= self.md.len() {
                let marks = self.md.split_off(self.md.len() - opened);
                self.md.push(' ');
                self.md.push_str(&marks);
                self.md
                    .extend(rest.chars().filter(|c| !inline::is_mark(*c)));
                return;
            }
        }
        self.md
            .extend(delta.chars().filter(|c| !inline::is_mark(*c)));
    }
}

/// Longest paragraph that may be a caption by its credit.
const CREDITED_CAPTION_MAX_CHARS: usize = 300;

/// A paragraph that ends with a picture credit in parentheses is a caption,
/// whatever element holds it: "The plague wiped out half of Europe (Image:
/// GETTY)".
fn is_credited_caption(text: &str) -> bool {
    if text.len() > CREDITED_CAPTION_MAX_CHARS
        || !text.ends_with(')')
        || !crate::extract::switch::on(crate::extract::switch::Rule::CreditedCaptions)
    {
        return false;
    }
    let Some(open) = text.rfind('(') else {
        return false;
    };
    let credit = text[open + 1..].to_ascii_lowercase();
    rules::CAPTION_CREDITS.iter().any(|c| credit.starts_with(c))
}

/// Whether element `i`, named as a caption by its class or id, is the body
/// of a card instead: it holds a heading. A picture's caption is a line or
/// two of prose under it; the body of a card in a grid (Bootstrap's
/// `thumbnail > .caption`, a shop's `product-caption`) carries the item's
/// name as a heading, with its details and price beside it. (A heading
/// named as a caption is a heading already.)
fn titles_a_card(doc: &Doc<'_>, i: Ix) -> bool {
    use crate::extract::switch::{Rule, on};
    on(Rule::CaptionHeadings)
        && (i + 1..doc.nodes[i as usize].end)
            .any(|d| doc.elem(d).is_some_and(|e| e.tag.intersects(Tag::HEADING)))
}

/// A line that holds only marks (and spaces) holds nothing.
/// Whether `c` shows nothing: white space, or a zero-width or formatting
/// character (zero-width space and joiners, direction marks, word joiner,
/// byte order mark, soft hyphen).
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}'
        )
}

fn is_lone_mark(c: char) -> bool {
    inline::is_mark(c)
}

fn trim_blank_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |e| e + 1);
    lines[start..end].join("\n")
}

/// Render the kept part of `roots` into blocks.
#[cfg(test)]
pub fn blocks(doc: &Doc<'_>, roots: &[Ix], removed: &[bool]) -> Vec<Block> {
    blocks_with(doc, roots, removed, inline::Inline::default())
}

/// Render the kept part of `roots` into blocks, with the inline markup
/// `inline` asks for in their Markdown.
#[cfg(test)]
pub fn blocks_with(
    doc: &Doc<'_>,
    roots: &[Ix],
    removed: &[bool],
    inline: inline::Inline<'_>,
) -> Vec<Block> {
    blocks_sourced(doc, roots, removed, inline).0
}

/// Render the kept part of `roots` into blocks, with the inline markup
/// `inline` asks for in their Markdown, and for each block the node it
/// starts at (its first text node, or its table row).
pub fn blocks_sourced(
    doc: &Doc<'_>,
    roots: &[Ix],
    removed: &[bool],
    inline: inline::Inline<'_>,
) -> (Vec<Block>, Vec<Ix>) {
    let mut w = Walker {
        blocks: Vec::new(),
        buf: String::new(),
        ctx: Vec::new(),
        counters: Vec::new(),
        item_started: false,
        cells: Vec::new(),
        first_row: false,
        link_depth: 0,
        link_bytes: 0,
        inline,
        md: String::new(),
        marked: false,
        opened: 0,
        space_after_image: false,
        refs: Vec::new(),
        link_marks: Vec::new(),
        sources: Vec::new(),
        first_text: NONE,
    };
    for &root in roots {
        let end = doc.nodes[root as usize].end;
        let mut i = root;
        while i < end {
            close_until(doc, &mut w, i);
            let n = &doc.nodes[i as usize];
            if removed[i as usize] {
                if w.inline.images {
                    image(doc, &mut w, i);
                }
                i = n.end;
                continue;
            }
            match &n.data {
                Data::Text(t) => {
                    if w.first_text == NONE {
                        w.first_text = i;
                    }
                    let before = w.buf.len();
                    if w.in_ctx(|c| *c == Ctx::Pre) {
                        w.buf.push_str(t.text);
                    } else {
                        push_collapsed(&mut w.buf, t.text);
                    }
                    if w.link_depth > 0 {
                        w.link_bytes += w.buf.len() - before;
                    }
                    w.mirror(before);
                }
                Data::Elem(e) => open(doc, &mut w, i, e.name, e.tag),
            }
            i += 1;
        }
        close_until(doc, &mut w, Ix::MAX);
    }
    w.flush();
    debug_assert_eq!(w.blocks.len(), w.sources.len());
    (w.blocks, w.sources)
}

/// `blocks` and their `sources` without the figure captions.
pub fn without_captions(blocks: Vec<Block>, sources: Vec<Ix>) -> (Vec<Block>, Vec<Ix>) {
    blocks
        .into_iter()
        .zip(sources)
        .filter(|(b, _)| b.kind != BlockKind::Caption)
        .unzip()
}

/// An `<img>` (kept or removed: it has no text either way) as
/// `![alt](src)` in the Markdown.
fn image(doc: &Doc<'_>, w: &mut Walker<'_>, i: Ix) {
    let Some(e) = doc.elem(i) else { return };
    if e.name != "img" {
        return;
    }
    let parent = doc.nodes[i as usize].parent;
    if parent != NONE && doc.elem(parent).is_none() {
        return;
    }
    let src = attr(e.el, "src")
        .filter(|s| !s.trim().is_empty() && !s.trim_start().starts_with("data:"))
        .or_else(|| attr(e.el, "data-src"));
    let Some(src) = src.and_then(|s| w.inline.absolute(s)) else {
        return;
    };
    let alt = inline::bracket_text(&crate::extract::text::collapse_whitespace(
        attr(e.el, "alt").unwrap_or(""),
    ));
    let k = w.refs.len();
    w.refs.push(format!("![{alt}]({src})"));
    // After a space, the next text (whose leading space folds into that
    // one) needs one of its own.
    let space = w.md.ends_with(' ');
    let before = w.md.len();
    w.mark(inline::IMAGE);
    if w.md.len() > before {
        w.md.push_str(&k.to_string());
        w.md.push(inline::REF_END);
    } else {
        w.refs.pop();
    }
    w.space_after_image = space;
}

fn open(doc: &Doc<'_>, w: &mut Walker<'_>, i: Ix, name: &str, t: Tag) {
    if w.inline.images && name == "img" {
        image(doc, w, i);
    }
    let in_table = w.in_ctx(|c| matches!(c, Ctx::Row | Ctx::Cell));
    if t.intersects(Tag::BR) {
        if w.in_ctx(|c| *c == Ctx::Pre) {
            w.buf.push('\n');
        } else if in_table {
            push_space(&mut w.buf);
        } else if w.buf.trim_end_matches(' ').ends_with('\n') {
            w.flush();
        } else {
            let trimmed = w.buf.trim_end_matches(' ').len();
            w.buf.truncate(trimmed);
            w.buf.push('\n');
            let trimmed = w.md.trim_end_matches(' ').len();
            w.md.truncate(trimmed);
            w.md.push('\n');
            w.opened = 0;
        }
        return;
    }
    if !t.intersects(Tag::BLOCK) {
        if doc.nodes[i as usize].end > i + 1 {
            if t.intersects(Tag::LINK) {
                w.link_depth += 1;
                w.ctx.push((Ctx::Link, i));
                let href = doc
                    .elem(i)
                    .and_then(|e| attr(e.el, "href"))
                    .filter(|_| w.inline.links && w.link_marks.iter().all(Option::is_none));
                let marked = match href.and_then(|h| w.inline.absolute(h)) {
                    Some(url) => {
                        let before = w.md.len();
                        w.mark(inline::LINK_OPEN);
                        w.opened += w.md.len() - before;
                        (w.md.len() > before).then(|| {
                            w.refs.push(format!("]({url})"));
                            w.refs.len() - 1
                        })
                    }
                    None => None,
                };
                w.link_marks.push(marked);
            } else if let Some(mark) = inline_mark(name) {
                let before = w.md.len();
                w.mark(mark);
                w.opened += w.md.len() - before;
                w.ctx.push((Ctx::Mark(mark), i));
            } else {
                w.ctx.push((Ctx::Other, i));
            }
        }
        return;
    }
    if in_table && !matches!(name, "tr" | "td" | "th" | "table") {
        push_space(&mut w.buf);
        w.ctx.push((Ctx::Other, i));
        return;
    }
    let ctx = match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Ctx::Heading(name.as_bytes()[1] - b'0'),
        "li" | "dd" | "dt" => Ctx::Item,
        "ul" | "dl" => Ctx::List { ordered: false },
        "ol" => Ctx::List { ordered: true },
        "blockquote" => Ctx::Quote,
        "pre" | "listing" | "xmp" | "plaintext" => Ctx::Pre,
        "figcaption" | "caption" => Ctx::Caption,
        _ if doc
            .elem(i)
            .is_some_and(|e| e.hits.contains(crate::extract::rules::Hit::CAPTION))
            && !titles_a_card(doc, i) =>
        {
            Ctx::Caption
        }
        "table" if doc.table_shape(i).rendered_as_rows() => Ctx::DataTable,
        "tr" if w.ctx.last().is_some_and(|(c, _)| *c == Ctx::DataTable)
            || doc_parent_is_data_table(w) =>
        {
            Ctx::Row
        }
        "td" | "th" if w.ctx.last().is_some_and(|(c, _)| *c == Ctx::Row) => Ctx::Cell,
        _ => Ctx::Other,
    };
    if ctx != Ctx::Cell {
        w.flush();
    }
    match ctx {
        Ctx::List { .. } => w.counters.push(0),
        Ctx::Item => {
            if let Some(c) = w.counters.last_mut() {
                *c += 1;
            }
            w.item_started = false;
        }
        Ctx::DataTable => w.first_row = true,
        Ctx::Row => w.cells.clear(),
        _ => {}
    }
    w.ctx.push((ctx, i));
}

/// The mark an inline element writes: code spans and emphasis.
fn inline_mark(name: &str) -> Option<char> {
    match name {
        "code" | "kbd" | "samp" | "tt" => Some(inline::CODE),
        "em" | "i" => Some(inline::EMPH),
        "strong" | "b" => Some(inline::STRONG),
        _ => None,
    }
}

fn doc_parent_is_data_table(w: &Walker<'_>) -> bool {
    // `tbody`/`thead` sit between the table and its rows.
    let mut it = w.ctx.iter().rev();
    matches!(it.next(), Some((Ctx::Other, _))) && matches!(it.next(), Some((Ctx::DataTable, _)))
}

fn push_space(buf: &mut String) {
    if !buf.is_empty() && !buf.ends_with(' ') {
        buf.push(' ');
    }
}

/// Close every open element whose subtree ends at or before `i`.
fn close_until(doc: &Doc<'_>, w: &mut Walker<'_>, i: Ix) {
    while let Some(&(ctx, at)) = w.ctx.last() {
        if doc.nodes[at as usize].end > i {
            break;
        }
        match ctx {
            Ctx::Cell => {
                w.md.clear();
                w.opened = 0;
                let cell = std::mem::take(&mut w.buf).trim().to_string();
                w.ctx.pop();
                w.cells.push(cell);
                continue;
            }
            Ctx::Row => {
                w.ctx.pop();
                w.first_text = NONE;
                let cells = std::mem::take(&mut w.cells);
                if cells.iter().any(|c| !c.is_empty()) {
                    let first = std::mem::replace(&mut w.first_row, false);
                    let quote = w.ctx.iter().filter(|(c, _)| *c == Ctx::Quote).count() as u8;
                    w.blocks.push(Block {
                        kind: BlockKind::Row { first },
                        quote,
                        text: cells.join(" | "),
                        linked: false,
                        md: None,
                    });
                    w.sources.push(at);
                }
                continue;
            }
            Ctx::Other if !doc.tag(at).intersects(Tag::BLOCK) => {
                w.ctx.pop();
                continue;
            }
            Ctx::Link => {
                w.ctx.pop();
                w.link_depth = w.link_depth.saturating_sub(1);
                if let Some(Some(k)) = w.link_marks.pop() {
                    w.close_mark(inline::LINK_CLOSE);
                    let at = w.md.rfind(inline::LINK_CLOSE).map_or(w.md.len(), |p| p + 3);
                    w.md.insert_str(at, &format!("{k}{}", inline::REF_END));
                }
                continue;
            }
            Ctx::Mark(mark) => {
                w.ctx.pop();
                if mark == inline::CODE || !w.in_ctx(|c| matches!(c, Ctx::Mark(inline::CODE))) {
                    w.close_mark(mark);
                }
                continue;
            }
            _ => {}
        }
        w.flush();
        w.ctx.pop();
        if matches!(ctx, Ctx::List { .. }) {
            w.counters.pop();
        }
        if ctx == Ctx::Item {
            w.item_started = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::markdown::{to_markdown, to_text};
    use super::*;
    use scraper::Html;

    fn render(html: &str) -> Vec<Block> {
        let h = Html::parse_document(html);
        let doc = Doc::build(&h);
        let removed = vec![false; doc.nodes.len()];
        blocks(&doc, &[doc.body], &removed)
    }

    #[test]
    fn lines_of_zero_width_characters_are_empty() {
        let b = render(
            "<body><p>&zwj;</p><p>&#8203;&#8203;<br>Kept&zwj;text</p><div>\u{FEFF} \u{200E}</div></body>",
        );
        assert_eq!(to_text(&b), "Kept\u{200D}text");
    }

    #[test]
    fn paragraphs_lists_and_breaks() {
        let b = render(
            "<body><p>One <a>two</a>three.</p><ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>x<br><br>y<br>z</body>",
        );
        let text = to_text(&b);
        assert_eq!(text, "One twothree.\n\na\nb\nc\n\nx\n\ny\nz");
        let md = to_markdown(&b);
        assert!(md.contains("- a\n- b\n  - c"), "{md}");
    }

    #[test]
    fn markdown_keeps_code_emphasis_and_asked_for_links_and_images() {
        let html = "<body><p>Run <code>a_b(*x)</code> with <em>care</em>, <b>now</b>: \
            <a href='/d'>docs</a> <img src='i.png' alt='pic'>.</p>\
            <blockquote><p>one<br>two</p></blockquote></body>";
        let h = Html::parse_document(html);
        let doc = Doc::build(&h);
        // Images are out of the text, as the cleaner has them.
        let removed: Vec<bool> = (0..doc.nodes.len())
            .map(|i| doc.name(i as Ix) == "img")
            .collect();
        let plain = blocks(&doc, &[doc.body], &removed);
        assert_eq!(
            to_text(&plain),
            "Run a_b(*x) with care, now: docs .\n\none\ntwo"
        );
        let md = to_markdown(&plain);
        assert!(
            md.starts_with("Run `a_b(*x)` with *care*, **now**: docs ."),
            "{md}"
        );
        assert!(md.contains("> one\\\n> two"), "{md}");
        let base = url::Url::parse("https://ex.com/a/b").unwrap();
        let inline = inline::Inline {
            links: true,
            images: true,
            base: Some(&base),
            plain: false,
        };
        let rich = blocks_with(&doc, &[doc.body], &removed, inline);
        assert_eq!(to_text(&rich), to_text(&plain));
        // Text only: the same text, and no block has Markdown of its own.
        let bare = inline::Inline {
            plain: true,
            ..inline
        };
        let bare = blocks_with(&doc, &[doc.body], &removed, bare);
        assert_eq!(to_text(&bare), to_text(&plain));
        assert!(bare.iter().all(|b| b.md.is_none()));
        let md = to_markdown(&rich);
        assert!(
            md.contains("[docs](https://ex.com/d) ![pic](https://ex.com/a/i.png)."),
            "{md}"
        );
    }

    #[test]
    fn words_never_glue_across_blocks() {
        let b = render("<body><div>alpha<div>beta</div>gamma</div><h2>Head</h2><p>x</p></body>");
        assert_eq!(to_text(&b), "alpha\n\nbeta\n\ngamma\n\nHead\n\nx");
        assert_eq!(b[3].kind, BlockKind::Heading(2));
    }

    #[test]
    fn data_tables_become_rows_and_pre_keeps_whitespace() {
        let b = render(
            "<body><table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table><pre>  x\n    y</pre></body>",
        );
        assert_eq!(to_text(&b), "A | B\n1 | 2\n\n  x\n    y");
        let md = to_markdown(&b);
        assert!(
            md.starts_with("| A | B |\n| --- | --- |\n| 1 | 2 |"),
            "{md}"
        );
    }

    #[test]
    fn a_caption_that_holds_a_heading_is_a_card_body() {
        let b = render(
            "<body><figure><img src='a.jpg'><div class='photo-caption'>Harbour at dawn</div></figure>\
             <div class='thumbnail'><img src='b.jpg'><div class='caption'><h3>Brass Desk Lamp</h3>\
             <div>Maker: Studio North</div><div class='price'>$120.00</div></div></div></body>",
        );
        let shown: Vec<(&str, bool)> = b
            .iter()
            .map(|b| (b.text.as_str(), b.kind == BlockKind::Caption))
            .collect();
        assert_eq!(
            shown,
            [
                ("Harbour at dawn", true),
                ("Brass Desk Lamp", false),
                ("Maker: Studio North", false),
                ("$120.00", false)
            ]
        );
    }
}
