//! Per-site settings: the `[[site]]` tables of `config.toml` and the
//! extraction options they give the pages of a host. `pith run`, the fleet's
//! workers, `pith extract` and `pith serve` all ask [`options_for`] which
//! options a URL's page gets.

use serde::Deserialize;

/// CSS selectors that force parts of a page in or out of the article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectorsConfig {
    /// Elements kept whatever the cleaner thinks of them.
    pub keep: Vec<String>,
    /// Elements removed before scoring.
    pub drop: Vec<String>,
}

/// A `[[site]]` table: settings for the pages of one host (and its
/// subdomains), added to those of `[extract]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// The host, such as `example.com` (also matches `www.example.com`).
    pub host: String,
    /// Selectors for this host's pages.
    pub selectors: SelectorsConfig,
    /// Return this host's reader comments (unset: as `[extract]` says).
    pub comments: Option<bool>,
    /// Keep links in this host's Markdown (unset: as `[extract]` says).
    pub links: Option<bool>,
    /// Keep images in this host's Markdown (unset: as `[extract]` says).
    pub images: Option<bool>,
}

impl SiteConfig {
    /// Whether this table applies to `host`: the same host or a subdomain.
    pub fn matches(&self, host: &str) -> bool {
        let want = self
            .host
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        !want.is_empty()
            && (host == want
                || host
                    .strip_suffix(want.as_str())
                    .is_some_and(|p| p.ends_with('.')))
    }
}

/// The extraction options for the page at `url`: `base` with the matching
/// `[[site]]` tables applied (their selectors added, their `comments`,
/// `links` and `images` in force).
pub fn options_for(
    base: &crate::ExtractOptions,
    sites: &[SiteConfig],
    url: Option<&str>,
) -> crate::ExtractOptions {
    let host = url
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string));
    let Some(host) = host else {
        return base.clone();
    };
    let mut o = base.clone();
    for s in sites.iter().filter(|s| s.matches(&host)) {
        o.selectors.keep.extend(s.selectors.keep.iter().cloned());
        o.selectors.drop.extend(s.selectors.drop.iter().cloned());
        o.comments = s.comments.unwrap_or(o.comments);
        o.links = s.links.unwrap_or(o.links);
        o.images = s.images.unwrap_or(o.images);
    }
    o
}

impl SelectorsConfig {
    /// As the library's options.
    pub fn to_selectors(&self) -> crate::Selectors {
        crate::Selectors {
            keep: self.keep.clone(),
            drop: self.drop.clone(),
        }
    }
}
