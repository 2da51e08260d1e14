//! Rendering: the chosen containers become blocks, then text or Markdown.
//!
//! One walk over the kept nodes turns the article's subtree into a list of
//! [`Block`]s (paragraphs, headings, list items, quotes, preformatted code,
//! table rows, captions), with whitespace folded the way a browser would and
//! block boundaries kept, so words never glue across elements. `<br><br>`
//! ends a paragraph; a single `<br>` is a line break inside it.
//!
//! The blocks then pass one last filter ([`filter_blocks`]): boilerplate
//! lines ("Advertisement", "Please enter your comment!", …) from
//! [`crate::clean::rules`], short linked or letterless lines repeated across the article, and the
//! headline when it opens the text (it is in `title`).

use crate::clean::rules;
use crate::dom::{Data, Doc, Ix, fold_line as fold, push_collapsed, tag};

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A paragraph of prose.
    Para,
    /// A heading, level 1–6.
    Heading(u8),
    /// A list item; `depth` starts at 0; `number` is set in ordered lists.
    Item {
        /// Nesting depth.
        depth: u8,
        /// Position in an ordered list.
        number: Option<u32>,
        /// A further paragraph of the same item.
        cont: bool,
    },
    /// Preformatted text (code), whitespace kept.
    Pre,
    /// A table row, cells separated by " | ".
    Row {
        /// The first row of its table.
        first: bool,
    },
    /// A figure caption.
    Caption,
}

/// One block of the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What it is.
    pub kind: BlockKind,
    /// Blockquote depth.
    pub quote: u8,
    /// Its text.
    pub text: String,
    /// All of its text is inside links.
    pub linked: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Heading(u8),
    Item,
    Quote,
    Pre,
    Caption,
    List { ordered: bool },
    DataTable,
    Row,
    Link,
    Cell,
    Other,
}

struct Walker {
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
}

impl Walker {
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
            self.buf
                .split('\n')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        };
        // Mostly link text: separators and punctuation between links
        // ("« Previous | Index | Comments (4)") leave some slack.
        let linked = self.link_bytes as f32 >= LINKED_SHARE * text.len() as f32;
        self.buf.clear();
        self.link_bytes = 0;
        if text.is_empty() {
            return;
        }
        let kind = match self.kind() {
            BlockKind::Para if is_credited_caption(&text) => BlockKind::Caption,
            k => k,
        };
        let quote = self.ctx.iter().filter(|(c, _)| *c == Ctx::Quote).count() as u8;
        self.blocks.push(Block {
            kind,
            quote,
            text,
            linked,
        });
    }
}

/// Longest paragraph that may be a caption by its credit.
const CREDITED_CAPTION_MAX_CHARS: usize = 300;

/// A paragraph that ends with a picture credit in parentheses is a caption,
/// whatever element holds it: "The plague wiped out half of Europe (Image:
/// GETTY)".
fn is_credited_caption(text: &str) -> bool {
    if text.len() > CREDITED_CAPTION_MAX_CHARS || !text.ends_with(')') {
        return false;
    }
    let Some(open) = text.rfind('(') else {
        return false;
    };
    let credit = text[open + 1..].to_ascii_lowercase();
    rules::CAPTION_CREDITS.iter().any(|c| credit.starts_with(c))
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
pub fn blocks(doc: &Doc<'_>, roots: &[Ix], removed: &[bool]) -> Vec<Block> {
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
    };
    for &root in roots {
        let end = doc.nodes[root as usize].end;
        let mut i = root;
        while i < end {
            close_until(doc, &mut w, i);
            let n = &doc.nodes[i as usize];
            if removed[i as usize] {
                i = n.end;
                continue;
            }
            match &n.data {
                Data::Text(t) => {
                    let before = w.buf.len();
                    if w.in_ctx(|c| *c == Ctx::Pre) {
                        w.buf.push_str(t.text);
                    } else {
                        push_collapsed(&mut w.buf, t.text);
                    }
                    if w.link_depth > 0 {
                        w.link_bytes += w.buf.len() - before;
                    }
                }
                Data::Elem(e) => open(doc, &mut w, i, e.name, e.tag),
            }
            i += 1;
        }
        close_until(doc, &mut w, Ix::MAX);
    }
    w.flush();
    w.blocks
}

fn open(doc: &Doc<'_>, w: &mut Walker, i: Ix, name: &str, t: u16) {
    let in_table = w.in_ctx(|c| matches!(c, Ctx::Row | Ctx::Cell));
    if t & tag::BR != 0 {
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
        }
        return;
    }
    if t & tag::BLOCK == 0 {
        if doc.nodes[i as usize].end > i + 1 {
            if t & tag::LINK != 0 {
                w.link_depth += 1;
                w.ctx.push((Ctx::Link, i));
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
            .is_some_and(|e| e.hits & crate::clean::rules::hit::CAPTION != 0) =>
        {
            Ctx::Caption
        }
        "table" if is_data_table(doc, i) => Ctx::DataTable,
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

fn doc_parent_is_data_table(w: &Walker) -> bool {
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
fn close_until(doc: &Doc<'_>, w: &mut Walker, i: Ix) {
    while let Some(&(ctx, at)) = w.ctx.last() {
        if doc.nodes[at as usize].end > i {
            break;
        }
        match ctx {
            Ctx::Cell => {
                let cell = std::mem::take(&mut w.buf).trim().to_string();
                w.ctx.pop();
                w.cells.push(cell);
                continue;
            }
            Ctx::Row => {
                w.ctx.pop();
                let cells = std::mem::take(&mut w.cells);
                if cells.iter().any(|c| !c.is_empty()) {
                    let first = std::mem::replace(&mut w.first_row, false);
                    let quote = w.ctx.iter().filter(|(c, _)| *c == Ctx::Quote).count() as u8;
                    w.blocks.push(Block {
                        kind: BlockKind::Row { first },
                        quote,
                        text: cells.join(" | "),
                        linked: false,
                    });
                }
                continue;
            }
            Ctx::Other if doc.tag(at) & tag::BLOCK == 0 => {
                w.ctx.pop();
                continue;
            }
            Ctx::Link => {
                w.ctx.pop();
                w.link_depth = w.link_depth.saturating_sub(1);
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

/// A table that holds data (rendered as rows) rather than page layout
/// (rendered as the blocks inside its cells).
fn is_data_table(doc: &Doc<'_>, i: Ix) -> bool {
    let end = doc.nodes[i as usize].end;
    let mut rows = 0;
    for j in i + 1..end {
        let t = doc.tag(j);
        if t & tag::TABLE != 0 {
            return false;
        }
        if t & (tag::P | tag::LIST | tag::HEADING | tag::PRE) != 0
            || doc.name(j) == "div" && doc.nodes[j as usize].end - j > 8
        {
            return false;
        }
        if doc.name(j) == "tr" {
            rows += 1;
        }
        if let Data::Text(tx) = &doc.nodes[j as usize].data {
            if tx.len > 400 {
                return false;
            }
        }
    }
    rows >= 1
}

/// Whether a block's text is a known boilerplate line.
pub fn is_boilerplate_line(text: &str) -> bool {
    if text.len() > 400 {
        return false;
    }
    let f = fold(text);
    if f.is_empty() {
        return true;
    }
    if rules::BOILERPLATE_LINES.contains(&f.as_str()) {
        return true;
    }
    // A newsletter pitch: a sentence that opens with a sign-up call, and the
    // newsletter or inbox it fills.
    if f.len() <= rules::PITCH_MAX_BYTES
        && rules::PITCH_CALLS.iter().any(|c| opens_a_sentence(&f, c))
        && rules::PITCH_OBJECTS.iter().any(|o| f.contains(o))
    {
        return true;
    }
    // A one-line copyright notice or picture credit: it opens with ©, or
    // holds a "© 2019" anywhere.
    if f.len() <= COPYRIGHT_LINE_MAX_BYTES
        && !f.contains('\n')
        && (f.starts_with('©') || has_copyright_year(&f))
    {
        return true;
    }
    f.chars().count() <= rules::BOILERPLATE_PREFIX_MAX_CHARS
        && rules::BOILERPLATE_PREFIXES.iter().any(|p| f.starts_with(p))
}

/// Whether `words` open `text` or one of its sentences.
fn opens_a_sentence(text: &str, words: &str) -> bool {
    text.match_indices(words).any(|(at, _)| {
        let before = text[..at].trim_end();
        before.is_empty() || before.ends_with(['.', '!', '?', ':'])
    })
}

/// Whether a © is followed, after at most a space, by a year ("©2019",
/// "© 2002, 2003").
fn has_copyright_year(text: &str) -> bool {
    text.match_indices('©').any(|(at, c)| {
        let rest = text[at + c.len()..].trim_start();
        rest.len() >= 4 && rest.as_bytes()[..4].iter().all(u8::is_ascii_digit)
    })
}

/// Longest line holding a © that is taken for a copyright notice.
const COPYRIGHT_LINE_MAX_BYTES: usize = 200;

/// Lines this short that repeat this often are furniture when they are
/// links ("Share", "Enlarge this image") or hold no letters (the axis labels
/// of a chart: "0", "’17"). Repeated words are content as often: the labels
/// of a training plan ("Warm-up", "Main set"), "Pros" and "Cons", a refrain.
const REPEATED_LINE_MAX_CHARS: usize = 200;
const REPEATED_LINE_MIN_COUNT: usize = 3;

/// Drop boilerplate lines, short repeated lines and a leading headline.
pub fn filter_blocks(
    mut blocks: Vec<Block>,
    headlines: &[&str],
    author: Option<&str>,
    now: chrono::NaiveDate,
) -> Vec<Block> {
    drop_related_sections(&mut blocks);
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for b in &blocks {
        if b.text.len() <= REPEATED_LINE_MAX_CHARS
            && b.kind != BlockKind::Pre
            && !matches!(b.kind, BlockKind::Row { .. })
            && (b.linked || !b.text.contains(char::is_alphabetic))
        {
            *counts.entry(b.text.as_str()).or_default() += 1;
        }
    }
    let repeated: std::collections::HashSet<String> = counts
        .into_iter()
        .filter(|&(_, n)| n >= REPEATED_LINE_MIN_COUNT)
        .map(|(t, _)| t.to_string())
        .collect();
    let headlines: Vec<String> = headlines
        .iter()
        .map(|h| fold(h))
        .filter(|h| !h.is_empty())
        .collect();
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for (k, b) in blocks.into_iter().enumerate() {
        if b.kind == BlockKind::Pre || matches!(b.kind, BlockKind::Row { .. }) {
            out.push(b);
            continue;
        }
        if repeated.contains(&b.text)
            || is_boilerplate_line(&b.text)
            || is_dateline(&b.text, now)
            || is_link_line(&b)
        {
            continue;
        }
        if k < 6
            && out
                .iter()
                .all(|o| matches!(o.kind, BlockKind::Heading(_)) || o.text.len() < 80)
            && (is_headline(&fold(&b.text), &headlines)
                || is_byline(&b.text)
                || author.is_some_and(|a| is_author_line(&b.text, a)))
        {
            continue;
        }
        out.push(b);
    }
    drop_excerpt_runs(&mut out);
    // Headings left with nothing after them close no section: drop them.
    while out
        .last()
        .is_some_and(|b| matches!(b.kind, BlockKind::Heading(_)))
    {
        out.pop();
    }
    out
}

/// Consecutive cut-off paragraphs that make a run of story excerpts.
const EXCERPT_RUN_MIN: usize = 2;

/// Whether a paragraph is a story excerpt cut off with an ellipsis, as
/// "more stories" blocks print them.
fn is_excerpt(b: &Block) -> bool {
    b.kind == BlockKind::Para
        && b.text.len() >= 80
        && (b.text.ends_with("...") || b.text.ends_with('…'))
}

/// Drop runs of excerpt paragraphs: the teasers of other stories whose
/// headlines were links (already dropped), not the article's own text.
fn drop_excerpt_runs(blocks: &mut Vec<Block>) {
    let mut keep = vec![true; blocks.len()];
    let mut k = 0;
    while k < blocks.len() {
        let run = blocks[k..].iter().take_while(|b| is_excerpt(b)).count();
        if run >= EXCERPT_RUN_MIN {
            keep[k..k + run].iter_mut().for_each(|x| *x = false);
        }
        k += run.max(1);
    }
    let mut it = keep.into_iter();
    blocks.retain(|_| it.next().unwrap_or(true));
}

/// Longest heading taken for the heading of a related-stories section.
const RELATED_HEADING_MAX_CHARS: usize = 60;

/// Drop the sections of other stories that close an article: a heading from
/// [`rules::RELATED_HEADINGS`] in the second half of the text, and what
/// follows it up to the next heading of its level or higher.
fn drop_related_sections(blocks: &mut Vec<Block>) {
    let total: usize = blocks.iter().map(|b| b.text.len()).sum();
    let mut keep = vec![true; blocks.len()];
    let mut before = 0usize;
    let mut k = 0;
    while k < blocks.len() {
        let b = &blocks[k];
        let BlockKind::Heading(level) = b.kind else {
            before += b.text.len();
            k += 1;
            continue;
        };
        let related = b.text.chars().count() <= RELATED_HEADING_MAX_CHARS
            && before * 2 >= total
            && rules::RELATED_HEADINGS.contains(&fold(&b.text).as_str());
        if !related {
            before += b.text.len();
            k += 1;
            continue;
        }
        let end = blocks[k + 1..]
            .iter()
            .position(|n| matches!(n.kind, BlockKind::Heading(l) if l <= level))
            .map_or(blocks.len(), |p| k + 1 + p);
        keep[k..end].iter_mut().for_each(|x| *x = false);
        k = end;
    }
    let mut it = keep.into_iter();
    blocks.retain(|_| it.next().unwrap_or(true));
}

/// Longest line taken for a byline.
const BYLINE_MAX_CHARS: usize = 80;

/// A line that only names the authors: "By Priya Lindqvist", "BY ANA RUIZ
/// AND TOM LEE" (one with a date is a dateline).
fn is_byline(text: &str) -> bool {
    text.len() <= BYLINE_MAX_CHARS
        && text.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("by "))
        && !text.ends_with(['.', '!', '?', ':'])
        && crate::metadata::author::clean_authors(text)
            .is_some_and(|n| crate::metadata::author::looks_like_names(&n))
}

/// Characters an author line may hold besides the names (a role, a desk).
const AUTHOR_LINE_SLACK: usize = 40;

/// Whether a line is the byline of the known authors ("; "-joined): it starts
/// with the first name, and once every name is taken out, little is left
/// ("Jane Doe, Staff Writer", "Jane Doe and Li Wei | Science Desk").
fn is_author_line(text: &str, authors: &str) -> bool {
    let line = fold(text);
    let line = line.strip_prefix("by ").unwrap_or(&line);
    let mut names = authors.split("; ").map(fold).filter(|n| !n.is_empty());
    let Some(first) = names.next() else {
        return false;
    };
    if !line.starts_with(&first) {
        return false;
    }
    let mut rest = line[first.len()..].to_string();
    for n in names {
        rest = rest.replacen(&n, "", 1);
    }
    rest.len() <= AUTHOR_LINE_SLACK && !text.ends_with(['.', '!', '?'])
}

/// Extra characters a headline block may carry beyond the title ("Column: ").
const HEADLINE_SLACK: usize = 24;

/// Whether a folded block is the headline: equal to it, or the title with a
/// short label before or after it.
fn is_headline(block: &str, headlines: &[String]) -> bool {
    headlines.iter().any(|h| {
        block == h
            || block.len() <= h.len() + HEADLINE_SLACK
                && h.len() >= 20
                && (block.ends_with(h.as_str()) || block.starts_with(h.as_str()))
    })
}

/// Share of a block's bytes inside links above which it is "linked".
const LINKED_SHARE: f32 = 0.8;
/// Fewest words a link-only paragraph needs to count as a teaser (a lone
/// linked word or name is more often a term in a list or table).
const LINK_LINE_MIN_WORDS: usize = 4;
/// Longest paragraph that is dropped for being one link.
const LINK_LINE_MAX_CHARS: usize = 200;

/// A paragraph or heading that is nothing but a link: a "read also"
/// teaser set between the article's paragraphs.
fn is_link_line(b: &Block) -> bool {
    b.linked
        && matches!(b.kind, BlockKind::Para | BlockKind::Heading(_))
        && b.text.chars().count() <= LINK_LINE_MAX_CHARS
        && b.text.split_whitespace().count() >= LINK_LINE_MIN_WORDS
}

/// Longest line that may be taken for a dateline.
const DATELINE_MAX_CHARS: usize = 120;
/// Most words (besides the date) a dateline may have.
const DATELINE_MAX_WORDS: usize = 16;

/// A short line that is mostly a date: "Updated 5:27 am, Nov 20, 2019",
/// "PUBLISHED: 10:48, Tue, Nov 19, 2019", "Published 1 day ago".
fn is_dateline(text: &str, now: chrono::NaiveDate) -> bool {
    let byline = text.len() <= 2 * DATELINE_MAX_CHARS
        && text.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("by "));
    (byline
        || text.len() <= DATELINE_MAX_CHARS
            && !text.ends_with('.')
            && text.split_whitespace().count() <= DATELINE_MAX_WORDS)
        && crate::metadata::date::find_in_text(text, now).is_some()
        || crate::metadata::date::is_relative_time(text)
}

fn joins_tight(a: &Block, b: &Block) -> bool {
    matches!(
        (a.kind, b.kind),
        (BlockKind::Item { .. }, BlockKind::Item { cont: false, .. })
            | (BlockKind::Row { .. }, BlockKind::Row { first: false })
    )
}

/// Plain text: blocks separated by a blank line, list items and table rows
/// by a line break.
pub fn to_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for (k, b) in blocks.iter().enumerate() {
        if k > 0 {
            out.push_str(if joins_tight(&blocks[k - 1], b) {
                "\n"
            } else {
                "\n\n"
            });
        }
        out.push_str(&b.text);
    }
    out
}

/// Markdown: headings, lists, quotes, code fences and tables kept.
pub fn to_markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for (k, b) in blocks.iter().enumerate() {
        if k > 0 {
            out.push_str(if joins_tight(&blocks[k - 1], b) {
                "\n"
            } else {
                "\n\n"
            });
        }
        let quote = "> ".repeat(b.quote as usize);
        let body = match b.kind {
            BlockKind::Para => b.text.clone(),
            BlockKind::Heading(l) => format!(
                "{} {}",
                "#".repeat(l.clamp(1, 6) as usize),
                b.text.replace('\n', " ")
            ),
            BlockKind::Item {
                depth,
                number,
                cont,
            } => {
                let indent = "  ".repeat(depth as usize);
                let marker = match number {
                    Some(n) => format!("{n}. "),
                    None => "- ".to_string(),
                };
                let pad = " ".repeat(marker.len());
                let mut s = String::new();
                for (j, line) in b.text.lines().enumerate() {
                    if j > 0 {
                        s.push('\n');
                    }
                    s.push_str(&indent);
                    s.push_str(if j == 0 && !cont { &marker } else { &pad });
                    s.push_str(line);
                }
                s
            }
            BlockKind::Pre => format!("```\n{}\n```", b.text),
            BlockKind::Row { first } => {
                let row = format!("| {} |", b.text);
                if first {
                    let cols = b.text.matches(" | ").count() + 1;
                    format!("{row}\n|{}", " --- |".repeat(cols))
                } else {
                    row
                }
            }
            BlockKind::Caption => format!("*{}*", b.text),
        };
        if quote.is_empty() {
            out.push_str(&body);
        } else {
            let q: Vec<String> = body
                .lines()
                .map(|l| format!("{quote}{l}").trim_end().to_string())
                .collect();
            out.push_str(&q.join("\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn related_sections_close_the_article_only_in_its_second_half() {
        let b = |kind, text: &str| Block {
            kind,
            quote: 0,
            text: text.to_string(),
            linked: false,
        };
        let story = "A paragraph of the story, long enough to weigh something in the text.";
        let mut blocks = vec![
            b(BlockKind::Para, story),
            b(BlockKind::Para, story),
            b(BlockKind::Heading(2), "Related posts"),
            b(BlockKind::Para, "Another story's summary."),
            b(BlockKind::Heading(3), "Its subheading"),
            b(BlockKind::Para, "More of another story."),
            b(BlockKind::Heading(2), "Notes"),
            b(BlockKind::Para, "The article's own notes."),
        ];
        drop_related_sections(&mut blocks);
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, [story, story, "Notes", "The article's own notes."]);

        // Near the top, the same heading opens a part of the article.
        let mut blocks = vec![
            b(BlockKind::Heading(2), "Related posts"),
            b(BlockKind::Para, story),
        ];
        drop_related_sections(&mut blocks);
        assert_eq!(blocks.len(), 2);
    }

    #[test]
    fn credits_and_copyright_lines() {
        assert!(is_credited_caption(
            "The plague wiped out half of Europe (Image: GETTY)"
        ));
        assert!(is_credited_caption(
            "A village near the farm (photo: Reuters)"
        ));
        assert!(!is_credited_caption(
            "The council met on Monday (the first time since May)."
        ));
        assert!(!is_credited_caption("He said so (image: none)."));
        assert!(is_boilerplate_line(
            "© 2019 Associated Press. All Rights Reserved."
        ));
        assert!(is_boilerplate_line(
            "The contents of this site are ©2019 Capitol Hill Publishing Corp."
        ));
        assert!(is_boilerplate_line("© Reuters"));
        assert!(is_boilerplate_line(
            "There's plenty more. Sign up for The Briefing to get the free daily newsletter delivered to your inbox."
        ));
        assert!(!is_boilerplate_line(
            "The paper's newsletter team said readers who subscribe stay longer, a finding the board discussed at length on Monday, though it did not say how many had signed up."
        ));
        assert!(!is_boilerplate_line(
            "This isn’t supposed to be a manifesto™© we just think it’s cool to share."
        ));
    }

    #[test]
    fn author_lines_are_told_from_sentences() {
        assert!(is_author_line(
            "Irina Volkova, Associated Desk",
            "Irina Volkova"
        ));
        assert!(is_author_line(
            "By Jane Doe and Li Wei | Science",
            "Jane Doe; Li Wei"
        ));
        assert!(!is_author_line(
            "Irina Volkova said the launch would go ahead.",
            "Irina Volkova"
        ));
        assert!(!is_author_line(
            "Irina Volkova, who has covered the space agency for twenty years and more, retires today",
            "Irina Volkova"
        ));
        assert!(!is_author_line("Associated Desk", "Irina Volkova"));
    }

    #[test]
    fn bylines_are_told_from_sentences() {
        assert!(is_byline("By Priya Lindqvist"));
        assert!(is_byline("BY ANA RUIZ AND TOM LEE"));
        assert!(!is_byline("By the end of the week, the river had risen."));
        assert!(!is_byline("By noon"));
    }

    fn render(html: &str) -> Vec<Block> {
        let h = Html::parse_document(html);
        let doc = Doc::build(&h);
        let removed = vec![false; doc.nodes.len()];
        blocks(&doc, &[doc.body], &removed)
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
    fn boilerplate_lines_and_title_are_filtered() {
        let blocks = vec![
            Block {
                kind: BlockKind::Heading(1),
                quote: 0,
                text: "My Title".into(),
                linked: false,
            },
            Block {
                kind: BlockKind::Para,
                quote: 0,
                text: "Advertisement".into(),
                linked: false,
            },
            Block {
                kind: BlockKind::Para,
                quote: 0,
                text: "Please enter your comment!".into(),
                linked: false,
            },
            Block {
                kind: BlockKind::Para,
                quote: 0,
                text: "Updated 5:27 am CST, Wednesday, November 20, 2019".into(),
                linked: false,
            },
            Block {
                kind: BlockKind::Para,
                quote: 0,
                text: "Real text here.".into(),
                linked: false,
            },
        ];
        let now = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let out = filter_blocks(blocks, &["My title"], None, now);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, "Real text here.");
    }
}
