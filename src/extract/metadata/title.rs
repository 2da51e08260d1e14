//! Titles: choosing the headline among the page's candidates and cutting the
//! site name off it.
//!
//! Order of trust: the JSON-LD `headline` (or its `name`, when only that one
//! is in `<title>`), then declared meta titles (`og:title`, `twitter:title`,
//! `dc.title`...), then `<title>`, then the first `<h1>`. A declared title is
//! the publisher's own words and is kept as written, site name included when
//! the publisher put it there ("Story | Site"), unless the caller asks for
//! the site name to go as well. `<title>` is a template's output: the site
//! name around the headline is cut off it by separator, by the known site
//! name and host, and by shape (a short last part after a long first one).

use super::{Gathered, Source, TITLE_KEYS, jsonld};
use crate::extract::text::{collapse_whitespace, identity_key, is_cjk};

/// Most words of a site name taken from a title.
pub(super) const SITENAME_MAX_WORDS: usize = 6;
/// Separators between a page title and the site name.
const TITLE_SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " « ", " › ", " ‹ ", " / ", " ~ ",
    " |", "｜",
];

pub(super) fn looks_like_site(part: &str, host: &str) -> bool {
    let f = identity_key(part);
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

/// Choose the title, with where it was found; also returns the site-name
/// part cut off it, if any.
pub(super) fn pick_title(
    ld: &jsonld::JsonLd,
    g: &Gathered<'_>,
    sitename: Option<&str>,
    host: &str,
    strip_declared: bool,
) -> (Option<(String, Source)>, Option<String>) {
    // JSON-LD `headline` and `name` can disagree (one may be a summary):
    // the one the page's <title> contains is the title.
    let in_doc_title = |t: &String| {
        g.doc_title
            .as_deref()
            .is_some_and(|d| identity_key(d).contains(&identity_key(t)))
    };
    let long_enough = |n: &String| {
        let doc_len = g.doc_title.as_deref().map_or(0, |d| identity_key(d).len());
        identity_key(n).len() * 2 >= doc_len
    };
    let ld_title = match (
        ld.headline.as_ref().map(|t| collapse_whitespace(t)),
        ld.name.as_ref().map(|t| collapse_whitespace(t)),
    ) {
        (Some(h), Some(n))
            if h != n && !in_doc_title(&h) && in_doc_title(&n) && long_enough(&n) =>
        {
            Some((n, Source::JsonLd("name")))
        }
        (Some(h), _) => Some((h, Source::JsonLd("headline"))),
        (None, n) => n.map(|n| (n, Source::JsonLd("name"))),
    };
    let structured = ld_title
        .filter(|t| !t.0.is_empty())
        .or_else(|| g.meta_entry(TITLE_KEYS));
    if let Some((t, source)) = structured {
        let (stripped, cut) = strip_site(&t, sitename, host, false);
        let t = if strip_declared {
            stripped
        } else {
            collapse_whitespace(&t)
        };
        // "<headline> | <site>" in <title> around the structured headline:
        // what follows the headline there is the site's name.
        let beside = g.doc_title.as_deref().and_then(|d| {
            let rest = collapse_whitespace(d)
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
            return (Some((t, source)), beside);
        }
        let cut = cut.or_else(|| {
            g.doc_title
                .as_deref()
                .and_then(|d| strip_site(d, sitename, host, true).1)
        });
        return (Some((t, source)), cut);
    }
    if let Some(d) = &g.doc_title {
        let (t, cut) = strip_site(d, sitename, host, true);
        // A heading that the page title starts with is the cleaner headline.
        if let Some(h1) = &g.h1 {
            if identity_key(d).starts_with(&identity_key(h1))
                && identity_key(h1).len() * 2 >= identity_key(&t).len()
                && !h1.is_empty()
            {
                return (Some((h1.clone(), Source::Markup("<h1>"))), cut);
            }
        }
        return (Some((t, Source::Markup("<title>"))), cut);
    }
    (g.h1.clone().map(|h| (h, Source::Markup("<h1>"))), None)
}

/// Cut a site name off a title. With `heuristic`, a short last (or first)
/// part is taken for the site name even when it matches nothing known.
pub fn strip_site(
    title: &str,
    sitename: Option<&str>,
    host: &str,
    heuristic: bool,
) -> (String, Option<String>) {
    let title = collapse_whitespace(title);
    let site_f = sitename.map(identity_key).unwrap_or_default();
    let host_f: String = host
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let is_site = |part: &str| {
        let f = identity_key(part);
        !f.is_empty()
            && (f == site_f
                || (!host_f.is_empty() && host_f.contains(&f) && f.len() >= 3)
                || !site_f.is_empty()
                    && (site_f.contains(&f) && f.len() >= 4
                        || f.contains(&site_f) && site_f.len() >= 4))
    };
    let words =
        |s: &str| s.split_whitespace().count() + s.chars().filter(|c| is_cjk(*c)).count() / 3;
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
                let f = identity_key(left);
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
