//! Walks a 100k-user Zoom tenant (page_size 300, rate limits off) with a plain HTTP client
//! and prints generation time, walk time and the server's time per page; then times the
//! generation of a 1M-user tenant. Run: `cargo bench -p seatkeeper-sim --bench sim-bench`.

use std::time::{Duration, Instant};

use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor};
use serde_json::Value;

async fn walk(sim: &Simulator, http: &reqwest::Client, token: &str) -> (usize, usize) {
    let (mut users, mut pages) = (0, 0);
    for status in ["active", "inactive", "pending"] {
        let mut next = String::new();
        loop {
            let q = [
                ("status", status),
                ("page_size", "300"),
                ("next_page_token", next.as_str()),
            ];
            let res = http
                .get(format!("{}/v2/users", sim.base_url()))
                .bearer_auth(token)
                .query(&q)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{}", res.status());
            let page: Value = res.json().await.unwrap();
            users += page["users"].as_array().unwrap().len();
            pages += 1;
            next = page["next_page_token"].as_str().unwrap().to_string();
            if next.is_empty() {
                break;
            }
        }
    }
    (users, pages)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let config = SimConfig::new(Vendor::Zoom)
        .users(100_000)
        .rate_limit(RateLimitMode::Off);
    let started = Instant::now();
    let sim = Simulator::start(config).await.unwrap();
    let generation = started.elapsed();
    let http = reqwest::Client::new();
    let token = sim.access_token();

    for round in 1..=3 {
        let since = sim.requests(0).last().map_or(0, |r| r.seq);
        let started = Instant::now();
        let (users, pages) = walk(&sim, &http, &token).await;
        let wall = started.elapsed();
        let mut micros: Vec<u64> = sim
            .requests(since)
            .iter()
            .map(|r| r.server_micros)
            .collect();
        micros.sort_unstable();
        let total: u64 = micros.iter().sum();
        let pct = |p: usize| micros[(micros.len() - 1) * p / 100];
        println!(
            "walk {round}: {users} users in {pages} pages; wall {:.1} ms; server total {:.1} ms, per page mean {:.0} us, p50 {} us, p99 {} us, max {} us",
            ms(wall),
            total as f64 / 1000.0,
            total as f64 / pages as f64,
            pct(50),
            pct(99),
            micros.last().copied().unwrap_or(0),
        );
        assert_eq!(users, 100_000);
    }
    println!("generate + start 100k users: {:.1} ms", ms(generation));
    sim.stop().await;

    let started = Instant::now();
    let big = Simulator::start(SimConfig::new(Vendor::Zoom).users(1_000_000))
        .await
        .unwrap();
    println!("generate + start 1M users: {:.1} ms", ms(started.elapsed()));
    big.stop().await;
}
