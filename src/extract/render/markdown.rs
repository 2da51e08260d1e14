//! Writing blocks out: plain text (blocks separated by a blank line) and
//! Markdown (headings, lists, quotes, code fences and tables kept).

use crate::extract::model::{Article, Block, BlockKind};

impl Article {
    /// The article as Markdown (headings, lists, quotes, code, tables kept).
    pub fn markdown(&self) -> String {
        to_markdown(&self.blocks)
    }
}

fn joins_tight(a: &Block, b: &Block) -> bool {
    matches!(
        (a.kind, b.kind),
        (BlockKind::Item { .. }, BlockKind::Item { cont: false, .. })
            | (BlockKind::Row { .. }, BlockKind::Row { first: false })
    )
}

/// What goes between two blocks: a line break inside a list or a table, a
/// blank line elsewhere.
fn separator(a: &Block, b: &Block) -> &'static str {
    if joins_tight(a, b) { "\n" } else { "\n\n" }
}

/// Plain text: blocks separated by a blank line, list items and table rows
/// by a line break.
pub fn to_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut last: Option<&Block> = None;
    // A block of images alone has no text.
    for b in blocks.iter().filter(|b| !b.text.is_empty()) {
        if let Some(a) = last {
            out.push_str(separator(a, b));
        }
        out.push_str(&b.text);
        last = Some(b);
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
            out.push_str(separator(&blocks[k - 1], b));
        }
        let quote = "> ".repeat(b.quote as usize);
        // The text, escaped, or the inline Markdown the walker made of it.
        let inline = |context| match &b.md {
            Some(md) => md.clone(),
            None => escape_markdown(&b.text, context),
        };
        let body = match b.kind {
            // Line breaks inside quotes are kept (a backslash before the
            // line end is a hard break).
            BlockKind::Para if b.quote > 0 => inline(Context::Block).replace('\n', "\\\n"),
            BlockKind::Para => inline(Context::Block),
            BlockKind::Heading(l) => format!(
                "{} {}",
                "#".repeat(l.clamp(1, 6) as usize),
                match &b.md {
                    Some(md) => md.replace('\n', " "),
                    None => escape_markdown(&b.text.replace('\n', " "), Context::Heading),
                }
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
                for (j, line) in inline(Context::Block).lines().enumerate() {
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
            BlockKind::Caption => format!("*{}*", inline(Context::Caption)),
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
pub(crate) enum Context {
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
pub(crate) fn escape_markdown(text: &str, context: Context) -> String {
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

    fn block(kind: BlockKind, quote: u8, text: &str) -> Block {
        Block {
            quote,
            ..Block::of(kind, text)
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
