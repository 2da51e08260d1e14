//! Reader comments, when asked for ([`crate::ExtractOptions::comments`]):
//! the text of each comment of the page, for the record's `comments` field.
//! The article's text never holds them (the cleaner removes comment
//! sections); this reads them on their own.
//!
//! A comment is an element marked as one by microdata (`itemprop=comment`,
//! `schema.org/Comment`) or with the class `comment` (WordPress and the many
//! themes that follow it). Its text leaves out the comments nested in it
//! (replies, which are comments of their own), forms, scripts, images and
//! reply links.

use crate::extract::dom::{Data, Doc, Flag, Ix, Tag, attr};
use crate::extract::text::collapse_whitespace;

/// Whether element `i` is a comment.
fn is_comment(doc: &Doc<'_>, i: Ix) -> bool {
    doc.elem(i).is_some_and(|e| {
        e.flags.contains(Flag::COMMENT)
            || attr(e.el, "class")
                .is_some_and(|c| c.split_ascii_whitespace().any(|t| t == "comment"))
    })
}

/// Whether element `i` is left out of a comment's text.
fn left_out(doc: &Doc<'_>, i: Ix) -> bool {
    doc.elem(i).is_some_and(|e| {
        e.tag.intersects(Tag::SKIP | Tag::FORM)
            || attr(e.el, "class").is_some_and(|c| {
                c.split_ascii_whitespace()
                    .any(|t| matches!(t, "reply" | "comment-reply-link" | "says"))
            })
    })
}

/// The comments' texts, in page order, one paragraph each; `None` when the
/// page has none.
pub fn collect(doc: &Doc<'_>) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let n = doc.nodes.len() as Ix;
    for i in 0..n {
        if !is_comment(doc, i) {
            continue;
        }
        let end = doc.nodes[i as usize].end;
        let mut text = String::new();
        let mut j = i + 1;
        while j < end {
            let node = &doc.nodes[j as usize];
            match &node.data {
                Data::Elem(_) if is_comment(doc, j) || left_out(doc, j) => {
                    j = node.end;
                    continue;
                }
                Data::Elem(e) if e.tag.intersects(Tag::BLOCK) => text.push('\n'),
                Data::Text(t) => {
                    text.push(' ');
                    text.push_str(t.text);
                }
                Data::Elem(_) => {}
            }
            j += 1;
        }
        let lines: Vec<String> = text
            .split('\n')
            .map(collapse_whitespace)
            .filter(|l| !l.is_empty())
            .collect();
        if !lines.is_empty() {
            out.push(lines.join("\n"));
        }
    }
    (!out.is_empty()).then(|| out.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_their_replies_are_read_apart() {
        let h = scraper::Html::parse_document(
            "<body><article><p>Story</p></article><ol><li class='comment'>\
             <div class='comment-author'>Ann <span class='says'>says:</span></div>\
             <div class='comment-body'><p>First!</p></div><a class='comment-reply-link'>Reply</a>\
             <ol><li class='comment'><p>A reply</p></li></ol></li></ol>\
             <form><textarea>x</textarea></form></body>",
        );
        let doc = Doc::build(&h);
        assert_eq!(collect(&doc).as_deref(), Some("Ann\nFirst!\n\nA reply"));
        let h = scraper::Html::parse_document("<body><p>No comments</p></body>");
        assert_eq!(collect(&Doc::build(&h)), None);
    }
}
