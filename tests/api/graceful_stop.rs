//! Issue 14: a planned stop (SIGTERM) in the middle of a run neither strands it nor locks
//! the database. A run that fits the grace finishes in the stopping process; one that does
//! not is handed back to the queue at once, and a replacement started half a second after
//! the signal (on the same SQLite file or PostgreSQL database) starts and resumes it without
//! waiting for an orphan timeout. Real `seatkeeper serve` processes, driven over HTTP.

use std::time::Duration;

use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::connectors::truth_rows;
use crate::helpers::{Db, TestDatabase};
use crate::server_process::{Server, poll};

/// 20 pages at 4 requests/s: a download of about five seconds.
const USERS: usize = 6_000;
fn env(grace: &'static str) -> [(&'static str, &'static str); 3] {
    [
        ("SEATKEEPER_VENDOR_RATE_LIMIT", "4"),
        ("SEATKEEPER_ZOOM_ADDON_CHECKS", "false"),
        ("SEATKEEPER_SHUTDOWN_GRACE_SECS", grace),
    ]
}
const RUN: &str = "query($id: ID!) { node(id: $id) { ... on JobRun { state error errorCode progressDone attempt handedBack \
     counts { fetched } attempts { number startedAt endedAt outcome } } } }";

/// A Zoom profile connected to the simulator and published; returns its first run's id.
pub async fn publish(server: &Server, sim: &Simulator) -> (String, String) {
    let alias = server.create_alias(sim).await;
    let profile = server
        .gql(
            "mutation($a: ID!) { createIntegrationProfile(input: { displayName: \"zoom\", vendor: ZOOM, aliasId: $a, downloadActivity: false }) { id } }",
            json!({ "a": alias }),
        )
        .await["createIntegrationProfile"]["id"]
        .clone();
    let ok = server
        .gql(
            "mutation($p: ID!) { validateConnection(profileId: $p) { ok } }",
            json!({ "p": profile }),
        )
        .await;
    assert_eq!(ok["validateConnection"]["ok"], true, "{ok}");
    let published = server
        .gql(
            "mutation($p: ID!) { publishIntegrationProfile(profileId: $p) { firstRun { id } } }",
            json!({ "p": profile }),
        )
        .await;
    let run = published["publishIntegrationProfile"]["firstRun"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (profile.as_str().unwrap().to_owned(), run)
}

pub async fn run_status(server: &Server, run: &str) -> Value {
    server.gql(RUN, json!({ "id": run })).await["node"].clone()
}

async fn started(server: &Server, run: &str) {
    poll(
        "the run to make progress",
        Duration::from_secs(30),
        async || {
            let node = run_status(server, run).await;
            (node["state"] == "RUNNING" && node["progressDone"].as_i64() >= Some(1)).then_some(())
        },
    )
    .await;
}

/// The run once final, read through `server`.
pub async fn finished(server: &Server, run: &str) -> Value {
    poll("the run to finish", Duration::from_secs(120), async || {
        let node = run_status(server, run).await;
        matches!(
            node["state"].as_str(),
            Some("SUCCEEDED" | "FAILED" | "CANCELED")
        )
        .then_some(node)
    })
    .await
}

async fn sigterm_mid_run(kind: Db) {
    let sim = Simulator::start(
        SimConfig::new(Vendor::Zoom)
            .users(USERS)
            .seed(3)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let database = TestDatabase::new(kind).await;
    // Add-on checks are off: the Webinar add-on is not downloaded.
    let subscriptions = truth_rows(&sim.truth())
        .iter()
        .filter(|(_, identifier, _)| identifier != "ZOOM_WEBINAR")
        .count();

    // A grace of 1 s cannot hold a five-second download: it is handed back.
    let first = Server::start("first", &database.url, &env("1")).await;
    let (profile, run) = publish(&first, &sim).await;
    started(&first, &run).await;
    let signalled = Instant::now();
    first.terminate();
    // The replacement starts while the first one stops; how long its own start takes on a
    // loaded machine is not part of the first one's exit time.
    let ((status, exit_took), second) = tokio::join!(
        async {
            let status = first.exited(Duration::from_secs(10)).await;
            (status, signalled.elapsed())
        },
        async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Server::start("second", &database.url, &env("8")).await
        }
    );
    assert!(status.success(), "a planned stop exits cleanly: {status:?}");
    assert!(
        exit_took < Duration::from_secs(5),
        "the first server exits soon after its grace: {exit_took:?}"
    );
    // Resumed at once, not after an orphan timeout (10 s on SQLite, longer on PostgreSQL).
    let resumed = Instant::now();
    poll(
        "the replacement to resume the run",
        Duration::from_secs(5),
        async || {
            let node = run_status(&second, &run).await;
            (node["handedBack"] == 1 && node["state"] != "QUEUED").then_some(())
        },
    )
    .await;
    assert!(resumed.elapsed() < Duration::from_secs(5));
    eprintln!(
        "graceful stop ({kind:?}): exited {:.1} s after SIGTERM (grace 1 s), the replacement resumed the run {:.1} s after the signal",
        exit_took.as_secs_f64(),
        signalled.elapsed().as_secs_f64()
    );
    let done = finished(&second, &run).await;
    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    assert_eq!(done["handedBack"], 1);
    let count = second
        .gql(
            "query($p: ID!) { softwareSubscriptions(profileId: $p) { totalCount } } ",
            json!({ "p": profile }),
        )
        .await;
    assert_eq!(
        count["softwareSubscriptions"]["totalCount"].as_u64(),
        Some(subscriptions as u64),
        "the resumed run ends equal to the vendor"
    );

    // A grace of 8 s holds one: the stopping process finishes it, then exits.
    let again = second
        .gql(
            "mutation($p: ID!) { runDownloadSubscriptions(profileId: $p) { id } }",
            json!({ "p": profile }),
        )
        .await["runDownloadSubscriptions"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    started(&second, &again).await;
    second.terminate();
    let status = second.exited(Duration::from_secs(40)).await;
    assert!(status.success(), "{status:?}");
    let third = Server::start("third", &database.url, &env("8")).await;
    let done = run_status(&third, &again).await;
    assert_eq!(
        done["state"], "SUCCEEDED",
        "finished before the process exited: {done}"
    );
    assert_eq!(done["handedBack"], 0);
}

mod a_sigterm_mid_run_finishes_or_hands_back_and_a_replacement_starts_at_once {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        sigterm_mid_run(Db::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        sigterm_mid_run(Db::Postgres).await;
    }
}
