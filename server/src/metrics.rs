//! Prometheus metrics: request counts and latency by operation and status, kept in
//! process, and gauges read when scraped (pool, index, holds, password hashing). Written
//! out in the Prometheus text format (version 0.0.4) by hand: a few counters and one
//! histogram do not earn a metrics framework and its dependency tree.
//!
//! Counters are per process, as Prometheus expects: it scrapes every process and sums.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use crate::auth::passwords::HashingStats;

/// Latency buckets, seconds: from a cached read (under a millisecond) to a large report.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Clone, Default)]
struct Latency {
    /// Cumulative counts per bucket, as the text format wants them.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// One operation: the method and the route template (`GET /v1/cdmos/{id}`), never the
/// path itself, so the number of series stays bounded.
type Operation = (String, String);

#[derive(Debug, Default)]
struct Requests {
    by_status: BTreeMap<(Operation, u16), u64>,
    latency: BTreeMap<Operation, Latency>,
}

/// The process's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<Requests>,
    /// By the policy named in the 429's `RateLimit-Policy` (a fixed set of names).
    rate_limited: Mutex<BTreeMap<String, u64>>,
}

/// Gauges read at scrape time.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    pub pool_connections: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
    pub index_profiles: usize,
    /// Profile changes the database has that this process's index has not read yet.
    pub index_changes_behind: i64,
    pub index_last_refresh: Option<Duration>,
    /// Reservations by state.
    pub reservations: Vec<(String, i64)>,
    /// The password hashing pool (its refusals are a counter, kept by the pool).
    pub password_hashing: HashingStats,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one answered request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let operation = (method.to_owned(), route.to_owned());
        let seconds = elapsed.as_secs_f64();
        let mut requests = match self.requests.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *requests
            .by_status
            .entry((operation.clone(), status))
            .or_default() += 1;
        let latency = requests.latency.entry(operation).or_default();
        for (count, bound) in latency.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        latency.count += 1;
        latency.sum += seconds;
    }

    /// Counts a request refused by a rate limit, by policy (`login-address`,
    /// `organization-writes`...).
    pub fn observe_rate_limited(&self, limit: &str) {
        let mut counts = match self.rate_limited.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *counts.entry(limit.to_owned()).or_default() += 1;
    }

    /// Everything in the Prometheus text format.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let requests = match self.requests.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        header(
            &mut out,
            "cdmx_http_requests_total",
            "counter",
            "Requests answered, by operation and status.",
        );
        for (((method, route), status), count) in &requests.by_status {
            let _ = writeln!(
                out,
                "cdmx_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                label(method),
                label(route)
            );
        }
        header(
            &mut out,
            "cdmx_http_request_duration_seconds",
            "histogram",
            "Time to answer, by operation.",
        );
        for ((method, route), latency) in &requests.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", label(method), label(route));
            for (bound, count) in BUCKETS.iter().zip(latency.buckets) {
                let _ = writeln!(
                    out,
                    "cdmx_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "cdmx_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                latency.count
            );
            let _ = writeln!(
                out,
                "cdmx_http_request_duration_seconds_sum{{{labels}}} {}",
                latency.sum
            );
            let _ = writeln!(
                out,
                "cdmx_http_request_duration_seconds_count{{{labels}}} {}",
                latency.count
            );
        }
        drop(requests);
        header(
            &mut out,
            "cdmx_rate_limited_total",
            "counter",
            "Requests refused with 429, by limit.",
        );
        let rate_limited = match self.rate_limited.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for (limit, count) in rate_limited {
            let _ = writeln!(
                out,
                "cdmx_rate_limited_total{{limit=\"{}\"}} {count}",
                label(&limit)
            );
        }
        gauge(
            &mut out,
            "cdmx_db_pool_connections",
            "Open database connections in this process's pool.",
            gauges.pool_connections,
        );
        gauge(
            &mut out,
            "cdmx_db_pool_idle_connections",
            "Idle database connections in this process's pool.",
            gauges.pool_idle,
        );
        gauge(
            &mut out,
            "cdmx_db_pool_max_connections",
            "The pool's size limit.",
            gauges.pool_max,
        );
        gauge(
            &mut out,
            "cdmx_index_profiles",
            "Profiles in this process's search and matching index.",
            gauges.index_profiles,
        );
        gauge(
            &mut out,
            "cdmx_index_changes_behind",
            "Profile changes in the database not yet read into this process's index.",
            gauges.index_changes_behind,
        );
        if let Some(refresh) = gauges.index_last_refresh {
            gauge(
                &mut out,
                "cdmx_index_last_refresh_seconds",
                "How long the index's last refresh took.",
                refresh.as_secs_f64(),
            );
        }
        let hashing = &gauges.password_hashing;
        gauge(
            &mut out,
            "cdmx_password_hash_slots",
            "Password hashes that may run at once (the bound).",
            hashing.slots,
        );
        gauge(
            &mut out,
            "cdmx_password_hashes_in_flight",
            "Password hashes running now.",
            hashing.in_flight,
        );
        gauge(
            &mut out,
            "cdmx_password_hashes_in_flight_max",
            "The most password hashes that ran at once since the process started.",
            hashing.in_flight_max,
        );
        header(
            &mut out,
            "cdmx_password_hashes_total",
            "counter",
            "Password hashes and verifications run.",
        );
        let _ = writeln!(out, "cdmx_password_hashes_total {}", hashing.completed);
        header(
            &mut out,
            "cdmx_password_hashes_refused_total",
            "counter",
            "Requests answered 503 because no password hashing slot freed up in time.",
        );
        let _ = writeln!(
            out,
            "cdmx_password_hashes_refused_total {}",
            hashing.refused
        );
        header(
            &mut out,
            "cdmx_reservations",
            "gauge",
            "Reservations by state, across the database.",
        );
        for (state, count) in &gauges.reservations {
            let _ = writeln!(
                out,
                "cdmx_reservations{{state=\"{}\"}} {count}",
                label(state)
            );
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    header(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

/// A label value escaped as the text format requires.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_counters_count_by_status() {
        let metrics = Metrics::new();
        let route = "/v1/cdmos/{id}";
        metrics.observe_request("GET", route, 200, Duration::from_micros(500));
        metrics.observe_request("GET", route, 200, Duration::from_millis(30));
        metrics.observe_request("GET", route, 404, Duration::from_secs(20));
        metrics.observe_rate_limited("login");
        let text = metrics.render(&Gauges {
            password_hashing: HashingStats {
                slots: 2,
                in_flight: 1,
                in_flight_max: 2,
                completed: 40,
                refused: 7,
            },
            ..Gauges::default()
        });
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
                .rsplit(' ')
                .next()
                .unwrap()
                .to_owned()
        };
        let labels = "method=\"GET\",route=\"/v1/cdmos/{id}\"";
        assert_eq!(
            line(&format!(
                "cdmx_http_requests_total{{{labels},status=\"200\"}}"
            )),
            "2"
        );
        assert_eq!(
            line(&format!(
                "cdmx_http_requests_total{{{labels},status=\"404\"}}"
            )),
            "1"
        );
        let bucket = |le: &str| {
            line(&format!(
                "cdmx_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}}"
            ))
        };
        assert_eq!(bucket("0.001"), "1");
        assert_eq!(bucket("0.025"), "1");
        assert_eq!(bucket("0.05"), "2");
        assert_eq!(bucket("10"), "2");
        assert_eq!(bucket("+Inf"), "3");
        assert_eq!(line("cdmx_rate_limited_total{limit=\"login\"}"), "1");
        assert_eq!(line("cdmx_password_hash_slots "), "2");
        assert_eq!(line("cdmx_password_hashes_in_flight "), "1");
        assert_eq!(line("cdmx_password_hashes_in_flight_max "), "2");
        assert_eq!(line("cdmx_password_hashes_total "), "40");
        assert_eq!(line("cdmx_password_hashes_refused_total "), "7");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
