//! Issue 9: a server killed with SIGKILL in the middle of a 500-candidate reclaim and
//! restarted on the same database finishes the run: every candidate ends closed and the
//! vendor saw each reclaim once. The servers are real `seatkeeper serve` processes, driven
//! over HTTP only; the vendor is an in-process Aha! simulator (a member's disable is never
//! refused), which records what it received. The kill lands just after a disable reached
//! the vendor, before the server recorded it: the case a second call would come from.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use entity::enums::CandidateState;
use entity::{job_run, removal_candidate, software_subscription as sub};
use sea_orm::{ColumnTrait, Database, DatabaseConnection, EntityTrait, QueryFilter};
use seatkeeper::graphql::relay::{expect_id, global_id};
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::helpers::{Db, TestDatabase};
use crate::server_process::{Server, poll};

const BATCH: usize = 500;
/// Enough for over 500 idle members.
const USERS: usize = 2_000;
/// Requests/s towards the vendor. An Aha! candidate costs two (the seat read and the
/// disable), so the batch takes about 25 s: time to kill it midway.
const SERVER_ENV: &[(&str, &str)] = &[("SEATKEEPER_VENDOR_RATE_LIMIT", "40")];
/// The first server is killed once the run has done this many, and must not have done
/// `BATCH - KILL_AFTER` yet.
const KILL_AFTER: i64 = 50;
const SYNC: Duration = Duration::from_secs(120);
/// The dead worker's task waits for its heartbeat to time out (15 s after the last one, on
/// both databases), then the rest of the batch runs.
const RECOVERY: Duration = Duration::from_secs(150);

/// Connects an Aha! profile to the simulator the way an admin would, publishes it and waits
/// for its first download and activity pull (whose success evaluates the rules).
pub async fn published_and_synced(server: &Server, sim: &Simulator) -> String {
    let creds = sim.credentials();
    let alias = server.create_alias(sim).await;
    let set = server
        .gql(
            "mutation($a: ID!, $t: String!) { setConnectionCredentials(aliasId: $a, accessToken: $t) { hasAccessToken } }",
            json!({ "a": alias, "t": creds.api_key.unwrap() }),
        )
        .await;
    assert_eq!(set["setConnectionCredentials"]["hasAccessToken"], true);
    let profile = server
        .gql(
            "mutation($input: CreateIntegrationProfileInput!) { createIntegrationProfile(input: $input) { id } }",
            json!({ "input": { "displayName": "Aha! tenant", "vendor": "AHA", "aliasId": alias, "activityLookBackDays": 365 } }),
        )
        .await["createIntegrationProfile"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ok = server
        .gql(
            "mutation($p: ID!) { validateConnection(profileId: $p) { ok } }",
            json!({ "p": profile }),
        )
        .await;
    assert_eq!(ok["validateConnection"]["ok"], true, "{ok}");
    server
        .gql(
            "mutation($p: ID!) { publishIntegrationProfile(profileId: $p) { profile { status } } }",
            json!({ "p": profile }),
        )
        .await;
    poll("the first download and activity pull", SYNC, async || {
        let runs = server
            .gql(
                "query($p: ID!) { jobRuns(profileId: $p) { edges { node { kind state error } } } }",
                json!({ "p": profile }),
            )
            .await;
        let mut succeeded = BTreeSet::new();
        for edge in runs["jobRuns"]["edges"].as_array().unwrap() {
            let node = &edge["node"];
            assert_ne!(node["state"], "FAILED", "{node}");
            if node["state"] == "SUCCEEDED" {
                succeeded.insert(node["kind"].as_str().unwrap().to_owned());
            }
        }
        (succeeded.contains("DOWNLOAD_SUBSCRIPTIONS") && succeeded.contains("PULL_ACTIVITY"))
            .then_some(())
    })
    .await;
    profile
}

/// The first `BATCH` READY candidates: global id → the vendor user holding the seat.
async fn ready_batch(server: &Server, profile: &str) -> BTreeMap<String, String> {
    let listed = server
        .gql(
            "query($p: ID!, $n: Int!) { removalCandidates(profileId: $p, states: [READY], first: $n) { edges { node { id subscription { externalUserId } } } } }",
            json!({ "p": profile, "n": BATCH }),
        )
        .await;
    let batch: BTreeMap<String, String> = listed["removalCandidates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let node = &e["node"];
            let user = node["subscription"]["externalUserId"].as_str().unwrap();
            (node["id"].as_str().unwrap().to_owned(), user.to_owned())
        })
        .collect();
    assert_eq!(batch.len(), BATCH, "the tenant needs more idle members");
    let users: BTreeSet<&String> = batch.values().collect();
    assert_eq!(users.len(), BATCH, "one Aha! seat per user");
    batch
}

const RUN_FIELDS: &str =
    "state attempt progressDone progressTotal error counts { reclaimed skipped canceled errors }";

async fn run_status(server: &Server, run: &str) -> Value {
    let q = format!("query($id: ID!) {{ node(id: $id) {{ ... on JobRun {{ {RUN_FIELDS} }} }} }}");
    server.gql(&q, json!({ "id": run })).await["node"].clone()
}

/// The run's candidates as the database holds them.
async fn run_candidates(db: &DatabaseConnection, run_id: i64) -> Vec<removal_candidate::Model> {
    removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ReclaimRunId.eq(run_id))
        .all(db)
        .await
        .unwrap()
}

async fn killed_mid_batch_and_restarted(kind: Db) {
    let began = Instant::now();
    let sim = Simulator::start(
        SimConfig::new(Vendor::Aha)
            .users(USERS)
            .seed(9)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let database = TestDatabase::new(kind).await;
    let first = Server::start("first", &database.url, SERVER_ENV).await;
    let profile = published_and_synced(&first, &sim).await;
    let batch = ready_batch(&first, &profile).await;
    let ids: Vec<&String> = batch.keys().collect();

    let answers = first
        .gql(
            "mutation($ids: [ID!]!) { reclaimRemovalCandidates(ids: $ids) { candidate { reclaimRunId } error { code message } } }",
            json!({ "ids": ids }),
        )
        .await;
    let runs: BTreeSet<&str> = answers["reclaimRemovalCandidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert!(a["error"].is_null(), "{a}");
            a["candidate"]["reclaimRunId"].as_str().unwrap()
        })
        .collect();
    assert_eq!(runs.len(), 1, "one run for the profile");
    let run = runs.into_iter().next().unwrap().to_owned();
    let run_id = expect_id(&run.as_str().into(), "JobRun", "id").unwrap();

    poll("the reclaim to get going", SYNC, async || {
        let now = run_status(&first, &run).await;
        (now["progressDone"].as_i64().unwrap() >= KILL_AFTER).then_some(())
    })
    .await;
    // The worst moment to die is just after the vendor acted and before the outcome is
    // written: wait for the vendor's next disable and kill at once.
    let before = sim.reclaimed().len();
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.reclaimed().len() == before && Instant::now() < deadline {
        tokio::task::yield_now().await;
    }
    first.kill().await;
    let killed = Instant::now();

    // What the crash left behind, read while no server runs.
    let db = Database::connect(&database.url).await.unwrap();
    let left = run_candidates(&db, run_id).await;
    let at_kill = job_run::Entity::find_by_id(run_id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    db.close().await.unwrap();
    let reclaiming: Vec<_> = left
        .iter()
        .filter(|c| c.state == CandidateState::Reclaiming)
        .collect();
    // Marked as called but not finished: did the disable reach the vendor?
    let at_vendor: BTreeSet<String> = sim.reclaimed().into_iter().map(|r| r.user_id).collect();
    let in_flight: Vec<(i64, bool)> = reclaiming
        .iter()
        .filter(|c| c.vendor_call_at.is_some())
        .map(|c| {
            let user = &batch[&*global_id("RemovalCandidate", c.id)];
            (c.id, at_vendor.contains(user))
        })
        .collect();
    eprintln!(
        "{kind:?}: SIGKILL at {} of {BATCH} (run {:?}); {} still RECLAIMING; marked as called but not finished (candidate, disabled at the vendor): {in_flight:?}; the vendor had disabled {}",
        at_kill.progress_done,
        at_kill.state,
        reclaiming.len(),
        at_vendor.len(),
    );
    assert!(
        at_kill.progress_done < BATCH as i64 - KILL_AFTER && !reclaiming.is_empty(),
        "killed too late to be mid-batch"
    );

    let second = Server::start("second", &database.url, SERVER_ENV).await;
    let mut resumed = None;
    let done = poll(
        "the run to finish on the second server",
        RECOVERY,
        async || {
            let now = run_status(&second, &run).await;
            if resumed.is_none() && now["progressDone"].as_i64().unwrap() > at_kill.progress_done {
                resumed = Some(killed.elapsed());
            }
            matches!(
                now["state"].as_str(),
                Some("SUCCEEDED" | "FAILED" | "CANCELED")
            )
            .then_some(now)
        },
    )
    .await;
    let finished = killed.elapsed();
    second.kill().await;
    eprintln!(
        "{kind:?}: after the SIGKILL the run moved again in {resumed:?} and ended in {finished:?} (attempt {}, counts {}); whole test {:?}",
        done["attempt"],
        done["counts"],
        began.elapsed()
    );

    assert_eq!(done["state"], "SUCCEEDED", "{done}");
    let counts = &done["counts"];
    let (reclaimed, skipped) = (
        counts["reclaimed"].as_i64().unwrap(),
        counts["skipped"].as_i64().unwrap(),
    );
    assert_eq!(reclaimed + skipped, BATCH as i64, "{done}");
    assert_eq!(
        (counts["errors"].as_i64(), counts["canceled"].as_i64()),
        (Some(0), Some(0)),
        "{done}"
    );

    // Every candidate closed complete, its subscription closed.
    let db = Database::connect(&database.url).await.unwrap();
    let rows = run_candidates(&db, run_id).await;
    assert_eq!(rows.len(), BATCH);
    for c in &rows {
        assert_eq!(c.state, CandidateState::ClosedComplete, "{c:?}");
        assert!(c.reclaimed_at.is_some(), "{c:?}");
        let s = sub::Entity::find_by_id(c.subscription_id.unwrap())
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert!(s.closed_at.is_some(), "{s:?}");
    }
    db.close().await.unwrap();

    // The vendor disabled exactly the batch's users, each once.
    let expected: BTreeSet<String> = batch.values().cloned().collect();
    let disabled: Vec<String> = sim.reclaimed().into_iter().map(|r| r.user_id).collect();
    let once: BTreeSet<String> = disabled.iter().cloned().collect();
    assert_eq!(once.len(), disabled.len(), "a user was reclaimed twice");
    assert_eq!(disabled.len(), BATCH);
    assert_eq!(once, expected);
    let mut puts: BTreeMap<String, usize> = BTreeMap::new();
    for r in sim.requests(0) {
        if r.method == "PUT"
            && let Some((_, user)) = r.path.rsplit_once("/api/v1/users/")
        {
            *puts.entry(user.to_owned()).or_default() += 1;
        }
    }
    let twice: Vec<_> = puts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "PUT more than once: {twice:?}");
    assert!(
        puts.keys().all(|u| expected.contains(u)),
        "a PUT for a user outside the batch"
    );
}

mod a_server_killed_mid_reclaim_and_restarted_reclaims_each_seat_once {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        killed_mid_batch_and_restarted(Db::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        killed_mid_batch_and_restarted(Db::Postgres).await;
    }
}
