//! Issue 14: two replicas on one PostgreSQL database, as a multi-node deploy runs them.
//! One is killed mid-download and the other takes the run over within the orphan bound;
//! then a rolling restart (each replica stopped with SIGTERM and replaced, one after the
//! other) in the middle of another download loses no run and never runs one twice at once.
//! Real `seatkeeper serve` processes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::connectors::truth_rows;
use crate::graceful_stop::{finished, publish};
use crate::helpers::{Db, TestDatabase};
use crate::server_process::Server;
use crate::worker_lost::running_attempt;

/// 40 pages at 4 requests/s: a download of about ten seconds.
const USERS: usize = 12_000;
const ENV: &[(&str, &str)] = &[
    ("SEATKEEPER_VENDOR_RATE_LIMIT", "4"),
    ("SEATKEEPER_ZOOM_ADDON_CHECKS", "false"),
    ("SEATKEEPER_SHUTDOWN_GRACE_SECS", "1"),
];
/// No two executions of the run overlapped: each attempt ended before the next began.
fn never_twice_at_once(node: &Value) {
    let attempts = node["attempts"].as_array().unwrap();
    let at = |v: &Value| v.as_str().map(|s| s.parse::<DateTime<Utc>>().unwrap());
    for pair in attempts.windows(2) {
        let ended = at(&pair[0]["endedAt"]).expect("an earlier attempt ended");
        let began = at(&pair[1]["startedAt"]).unwrap();
        assert!(ended <= began, "attempts overlap: {node}");
    }
}

async fn subscriptions(server: &Server, profile: &str) -> u64 {
    server
        .gql(
            "query($p: ID!) { softwareSubscriptions(profileId: $p) { totalCount } }",
            json!({ "p": profile }),
        )
        .await["softwareSubscriptions"]["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_survive_a_kill_and_a_rolling_restart_on_postgres() {
    let sim = Simulator::start(
        SimConfig::new(Vendor::Zoom)
            .users(USERS)
            .seed(6)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let truth = truth_rows(&sim.truth())
        .iter()
        .filter(|(_, identifier, _)| identifier != "ZOOM_WEBINAR")
        .count() as u64;
    let database = TestDatabase::new(Db::Postgres).await;

    // The first replica alone takes the first download; then the second joins.
    let a = Server::start("a", &database.url, ENV).await;
    let (profile, first) = publish(&a, &sim).await;
    running_attempt(&a, &first, 1).await;
    let b = Server::start("b", &database.url, ENV).await;
    let killed = Instant::now();
    a.kill().await;
    running_attempt(&b, &first, 2).await;
    eprintln!(
        "replicas: the survivor took the run over {:.1} s after the kill",
        killed.elapsed().as_secs_f64()
    );
    let done = finished(&b, &first).await;
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    let outcomes: Vec<&Value> = done["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["outcome"])
        .collect();
    assert_eq!(
        outcomes,
        [&json!("WORKER_LOST"), &json!("FINISHED")],
        "{done}"
    );
    never_twice_at_once(&done);
    assert_eq!(subscriptions(&b, &profile).await, truth);

    // A rolling restart mid-download: the second replica is replaced, then the first.
    let a = Server::start("a2", &database.url, ENV).await;
    let second = b
        .gql(
            "mutation($p: ID!) { runDownloadSubscriptions(profileId: $p) { id } }",
            json!({ "p": profile }),
        )
        .await["runDownloadSubscriptions"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    running_attempt(&b, &second, 1).await;
    // Each replica in turn: SIGTERM, its replacement started half a second later.
    let b = replace(b, "b2", &database.url).await;
    let a = replace(a, "a3", &database.url).await;
    let done = finished(&a, &second).await;
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    never_twice_at_once(&done);
    let attempts = done["attempts"].as_array().unwrap();
    assert!(
        attempts
            .iter()
            .take(attempts.len() - 1)
            .all(|x| x["outcome"] == "HANDED_BACK"),
        "every stop handed the run back: {done}"
    );
    assert_eq!(subscriptions(&b, &profile).await, truth);
}

/// Stops `old` as a deploy does and starts `name` on the same database meanwhile.
async fn replace(old: Server, name: &'static str, url: &str) -> Server {
    old.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let new = Server::start(name, url, ENV).await;
    let status = old.exited(Duration::from_secs(15)).await;
    assert!(status.success(), "a planned stop exits cleanly: {status:?}");
    new
}
