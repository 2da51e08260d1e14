//! A byte scan before parsing that drops what no article needs.
//!
//! Most of a modern page's bytes sit inside `<script>`, `<style>`, `<svg>`,
//! `<noscript>`, `<template>` and HTML comments (MathML stays: formulas are
//! text). None of it is article text, and parsing it costs more than the
//! rest of extraction, so one forward scan cuts those ranges out before the
//! HTML parser runs, and `<select>`, `<iframe>`, `<object>`, `<video>`,
//! `<audio>`, `<canvas>` and `<datalist>` too when their end tag is there.
//! Each cut leaves a space. The contents of
//! `<script type="application/ld+json">` are kept aside for the metadata
//! stage. The same scan rewrites start tags without the attributes no stage
//! reads (`src`, `data-*`, `on*`, …), and cuts the tags of common containers
//! nested deeper than [`MAX_DEPTH`].
//!
//! The scan is deliberately simple, and agrees with an HTML parser on
//! ordinary pages without being one. It recognises an opening tag only when
//! the name is followed by whitespace, `/` or `>`, and ends a dropped element
//! at the first `</name` after it, whatever follows the name; `svg` and
//! `template` may nest, so their depth is counted. It knows no context: a
//! `<script>` written inside a `<title>` or an attribute value opens a cut
//! all the same, and the escapes of script text (`<!--<script>`) are not
//! followed.

use memchr::{memchr, memmem};
use std::borrow::Cow;

/// What the scan produced.
#[derive(Debug, Default)]
pub struct Prescanned<'a> {
    /// The HTML with dropped ranges cut out.
    pub html: Cow<'a, str>,
    /// The raw text of every JSON-LD block, in document order.
    pub json_ld: Vec<&'a str>,
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
/// Of those, the ones whose content may hold the same element again.
const NESTING: &[&str] = &["svg", "template"];

/// Deepest nesting of counted container elements kept. Browsers cap nesting too;
/// the HTML parser's tree builder slows down with the square of the depth, so
/// a page of 100,000 nested `<div>`s would otherwise take minutes.
pub const MAX_DEPTH: usize = 1024;
/// Container elements that pages close reliably, whose depth is counted.
const COUNTED: &[&str] = &[
    "div",
    "span",
    "b",
    "i",
    "em",
    "strong",
    "a",
    "font",
    "section",
    "article",
    "blockquote",
    "u",
    "small",
    "big",
    "center",
    "ul",
    "ol",
    "main",
    "aside",
    "nav",
    "header",
    "footer",
    "form",
];

/// Cut the dropped elements and comments out of `html`, the attributes no
/// stage reads out of its start tags, and nesting deeper than [`MAX_DEPTH`].
pub fn prescan(html: &str) -> Prescanned<'_> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut json_ld = Vec::new();
    let mut copied = 0; // bytes of `html` already handled (copied or skipped)
    let mut pos = 0;
    let mut depth = 0usize;
    let mut cut_open = 0usize; // openers cut for depth, whose closers are cut too
    while let Some(off) = memchr(b'<', &bytes[pos..]) {
        let start = pos + off;
        let rest = &bytes[start + 1..];
        let mut start_tag = rest.first().is_some_and(u8::is_ascii_alphabetic);
        let skip_to = if let Some((closing, true)) = counted_tag(rest) {
            let tag_end = memchr(b'>', rest).map_or(bytes.len(), |e| start + 1 + e + 1);
            if closing {
                if cut_open > 0 {
                    cut_open -= 1;
                    Some(tag_end)
                } else {
                    depth = depth.saturating_sub(1);
                    None
                }
            } else if depth >= MAX_DEPTH {
                cut_open += 1;
                start_tag = false;
                Some(tag_end)
            } else {
                depth += 1;
                None
            }
        } else if rest.starts_with(b"!--") {
            Some(match memmem::find(&rest[3..], b"-->") {
                Some(e) => start + 1 + 3 + e + 3,
                None => bytes.len(),
            })
        } else if let Some(name) = dropped_tag(rest) {
            let open_end = match memchr(b'>', rest) {
                Some(e) => start + 1 + e + 1,
                None => bytes.len(),
            };
            let (content_end, close_end) = find_close(bytes, open_end, name);
            if name == "script" && is_json_ld(&bytes[start..open_end]) {
                json_ld.push(&html[open_end..content_end]);
            }
            let unclosed = content_end == bytes.len();
            (!(unclosed && CLOSED_ONLY.contains(&name))).then_some(close_end)
        } else {
            None
        };
        match skip_to {
            Some(end) => {
                let o = out.get_or_insert_with(|| String::with_capacity(html.len() / 2));
                o.push_str(&html[copied..start]);
                // Keep a space so that words on either side stay apart.
                o.push(' ');
                copied = end;
                pos = end;
            }
            None if start_tag => match strip_attributes(html, start) {
                Some((end, tag)) => {
                    let o = out.get_or_insert_with(|| String::with_capacity(html.len() / 2));
                    o.push_str(&html[copied..start]);
                    o.push_str(&tag);
                    copied = end;
                    pos = end;
                }
                None => pos = start + 1,
            },
            None => pos = start + 1,
        }
        if pos >= bytes.len() {
            break;
        }
    }
    let html = match out {
        Some(mut o) => {
            o.push_str(&html[copied.min(html.len())..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(html),
    };
    Prescanned { html, json_ld }
}

/// Attributes that some stage reads; every other attribute (`src`,
/// `srcset`, `data-*`, `on*`, `alt`, …) is cut before parsing, since the
/// parser's cost grows with every byte it tokenizes.
const KEPT_ATTRIBUTES: &[&str] = &[
    "class",
    "id",
    "hidden",
    "aria-hidden",
    "style",
    "role",
    "itemprop",
    "itemtype",
    "content",
    "property",
    "name",
    "http-equiv",
    "href",
    "rel",
    "datetime",
    "title",
    "pubdate",
    "lang",
    "xml:lang",
    "charset",
];

/// Rewrite the start tag at `start` without the attributes nobody reads.
/// Returns the end of the tag and its new text, or `None` when nothing is
/// cut or the tag is not well-formed enough to rewrite safely.
fn strip_attributes(html: &str, start: usize) -> Option<(usize, String)> {
    let b = html.as_bytes();
    let mut i = start + 1;
    while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') {
        i += 1;
    }
    let name_end = i;
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut dropped = false;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            break;
        }
        let attr_start = i;
        while i < b.len()
            && !matches!(
                b[i],
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' | b'='
            )
        {
            i += 1;
        }
        let attr_name = &html[attr_start..i];
        let mut j = i;
        while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            j += 1;
        }
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                j += 1;
            }
            match b.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    j = j + 1 + memchr(q, &b[j + 1..])? + 1;
                }
                Some(_) => {
                    while j < b.len()
                        && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>')
                    {
                        j += 1;
                    }
                }
                None => return None,
            }
            i = j;
        }
        if attr_name.is_empty() {
            return None;
        }
        if KEPT_ATTRIBUTES
            .iter()
            .any(|k| k.eq_ignore_ascii_case(attr_name))
        {
            kept.push((attr_start, i));
        } else {
            dropped = true;
        }
    }
    if !dropped {
        return None;
    }
    let mut tag = String::with_capacity(i + 1 - start);
    tag.push_str(&html[start..name_end]);
    for (a, z) in kept {
        tag.push(' ');
        tag.push_str(&html[a..z]);
    }
    // A self-closing slash is meaningless in HTML outside SVG, which the
    // scan has already cut.
    tag.push('>');
    Some((i + 1, tag))
}

/// Whether `rest` (bytes after `<`) is a start or end tag (`closing`) of a
/// counted element: `Some((closing, true))`.
fn counted_tag(rest: &[u8]) -> Option<(bool, bool)> {
    let (closing, name_at) = if rest.first() == Some(&b'/') {
        (true, 1)
    } else {
        (false, 0)
    };
    let name = &rest[name_at..];
    let len = name
        .iter()
        .take(12)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if len == 0 || len == name.len() {
        return None;
    }
    let counted = COUNTED
        .iter()
        .any(|c| c.len() == len && name[..len].eq_ignore_ascii_case(c.as_bytes()));
    (counted && matches!(name[len], b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>'))
        .then_some((closing, true))
}

/// The dropped element that `rest` (bytes after `<`) opens, if any.
fn dropped_tag(rest: &[u8]) -> Option<&'static str> {
    DROPPED.iter().copied().find(|name| {
        rest.len() > name.len()
            && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && matches!(
                rest[name.len()],
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'
            )
    })
}

fn is_json_ld(open_tag: &[u8]) -> bool {
    memmem::find(&open_tag.to_ascii_lowercase(), b"ld+json").is_some()
}

/// From `from`, find the end tag of `name`; returns (content end, end of the close tag).
fn find_close(bytes: &[u8], from: usize, name: &str) -> (usize, usize) {
    let nests = NESTING.contains(&name);
    let mut depth = 1usize;
    let mut pos = from;
    while let Some(off) = memchr(b'<', &bytes[pos.min(bytes.len())..]) {
        let lt = pos + off;
        let rest = &bytes[lt + 1..];
        let n = name.len();
        if rest.len() > n && rest[0] == b'/' && rest[1..=n].eq_ignore_ascii_case(name.as_bytes()) {
            depth -= 1;
            if depth == 0 {
                let close = memchr(b'>', rest).map_or(bytes.len(), |e| lt + 1 + e + 1);
                return (lt, close);
            }
        } else if nests
            && rest.len() > n
            && rest[..n].eq_ignore_ascii_case(name.as_bytes())
            && matches!(rest[n], b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>')
        {
            depth += 1;
        }
        pos = lt + 1;
    }
    (bytes.len(), bytes.len())
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
    fn lookalike_tags_are_kept() {
        let p = prescan("<scripture>keep</scripture><styled>keep2</styled>");
        assert!(p.html.contains("keep") && p.html.contains("keep2"));
        assert!(matches!(p.html, Cow::Borrowed(_)));
    }
}
