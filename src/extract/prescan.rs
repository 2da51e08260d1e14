//! A byte scan before parsing that drops what no article needs.
//!
//! Most of a modern page's bytes sit inside `<script>`, `<style>`, `<svg>`,
//! `<noscript>`, `<template>` and HTML comments (MathML stays: formulas are
//! text). None of it is article text, and parsing it costs more than the
//! rest of extraction, so one forward scan cuts those ranges out before the
//! HTML parser runs, and with them the attributes no stage reads. The
//! contents of `<script type="application/ld+json">` are kept aside for the
//! metadata stage.
//!
//! The scan reads markup as the HTML tokenizer does, so that what it cuts is
//! what the parser would have built, and text stays text:
//!
//! - a tag runs to its `>`, past `>` and `<` inside quoted attribute values;
//! - a comment `<!--` ends at the first `-->` or `--!>`, and `<!-->` and
//!   `<!--->` are already closed; `<!…>` (doctype included), `<?…>` and
//!   `</` followed by no letter are bogus comments up to the next `>`;
//! - the content of `script` (with its `<!--` escapes), `style`, `textarea`,
//!   `title`, `xmp`, `iframe`, `noembed`, `noframes` and `noscript` (parsed
//!   with scripting on, as `scraper` does) is text up to the first end tag of
//!   the same name followed by whitespace, `/` or `>`, any case; after
//!   `<plaintext>` everything is text;
//! - in SVG and MathML (foreign content) `<script>` and `<style>` are
//!   ordinary elements, `<![CDATA[…]]>` is text, and a start tag such as `<p>`,
//!   `<div>` or `<b>` (or an end tag of an enclosing HTML element) ends the
//!   foreign element, except inside `foreignObject`, `desc`, `title` and the
//!   MathML token elements, whose content is HTML again.
//!
//! Where an element ends is the tree builder's business, and the scan
//! models only part of it: a rough stack of the open HTML elements (with the
//! commonest implied ends: a block closes a `<p>`, `<li>` the `<li>` before,
//! formatting elements are reopened), which end tags reach which elements
//! (down to a special element or a scope boundary), foreign content's
//! integration points and break-outs, and what a table does to an element
//! moved out of it. Where it cannot tell where a cut element ends (a
//! `<video>` holding a `<p>`, an `<object>` meeting table markup), the
//! elements that are cut only when closed are left to the parser whole.
//! Pages malformed past that (a misnested formatting element reopened in a
//! table, say) can still differ: a unit test checks on generated and
//! mutated pages that the parser finds the same text outside the cut
//! elements with and without the scan.

use memchr::{memchr, memchr2, memmem};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// What the scan produced.
#[derive(Debug, Default)]
pub struct Prescanned<'a> {
    /// The HTML with dropped ranges cut out.
    pub html: Cow<'a, str>,
    /// The raw text of every JSON-LD block, in document order.
    pub json_ld: Vec<&'a str>,
    /// Start tags left in `html`, with the formatting elements the parser
    /// will open again: about the number of elements it will build.
    pub elements: usize,
    /// Tags with text before them: about the number of text nodes the
    /// parser will build.
    pub texts: usize,
}

/// Elements whose whole range (tags and content) is dropped.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "select", "iframe", "object", "video",
    "audio", "canvas", "datalist",
];
/// Of those, the ones that are cut only when their end tag is there: their
/// content is ordinary markup, so an unclosed one must not swallow the page.
const CLOSED_ONLY: &[&str] = &[
    "select", "iframe", "object", "video", "audio", "canvas", "datalist",
];
/// Elements whose content the tokenizer reads as text up to their end tag
/// (RAWTEXT and RCDATA; `script` has states of its own).
const RAW_TEXT: &[&str] = &[
    "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title",
];
/// Start tags that end foreign content (SVG, MathML) where they appear in
/// it; `font` does too when it has a `color`, `face` or `size` attribute.
const BREAKOUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];
/// Elements whose end tag closes the nearest open one in scope, and
/// whatever is open inside it.
/// Tested on a lower-case name by a decision on bytes, not a scan of a list.
fn ends_in_scope(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"address"
            | b"applet"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"button"
            | b"center"
            | b"dd"
            | b"details"
            | b"dialog"
            | b"dir"
            | b"div"
            | b"dl"
            | b"dt"
            | b"fieldset"
            | b"figcaption"
            | b"figure"
            | b"footer"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"header"
            | b"hgroup"
            | b"li"
            | b"listing"
            | b"main"
            | b"marquee"
            | b"menu"
            | b"nav"
            | b"object"
            | b"ol"
            | b"pre"
            | b"search"
            | b"section"
            | b"select"
            | b"summary"
            | b"ul"
    )
}
/// Special elements (in the tree builder's sense) that stay open until an
/// end tag closes them: an end tag of another element that meets one of
/// them on its way down the stack of open elements is ignored.
/// Tested on a lower-case name by a decision on bytes, not a scan of a list.
fn is_special(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"address"
            | b"applet"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"button"
            | b"caption"
            | b"center"
            | b"colgroup"
            | b"dd"
            | b"details"
            | b"dir"
            | b"div"
            | b"dl"
            | b"dt"
            | b"fieldset"
            | b"figcaption"
            | b"figure"
            | b"footer"
            | b"form"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"header"
            | b"hgroup"
            | b"li"
            | b"listing"
            | b"main"
            | b"marquee"
            | b"menu"
            | b"nav"
            | b"object"
            | b"ol"
            | b"p"
            | b"pre"
            | b"section"
            | b"select"
            | b"summary"
            | b"table"
            | b"tbody"
            | b"td"
            | b"template"
            | b"tfoot"
            | b"th"
            | b"thead"
            | b"tr"
            | b"ul"
    )
}
/// Elements that bound the scope in which the parser looks for an open
/// `<object>` or `<select>` when it meets the end tag.
/// Tested on a lower-case name by a decision on bytes, not a scan of a list.
fn is_scope_boundary(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"applet"
            | b"caption"
            | b"marquee"
            | b"object"
            | b"select"
            | b"table"
            | b"td"
            | b"template"
            | b"th"
    )
}
/// Formatting elements: their end tag (the adoption agency algorithm) ends
/// up closing what is open inside the nearest one in scope.
/// Tested on a lower-case name by a decision on bytes, not a scan of a list.
fn is_formatting(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"a" | b"b"
            | b"big"
            | b"code"
            | b"em"
            | b"font"
            | b"i"
            | b"nobr"
            | b"s"
            | b"small"
            | b"strike"
            | b"strong"
            | b"tt"
            | b"u"
    )
}
/// Table parts: the parser ignores them outside a table, and inside one
/// they close what the table's cell or row does not hold.
/// Tested on a lower-case name by a decision on bytes, not a scan of a list.
fn is_table_part(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"caption" | b"col" | b"colgroup" | b"tbody" | b"td" | b"tfoot" | b"th" | b"thead" | b"tr"
    )
}
/// Start tags that close an open `<p>` (in button scope).
/// Tested on a lower-case name by a decision on bytes, not a scan of a list.
fn closes_p(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"address"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"center"
            | b"dd"
            | b"details"
            | b"dialog"
            | b"dir"
            | b"div"
            | b"dl"
            | b"dt"
            | b"fieldset"
            | b"figcaption"
            | b"figure"
            | b"footer"
            | b"form"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"header"
            | b"hgroup"
            | b"hr"
            | b"li"
            | b"listing"
            | b"main"
            | b"menu"
            | b"nav"
            | b"ol"
            | b"p"
            | b"plaintext"
            | b"pre"
            | b"search"
            | b"section"
            | b"summary"
            | b"table"
            | b"ul"
            | b"xmp"
    )
}
/// Start tags that may close an element which is no scope boundary (a
/// `<video>`) from outside: by closing a `<p>` (or `<li>`, `<a>`, …) that
/// encloses it.
const CLOSES_FROM_OUTSIDE: &[&str] = &[
    "a",
    "dialog",
    "hr",
    "input",
    "nobr",
    "plaintext",
    "search",
    "xmp",
];

/// Deepest nesting of counted elements kept. Browsers cap nesting too;
/// the HTML parser's tree builder slows down with the square of the depth, so
/// a page of 100,000 nested `<div>`s (or `<table>`s) would otherwise take
/// minutes.
pub const MAX_DEPTH: usize = 1024;
/// Most formatting elements (`<b>`, `<code>`, `<a>` …) open at once; further
/// formatting start tags (and their end tags) are cut. The parser opens
/// again every formatting element a block closed for each later paragraph,
/// so a page that leaves thousands open costs memory with the square of its
/// size (the parser's own limit counts only identical elements).
pub const MAX_FORMATTING: usize = 32;
/// Whether the depth of `lower`, a start tag that opens markup, is counted:
/// not for elements whose end the parser implies (a `<p>` closes the `<p>`
/// before, a `<td>` the cell before …) or which never nest, as pages leave
/// them open, nor for void elements. Every other element is counted.
fn counted(lower: &[u8]) -> bool {
    !matches!(
        lower,
        b"body"
            | b"caption"
            | b"colgroup"
            | b"dd"
            | b"dt"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"head"
            | b"html"
            | b"li"
            | b"optgroup"
            | b"option"
            | b"p"
            | b"rb"
            | b"rp"
            | b"rt"
            | b"rtc"
            | b"tbody"
            | b"td"
            | b"tfoot"
            | b"th"
            | b"thead"
            | b"tr"
    ) && !is_void(lower)
}

/// Elements without content or end tag.
/// Tested on a lower-case name by a decision on bytes, not a scan of a list.
fn is_void(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"area"
            | b"base"
            | b"basefont"
            | b"bgsound"
            | b"br"
            | b"col"
            | b"embed"
            | b"frame"
            | b"hr"
            | b"image"
            | b"img"
            | b"input"
            | b"keygen"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
    )
}

/// Cut scripts, styles, SVG, templates and comments out of `html`, nesting
/// deeper than [`MAX_DEPTH`] and formatting elements past
/// [`MAX_FORMATTING`] open at once.
pub fn prescan(html: &str) -> Prescanned<'_> {
    prescan_with(html, false)
}

/// What an `<img>` keeps with `images`: its address, its text, and the
/// addresses that scripts loading images late read.
const IMAGE_ATTRIBUTES: &[&str] = &[
    "src",
    "alt",
    "srcset",
    "data-src",
    "data-srcset",
    "data-lazy-src",
    "data-lazy-srcset",
    "data-original",
    "data-url",
];

/// [`prescan`]; with `images`, `<img>` keeps its addresses and `alt`
/// ([`IMAGE_ATTRIBUTES`]: for Markdown that keeps images, and for the
/// preview).
pub fn prescan_with(html: &str, images: bool) -> Prescanned<'_> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut json_ld = Vec::new();
    let mut copied = 0; // bytes of `html` already handled (copied or skipped)
    let mut pos = 0;
    // Counted elements open, and by name: open, and cut for depth (whose
    // closers are cut too). A stray end tag lowers only its own name's count.
    let mut depth = 0usize;
    let mut depths: FxHashMap<Lower<'_>, (usize, usize)> = FxHashMap::default();
    // Formatting openers cut, by name, whose closers are cut too.
    let mut cut_formatting: Vec<(Lower<'_>, usize)> = Vec::new();
    let mut elements = 0usize;
    let mut texts = 0usize;
    let mut attrs = Vec::new();
    // For the end of foreign content and of dropped elements.
    let mut open = OpenElements::default();
    // Replace `html[start..end]` with `with`.
    let splice =
        |out: &mut Option<String>, copied: &mut usize, start: usize, end: usize, with: &str| {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len() / 2));
            o.push_str(&html[*copied..start]);
            o.push_str(with);
            *copied = end;
        };
    while let Some(off) = memchr(b'<', &bytes[pos..]) {
        let start = pos + off;
        attrs.clear();
        let tag = match token_at(bytes, start, false, Some(&mut attrs)) {
            Token::Text => {
                pos = start + 1;
                continue;
            }
            Token::Other(end) => {
                let doctype = bytes[start..].len() > 9
                    && bytes[start + 2..start + 9].eq_ignore_ascii_case(b"doctype");
                if doctype && !before_content(html, start) {
                    // The parser ignores a doctype after content; with
                    // that content cut, it would not, and would change the
                    // document's mode.
                    splice(&mut out, &mut copied, start, end, " ");
                }
                pos = end;
                continue;
            }
            Token::Comment(end) => {
                // Keep a space so that words on either side stay apart.
                splice(&mut out, &mut copied, start, end, " ");
                pos = end;
                continue;
            }
            Token::Tag(tag) => tag,
        };
        texts += usize::from(start > 0 && bytes[start - 1] != b'>');
        pos = tag.end;
        let name = &bytes[tag.name.0..tag.name.1];
        let lower_name = lowered(name);
        let lower: &[u8] = &lower_name;
        if tag.closing {
            if lower == b"noscript" {
                // The end of an unwrapped `<noscript>` (any other one is
                // consumed with its element's raw text).
                splice(&mut out, &mut copied, start, tag.end, " ");
                continue;
            }
            if is_formatting(lower) {
                if let Some(c) = cut_formatting
                    .iter_mut()
                    .find(|c| *c.0 == *lower && c.1 > 0)
                {
                    c.1 -= 1;
                    splice(&mut out, &mut copied, start, tag.end, " ");
                    continue;
                }
            }
            open.end(lower);
            if let Some(d) = depths.get_mut(lower) {
                if d.1 > 0 {
                    d.1 -= 1;
                    splice(&mut out, &mut copied, start, tag.end, " ");
                } else if d.0 > 0 {
                    d.0 -= 1;
                    depth -= 1;
                }
            }
            continue;
        }
        if lower == b"svg" || lower == b"math" {
            open.reconstruct();
        }
        // In an open `<select>` (left there as unclosed), `<select>` and
        // `<input>` close it.
        let closes_select = (lower == b"select" || lower == b"input") && open.encloses(b"select");
        if closes_select {
            open.end(b"select");
            if lower == b"select" {
                continue;
            }
        }
        if let Some(dropped) = lookup(name, DROPPED).filter(|_| !closes_select) {
            let encloses = |n: &[u8], f: usize| encloses(&open.stack, n, f);
            let mut forms = 0;
            let (content_end, close_end) =
                element_end(bytes, &tag, dropped, open.in_table(), &encloses, &mut forms);
            if dropped == "noscript"
                && !open.in_table()
                && is_fallback_page(&bytes[tag.end..content_end])
            {
                // The page's own content, served for readers without
                // scripts: parse it as markup, as a browser without scripts
                // does. (Not inside a table, where its text would be moved
                // out before the table and its blocks read as cells.)
                splice(&mut out, &mut copied, start, tag.end, " ");
                continue;
            }
            if dropped == "script" && is_json_ld(&bytes[start..tag.end]) {
                json_ld.push(&html[tag.end..content_end]);
            }
            let unclosed = content_end == bytes.len();
            if !(unclosed && CLOSED_ONLY.contains(&dropped)) {
                // A `</form>` in cut SVG still takes the form out of the
                // stack of open elements: keep it.
                let with = format!(" {}", "</form>".repeat(forms));
                splice(&mut out, &mut copied, start, close_end, &with);
                for _ in 0..forms {
                    open.end(b"form");
                }
                pos = close_end;
                continue;
            }
        } else if is_formatting(lower)
            && open.formatting >= MAX_FORMATTING
            && opens_markup(bytes, &tag)
        {
            match cut_formatting.iter_mut().find(|c| *c.0 == *lower) {
                Some(c) => c.1 += 1,
                None => cut_formatting.push((lower_name, 1)),
            }
            splice(&mut out, &mut copied, start, tag.end, " ");
            continue;
        } else if counted(lower) && opens_markup(bytes, &tag) {
            let d = depths.entry(lower_name.clone()).or_default();
            if depth >= MAX_DEPTH {
                d.1 += 1;
                splice(&mut out, &mut copied, start, tag.end, " ");
                continue;
            }
            d.0 += 1;
            depth += 1;
        }
        // The formatting elements a block closed are opened again for the
        // next inline element or text: count them too.
        elements += 1 + open.reopen.len();
        if let Some(rewritten) = strip_attributes(html, &tag, &attrs, images) {
            splice(&mut out, &mut copied, start, tag.end, &rewritten);
        }
        // Raw text (`<title>`, `<textarea>`, …) and MathML are kept as they are.
        let encloses = |n: &[u8], f: usize| encloses(&open.stack, n, f);
        let mut forms = 0;
        pos = after_start_tag(bytes, &tag, &|| open.in_table(), &encloses, &mut forms);
        for _ in 0..forms {
            open.end(b"form");
        }
        if opens_markup(bytes, &tag) {
            open.start(lower_name);
        }
    }
    let html = match out {
        Some(mut o) => {
            o.push_str(&html[copied.min(html.len())..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(html),
    };
    Prescanned {
        html,
        json_ld,
        elements,
        texts,
    }
}

/// Text a `<noscript>` must hold to be read as the page's content.
const FALLBACK_MIN_TEXT: usize = 500;
/// How far into a `<noscript>` a notice asking for scripts is looked for.
const FALLBACK_NOTICE_SPAN: usize = 1000;

/// Whether the content of a `<noscript>` is a page's content for readers
/// without scripts (a forum thread or a catalogue rendered on the server
/// while the live page is built by scripts): blocks of markup around at
/// least [`FALLBACK_MIN_TEXT`] bytes of text, not a tracking pixel or a
/// "please enable JavaScript" box (which opens by saying so). The markup
/// must also close what it opens that the tokenizer reads as text (a
/// comment, a script, a `<textarea>`…): read as markup, it must not reach
/// past the `<noscript>`.
fn is_fallback_page(content: &[u8]) -> bool {
    if content.len() < FALLBACK_MIN_TEXT {
        return false;
    }
    let opening = &content[..content.len().min(FALLBACK_NOTICE_SPAN)];
    if memmem::find(&opening.to_ascii_lowercase(), b"javascript").is_some() {
        return false;
    }
    let len = content.len();
    let visible = |t: &[u8]| t.iter().filter(|c| !c.is_ascii_whitespace()).count();
    let (mut text, mut blocks, mut pos) = (0, 0, 0);
    while let Some(off) = memchr(b'<', &content[pos..]) {
        let lt = pos + off;
        text += visible(&content[pos..lt]);
        pos = match token_at(content, lt, false, None) {
            Token::Text => lt + 1,
            Token::Comment(end) => {
                let closed =
                    content[lt..end].ends_with(b"-->") || content[lt..end].ends_with(b"--!>");
                if end == len && !closed {
                    return false;
                }
                end
            }
            Token::Other(end) if end == len => {
                // A tag cut short by the end (a quote left open), or a
                // bogus comment that does not close.
                let tag = content[lt + 1..].iter().find(|c| **c != b'/');
                if tag.is_some_and(u8::is_ascii_alphabetic) || !content.ends_with(b">") {
                    return false;
                }
                end
            }
            Token::Other(end) => end,
            Token::Tag(tag) => {
                let name = &content[tag.name.0..tag.name.1];
                if !tag.closing
                    && lookup(name, &["p", "div", "article", "li", "section", "td"]).is_some()
                {
                    blocks += 1;
                }
                if tag.closing || tag.self_closing {
                    tag.end
                } else if name.eq_ignore_ascii_case(b"script") {
                    match script_end(content, tag.end) {
                        (at, _) if at == len => return false,
                        (_, end) => end,
                    }
                } else if name.eq_ignore_ascii_case(b"plaintext") {
                    return false;
                } else if let Some(raw) = lookup(name, RAW_TEXT) {
                    match raw_text_end(content, tag.end, raw) {
                        (at, _) if at == len => return false,
                        (_, end) => end,
                    }
                } else {
                    tag.end
                }
            }
        };
    }
    text += visible(&content[pos.min(len)..]);
    blocks >= 2 && text >= FALLBACK_MIN_TEXT
}

/// Whether only whitespace and comments come before `at`: a doctype there
/// sets the document's mode.
fn before_content(html: &str, at: usize) -> bool {
    let b = html.as_bytes();
    let mut i = 0;
    while i < at {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => i += 1,
            b'<' => match token_at(b, i, false, None) {
                Token::Comment(end) | Token::Other(end) => i = end,
                _ => return false,
            },
            _ => return false,
        }
    }
    true
}

/// Attributes that some stage reads; every other attribute (`src`,
/// `srcset`, `data-*`, `on*`, `alt`, …) is cut before parsing, since the
/// parser's cost grows with every byte it tokenizes.
/// Tested on a lower-case name by a decision on bytes, not a scan of a list.
fn is_kept_attribute(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"class"
            | b"id"
            | b"hidden"
            | b"aria-hidden"
            | b"aria-expanded"
            | b"aria-controls"
            | b"style"
            | b"role"
            | b"itemprop"
            | b"itemtype"
            | b"content"
            | b"property"
            | b"name"
            | b"http-equiv"
            | b"href"
            | b"rel"
            | b"datetime"
            | b"title"
            | b"pubdate"
            | b"lang"
            | b"xml:lang"
            | b"charset"
    )
}

/// The start tag `tag` without the attributes nobody reads, or `None` when
/// it has none of those.
fn strip_attributes(html: &str, tag: &Tag, attrs: &[Attr], images: bool) -> Option<String> {
    let b = html.as_bytes();
    // On `<font>`, these make it end foreign content (SVG, MathML).
    let font = b[tag.name.0..tag.name.1].eq_ignore_ascii_case(b"font");
    let img = images && b[tag.name.0..tag.name.1].eq_ignore_ascii_case(b"img");
    // An input's type tells a field from a hidden value or a button.
    let input = b[tag.name.0..tag.name.1].eq_ignore_ascii_case(b"input");
    let kept = |a: &&Attr| {
        let name = &b[a.name.0..a.name.1];
        is_kept_attribute(&lowered(name))
            || (font && lookup(name, &["color", "face", "size"]).is_some())
            || (img && lookup(name, IMAGE_ATTRIBUTES).is_some())
            || (input
                && (name.eq_ignore_ascii_case(b"type") || name.eq_ignore_ascii_case(b"disabled")))
    };
    if attrs.iter().all(|a| kept(&a)) {
        return None;
    }
    let mut out = String::with_capacity(tag.end - tag.name.0 + 2);
    out.push('<');
    out.push_str(&html[tag.name.0..tag.name.1]);
    for a in attrs.iter().filter(kept) {
        out.push(' ');
        out.push_str(&html[a.name.0..a.end]);
    }
    // A self-closing slash means nothing on an HTML element; foreign
    // content (SVG, MathML) never comes here.
    out.push('>');
    Some(out)
}

/// A tag or attribute name in lower case, borrowed when it already is (as
/// nearly every name is).
type Lower<'a> = Cow<'a, [u8]>;

/// `name` in lower case, copied only when it has an upper-case letter.
fn lowered(name: &[u8]) -> Lower<'_> {
    if name.iter().any(u8::is_ascii_uppercase) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// The first of `list` that `name` is, ignoring ASCII case.
fn lookup(name: &[u8], list: &[&'static str]) -> Option<&'static str> {
    list.iter()
        .copied()
        .find(|n| name.eq_ignore_ascii_case(n.as_bytes()))
}

fn is_json_ld(open_tag: &[u8]) -> bool {
    memmem::find(&open_tag.to_ascii_lowercase(), b"ld+json").is_some()
}

/// Whitespace as the tokenizer sees it (it reads CR as LF).
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// A start or end tag.
#[derive(Debug, Clone, Copy)]
struct Tag {
    /// An end tag (`</…>`).
    closing: bool,
    /// Byte range of the name.
    name: (usize, usize),
    /// Ends with `/>`.
    self_closing: bool,
    /// One past its `>`.
    end: usize,
}

/// An attribute of a tag: the byte range of its name, and where it ends
/// (after its value, if it has one).
#[derive(Debug, Clone, Copy)]
struct Attr {
    name: (usize, usize),
    end: usize,
}

/// What a `<` starts.
#[derive(Debug)]
enum Token {
    /// Nothing: the `<` is text.
    Text,
    /// A `<!--` comment, ending there.
    Comment(usize),
    /// Markup that holds no text for the scan (doctype, bogus comment, a tag
    /// cut short by the end of the input, in foreign content a CDATA
    /// section), ending there.
    Other(usize),
    /// A start or end tag.
    Tag(Tag),
}

/// The token that the `<` at `lt` starts, as the tokenizer's data state
/// reads it; `foreign` when CDATA sections are allowed (SVG, MathML). The
/// attributes of a tag go to `attrs`.
fn token_at(b: &[u8], lt: usize, foreign: bool, attrs: Option<&mut Vec<Attr>>) -> Token {
    let len = b.len();
    let to_gt = |from: usize| memchr(b'>', &b[from.min(len)..]).map_or(len, |e| from + e + 1);
    match b.get(lt + 1) {
        Some(c) if c.is_ascii_alphabetic() => tag_at(b, lt + 1, false, attrs),
        Some(b'/') => match b.get(lt + 2) {
            Some(c) if c.is_ascii_alphabetic() => tag_at(b, lt + 2, true, attrs),
            // `</>` is dropped.
            Some(b'>') => Token::Other(lt + 3),
            Some(_) => Token::Other(to_gt(lt + 2)),
            None => Token::Text,
        },
        Some(b'!') => {
            let rest = &b[lt + 2..];
            if rest.starts_with(b"--") {
                Token::Comment(comment_end(b, lt + 4))
            } else if foreign && rest.starts_with(b"[CDATA[") {
                let from = lt + 2 + 7;
                Token::Other(memmem::find(&b[from..], b"]]>").map_or(len, |e| from + e + 3))
            } else {
                Token::Other(to_gt(lt + 2))
            }
        }
        Some(b'?') => Token::Other(to_gt(lt + 2)),
        _ => Token::Text,
    }
}

/// The end of a comment whose text starts at `from` (after `<!--`).
fn comment_end(b: &[u8], from: usize) -> usize {
    let rest = &b[from.min(b.len())..];
    // "abrupt closing of empty comment"
    if rest.starts_with(b">") {
        return from + 1;
    }
    if rest.starts_with(b"->") {
        return from + 2;
    }
    let mut i = 0;
    while let Some(off) = memmem::find(&rest[i..], b"--") {
        let d = i + off + 2;
        if rest.get(d) == Some(&b'>') {
            return from + d + 1;
        }
        if rest[d..].starts_with(b"!>") {
            return from + d + 2;
        }
        i = d - 1;
    }
    b.len()
}

/// The tag whose name starts at `name_start`, read to its end.
fn tag_at(b: &[u8], name_start: usize, closing: bool, attrs: Option<&mut Vec<Attr>>) -> Token {
    let mut i = name_start;
    while i < b.len() && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    match tag_rest(b, i, attrs) {
        Some((end, self_closing)) => Token::Tag(Tag {
            closing,
            name: (name_start, i),
            self_closing,
            end,
        }),
        // The tokenizer drops a tag that the input ends in.
        None => Token::Other(b.len()),
    }
}

/// Read the attributes of a tag from `i` (just after its name) to its `>`:
/// the end of the tag and whether it ends with `/>`, or `None` when the
/// input ends first.
fn tag_rest(b: &[u8], mut i: usize, mut attrs: Option<&mut Vec<Attr>>) -> Option<(usize, bool)> {
    loop {
        // before attribute name
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        match *b.get(i)? {
            b'>' => return Some((i + 1, false)),
            b'/' => {
                // self-closing start tag; anything but `>` is read again as
                // the start of an attribute
                i += 1;
                if *b.get(i)? == b'>' {
                    return Some((i + 1, true));
                }
                continue;
            }
            _ => {}
        }
        // attribute name: its first character may be `=`
        let name_start = i;
        i += 1;
        while i < b.len() && !is_ws(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let name = (name_start, i);
        // after attribute name
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        let mut end = name.1;
        if *b.get(i)? == b'=' {
            i += 1;
            while i < b.len() && is_ws(b[i]) {
                i += 1;
            }
            match *b.get(i)? {
                q @ (b'"' | b'\'') => i += 1 + memchr(q, &b[i + 1..])? + 1,
                // missing value: `>` ends the tag
                b'>' => {}
                _ => {
                    while i < b.len() && !is_ws(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                }
            }
            end = i;
        }
        if let Some(a) = attrs.as_deref_mut() {
            a.push(Attr { name, end });
        }
    }
}

/// If `</name` starts at `lt`, followed by whitespace, `/` or `>` (an end
/// tag that ends raw text), the end of that tag.
fn end_tag_named(b: &[u8], lt: usize, name: &str) -> Option<usize> {
    let at = lt + 2;
    let n = name.len();
    (b.get(lt + 1) == Some(&b'/') && starts_name(b, at, name))
        .then(|| tag_rest(b, at + n, None).map_or(b.len(), |(end, _)| end))
}

/// Whether `name` (any case) followed by whitespace, `/` or `>` starts at `at`.
fn starts_name(b: &[u8], at: usize, name: &str) -> bool {
    let n = name.len();
    b.len() > at + n
        && b[at..at + n].eq_ignore_ascii_case(name.as_bytes())
        && (is_ws(b[at + n]) || matches!(b[at + n], b'/' | b'>'))
}

/// Where the text of a RAWTEXT or RCDATA element `name` that starts at
/// `from` ends: (content end, end of the end tag).
fn raw_text_end(b: &[u8], from: usize, name: &str) -> (usize, usize) {
    let mut pos = from;
    while let Some(off) = memchr(b'<', &b[pos..]) {
        let lt = pos + off;
        if let Some(close) = end_tag_named(b, lt, name) {
            return (lt, close);
        }
        pos = lt + 1;
    }
    (b.len(), b.len())
}

/// Where the text of a `<script>` that starts at `from` ends, following the
/// tokenizer's script data states: inside `<!--`, a `<script>` must see its
/// own `</script>` before the next one ends the element, and `-->` leaves
/// the escape.
fn script_end(b: &[u8], from: usize) -> (usize, usize) {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut state = State::Data;
    let mut i = from;
    loop {
        let next = if state == State::Data {
            memchr(b'<', &b[i..])
        } else {
            memchr2(b'<', b'-', &b[i..])
        };
        let Some(off) = next else {
            return (b.len(), b.len());
        };
        let p = i + off;
        if b[p] == b'-' {
            let run = b[p..].iter().take_while(|&&c| c == b'-').count();
            i = p + run;
            if run >= 2 && b.get(i) == Some(&b'>') {
                state = State::Data;
                i += 1;
            }
            continue;
        }
        i = p + 1;
        match state {
            State::Data | State::Escaped => {
                if let Some(close) = end_tag_named(b, p, "script") {
                    return (p, close);
                }
                if state == State::Data {
                    if b[p + 1..].starts_with(b"!--") {
                        state = State::Escaped;
                        i = p + 2; // at the dashes, which may close it again: `<!-->`
                    }
                } else if starts_name(b, p + 1, "script") {
                    state = State::DoubleEscaped;
                    i = p + 1 + 6 + 1;
                }
            }
            State::DoubleEscaped => {
                if b.get(p + 1) == Some(&b'/') && starts_name(b, p + 2, "script") {
                    state = State::Escaped;
                    i = p + 2 + 6 + 1;
                }
            }
        }
    }
}

/// Whether the end tag of that name (lower case), met in foreign content,
/// closes an enclosing HTML element, and the foreign element with it.
///
/// The count is of the `</form>` tags met inside the foreign content: each
/// takes the innermost open form out of the stack.
type Open<'o> = &'o dyn Fn(&[u8], usize) -> bool;

/// Whether the end tag `name` (lower case) closes one of the `open`
/// elements (outermost first), the way the tree builder looks for it: any
/// open `<template>`; the nearest in scope (down to a scope boundary) for
/// `</div>`, `</object>`, `</b>` and the like; for other names the nearest
/// with no special element above it. `</form>`, `</body>` and `</html>` pop
/// nothing else.
fn encloses(open: &[Lower<'_>], name: &[u8], mut forms_closed: usize) -> bool {
    if matches!(name, b"form" | b"body" | b"html") {
        return false;
    }
    if name == b"template" {
        return open.iter().any(|n| **n == *name);
    }
    if name == b"table" || is_table_part(name) {
        // table scope
        for n in open.iter().rev() {
            if **n == *name {
                return true;
            }
            if matches!(&n[..], b"html" | b"template") || (**n == *b"table" && name != b"table") {
                return false;
            }
        }
        return false;
    }
    let scoped = scoped_end(name);
    for n in open.iter().rev() {
        if **n == *b"form" && forms_closed > 0 {
            forms_closed -= 1;
            continue;
        }
        if **n == *name {
            return true;
        }
        let stop = if scoped {
            **n == *b"html" || is_scope_boundary(n)
        } else {
            is_special(n)
        };
        if stop {
            return false;
        }
    }
    false
}

/// Whether the parser looks for the element of the end tag `name` in scope
/// (rather than down to the nearest special element).
fn scoped_end(name: &[u8]) -> bool {
    ends_in_scope(name) || is_formatting(name) || is_table_part(name) || name == b"table"
}

/// The HTML elements open at a point of the scan (outermost first, lower
/// case), roughly: what the start and end tags say, with the commonest of
/// the parser's implied ends (a block closes a `<p>`, an `<li>` the one
/// before, an `<a>` the one before), table parts outside a table ignored,
/// and formatting elements closed that way opened again before the next
/// inline element, as the parser reconstructs them.
#[derive(Debug, Default)]
struct OpenElements<'a> {
    stack: Vec<Lower<'a>>,
    /// Formatting elements closed by the end of another element.
    reopen: Vec<Lower<'a>>,
    /// Formatting elements in `stack` and `reopen`.
    formatting: usize,
}

impl<'a> OpenElements<'a> {
    fn new(root: &'a str) -> Self {
        OpenElements {
            stack: vec![Cow::Borrowed(root.as_bytes())],
            reopen: Vec::new(),
            formatting: 0,
        }
    }

    /// Close the element at `k` and those open in it.
    fn pop_to(&mut self, k: usize) {
        let mut closed = self.stack.drain(k..);
        if closed.next().is_some_and(|e| is_formatting(&e)) {
            self.formatting = self.formatting.saturating_sub(1);
        }
        for e in closed {
            if is_formatting(&e) {
                if self.reopen.len() < MAX_FORMATTING {
                    self.reopen.push(e);
                } else {
                    self.formatting = self.formatting.saturating_sub(1);
                }
            }
        }
    }

    /// Forget `stack[from..to]`.
    fn forget(&mut self, from: usize, to: usize) {
        let gone = self.stack[from..to]
            .iter()
            .filter(|e| is_formatting(e))
            .count();
        self.formatting = self.formatting.saturating_sub(gone);
        self.stack.drain(from..to);
    }

    /// Open again the formatting elements that were closed by the end of
    /// another element (the parser does so before inserting an inline
    /// element, text or foreign content).
    fn reconstruct(&mut self) {
        self.stack.append(&mut self.reopen);
    }

    /// A start tag that stays open (not raw text, not foreign).
    fn start(&mut self, name: Lower<'a>) {
        let n = &name[..];
        let has = |e: &[u8]| self.stack.iter().any(|x| **x == *e);
        if n == b"form" && has(b"form") && !has(b"template") {
            // A form in a form is dropped.
            return;
        }
        let find = |stack: &[Lower<'a>], names: &[&[u8]], stop: &dyn Fn(&[u8]) -> bool| {
            for k in (0..stack.len()).rev() {
                if names.contains(&&stack[k][..]) {
                    return Some(k);
                }
                if stop(&stack[k]) {
                    return None;
                }
            }
            None
        };
        let block = closes_p(n);
        if block {
            let boundary = |e: &[u8]| matches!(e, b"html" | b"button") || is_scope_boundary(e);
            if let Some(k) = find(&self.stack, &[b"p"], &boundary) {
                self.pop_to(k);
            }
        }
        let special = |e: &[u8]| !matches!(e, b"address" | b"div" | b"p") && is_special(e);
        let closed = match n {
            b"li" => find(&self.stack, &[b"li"], &special),
            b"dd" | b"dt" => find(&self.stack, &[b"dd", b"dt"], &special),
            _ => None,
        };
        if let Some(k) = closed {
            self.pop_to(k);
        }
        if matches!(n, b"a" | b"nobr") {
            // An `<a>` in an `<a>` ends the outer one first.
            let boundary = |e: &[u8]| is_scope_boundary(e);
            if let Some(k) = find(&self.stack, &[n], &boundary) {
                self.adopt(k);
            }
        }
        let table_tag = n == b"table" || is_table_part(n);
        if table_tag && self.in_table() {
            // Table markup in a table's mode closes what was moved out of
            // it; a `<table>` closes the table itself first.
            if let Some(k) = self.table_context() {
                if n == b"table" {
                    if let Some(t) = self.stack.iter().rposition(|e| **e == *b"table") {
                        self.pop_to(t);
                    }
                } else {
                    self.forget(k + 1, self.stack.len());
                }
            }
        }
        let ignored = is_table_part(n) && !self.stack.iter().any(|e| **e == *b"table");
        if ignored || is_void(n) {
            return;
        }
        if !block {
            self.reconstruct();
        }
        if self.stack.len() >= 4 * MAX_DEPTH {
            // Left open by a page that never closes its `<p>`s: forget
            // the oldest.
            self.forget(0, 2 * MAX_DEPTH);
        }
        if is_formatting(&name) {
            self.formatting += 1;
        }
        self.stack.push(name);
    }

    /// An end tag.
    fn end(&mut self, name: &[u8]) {
        if let Some(k) = self.reopen.iter().rposition(|e| **e == *name) {
            self.reopen.remove(k);
            self.formatting = self.formatting.saturating_sub(1);
        }
        if name == b"form" {
            // `</form>` takes the form out of the stack, and nothing else.
            if let Some(k) = self.stack.iter().rposition(|e| **e == *name) {
                self.stack.remove(k);
            }
        } else if encloses(&self.stack, name, 0) {
            if let Some(k) = self.stack.iter().rposition(|e| **e == *name) {
                if is_formatting(name) {
                    self.adopt(k);
                } else {
                    self.pop_to(k);
                }
            }
        }
    }

    /// Close the formatting element at `k` as the adoption agency algorithm
    /// does: with a special element open in it (the furthest block), that
    /// one stays open and what is inside it closes; with none, all closes.
    fn adopt(&mut self, k: usize) {
        match (k + 1..self.stack.len()).find(|&j| is_special(&self.stack[j])) {
            Some(j) => {
                self.forget(j + 1, self.stack.len());
                self.forget(k, k + 1);
            }
            None => self.pop_to(k),
        }
    }

    fn encloses(&self, name: &[u8]) -> bool {
        encloses(&self.stack, name, 0)
    }

    /// Whether the parser is in a table mode, where what is not table
    /// markup is moved out of the table and table markup closes it.
    fn in_table(&self) -> bool {
        // What sits above the nearest table, body or row was moved out of
        // the table: the parser is still in the table's mode.
        self.table_context().is_some_and(|k| {
            matches!(
                &self.stack[k][..],
                b"table" | b"tbody" | b"thead" | b"tfoot" | b"tr"
            )
        })
    }

    /// The nearest element that sets a table mode (or ends one).
    fn table_context(&self) -> Option<usize> {
        self.stack.iter().rposition(|e| {
            matches!(
                &e[..],
                b"table"
                    | b"tbody"
                    | b"thead"
                    | b"tfoot"
                    | b"tr"
                    | b"td"
                    | b"th"
                    | b"caption"
                    | b"template"
                    | b"html"
            )
        })
    }
}

/// Whether the start tag `tag` opens an HTML element whose content the
/// scan reads as markup (not raw text, not foreign content).
fn opens_markup(b: &[u8], tag: &Tag) -> bool {
    let name = &b[tag.name.0..tag.name.1];
    lookup(name, RAW_TEXT).is_none()
        && lookup(name, &["script", "plaintext", "svg", "math"]).is_none()
}

/// Where the element that the start tag `tag` opens ends, for the dropped
/// element `name`: (content end, end of what is cut), both the input's
/// length when it never ends or when the scan cannot tell where it ends.
fn element_end(
    b: &[u8],
    tag: &Tag,
    name: &str,
    in_table: bool,
    open: Open<'_>,
    forms: &mut usize,
) -> (usize, usize) {
    match name {
        "script" => script_end(b, tag.end),
        "style" | "noscript" | "iframe" => raw_text_end(b, tag.end, name),
        "svg" if tag.self_closing => (tag.end, tag.end),
        "svg" => foreign_end(b, tag.end, Ns::Svg, tag.name, in_table, open, forms),
        _ => html_close(b, tag.end, name, in_table),
    }
}

/// Where to go on scanning after the start tag `tag`: past the text of a
/// raw-text element, past an `<svg>` or `<math>` element, or just past the tag.
/// Whether the parser is in a table mode (`in_table`) matters only for
/// SVG and MathML, and is asked only for them.
fn after_start_tag(
    b: &[u8],
    tag: &Tag,
    in_table: &dyn Fn() -> bool,
    open: Open<'_>,
    forms: &mut usize,
) -> usize {
    let name = &b[tag.name.0..tag.name.1];
    if name.eq_ignore_ascii_case(b"script") {
        script_end(b, tag.end).1
    } else if let Some(raw) = lookup(name, RAW_TEXT) {
        raw_text_end(b, tag.end, raw).1
    } else if name.eq_ignore_ascii_case(b"plaintext") {
        b.len()
    } else if tag.self_closing {
        tag.end
    } else if name.eq_ignore_ascii_case(b"svg") {
        foreign_end(b, tag.end, Ns::Svg, tag.name, in_table(), open, forms).1
    } else if name.eq_ignore_ascii_case(b"math") {
        foreign_end(b, tag.end, Ns::Math, tag.name, in_table(), open, forms).1
    } else {
        tag.end
    }
}

/// From `from`, the end tag of the element `name` whose content is ordinary
/// markup (counting the same element nested in it): (content end, end of
/// the close tag). A `<select>` also ends at `<input>` and at another
/// `<select>` (which the parser drops).
///
/// Where the parser would not end the element there, or might end it
/// before, the scan gives up and the element counts as unclosed: an
/// `<object>` or `<select>` whose end tag comes while a `<table>` (or
/// another scope boundary) is open in it, and a `<video>`, `<audio>`,
/// `<canvas>` or `<datalist>` (no scope boundary: closing an enclosing `<p>`
/// closes it too) that holds a block, a link or a stray end tag.
fn html_close(b: &[u8], from: usize, name: &str, table_mode: bool) -> (usize, usize) {
    let fragile = matches!(name, "video" | "audio" | "canvas" | "datalist");
    let scoped = matches!(name, "object" | "select");
    let template = name == "template";
    let unsure = (b.len(), b.len());
    // The elements open inside, the element itself first.
    let mut inside = OpenElements::new(name);
    let blocked =
        |inside: &OpenElements| scoped && inside.stack[1..].iter().any(|n| is_scope_boundary(n));
    let mut pos = from;
    while let Some(off) = memchr(b'<', &b[pos..]) {
        let lt = pos + off;
        let tag = match token_at(b, lt, false, None) {
            Token::Text => {
                pos = lt + 1;
                continue;
            }
            Token::Comment(end) | Token::Other(end) => {
                pos = end;
                continue;
            }
            Token::Tag(tag) => tag,
        };
        pos = tag.end;
        let lower_name = lowered(&b[tag.name.0..tag.name.1]);
        let lower: &[u8] = &lower_name;
        let same = lower == name.as_bytes();
        let table_tag = lower == b"table" || is_table_part(lower);
        if table_mode && table_tag && !template {
            // Moved out of a table by the parser, the element is closed
            // by the table's markup.
            return unsure;
        }
        if tag.closing {
            match inside.stack.iter().rposition(|n| **n == *lower) {
                Some(0) if blocked(&inside) => return unsure,
                Some(0) => return (lt, tag.end),
                Some(k) if same => {
                    // A nested one, closed unless a boundary stands in between.
                    let boundary = inside.stack[k + 1..].iter().any(|n| is_scope_boundary(n));
                    if !(scoped && boundary) {
                        inside.forget(k, inside.stack.len());
                    }
                }
                Some(_) => inside.end(lower),
                None if fragile => return unsure,
                None => {}
            }
            continue;
        }
        if name == "select" && (same || lower == b"input") {
            if blocked(&inside) {
                return unsure;
            }
            return if same { (lt, tag.end) } else { (lt, lt) };
        }
        if fragile && (is_special(lower) || lookup(lower, CLOSES_FROM_OUTSIDE).is_some()) {
            return unsure;
        }
        let table_part = is_table_part(lower);
        if table_part && !template && !inside.stack.iter().any(|n| **n == *b"table") {
            return unsure;
        }
        if lower == b"svg" || lower == b"math" {
            inside.reconstruct();
        }
        // In a `<video>`, any end tag in foreign content may close an
        // enclosing element, and the video with it.
        let in_table = || match inside.table_context() {
            Some(_) => inside.in_table(),
            None => table_mode,
        };
        // Moved out of a table, the element is closed by the table's end tags,
        // even from foreign content.
        let table_end = |n: &[u8]| table_mode && (n == b"table" || is_table_part(&lowered(n)));
        let mut forms = 0;
        let open = |n: &[u8], f: usize| fragile || table_end(n) || encloses(&inside.stack, n, f);
        pos = after_start_tag(b, &tag, &in_table, &open, &mut forms);
        for _ in 0..forms {
            inside.end(b"form");
        }
        if opens_markup(b, &tag) {
            inside.start(lower_name);
        }
    }
    unsure
}

/// The namespace of an open element.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ns {
    Html,
    Svg,
    Math,
}

/// Where the `<svg>` or `<math>` element (`root`, named at `root_name`)
/// whose content starts at `from` ends: (content end, end of what belongs
/// to it). It ends at its own end tag, before a start tag that breaks out
/// of foreign content, or before the end tag of an enclosing HTML element
/// (`open`).
///
/// This follows the tree builder's rules for foreign content with a stack
/// of the elements open in it, HTML ones in integration points included;
/// of the HTML elements it knows only which are void and which are
/// special, not which close which.
fn foreign_end(
    b: &[u8],
    from: usize,
    root: Ns,
    root_name: (usize, usize),
    in_table: bool,
    open: Open<'_>,
    forms_closed: &mut usize,
) -> (usize, usize) {
    let mut stack: Vec<((usize, usize), Ns)> = vec![(root_name, root)];
    let name_of = |r: (usize, usize)| &b[r.0..r.1];
    // MathML text integration points and SVG HTML integration points.
    let text_ip = |(r, ns): ((usize, usize), Ns)| {
        ns == Ns::Math && lookup(name_of(r), &["mi", "mo", "mn", "ms", "mtext"]).is_some()
    };
    let html_ip = |(r, ns): ((usize, usize), Ns)| {
        ns == Ns::Svg && lookup(name_of(r), &["foreignobject", "desc", "title"]).is_some()
    };
    let no_open = |_: &[u8], _: usize| false;
    let mut attrs = Vec::new();
    let mut pos = from;
    while let Some(off) = memchr(b'<', &b[pos..]) {
        let lt = pos + off;
        attrs.clear();
        let tag = match token_at(b, lt, true, Some(&mut attrs)) {
            Token::Text => {
                pos = lt + 1;
                continue;
            }
            Token::Comment(end) | Token::Other(end) => {
                pos = end;
                continue;
            }
            Token::Tag(tag) => tag,
        };
        pos = tag.end;
        let name = name_of(tag.name);
        let Some(&top) = stack.last() else {
            break;
        };
        // Pop foreign elements up to an integration point or an HTML
        // element; true when that empties the stack.
        let break_out = |stack: &mut Vec<_>| {
            while stack.last().is_some_and(|&e: &((usize, usize), Ns)| {
                e.1 != Ns::Html && !text_ip(e) && !html_ip(e)
            }) {
                stack.pop();
            }
            stack.is_empty()
        };
        if tag.closing {
            if top.1 != Ns::Html {
                if lookup(name, &["p", "br"]).is_some() {
                    if break_out(&mut stack) {
                        return (lt, lt);
                    }
                    continue;
                }
                // Down the foreign elements, to the first HTML one.
                let mut k = stack.len();
                let mut matched = false;
                while k > 0 && stack[k - 1].1 != Ns::Html {
                    k -= 1;
                    if name_of(stack[k].0).eq_ignore_ascii_case(name) {
                        stack.truncate(k);
                        if stack.is_empty() {
                            return (lt, tag.end);
                        }
                        matched = true;
                        break;
                    }
                }
                if matched {
                    continue;
                }
            }
            // The HTML rules, down from the current node: the nearest HTML
            // element of that name, unless a special element comes first
            // (a scope boundary, integration points included, for the end
            // tags that look in scope); past the root, an enclosing element.
            let lower = name.to_ascii_lowercase();
            if lower == b"template" {
                if open(&lower, *forms_closed) {
                    return (lt, lt);
                }
                continue;
            }
            let scoped = scoped_end(&lower);
            // Table markup looks in table scope, which integration points
            // do not bound.
            let table_scoped = lower == b"table" || is_table_part(&lower);
            let mut handled = false;
            for k in (0..stack.len()).rev() {
                let e = stack[k];
                let n = name_of(e.0);
                if e.1 == Ns::Html {
                    if n.eq_ignore_ascii_case(name) {
                        stack.truncate(k);
                        handled = true;
                        break;
                    }
                    let n = n.to_ascii_lowercase();
                    let stop = if scoped {
                        is_scope_boundary(&n)
                    } else {
                        is_special(&n)
                    };
                    if stop {
                        handled = true;
                        break;
                    }
                } else if scoped && !table_scoped && (text_ip(e) || html_ip(e)) {
                    handled = true;
                    break;
                }
            }
            if !handled && lower == b"form" {
                *forms_closed += 1;
            }
            if !handled && open(&lower, *forms_closed) {
                return (lt, lt);
            }
            continue;
        }
        let svg = name.eq_ignore_ascii_case(b"svg");
        let mut html = match top.1 {
            Ns::Html => true,
            _ if text_ip(top) => lookup(name, &["mglyph", "malignmark"]).is_none(),
            Ns::Svg => html_ip(top),
            Ns::Math => svg && name_of(top.0).eq_ignore_ascii_case(b"annotation-xml"),
        };
        if !html {
            let breaks = lookup(name, BREAKOUT).is_some()
                || (name.eq_ignore_ascii_case(b"font")
                    && attrs.iter().any(|a| {
                        lookup(&b[a.name.0..a.name.1], &["color", "face", "size"]).is_some()
                    }));
            if breaks {
                if break_out(&mut stack) {
                    return (lt, lt);
                }
                html = true;
            } else if !tag.self_closing {
                stack.push((tag.name, top.1));
            }
        }
        if html && in_table {
            // In a table, the start tags of an integration point's content
            // go to the table's rules, and table markup closes what is open
            // in the table.
            if name.eq_ignore_ascii_case(b"table") || is_table_part(&lowered(name)) {
                return (lt, lt);
            }
        }
        if html {
            if svg || name.eq_ignore_ascii_case(b"math") {
                if !tag.self_closing {
                    stack.push((tag.name, if svg { Ns::Svg } else { Ns::Math }));
                }
            } else if !is_void(&name.to_ascii_lowercase()) {
                pos = after_start_tag(b, &tag, &|| false, &no_open, &mut 0);
                if closes_p(&lowered(name)) {
                    // A block closes an open `<p>` of the integration point.
                    let mut k = stack.len();
                    while k > 0 && stack[k - 1].1 == Ns::Html {
                        k -= 1;
                        if name_of(stack[k].0).eq_ignore_ascii_case(b"p") {
                            stack.truncate(k);
                            break;
                        }
                    }
                }
                if opens_markup(b, &tag) {
                    stack.push((tag.name, Ns::Html));
                }
            }
        }
    }
    (b.len(), b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_scripts_styles_comments_and_keeps_json_ld() {
        let html = "<p>a</p><script>var x = '<p>no</p>';</script><style>p{}</style>\
                    <!-- c --><script type=\"application/ld+json\">{\"a\":1}</script><p>b</p>";
        let p = prescan(html);
        assert_eq!(p.json_ld, vec!["{\"a\":1}"]);
        assert!(!p.html.contains("no"));
        assert!(!p.html.contains("p{}"));
        assert!(p.html.contains("<p>a</p>") && p.html.contains("<p>b</p>"));
    }

    #[test]
    fn nested_svg_and_unclosed_tags() {
        let p = prescan("<p>x</p><svg><svg><g/></svg><text>no</text></svg><p>y</p><script>");
        assert!(!p.html.contains("no"));
        assert!(p.html.contains("<p>y</p>"));
        let p = prescan("<p>x</p><!-- never closed <p>z</p>");
        assert!(!p.html.contains('z'));
    }

    #[test]
    fn media_and_form_widgets_are_cut_only_when_closed() {
        let p = prescan(
            "<p>a</p><select><option>One</option></select><video>old browser</video><p>b</p>",
        );
        assert!(!p.html.contains("One") && !p.html.contains("old browser"));
        let p = prescan("<p>a</p><iframe src=x><p>rest of the page</p>");
        assert!(p.html.contains("rest of the page"));
    }

    #[test]
    fn unread_attributes_are_cut() {
        let p = prescan(
            "<img src=a.jpg srcset='x 1x, y 2x' alt=\"a > b\"><p class=\"x\" data-json='{\"a\":1}' id=p1>t</p><a href=/x onclick=\"go()\">l</a>",
        );
        assert_eq!(p.html, "<img><p class=\"x\" id=p1>t</p><a href=/x>l</a>");
        let p = prescan("<p class=\"unterminated>text");
        assert!(p.html.contains("text"));
    }

    #[test]
    fn nesting_is_capped() {
        let deep = format!(
            "{}x{}",
            "<div>".repeat(MAX_DEPTH + 500),
            "</div>".repeat(MAX_DEPTH + 500)
        );
        let p = prescan(&deep);
        assert_eq!(p.html.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(p.html.matches("</div>").count(), MAX_DEPTH);
        assert!(p.html.contains('x'));
    }

    #[test]
    fn open_formatting_elements_are_capped() {
        let mut page = String::from("<p>");
        for i in 0..1000 {
            page.push_str(&format!("<code id=\"i{i}\">w "));
        }
        page.push_str("</p>");
        for i in (0..1000).rev() {
            page.push_str(if i % 2 == 0 { "</code>" } else { "" });
        }
        let p = prescan(&page);
        assert_eq!(p.html.matches("<code").count(), MAX_FORMATTING);
        // The end tags of the cut ones are cut too (500 of 968 cut ones).
        assert_eq!(p.html.matches("</code>").count(), 0);
        assert_eq!(p.html.matches("w ").count(), 1000);
    }

    #[test]
    fn nesting_of_every_element_is_capped() {
        for open in [
            "<table><tr><td>",
            "<dl><dd>",
            "<figure>",
            "<x-card>",
            "<fieldset>",
        ] {
            let page = open.repeat(MAX_DEPTH + 500);
            let p = prescan(&page);
            let name = &open[..open.find('>').unwrap()];
            assert_eq!(p.html.matches(name).count(), MAX_DEPTH, "{open}");
        }
        // Unclosed paragraphs and cells are not nesting: all are kept.
        let page = "<table><tr><td>cell".repeat(10) + &"<tr><td>cell".repeat(MAX_DEPTH * 2);
        assert_eq!(
            prescan(&page).html.matches("<td>").count(),
            MAX_DEPTH * 2 + 10
        );
    }

    #[test]
    fn lookalike_tags_are_kept() {
        let p = prescan("<scripture>keep</scripture><styled>keep2</styled>");
        assert!(p.html.contains("keep") && p.html.contains("keep2"));
        assert!(matches!(p.html, Cow::Borrowed(_)));
    }

    /// `page` with `keep` in it and none of `gone`.
    #[track_caller]
    fn check(page: &str, keep: &[&str], gone: &[&str]) {
        let p = prescan(page);
        for k in keep {
            assert!(p.html.contains(k), "{page:?}: lost {k:?}: {:?}", p.html);
        }
        for g in gone {
            assert!(!p.html.contains(g), "{page:?}: kept {g:?}: {:?}", p.html);
        }
    }

    #[test]
    fn comments_end_where_the_tokenizer_ends_them() {
        // Empty comments closed at once, `--!>`, dashes that do not close.
        for c in [
            "<!-->",
            "<!--->",
            "<!---->",
            "<!-- a --!>",
            "<!-- a -- b -->",
            "<!-- a --->",
            "<!-- a --!- b -->",
            "<!--<!-->",
        ] {
            check(
                &format!("<p>a</p>{c}<p>keep</p><!-- gone -->"),
                &["<p>keep</p>"],
                &["gone"],
            );
        }
        // Bogus comments and the doctype end at the first `>`, whatever
        // they hold: what follows is markup again.
        for c in [
            "<?php echo \"<script>\" ?>",
            "<!x <script> >",
            "<![CDATA[<script>]]>",
            "<!DOCTYPE html \"<script>\">",
            "</ <script>>",
            "</>",
        ] {
            check(
                &format!("{c}<p>keep</p><script>gone</script>"),
                &["<p>keep</p>"],
                &["gone"],
            );
        }
        // A comment the input ends in runs to the end.
        check("<p>a</p><!-- <p>gone</p>", &["<p>a</p>"], &["gone"]);
    }

    #[test]
    fn markup_inside_attribute_values_is_not_markup() {
        for tag in [
            "<div title=\"<script>\">",
            "<div data-x='<script>'>",
            "<div title=<script>>",
            "<div data-a=\"x\"title='<style>'>",
            "<a href=\"/\" data-x=\"</div><!--\">",
            "<p<script>",
        ] {
            check(
                &format!("{tag}<p>keep</p></div><script>gone</script><p>after</p>"),
                &["keep", "after"],
                &["gone"],
            );
        }
        // An end tag's attributes are read too.
        check(
            "<script>gone</script data-x=\">\">keep",
            &["keep"],
            &["gone", "\">"],
        );
    }

    #[test]
    fn raw_text_is_text_up_to_its_own_end_tag() {
        // RCDATA and RAWTEXT elements that stay: their text is kept whole,
        // and nothing in it is markup.
        check(
            "<title>a <script> b</title><p>keep</p><script>gone</script>",
            &["a <script> b", "keep"],
            &["gone"],
        );
        check(
            "<textarea><!-- </textarea><p>keep</p> --><!-- gone -->",
            &["keep"],
            &["gone"],
        );
        check(
            "<xmp><script>keep</script></xmp><noembed><style>keep2</style></noembed>",
            &["<script>keep</script>", "<style>keep2</style>"],
            &[],
        );
        check(
            "<plaintext><script>keep</script><!-- keep2 -->",
            &["keep", "keep2"],
            &[],
        );
        // Only the same name followed by whitespace, `/` or `>` ends the
        // text, in any case.
        check(
            "<script>a</scriptx>gone</script ><p>keep</p><style>gone2</STYLE\t><p>keep2</p>",
            &["keep", "keep2"],
            &["gone"],
        );
        check("<SCRIPT>gone</Script><p>keep</p>", &["keep"], &["gone"]);
        check(
            "<noscript><!-- </noscript><p>keep</p> -->",
            &["keep", "-->"],
            &[],
        );
        // Script data escapes: a `<script>` inside `<!--` needs its own
        // end tag; `-->` leaves the escape.
        check(
            "<script><!--<script>gone</script>gone2--></script><p>keep</p>",
            &["keep"],
            &["gone", "-->"],
        );
        check(
            "<script><!--a--></script><p>keep</p><script><!--></script><p>keep2</p>",
            &["keep", "keep2"],
            &["a--"],
        );
    }

    #[test]
    fn foreign_content_is_read_as_foreign_content() {
        // `<svg/>` is empty: it does not run to the next `</svg>`.
        check(
            "<svg/><p>keep</p><svg><path/></svg><svg><svg/><g>gone</g></svg><p>keep2</p>",
            &["keep", "keep2"],
            &["gone", "path"],
        );
        // Style and script in SVG are not raw text: comments and CDATA in
        // them are, and hide a `</svg>`.
        check(
            "<svg><style><!-- </svg> --></style><script><![CDATA[ a</svg>b ]]></script><text>gone</text></svg><p>keep</p>",
            &["keep"],
            &["gone", "-->", "]]>"],
        );
        // An HTML tag breaks out of SVG; the SVG's end tag then closes nothing.
        check(
            "<div><svg><g><p>keep</p><text>keep2</text></svg></div>",
            &["keep", "keep2"],
            &[],
        );
        check("<div><svg><g>gone</div><p>keep</p>", &["keep"], &["gone"]);
        // ... except inside foreignObject, whose content is HTML (with raw
        // text again).
        check(
            "<svg><foreignObject><p>gone</p><script>'</svg>'</script></foreignObject></svg><p>keep</p>",
            &["keep"],
            &["gone", "'"],
        );
        // MathML stays; a `<style>` in it is an element holding markup.
        check(
            "<math><mi>x</mi><style><p>keep</p></style></math><script>gone</script>",
            &["<mi>x</mi>", "keep"],
            &["gone"],
        );
    }

    /// A `<noscript>` holding the page for readers without scripts (a
    /// thread of posts, say) around `inner`.
    fn fallback(inner: &str) -> String {
        let post = "<div class=post><p>".to_string()
            + &"Starters need feeding. ".repeat(15)
            + "</p></div>";
        format!(
            "<div id=app></div><noscript data-path=/t/1>{post}{inner}{post}</noscript><p>after</p>"
        )
    }

    #[test]
    fn noscript_holding_the_page_is_read_as_markup() {
        let html = fallback("<p>keep</p><script>gone()</script><!-- c -->");
        let p = prescan(&html);
        assert!(p.html.contains("<p>keep</p>") && p.html.contains("Starters need feeding."));
        assert!(!p.html.contains("noscript") && !p.html.contains("gone"));
        assert!(p.html.contains("<p>after</p>"));
        // A pixel, a short notice or a box asking for scripts stays cut.
        for small in [
            "<noscript><img src=/px.gif></noscript><p>keep</p>",
            "<noscript><p>Turn on scripts.</p></noscript><p>keep</p>",
        ] {
            let p = prescan(small);
            assert!(!p.html.contains("noscript") && !p.html.contains("px.gif"));
            assert!(!p.html.contains("Turn on"));
        }
        let notice = fallback("").replace(
            "<div class=post>",
            "<div class=post>Please enable JavaScript. ",
        );
        assert!(!prescan(&notice).html.contains("Starters"));
        // In a table, its text would be moved out before the table and its
        // blocks read as cells: it stays cut.
        let in_table = format!("<table><tr><td>x</td></tr>{}</table>", fallback(""));
        assert!(!prescan(&in_table).html.contains("Starters"));
        // Markup that would reach past the `<noscript>` keeps it cut.
        for open in [
            "<!-- open",
            "<script>open",
            "<textarea>open",
            "<div title='open",
        ] {
            let html = fallback(open);
            assert!(!prescan(&html).html.contains("Starters"), "{open}");
        }
    }

    #[test]
    fn dropped_elements_nest() {
        check(
            "<object><object>a</object>gone</object><p>keep</p>",
            &["keep"],
            &["gone"],
        );
        check(
            "<template><script>'</template>'</script>gone</template><p>keep</p>",
            &["keep"],
            &["gone", "'"],
        );
        check(
            "<select><option title='</select>'>gone</select><p>keep</p>",
            &["keep"],
            &["gone"],
        );
    }

    /// The differential test: the text the parser finds outside the
    /// dropped elements is the same with and without the scan, on
    /// generated pages, on the fixture pages and on mutations of both.
    mod differential {
        use super::super::{DROPPED, is_fallback_page, prescan};
        use ego_tree::iter::Edge;
        use scraper::{Html, Node};

        /// Text outside the dropped elements, in document order; the
        /// content of a `<noscript>` that holds the page for readers without
        /// scripts is read as markup, as the scan leaves it.
        fn visible(html: &str) -> String {
            visible_in(&Html::parse_document(html))
        }

        fn visible_in(doc: &Html) -> String {
            let mut out = String::new();
            let mut skip = 0usize;
            for edge in doc.tree.root().traverse() {
                match edge {
                    Edge::Open(n) => match n.value() {
                        Node::Element(e) if skip == 0 && e.name() == "noscript" => {
                            skip += 1;
                            let raw: String = n
                                .children()
                                .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                                .collect();
                            // One the parser moved out of a table sits just
                            // before it: the scan leaves that one cut.
                            let fostered = n
                                .next_sibling()
                                .and_then(|s| s.value().as_element())
                                .is_some_and(|s| s.name() == "table");
                            if !fostered && is_fallback_page(raw.as_bytes()) {
                                out.push(' ');
                                out.push_str(&visible_in(&Html::parse_fragment(&raw)));
                                out.push(' ');
                            }
                        }
                        Node::Element(e) if skip > 0 || DROPPED.contains(&e.name()) => skip += 1,
                        Node::Text(t) if skip == 0 => out.push_str(t),
                        _ => {}
                    },
                    Edge::Close(n) => {
                        if n.value().is_element() && skip > 0 {
                            skip -= 1;
                        }
                    }
                }
            }
            out
        }

        /// The scan keeps a space where it cuts, so that words on either
        /// side stay apart: the texts must hold the same characters, and
        /// every word break of the original must be one after the scan.
        fn same_text(page: &str) -> Result<(), String> {
            let before = visible(page);
            let after = visible(&prescan(page).html);
            let breaks = |t: &str| {
                let mut at = 0;
                let mut v = Vec::new();
                for w in t.split_whitespace() {
                    at += w.len();
                    v.push(at);
                }
                v
            };
            let squeeze = |t: &str| t.split_whitespace().collect::<String>();
            let (a, b) = (squeeze(&before), squeeze(&after));
            if a != b {
                let k = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
                let k = (0..=k)
                    .rev()
                    .find(|&k| a.is_char_boundary(k) && b.is_char_boundary(k))
                    .unwrap_or(0);
                let from = (0..=k.saturating_sub(60))
                    .rev()
                    .find(|&k| a.is_char_boundary(k))
                    .unwrap_or(0);
                return Err(format!(
                    "text differs after {:?}:\n  parse: {:?}\n  scan:  {:?}",
                    &a[from..k],
                    a[k..].chars().take(80).collect::<String>(),
                    b[k..].chars().take(80).collect::<String>()
                ));
            }
            // Text that the parser moves out of a table moves past the
            // whitespace in it, the space of a cut included.
            let table = page.to_ascii_lowercase().contains("<table");
            let kept = breaks(&after);
            if let Some(lost) = breaks(&before)
                .into_iter()
                .find(|x| !table && kept.binary_search(x).is_err())
            {
                return Err(format!(
                    "word break lost at {lost}: {before:?} vs {after:?}"
                ));
            }
            Ok(())
        }

        /// A shorter page that still fails, for the report: chunks are
        /// removed for as long as the test still fails without them.
        fn shrink(page: &str) -> String {
            let mut s = page.to_string();
            let mut chunk = s.len() / 2;
            while chunk > 0 {
                let mut at = 0;
                while at < s.len() {
                    let mut to = (at + chunk).min(s.len());
                    while !s.is_char_boundary(to) {
                        to += 1;
                    }
                    let mut t = s.clone();
                    t.replace_range(at..to, "");
                    if same_text(&t).is_err() {
                        s = t;
                    } else {
                        at = to;
                    }
                }
                chunk /= 2;
            }
            s
        }

        /// splitmix64: small, deterministic, good enough to pick fragments.
        struct Rng(u64);

        impl Rng {
            fn next(&mut self) -> u64 {
                self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = self.0;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^ (z >> 31)
            }
            fn below(&mut self, n: usize) -> usize {
                (self.next() % n as u64) as usize
            }
            fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
                from[self.below(from.len())]
            }
            fn chance(&mut self, percent: usize) -> bool {
                self.below(100) < percent
            }
        }

        const WORDS: &[&str] = &[
            "alpha",
            "beta",
            "gamma",
            "délta",
            "文字",
            "a<b",
            "x > y",
            "&amp;",
            "&lt;p&gt;",
            "<",
            "< p",
            "3<4",
            "\"",
            "'",
            "-->",
            "--!>",
            "]]>",
            "=",
            "/",
            "<3",
            "</",
            "<!",
            "<?",
        ];
        const CONTAINERS: &[&str] = &[
            "p",
            "div",
            "span",
            "b",
            "i",
            "a",
            "em",
            "section",
            "article",
            "li",
            "ul",
            "td",
            "tr",
            "table",
            "h2",
            "blockquote",
            "pre",
            "font",
            "DIV",
            "Span",
            "P",
            "form",
            "center",
        ];
        const ATTR_NAMES: &[&str] = &[
            "class", "id", "title", "data-x", "href", "alt", "onclick", "style", "hidden", "TITLE",
            "x\"y", "=weird", "color", "src", "type", "a<b",
        ];
        const ATTR_VALUES: &[&str] = &[
            "<script>",
            "</script>",
            "<!--",
            "-->",
            ">",
            "a > b",
            "'",
            "\"",
            "x/",
            "<svg>",
            "</div>",
            "<style>",
            "plain",
            "",
            "<p>t</p>",
            "application/ld+json",
            "red",
        ];
        const RAW: &[&str] = &[
            "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
            "noscript", "SCRIPT", "Style",
        ];
        const RAW_BITS: &[&str] = &[
            "var a = '<p>no</p>';",
            "<!--",
            "-->",
            "<script>",
            "</script >",
            "</SCRIPT>",
            "</scriptx>",
            "</style>",
            "<!-- </script> -->",
            "</script foo=\">\">",
            "if (a<b) {}",
            "<p>raw</p>",
            "</textarea>",
            "</title>",
            "</xmp>",
            "</iframe>",
            "</noscript>",
            "--",
            "<",
            "<script",
            "</script",
        ];
        const COMMENTS: &[&str] = &[
            "<!---->",
            "<!-->",
            "<!--->",
            "<!-- a -->",
            "<!-- a --!>",
            "<!-- <script> -->",
            "<!-- -- -->",
            "<!--- x --->",
            "<!-- x --!- y -->",
            "<!--<!-->",
            "<?php '<script>' ?>",
            "<!x <p>y</p> >",
            "<![CDATA[<script>]]>",
            "<!DOCTYPE html>",
            "</ x <b>>",
            "</>",
            "<!",
        ];
        const SVG_BITS: &[&str] = &[
            "<g>",
            "</g>",
            "<path d='M0 0'/>",
            "<text>svgtext</text>",
            "<style>a{}</style>",
            "<style><!-- </svg> --></style>",
            "<script>if(a</svg>)</script>",
            "<![CDATA[ </svg> ]]>",
            "<foreignObject><p>fo</p><script>x</svg></script></foreignObject>",
            "<desc><b>d</b><style>z</svg></style></desc>",
            "<svg/>",
            "<svg><g/></svg>",
            "<title>t</title>",
            "<p>breakout</p>",
            "<font color=red>br</font>",
            "<font>nf</font>",
            "<!-- c -->",
            "<math><mi>x</mi></math>",
            "</p>",
            "<a href=x>l</a>",
        ];
        const MATH_BITS: &[&str] = &[
            "<mi>x</mi>",
            "<mo>+</mo>",
            "<mrow>",
            "</mrow>",
            "<mtext><span>t</span><script>s</math></script></mtext>",
            "<annotation-xml><svg><text>z</text></svg></annotation-xml>",
            "<script>ms</script>",
            "<style>q</style>",
            "<![CDATA[a<b]]>",
            "<p>bo</p>",
            "<mi><mglyph/></mi>",
            "<title>mt</title>",
            "<semantics><annotation encoding='application/x-tex'>a &lt; b</annotation></semantics>",
        ];
        /// Snippets that mutations insert anywhere, even inside a tag.
        const SNIPPETS: &[&str] = &[
            "<",
            ">",
            "\"",
            "'",
            "=",
            "/",
            "-",
            "<!--",
            "-->",
            "--!>",
            "<!-->",
            "<script>",
            "</script>",
            "<SCRIPT>",
            "<style>",
            "</style>",
            "<svg>",
            "</svg>",
            "<svg/>",
            "<math>",
            "</math>",
            "<p>",
            "</p>",
            "<div>",
            "</div>",
            "<title>",
            "</title>",
            "<textarea>",
            "<template>",
            "</template>",
            "<![CDATA[",
            "]]>",
            "<?",
            "<!",
            "</",
            "<b>",
            "<xmp>",
            "</xmp>",
            "<noscript>",
            "</noscript>",
            "<select>",
            "</select>",
        ];

        fn attrs(r: &mut Rng, out: &mut String) {
            for _ in 0..r.below(4) {
                out.push(' ');
                out.push_str(r.pick(ATTR_NAMES));
                let value = r.pick(ATTR_VALUES);
                match r.below(4) {
                    0 => {}
                    1 => {
                        out.push_str("=\"");
                        out.push_str(&value.replace('"', "'"));
                        out.push('"');
                    }
                    2 => {
                        out.push_str("='");
                        out.push_str(&value.replace('\'', "\""));
                        out.push('\'');
                    }
                    _ => {
                        out.push('=');
                        out.push_str(&value.replace(|c: char| c.is_whitespace() || c == '>', ""));
                    }
                }
            }
            if r.chance(10) {
                out.push_str(" /");
            }
        }

        fn nodes(r: &mut Rng, depth: usize, out: &mut String) {
            for _ in 0..r.below(6) + 1 {
                match r.below(24) {
                    0..=6 => {
                        out.push(' ');
                        out.push_str(r.pick(WORDS));
                        out.push(' ');
                        out.push_str(r.pick(&WORDS[..5]));
                    }
                    7..=11 if depth < 5 => {
                        let name = r.pick(CONTAINERS);
                        out.push('<');
                        out.push_str(name);
                        attrs(r, out);
                        out.push('>');
                        nodes(r, depth + 1, out);
                        if r.chance(90) {
                            out.push_str("</");
                            out.push_str(name);
                            out.push('>');
                        }
                    }
                    12 | 13 => out.push_str(r.pick(COMMENTS)),
                    14 | 15 => {
                        let name = r.pick(RAW);
                        out.push('<');
                        out.push_str(name);
                        if name.eq_ignore_ascii_case("script") && r.chance(20) {
                            out.push_str(" type=\"application/ld+json\"");
                        }
                        attrs(r, out);
                        out.push('>');
                        for _ in 0..r.below(4) {
                            out.push_str(r.pick(RAW_BITS));
                        }
                        if r.chance(95) {
                            out.push_str(["</", "</", "</ "][r.below(3)]);
                            let close = if r.chance(50) {
                                name.to_ascii_uppercase()
                            } else {
                                name.to_string()
                            };
                            out.push_str(&close);
                            out.push_str([">", " >", "\t/>", " x=\">\">"][r.below(4)]);
                        }
                    }
                    16 => {
                        out.push_str(if r.chance(20) { "<SVG" } else { "<svg" });
                        attrs(r, out);
                        out.push('>');
                        for _ in 0..r.below(4) {
                            out.push_str(r.pick(SVG_BITS));
                        }
                        if r.chance(85) {
                            out.push_str("</svg>");
                        }
                    }
                    17 => {
                        out.push_str("<math>");
                        for _ in 0..r.below(4) {
                            out.push_str(r.pick(MATH_BITS));
                        }
                        if r.chance(85) {
                            out.push_str("</math>");
                        }
                    }
                    18 => {
                        let name = r.pick(&[
                            "template", "select", "object", "video", "audio", "canvas", "datalist",
                        ]);
                        out.push('<');
                        out.push_str(name);
                        attrs(r, out);
                        out.push('>');
                        if name == "select" {
                            out.push_str("<option>one</option><option>two");
                        } else if depth < 5 {
                            nodes(r, depth + 1, out);
                        }
                        out.push_str("</");
                        out.push_str(name);
                        out.push('>');
                    }
                    19 => {
                        out.push('<');
                        out.push_str(r.pick(&["img", "br", "input", "hr", "meta", "link"]));
                        attrs(r, out);
                        out.push('>');
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(r.pick(&WORDS[..5]));
                    }
                }
            }
        }

        fn page(r: &mut Rng) -> String {
            let mut out = String::new();
            if r.chance(50) {
                out.push_str("<!DOCTYPE html><html><head><title>T</title>");
                if r.chance(50) {
                    out.push_str("<script>var a = 1;</script><style>p {}</style>");
                }
                out.push_str("</head><body>");
            }
            nodes(r, 0, &mut out);
            if r.chance(5) {
                out.push_str("<plaintext><script>after</script>");
            }
            out
        }

        fn boundary(s: &str, mut at: usize) -> usize {
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            at
        }

        fn mutate(r: &mut Rng, page: &str) -> String {
            let mut s = page.to_string();
            for _ in 0..r.below(3) + 1 {
                let at = boundary(&s, r.below(s.len() + 1));
                let to = boundary(&s, (at + r.below(40)).min(s.len()));
                match r.below(6) {
                    0 => s.replace_range(at..to, ""),
                    1 | 2 => s.insert_str(at, r.pick(SNIPPETS)),
                    3 => {
                        let upper = s[at..to].to_ascii_uppercase();
                        s.replace_range(at..to, &upper);
                    }
                    4 => {
                        let copy = s[at..to].to_string();
                        s.insert_str(to, &copy);
                    }
                    _ => {
                        if r.chance(20) {
                            s.truncate(at);
                        }
                    }
                }
            }
            s
        }

        /// `PRESCAN_FUZZ=N[,SEED]` runs N generated pages instead of 3000.
        #[test]
        fn generated_pages() {
            let env = std::env::var("PRESCAN_FUZZ").unwrap_or_default();
            let mut env = env.split(',').map(|v| v.trim().parse::<u64>().ok());
            let pages = env.next().flatten().unwrap_or(3000);
            let mut r = Rng(env.next().flatten().unwrap_or(0x5eed));
            let mut failures = Vec::new();
            for i in 0..pages {
                let p = page(&mut r);
                let p = if i % 2 == 1 { mutate(&mut r, &p) } else { p };
                if same_text(&p).is_err() {
                    let small = if failures.len() < 8 { shrink(&p) } else { p };
                    let e = same_text(&small).unwrap_err();
                    failures.push(format!("page {i}, shrunk: {small:?}\n{e}"));
                }
            }
            assert!(
                failures.is_empty(),
                "{} failures:\n{}",
                failures.len(),
                failures
                    .iter()
                    .take(8)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n\n")
            );
        }

        #[test]
        fn fixture_pages_and_their_mutations() {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pages");
            let mut r = Rng(0xf1c5);
            let mut failures = Vec::new();
            let mut slugs: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            slugs.sort();
            for slug in slugs {
                let bytes = std::fs::read(slug.join("source.html")).unwrap();
                let page = String::from_utf8_lossy(&bytes).into_owned();
                let name = slug.file_name().unwrap().to_string_lossy().into_owned();
                if let Err(e) = same_text(&page) {
                    failures.push(format!("{name}: {e}"));
                }
                for k in 0..4 {
                    let m = mutate(&mut r, &page);
                    if let Err(e) = same_text(&m) {
                        failures.push(format!("{name}, mutation {k}: {e}"));
                    }
                }
            }
            assert!(
                failures.is_empty(),
                "{} failures:\n{}",
                failures.len(),
                failures.join("\n\n")
            );
        }
    }
}
