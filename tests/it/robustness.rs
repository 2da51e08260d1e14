//! `pith::extract` never panics and always finishes, whatever the bytes:
//! seeded random bytes, random tag soup, mutated fixture pages, 100,000-deep
//! nesting, huge attribute values, invalid UTF-8, NUL bytes, a 10 MB page
//! and unclosed raw-text elements and comments. Each input runs under
//! `catch_unwind` (a panic is reported with the input's name); each batch
//! runs on its own thread under a generous watchdog, so a hang fails the test
//! (naming the input it hung on) instead of stalling the suite. The watchdog
//! is not a speed check: override it with `PITH_WATCHDOG_SECS`.

use crate::support::{self, Rng};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Per-batch watchdog. Generous: it only catches hangs (debug builds are slow).
fn watchdog() -> Duration {
    let default = if cfg!(debug_assertions) { 120 } else { 60 };
    let secs = std::env::var("PITH_WATCHDOG_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    Duration::from_secs(secs)
}

/// Stack for the batch threads: Rust's default for spawned threads (2 MiB),
/// the stack `pith extract`'s workers have. Every batch, deep nesting
/// included, runs on it: parsing and extraction must not recurse per level
/// of nesting (measured: 100,000-deep `<div>` and `<b>` do not overflow it).
const STACK: usize = 2 << 20;

/// One input: a name for reports, the bytes and an optional URL.
struct Case {
    name: String,
    bytes: Vec<u8>,
    url: Option<&'static str>,
}

fn case(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Case {
    Case {
        name: name.into(),
        bytes: bytes.into(),
        url: None,
    }
}

/// Run every case produced by `make` (called on the batch thread, so large
/// inputs are built there and one at a time) and fail on panics or a hang.
fn run_batch<I>(batch: &str, stack: usize, make: impl FnOnce() -> I + Send + 'static)
where
    I: IntoIterator<Item = Case>,
{
    let current = Arc::new(Mutex::new(String::from("(building inputs)")));
    let (tx, rx) = mpsc::channel::<(usize, Vec<String>)>();
    let cur = Arc::clone(&current);
    std::thread::Builder::new()
        .name(format!("robustness-{batch}"))
        .stack_size(stack)
        .spawn(move || {
            let options = pith::ExtractOptions {
                now: Some(support::fixed_now()),
                ..Default::default()
            };
            let mut panics = Vec::new();
            let mut n = 0;
            for c in make() {
                *cur.lock().unwrap_or_else(|e| e.into_inner()) =
                    format!("{} ({} bytes)", c.name, c.bytes.len());
                let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    pith::extract(&c.bytes, c.url, &options)
                }));
                if let Err(p) = r {
                    panics.push(format!(
                        "{} ({} bytes): {}",
                        c.name,
                        c.bytes.len(),
                        support::panic_message(&*p)
                    ));
                }
                n += 1;
            }
            let _ = tx.send((n, panics));
        })
        .expect("spawn batch thread");
    let limit = watchdog();
    match rx.recv_timeout(limit) {
        Ok((n, panics)) => {
            assert!(n > 0, "batch {batch} produced no inputs");
            assert!(
                panics.is_empty(),
                "extract panicked on {} of {n} input(s) in batch {batch}:\n  {}",
                panics.len(),
                panics.join("\n  ")
            );
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let at = current.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!(
                "batch {batch} did not finish within the {limit:?} watchdog; it was working on: {at}"
            );
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let at = current.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!("batch {batch} thread died outside catch_unwind; last input: {at}");
        }
    }
}

const ARTICLE_P: &str = "<p>The council met on Tuesday evening to discuss the new harbour plan, which has divided residents, \
                         fishermen and shop owners for most of the past year, and which will now go to a public vote.</p>";

fn wrap_article(inner: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Harbour plan</title></head>\
         <body><article><h1>Harbour plan</h1>{inner}{ARTICLE_P}{ARTICLE_P}</article></body></html>"
    )
}

#[test]
fn random_bytes() {
    run_batch("random-bytes", STACK, || {
        let mut rng = Rng::new(0x5EED_0001);
        (0..200)
            .map(|k| {
                // Mostly short inputs, some up to 64 KiB.
                let len = if k % 4 == 0 {
                    rng.below(64 * 1024 + 1)
                } else {
                    rng.below(4096)
                };
                let mut bytes = rng.bytes(len);
                // Half of them lose their control bytes, so they get past the binary sniffing.
                if k % 2 == 1 {
                    for b in &mut bytes {
                        if *b < 0x20 && !matches!(*b, b'\n' | b'\t') {
                            *b = b' ';
                        }
                    }
                }
                let url = if k % 3 == 0 {
                    Some("https://example.jp/news/2020/01/02/x")
                } else {
                    None
                };
                Case {
                    name: format!("random-bytes #{k}"),
                    bytes,
                    url,
                }
            })
            .collect::<Vec<_>>()
    });
}

const TAGS: &[&str] = &[
    "html",
    "head",
    "body",
    "title",
    "meta",
    "div",
    "p",
    "span",
    "a",
    "b",
    "i",
    "em",
    "strong",
    "article",
    "main",
    "section",
    "nav",
    "aside",
    "footer",
    "header",
    "h1",
    "h2",
    "h3",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "pre",
    "code",
    "blockquote",
    "br",
    "hr",
    "img",
    "figure",
    "figcaption",
    "form",
    "input",
    "button",
    "select",
    "option",
    "textarea",
    "iframe",
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "time",
    "frameset",
    "plaintext",
    "xmp",
    "font",
    "center",
    "amp-img",
    "x-custom",
    "caption",
    "col",
];

const ATTRS: &[&str] = &[
    "class=\"content\"",
    "class=\"comment-list\"",
    "id=\"main\"",
    "id=sidebar",
    "hidden",
    "aria-hidden=\"true\"",
    "style=\"display:none\"",
    "role=\"navigation\"",
    "role=main",
    "itemprop=\"articleBody\"",
    "itemtype=\"https://schema.org/Comment\"",
    "href=\"/x?y=1&amp;z\"",
    "href=\"javascript:void(0)\"",
    "lang=\"fr-CA\"",
    "lang=\"\"",
    "charset=\"shift_jis\"",
    "charset=utf-16",
    "http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\"",
    "property=\"og:title\" content=\"Soup\"",
    "name=\"author\" content=\"By A and B\"",
    "datetime=\"2020-02-30\"",
    "datetime=\"9999-99-99T99:99\"",
    "type=\"application/ld+json\"",
    "rel=\"author\"",
    "rel=canonical",
    "content=\"2021-13-45\"",
    "colspan=\"0\"",
    "rowspan=\"99999\"",
    "src=\"data:,\"",
    "a=\"unterminated",
];

const TEXTS: &[&str] = &[
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "the",
    ",",
    "。",
    "日本語の文章です、",
    "Ünïcödé ß",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&lt;p&gt;",
    "&nbsp;",
    "&",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<?xml version=\"1.0\"?>",
    "<!doctype html>",
    "</",
    "<",
    ">",
    "\"",
    "'",
    "By Jane Doe",
    "Published March 3, 2004",
    "2019-07-23",
    "{\"@type\":\"NewsArticle\",\"headline\":\"x\",\"author\":[{\"name\":",
    "Read more",
    "Advertisement",
    "\u{200b}",
    "\u{feff}",
    "\u{202e}",
    "\r\n",
    "\t",
    "                ",
];

fn tag_soup(rng: &mut Rng) -> String {
    let mut s = String::new();
    let tokens = 1 + rng.below(1500);
    for _ in 0..tokens {
        match rng.below(10) {
            0..=3 => {
                s.push('<');
                s.push_str(rng.pick(TAGS));
                for _ in 0..rng.below(3) {
                    s.push(' ');
                    s.push_str(rng.pick(ATTRS));
                }
                if rng.below(8) == 0 {
                    s.push('/');
                }
                if rng.below(20) != 0 {
                    s.push('>');
                }
            }
            4..=5 => {
                s.push_str("</");
                s.push_str(rng.pick(TAGS));
                s.push('>');
            }
            _ => {
                s.push_str(rng.pick(TEXTS));
                s.push(' ');
            }
        }
    }
    s
}

#[test]
fn random_tag_soup() {
    run_batch("tag-soup", STACK, || {
        let mut rng = Rng::new(0x5EED_0002);
        (0..300)
            .map(|k| {
                let mut soup = tag_soup(&mut rng);
                if k % 3 == 0 {
                    soup = wrap_article(&soup);
                }
                let url = if k % 2 == 0 {
                    Some("https://www.example.com/2021/05/06/soup/")
                } else {
                    None
                };
                Case {
                    name: format!("tag-soup #{k}"),
                    bytes: soup.into_bytes(),
                    url,
                }
            })
            .collect::<Vec<_>>()
    });
}

#[test]
fn mutated_fixture_pages() {
    let (pages, problems) = support::load_pages();
    assert!(problems.is_empty(), "fixture problems: {problems:?}");
    assert!(!pages.is_empty(), "no fixture pages");
    run_batch("mutations", STACK, move || {
        let mut rng = Rng::new(0x5EED_0003);
        let mut cases = Vec::new();
        for page in &pages {
            let src = &page.source;
            let n = src.len().max(1);
            for m in 0..8 {
                let mut b = src.clone();
                let what = match m {
                    0 | 1 => {
                        let at = rng.below(n);
                        b.truncate(at);
                        format!("truncated at {at}")
                    }
                    2 | 3 => {
                        let from = rng.below(n);
                        let to = (from + 1 + rng.below(4096)).min(b.len());
                        b.drain(from.min(b.len())..to);
                        format!("deleted {from}..{to}")
                    }
                    4 | 5 => {
                        let from = rng.below(n).min(b.len());
                        let to = (from + 1 + rng.below(4096)).min(b.len());
                        let copy = b[from..to].to_vec();
                        let at = rng.below(b.len() + 1);
                        b.splice(at..at, copy);
                        format!("duplicated {from}..{to} at {at}")
                    }
                    _ => {
                        let flips = 1 + rng.below(64);
                        for _ in 0..flips {
                            if !b.is_empty() {
                                let i = rng.below(b.len());
                                b[i] ^= 1 << rng.below(8);
                            }
                        }
                        format!("{flips} bit flips")
                    }
                };
                cases.push(Case {
                    name: format!("{} ({what})", page.slug),
                    bytes: b,
                    url: Some(leak(&page.toml.url)),
                });
            }
        }
        cases
    });
}

/// The fixture URLs as `&'static str` (a few dozen short strings, once per test run).
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

const DEPTH: usize = 100_000;

fn nested(open: &str, close: &str, closed: bool) -> Vec<u8> {
    let mut s = String::with_capacity(DEPTH * (open.len() + close.len()) + 1024);
    s.push_str("<!doctype html><html><head><title>Deep</title></head><body>");
    for _ in 0..DEPTH {
        s.push_str(open);
    }
    s.push_str(ARTICLE_P);
    s.push_str(ARTICLE_P);
    if closed {
        for _ in 0..DEPTH {
            s.push_str(close);
        }
    }
    s.push_str("</body></html>");
    s.into_bytes()
}

fn deep_nesting(t: &'static str) {
    run_batch(&format!("deep-{t}"), STACK, move || {
        [true, false].into_iter().map(move |closed| {
            let name = format!(
                "{DEPTH} nested <{t}>{}",
                if closed { "" } else { " (never closed)" }
            );
            case(name, nested(&format!("<{t}>"), &format!("</{t}>"), closed))
        })
    });
}

/// 100,000-deep nesting of `<div>`, closed and unclosed.
#[test]
fn deep_div_nesting() {
    deep_nesting("div");
}

/// 100,000-deep nesting of `<b>` (a formatting element: the parser's
/// active-formatting list is involved), closed and unclosed.
#[test]
fn deep_b_nesting() {
    deep_nesting("b");
}

#[test]
fn pathological_inputs() {
    run_batch("pathological", STACK, || {
        let mb = "a".repeat(1 << 20);
        let mut cases = vec![
            case(
                "1 MB class attribute",
                wrap_article(&format!("<div class=\"{mb}\">x</div>")),
            ),
            case(
                "1 MB unquoted attribute",
                wrap_article(&format!("<div data-x={mb}>x</div>")),
            ),
            case(
                "1 MB meta content",
                format!(
                    "<html><head><meta name=\"description\" content=\"{mb}\"><meta name=\"author\" content=\"{mb}\"></head><body>{ARTICLE_P}{ARTICLE_P}</body></html>"
                ),
            ),
            case(
                "1 MB html lang",
                format!("<html lang=\"{mb}\"><body>{ARTICLE_P}{ARTICLE_P}</body></html>"),
            ),
            case(
                "1 MB title",
                format!(
                    "<html><head><title>{mb}</title></head><body>{ARTICLE_P}{ARTICLE_P}</body></html>"
                ),
            ),
            case("1 MB word", wrap_article(&format!("<p>{mb}</p>"))),
            case(
                "1 MB unterminated attribute",
                format!("<html><body>{ARTICLE_P}<div class=\"{mb}"),
            ),
        ];

        // Invalid UTF-8, declared and undeclared.
        let bad: &[(&str, &[u8])] = &[
            ("lone continuation", b"\x80\x80\xbf"),
            ("overlong NUL", b"\xc0\x80"),
            ("surrogate", b"\xed\xa0\x80\xed\xbf\xbf"),
            ("5-byte form", b"\xf8\x88\x80\x80\x80"),
            ("truncated sequence", b"\xe2\x82"),
            ("above U+10FFFF", b"\xf4\x90\x80\x80"),
            ("0xFE 0xFF", b"\xfe\xff\xfe\xff"),
        ];
        for (what, seq) in bad {
            let mut decl = b"<html><head><meta charset=\"utf-8\"><title>T".to_vec();
            decl.extend_from_slice(seq);
            decl.extend_from_slice(b"</title></head><body><article><p>Caf");
            decl.extend_from_slice(seq);
            decl.extend_from_slice(ARTICLE_P.as_bytes());
            decl.extend_from_slice(seq);
            decl.extend_from_slice(ARTICLE_P.as_bytes());
            decl.extend_from_slice(b"</p></article></body></html>");
            cases.push(case(
                format!("invalid UTF-8, declared: {what}"),
                decl.clone(),
            ));
            let undecl: Vec<u8> = String::from_utf8_lossy(&decl)
                .replace("<meta charset=\"utf-8\">", "")
                .into_bytes();
            let mut undecl = undecl;
            undecl.extend_from_slice(seq);
            cases.push(case(format!("invalid UTF-8, undeclared: {what}"), undecl));
            let mut tail = wrap_article("").into_bytes();
            tail.extend_from_slice(seq);
            cases.push(case(format!("invalid UTF-8 at the very end: {what}"), tail));
        }
        let mut sjis = b"<html><head><meta charset=\"shift_jis\"></head><body><p>".to_vec();
        sjis.extend_from_slice(&[0x82, 0xa0, 0x82, 0xa2, 0x81, 0x7f, 0xa0, 0xfd, 0x82]);
        sjis.extend_from_slice(ARTICLE_P.as_bytes());
        cases.push(case("invalid Shift_JIS, declared", sjis));
        cases.push(case(
            "UTF-16LE BOM, odd length",
            b"\xff\xfe<\x00p\x00>\x00h\x00i".to_vec(),
        ));
        cases.push(case("UTF-16BE BOM only", b"\xfe\xff".to_vec()));
        cases.push(case("UTF-8 BOM only", b"\xef\xbb\xbf".to_vec()));
        cases.push(case(
            "UTF-8 BOM then invalid",
            b"\xef\xbb\xbf\xff\xfe<p>x</p>".to_vec(),
        ));
        cases.push(case(
            "UTF-16 declared without BOM",
            wrap_article("")
                .replace("charset=\"utf-8\"", "charset=\"utf-16\"")
                .into_bytes(),
        ));

        // NUL bytes in text and in tags, sparse (past the binary sniffing) and dense.
        cases.push(case(
            "NUL in text",
            wrap_article("<p>before\0after\0\0 and more</p>"),
        ));
        cases.push(case(
            "NUL in tag names",
            wrap_article("<d\0iv><p\0>text</p\0></d\0iv><\0p>x</\0>"),
        ));
        cases.push(case(
            "NUL in attributes",
            wrap_article(
                "<div cl\0ass=\"con\0tent\" \0=\0 id=\"\0\"><a href=\"/\0x\">l\0ink</a></div>",
            ),
        ));
        cases.push(case("NUL in head", format!("<html><head><title>T\0itle</title><meta name=\"author\" content=\"A\0B\"><meta charset=\"utf\08\"></head><body>{ARTICLE_P}{ARTICLE_P}</body></html>")));
        cases.push(case(
            "NUL after 4 KB of text",
            format!("{}\0\0\0{ARTICLE_P}", wrap_article(&ARTICLE_P.repeat(20))),
        ));
        cases.push(case("all NUL", vec![0u8; 10_000]));
        cases.push(case(
            "NUL every other byte",
            wrap_article("")
                .bytes()
                .flat_map(|b| [b, 0])
                .collect::<Vec<u8>>(),
        ));

        // Unclosed raw-text elements and comments.
        let openers = [
            "<script>var s = '</scr' + 'ipt>'; if (a < b) {",
            "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":",
            "<style>p { color: red }",
            "<!--",
            "<!-- <p>hidden",
            "<!--->",
            "<noscript><p>",
            "<template><template><p>",
            "<svg><svg><text>",
            "<math><mi>",
            "<textarea>",
            "<title>",
            "<xmp>",
            "<plaintext>",
            "<iframe>",
            "<![CDATA[",
            "<?php echo",
            "<scr",
            "<",
        ];
        for o in openers {
            cases.push(case(
                format!("unclosed {o:?} after the article"),
                format!("{}{o}{ARTICLE_P}", wrap_article("")),
            ));
            cases.push(case(
                format!("unclosed {o:?} before the article"),
                format!(
                    "<html><head><title>T</title></head><body>{o}{}",
                    ARTICLE_P.repeat(5)
                ),
            ));
        }
        cases.push(case("only <script>", "<script>"));
        cases.push(case("only <!--", "<!--"));
        // The big ones last, built one at a time.
        cases
            .into_iter()
            .chain(std::iter::once_with(|| ten_megabytes(1)))
            .chain(std::iter::once_with(|| ten_megabytes(16)))
    });
}

/// A 10 MB article of repeated paragraphs, each `sentences` sentences long
/// (one sentence gives about 80,000 paragraphs, sixteen about 5,000).
fn ten_megabytes(sentences: usize) -> Case {
    let mut s = String::with_capacity((10 << 20) + 4096);
    s.push_str("<!doctype html><html lang=\"en\"><head><title>Long - Site</title></head><body><article><h1>Long</h1>\n");
    let mut k = 0u64;
    while s.len() < 10 << 20 {
        s.push_str("<p>");
        for j in 0..sentences {
            s.push_str(&format!("Paragraph {k}, sentence {j}: the committee heard evidence from engineers, residents and historians. "));
        }
        s.push_str("</p>\n");
        k += 1;
    }
    s.push_str("</article></body></html>");
    case(
        format!("10 MB of paragraphs ({k} paragraphs of {sentences} sentence(s))"),
        s,
    )
}
