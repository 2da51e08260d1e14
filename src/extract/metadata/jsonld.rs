//! JSON-LD: the most trusted source of metadata on pages that have it.
//!
//! Blocks are parsed with serde_json (with a second try after removing the
//! usual damage: HTML comments, CDATA wrappers, trailing semicolons). Objects
//! are found at the top level, in arrays, in `@graph` and in `mainEntity`.
//! The first object of an article type gives headline, authors, dates,
//! description, image, keywords, publisher and language; with no article, a
//! `WebPage` gives dates and a description. A `WebSite` or `Organization`
//! gives a site name when there is no publisher.

use serde_json::Value;

/// `@type` values that describe an article.
const ARTICLE_TYPES: &[&str] = &[
    "Article",
    "NewsArticle",
    "BlogPosting",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "ScholarlyArticle",
    "TechArticle",
    "Report",
    "LiveBlogPosting",
    "SocialMediaPosting",
    "DiscussionForumPosting",
    "Review",
    "Recipe",
    "HowTo",
    "Blog",
    "CreativeWork",
    "MedicalWebPage",
    "AdvertiserContentArticle",
    "SatiricalArticle",
];

/// What JSON-LD says about the page.
#[derive(Debug, Default, Clone)]
pub struct JsonLd {
    /// `headline` of the article.
    pub headline: Option<String>,
    /// `name` of the article (some sites put the title here and a summary
    /// in `headline`).
    pub name: Option<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// `datePublished`.
    pub date_published: Option<String>,
    /// `dateCreated`: weaker than a published date in meta tags (it may be
    /// when the draft was made, or written in UTC where the meta tag keeps
    /// the publisher's own day).
    pub date_created: Option<String>,
    /// `dateModified`.
    pub date_modified: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `image` URL.
    pub image: Option<String>,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `publisher.name`, or the name of a `WebSite`/`Organization`.
    pub publisher: Option<String>,
    /// `inLanguage`.
    pub lang: Option<String>,
    /// An article type was found.
    pub is_article: bool,
    /// The `description` of the first `Product` (or `ProductGroup`): a
    /// shop's own text about the item, which its markup may only show once
    /// a script has run.
    pub product_description: Option<String>,
    /// The `articleBody` of the article: its whole text, which a page built
    /// by scripts may show nowhere in its markup.
    pub article_body: Option<String>,
}

/// `@type` values that describe an item for sale.
const PRODUCT_TYPES: &[&str] = &[
    "Product",
    "ProductGroup",
    "IndividualProduct",
    "ProductModel",
];

/// Read every JSON-LD block of a page.
pub fn read(blocks: &[&str]) -> JsonLd {
    let mut out = JsonLd::default();
    let values: Vec<Value> = blocks.iter().filter_map(|raw| parse(raw)).collect();
    let mut objects = Vec::new();
    for v in &values {
        collect(v, &mut objects, 0);
    }
    let article = objects.iter().find(|o| has_type(o, ARTICLE_TYPES));
    if let Some(a) = article {
        out.is_article = true;
        out.headline = string(a.get("headline"));
        out.name = string(a.get("name"));
        out.authors = names(a.get("author"));
        if out.authors.is_empty() {
            out.authors = names(a.get("creator"));
        }
        out.date_published = string(a.get("datePublished"));
        out.date_created = string(a.get("dateCreated"));
        out.date_modified = string(a.get("dateModified"));
        out.description = string(a.get("description"));
        out.image = image(a.get("image")).or_else(|| image(a.get("thumbnailUrl")));
        out.keywords = keywords(a.get("keywords"));
        out.publisher = a
            .get("publisher")
            .and_then(|p| names(Some(p)).into_iter().next());
        out.lang = string(a.get("inLanguage"));
        out.article_body = string(a.get("articleBody"));
    } else if let Some(w) = objects.iter().find(|o| has_type(o, &["WebPage"])) {
        out.date_published = string(w.get("datePublished"));
        out.date_modified = string(w.get("dateModified"));
        out.description = string(w.get("description"));
    }
    out.product_description = objects
        .iter()
        .filter(|o| has_type(o, PRODUCT_TYPES))
        .find_map(|o| string(o.get("description")));
    if out.publisher.is_none() {
        out.publisher = objects
            .iter()
            .find(|o| has_type(o, &["WebSite", "NewsMediaOrganization", "Organization"]))
            .and_then(|o| string(o.get("name")));
    }
    out
}

fn parse(raw: &str) -> Option<Value> {
    let t = raw.trim();
    if let Ok(v) = serde_json::from_str(t) {
        return Some(v);
    }
    let cleaned = t
        .trim_start_matches("<!--")
        .trim_start_matches("//<![CDATA[")
        .trim_start_matches("<![CDATA[")
        .trim_end_matches("-->")
        .trim_end_matches("//]]>")
        .trim_end_matches("]]>")
        .trim()
        .trim_end_matches(';');
    // Raw control characters inside strings are a common fault.
    let cleaned: String = cleaned
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    serde_json::from_str(&cleaned).ok()
}

fn collect<'v>(v: &'v Value, out: &mut Vec<&'v serde_json::Map<String, Value>>, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| collect(x, out, depth + 1)),
        Value::Object(o) => {
            if o.contains_key("@type") {
                out.push(o);
            }
            if let Some(g) = o.get("@graph") {
                collect(g, out, depth + 1);
            }
            if let Some(m) = o.get("mainEntity") {
                collect(m, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn has_type(o: &serde_json::Map<String, Value>, types: &[&str]) -> bool {
    let matches = |s: &str| {
        let s = s.rsplit('/').next().unwrap_or(s);
        types.contains(&s)
    };
    match o.get("@type") {
        Some(Value::String(s)) => matches(s),
        Some(Value::Array(a)) => a.iter().any(|t| t.as_str().is_some_and(matches)),
        _ => false,
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| super::unescape(s).into_owned())
        }
        Value::Array(a) => a.iter().find_map(|x| string(Some(x))),
        Value::Object(o) => string(o.get("@value")).or_else(|| string(o.get("name"))),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() || s.starts_with("http") {
                vec![]
            } else {
                vec![super::unescape(s).into_owned()]
            }
        }
        Some(Value::Array(a)) => a.iter().flat_map(|x| names(Some(x))).collect(),
        Some(Value::Object(o)) => string(o.get("name"))
            .or_else(|| {
                let given = string(o.get("givenName"))?;
                Some(match string(o.get("familyName")) {
                    Some(f) => format!("{given} {f}"),
                    None => given,
                })
            })
            .into_iter()
            .collect(),
        _ => vec![],
    }
}

fn image(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Array(a) => a.iter().find_map(|x| image(Some(x))),
        Value::Object(o) => string(o.get("url")).or_else(|| string(o.get("contentUrl"))),
        _ => None,
    }
}

fn keywords(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        Some(Value::Array(a)) => a.iter().flat_map(|x| keywords(Some(x))).collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_article_with_authors() {
        let j = r#"{"@context":"https://schema.org","@graph":[
            {"@type":"WebSite","name":"The Site"},
            {"@type":["NewsArticle"],"headline":"Big News","datePublished":"2021-05-04T10:00:00Z",
             "author":[{"@type":"Person","name":"A One"},{"@type":"Person","name":"B Two"}],
             "publisher":{"@type":"Organization","name":"Pub"},"keywords":"x, y"}]}"#;
        let r = read(&[j]);
        assert!(r.is_article);
        assert_eq!(r.headline.as_deref(), Some("Big News"));
        assert_eq!(r.authors, vec!["A One", "B Two"]);
        assert_eq!(r.publisher.as_deref(), Some("Pub"));
        assert_eq!(r.keywords, vec!["x", "y"]);
    }

    #[test]
    fn damaged_json_is_repaired() {
        let j = "<!--\n{\"@type\":\"BlogPosting\",\"headline\":\"H\\u00e9\"};\n-->";
        assert_eq!(read(&[j]).headline.as_deref(), Some("Hé"));
        assert!(!read(&["{not json"]).is_article);
    }
}
