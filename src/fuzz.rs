//! A bounded mutation fuzzer for the parsers that read what strangers
//! write: extraction, the WARC reader, robots.txt, feeds and sitemaps. Each
//! target starts from a few well-formed seeds and mutates them (byte flips,
//! insertions, deletions, repeated ranges, splices, tokens of the format) a
//! fixed number of times, with a fixed seed, so every run checks the same
//! inputs and the whole suite takes seconds. An input that panics fails the
//! test, naming the iteration and showing the input; a target that does not
//! finish within its watchdog fails it too (the input it was on is shown).
//! Besides "no panic", each target checks what its output promises.

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// xorshift64*: seeded, so the inputs are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One to eight mutations of `seed`, kept under `max_len` bytes.
fn mutate(
    rng: &mut Rng,
    seed: &[u8],
    seeds: &[Vec<u8>],
    dict: &[&[u8]],
    max_len: usize,
) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(at, rng.next() as u8),
            2 if at < v.len() => {
                let end = (at + 1 + rng.below(64)).min(v.len());
                v.drain(at..end);
            }
            3 if at < v.len() => {
                // A range repeated many times: deep nesting, long runs.
                let end = (at + 1 + rng.below(32)).min(v.len());
                let piece = v[at..end].to_vec();
                let times = 1 + rng.below(200);
                let tail = v.split_off(at);
                for _ in 0..times {
                    v.extend_from_slice(&piece);
                }
                v.extend(tail);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let tail = v.split_off(at);
                v.extend_from_slice(&other[from..]);
                v.extend(tail);
            }
            5 => v.truncate(at),
            _ => {
                let token = dict[rng.below(dict.len())];
                v.splice(at..at, token.iter().copied());
            }
        }
        v.truncate(max_len);
    }
    v
}

/// Give `check` `iterations` mutated inputs of `seeds` (and the seeds
/// themselves) on a thread of its own; panics when an input panics or when
/// the target is still running after `watchdog`.
fn fuzz(
    name: &'static str,
    seeds: Vec<Vec<u8>>,
    dict: &'static [&'static [u8]],
    iterations: usize,
    max_len: usize,
    watchdog: Duration,
    check: fn(&[u8]),
) {
    let current = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = mpsc::channel();
    let shared = current.clone();
    let worker = std::thread::Builder::new()
        .name(format!("fuzz {name}"))
        .stack_size(8 << 20)
        .spawn(move || {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
            for i in 0..iterations + seeds.len() {
                let input = match seeds.get(i) {
                    Some(s) => s.clone(),
                    None => {
                        let seed = &seeds[rng.below(seeds.len())];
                        mutate(&mut rng, seed, &seeds, dict, max_len)
                    }
                };
                *shared.lock().unwrap_or_else(|e| e.into_inner()) = input.clone();
                if let Err(p) = std::panic::catch_unwind(AssertUnwindSafe(|| check(&input))) {
                    let what = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    let _ = done_tx.send(Err(format!(
                        "{name}: input {i} panicked: {what}\ninput: {:?}",
                        clip(&input)
                    )));
                    return;
                }
            }
            let _ = done_tx.send(Ok(()));
        })
        .expect("spawn the fuzz thread");
    match done_rx.recv_timeout(watchdog) {
        Ok(Ok(())) => {
            worker.join().expect("fuzz thread");
        }
        Ok(Err(report)) => panic!("{report}"),
        Err(_) => {
            let input = current.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!(
                "{name}: not finished within {watchdog:?}; on input {:?}",
                clip(&input)
            );
        }
    }
}

/// The start and end of an input, for a report.
fn clip(input: &[u8]) -> String {
    let s = String::from_utf8_lossy(input);
    if s.chars().count() <= 600 {
        return s.into_owned();
    }
    let head: String = s.chars().take(300).collect();
    let tail: String = s
        .chars()
        .rev()
        .take(300)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head} … [{} bytes] … {tail}", input.len())
}

/// Generous: only a hang trips it (debug builds are slow, cores shared).
const WATCHDOG: Duration = Duration::from_secs(120);

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("gzip in memory");
    gz.finish().expect("gzip in memory")
}

#[test]
fn extraction() {
    let article = b"<!doctype html><html lang=en><head><meta charset=utf-8><title>A story | Site</title>\
        <meta property=og:title content='A story'><meta name=author content='Ann Lee'>\
        <script type=application/ld+json>{\"@type\":\"NewsArticle\",\"headline\":\"A story\",\"datePublished\":\"2024-03-01\"}</script>\
        </head><body><nav><a href=/>Home</a> <a href=/news>News</a></nav><article><h1>A story</h1>\
        <p class=byline>By Ann Lee, March 1, 2024</p><p>The first paragraph of the story tells what happened \
        in the town, and why it matters to the people who live there.</p><figure><img src=a.jpg alt=x>\
        <figcaption>A picture</figcaption></figure><p>A second paragraph, with <a href=/more>a link</a> and \
        <b>bold <i>nested</i></b> text.</p><table><tr><td>1</td><td>2</td></tr></table><ul><li>one</li>\
        <li>two</li></ul><blockquote>A quote.</blockquote><pre><code>let x = 1;</code></pre></article>\
        <aside>Related: <a href=/x>other</a></aside><footer>(c) Site</footer></body></html>"
        .to_vec();
    let listing = b"<html><body><main><ul><li><a href=/a>First headline here</a></li>\
        <li><a href=/b>Second headline here</a></li><li><a href=/c>Third one</a></li></ul></main></body></html>"
        .to_vec();
    let forum = b"<html><head><meta http-equiv=content-type content='text/html; charset=windows-1251'></head>\
        <body><div class=post><div class=author>bob</div><div class=message>\xcf\xf0\xe8\xe2\xe5\xf2 world, a post \
        that says a few things about a topic at some length.</div></div><div class=post><div class=message>a reply</div></div>\
        </body></html>"
        .to_vec();
    static DICT: &[&[u8]] = &[
        b"<p>",
        b"</p>",
        b"<div>",
        b"</div>",
        b"<table><tr><td>",
        b"</td></tr></table>",
        b"<b>",
        b"<i id=x>",
        b"<a href=",
        b"<script>",
        b"</script>",
        b"<style>",
        b"<!--",
        b"-->",
        b"<![CDATA[",
        b"<svg><foreignObject>",
        b"<math>",
        b"<template>",
        b"<noscript>",
        b"<meta charset=utf-16>",
        b"<base href=//x>",
        b"&amp;",
        b"&#x0;",
        b"&#1114112;",
        b"\0",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"<h1>",
        b"<article>",
        b"<dl><dd>",
        b"<select>",
        b"<frameset>",
        b"<plaintext>",
        b"<textarea>",
        b"<title>",
        b"<html lang=zz-\xff>",
        b"<time datetime=9999-99-99>",
        b"<img srcset=\",,,\">",
        b"<br>",
    ];
    fuzz(
        "extraction",
        vec![article, listing, forum],
        DICT,
        2000,
        64 * 1024,
        WATCHDOG,
        |input| {
            let opts = crate::ExtractOptions::default();
            if let Ok(a) = crate::extract(input, Some("https://example.org/news/story"), &opts) {
                assert!(!a.text.trim().is_empty(), "an article without text");
            }
        },
    );
}

#[test]
fn warc_reader() {
    fn record(kind: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: https://x.org/{kind}\r\n\
             WARC-Record-ID: <urn:uuid:0>\r\nWARC-Date: 2020-01-01T00:00:00Z\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        r.extend_from_slice(block);
        r.extend_from_slice(b"\r\n\r\n");
        r
    }
    let http = "application/http; msgtype=response";
    let plain = record(
        "response",
        http,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 12\r\n\r\n<p>Hello</p>",
    );
    let body = gzip(b"<p>Gzipped page</p>");
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\
        Content-Encoding: gzip\r\n\r\n"
            .to_vec();
    chunked.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
    chunked.extend_from_slice(&body);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let chunked = record("response", http, &chunked);
    let resource = record("resource", "text/html", b"<html><p>A resource</p></html>");
    let info = record("warcinfo", "application/warc-fields", b"software: x\r\n");
    let mut all = info.clone();
    all.extend_from_slice(&plain);
    all.extend_from_slice(&chunked);
    all.extend_from_slice(&resource);
    static DICT: &[&[u8]] = &[
        b"WARC/1.1\r\n",
        b"WARC/1.0\r\n",
        b"Content-Length: ",
        b"Content-Length: 99999999999999999999\r\n",
        b"Content-Length: -1\r\n",
        b"WARC-Type: response\r\n",
        b"WARC-Type: resource\r\n",
        b"\r\n\r\n",
        b"\r\n",
        b"\n",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.0 304\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Content-Encoding: gzip\r\n",
        b"Content-Encoding: br\r\n",
        b"Content-Encoding: deflate\r\n",
        b"ffffffffffffffff\r\n",
        b"0\r\n\r\n",
        b"\x1f\x8b\x08\0",
        b"Content-Type: application/http; msgtype=response\r\n",
        b"; charset=x-unknown",
    ];
    fuzz(
        "warc",
        vec![plain, chunked, resource, info, all],
        DICT,
        20000,
        16 * 1024,
        WATCHDOG,
        |input| {
            const LIMIT: usize = 64 * 1024;
            let reader = std::io::BufReader::new(input);
            let mut items = 0;
            for item in crate::io::warc::read::pages(reader, LIMIT) {
                items += 1;
                assert!(
                    items <= input.len() + 1,
                    "more items than bytes: the reader loops"
                );
                if let Ok(page) = item {
                    assert!(page.body.len() <= LIMIT, "a payload past the limit");
                }
            }
        },
    );
}

#[test]
fn robots_txt() {
    let seeds: Vec<Vec<u8>> = vec![
        b"User-agent: *\nDisallow: /private/\nAllow: /private/ok\nCrawl-delay: 2\nSitemap: https://x.org/s.xml\n".to_vec(),
        b"User-agent: pith\nDisallow: /*.php$\nDisallow: /a*b*c*d\n\nUser-agent: other\nDisallow: /\n".to_vec(),
        b"# comment\nuser-agent : PITH/1.0\r\ndisallow:\r\ncrawl-delay: 1e20\r\n".to_vec(),
        b"\xef\xbb\xbfUser-agent: *\nDisallow: /%E2%82%AC\nAllow: /$\n".to_vec(),
    ];
    static DICT: &[&[u8]] = &[
        b"User-agent: *\n",
        b"User-agent: pith\n",
        b"Disallow: ",
        b"Allow: ",
        b"Crawl-delay: ",
        b"Sitemap: ",
        b"*",
        b"$",
        b"/*",
        b"1e20",
        b"-1",
        b"NaN",
        b"inf",
        b"0.0000001",
        b"99999999999999999999999",
        b"\n",
        b"\r",
        b"#",
        b"%",
        b"%FF",
        b"\xff",
        b"\0",
    ];
    fuzz("robots", seeds, DICT, 20000, 16 * 1024, WATCHDOG, |input| {
        use crate::crawl::fetch::robots::Rules;
        let rules = Rules::parse("pith", input);
        assert!(rules.cost() > 0);
        for url in [
            "https://x.org/",
            "https://x.org/private/ok",
            "https://x.org/a/b/c/d.php",
            "https://x.org/%E2%82%AC?q=1",
        ] {
            let _ = rules.allowed(url);
        }
        if let Some(d) = rules.crawl_delay() {
            let max = crate::crawl::fetch::politeness::MAX_CRAWL_DELAY.as_secs_f32();
            assert!(d.is_finite() && d > 0.0 && d <= max, "crawl delay {d}");
        }
    });
}

#[test]
fn feeds_and_sitemaps() {
    let urlset = b"<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
        <url><loc>https://x.org/a</loc></url><url><loc> /b </loc></url><url><loc><![CDATA[/c?x=1&y=2]]></loc></url></urlset>"
        .to_vec();
    let index = b"<sitemapindex><sitemap><loc>https://x.org/s1.xml.gz</loc></sitemap><sitemap><loc>s2.xml</loc></sitemap></sitemapindex>".to_vec();
    let rss = b"<rss version=\"2.0\"><channel><title>t</title><item><title>A</title><link>https://x.org/a</link></item>\
        <item><title>B</title><link>/b</link></item></channel></rss>"
        .to_vec();
    let atom = b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>x</id><updated>2020-01-01T00:00:00Z</updated>\
        <entry><title>A</title><id>a</id><updated>2020-01-01T00:00:00Z</updated><link href=\"https://x.org/a\"/></entry></feed>"
        .to_vec();
    let json = b"{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[{\"id\":\"1\",\"url\":\"https://x.org/j\"}]}".to_vec();
    let gz = gzip(&urlset);
    static DICT: &[&[u8]] = &[
        b"<loc>",
        b"</loc>",
        b"<url>",
        b"</url>",
        b"<urlset>",
        b"<sitemapindex>",
        b"<![CDATA[",
        b"]]>",
        b"&amp;",
        b"&#0;",
        b"&bogus;",
        b"<?xml version=\"1.0\" encoding=\"utf-16\"?>",
        b"<!DOCTYPE x [<!ENTITY a \"b\">]>",
        b"<item><link>",
        b"</link></item>",
        b"<entry><link href=\"",
        b"\"/></entry>",
        b"{\"url\":\"",
        b"\"items\":[",
        b"]}",
        b"mailto:x@y",
        b"javascript:",
        b"//x.org/",
        b"http://[::1",
        b"\x1f\x8b\x08\0",
        b"\xff",
        b"\0",
    ];
    fuzz(
        "discover",
        vec![urlset, index, rss, atom, json, gz],
        DICT,
        20000,
        16 * 1024,
        WATCHDOG,
        |input| {
            use crate::crawl::discover::{MAX_ENTRIES, entries};
            let base = url::Url::parse("https://x.org/feeds/").expect("base");
            if let Some(list) = entries(input, &base) {
                assert!(list.entries.len() <= list.listed && list.listed <= MAX_ENTRIES);
                let mut seen = std::collections::HashSet::new();
                for e in &list.entries {
                    let u = url::Url::parse(e).expect("entries are URLs");
                    assert!(matches!(u.scheme(), "http" | "https"), "{e}");
                    assert!(
                        seen.insert(crate::crawl::normalize::normalize(e)),
                        "{e} twice"
                    );
                }
            }
        },
    );
}
