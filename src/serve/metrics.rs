//! The server's counters, written as Prometheus text at `GET /metrics`:
//! requests by route and status, a latency histogram by route, failed
//! extractions by error kind, and the extractions running and waiting.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The routes, as labels: a path outside them is `other`, so that
/// arbitrary paths cannot grow the metrics without bound.
const ROUTES: &[&str] = &[
    "/v1/extract",
    "/v1/batch",
    "/healthz",
    "/metrics",
    "/openapi.json",
    "/preview",
    "/preview/assets",
];

/// The label of the route serving `path`.
pub fn route_label(path: &str) -> String {
    if path.starts_with("/r/") {
        return "/r/{url}".into();
    }
    if let Some(r) = ROUTES
        .iter()
        .rev()
        .find(|r| path == **r || path.starts_with(&format!("{r}/")))
    {
        return (*r).to_string();
    }
    "other".into()
}

/// Latencies of one route.
#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    errors: BTreeMap<String, u64>,
}

/// Every counter of the server.
#[derive(Debug, Default)]
pub struct Metrics(Mutex<Inner>);

impl Metrics {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Count one answered request.
    pub fn observe(&self, route: &str, status: u16, took: Duration) {
        let secs = took.as_secs_f64();
        let mut m = self.inner();
        *m.requests.entry((route.to_string(), status)).or_default() += 1;
        let h = m.latency.entry(route.to_string()).or_default();
        for (k, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.counts[k] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Count one failed extraction or fetch.
    pub fn error(&self, kind: &str) {
        *self.inner().errors.entry(kind.to_string()).or_default() += 1;
    }

    /// Prometheus text exposition; `running` and `waiting` extractions.
    pub fn render(&self, running: usize, waiting: usize, memory: usize) -> String {
        let m = self.inner();
        let mut out = String::new();
        out.push_str(
            "# HELP pith_http_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE pith_http_requests_total counter\n");
        for ((route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "pith_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP pith_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE pith_http_request_duration_seconds histogram\n");
        for (route, h) in &m.latency {
            for (k, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "pith_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {}",
                    h.counts[k]
                );
            }
            let _ = writeln!(
                out,
                "pith_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "pith_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "pith_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP pith_errors_total Records without article, by error kind.\n");
        out.push_str("# TYPE pith_errors_total counter\n");
        for (kind, n) in &m.errors {
            let _ = writeln!(out, "pith_errors_total{{kind=\"{kind}\"}} {n}");
        }
        out.push_str("# HELP pith_extractions_running Extractions running now.\n");
        out.push_str("# TYPE pith_extractions_running gauge\n");
        let _ = writeln!(out, "pith_extractions_running {running}");
        out.push_str("# HELP pith_extractions_waiting Requests waiting for an extraction slot.\n");
        out.push_str("# TYPE pith_extractions_waiting gauge\n");
        let _ = writeln!(out, "pith_extractions_waiting {waiting}");
        out.push_str(
            "# HELP pith_extractions_memory_bytes Memory reserved by the extractions running now.\n",
        );
        out.push_str("# TYPE pith_extractions_memory_bytes gauge\n");
        let _ = writeln!(out, "pith_extractions_memory_bytes {memory}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_buckets() {
        let m = Metrics::default();
        m.observe("/v1/extract", 200, Duration::from_millis(20));
        m.observe("/v1/extract", 422, Duration::from_secs(2));
        m.error("no_content");
        let t = m.render(1, 0, 2048);
        assert!(t.contains("pith_extractions_memory_bytes 2048"));
        assert!(t.contains("pith_http_requests_total{route=\"/v1/extract\",status=\"200\"} 1"));
        assert!(t.contains(
            "pith_http_request_duration_seconds_bucket{route=\"/v1/extract\",le=\"0.025\"} 1"
        ));
        assert!(t.contains(
            "pith_http_request_duration_seconds_bucket{route=\"/v1/extract\",le=\"+Inf\"} 2"
        ));
        assert!(t.contains("pith_errors_total{kind=\"no_content\"} 1"));
        assert_eq!(route_label("/r/https://x.org/a"), "/r/{url}");
        assert_eq!(route_label("/etc/passwd"), "other");
    }
}
