//! The CSV export against the bar of issue 11: `GET /export/subscriptions.csv` of a
//! 100,000-subscription tenant (the dashboard tenant of `benches/reconciliation.rs`), aim
//! < 1 s with memory flat. Memory is the peak growth of the Rust heap during each export,
//! counted by this bench's global allocator, for one model's 5,000 rows and for all
//! 100,000; resident memory is printed too, but on SQLite it includes the page cache, up to
//! 32 MiB per pooled connection.
//!
//! `cargo bench --bench export` (SQLite) or `-- --postgres`. Prints the figures; asserts
//! every row arrived.

use std::time::{Duration, Instant};

mod common;
use common::tenant::{self, DASH_MODELS, DASH_SUBS};
use common::{FreshDb, TOKEN, start_app};

/// Counts the bytes Rust code holds (SQLite's page cache is C's malloc, outside it), so
/// the export's own memory shows apart from the database's cache.
#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Downloads an export, sampling this process's resident memory every 5 ms: how long it
/// took, its bytes, the peak growth of resident memory in KiB and of the Rust heap in
/// bytes. Asserts a header and `rows` lines.
async fn export(url: &str, rows: i64) -> (Duration, usize, u64, usize) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let before = rss_kib();
    let heap_before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let peak = Arc::new(AtomicU64::new(before));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let mut resp = reqwest::Client::new()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (mut bytes, mut lines) = (0usize, 0i64);
    while let Some(chunk) = resp.chunk().await.unwrap() {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count() as i64;
    }
    let took = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    assert_eq!(lines, rows + 1, "a header and every row");
    (
        took,
        bytes,
        peak.load(Ordering::Relaxed).saturating_sub(before),
        HEAP.peak_usage().saturating_sub(heap_before),
    )
}

#[tokio::main]
async fn main() {
    let postgres = std::env::args().any(|a| a == "--postgres");
    let db_name = if postgres { "PostgreSQL" } else { "SQLite" };
    let db = FreshDb::create(postgres, "export").await;
    let (state, endpoint) = start_app(&db, "api", &[("SEATKEEPER_HTTP_WORKERS", "2")]).await;
    let (_, models, _) = tenant::dashboard(&state).await;
    // One model's 5,000 rows, then all 100,000 twice: flat memory grows no more with the
    // rows (the first full export also warms the database's page cache).
    let base = endpoint.replace("/graphql", "/export/subscriptions.csv");
    let one_model = format!(
        "{base}?softwareModelId={}",
        seatkeeper::graphql::relay::global_id("SoftwareModel", models[0]).as_str()
    );
    for (what, url, rows) in [
        ("one model", one_model.as_str(), DASH_SUBS / DASH_MODELS),
        ("all", base.as_str(), DASH_SUBS),
        ("all again", base.as_str(), DASH_SUBS),
    ] {
        let (took, bytes, grew, heap) = export(url, rows).await;
        println!(
            "export     {db_name}  subscriptions.csv ({what}): {rows} rows, {:.1} MB in {}; Rust heap peak +{:.2} MB, resident memory +{:.1} MB{}",
            bytes as f64 / 1e6,
            ms(took),
            heap as f64 / 1e6,
            grew as f64 / 1024.0,
            if postgres {
                ""
            } else {
                " (with SQLite's page cache)"
            }
        );
    }
    drop(state);
    db.drop().await;
}
