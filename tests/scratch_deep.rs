//! scratch timing (temporary)
use std::time::Instant;
#[test]
fn scratch() {
    for depth in [4_000usize, 8_000] {
        for t in ["div", "b"] {
            let mut s = String::from("<html><body>");
            for _ in 0..depth { s.push_str(&format!("<{t}>")); }
            s.push_str(&"<p>The council met on Tuesday evening to discuss the new harbour plan, which has divided residents, fishermen and shop owners.</p>".repeat(3));
            for _ in 0..depth { s.push_str(&format!("</{t}>")); }
            let html = scraper::Html::parse_document(&s);
            let doc = pith::dom::Doc::build(&html);
            let pass = pith::clean::LADDER[0];
            let t = Instant::now();
            let raw = pith::score::stats(&doc, None);
            let mut removed = pith::clean::removed(&doc, &raw, pass);
            let st = pith::score::stats(&doc, Some(&removed));
            let a = t.elapsed();
            let t = Instant::now();
            let cands = pith::score::score(&doc, &st, &removed, pass);
            let b = t.elapsed();
            let t = Instant::now();
            let roots = pith::score::select(&doc, &st, &removed, &cands);
            let c = t.elapsed();
            let t = Instant::now();
            pith::clean::prune(&doc, &st, &mut removed, &roots, pass);
            let d = t.elapsed();
            let t = Instant::now();
            let blocks = pith::render::blocks(&doc, &roots, &removed);
            let e = t.elapsed();
            let r = pith::extract(s.as_bytes(), None, &Default::default());
            eprintln!("{t:?} {depth}: stats+removed {a:?} score {b:?} select {c:?} prune {d:?} render {e:?} roots={roots:?} blocks={} result={:?}", blocks.len(), r.as_ref().err());
        }
    }
}
