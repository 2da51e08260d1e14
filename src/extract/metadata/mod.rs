//! Metadata: title, author, dates, site name, description, language,
//! canonical URL, image and tags.
//!
//! Read from the whole, uncleaned page in one walk over the flattened tree,
//! then chosen field by field in this order of trust:
//!
//! | field | sources, most trusted first |
//! |---|---|
//! | title | JSON-LD `headline`; `og:title`; Dublin Core; `twitter:title` — kept as declared (the site name is cut only on request); else `<title>` with its site-name part cut off; first `<h1>` |
//! | author | JSON-LD `author`; `author`/`article:author`/`dc.creator`/… meta; `itemprop=author`; `rel=author`; a byline element — never inside reader comments |
//! | date | a full date in the URL or canonical URL; JSON-LD `datePublished`; `article:published_time` and other publication meta; JSON-LD `dateCreated`; `itemprop=datePublished`; `<time>`; hAtom `class="published"` (`title`); a date written in a byline (not the one an "Updated" announces); the modification date |
//! | date_modified | JSON-LD `dateModified`; `article:modified_time`, `og:updated_time`, … |
//! | sitename | JSON-LD publisher or WebSite name; `og:site_name`; `application-name`; the part cut off the title |
//! | description | `og:description`; `description`; `twitter:description`; Dublin Core; JSON-LD |
//! | lang | `<html lang>`; `Content-Language`; `og:locale`; JSON-LD `inLanguage`; detected from the text (in [`crate::extract()`]) |
//!
//! Dates are never later than the caller's "now". Character references left
//! in meta values and JSON-LD strings (escaped twice by templates) are
//! decoded. With no declared description, the extractor uses the article's
//! first paragraph that reads as prose.

pub mod author;
pub mod date;
pub mod jsonld;
pub mod title;

use crate::extract::dom::{Data, Doc, attr};
use crate::extract::model::Metadata;
use crate::extract::stats::Stats;
use crate::extract::text::{collapse_whitespace, push_collapsed};
use author::clean_authors;
use chrono::NaiveDate;
use std::collections::HashMap;
use title::{SITENAME_MAX_WORDS, looks_like_site, pick_title};
use url::Url;

/// Meta keys that hold a publication date, most trusted first.
const PUBLISHED_KEYS: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "article.published",
    "datepublished",
    "og:published_time",
    "published_time",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "publication_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "citation_publication_date",
    "citation_date",
    "originalpublicationdate",
    "article_date_original",
    "date",
    "release_date",
    "displaydate",
    "created",
];
/// Meta keys that hold a modification date.
const MODIFIED_KEYS: &[&str] = &[
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
    "lastmod",
    "revised",
];
/// Meta keys that hold author names.
const AUTHOR_KEYS: &[&str] = &[
    "dc:creator",
    "dc.creator",
    "dcterm:creator",
    "dcterms.creator",
    "author",
    "article:author",
    "og:article:author",
    "parsely-author",
    "sailthru.author",
    "byl",
    "citation_author",
    "twitter:data1",
];
/// Meta keys that hold the title.
pub(super) const TITLE_KEYS: &[&str] = &[
    "dc:title",
    "dc.title",
    "dcterm:title",
    "dcterms.title",
    "og:title",
    "twitter:title",
    "title",
    "parsely-title",
    "sailthru.title",
];
/// Meta keys that hold the description.
const DESCRIPTION_KEYS: &[&str] = &[
    "dc:description",
    "dc.description",
    "dcterm:description",
    "dcterms.description",
    "og:description",
    "description",
    "twitter:description",
];
/// Meta keys that hold the site name.
const SITENAME_KEYS: &[&str] = &[
    "og:site_name",
    "application-name",
    "apple-mobile-web-app-title",
];
/// Meta keys that hold the lead image.
const IMAGE_KEYS: &[&str] = &[
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
    "thumbnail",
    "image",
];
/// Everything gathered in the one walk.
#[derive(Default)]
pub(super) struct Gathered<'a> {
    meta: HashMap<String, &'a str>,
    tags: Vec<String>,
    doc_title: Option<String>,
    h1: Option<String>,
    html_lang: Option<&'a str>,
    canonical: Option<&'a str>,
    time_published: Option<&'a str>,
    time_any: Option<&'a str>,
    itemprop_author: Option<String>,
    rel_author: Option<String>,
    byline: Option<String>,
    /// Names after "By" in a short line of text, and that whole line.
    text_byline: Option<String>,
    text_byline_line: Option<String>,
    dateline: Option<String>,
}

/// Read a page's metadata, and the text of its first `<h1>`. `json_ld` are
/// the raw JSON-LD blocks from the prescan; `raw` the page's uncleaned
/// statistics; `now` bounds dates; `strip_declared` cuts the site name off
/// a declared title too.
pub fn read(
    doc: &Doc<'_>,
    raw: &[Stats],
    json_ld: &[&str],
    url: Option<&Url>,
    now: NaiveDate,
    strip_declared: bool,
) -> (Metadata, Option<String>) {
    let g = gather(doc, raw);
    let ld = jsonld::read(json_ld);
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .filter_map(|k| g.meta.get(*k))
            .map(|v| collapse_whitespace(&unescape(v)))
            .find(|v| !v.is_empty())
    };

    let host = url.and_then(|u| u.host_str()).unwrap_or("");
    let mut sitename = ld.publisher.clone().or_else(|| meta(SITENAME_KEYS));
    let (title, cut) = pick_title(&ld, &g, &meta, sitename.as_deref(), host, strip_declared);
    if sitename.is_none() {
        sitename = cut.filter(|c| {
            let words = c.split_whitespace().count();
            words <= SITENAME_MAX_WORDS && (looks_like_site(c, host) || words <= 4)
        });
    }

    let author = if !ld.authors.is_empty() {
        clean_authors(&ld.authors.join("; "))
    } else {
        None
    }
    .or_else(|| {
        AUTHOR_KEYS
            .iter()
            .filter_map(|k| g.meta.get(*k))
            .filter(|v| !v.trim_start().starts_with("http") && !v.trim_start().starts_with('@'))
            .find_map(|v| clean_authors(&unescape(v)))
    })
    .or_else(|| g.itemprop_author.as_deref().and_then(clean_authors))
    .or_else(|| g.rel_author.as_deref().and_then(clean_authors))
    .or_else(|| g.text_byline.as_deref().and_then(clean_authors))
    .or_else(|| g.byline.as_deref().and_then(clean_authors));

    let parse = |s: &str| date::parse_value(s, now);
    let date_modified = ld.date_modified.as_deref().and_then(parse).or_else(|| {
        MODIFIED_KEYS
            .iter()
            .filter_map(|k| g.meta.get(*k))
            .find_map(|v| parse(v))
    });
    // A full date in the page's address is the publisher's own, in its own
    // time zone: trusted first (metadata often carries the UTC instant, a
    // day off for evening stories). The canonical address counts too.
    let url_date = url.and_then(|u| date::from_url(u.path(), now)).or_else(|| {
        let canonical = g.canonical.and_then(|c| match url {
            Some(base) => base.join(c).ok(),
            None => Url::parse(c).ok(),
        })?;
        date::from_url(canonical.path(), now)
    });
    let date = url_date
        .or_else(|| ld.date_published.as_deref().and_then(parse))
        .or_else(|| {
            PUBLISHED_KEYS
                .iter()
                .filter_map(|k| g.meta.get(*k))
                .find_map(|v| parse(v))
        })
        .or_else(|| ld.date_created.as_deref().and_then(parse))
        .or_else(|| g.time_published.and_then(parse))
        .or_else(|| g.time_any.and_then(parse))
        .or_else(|| {
            g.dateline
                .as_deref()
                .and_then(|t| date::find_in_text(t, now))
        })
        .or_else(|| g.byline.as_deref().and_then(|t| date::find_in_text(t, now)))
        .or_else(|| {
            g.text_byline_line
                .as_deref()
                .and_then(|t| date::find_in_text(t, now))
        })
        .or(date_modified);

    let description = ld
        .description
        .as_deref()
        .map(collapse_whitespace)
        .or_else(|| meta(DESCRIPTION_KEYS));
    let lang = g
        .html_lang
        .map(str::to_string)
        .or_else(|| meta(&["content-language", "og:locale", "dc.language", "language"]))
        .or_else(|| ld.lang.clone())
        .and_then(|l| normalize_lang(&l));

    let resolve = |s: &str| -> Option<String> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match url {
            Some(base) => base.join(s).ok().map(String::from),
            None => Url::parse(s).ok().map(String::from),
        }
    };
    let canonical_url = g
        .canonical
        .and_then(resolve)
        .or_else(|| meta(&["og:url"]).and_then(|u| resolve(&u)));
    let image = meta(IMAGE_KEYS)
        .or_else(|| ld.image.clone())
        .and_then(|u| resolve(&u));

    let mut tags: Vec<String> = Vec::new();
    let mut push_tag = |t: &str| {
        let t = collapse_whitespace(&unescape(t));
        if !t.is_empty()
            && t.len() < 100
            && !tags.iter().any(|x| x.eq_ignore_ascii_case(&t))
            && tags.len() < 50
        {
            tags.push(t);
        }
    };
    g.tags.iter().for_each(|t| push_tag(t));
    ld.keywords.iter().for_each(|t| push_tag(t));
    for k in ["news_keywords", "keywords"] {
        if let Some(v) = g.meta.get(k) {
            v.split(',').for_each(&mut push_tag);
        }
    }

    let meta = Metadata {
        title,
        author,
        date: date.map(|d| d.format("%Y-%m-%d").to_string()),
        date_modified: date_modified.map(|d| d.format("%Y-%m-%d").to_string()),
        sitename,
        description,
        lang,
        canonical_url,
        image,
        tags,
    };
    (meta, g.h1)
}

/// A reader-comment thread or one comment: a class or id that names
/// comments and that the cleaning rules count against content, holding less
/// than half the page's text (a page-wide wrapper named "comments-open" is
/// not one).
fn is_comment_thread(e: &crate::extract::dom::ElemNode<'_>, len: u32, body_len: u32) -> bool {
    use crate::extract::rules::Hit;
    if !e.hits.intersects(Hit::NEG | Hit::BOILER | Hit::BOILER_PART) || len * 2 > body_len {
        return false;
    }
    ["class", "id"]
        .iter()
        .any(|k| attr(e.el, k).is_some_and(|v| v.to_ascii_lowercase().contains("comment")))
}

fn gather<'a>(doc: &Doc<'a>, raw: &[Stats]) -> Gathered<'a> {
    let mut g = Gathered::default();
    let mut in_h1: Option<(u32, String)> = None;
    // Reader comments have bylines, authors and times of their own: none of
    // them is the article's. This is where the comment thread ends.
    let mut comments_end = 0u32;
    let body_len = raw.get(doc.body as usize).map_or(0, |s| s.len);
    for (i, n) in doc.nodes.iter().enumerate() {
        let i = i as u32;
        if i >= comments_end {
            if let Data::Elem(e) = &n.data {
                if is_comment_thread(e, raw.get(i as usize).map_or(0, |s| s.len), body_len) {
                    comments_end = n.end;
                }
            }
        }
        let in_comments = i < comments_end;
        if let Some((end, _)) = &in_h1 {
            if i >= *end {
                let (_, t) = in_h1.take().unwrap_or_default();
                let t = t.trim().to_string();
                if g.h1.is_none() && !t.is_empty() {
                    g.h1 = Some(t);
                }
            }
        }
        let Data::Elem(e) = &n.data else {
            if let Data::Text(t) = &n.data {
                if let Some((_, buf)) = in_h1.as_mut() {
                    push_collapsed(buf, t.text);
                }
                if g.text_byline.is_none() && !in_comments && author::has_by_word(t.text) {
                    if let Some((names, line)) = author::text_byline(doc, raw, n.parent) {
                        g.text_byline = Some(names);
                        g.text_byline_line = Some(line);
                    }
                }
            }
            continue;
        };
        let el = e.el;
        match e.name {
            "meta" if !in_comments => {
                let Some(content) = attr(el, "content") else {
                    continue;
                };
                for key in ["property", "name", "itemprop", "http-equiv"] {
                    if let Some(k) = attr(el, key) {
                        for k in k.split_whitespace() {
                            let k = k.to_ascii_lowercase();
                            if k == "article:tag" {
                                g.tags.push(content.to_string());
                            } else {
                                g.meta.entry(k).or_insert(content);
                            }
                        }
                    }
                }
            }
            "title" if g.doc_title.is_none() => {
                // <title> sits in <head>, which the SVG-free prescan keeps.
                let t = doc.text_of(i);
                if !t.is_empty() {
                    g.doc_title = Some(t);
                }
            }
            "html" => {
                g.html_lang = attr(el, "lang")
                    .or_else(|| attr(el, "xml:lang"))
                    .filter(|l| !l.trim().is_empty())
            }
            "link" => {
                let rel = attr(el, "rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_whitespace().any(|r| r == "canonical") && g.canonical.is_none() {
                    g.canonical = attr(el, "href");
                }
            }
            "h1" if g.h1.is_none() && in_h1.is_none() => in_h1 = Some((n.end, String::new())),
            "time" if !in_comments => {
                let dt = attr(el, "datetime").or_else(|| attr(el, "content"));
                let class = attr(el, "class").unwrap_or("").to_ascii_lowercase();
                let prop = attr(el, "itemprop").unwrap_or("").to_ascii_lowercase();
                let published = prop == "datepublished"
                    || attr(el, "pubdate").is_some()
                    || class.contains("publish")
                    || class.contains("entry-date")
                    || class.contains("post-date");
                let modified = prop == "datemodified"
                    || class.contains("updated")
                    || class.contains("modified");
                if let Some(dt) = dt {
                    if published && g.time_published.is_none() {
                        g.time_published = Some(dt);
                    } else if !modified && g.time_any.is_none() {
                        g.time_any = Some(dt);
                    }
                }
            }
            _ => {}
        }
        if in_comments {
            continue;
        }
        // hAtom microformat: `<abbr class="published" title="2019-03-04T10:00">`.
        if e.name != "time" && g.time_published.is_none() {
            let class = attr(el, "class").unwrap_or("");
            if class
                .split_whitespace()
                .any(|c| c == "published" || c == "dt-published")
            {
                g.time_published = attr(el, "title").or_else(|| attr(el, "datetime"));
            }
        }
        if e.name != "meta" && e.name != "time" {
            if let Some(prop) = attr(el, "itemprop") {
                let prop = prop.to_ascii_lowercase();
                if prop == "datepublished" && g.time_published.is_none() {
                    g.time_published = attr(el, "content").or_else(|| attr(el, "datetime"));
                } else if (prop == "author" || prop == "creator") && g.itemprop_author.is_none() {
                    let t = doc.text_of(i);
                    if !t.is_empty() && t.len() < 200 {
                        g.itemprop_author = Some(t);
                    }
                }
            }
        }
        if e.name == "a" {
            let rel = attr(el, "rel").unwrap_or("");
            if rel
                .split_whitespace()
                .any(|r| r.eq_ignore_ascii_case("author"))
                && g.rel_author.is_none()
            {
                let t = doc.text_of(i);
                if !t.is_empty() && t.len() < 100 {
                    g.rel_author = Some(t);
                }
            } else if rel
                .split_whitespace()
                .any(|r| r.eq_ignore_ascii_case("tag"))
            {
                let t = doc.text_of(i);
                if !t.is_empty() {
                    g.tags.push(t);
                }
            }
        }
        if !e.tag.contains(crate::extract::dom::Tag::SKIP)
            && (g.byline.is_none() || g.dateline.is_none())
        {
            let class = attr(el, "class").unwrap_or("");
            if !class.is_empty() {
                let c = class.to_ascii_lowercase();
                if g.byline.is_none()
                    && (c.contains("byline") || c.contains("author"))
                    && !c.contains("bio")
                {
                    let t = doc.visible_text_of(i);
                    if t.len() < 150
                        && clean_authors(&t).is_some_and(|n| author::looks_like_names(&n))
                    {
                        g.byline = Some(t);
                    }
                }
                if g.dateline.is_none()
                    && (c.contains("date")
                        || c.contains("posted")
                        || c.contains("published")
                        || c.contains("meta")
                        || c.contains("time"))
                {
                    let t = doc.text_of(i);
                    if !t.is_empty() && t.len() < 200 && t.bytes().any(|b| b.is_ascii_digit()) {
                        g.dateline = Some(t);
                    }
                }
            }
        }
    }
    if let Some((_, t)) = in_h1 {
        if g.h1.is_none() && !t.trim().is_empty() {
            g.h1 = Some(t.trim().to_string());
        }
    }
    g
}

/// Character references left in a metadata value: templates often escape a
/// value twice (`content="That&amp;#039;s"`), and JSON-LD is not HTML, so
/// its strings may hold references that no parser decoded.
pub(crate) fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('&') {
        htmlize::unescape(s)
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// `en-US`, `en_us`, `EN` → `en`. Returns nothing for values that are no language tag.
pub fn normalize_lang(l: &str) -> Option<String> {
    let primary = l
        .trim()
        .split(['-', '_', ',', ';'])
        .next()?
        .trim()
        .to_ascii_lowercase();
    let ok = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
    ok.then_some(primary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_primary_subtags() {
        assert_eq!(normalize_lang("en-US").as_deref(), Some("en"));
        assert_eq!(normalize_lang("de_DE").as_deref(), Some("de"));
        assert_eq!(normalize_lang("{{lang}}"), None);
    }
}
