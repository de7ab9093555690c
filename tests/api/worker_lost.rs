//! Issue 14: re-executions are visible and bounded. A run whose worker is killed again and
//! again (as by the out-of-memory killer) is taken over after each loss, each execution is
//! an attempt ending `WORKER_LOST`, and after the configured number of losses the run fails
//! with the code `WORKER_LOST` instead of looping. Real processes, SIGKILL.

use std::time::Duration;

use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor};
use serde_json::json;

use crate::graceful_stop::{publish, run_status};
use crate::helpers::{Db, TestDatabase};
use crate::server_process::{Server, poll};

/// Losses before a run fails (the default is 3; 2 keeps the test shorter).
const MAX_LOST: &str = "2";
/// 40 pages at 2 requests/s: a twenty-second download, killed long before it ends even
/// when a loaded machine is slow to see it running.
const ENV: &[(&str, &str)] = &[
    ("SEATKEEPER_VENDOR_RATE_LIMIT", "2"),
    ("SEATKEEPER_ZOOM_ADDON_CHECKS", "false"),
    ("SEATKEEPER_JOB_MAX_LOST_WORKERS", MAX_LOST),
];
/// Another worker takes a dead one's run 15 s after its last heartbeat.
const TAKEOVER: Duration = Duration::from_secs(40);

/// Waits for the run's attempt `attempt` to be running, as a takeover allows.
pub async fn running_attempt(server: &Server, run: &str, attempt: i64) {
    poll(&format!("attempt {attempt} to run"), TAKEOVER, async || {
        let node = run_status(server, run).await;
        assert_ne!(node["state"], "SUCCEEDED", "{node}");
        (node["state"] == "RUNNING" && node["attempt"] == attempt).then_some(())
    })
    .await;
}

async fn killed_until_worker_lost(kind: Db) {
    let sim = Simulator::start(
        SimConfig::new(Vendor::Zoom)
            .users(12_000)
            .seed(4)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let database = TestDatabase::new(kind).await;
    let server = Server::start("first", &database.url, ENV).await;
    let (_profile, run) = publish(&server, &sim).await;
    running_attempt(&server, &run, 1).await;
    server.kill().await;
    let server = Server::start("second", &database.url, ENV).await;
    running_attempt(&server, &run, 2).await;
    server.kill().await;

    let server = Server::start("third", &database.url, ENV).await;
    let failed = poll("the run to fail", TAKEOVER, async || {
        let node = server
            .gql(
                "query($id: ID!) { node(id: $id) { ... on JobRun { state error errorCode attempt attempts { number outcome endedAt } } } }",
                json!({ "id": run }),
            )
            .await["node"]
            .clone();
        (node["state"] == "FAILED").then_some(node)
    })
    .await;
    assert_eq!(failed["errorCode"], "WORKER_LOST", "{failed}");
    assert!(
        failed["error"].as_str().unwrap().contains("2 times"),
        "{failed}"
    );
    let attempts = failed["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "no third execution: {failed}");
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a["number"], i as i64 + 1);
        assert_eq!(a["outcome"], "WORKER_LOST");
        assert!(!a["endedAt"].is_null());
    }
}

mod a_run_that_keeps_losing_its_worker_fails_with_worker_lost {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        killed_until_worker_lost(Db::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        killed_until_worker_lost(Db::Postgres).await;
    }
}
