//! Inline Markdown: code spans, emphasis, and (when asked) links and
//! images, kept in a block's Markdown while its text stays plain.
//!
//! While the walker writes a block's text it also writes a shadow copy
//! with marks in it: characters of Unicode's private use area that no page
//! text holds once decoded (they are dropped from the shadow if it does).
//! At the end of the block, [`finish`] escapes the text between the marks
//! for Markdown and turns the marks into Markdown syntax. A block whose
//! marks do not pair up (an emphasis that spans two paragraphs) keeps its
//! plain escaped text.

use crate::extract::render::markdown::{Context, escape_markdown};
use url::Url;

/// Opens and closes a code span.
pub const CODE: char = '\u{E000}';
/// Opens and closes emphasis (`*`).
pub const EMPH: char = '\u{E001}';
/// Opens and closes strong emphasis (`**`).
pub const STRONG: char = '\u{E002}';
/// Opens a link's text (`[`).
pub const LINK_OPEN: char = '\u{E003}';
/// Closes a link's text: followed by the index of its `](href)` in the
/// block's references and [`REF_END`].
pub const LINK_CLOSE: char = '\u{E004}';
/// Ends a reference index.
pub const REF_END: char = '\u{E005}';
/// An image: followed by the index of its `![alt](src)` and [`REF_END`].
pub const IMAGE: char = '\u{E006}';

/// Whether `c` is one of the marks.
pub fn is_mark(c: char) -> bool {
    ('\u{E000}'..='\u{E006}').contains(&c)
}

/// What the Markdown keeps beyond code spans and emphasis.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inline<'u> {
    /// Links as `[text](href)`.
    pub links: bool,
    /// Images as `![alt](src)`.
    pub images: bool,
    /// The page's address, to make links and images absolute.
    pub base: Option<&'u Url>,
    /// No marks at all: the blocks get no Markdown of their own.
    pub plain: bool,
}

impl Inline<'_> {
    /// `href` as an absolute http(s) address fit for Markdown, if it is one.
    pub fn absolute(&self, href: &str) -> Option<String> {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') {
            return None;
        }
        let url = match self.base {
            Some(b) => b.join(href).ok()?,
            None => Url::parse(href).ok()?,
        };
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        Some(
            url.as_str()
                .replace('(', "%28")
                .replace(')', "%29")
                .replace(' ', "%20"),
        )
    }
}

/// Text for the inside of `[...]`: brackets and backslashes escaped.
pub fn bracket_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']' | '\\') {
            out.push('\\');
        }
        if !c.is_control() {
            out.push(c);
        }
    }
    out
}

/// Whether the marks of `md` pair up: toggles an even number of times,
/// links opened and closed in turn.
fn balanced(md: &str) -> bool {
    let (mut code, mut emph, mut strong, mut link) = (0usize, 0usize, 0usize, 0i32);
    for c in md.chars() {
        match c {
            CODE => code += 1,
            EMPH => emph += 1,
            STRONG => strong += 1,
            LINK_OPEN => link += 1,
            LINK_CLOSE => {
                link -= 1;
                if link < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    code % 2 == 0 && emph % 2 == 0 && strong % 2 == 0 && link == 0
}

/// The block's Markdown from its marked shadow `md` and its references;
/// `None` when the marks do not pair up.
pub fn finish(md: &str, refs: &[String], context: Context) -> Option<String> {
    if !balanced(md) {
        return None;
    }
    let mut out = String::with_capacity(md.len() + 16);
    for (k, segment) in md.split(CODE).enumerate() {
        if k % 2 == 1 {
            // A code span: its text as is, in a fence longer than any run
            // of backticks in it; empty spans are dropped.
            let code: String = segment.chars().filter(|c| !is_mark(*c)).collect();
            if code.trim().is_empty() {
                continue;
            }
            let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest + 1);
            let pad = if code.starts_with('`') || code.ends_with('`') {
                " "
            } else {
                ""
            };
            out.push_str(&format!("{fence}{pad}{code}{pad}{fence}"));
            continue;
        }
        let escaped = escape_markdown(segment, context);
        let mut chars = escaped.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                EMPH => {
                    // An empty emphasis is dropped with its pair.
                    if chars.peek() == Some(&EMPH) {
                        chars.next();
                    } else {
                        out.push('*');
                    }
                }
                STRONG => {
                    if chars.peek() == Some(&STRONG) {
                        chars.next();
                    } else {
                        out.push_str("**");
                    }
                }
                LINK_OPEN => out.push('['),
                LINK_CLOSE | IMAGE => {
                    let mut index = String::new();
                    for d in chars.by_ref() {
                        if d == REF_END {
                            break;
                        }
                        index.push(d);
                    }
                    // Escaping may have put a backslash among the digits.
                    let index: String = index.chars().filter(char::is_ascii_digit).collect();
                    if let Some(r) = index.parse::<usize>().ok().and_then(|i| refs.get(i)) {
                        out.push_str(r);
                    }
                }
                _ => out.push(c),
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_become_markdown() {
        let md = format!(
            "Use {CODE}a*b{CODE} and {EMPH}this{EMPH}, {STRONG}that{STRONG} {LINK_OPEN}here{LINK_CLOSE}0{REF_END}."
        );
        let refs = vec!["](https://example.com/x)".to_string()];
        assert_eq!(
            finish(&md, &refs, Context::Block).as_deref(),
            Some("Use `a*b` and *this*, **that** [here](https://example.com/x).")
        );
        assert_eq!(finish(&format!("{EMPH}open"), &refs, Context::Block), None);
        assert_eq!(
            finish(&format!("x {CODE}a`b{CODE}"), &[], Context::Block).as_deref(),
            Some("x ``a`b``")
        );
    }

    #[test]
    fn addresses_are_absolute() {
        let base = Url::parse("https://example.com/a/b").unwrap();
        let i = Inline {
            links: true,
            images: true,
            base: Some(&base),
            plain: false,
        };
        assert_eq!(
            i.absolute("../c (1)").as_deref(),
            Some("https://example.com/c%20%281%29")
        );
        assert_eq!(i.absolute("javascript:void(0)"), None);
        assert_eq!(i.absolute("#top"), None);
    }
}
