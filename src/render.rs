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
///
/// Text that would read as markup is escaped with CommonMark backslash
/// escapes, so that rendering the Markdown gives back the text. Table rows are split into cells at " | ", as
/// [`to_text`] joins them.
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
            BlockKind::Para => escape_markdown(&b.text, Context::Block),
            BlockKind::Heading(l) => format!(
                "{} {}",
                "#".repeat(l.clamp(1, 6) as usize),
                escape_markdown(&b.text.replace('\n', " "), Context::Heading)
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
                for (j, line) in escape_markdown(&b.text, Context::Block).lines().enumerate() {
                    if j > 0 {
                        s.push('\n');
                    }
                    s.push_str(&indent);
                    s.push_str(if j == 0 && !cont { &marker } else { &pad });
                    s.push_str(line);
                }
                s
            }
            BlockKind::Pre => {
                // A fence longer than any run of backticks in the code.
                let longest = b.text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                let fence = "`".repeat(longest.max(2) + 1);
                format!("{fence}\n{}\n{fence}", b.text)
            }
            BlockKind::Row { first } => {
                let cells: Vec<String> = b
                    .text
                    .split(" | ")
                    .map(|c| escape_markdown(c, Context::Cell))
                    .collect();
                let row = format!("| {} |", cells.join(" | "));
                if first {
                    format!("{row}\n|{}", " --- |".repeat(cells.len()))
                } else {
                    row
                }
            }
            BlockKind::Caption => format!("*{}*", escape_markdown(&b.text, Context::Caption)),
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

/// Where escaped text goes in the Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Lines that start blocks: a paragraph, a list item, a quote.
    Block,
    /// The text of an ATX heading, after `## `.
    Heading,
    /// A table cell.
    Cell,
    /// Between the `*` of an emphasis.
    Caption,
}

/// Escape `text` for Markdown with CommonMark backslash escapes (and GFM's
/// tables and strikethrough), minimally: a character gets a backslash only
/// where it could be read as markup.
///
/// - at the start of a line: `#` headings, `>` quotes, `-`, `+`, `*` and
///   `1.` / `1)` list markers, `---` / `***` / `___` breaks, `===` and `---`
///   underlines, `` ``` `` and `~~~` fences, `<` of an HTML block, a table's
///   `| --- |` delimiter row;
/// - anywhere: `*`, `_` and `~` runs that can open or close emphasis or
///   strikethrough, when there are two such runs to pair (not `2 * 3`,
///   `snake_case` or a lone `5*`), backticks when a run of
///   the same length could close a code span, `[` when a `](` or `]:`
///   could make a link, `<` that could start a tag or an autolink, `&`
///   that starts an entity, `\` before punctuation or a line end;
/// - a heading's closing `#`s, and `|` in a table cell.
fn escape_markdown(text: &str, context: Context) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut esc = vec![false; n];
    let at = |i: usize| chars.get(i).copied();
    // Outside the emphasis of a caption the text has its neighbours.
    let edge_is_space = context != Context::Caption;
    let space = |c: Option<char>| c.map_or(edge_is_space, char::is_whitespace);
    let last_gt = chars.iter().rposition(|&c| c == '>');
    // No link reference definition survives (see `]:`), so only an
    // inline link `[text](url)` can make one.
    let links = ["](", "]:"].iter().any(|p| text.contains(p));
    let mut tick_runs: Vec<(usize, usize)> = Vec::new();
    // Runs of `*`, `_` and `~` that could open or close emphasis.
    let mut delimiter_runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let prev = i.checked_sub(1).and_then(at);
        let next = at(i + run);
        let flag_run = match c {
            '*' | '~' => !(space(prev) && space(next)),
            '_' => {
                !(prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric))
            }
            '`' => {
                tick_runs.push((i, run));
                false
            }
            _ => false,
        };
        if flag_run {
            delimiter_runs.push((i, run));
        }
        for k in i..i + run {
            let next = at(k + 1);
            esc[k] |= match c {
                '\\' => next.is_none_or(|x| x.is_ascii_punctuation() || x == '\n'),
                '[' => links,
                '<' => last_gt.is_some_and(|g| g > k) && tag_like(&chars[k + 1..]),
                '&' => starts_entity(&chars[k + 1..]),
                '|' => context == Context::Cell,
                _ => false,
            };
        }
        i += run;
    }
    // Emphasis needs two runs of the same character (the `*` around a
    // caption is one).
    for c in ['*', '_', '~'] {
        let runs = || {
            delimiter_runs
                .iter()
                .filter(|&&(start, _)| chars[start] == c)
        };
        let others = usize::from(c == '*' && context == Context::Caption);
        if runs().count() + others >= 2 {
            for &(start, len) in runs() {
                esc[start..start + len].fill(true);
            }
        }
    }
    // A code span needs a closing run of the same length.
    for &(start, len) in &tick_runs {
        if tick_runs.iter().filter(|&&(_, l)| l == len).count() > 1 {
            esc[start..start + len].fill(true);
        }
    }
    match context {
        Context::Block | Context::Caption => {
            let mut start = 0;
            for (line, l) in text.split('\n').enumerate() {
                let len = l.chars().count();
                if context == Context::Block || line > 0 {
                    escape_line_start(&chars[start..start + len], &mut esc[start..start + len]);
                }
                start += len + 1;
            }
        }
        Context::Heading => {
            // A closing sequence: `#`s at the end, after a space or alone.
            let hashes = chars.iter().rev().take_while(|&&c| c == '#').count();
            if hashes > 0 && (hashes == n || chars[n - hashes - 1].is_whitespace()) {
                esc[n - hashes] = true;
            }
        }
        Context::Cell => {}
    }
    // What is left of a delimiter run after its first character is escaped
    // may still open or close emphasis: escape the whole run.
    let mut i = 0;
    while i < n {
        let run = chars[i..].iter().take_while(|&&x| x == chars[i]).count();
        if matches!(chars[i], '*' | '_' | '~') && esc[i..i + run].contains(&true) {
            esc[i..i + run].fill(true);
        }
        i += run;
    }
    // An escaped backtick still closes a code span that an unescaped one
    // opened: escape one, escape them all.
    if tick_runs.iter().any(|&(start, _)| esc[start]) {
        for &(start, len) in &tick_runs {
            esc[start..start + len].fill(true);
        }
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (c, e) in chars.iter().zip(&esc) {
        if *e {
            out.push('\\');
        }
        out.push(*c);
    }
    out
}

/// Whether `rest` (after a `<`) could start an HTML tag, a comment, a
/// declaration or an autolink: `<b>`, `</p>`, `<!--`, `<https://x>`,
/// `<a@b.c>`; not `< 3` or `<T, E>`.
fn tag_like(rest: &[char]) -> bool {
    match rest.first() {
        Some('!' | '?') => true,
        Some('/') => rest.get(1).is_some_and(char::is_ascii_alphabetic),
        Some(c) if c.is_ascii_alphabetic() => {
            let name = rest
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '-')
                .count();
            match rest.get(name) {
                None => true,
                Some(&c) if c.is_whitespace() || c == '/' || c == '>' => true,
                _ => {
                    let inside: Vec<&char> = rest.iter().take_while(|&&c| c != '>').collect();
                    !inside.iter().any(|c| c.is_whitespace() || **c == '<')
                        && inside.iter().any(|&&c| c == ':' || c == '@')
                }
            }
        }
        _ => false,
    }
}

/// Whether `rest` (after a `&`) is the body of an entity or character
/// reference: `amp;`, `#38;`, `#x26;`.
fn starts_entity(rest: &[char]) -> bool {
    let body = match rest {
        ['#', 'x' | 'X', tail @ ..] => tail.iter().take_while(|c| c.is_ascii_hexdigit()).count(),
        ['#', tail @ ..] => tail.iter().take_while(|c| c.is_ascii_digit()).count(),
        [c, ..] if c.is_ascii_alphabetic() => rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count(),
        _ => return false,
    };
    let skip = match rest {
        ['#', 'x' | 'X', ..] => 2,
        ['#', ..] => 1,
        _ => 0,
    };
    body > 0 && rest.get(skip + body) == Some(&';')
}

/// Mark what would start a block at the start of `line`.
fn escape_line_start(line: &[char], esc: &mut [bool]) {
    let Some(&first) = line.first() else {
        return;
    };
    let blank_at = |i: usize| line.get(i).is_none_or(|&c| c == ' ' || c == '\t');
    let run = line.iter().take_while(|&&c| c == first).count();
    let rest_blank = line[run..].iter().all(|c| c.is_whitespace());
    match first {
        '#' if run <= 6 && blank_at(run) => esc[0] = true,
        '>' => esc[0] = true,
        '-' | '+' | '*' if blank_at(1) => esc[0] = true,
        '<' if line
            .get(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')) =>
        {
            esc[0] = true
        }
        '`' if run >= 3 => esc[..run].fill(true),
        '~' if run >= 3 => esc[0] = true,
        // setext underlines
        '=' | '-' if rest_blank => esc[0] = true,
        '0'..='9' => {
            let digits = line.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits <= 9 && matches!(line.get(digits), Some('.' | ')')) && blank_at(digits + 1) {
                esc[digits] = true;
            }
        }
        _ => {}
    }
    // thematic breaks: `- - -`, `***`, `_ _ _`
    if matches!(first, '-' | '*' | '_') {
        let marks = line.iter().filter(|&&c| c == first).count();
        if marks >= 3 && line.iter().all(|&c| c == first || c == ' ' || c == '\t') {
            esc[0] = true;
        }
    }
    // a table's delimiter row
    if line.contains(&'-')
        && line
            .iter()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
    {
        if let Some(d) = line.iter().position(|&c| c == '-') {
            esc[d] = true;
        }
    }
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

    fn block(kind: BlockKind, quote: u8, text: &str) -> Block {
        Block {
            kind,
            quote,
            text: text.to_string(),
            linked: false,
        }
    }

    #[test]
    fn markdown_escapes_what_would_read_as_markup() {
        let para = |t: &str| to_markdown(&[block(BlockKind::Para, 0, t)]);
        for (text, md) in [
            ("# not a heading", "\\# not a heading"),
            ("#hashtag stays", "#hashtag stays"),
            ("1. not a list", "1\\. not a list"),
            ("2019) a year", "2019\\) a year"),
            ("- not an item", "\\- not an item"),
            ("+ neither", "\\+ neither"),
            ("* nor this", "\\* nor this"),
            ("> not a quote", "\\> not a quote"),
            ("a line\n---", "a line\n\\---"),
            ("a line\n===", "a line\n\\==="),
            ("* * *", "\\* * *"),
            ("***", "\\*\\*\\*"),
            ("```\ncode?", "\\`\\`\\`\ncode?"),
            ("<div>not html</div>", "\\<div>not html\\</div>"),
            ("a <b>tag</b> here", "a \\<b>tag\\</b> here"),
            ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
            ("2 * 3 * 4", "2 * 3 * 4"),
            ("snake_case_name", "snake_case_name"),
            ("*stars* and _under_", "\\*stars\\* and \\_under\\_"),
            ("use `code` here", "use \\`code\\` here"),
            ("a lone ` tick", "a lone ` tick"),
            ("[text](x) and [1]", "\\[text](x) and \\[1]"),
            ("just [1][2] here", "just [1][2] here"),
            ("a lone 5* and _x", "a lone 5* and _x"),
            ("Result<T, E> and Vec<u8>", "Result<T, E> and Vec\\<u8>"),
            (
                "mail <a@b.c> or <https://x.y>",
                "mail \\<a@b.c> or \\<https://x.y>",
            ),
            ("AT&amp;T and R&D", "AT\\&amp;T and R&D"),
            ("C:\\ and a\\*b", "C:\\ and a\\\\*b"),
            ("~approx~ 5", "\\~approx\\~ 5"),
        ] {
            assert_eq!(para(text), md, "{text:?}");
        }
        let h = to_markdown(&[block(BlockKind::Heading(2), 0, "Issue #")]);
        assert_eq!(h, "## Issue \\#");
        let rows = to_markdown(&[
            block(BlockKind::Row { first: true }, 0, "a|b | c"),
            block(BlockKind::Row { first: false }, 0, "1 | *2*"),
        ]);
        assert_eq!(rows, "| a\\|b | c |\n| --- | --- |\n| 1 | \\*2\\* |");
        let item = to_markdown(&[block(
            BlockKind::Item {
                depth: 0,
                number: None,
                cont: false,
            },
            0,
            "1. inside\n# too",
        )]);
        assert_eq!(item, "- 1\\. inside\n  \\# too");
        let pre = to_markdown(&[block(BlockKind::Pre, 0, "```\nx")]);
        assert_eq!(pre, "````\n```\nx\n````");
        let caption = to_markdown(&[block(BlockKind::Caption, 0, "* note")]);
        assert_eq!(caption, "*\\* note*");
    }

    /// The text of rendered Markdown, one string per paragraph, heading,
    /// list item, code block and table row (cells joined with " | "), and
    /// the names of the inline markup found in it.
    fn rendered(md: &str) -> (Vec<String>, Vec<String>) {
        use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
        let mut texts = Vec::new();
        let mut markup = Vec::new();
        let mut buf = String::new();
        let mut cells: Vec<String> = Vec::new();
        let mut in_caption = false;
        for event in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
            match event {
                Event::Text(t) => buf.push_str(&t),
                Event::SoftBreak | Event::HardBreak => buf.push('\n'),
                Event::Code(c) => markup.push(format!("code {c}")),
                Event::Html(h) | Event::InlineHtml(h) => markup.push(format!("html {h}")),
                Event::Start(Tag::Emphasis) if buf.is_empty() && !in_caption => in_caption = true,
                Event::Start(
                    t @ (Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Link { .. }
                    | Tag::Image { .. }),
                ) => markup.push(format!("{t:?}")),
                Event::End(TagEnd::TableCell) => cells.push(std::mem::take(&mut buf)),
                Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                    texts.push(cells.join(" | "));
                    cells.clear();
                }
                Event::End(
                    TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
                ) => {
                    let t = std::mem::take(&mut buf);
                    let t = t.strip_suffix('\n').unwrap_or(&t);
                    if !t.is_empty() {
                        texts.push(t.to_string());
                    }
                    in_caption = false;
                }
                Event::Start(Tag::Item) if !buf.is_empty() => {
                    // a nested list ends its parent item's text
                    texts.push(std::mem::take(&mut buf));
                }
                _ => {}
            }
        }
        (texts, markup)
    }

    #[test]
    fn markdown_renders_back_to_the_text() {
        const BITS: &[&str] = &[
            "word",
            "two words",
            "#",
            "##",
            "# ",
            "1.",
            "2)",
            "10.",
            "-",
            "- ",
            "+ ",
            "* ",
            "*",
            "**",
            "_",
            "__",
            "~",
            "~~",
            "`",
            "``",
            "```",
            ">",
            "> ",
            "<",
            "<b>",
            "</p>",
            "<div",
            "<!--",
            "<?x",
            "<http://a.b>",
            "[",
            "]",
            "](",
            "][",
            "]:",
            "![",
            "(x)",
            "&amp;",
            "&#38;",
            "&x",
            "\\",
            "\\*",
            "---",
            "===",
            "***",
            "___",
            "|",
            " | ",
            ":--",
            "a_b",
            "2 * 3",
            "snake_case",
            "é",
            "文字",
            "!",
            "\"",
            "'",
            "=",
            ":",
            ".",
            ")",
            "  ",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..3000 {
            let mut text = String::new();
            for _ in 0..next(8) + 1 {
                text.push_str(BITS[next(BITS.len())]);
                if next(3) == 0 {
                    text.push(if next(4) == 0 { '\n' } else { ' ' });
                }
            }
            // Blocks hold trimmed lines, as the walker makes them.
            let text: String = text
                .split('\n')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            if text.is_empty() {
                continue;
            }
            let kinds = [
                BlockKind::Para,
                BlockKind::Heading(2),
                BlockKind::Item {
                    depth: 0,
                    number: Some(3),
                    cont: false,
                },
                BlockKind::Caption,
                BlockKind::Pre,
            ];
            let kind = kinds[round % kinds.len()];
            let quote = (round / kinds.len() % 2) as u8;
            let b = block(kind, quote, &text);
            let md = to_markdown(&[b.clone(), block(BlockKind::Para, 0, "end")]);
            let (texts, markup) = rendered(&md);
            let want = match kind {
                BlockKind::Heading(_) => text.replace('\n', " "),
                _ => text.clone(),
            };
            assert_eq!(
                texts,
                [want.as_str(), "end"],
                "{kind:?} {text:?} rendered as {md:?}"
            );
            assert!(markup.is_empty(), "{text:?} rendered as {md:?}: {markup:?}");
        }
        // Table rows, whose cells hold no " | ".
        for _ in 0..500 {
            let cell = |next: &mut dyn FnMut(usize) -> usize| {
                let mut c = String::new();
                for _ in 0..next(4) + 1 {
                    c.push_str(BITS[next(BITS.len())].trim());
                }
                let c = c.replace('\n', " ");
                if c.trim().is_empty() {
                    "x".to_string()
                } else {
                    c.trim().to_string()
                }
            };
            let head = format!("{} | {}", cell(&mut next), cell(&mut next));
            let row = format!("{} | {}", cell(&mut next), cell(&mut next));
            if head.matches(" | ").count() > 1 || row.matches(" | ").count() > 1 {
                continue;
            }
            let md = to_markdown(&[
                block(BlockKind::Row { first: true }, 0, &head),
                block(BlockKind::Row { first: false }, 0, &row),
            ]);
            let (texts, markup) = rendered(&md);
            assert_eq!(texts, [head.as_str(), row.as_str()], "rendered as {md:?}");
            assert!(markup.is_empty(), "rendered as {md:?}: {markup:?}");
        }
    }
}
