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
