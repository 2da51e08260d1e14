//! robots.txt rules per origin, as RFC 9309 asks: fetched once per origin and
//! cached for at most [`ROBOTS_TTL`], matched with the `texting_robots` crate
//! (product token case-insensitive, most specific rule wins).
//!
//! A 4xx answer allows everything; a 5xx answer or an unreachable server
//! disallows everything (a 5xx for [`ROBOTS_TTL`], an unreachable one for
//! [`UNREACHABLE_TTL`], and its pages carry the network error); the first
//! [`ROBOTS_MAX_BYTES`] bytes are parsed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio::time::Instant;

/// How long a robots.txt verdict is kept.
pub const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long an unreachable robots.txt keeps its origin closed.
pub const UNREACHABLE_TTL: Duration = Duration::from_secs(60);
/// How much of a robots.txt is read.
pub const ROBOTS_MAX_BYTES: usize = 512 * 1024;
/// Redirects followed when fetching robots.txt.
pub const ROBOTS_MAX_REDIRECTS: usize = 5;

/// What a site's robots.txt says.
pub enum Rules {
    /// No usable file: a 4xx answer, a body that does not parse, a redirect
    /// to no http(s) URL, or more than [`ROBOTS_MAX_REDIRECTS`] redirects.
    /// Everything is allowed.
    AllowAll,
    /// Any other answer that is not a 2xx (a 5xx, or a 3xx without a
    /// `Location`), after one try: everything is disallowed and the
    /// origin's pages fail with `robots_disallowed`, for the full
    /// [`ROBOTS_TTL`] like any verdict. (An origin that does not answer at
    /// all is [`Rules::Unreachable`].)
    DisallowAll,
    /// Parsed rules for our product token.
    Parsed(texting_robots::Robot),
    /// robots.txt could not be fetched (refused address, DNS, connection,
    /// TLS, timeout): nothing is fetched from the origin, and its pages fail
    /// with the same error, which says more than "disallowed".
    Unreachable(crate::crawl::fetch::FetchError),
}

impl Rules {
    /// Parse a robots.txt body for `agent` (our product token).
    pub fn parse(agent: &str, body: &[u8]) -> Rules {
        let body = &body[..body.len().min(ROBOTS_MAX_BYTES)];
        match texting_robots::Robot::new(agent, body) {
            Ok(r) => Rules::Parsed(r),
            Err(_) => Rules::AllowAll,
        }
    }

    /// Whether `url` may be fetched.
    pub fn allowed(&self, url: &str) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::DisallowAll | Rules::Unreachable(_) => false,
            Rules::Parsed(r) => r.allowed(url),
        }
    }

    /// The `Crawl-delay` for our token, in seconds.
    pub fn crawl_delay(&self) -> Option<f32> {
        match self {
            Rules::Parsed(r) => r.delay,
            _ => None,
        }
    }
}

/// A verdict (or the fetch that will give it) and when it was asked for.
struct Entry {
    cell: Arc<OnceCell<Arc<Rules>>>,
    created: Instant,
}

/// Verdicts per origin (`scheme://host:port`), each fetched once.
#[derive(Default)]
pub struct RobotsCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl RobotsCache {
    /// The rules of `origin`, fetching them with `fetch` when missing or stale.
    /// Concurrent callers for one origin share one fetch.
    pub async fn get<F, Fut>(&self, origin: &str, fetch: F) -> Arc<Rules>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Rules>,
    {
        let cell = {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            let fresh = entries.get(origin).is_some_and(|e| {
                // An unreachable server is asked again soon; rules, next day.
                let ttl = match e.cell.get().map(|r| &**r) {
                    Some(Rules::Unreachable(_)) => UNREACHABLE_TTL,
                    _ => ROBOTS_TTL,
                };
                e.created.elapsed() < ttl
            });

            if !fresh {
                entries.insert(
                    origin.to_string(),
                    Entry {
                        cell: Arc::new(OnceCell::new()),
                        created: Instant::now(),
                    },
                );
            }
            entries[origin].cell.clone()
        };
        cell.get_or_init(|| async { Arc::new(fetch().await) })
            .await
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_specific_rule_and_case_insensitive_token() {
        let txt = b"User-agent: *\nDisallow: /\n\nUser-agent: PITH\nDisallow: /private/\nAllow: /private/open\nCrawl-delay: 2\n";
        let r = Rules::parse("pith", txt);
        assert!(r.allowed("http://x.org/a"));
        assert!(!r.allowed("http://x.org/private/a"));
        assert!(r.allowed("http://x.org/private/open"));
        assert_eq!(r.crawl_delay(), Some(2.0));
        let other = Rules::parse("otherbot", txt);
        assert!(!other.allowed("http://x.org/a"));
    }
}
