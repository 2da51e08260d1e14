//! Metadata: title, author, dates, site name, description, language,
//! canonical URL, image and tags.
//!
//! Read from the whole, uncleaned page in one walk over the flattened tree,
//! then chosen field by field in this order of trust:
//!
//! | field | sources, most trusted first |
//! |---|---|
//! | title | JSON-LD `headline`; `og:title`; Dublin Core; `twitter:title` — kept as declared (the site name is cut only on request); else `<title>` with its site-name part cut off; first `<h1>` |
//! | author | JSON-LD `author`; `author`/`article:author`/`dc.creator`/… meta; `itemprop=author`; `rel=author`; a "By …" line of text; a byline element — never inside reader comments |
//! | date | a full date in the URL or canonical URL; JSON-LD `datePublished`; `article:published_time` and other publication meta; JSON-LD `dateCreated`; the first publication `<time>`, `itemprop=datePublished` or hAtom `class="published"` (`title`); the visible text of an `itemprop=datePublished` element without a value; any other `<time>` not marked as a modification; a date written in a dateline element (the first of the first few date, meta or byline elements that holds one; after the first, none in page furniture), a byline element or a "By …" line (not the one an "Updated" announces); a date alone on a short line near the first `<h1>` (not in a link or page furniture; the nearest); the modification date |
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

use crate::extract::dom::{Data, Doc, ElemNode, Ix, Tag, attr};
use crate::extract::model::Metadata;
use crate::extract::stats::Stats;
use crate::extract::switch::{self, Rule};
use crate::extract::text::{collapse_whitespace, push_collapsed};
use author::clean_authors;
use chrono::NaiveDate;
use scraper::node::Element;
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
    "published",
    "published-date",
    "published_date",
    "date_published",
    "publication-date",
    "pub_date",
    "article:published",
    "rbpubdate",
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
    /// The visible text of an `itemprop=datePublished` element that has no
    /// machine-readable value.
    itemprop_date_text: Option<String>,
    itemprop_author: Option<String>,
    rel_author: Option<String>,
    byline: Option<String>,
    /// Names after "By" in a short line of text, and that whole line.
    text_byline: Option<String>,
    text_byline_line: Option<String>,
    /// Text of the first elements whose class names a date line (or a
    /// byline) and that hold a digit, in page order, at most
    /// [`MAX_DATELINES`]: the first that holds a date is the dateline.
    datelines: Vec<String>,
    /// Where the first `<h1>` starts and ends.
    h1_at: Option<(Ix, Ix)>,
    /// Short lines of text, out of links, comments and page furniture, that
    /// may be a date alone ("Dec 17, 2025", "Updated: 03/14/2022"), with
    /// where they are.
    date_lines: Vec<(Ix, &'a str)>,
    /// Where the first `<h2>` before any `<h1>` starts and ends, and the
    /// date lines within reach of it: the headline of a page that has no
    /// `<h1>` (a page builder's template sets its title in an `<h2>`).
    h2_at: Option<(Ix, Ix)>,
    h2_date_lines: Vec<(Ix, &'a str)>,
}

/// Where a metadata field's value was read from, as the explanation shows
/// it: the JSON-LD property, the meta key, the element, the address, the
/// text, or how it was made from another field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A JSON-LD property.
    JsonLd(&'static str),
    /// A `<meta>` tag, by its key.
    Meta(&'static str),
    /// An element or attribute of the page (`<title>`, `rel=author`).
    Markup(&'static str),
    /// The page's address (or its canonical address).
    Url,
    /// A line of the page's text (a byline, a dateline).
    Text(&'static str),
    /// Made from something else (cut from the title, the first paragraph).
    Derived(&'static str),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::JsonLd(p) => write!(f, "JSON-LD {p}"),
            Source::Meta(k) => write!(f, "meta {k}"),
            Source::Markup(m) => f.write_str(m),
            Source::Url => f.write_str("URL"),
            Source::Text(t) => write!(f, "page text ({t})"),
            Source::Derived(d) => f.write_str(d),
        }
    }
}

/// The [`Source`] of each metadata field that has a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sources {
    /// Of the title.
    pub title: Option<Source>,
    /// Of the author.
    pub author: Option<Source>,
    /// Of the publication date.
    pub date: Option<Source>,
    /// Of the site name.
    pub sitename: Option<Source>,
    /// Of the description.
    pub description: Option<Source>,
    /// Of the language.
    pub lang: Option<Source>,
    /// Of the image.
    pub image: Option<Source>,
}

/// What [`read`] found: the metadata, where each field came from, and the
/// text of the page's first `<h1>`.
pub struct Read {
    /// The metadata.
    pub meta: Metadata,
    /// Where each field came from.
    pub sources: Sources,
    /// The first `<h1>`'s text.
    pub h1: Option<String>,
    /// The JSON-LD description of the item a product page sells.
    pub product_description: Option<String>,
    /// The JSON-LD `articleBody` of the page's article.
    pub article_body: Option<String>,
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
) -> Read {
    let g = gather(doc, raw);
    let ld = jsonld::read(json_ld);
    let host = url.and_then(|u| u.host_str()).unwrap_or("");
    let (title, sitename) = choose_title_and_sitename(&ld, &g, host, strip_declared);
    let date_modified = date_modified(&ld, &g, now);
    let date = date_published(&ld, &g, url, now).or(date_modified);
    let description = ld
        .description
        .as_deref()
        .map(|d| (collapse_whitespace(d), Source::JsonLd("description")))
        .or_else(|| g.meta_entry(DESCRIPTION_KEYS));
    let canonical_url = g
        .canonical
        .and_then(|c| resolve_url(c, url))
        .or_else(|| g.meta_value(&["og:url"]).and_then(|u| resolve_url(&u, url)));
    let image = g
        .meta_entry(IMAGE_KEYS)
        .or_else(|| ld.image.clone().map(|i| (i, Source::JsonLd("image"))))
        .and_then(|(u, s)| Some((resolve_url(&u, url)?, s)));
    let author = choose_author(&ld, &g);
    let lang = choose_lang(&ld, &g);
    let sources = Sources {
        title: title.as_ref().map(|t| t.1),
        author: author.as_ref().map(|a| a.1),
        date: date.map(|d| d.1),
        sitename: sitename.as_ref().map(|s| s.1),
        description: description.as_ref().map(|d| d.1),
        lang: lang.as_ref().map(|l| l.1),
        image: image.as_ref().map(|i| i.1),
    };
    let meta = Metadata {
        title: title.map(|t| t.0),
        author: author.map(|a| a.0),
        date: date.map(|d| d.0.format("%Y-%m-%d").to_string()),
        date_modified: date_modified.map(|d| d.0.format("%Y-%m-%d").to_string()),
        sitename: sitename.map(|s| s.0),
        description: description.map(|d| d.0),
        lang: lang.map(|l| l.0),
        canonical_url,
        image: image.map(|i| i.0),
        tags: collect_tags(&ld, &g),
    };
    Read {
        meta,
        sources,
        h1: g.h1,
        product_description: ld.product_description,
        article_body: ld.article_body,
    }
}

impl Gathered<'_> {
    /// The first non-empty value of the meta `keys`, in their order, with
    /// character references decoded and whitespace collapsed.
    fn meta_value(&self, keys: &[&'static str]) -> Option<String> {
        self.meta_entry(keys).map(|(v, _)| v)
    }

    /// [`Self::meta_value`], with the key it was found under.
    fn meta_entry(&self, keys: &[&'static str]) -> Option<(String, Source)> {
        keys.iter()
            .filter_map(|&k| Some((self.meta.get(k)?, k)))
            .map(|(v, k)| (collapse_whitespace(&unescape(v)), Source::Meta(k)))
            .find(|(v, _)| !v.is_empty())
    }

    /// The first value of the meta `keys`, in their order, that reads as a
    /// date no later than `now`, with its key.
    fn meta_date(&self, keys: &[&'static str], now: NaiveDate) -> Option<(NaiveDate, Source)> {
        keys.iter()
            .filter_map(|&k| Some((self.meta.get(k)?, k)))
            .find_map(|(v, k)| Some((date::parse_value(v, now)?, Source::Meta(k))))
    }
}

/// The title ([`pick_title`]) and the site name: the declared one (JSON-LD
/// publisher, `og:site_name`, …), or else the part cut off the title, when it
/// is short and reads as a site's name.
#[allow(clippy::type_complexity)]
fn choose_title_and_sitename(
    ld: &jsonld::JsonLd,
    g: &Gathered<'_>,
    host: &str,
    strip_declared: bool,
) -> (Option<(String, Source)>, Option<(String, Source)>) {
    let declared = ld
        .publisher
        .clone()
        .map(|p| (p, Source::JsonLd("publisher")))
        .or_else(|| g.meta_entry(SITENAME_KEYS));
    let (title, cut) = pick_title(
        ld,
        g,
        declared.as_ref().map(|d| d.0.as_str()),
        host,
        strip_declared,
    );
    let sitename = declared.or_else(|| {
        cut.filter(|c| {
            let words = c.split_whitespace().count();
            words <= SITENAME_MAX_WORDS && (looks_like_site(c, host) || words <= 4)
        })
        .map(|c| (c, Source::Derived("cut from the title")))
    });
    (title, sitename)
}

/// The authors, from the first source that names someone: JSON-LD, author
/// meta (not a profile URL or a handle), `itemprop=author`, `rel=author`, a
/// "By …" line of text, a byline element.
fn choose_author(ld: &jsonld::JsonLd, g: &Gathered<'_>) -> Option<(String, Source)> {
    let ld_authors = (!ld.authors.is_empty()).then(|| ld.authors.join("; "));
    let declared = || {
        ld_authors
            .iter()
            .map(|a| (a.clone(), Source::JsonLd("author")))
            .chain(
                AUTHOR_KEYS
                    .iter()
                    .filter_map(|&k| Some((g.meta.get(k)?, k)))
                    .filter(|(v, _)| {
                        !v.trim_start().starts_with("http") && !v.trim_start().starts_with('@')
                    })
                    .map(|(v, k)| (unescape(v).into_owned(), Source::Meta(k))),
            )
    };
    let found = |v: Option<&str>, s: Source| v.and_then(clean_authors).map(|a| (a, s));
    declared()
        .find_map(|(v, s)| clean_authors(&v).map(|a| (a, s)))
        .or_else(|| {
            found(
                g.itemprop_author.as_deref(),
                Source::Markup("itemprop=author"),
            )
        })
        .or_else(|| found(g.rel_author.as_deref(), Source::Markup("rel=author")))
        .or_else(|| found(g.text_byline.as_deref(), Source::Text("\"By …\" line")))
        .or_else(|| found(g.byline.as_deref(), Source::Text("byline")))
        // No person anywhere: a declared desk, organization or handle.
        .or_else(|| declared().find_map(|(v, s)| author::organization(&v).map(|a| (a, s))))
}

/// The modification date: JSON-LD `dateModified`, then modification meta.
fn date_modified(
    ld: &jsonld::JsonLd,
    g: &Gathered<'_>,
    now: NaiveDate,
) -> Option<(NaiveDate, Source)> {
    ld.date_modified
        .as_deref()
        .and_then(|s| date::parse_value(s, now))
        .map(|d| (d, Source::JsonLd("dateModified")))
        .or_else(|| g.meta_date(MODIFIED_KEYS, now))
}

/// The publication date, from the first source that gives one: the page's
/// address ([`url_date`]), JSON-LD `datePublished`, publication meta,
/// JSON-LD `dateCreated`, a publication `<time>` or microdata, any other
/// `<time>`, then a date written in the page ([`written_date`]).
fn date_published(
    ld: &jsonld::JsonLd,
    g: &Gathered<'_>,
    url: Option<&Url>,
    now: NaiveDate,
) -> Option<(NaiveDate, Source)> {
    let parse =
        |v: Option<&str>, s: Source| v.and_then(|v| date::parse_value(v, now)).map(|d| (d, s));
    url_date(g, url, now)
        .map(|d| (d, Source::Url))
        .or_else(|| {
            parse(
                ld.date_published.as_deref(),
                Source::JsonLd("datePublished"),
            )
        })
        .or_else(|| g.meta_date(PUBLISHED_KEYS, now))
        .or_else(|| parse(ld.date_created.as_deref(), Source::JsonLd("dateCreated")))
        .or_else(|| {
            parse(
                g.time_published,
                Source::Markup("publication <time> or microdata"),
            )
        })
        .or_else(|| {
            parse(
                g.itemprop_date_text.as_deref(),
                Source::Markup("text of itemprop=datePublished"),
            )
        })
        .or_else(|| parse(g.time_any, Source::Markup("<time>")))
        .or_else(|| written_date(g, now))
        .or_else(|| headline_date(g, now).map(|d| (d, Source::Text("date by the headline"))))
}

/// The longest line [`headline_date`] reads: a date and a word or two.
const DATE_LINE_MAX_BYTES: usize = 40;
/// How far from the headline's start (in elements and runs of text) a date
/// line may be: before it (a kicker) and after it (the byline area).
const DATE_LINE_BEFORE: Ix = 40;
const DATE_LINE_AFTER: Ix = 80;

/// A date written alone on a short line by the headline, the nearest one
/// (under it rather than above it when both are as near): the date most
/// templates print above or under the title without marking it up.
fn headline_date(g: &Gathered<'_>, now: NaiveDate) -> Option<NaiveDate> {
    let ((start, end), lines) = match (g.h1_at, g.h2_at) {
        (Some(h1), _) => (h1, &g.date_lines),
        (None, Some(h2)) if switch::on(Rule::HeadlineDateH2) => (h2, &g.h2_date_lines),
        _ => return None,
    };
    lines
        .iter()
        .filter(|(i, _)| *i + DATE_LINE_BEFORE >= start && *i <= start + DATE_LINE_AFTER)
        .filter_map(|&(i, t)| {
            let (distance, above) = if i < start {
                (start - i, true)
            } else {
                (i.saturating_sub(end), false)
            };
            Some(((distance, above), date::find_in_text(t, now)?))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, d)| d)
}

/// Whether a run of text may be a date alone on its line: short, a few
/// words, a four-digit run.
fn may_be_date_line(t: &str) -> bool {
    // Trimming only shortens.
    if t.len() < 6 {
        return false;
    }
    let t = t.trim();
    t.len() >= 6
        && t.len() <= DATE_LINE_MAX_BYTES
        && t.split_whitespace().count() <= 6
        && date::has_four_digits(t)
}

/// Whether node `i` is inside page furniture (`nav`, `aside`, `footer`,
/// …), or, with `links`, inside a link.
fn in_furniture(doc: &Doc<'_>, mut i: Ix, links: bool) -> bool {
    while i != crate::extract::dom::NONE {
        if let Some(e) = doc.elem(i) {
            if (links && e.name == "a") || e.tag.contains(Tag::BOILER) {
                return true;
            }
        }
        i = doc.nodes[i as usize].parent;
    }
    false
}

/// A full date in the page's address, or else in its canonical address.
///
/// It is the publisher's own, in its own time zone: trusted first
/// (metadata often carries the UTC instant, a day off for evening stories).
fn url_date(g: &Gathered<'_>, url: Option<&Url>, now: NaiveDate) -> Option<NaiveDate> {
    url.and_then(|u| date::from_url(u.path(), now)).or_else(|| {
        let canonical = g.canonical.and_then(|c| match url {
            Some(base) => base.join(c).ok(),
            None => Url::parse(c).ok(),
        })?;
        date::from_url(canonical.path(), now)
    })
}

/// A date written in the page's text: in a dateline element, in a byline
/// element, then in the line of a "By …" byline.
fn written_date(g: &Gathered<'_>, now: NaiveDate) -> Option<(NaiveDate, Source)> {
    let datelines = g.datelines.iter().map(|t| (Some(t.as_str()), "dateline"));
    datelines
        .chain([
            (g.byline.as_deref(), "byline"),
            (g.text_byline_line.as_deref(), "\"By …\" line"),
        ])
        .find_map(|(t, what)| Some((date::find_in_text(t?, now)?, Source::Text(what))))
}

/// Date-line elements read in one page.
const MAX_DATELINES: usize = 4;

/// The language: `<html lang>`, language meta, JSON-LD `inLanguage`; the
/// first of these that is given must be a language tag.
fn choose_lang(ld: &jsonld::JsonLd, g: &Gathered<'_>) -> Option<(String, Source)> {
    let (l, s) = g
        .html_lang
        .map(|l| (l.to_string(), Source::Markup("<html lang>")))
        .or_else(|| g.meta_entry(&["content-language", "og:locale", "dc.language", "language"]))
        .or_else(|| ld.lang.clone().map(|l| (l, Source::JsonLd("inLanguage"))))?;
    normalize_lang(&l).map(|l| (l, s))
}

/// `s` as an absolute URL, resolved against the page's address when known.
fn resolve_url(s: &str, base: Option<&Url>) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match base {
        Some(base) => base.join(s).ok().map(String::from),
        None => Url::parse(s).ok().map(String::from),
    }
}

/// Tags: `article:tag` meta and `rel=tag` links, JSON-LD keywords, then the
/// comma-separated keyword meta; each once (in any case), short, at most
/// [`MAX_TAGS`].
fn collect_tags(ld: &jsonld::JsonLd, g: &Gathered<'_>) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let mut push_tag = |t: &str| {
        let t = collapse_whitespace(&unescape(t));
        if !t.is_empty()
            && t.len() < MAX_TAG_BYTES
            && !tags.iter().any(|x| x.eq_ignore_ascii_case(&t))
            && tags.len() < MAX_TAGS
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
    tags
}

/// Most tags kept.
const MAX_TAGS: usize = 50;
/// A tag this long or longer is no tag.
const MAX_TAG_BYTES: usize = 100;

/// A reader-comment thread or one comment: a class or id that names
/// comments and that the cleaning rules count against content, holding less
/// than half the page's text (a page-wide wrapper named "comments-open" is
/// not one).
fn is_comment_thread(e: &ElemNode<'_>, len: u32, body_len: u32) -> bool {
    use crate::extract::rules::Hit;
    if !e.hits.intersects(Hit::NEG | Hit::BOILER | Hit::BOILER_PART) || len * 2 > body_len {
        return false;
    }
    ["class", "id"]
        .iter()
        .any(|k| attr(e.el, k).is_some_and(|v| v.to_ascii_lowercase().contains("comment")))
}

/// The first `<h1>` while the walk is inside it: where its subtree ends,
/// and its text so far.
struct OpenH1 {
    end: Ix,
    text: String,
}

/// One walk over the whole page that collects every source of metadata
/// ([`Gathered`]). Inside reader-comment threads only the page-level
/// elements (`<title>`, `<html>`, `<link>`, the first `<h1>`) are read.
fn gather<'a>(doc: &Doc<'a>, raw: &[Stats]) -> Gathered<'a> {
    let mut g = Gathered::default();
    let mut h1: Option<OpenH1> = None;
    // Reader comments have bylines, authors and times of their own: none of
    // them is the article's. This is where the comment thread ends.
    let mut comments_end: Ix = 0;
    let body_len = raw.get(doc.body as usize).map_or(0, |s| s.len);
    for (i, n) in doc.nodes.iter().enumerate() {
        let i = i as Ix;
        if i >= comments_end {
            if let Data::Elem(e) = &n.data {
                if is_comment_thread(e, raw.get(i as usize).map_or(0, |s| s.len), body_len) {
                    comments_end = n.end;
                }
            }
        }
        let in_comments = i < comments_end;
        if h1.as_ref().is_some_and(|h| i >= h.end) {
            g.close_h1(h1.take());
        }
        match &n.data {
            Data::Text(t) => {
                if let Some(h) = h1.as_mut() {
                    push_collapsed(&mut h.text, t.text);
                }
                if !in_comments {
                    g.read_text_byline(doc, raw, n.parent, t.text);
                    g.read_date_line(doc, i, n.parent, t.text);
                }
            }
            Data::Elem(e) => {
                if e.name == "h2" && g.h1_at.is_none() && g.h2_at.is_none() {
                    g.h2_at = Some((i, n.end));
                    g.h2_date_lines.clone_from(&g.date_lines);
                }
                if e.name == "h1" && g.h1.is_none() && h1.is_none() {
                    g.h1_at.get_or_insert((i, n.end));
                    h1 = Some(OpenH1 {
                        end: n.end,
                        text: String::new(),
                    });
                }
                g.read_page_element(doc, i, e, in_comments);
                // A `<meta>` without `content` says nothing, by its class
                // or otherwise.
                let empty_meta = e.name == "meta" && attr(e.el, "content").is_none();
                if !in_comments && !empty_meta {
                    g.read_body_element(doc, i, e);
                }
            }
        }
    }
    g.close_h1(h1);
    g
}

impl<'a> Gathered<'a> {
    /// The first `<h1>` has ended: its text, trimmed, is the `h1` unless
    /// empty.
    fn close_h1(&mut self, h1: Option<OpenH1>) {
        let text = h1.map(|h| h.text).unwrap_or_default();
        let text = text.trim();
        if self.h1.is_none() && !text.is_empty() {
            self.h1 = Some(text.to_string());
        }
    }

    /// A run of text outside comments that may be a date alone on its
    /// line, kept when it can be near the headline: before the headline is
    /// found, only the last ones within reach of it.
    fn read_date_line(&mut self, doc: &Doc<'a>, i: Ix, parent: Ix, text: &'a str) {
        if self.h1_at.is_some_and(|(h, _)| i > h + DATE_LINE_AFTER)
            || !may_be_date_line(text)
            || in_furniture(doc, parent, true)
        {
            return;
        }
        if self.h1_at.is_none() && self.h2_at.is_some_and(|(h, _)| i <= h + DATE_LINE_AFTER) {
            self.h2_date_lines.push((i, text));
        }
        if self.h1_at.is_none() {
            self.date_lines
                .retain(|(at, _)| *at + DATE_LINE_BEFORE >= i);
        }
        self.date_lines.push((i, text));
    }

    /// A text node outside comments that holds a "By" word: the first short
    /// line around it that reads as a byline gives the names and the line
    /// ([`author::text_byline`]).
    fn read_text_byline(&mut self, doc: &Doc<'a>, raw: &[Stats], parent: Ix, text: &str) {
        if self.text_byline.is_some() || !author::has_by_word(text) {
            return;
        }
        if let Some((names, line)) = author::text_byline(doc, raw, parent) {
            self.text_byline = Some(names);
            self.text_byline_line = Some(line);
        }
    }

    /// What the page says about itself in `<meta>`, `<title>`, `<html lang>`,
    /// `<link rel=canonical>` and `<time>` (`<meta>` and `<time>` only outside
    /// comment threads).
    fn read_page_element(&mut self, doc: &Doc<'a>, i: Ix, e: &ElemNode<'a>, in_comments: bool) {
        let el = e.el;
        match e.name {
            "meta" if !in_comments => self.read_meta(el),
            "title" if self.doc_title.is_none() => {
                // <title> sits in <head>, which the SVG-free prescan keeps.
                let t = doc.text_of(i);
                if !t.is_empty() {
                    self.doc_title = Some(t);
                }
            }
            "html" => {
                self.html_lang = attr(el, "lang")
                    .or_else(|| attr(el, "xml:lang"))
                    .filter(|l| !l.trim().is_empty())
            }
            "link" => {
                let rel = attr(el, "rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_whitespace().any(|r| r == "canonical") && self.canonical.is_none() {
                    self.canonical = attr(el, "href");
                }
            }
            "time" if !in_comments => self.read_time(el),
            _ => {}
        }
    }

    /// A `<meta>`: its `content` under each of its keys (`property`, `name`,
    /// `itemprop`, `http-equiv`, lower case; the first value of a key
    /// stays). `article:tag` adds a tag instead.
    fn read_meta(&mut self, el: &'a Element) {
        let Some(content) = attr(el, "content") else {
            return;
        };
        for key in ["property", "name", "itemprop", "http-equiv"] {
            if let Some(k) = attr(el, key) {
                for k in k.split_whitespace() {
                    let k = k.to_ascii_lowercase();
                    if k == "article:tag" {
                        self.tags.push(content.to_string());
                    } else {
                        self.meta.entry(k).or_insert(content);
                    }
                }
            }
        }
    }

    /// A `<time>`: its `datetime` (or `content`) is the publication time when
    /// its `itemprop`, `pubdate` or class says so, else a time of the page,
    /// unless it says it is a modification time. The first of each stays.
    fn read_time(&mut self, el: &'a Element) {
        let dt = attr(el, "datetime").or_else(|| attr(el, "content"));
        let class = attr(el, "class").unwrap_or("").to_ascii_lowercase();
        let prop = attr(el, "itemprop").unwrap_or("").to_ascii_lowercase();
        let published = prop == "datepublished"
            || attr(el, "pubdate").is_some()
            || class.contains("publish")
            || class.contains("entry-date")
            || class.contains("post-date");
        let modified =
            prop == "datemodified" || class.contains("updated") || class.contains("modified");
        if let Some(dt) = dt {
            if published && self.time_published.is_none() {
                self.time_published = Some(dt);
            } else if !modified && self.time_any.is_none() {
                self.time_any = Some(dt);
            }
        }
    }

    /// What an element says outside comment threads: a publication time in
    /// hAtom or microdata, an author in microdata or a `rel=author` link, a
    /// tag link, a byline or dateline element named by its class.
    fn read_body_element(&mut self, doc: &Doc<'a>, i: Ix, e: &ElemNode<'a>) {
        let el = e.el;
        let class = attr(el, "class").unwrap_or("");
        // hAtom microformat: `<abbr class="published" title="2019-03-04T10:00">`.
        // (A value shorter than "published" holds neither word.)
        if e.name != "time"
            && self.time_published.is_none()
            && class.len() >= "published".len()
            && class
                .split_whitespace()
                .any(|c| c == "published" || c == "dt-published")
        {
            self.time_published = attr(el, "title").or_else(|| attr(el, "datetime"));
        }
        if e.name != "meta" && e.name != "time" {
            self.read_itemprop(doc, i, el);
        }
        if e.name == "a" {
            self.read_rel_link(doc, i, el);
        }
        if !e.tag.contains(Tag::SKIP)
            && (self.byline.is_none() || self.datelines.len() < MAX_DATELINES)
        {
            self.read_classed_lines(doc, i, class);
        }
    }

    /// Microdata on an element other than `<meta>` and `<time>`:
    /// `itemprop=datePublished` (its `content` or `datetime`), and
    /// `itemprop=author` or `creator` (its text, when short).
    fn read_itemprop(&mut self, doc: &Doc<'a>, i: Ix, el: &'a Element) {
        let Some(prop) = attr(el, "itemprop") else {
            return;
        };
        let prop = prop.to_ascii_lowercase();
        if prop == "datepublished" && self.time_published.is_none() {
            self.time_published = attr(el, "content").or_else(|| attr(el, "datetime"));
            // Forum software marks the post's visible date: `<span
            // itemprop="datePublished">11-29-2024, 09:03 AM</span>`.
            if self.time_published.is_none() && switch::on(Rule::ItempropDateText) {
                let t = doc.text_of(i);
                if !t.is_empty() && t.len() < 100 {
                    self.itemprop_date_text = Some(t);
                }
            }
        } else if (prop == "author" || prop == "creator") && self.itemprop_author.is_none() {
            let t = doc.text_of(i);
            if !t.is_empty() && t.len() < 200 {
                self.itemprop_author = Some(t);
            }
        }
    }

    /// A link's `rel`: the text of the first short `rel=author` link is an
    /// author; that of every `rel=tag` link a tag.
    fn read_rel_link(&mut self, doc: &Doc<'a>, i: Ix, el: &'a Element) {
        let rel = attr(el, "rel").unwrap_or("");
        if rel
            .split_whitespace()
            .any(|r| r.eq_ignore_ascii_case("author"))
            && self.rel_author.is_none()
        {
            let t = doc.text_of(i);
            if !t.is_empty() && t.len() < 100 {
                self.rel_author = Some(t);
            }
        } else if rel
            .split_whitespace()
            .any(|r| r.eq_ignore_ascii_case("tag"))
        {
            let t = doc.text_of(i);
            if !t.is_empty() {
                self.tags.push(t);
            }
        }
    }

    /// An element whose class names a byline (its visible text, when short
    /// and it reads as names; the first stays) or a date line (its text,
    /// when short and it holds digits; see [`MAX_DATELINES`]).
    fn read_classed_lines(&mut self, doc: &Doc<'a>, i: Ix, class: &str) {
        if class.is_empty() {
            return;
        }
        let c = ClassParts::of(class);
        if self.byline.is_none() && (c.byline || c.author) && !c.bio {
            let t = doc.visible_text_of(i);
            if t.len() < 150 && clean_authors(&t).is_some_and(|n| author::looks_like_names(&n)) {
                self.byline = Some(t);
            }
        }
        // A date line is the first element so named; with the rule, the
        // first few, bylines among them (after the first, none in page
        // furniture), each holding a four-digit run.
        let several = switch::on(Rule::DatelineWithDate);
        let named = c.date || c.posted || c.published || c.meta || c.time;
        let wanted = if several {
            self.datelines.len() < MAX_DATELINES
                && (named || c.byline || c.author)
                && (self.datelines.is_empty() || !in_furniture(doc, i, false))
        } else {
            self.datelines.is_empty() && named
        };
        if wanted {
            let t = doc.text_of(i);
            let digits = if several {
                date::has_four_digits(&t)
            } else {
                t.bytes().any(|b| b.is_ascii_digit())
            };
            if !t.is_empty() && t.len() < 200 && digits {
                self.datelines.push(t);
            }
        }
    }
}

/// Which of the words that name a byline or a date line a class value holds,
/// in any case and anywhere (`PostDate` holds "date").
#[derive(Debug, Default, PartialEq)]
struct ClassParts {
    byline: bool,
    author: bool,
    bio: bool,
    date: bool,
    posted: bool,
    published: bool,
    meta: bool,
    time: bool,
}

impl ClassParts {
    /// One pass over the value, comparing only where a word's first letter
    /// stands.
    fn of(class: &str) -> Self {
        let mut c = ClassParts::default();
        let b = class.as_bytes();
        for at in 0..b.len() {
            let rest = &b[at..];
            let is = |word: &[u8]| {
                rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word)
            };
            match b[at].to_ascii_lowercase() {
                b'b' => {
                    c.byline |= is(b"byline");
                    c.bio |= is(b"bio");
                }
                b'a' => c.author |= is(b"author"),
                b'd' => c.date |= is(b"date"),
                b'p' => {
                    c.posted |= is(b"posted");
                    c.published |= is(b"published");
                }
                b'm' => c.meta |= is(b"meta"),
                b't' => c.time |= is(b"time"),
                _ => {}
            }
        }
        c
    }
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

    /// The date [`read`] gives `body`.
    fn date_of_body(body: &str) -> Option<String> {
        let h = scraper::Html::parse_document(&format!("<html><body>{body}</body></html>"));
        let doc = Doc::build(&h);
        let raw = crate::extract::stats::stats(&doc, None);
        let now = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        read(&doc, &raw, &[], None, now, false).meta.date
    }

    #[test]
    fn the_first_date_line_that_holds_a_date_is_read() {
        let story = "<p>Some text of the story, long enough to be one.</p>".repeat(3);
        for (body, want) in [
            // A meta line with a reading time but no date comes first.
            (
                format!(
                    "<h1>Title</h1><div class='post-meta'>5 min read · 2048 views</div>\
                     <div class='collection-dateline'>Published Feb 2, 2023</div>{story}"
                ),
                Some("2023-02-02"),
            ),
            // Forum software: the author line carries the post's date.
            (
                format!(
                    "<h1>Title</h1><p class='author'>by <a href='/u/1'>someone</a> \
                     » Sun Dec 17, 2023 11:23 am</p>{story}"
                ),
                Some("2023-12-17"),
            ),
            // A date line in a sidebar is no fallback for the story's.
            (
                format!(
                    "<h1>Title</h1><div class='meta'>1200 views</div>{story}\
                     <aside><div class='date'>Jan 3, 2023</div></aside>"
                ),
                None,
            ),
        ] {
            assert_eq!(date_of_body(&body).as_deref(), want, "{body}");
        }
    }

    #[test]
    fn the_visible_text_of_a_microdata_date_is_read() {
        let story = "<p>Some text of the story, long enough to be one.</p>".repeat(3);
        let body = format!(
            "<h1>Title</h1><span itemprop='datePublished'><span>11-29-2024,&nbsp;\
             <span>09:03 AM</span></span></span>{story}"
        );
        assert_eq!(date_of_body(&body).as_deref(), Some("2024-11-29"));
    }

    #[test]
    fn a_date_alone_on_a_line_by_the_headline_is_the_date() {
        let story = "<p>Some text of the story, long enough to be one.</p>".repeat(3);
        for (body, want) in [
            // Under the headline, with a label, or as a kicker above it.
            (
                format!("<h1>Title</h1><div>Dec 9, 2025</div>{story}"),
                Some("2025-12-09"),
            ),
            (
                format!("<h1>Title</h1><p>Last updated: 14.03.2024</p>{story}"),
                Some("2024-03-14"),
            ),
            (
                format!("<div>3 March 2025</div><h1>Title</h1>{story}"),
                Some("2025-03-03"),
            ),
            // The nearest of two.
            (
                format!("<div>1 March 2025</div><h1>Title</h1><div>Mar 2, 2025</div>{story}"),
                Some("2025-03-02"),
            ),
            // In a link, in page furniture, or far from the headline: no.
            (
                format!("<h1>Title</h1><a href='/a'>Dec 9, 2025</a>{story}"),
                None,
            ),
            (
                format!("<h1>Title</h1><aside><div>Dec 9, 2025</div></aside>{story}"),
                None,
            ),
            (
                format!("<h1>Title</h1>{}<div>Dec 9, 2025</div>", story.repeat(30)),
                None,
            ),
            // A page with no `<h1>` sets its headline in the first `<h2>`;
            // with an `<h1>` the `<h2>`s are its sections.
            (
                format!("<h2>Title</h2><div>Feb 16, 2025</div>{story}"),
                Some("2025-02-16"),
            ),
            (
                format!(
                    "<h2>Menu</h2><h1>Title</h1><div>Dec 9, 2025</div>{story}<h2>Part</h2><div>Jan 3, 2025</div>"
                ),
                Some("2025-12-09"),
            ),
            (
                format!(
                    "<h1>Title</h1>{}<h2>Part</h2><div>Dec 9, 2025</div>",
                    story.repeat(30)
                ),
                None,
            ),
            // No headline, or a line that says more than a date.
            (format!("<div>Dec 9, 2025</div>{story}"), None),
            (
                format!(
                    "<h1>Title</h1><p>The bridge opened on Dec 9, 2025 after years of delay.</p>{story}"
                ),
                None,
            ),
        ] {
            assert_eq!(date_of_body(&body).as_deref(), want, "{body}");
        }
    }

    #[test]
    fn class_parts_as_a_lower_case_copy_holds_them() {
        for class in [
            "",
            "byline",
            "post-BYLINE",
            "AuthorBio",
            "bi",
            "entry-date",
            "DATE",
            "dat",
            "posted-on",
            "PUBLISHED",
            "metadata",
            "timestamp",
            "Éauthor",
            "x-tIMe-É",
            "publishedposted",
            "by-line",
        ] {
            let l = class.to_ascii_lowercase();
            let want = ClassParts {
                byline: l.contains("byline"),
                author: l.contains("author"),
                bio: l.contains("bio"),
                date: l.contains("date"),
                posted: l.contains("posted"),
                published: l.contains("published"),
                meta: l.contains("meta"),
                time: l.contains("time"),
            };
            assert_eq!(ClassParts::of(class), want, "{class:?}");
        }
    }

    #[test]
    fn languages_are_primary_subtags() {
        assert_eq!(normalize_lang("en-US").as_deref(), Some("en"));
        assert_eq!(normalize_lang("de_DE").as_deref(), Some("de"));
        assert_eq!(normalize_lang("{{lang}}"), None);
    }
}
