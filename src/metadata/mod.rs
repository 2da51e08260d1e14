//! Metadata: title, author, dates, site name, description, language,
//! canonical URL, image and tags.
//!
//! Read from the whole, uncleaned page in one walk over the flattened tree,
//! then chosen field by field in this order of trust:
//!
//! | field | sources, most trusted first |
//! |---|---|
//! | title | JSON-LD `headline`; `og:title`; Dublin Core; `twitter:title`; `<title>`; first `<h1>` — then the site-name part is cut off |
//! | author | JSON-LD `author`; `author`/`article:author`/`dc.creator`/… meta; `itemprop=author`; `rel=author`; a byline element |
//! | date | a full date in the URL or canonical URL; JSON-LD `datePublished`; `article:published_time` and other publication meta; `itemprop=datePublished`; `<time>`; a date written in a byline; the modification date |
//! | date_modified | JSON-LD `dateModified`; `article:modified_time`, `og:updated_time`, … |
//! | sitename | JSON-LD publisher or WebSite name; `og:site_name`; `application-name`; the part cut off the title |
//! | description | `og:description`; `description`; `twitter:description`; Dublin Core; JSON-LD |
//! | lang | `<html lang>`; `Content-Language`; `og:locale`; JSON-LD `inLanguage`; detected from the text (in [`crate::extract`]) |
//!
//! Dates are never later than the caller's "now".

pub mod date;
pub mod jsonld;

use crate::dom::{Data, Doc, attr, push_collapsed};
use crate::model::Metadata;
use crate::score::Stats;
use chrono::NaiveDate;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;
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
    "parsely-author",
    "sailthru.author",
    "byl",
    "citation_author",
    "twitter:data1",
];
/// Meta keys that hold the title.
const TITLE_KEYS: &[&str] = &[
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
/// Academic and professional degrees written after a name ("Brenda Goodman, MA").
const DEGREES: &[&str] = &[
    "ma", "ms", "msc", "mba", "md", "phd", "ph.d", "rn", "mph", "rd", "do", "jd", "dds", "bsc",
    "ba", "jr", "sr", "ii", "iii",
];
/// Words that make a byline part a role rather than a name.
const ROLE_WORDS: &[&str] = &[
    "staff",
    "writer",
    "reporter",
    "editor",
    "correspondent",
    "contributor",
    "photographer",
    "columnist",
    "published",
    "updated",
    "posted",
    "journalist",
    "team",
    "desk",
    "news service",
    "associated press",
    "reuters",
    "admin",
    "redaktion",
    "rédaction",
    "agencies",
    "guest",
];
/// Most words of a site name taken from a title.
const SITENAME_MAX_WORDS: usize = 6;
/// Separators between a page title and the site name.
const TITLE_SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " / ", " ~ ", " |", "｜", " – ",
];

/// Everything gathered in the one walk.
#[derive(Default)]
struct Gathered<'a> {
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
/// statistics; `now` bounds dates.
pub fn read(
    doc: &Doc<'_>,
    raw: &[Stats],
    json_ld: &[&str],
    url: Option<&Url>,
    now: NaiveDate,
) -> (Metadata, Option<String>) {
    let g = gather(doc, raw);
    let ld = jsonld::read(json_ld);
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .filter_map(|k| g.meta.get(*k))
            .map(|v| collapse(v))
            .find(|v| !v.is_empty())
    };

    let host = url.and_then(|u| u.host_str()).unwrap_or("");
    let mut sitename = ld.publisher.clone().or_else(|| meta(SITENAME_KEYS));
    let (title, cut) = pick_title(&ld, &g, &meta, sitename.as_deref(), host);
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
            .find_map(|v| clean_authors(v))
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
        .map(collapse)
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
        let t = collapse(t);
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

/// How far into a line its "By" may stand (after "Posted March 3, 2004").
const BY_MAX_OFFSET: usize = 60;
/// Shortest and longest line that is searched for a "By …" byline.
const BYLINE_MIN_LEN: u32 = 6;
const BYLINE_MAX_LEN: u32 = 200;

static BY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s(|•·,])(?:[Bb][Yy]|[Vv]on|[Pp]ar|[Pp]or|[Dd]oor)\s+(\p{Lu}.*)$")
        .expect("valid regex")
});
/// Words before "by" that make the name a photographer's or illustrator's.
const CREDIT_WORDS: &[&str] = &[
    "photo",
    "foto",
    "image",
    "illustrat",
    "graphic",
    "video",
    "credit",
    "picture",
    "powered",
    "designed",
    "theme",
    "hosted",
    "built",
    "developed",
    "made",
    "sponsored",
    "presented",
    "brought",
    "supported",
    "operated",
    "owned",
];

/// The text after "By" in a byline line ("Posted March 3, 2004 by Gwen
/// Ashdown" → "Gwen Ashdown"), unless it credits a picture.
fn names_after_by(line: &str) -> Option<&str> {
    let c = BY_NAME.captures(line)?;
    let m = c.get(1)?;
    if m.start() > BY_MAX_OFFSET {
        return None;
    }
    let before = line[..m.start()].to_lowercase();
    let tail: String = before
        .chars()
        .rev()
        .take(30)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!CREDIT_WORDS.iter().any(|w| tail.contains(w))).then(|| m.as_str())
}

/// Whether a text holds one of the words that introduce a byline.
fn has_by_word(text: &str) -> bool {
    text.split_whitespace().any(|w| {
        matches!(
            w,
            "by" | "By"
                | "BY"
                | "by:"
                | "By:"
                | "von"
                | "Von"
                | "par"
                | "Par"
                | "por"
                | "Por"
                | "door"
                | "Door"
        )
    })
}

/// From a text node's parent up, the first short inline-only line is read
/// as a byline: "Posted March 3, 2004 by <a>Gwen Ashdown</a>".
fn find_text_byline(doc: &Doc<'_>, raw: &[Stats], from: crate::dom::Ix, g: &mut Gathered<'_>) {
    let mut a = from;
    while a != crate::dom::NONE {
        let s = &raw[a as usize];
        if s.has_block || s.len > BYLINE_MAX_LEN {
            return;
        }
        let line_like = doc.elem(a).is_some_and(|e| {
            e.tag & crate::dom::tag::SKIP == 0
                && matches!(
                    e.name,
                    "p" | "div"
                        | "span"
                        | "font"
                        | "td"
                        | "li"
                        | "small"
                        | "address"
                        | "section"
                        | "header"
                )
        });
        if line_like && s.len >= BYLINE_MIN_LEN {
            let t = doc.text_of(a);
            // Free text is a weak source: take it only when it reads as
            // full names ("Carl Oyelaran"), not a lone capitalised word.
            let names = names_after_by(&t).and_then(clean_authors).filter(|n| {
                n.split("; ").all(|name| {
                    let words: Vec<&str> = name.split_whitespace().collect();
                    words.len() >= 2 && words[0].chars().count() >= 2
                })
            });
            if let Some(names) = names {
                g.text_byline = Some(names);
                g.text_byline_line = Some(t);
                return;
            }
        }
        a = doc.nodes[a as usize].parent;
    }
}

fn gather<'a>(doc: &Doc<'a>, raw: &[Stats]) -> Gathered<'a> {
    let mut g = Gathered::default();
    let mut in_h1: Option<(u32, String)> = None;
    for (i, n) in doc.nodes.iter().enumerate() {
        let i = i as u32;
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
                if g.text_byline.is_none() && has_by_word(t.text) {
                    find_text_byline(doc, raw, n.parent, &mut g);
                }
            }
            continue;
        };
        let el = e.el;
        match e.name {
            "meta" => {
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
            "time" => {
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
        if e.tag & crate::dom::tag::SKIP == 0 && (g.byline.is_none() || g.dateline.is_none()) {
            let class = attr(el, "class").unwrap_or("");
            if !class.is_empty() {
                let c = class.to_ascii_lowercase();
                if g.byline.is_none()
                    && (c.contains("byline") || c.contains("author"))
                    && !c.contains("bio")
                {
                    let t = doc.text_of(i);
                    if t.len() < 150 && clean_authors(&t).is_some() {
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

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn looks_like_site(part: &str, host: &str) -> bool {
    let f = fold(part);
    if f.is_empty() {
        return false;
    }
    let h: String = host
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    h.contains(&f) || part.split_whitespace().count() <= 3
}

/// Choose the title; also returns the site-name part cut off it, if any.
fn pick_title(
    ld: &jsonld::JsonLd,
    g: &Gathered<'_>,
    meta: &dyn Fn(&[&str]) -> Option<String>,
    sitename: Option<&str>,
    host: &str,
) -> (Option<String>, Option<String>) {
    // JSON-LD `headline` and `name` can disagree (one may be a summary):
    // the one the page's <title> contains is the title.
    let in_doc_title = |t: &String| {
        g.doc_title
            .as_deref()
            .is_some_and(|d| fold(d).contains(&fold(t)))
    };
    let long_enough = |n: &String| {
        let doc_len = g.doc_title.as_deref().map_or(0, |d| fold(d).len());
        fold(n).len() * 2 >= doc_len
    };
    let ld_title = match (
        ld.headline.as_ref().map(|t| collapse(t)),
        ld.name.as_ref().map(|t| collapse(t)),
    ) {
        (Some(h), Some(n))
            if h != n && !in_doc_title(&h) && in_doc_title(&n) && long_enough(&n) =>
        {
            Some(n)
        }
        (h, n) => h.or(n),
    };
    let structured = ld_title
        .filter(|t| !t.is_empty())
        .or_else(|| meta(TITLE_KEYS));
    if let Some(t) = structured {
        let (t, cut) = strip_site(&t, sitename, host, false);
        // "<headline> | <site>" in <title> around the structured headline:
        // what follows the headline there is the site's name.
        let beside = g.doc_title.as_deref().and_then(|d| {
            let rest = collapse(d)
                .strip_prefix(t.as_str())?
                .trim_start()
                .to_string();
            let sep = TITLE_SEPARATORS
                .iter()
                .find(|s| rest.starts_with(s.trim_start()))?;
            let site = rest[sep.trim_start().len()..].trim().to_string();
            (!site.is_empty() && site.split_whitespace().count() <= SITENAME_MAX_WORDS)
                .then_some(site)
        });
        if beside.is_some() {
            return (Some(t), beside);
        }
        let cut = cut.or_else(|| {
            g.doc_title
                .as_deref()
                .and_then(|d| strip_site(d, sitename, host, true).1)
        });
        return (Some(t), cut);
    }
    if let Some(d) = &g.doc_title {
        let (t, cut) = strip_site(d, sitename, host, true);
        // A heading that the page title starts with is the cleaner headline.
        if let Some(h1) = &g.h1 {
            if fold(d).starts_with(&fold(h1))
                && fold(h1).len() * 2 >= fold(&t).len()
                && !h1.is_empty()
            {
                return (Some(h1.clone()), cut);
            }
        }
        return (Some(t), cut);
    }
    (g.h1.clone(), None)
}

/// Cut a site name off a title. With `heuristic`, a short last (or first)
/// part is taken for the site name even when it matches nothing known.
pub fn strip_site(
    title: &str,
    sitename: Option<&str>,
    host: &str,
    heuristic: bool,
) -> (String, Option<String>) {
    let title = collapse(title);
    let site_f = sitename.map(fold).unwrap_or_default();
    let host_f: String = host
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let is_site = |part: &str| {
        let f = fold(part);
        !f.is_empty()
            && (f == site_f
                || (!host_f.is_empty() && host_f.contains(&f) && f.len() >= 3)
                || !site_f.is_empty()
                    && (site_f.contains(&f) && f.len() >= 4
                        || f.contains(&site_f) && site_f.len() >= 4))
    };
    let words = |s: &str| {
        s.split_whitespace().count() + s.chars().filter(|c| crate::dom::is_cjk(*c)).count() / 3
    };
    for sep in TITLE_SEPARATORS {
        if let Some(at) = title.rfind(sep) {
            let (left, right) = (title[..at].trim(), title[at + sep.len()..].trim());
            if left.is_empty() || right.is_empty() {
                continue;
            }
            if is_site(right) || heuristic && words(right) <= 4 && words(left) >= 3 {
                let (rest, _) = strip_site(left, sitename, host, false);
                return (rest, Some(right.to_string()));
            }
        }
        if let Some(at) = title.find(sep) {
            let (left, right) = (title[..at].trim(), title[at + sep.len()..].trim());
            if left.is_empty() || right.is_empty() {
                continue;
            }
            // A leading site name must be the site's name, not merely hold it:
            // "Post title @ Blog name :: Host" names the blog inside the title.
            let leading_site = {
                let f = fold(left);
                !f.is_empty()
                    && (f == site_f || !host_f.is_empty() && host_f.contains(&f) && f.len() >= 3)
            };
            if leading_site || heuristic && words(left) <= 2 && words(right) >= 4 {
                return (right.to_string(), Some(left.to_string()));
            }
        }
    }
    (title, None)
}

/// Clean a byline into names joined by "; ", or nothing.
pub fn clean_authors(raw: &str) -> Option<String> {
    let mut s = collapse(raw);
    let lower = s.to_lowercase();
    if [
        "photo",
        "фото",
        "foto",
        "image",
        "credit",
        "illustration",
        "picture",
    ]
    .iter()
    .any(|w| lower.starts_with(w))
    {
        return None;
    }
    for prefix in [
        "about the author:",
        "about the author",
        "submitted by",
        "текст:",
        "автор:",
        "written by",
        "posted by",
        "published by",
        "story by",
        "words by",
        "by:",
        "by",
        "von",
        "par",
        "por",
        "di",
        "door",
        "author:",
        "autor:",
        "auteur :",
        "author",
    ] {
        let head = s.get(..prefix.len()).unwrap_or("");
        if s.len() > prefix.len()
            && head.to_lowercase() == prefix
            && s[prefix.len()..].starts_with([' ', ':'])
        {
            s = s[prefix.len()..].trim_start_matches([' ', ':']).to_string();
            break;
        }
    }
    // A date or time after the names ends the byline, month name included.
    if let Some(cut) = s.find(|c: char| c.is_ascii_digit()) {
        s.truncate(cut);
        while let Some((head, last)) = s.trim_end().rsplit_once(' ') {
            let w = last.trim_end_matches(['.', ',']).to_lowercase();
            let is_date_word = date::is_month_name(&w)
                || [
                    "mon",
                    "tue",
                    "wed",
                    "thu",
                    "fri",
                    "sat",
                    "sun",
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                    "on",
                    "at",
                    "updated",
                    "published",
                ]
                .contains(&w.as_str());
            if !is_date_word {
                break;
            }
            s = head.to_string();
        }
    }
    for stop in [
        " | ",
        " — ",
        " – ",
        " - ",
        "\n",
        " on ",
        " updated ",
        " published ",
        " • ",
        " · ",
    ] {
        if let Some(at) = s.find(stop) {
            s.truncate(at);
        }
    }
    let mut names: Vec<String> = Vec::new();
    let unified = s
        .replace(" and ", ";")
        .replace(" And ", ";")
        .replace(" & ", ";")
        .replace(" und ", ";")
        .replace(" et ", ";")
        .replace(" y ", ";")
        .replace([',', '、'], ";");
    for part in unified.split(';') {
        let p = part
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != '\'' && c != ')');
        let p = if p.ends_with(')') && !p.contains('(') {
            p.trim_end_matches(')').trim()
        } else {
            p
        };
        if DEGREES.contains(&p.trim_end_matches('.').to_lowercase().as_str()) {
            continue;
        }
        if p.is_empty() || p.len() > 60 || p.contains('@') || p.starts_with("http") {
            continue;
        }
        let lower = p.to_lowercase();
        if ROLE_WORDS
            .iter()
            .any(|r| lower.split_whitespace().any(|w| w == *r) || *r == lower)
        {
            continue;
        }
        let wc = p.split_whitespace().count();
        if wc == 0 || wc > 5 {
            continue;
        }
        if !names.iter().any(|n| n.eq_ignore_ascii_case(p)) {
            names.push(p.to_string());
        }
    }
    (!names.is_empty()).then(|| names.join("; "))
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
    fn bylines_become_names() {
        assert_eq!(clean_authors("By Jane Doe").as_deref(), Some("Jane Doe"));
        assert_eq!(
            clean_authors("By Alice Mbeki and Tomás Ruiz, Staff Reporters").as_deref(),
            Some("Alice Mbeki; Tomás Ruiz")
        );
        assert_eq!(clean_authors("Posted by admin on March 3, 2004"), None);
        assert_eq!(
            clean_authors("Jane Doe | March 3, 2004").as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(clean_authors("Staff"), None);
    }

    #[test]
    fn site_names_are_cut_from_titles() {
        assert_eq!(
            strip_site("A Big Story About Things | The Daily", None, "", true).0,
            "A Big Story About Things"
        );
        assert_eq!(
            strip_site(
                "The Daily - A Big Story About Things Today",
                Some("The Daily"),
                "",
                false
            )
            .0,
            "A Big Story About Things Today"
        );
        assert_eq!(
            strip_site(
                "Spider-Man returns - Ars Technica",
                None,
                "arstechnica.com",
                false
            )
            .0,
            "Spider-Man returns"
        );
        assert_eq!(
            strip_site("Left - Right side of it", None, "", false).0,
            "Left - Right side of it"
        );
    }

    #[test]
    fn languages_are_primary_subtags() {
        assert_eq!(normalize_lang("en-US").as_deref(), Some("en"));
        assert_eq!(normalize_lang("de_DE").as_deref(), Some("de"));
        assert_eq!(normalize_lang("{{lang}}"), None);
    }
}
