//! Discovery: a listed URL that answers with a feed (RSS, Atom, JSON Feed)
//! or a sitemap (a URL set, a sitemap index, gzipped or not) stands for the
//! pages it lists. Feeds are read with `feed-rs`, sitemaps with `quick-xml`.

use std::io::Read;
use url::Url;

/// Most bytes a gzipped sitemap may inflate to (the sitemap protocol's own limit).
pub const MAX_INFLATED: u64 = 50 * 1024 * 1024;
/// Most entries taken from one feed or sitemap (the sitemap protocol's limit).
pub const MAX_ENTRIES: usize = 50_000;

/// What a feed or sitemap is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// An RSS, Atom or JSON feed.
    Feed,
    /// A sitemap (`<urlset>`): its entries are pages.
    Sitemap,
    /// A sitemap index (`<sitemapindex>`): its entries are sitemaps.
    SitemapIndex,
}

impl ListKind {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            ListKind::Feed => "feed",
            ListKind::Sitemap => "sitemap",
            ListKind::SitemapIndex => "sitemap index",
        }
    }
}

/// The entries of a feed or sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// What it is.
    pub kind: ListKind,
    /// Its usable entries: absolute `http`/`https` URLs, each once (compared
    /// after normalization), in the order listed.
    pub entries: Vec<String>,
    /// How many entries it listed, usable or not (up to [`MAX_ENTRIES`]).
    pub listed: usize,
}

/// The URLs a feed or sitemap lists, resolved against `base`; `None` when the
/// body is neither.
pub fn entries(body: &[u8], base: &Url) -> Option<Listing> {
    let inflated;
    let body = if body.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .take(MAX_INFLATED)
            .read_to_end(&mut out)
            .ok()?;
        inflated = out;
        &inflated[..]
    } else {
        body
    };
    let (kind, raw) = match sitemap_locs(body) {
        Some((index, locs)) => {
            let kind = if index {
                ListKind::SitemapIndex
            } else {
                ListKind::Sitemap
            };
            (kind, locs)
        }
        None => {
            // feed-rs's XML reader panics on some malformed input (an XML
            // declaration naming an encoding after other content): such a
            // body is no feed.
            let parsed = std::panic::catch_unwind(|| feed_rs::parser::parse(body));
            let feed = parsed.ok()?.ok()?;
            let links = feed
                .entries
                .iter()
                .take(MAX_ENTRIES)
                .filter_map(|e| e.links.first().map(|l| l.href.clone()))
                .collect();
            (ListKind::Feed, links)
        }
    };
    let listed = raw.len().min(MAX_ENTRIES);
    let mut seen = std::collections::HashSet::new();
    let entries = raw
        .iter()
        .take(MAX_ENTRIES)
        .filter_map(|s| base.join(s.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .map(String::from)
        .filter(|u| seen.insert(crate::crawl::normalize::normalize(u).unwrap_or_else(|| u.clone())))
        .collect();
    Some(Listing {
        kind,
        entries,
        listed,
    })
}

/// The `<loc>` values of a `<urlset>` or `<sitemapindex>`, and whether it
/// is an index.
fn sitemap_locs(body: &[u8]) -> Option<(bool, Vec<String>)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut root_seen = false;
    let mut index = false;
    let mut in_loc = false;
    let mut locs = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if !root_seen {
                    if name != b"urlset" && name != b"sitemapindex" {
                        return None;
                    }
                    root_seen = true;
                    index = name == b"sitemapindex";
                }
                in_loc = name == b"loc";
            }
            Event::Text(t) if in_loc => {
                let text = t.decode().ok()?;
                locs.push(text.trim().to_string());
            }
            Event::CData(t) if in_loc => {
                locs.push(String::from_utf8_lossy(&t).trim().to_string());
            }
            Event::Empty(e) if !root_seen => {
                let name = e.local_name();
                if name.as_ref() != b"urlset" && name.as_ref() != b"sitemapindex" {
                    return None;
                }
                return Some((name.as_ref() == b"sitemapindex", locs));
            }
            Event::End(_) => in_loc = false,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
        if locs.len() >= MAX_ENTRIES {
            break;
        }
    }
    root_seen.then_some((index, locs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://x.org/feeds/").unwrap()
    }

    #[test]
    fn sitemaps_and_indexes() {
        let s =
            br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>https://x.org/a</loc></url><url><loc> /b </loc></url></urlset>"#;
        assert_eq!(
            entries(s, &base()).unwrap().entries,
            vec!["https://x.org/a", "https://x.org/b"]
        );
        let i = br#"<sitemapindex><sitemap><loc>https://x.org/s1.xml.gz</loc></sitemap></sitemapindex>"#;
        assert_eq!(
            entries(i, &base()).unwrap().entries,
            vec!["https://x.org/s1.xml.gz"]
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, s).unwrap();
        assert_eq!(
            entries(&gz.finish().unwrap(), &base())
                .unwrap()
                .entries
                .len(),
            2
        );
    }

    #[test]
    fn feeds() {
        let rss = br#"<rss version="2.0"><channel><title>t</title>
            <item><title>A</title><link>https://x.org/a</link></item>
            <item><title>B</title><link>https://x.org/b</link></item></channel></rss>"#;
        assert_eq!(
            entries(rss, &base()).unwrap().entries,
            vec!["https://x.org/a", "https://x.org/b"]
        );
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><updated>2020-01-01T00:00:00Z</updated>
            <entry><title>A</title><id>a</id><updated>2020-01-01T00:00:00Z</updated><link href="https://x.org/a"/></entry></feed>"#;
        assert_eq!(
            entries(atom, &base()).unwrap().entries,
            vec!["https://x.org/a"]
        );
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","url":"https://x.org/j"}]}"#;
        assert_eq!(
            entries(json, &base()).unwrap().entries,
            vec!["https://x.org/j"]
        );
        assert_eq!(entries(b"<html><body>no</body></html>", &base()), None);
    }

    #[test]
    fn entries_are_usable_and_listed_once() {
        let mut s = String::from("<urlset>");
        for _ in 0..1000 {
            s.push_str(
                "<url><loc>https://x.org/a</loc></url><url><loc>https://x.org/a#top</loc></url>",
            );
        }
        s.push_str("<url><loc>mailto:a@x.org</loc></url><url><loc>javascript:void(0)</loc></url>");
        s.push_str("<url><loc>/b?utm_source=x</loc></url><url><loc>/b</loc></url></urlset>");
        let l = entries(s.as_bytes(), &base()).unwrap();
        assert_eq!(l.kind, ListKind::Sitemap);
        assert_eq!(
            l.entries,
            vec!["https://x.org/a", "https://x.org/b?utm_source=x"]
        );
        assert_eq!(l.listed, 2004);
    }

    #[test]
    fn empty_lists_are_lists() {
        for (body, kind) in [
            (&b"<urlset/>"[..], ListKind::Sitemap),
            (b"<urlset></urlset>", ListKind::Sitemap),
            (b"<sitemapindex/>", ListKind::SitemapIndex),
            (
                b"<rss version=\"2.0\"><channel><title>t</title></channel></rss>",
                ListKind::Feed,
            ),
        ] {
            let l = entries(body, &base()).unwrap();
            assert_eq!((l.kind, l.entries.len(), l.listed), (kind, 0, 0));
        }
    }

    #[test]
    fn a_body_that_trips_the_feed_parser_is_no_listing() {
        let body = br#"t xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><?xml version="1.0" encoding="utf-16"?><url><loc>https://x.org/a</loc></url>"#;
        assert_eq!(entries(body, &base()), None);
    }
}
