//! Developer tool: show how pith sees a page.
//!
//! `cargo run --release --example explain -- PAGE.html [URL] [SNIPPET]` prints, for each
//! pass of the fallback ladder, the chosen containers and their scores, the
//! text length found, and, when SNIPPET is given, the chain of ancestors of
//! the first text node containing it with each one's removal verdict.

use pith::clean::{self, LADDER};
use pith::dom::{Data, Doc, NONE, attr};
use pith::{prescan, score};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("readable page");
    let decoded = pith::decode::decode(&bytes, None, None).expect("decodable page");
    let pre = prescan::prescan(&decoded.text);
    let html = scraper::Html::parse_document(&pre.html);
    let doc = Doc::build(&html);
    let raw = score::stats(&doc, None);
    let snippet = args.get(3).cloned();
    for (k, pass) in LADDER.iter().enumerate() {
        let removed = clean::removed(&doc, &raw, *pass);
        let st = score::stats(&doc, Some(&removed));
        let mut cands = score::score(&doc, &st, &removed, *pass);
        let roots = score::select(&doc, &st, &removed, &cands);
        cands.sort_by(|a, b| b.1.total_cmp(&a.1));
        println!(
            "pass {k}: roots {:?}",
            roots.iter().map(|&r| describe(&doc, r)).collect::<Vec<_>>()
        );
        for (i, s) in cands.iter().take(5) {
            println!(
                "   cand {:>8.1} len {:>6} {}",
                s,
                st[*i as usize].len,
                describe(&doc, *i)
            );
        }
        if let Some(sn) = &snippet {
            let hit = doc
                .nodes
                .iter()
                .position(|n| matches!(&n.data, Data::Text(t) if t.text.contains(sn.as_str())));
            if let Some(mut i) = hit.map(|h| h as u32) {
                while i != NONE {
                    if removed[i as usize]
                        && (doc.nodes[i as usize].parent == NONE
                            || !removed[doc.nodes[i as usize].parent as usize])
                    {
                        println!("   REMOVED at {}", describe(&doc, i));
                    }
                    i = doc.nodes[i as usize].parent;
                }
            } else {
                println!("   snippet not found in any text node");
            }
        }
    }
    let a = pith::extract(&bytes, args.get(2).map(String::as_str), &Default::default());
    match a {
        Ok(a) => println!(
            "{}\n---\n{}",
            serde_json::to_string_pretty(&a.metadata).unwrap_or_default(),
            a.text
        ),
        Err(e) => println!("error: {e}"),
    }
}

fn describe(doc: &Doc<'_>, i: u32) -> String {
    match doc.elem(i) {
        Some(e) => format!(
            "#{i} <{} class={:?} id={:?}> hits={:#x} flags={:#x}",
            e.name,
            attr(e.el, "class")
                .unwrap_or("")
                .chars()
                .take(50)
                .collect::<String>(),
            attr(e.el, "id").unwrap_or(""),
            e.hits,
            e.flags
        ),
        None => format!("#{i} text"),
    }
}
