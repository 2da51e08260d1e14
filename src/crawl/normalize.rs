//! URL normalization, for recognising the same page reached twice: scheme
//! and host lower-cased and default ports dropped (the `url` crate does
//! both), the fragment removed, and common tracking parameters (`utm_*`,
//! `fbclid`, `gclid`, …) taken out of the query, whose other parameters keep
//! their order.

use url::Url;

/// Query parameters that only track a visit.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_enc_id",
    "oly_anon_id",
    "vero_id",
];

/// Whether a query parameter only tracks a visit (case-insensitive).
fn is_tracking(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_") || TRACKING_PARAMS.contains(&n.as_str())
}

/// The normal form of `url`, or `None` when it is no URL.
pub fn normalize(url: &str) -> Option<String> {
    let mut u = Url::parse(url.trim()).ok()?;
    u.set_fragment(None);
    if u.query().is_some() {
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Some(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_one_url_meet() {
        let n = |s| normalize(s).unwrap();
        assert_eq!(
            n("HTTPS://Example.COM:443/a?utm_source=x&id=3&fbclid=y#top"),
            "https://example.com/a?id=3"
        );
        assert_eq!(
            n("http://example.com:80/a?utm_medium=z"),
            "http://example.com/a"
        );
        assert_ne!(
            n("https://example.com/a?id=3"),
            n("https://example.com/a?id=4")
        );
        assert_eq!(normalize("not a url"), None);
    }
}
