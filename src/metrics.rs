//! Prometheus text metrics: requests and latencies by route, GraphQL errors by code, and the
//! database pool. Hand-rolled: a handful of counters does not need a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};

const BUCKETS_SECONDS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Process-wide counters.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    errors: Mutex<BTreeMap<String, u64>>,
    latency_buckets: [AtomicU64; BUCKETS_SECONDS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

impl Metrics {
    /// One finished HTTP request. `route` is the matched pattern, never the raw path.
    pub fn observe_request(&self, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((route.to_owned(), status)).or_default() += 1;
        }
        let secs = elapsed.as_secs_f64();
        for (bucket, le) in self.latency_buckets.iter().zip(BUCKETS_SECONDS) {
            if secs <= le {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    /// One GraphQL error, by its `extensions.code`.
    pub fn observe_error(&self, code: &str) {
        if let Ok(mut map) = self.errors.lock() {
            *map.entry(code.to_owned()).or_default() += 1;
        }
    }

    /// The exposition text.
    pub fn render(&self, db: &DatabaseConnection, job_subscribers: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP seatkeeper_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE seatkeeper_http_requests_total counter\n");
        if let Ok(map) = self.requests.lock() {
            for ((route, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "seatkeeper_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP seatkeeper_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE seatkeeper_http_request_duration_seconds histogram\n");
        for (bucket, le) in self.latency_buckets.iter().zip(BUCKETS_SECONDS) {
            let _ = writeln!(
                out,
                "seatkeeper_http_request_duration_seconds_bucket{{le=\"{le}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "seatkeeper_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "seatkeeper_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(
            out,
            "seatkeeper_http_request_duration_seconds_count {count}"
        );
        out.push_str("# HELP seatkeeper_graphql_errors_total GraphQL errors by extensions.code.\n");
        out.push_str("# TYPE seatkeeper_graphql_errors_total counter\n");
        if let Ok(map) = self.errors.lock() {
            for (code, n) in map.iter() {
                let _ = writeln!(
                    out,
                    "seatkeeper_graphql_errors_total{{code=\"{}\"}} {n}",
                    escape(code)
                );
            }
        }
        let (size, idle) = pool_stats(db);
        out.push_str("# HELP seatkeeper_db_pool_connections Database pool connections by state.\n");
        out.push_str("# TYPE seatkeeper_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "seatkeeper_db_pool_connections{{state=\"idle\"}} {idle}"
        );
        let _ = writeln!(
            out,
            "seatkeeper_db_pool_connections{{state=\"in_use\"}} {}",
            size.saturating_sub(idle)
        );
        out.push_str(
            "# HELP seatkeeper_job_run_subscribers Listeners to job run changes in this process.\n",
        );
        out.push_str("# TYPE seatkeeper_job_run_subscribers gauge\n");
        let _ = writeln!(out, "seatkeeper_job_run_subscribers {job_subscribers}");
        out
    }
}

fn pool_stats(db: &DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => (0, 0),
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
