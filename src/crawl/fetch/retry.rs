//! Retries: which failures are retried, and how long to wait before the next try.
//!
//! Connection errors, timeouts, 429 and 5xx other than 501 are retried up to
//! `retries` times. The wait doubles from [`BASE_BACKOFF`] with random
//! jitter of up to half of it, or follows `Retry-After` (seconds or an HTTP
//! date) up to [`MAX_RETRY_AFTER`]; the wait is served inside the host's
//! politeness slot.

use std::time::{Duration, SystemTime};

/// First back-off.
pub const BASE_BACKOFF: Duration = Duration::from_millis(500);
/// Longest back-off or `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Whether an HTTP status is worth another try.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status) && status != 501
}

/// Wait before try number `attempt` (1 = first retry).
pub fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(r) = retry_after {
        return r.min(MAX_RETRY_AFTER);
    }
    let base = BASE_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(10));
    let jitter = base.mul_f64(jitter_fraction() / 2.0);
    (base + jitter).min(MAX_RETRY_AFTER)
}

/// A pseudo-random fraction in [0, 1): jitter only needs to spread clients.
fn jitter_fraction() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    let mut x = nanos ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x % 10_000) as f64 / 10_000.0
}

/// Parse `Retry-After`: delay seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let now = chrono::Utc::now();
    let secs = (when.timestamp() - now.timestamp()).max(0) as u64;
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_respects_retry_after() {
        assert!(backoff(1, None) >= BASE_BACKOFF);
        assert!(backoff(3, None) >= BASE_BACKOFF * 4);
        assert_eq!(
            backoff(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(backoff(1, Some(Duration::from_secs(999))), MAX_RETRY_AFTER);
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert!(retryable_status(503) && retryable_status(429) && !retryable_status(404));
    }
}
