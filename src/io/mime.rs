//! Media types and charsets named by `Content-Type` values: which bodies are
//! pages, which are feeds or sitemaps, and which charset a server declared.
//! Shared by the live fetcher, discovery and the offline WARC reader, so all
//! three decide alike.

/// The media type of a `Content-Type` value, lower-cased, without parameters.
pub fn mime_of(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `text/html` or `application/xhtml+xml`.
pub fn is_html_type(content_type: &str) -> bool {
    matches!(
        mime_of(content_type).as_str(),
        "text/html" | "application/xhtml+xml"
    )
}

/// The `charset` parameter of a `Content-Type` value.
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Whether a `Content-Type` may be a feed or a sitemap.
#[cfg(feature = "crawl")]
pub fn is_listing_type(content_type: &str) -> bool {
    matches!(
        mime_of(content_type).as_str(),
        "application/rss+xml"
            | "application/atom+xml"
            | "application/xml"
            | "text/xml"
            | "application/feed+json"
            | "application/json"
            | "application/x-gzip"
            | "application/gzip"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_charsets() {
        assert!(is_html_type("text/html; charset=utf-8") && is_html_type("application/xhtml+xml"));
        assert!(!is_html_type("application/pdf"));
        assert!(
            is_listing_type("application/rss+xml; charset=utf-8") && !is_listing_type("text/html")
        );
        assert_eq!(
            charset_of("text/html; Charset=\"ISO-8859-1\"").as_deref(),
            Some("ISO-8859-1")
        );
    }
}
