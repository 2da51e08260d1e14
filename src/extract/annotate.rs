//! The page written back as HTML for the preview, with the extractor's
//! decisions on it: scripts, frames and event handlers stripped, and every
//! element the explanation names marked with `data-pith` (`removed`,
//! `kept`, `unchosen`), `data-pith-reason` and `data-pith-selector` (a CSS
//! selector for a `[[site]]` rule).

use crate::extract::dom::{Data, Doc, Ix, NONE, attr};
use std::fmt::Write;

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

/// The page as HTML, marked: `marks[i]` for element `i`; `head_extra` is
/// written at the start of `<head>` (the CSP and the preview's styles).
pub fn annotated(doc: &Doc<'_>, marks: &[Option<Mark>], head_extra: &str) -> String {
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
                        let _ = write!(out, " {k}=\"");
                        escape_attr(&mut out, v);
                        out.push('"');
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
