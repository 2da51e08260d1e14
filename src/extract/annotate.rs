//! The page written back as HTML for the preview, with the extractor's
//! decisions on it: scripts, frames and event handlers stripped, and every
//! element the explanation names marked with `data-pith` (`removed`,
//! `kept`, `unchosen`), `data-pith-reason` and `data-pith-selector` (a CSS
//! selector for a `[[site]]` rule).
//!
//! The page is shown from a string, with no address of its own: every
//! address in it is written out absolute (against its `<base href>` and the
//! page's URL), and an image that waits for a script to load it (`data-src`,
//! `data-srcset`, …) gets its address in `src`/`srcset`, so that the images
//! show.

use crate::extract::dom::{Data, Doc, Ix, NONE, attr};
use std::fmt::Write;
use url::Url;

/// Elements left out of the preview with everything in them: they run
/// code, load other documents, or change how the page is loaded.
const STRIPPED: &[&str] = &[
    "script", "noscript", "iframe", "frame", "frameset", "object", "embed", "base", "applet",
    "portal",
];

/// Elements with no end tag.
const VOID: &[&str] = &[
    "area", "br", "col", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param",
];

/// Attributes that hold one address.
const URL_ATTRS: &[&str] = &["src", "href", "poster", "background", "cite"];

/// Attributes where scripts that load images late keep the address.
const LAZY_SRC: &[&str] = &["data-src", "data-lazy-src", "data-original", "data-url"];
/// Attributes where scripts that load images late keep the `srcset`.
const LAZY_SRCSET: &[&str] = &["data-srcset", "data-lazy-srcset"];

/// Elements whose text is written as is.
const RAW_TEXT: &[&str] = &["style", "xmp", "textarea", "title"];

/// What the explanation says of one element.
#[derive(Debug, Clone)]
pub struct Mark {
    /// `removed`, `kept` or `unchosen`.
    pub state: &'static str,
    /// The reason's label (removed and unchosen parts).
    pub reason: Option<String>,
}

/// A CSS selector for element `i`: its tag with its id, or its tag with
/// its classes, prefixed by its parent's when that names nothing.
pub fn selector(doc: &Doc<'_>, i: Ix) -> String {
    let Some(e) = doc.elem(i) else {
        return String::new();
    };
    let simple = |el: &scraper::node::Element, name: &str| -> (String, bool) {
        if let Some(id) = attr(el, "id").filter(|id| is_ident(id)) {
            return (format!("{name}#{id}"), true);
        }
        let classes: Vec<&str> = attr(el, "class")
            .unwrap_or("")
            .split_ascii_whitespace()
            .filter(|c| is_ident(c))
            .take(3)
            .collect();
        if classes.is_empty() {
            (name.to_string(), false)
        } else {
            (format!("{name}.{}", classes.join(".")), true)
        }
    };
    let (own, named) = simple(e.el, e.name);
    if named {
        return own;
    }
    let parent = doc.nodes[i as usize].parent;
    match doc.elem(parent) {
        Some(p) if parent != NONE => format!("{} > {own}", simple(p.el, p.name).0),
        _ => own,
    }
}

/// Whether `s` can be written in a selector without escapes.
fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            _ => out.push(c),
        }
    }
}

/// Whether attribute `name` with `value` may stay: no event handlers, no
/// `javascript:` addresses.
fn safe_attr(name: &str, value: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if n.starts_with("on") || n == "srcdoc" || n == "formaction" || n.starts_with("data-pith") {
        return false;
    }
    let v = value.trim_start().to_ascii_lowercase();
    !(v.starts_with("javascript:") || v.starts_with("vbscript:"))
}

/// The address addresses on the page are relative to: its first `<base
/// href>`, resolved against `url`, else `url`.
fn page_base(doc: &Doc<'_>, url: Option<&Url>) -> Option<Url> {
    let href = doc
        .nodes
        .iter()
        .filter_map(|n| n.elem())
        .find(|e| e.name == "base" && attr(e.el, "href").is_some())
        .and_then(|e| attr(e.el, "href"))
        .map(str::trim);
    match (href, url) {
        (Some(h), Some(u)) => u.join(h).ok().or_else(|| Some(u.clone())),
        (Some(h), None) => Url::parse(h).ok(),
        (None, u) => u.cloned(),
    }
}

/// `v` resolved against `base` (unchanged without one, or when it is not
/// an address).
fn absolute(v: &str, base: Option<&Url>) -> String {
    match base.and_then(|b| b.join(v.trim()).ok()) {
        Some(u) => u.into(),
        None => v.to_string(),
    }
}

/// A `srcset` with each candidate's address resolved against `base`.
fn absolute_srcset(v: &str, base: Option<&Url>) -> String {
    v.split(',')
        .map(|c| {
            let c = c.trim();
            match c.split_once(char::is_whitespace) {
                Some((u, size)) => format!("{} {}", absolute(u, base), size.trim()),
                None => absolute(c, base),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value to write for attribute `k` (`v`) of element `el`: addresses
/// made absolute; an image's empty or placeholder `src`/`srcset` replaced
/// by the one a script would have loaded.
fn attr_value(el: &scraper::node::Element, k: &str, v: &str, base: Option<&Url>) -> String {
    let placeholder = |v: &str| v.trim().is_empty() || v.trim_start().starts_with("data:");
    let lazy = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| attr(el, n))
            .filter(|l| !placeholder(l))
    };
    match k {
        "srcset" => {
            let v = if placeholder(v) {
                lazy(LAZY_SRCSET).unwrap_or(v)
            } else {
                v
            };
            absolute_srcset(v, base)
        }
        "src" => {
            let v = if placeholder(v) {
                lazy(LAZY_SRC).unwrap_or(v)
            } else {
                v
            };
            if v.trim_start().starts_with("data:") {
                v.to_string()
            } else {
                absolute(v, base)
            }
        }
        _ if URL_ATTRS.contains(&k) && !v.trim_start().starts_with('#') => absolute(v, base),
        _ => v.to_string(),
    }
}

/// Write attribute `k="v"` unless it is unsafe.
fn write_attr(out: &mut String, k: &str, v: &str) {
    if safe_attr(k, v) {
        let _ = write!(out, " {k}=\"");
        escape_attr(out, v);
        out.push('"');
    }
}

/// The page as HTML, marked: `marks[i]` for element `i`; `head_extra` is
/// written at the start of `<head>` (the CSP and the preview's styles);
/// addresses are resolved against the page's `url`.
pub fn annotated(
    doc: &Doc<'_>,
    marks: &[Option<Mark>],
    head_extra: &str,
    url: Option<&Url>,
) -> String {
    let base = page_base(doc, url);
    let base = base.as_ref();
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n");
    let mut open: Vec<(Ix, &str)> = Vec::new();
    let mut raw_depth = 0usize;
    let mut wrote_head = false;
    let mut i: Ix = 0;
    let n = doc.nodes.len() as Ix;
    while i < n {
        while let Some(&(at, name)) = open.last() {
            if doc.nodes[at as usize].end > i {
                break;
            }
            open.pop();
            if RAW_TEXT.contains(&name) {
                raw_depth = raw_depth.saturating_sub(1);
            }
            let _ = write!(out, "</{name}>");
        }
        let node = &doc.nodes[i as usize];
        match &node.data {
            Data::Text(t) => {
                if raw_depth > 0 && open.last().is_some_and(|(_, n)| *n == "style") {
                    // CSS can hold no `</style` that would end it early.
                    out.push_str(&t.text.replace("</", "<\\/"));
                } else {
                    escape_text(&mut out, t.text);
                }
            }
            Data::Elem(e) => {
                let name = e.name;
                let refresh = name == "meta"
                    && attr(e.el, "http-equiv")
                        .is_some_and(|v| !v.eq_ignore_ascii_case("content-type"));
                if STRIPPED.contains(&name) || refresh || !is_ident(name) {
                    i = node.end;
                    continue;
                }
                let _ = write!(out, "<{name}");
                for (k, v) in e.el.attrs() {
                    if safe_attr(k, v) && is_ident(k.trim_start_matches(':')) {
                        write_attr(&mut out, k, &attr_value(e.el, k, v, base));
                    }
                }
                // An image with only a late-loading address.
                if matches!(name, "img" | "source") {
                    for (k, lazy) in [("src", LAZY_SRC), ("srcset", LAZY_SRCSET)] {
                        if attr(e.el, k).is_none() && lazy.iter().any(|n| attr(e.el, n).is_some()) {
                            let v = attr_value(e.el, k, "", base);
                            if !v.is_empty() {
                                write_attr(&mut out, k, &v);
                            }
                        }
                    }
                }
                if let Some(Some(m)) = marks.get(i as usize) {
                    let _ = write!(out, " data-pith=\"{}\" data-pith-selector=\"", m.state);
                    escape_attr(&mut out, &selector(doc, i));
                    out.push('"');
                    if let Some(r) = &m.reason {
                        out.push_str(" data-pith-reason=\"");
                        escape_attr(&mut out, r);
                        out.push('"');
                    }
                }
                out.push('>');
                if name == "head" && !wrote_head {
                    out.push_str(head_extra);
                    wrote_head = true;
                }
                if VOID.contains(&name) {
                    i = node.end;
                    continue;
                }
                if RAW_TEXT.contains(&name) {
                    raw_depth += 1;
                }
                open.push((i, name));
            }
        }
        i += 1;
    }
    while let Some((_, name)) = open.pop() {
        let _ = write!(out, "</{name}>");
    }
    if !wrote_head {
        out = out.replacen(
            "<!DOCTYPE html>\n",
            &format!("<!DOCTYPE html>\n<head>{head_extra}</head>"),
            1,
        );
    }
    out
}
