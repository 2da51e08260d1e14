//! robots.txt rules per origin, as RFC 9309 asks: fetched once per origin and
//! cached for at most [`ROBOTS_TTL`], matched with the `texting_robots` crate
//! (product token case-insensitive, most specific rule wins).
//!
//! A 4xx answer allows everything; a 5xx answer or an unreachable server
//! disallows everything (a 5xx for [`ROBOTS_TTL`], an unreachable one for
//! [`UNREACHABLE_TTL`], and its pages carry the network error); the first
//! [`ROBOTS_MAX_BYTES`] bytes are parsed.
//!
//! Memory is bounded: of a file, only the groups that may apply to our
//! token (its own and `*`) are kept, with at most [`ROBOTS_MAX_RULES`]
//! `Allow`/`Disallow` rules, of which at most [`ROBOTS_MAX_PATTERNS`] with
//! a wildcard (`*` or `$`, each compiled to a regex of some 17 KB); later
//! ones are ignored. The cache holds
//! verdicts up to an estimated [`ROBOTS_CACHE_BYTES`] and
//! [`ROBOTS_CACHE_ORIGINS`] origins, forgetting the least recently used.

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
/// `Allow` and `Disallow` rules kept of one robots.txt, in file order.
pub const ROBOTS_MAX_RULES: usize = 10_000;
/// Of those, rules with a wildcard (`*` or `$`) kept.
pub const ROBOTS_MAX_PATTERNS: usize = 500;
/// Estimated memory of the cached verdicts, beyond which the least
/// recently used are forgotten.
pub const ROBOTS_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// Origins whose verdicts are cached at most.
pub const ROBOTS_CACHE_ORIGINS: usize = 10_000;
/// Estimated memory of one compiled rule without a wildcard (measured: some
/// 170 bytes).
const RULE_COST: usize = 256;
/// Estimated memory of one compiled wildcard rule, a regex (measured: some
/// 17 KB once matched against).
const PATTERN_COST: usize = 24 * 1024;
/// Estimated memory of any verdict and its cache entry.
const ENTRY_COST: usize = 512;

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
    /// Parsed rules for our product token, and their estimated memory.
    Parsed(texting_robots::Robot, usize),
    /// robots.txt could not be fetched (refused address, DNS, connection,
    /// TLS, timeout): nothing is fetched from the origin, and its pages fail
    /// with the same error, which says more than "disallowed".
    Unreachable(crate::crawl::fetch::FetchError),
}

impl Rules {
    /// Parse a robots.txt body for `agent` (our product token).
    /// Only the groups that may apply to `agent` are kept, with at most
    /// [`ROBOTS_MAX_RULES`] rules ([`ROBOTS_MAX_PATTERNS`] with wildcards).
    pub fn parse(agent: &str, body: &[u8]) -> Rules {
        let body = &body[..body.len().min(ROBOTS_MAX_BYTES)];
        let (kept, rules, patterns) = relevant_lines(agent, body);
        let cost = ENTRY_COST + kept.len() + rules * RULE_COST + patterns * PATTERN_COST;
        match texting_robots::Robot::new(agent, &kept) {
            Ok(r) => Rules::Parsed(r, cost),
            Err(_) => Rules::AllowAll,
        }
    }

    /// Estimated memory of the verdict, in bytes.
    pub fn cost(&self) -> usize {
        match self {
            Rules::Parsed(_, cost) => *cost,
            Rules::Unreachable(e) => ENTRY_COST + e.to_string().len(),
            _ => ENTRY_COST,
        }
    }

    /// Whether `url` may be fetched.
    pub fn allowed(&self, url: &str) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::DisallowAll | Rules::Unreachable(_) => false,
            Rules::Parsed(r, _) => r.allowed(url),
        }
    }

    /// The `Crawl-delay` for our token, in seconds: a negative, zero or
    /// not-a-number value is ignored, and a larger one than
    /// [`MAX_CRAWL_DELAY`](super::politeness::MAX_CRAWL_DELAY) is cut to it.
    pub fn crawl_delay(&self) -> Option<f32> {
        let max = super::politeness::MAX_CRAWL_DELAY.as_secs_f32();
        match self {
            Rules::Parsed(r, _) => r.delay.filter(|d| *d > 0.0).map(|d| d.min(max)),
            _ => None,
        }
    }
}

/// The lines of `body` that may matter to `agent`: every line outside the
/// groups, and the groups naming `*` or a user agent that contains our
/// token, with their first [`ROBOTS_MAX_RULES`] `Allow`/`Disallow` rules
/// (and first [`ROBOTS_MAX_PATTERNS`] of those with a wildcard). Returns
/// the lines, and how many plain and wildcard rules they hold.
fn relevant_lines(agent: &str, body: &[u8]) -> (Vec<u8>, usize, usize) {
    let agent = agent.to_ascii_lowercase();
    let mut kept = Vec::with_capacity(body.len().min(64 * 1024));
    let mut rules = 0usize;
    let mut patterns = 0usize;
    // Whether the group being read applies, and whether its user-agent
    // lines are over (a rule was met): the next user-agent opens a group.
    let mut applies = true;
    let mut in_rules = true;
    for line in body.split(|&b| b == b'\n') {
        let text = String::from_utf8_lossy(line);
        let content = text.split('#').next().unwrap_or("").trim();
        let (key, value) = match content.split_once(':') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase()),
            None => (String::new(), String::new()),
        };
        match key.as_str() {
            "user-agent" => {
                if in_rules {
                    applies = false;
                    in_rules = false;
                }
                applies |= value == "*" || value.contains(&agent) || agent.contains(&value);
            }
            "allow" | "disallow" => {
                in_rules = true;
                let wild = value.contains(['*', '$']);
                if !applies
                    || rules + patterns >= ROBOTS_MAX_RULES
                    || wild && patterns >= ROBOTS_MAX_PATTERNS
                {
                    continue;
                }
                if wild {
                    patterns += 1;
                } else {
                    rules += 1;
                }
            }
            "crawl-delay" => {
                in_rules = true;
                if !applies {
                    continue;
                }
            }
            // Sitemaps and other lines are of no use to the matcher.
            _ => continue,
        }
        kept.extend_from_slice(line);
        kept.push(b'\n');
    }
    (kept, rules, patterns)
}

/// A verdict (or the fetch that will give it), when it was asked for, and
/// when it was last used (a count of the cache's uses).
struct Entry {
    cell: Arc<OnceCell<Arc<Rules>>>,
    created: Instant,
    used: u64,
}

/// Verdicts per origin (`scheme://host:port`), each fetched once, bounded
/// in estimated bytes and in origins (least recently used forgotten first).
pub struct RobotsCache {
    entries: Mutex<Entries>,
    max_bytes: usize,
    max_origins: usize,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    uses: u64,
}

impl Default for RobotsCache {
    fn default() -> Self {
        RobotsCache::with_bounds(ROBOTS_CACHE_BYTES, ROBOTS_CACHE_ORIGINS)
    }
}

impl Entries {
    /// Estimated memory of the verdicts known (a pending fetch counts as
    /// an empty verdict).
    fn cost(&self) -> usize {
        self.map
            .values()
            .map(|e| e.cell.get().map_or(ENTRY_COST, |r| r.cost()))
            .sum()
    }

    /// Forget the least recently used verdicts until the bounds hold,
    /// never `keep`.
    fn evict(&mut self, keep: &str, max_bytes: usize, max_origins: usize) {
        let mut cost = self.cost();
        while cost > max_bytes || self.map.len() > max_origins {
            let Some(oldest) = self
                .map
                .iter()
                .filter(|(k, _)| k.as_str() != keep)
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                return;
            };
            if let Some(e) = self.map.remove(&oldest) {
                cost -= e.cell.get().map_or(ENTRY_COST, |r| r.cost());
            }
        }
    }
}

impl RobotsCache {
    /// A cache of at most `max_bytes` (estimated) and `max_origins` verdicts.
    pub fn with_bounds(max_bytes: usize, max_origins: usize) -> RobotsCache {
        RobotsCache {
            entries: Mutex::new(Entries::default()),
            max_bytes,
            max_origins,
        }
    }

    /// How many origins have a verdict (or a fetch under way), and their
    /// estimated memory.
    #[cfg(test)]
    fn usage(&self) -> (usize, usize) {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        (entries.map.len(), entries.cost())
    }

    /// The rules of `origin`, fetching them with `fetch` when missing or stale.
    /// Concurrent callers for one origin share one fetch.
    pub async fn get<F, Fut>(&self, origin: &str, fetch: F) -> Arc<Rules>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Rules>,
    {
        let cell = {
            let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            let entries = &mut *guard;
            entries.uses += 1;
            let used = entries.uses;
            let fresh = entries.map.get(origin).is_some_and(|e| {
                // An unreachable server is asked again soon; rules, next day.
                let ttl = match e.cell.get().map(|r| &**r) {
                    Some(Rules::Unreachable(_)) => UNREACHABLE_TTL,
                    _ => ROBOTS_TTL,
                };
                e.created.elapsed() < ttl
            });

            if !fresh {
                entries.map.insert(
                    origin.to_string(),
                    Entry {
                        cell: Arc::new(OnceCell::new()),
                        created: Instant::now(),
                        used,
                    },
                );
                entries.evict(origin, self.max_bytes, self.max_origins);
            }
            let entry = entries.map.get_mut(origin).expect("just inserted");
            entry.used = used;
            entry.cell.clone()
        };
        let fetched = !cell.initialized();
        let rules = cell
            .get_or_init(|| async { Arc::new(fetch().await) })
            .await
            .clone();
        if fetched {
            // Its size is known now: the bound may need others forgotten.
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.evict(origin, self.max_bytes, self.max_origins);
        }
        rules
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

    #[test]
    fn absurd_crawl_delays_are_cut_or_ignored() {
        let delay = |d: &str| {
            Rules::parse(
                "pith",
                format!("User-agent: *\nCrawl-delay: {d}\n").as_bytes(),
            )
            .crawl_delay()
        };
        assert_eq!(delay("1e20"), Some(30.0));
        assert_eq!(delay("inf"), Some(30.0));
        assert_eq!(delay("5"), Some(5.0));
        assert_eq!(delay("NaN"), None);
        assert_eq!(delay("-3"), None);
        assert_eq!(delay("0"), None);
        // The politeness table takes any value without a panic.
        let p = crate::crawl::fetch::politeness::Politeness::new(Duration::ZERO, 1);
        for d in [1e20, f32::INFINITY, f32::NAN, -1.0, f32::MAX] {
            p.set_crawl_delay("h:80", d);
        }
    }

    /// A 512 KiB file of wildcard rules keeps its first rules only, and
    /// only the groups that may apply to us.
    #[test]
    fn one_origin_keeps_a_bounded_number_of_rules() {
        let mut txt = String::from("User-agent: otherbot\nDisallow: /other/\n\nUser-agent: *\n");
        let mut n = 0;
        while txt.len() < ROBOTS_MAX_BYTES {
            txt.push_str(&format!("Disallow: /x/{n:06}/*.php$\n"));
            n += 1;
        }
        let r = Rules::parse("pith", txt.as_bytes());
        assert!(!r.allowed("http://x.org/x/000000/a.php"));
        assert!(r.allowed("http://x.org/other/a"), "another bot's group");
        let kept_last = format!("http://x.org/x/{:06}/a.php", ROBOTS_MAX_PATTERNS - 1);
        assert!(!r.allowed(&kept_last));
        let dropped = format!("http://x.org/x/{:06}/a.php", ROBOTS_MAX_PATTERNS);
        assert!(r.allowed(&dropped));
        assert!(r.allowed(&format!("http://x.org/x/{:06}/a.php", n - 1)));
        assert!(r.cost() <= ENTRY_COST + ROBOTS_MAX_BYTES + ROBOTS_MAX_PATTERNS * PATTERN_COST);
        // Plain rules are cheap: more of them are kept, up to their own cap.
        let mut plain = String::from("User-agent: *\n");
        for n in 0..ROBOTS_MAX_RULES + 10 {
            plain.push_str(&format!("Disallow: /p/{n}/\n"));
        }
        let r = Rules::parse("pith", plain.as_bytes());
        assert!(!r.allowed(&format!("http://x.org/p/{}/", ROBOTS_MAX_RULES - 1)));
        assert!(r.allowed(&format!("http://x.org/p/{}/", ROBOTS_MAX_RULES)));
        let own = Rules::parse(
            "pith",
            b"User-agent: otherbot\nUser-agent: PiTh\nDisallow: /p\n",
        );
        assert!(!own.allowed("http://x.org/p"));
    }

    #[tokio::test]
    async fn the_cache_is_bounded_and_forgets_the_least_recently_used() {
        let big = || {
            let mut txt = String::from("User-agent: *\n");
            for n in 0..ROBOTS_MAX_PATTERNS {
                txt.push_str(&format!("Disallow: /x/{n}/*.php$\n"));
            }
            Rules::parse("pith", txt.as_bytes())
        };
        let one = big().cost();
        let cache = RobotsCache::with_bounds(3 * one + one / 2, 100);
        for i in 0..3 {
            cache.get(&format!("http://h{i}"), || async { big() }).await;
        }
        // h0 is used again: h1 is the least recently used.
        cache.get("http://h0", || async { unreachable!() }).await;
        cache.get("http://h3", || async { big() }).await;
        let (origins, bytes) = cache.usage();
        assert_eq!(origins, 3);
        assert!(bytes <= 3 * one + one / 2, "{bytes}");
        let mut refetched = false;
        cache
            .get("http://h1", || async {
                refetched = true;
                Rules::AllowAll
            })
            .await;
        assert!(refetched, "h1 was forgotten");
        let small = RobotsCache::with_bounds(usize::MAX, 2);
        for i in 0..5 {
            small
                .get(&format!("http://s{i}"), || async { Rules::AllowAll })
                .await;
        }
        assert_eq!(small.usage().0, 2);
    }
}
