//! Politeness: per-host concurrency and spacing of requests.
//!
//! Every request to a host (pages, retries and robots.txt alike) first takes
//! one of the host's `per_host_concurrency` permits, then waits until its
//! start slot: at least `per_host_delay_ms` after the previous request to
//! that host started, and at least the host's `Crawl-delay` (capped at
//! [`MAX_CRAWL_DELAY`]). Different hosts never wait for each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Longest `Crawl-delay` honoured.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);

/// From this many hosts on, idle ones are dropped whenever the map
/// reaches a power of two (so sweeps stay rare as it grows).
const EVICT_AT: usize = 1024;

struct Host {
    permits: Arc<Semaphore>,
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    /// Start of the latest request given a slot.
    last_start: Option<Instant>,
    /// The host's `Crawl-delay`, capped.
    crawl_delay: Duration,
}

/// Per-host permits and start slots.
pub struct Politeness {
    delay: Duration,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

/// Held while a request to a host is in flight.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Politeness {
    /// Spacing `delay` between request starts, `per_host` requests in flight per host.
    pub fn new(delay: Duration, per_host: usize) -> Politeness {
        Politeness {
            delay,
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// The permits and slots of host `key`, made on first use.
    fn host(&self, key: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        if hosts.len() >= EVICT_AT && !hosts.contains_key(key) && hosts.len().is_power_of_two() {
            self.evict_locked(&mut hosts);
        }
        hosts
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: Arc::new(Semaphore::new(self.per_host)),
                    slots: Mutex::new(Slots::default()),
                })
            })
            .clone()
    }

    /// Drop the hosts that nothing holds or waits for and whose next start
    /// slot has passed: they would be made afresh, alike, on their next
    /// request (robots.txt sets a `Crawl-delay` again). Returns how many
    /// were dropped. Also done as the map grows, so a run over many hosts,
    /// or many rounds of `--every`, keeps only the hosts in use.
    pub fn evict_idle(&self) -> usize {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        self.evict_locked(&mut hosts)
    }

    fn evict_locked(&self, hosts: &mut HashMap<String, Arc<Host>>) -> usize {
        let before = hosts.len();
        let now = Instant::now();
        hosts.retain(|_, h| {
            let slots = h.slots.lock().unwrap_or_else(|p| p.into_inner());
            let gap = self.delay.max(slots.crawl_delay);
            Arc::strong_count(h) > 1
                || h.permits.available_permits() < self.per_host
                || slots.last_start.is_some_and(|l| l + gap > now)
        });
        before - hosts.len()
    }

    /// How many hosts are remembered.
    #[cfg(test)]
    fn hosts(&self) -> usize {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Record a host's `Crawl-delay` (seconds), capped.
    pub fn set_crawl_delay(&self, key: &str, secs: f32) {
        if !(secs.is_finite() && secs > 0.0) {
            return;
        }
        let d = Duration::try_from_secs_f32(secs)
            .unwrap_or(MAX_CRAWL_DELAY)
            .min(MAX_CRAWL_DELAY);
        self.host(key)
            .slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .crawl_delay = d;
    }

    /// The least time between two request starts to host `key` now: the
    /// spacing, or its `Crawl-delay` when longer.
    pub fn gap(&self, key: &str) -> Duration {
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let crawl_delay = hosts.get(key).map_or(Duration::ZERO, |h| {
            h.slots
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .crawl_delay
        });
        self.delay.max(crawl_delay)
    }

    /// Wait for a permit and the start slot of `key`, plus `extra` (a retry's back-off).
    pub async fn acquire(&self, key: &str, extra: Duration) -> Slot {
        let host = self.host(key);
        let permit = host
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore is never closed");
        let start = {
            let mut slots = host.slots.lock().unwrap_or_else(|p| p.into_inner());
            // The gap is read at each request, so a Crawl-delay learnt from
            // robots.txt already spaces the first page after robots.txt.
            let gap = self.delay.max(slots.crawl_delay);
            let now = Instant::now();
            let start = slots
                .last_start
                .map_or(now, |l| (l + gap).max(now))
                .max(now + extra);
            slots.last_start = Some(start);
            start
        };
        tokio::time::sleep_until(start).await;
        Slot { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn starts_are_spaced_per_host_only() {
        let p = Politeness::new(Duration::from_millis(1000), 4);
        let t0 = Instant::now();
        let _a = p.acquire("a", Duration::ZERO).await;
        let _b = p.acquire("b", Duration::ZERO).await;
        assert!(t0.elapsed() < Duration::from_millis(10));
        let _a2 = p.acquire("a", Duration::ZERO).await;
        assert!(t0.elapsed() >= Duration::from_millis(1000));
        p.set_crawl_delay("a", 5.0);
        let t1 = Instant::now();
        let _a3 = p.acquire("a", Duration::ZERO).await;
        assert!(t1.elapsed() >= Duration::from_millis(1000));
        let _a4 = p.acquire("a", Duration::ZERO).await;
        assert!(t1.elapsed() >= Duration::from_millis(6000));
    }

    #[tokio::test(start_paused = true)]
    async fn idle_hosts_are_evicted_busy_ones_kept() {
        let p = Politeness::new(Duration::from_millis(1000), 1);
        let held = p.acquire("held", Duration::ZERO).await;
        drop(p.acquire("done", Duration::ZERO).await);
        // Within the spacing, "done" still spaces its next start.
        assert_eq!(p.evict_idle(), 0);
        tokio::time::advance(Duration::from_millis(1500)).await;
        assert_eq!(p.evict_idle(), 1, "the idle host goes");
        assert_eq!(p.hosts(), 1, "the host with a request in flight stays");
        drop(held);
        assert_eq!(p.evict_idle(), 1);
        assert_eq!(p.hosts(), 0);
        // A host made afresh is spaced as before.
        let t0 = Instant::now();
        drop(p.acquire("done", Duration::ZERO).await);
        drop(p.acquire("done", Duration::ZERO).await);
        assert!(t0.elapsed() >= Duration::from_millis(1000));
    }
}
