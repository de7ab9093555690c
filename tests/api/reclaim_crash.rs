//! Issue 9: a server killed with SIGKILL in the middle of a 500-candidate reclaim and
//! restarted on the same database finishes the run: every candidate ends closed and the
//! vendor saw each reclaim once. The servers are real `seatkeeper serve` processes, driven
//! over HTTP only; the vendor is an in-process Aha! simulator (a member's disable is never
//! refused), which records what it received. The kill lands just after a disable reached
//! the vendor, before the server recorded it: the case a second call would come from.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::enums::CandidateState;
use entity::{job_run, removal_candidate, software_subscription as sub};
use sea_orm::{ColumnTrait, Database, DatabaseConnection, EntityTrait, QueryFilter};
use seatkeeper::connectors::VendorUrls;
use seatkeeper::graphql::relay::{expect_id, global_id};
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::helpers::{ADMIN_TOKEN, Db, GqlResponse, MASTER_KEY, TestDatabase};

const BATCH: usize = 500;
/// Enough for over 500 idle members.
const USERS: usize = 2_000;
/// Requests/s towards the vendor. An Aha! candidate costs two (the seat read and the
/// disable), so the batch takes about 25 s: time to kill it midway.
const VENDOR_RATE: &str = "40";
/// The first server is killed once the run has done this many, and must not have done
/// `BATCH - KILL_AFTER` yet.
const KILL_AFTER: i64 = 50;
const POLL: Duration = Duration::from_millis(200);
const STARTUP: Duration = Duration::from_secs(60);
const SYNC: Duration = Duration::from_secs(120);
/// The dead worker's task waits for its heartbeat to time out (about 10 s on SQLite, about
/// 50 s on PostgreSQL), then the rest of the batch runs.
const RECOVERY: Duration = Duration::from_secs(150);
const LOG_TAIL: usize = 200;

/// A `seatkeeper serve` process, killed with SIGKILL when dropped (on a panic too), which
/// then prints the tail of its log.
struct Server {
    name: &'static str,
    child: Child,
    address: String,
    client: reqwest::Client,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Server {
    async fn start(name: &'static str, database_url: &str) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatkeeper"));
        cmd.arg("serve");
        for (key, _) in std::env::vars() {
            if key.starts_with("SEATKEEPER_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("SEATKEEPER_DATABASE_URL", database_url)
            .env("SEATKEEPER_LISTEN", "127.0.0.1:0")
            .env("SEATKEEPER_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("SEATKEEPER_MASTER_KEY", MASTER_KEY)
            .env("SEATKEEPER_VENDOR_RATE_LIMIT", VENDOR_RATE)
            .env("SEATKEEPER_HTTP_WORKERS", "1")
            .env("SEATKEEPER_DB_MAX_CONNECTIONS", "4")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the seatkeeper binary starts");
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (found, listening) = tokio::sync::oneshot::channel();
        let mut found = Some(found);
        tokio::spawn(keep_tail(child.stderr.take().unwrap(), log.clone(), None));
        tokio::spawn(keep_tail(
            child.stdout.take().unwrap(),
            log.clone(),
            Some(Box::new(move |line: &str| {
                if let Some(url) = line
                    .strip_prefix("Seatkeeper listening on ")
                    .and_then(|rest| rest.split_whitespace().next())
                    && let Some(found) = found.take()
                {
                    let _ = found.send(url.to_owned());
                }
            })),
        ));
        let mut server = Server {
            name,
            child,
            address: String::new(),
            client: reqwest::Client::new(),
            log,
        };
        match tokio::time::timeout(STARTUP, listening).await {
            Ok(Ok(address)) => server.address = address,
            _ => panic!("the {name} server did not start listening within {STARTUP:?}"),
        }
        server
    }

    /// SIGKILL, as a crash or the OOM killer would: no shutdown code runs.
    async fn kill(mut self) {
        self.child.start_kill().expect("the signal is sent");
        let status = self.child.wait().await.expect("the process is reaped");
        assert_eq!(status.signal(), Some(9), "{}: {status:?}", self.name);
    }

    async fn gql(&self, query: &str, variables: Value) -> Value {
        let resp = self
            .client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = resp.status().as_u16();
        let body = resp.json().await.expect("JSON body");
        GqlResponse { status, body }.data().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Already reaped after `kill`: the error is expected then.
        let _ = self.child.start_kill();
        if std::thread::panicking() {
            let log = self.log.lock().unwrap();
            eprintln!(
                "--- last {} log lines of the {} server ---",
                log.len(),
                self.name
            );
            for line in log.iter() {
                eprintln!("{line}");
            }
        }
    }
}

type OnLine = Box<dyn FnMut(&str) + Send>;

/// Keeps the last lines of a child's output (draining it, so the child never blocks).
async fn keep_tail(
    out: impl AsyncRead + Unpin,
    log: Arc<Mutex<VecDeque<String>>>,
    mut on_line: Option<OnLine>,
) {
    let mut lines = BufReader::new(out).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(f) = on_line.as_mut() {
            f(&line);
        }
        let mut log = log.lock().unwrap();
        if log.len() == LOG_TAIL {
            log.pop_front();
        }
        log.push_back(line);
    }
}

/// Calls `check` every `POLL` until it gives a value; fails after `limit`. The runs span
/// processes, so there is no one event stream to wait on: the API is the shared view.
async fn poll<T>(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what} within {limit:?}");
        tokio::time::sleep(POLL).await;
    }
}

/// Connects an Aha! profile to the simulator the way an admin would, publishes it and waits
/// for its first download and activity pull (whose success evaluates the rules).
async fn published_and_synced(server: &Server, sim: &Simulator) -> String {
    let urls = VendorUrls::for_root(entity::enums::Vendor::Aha, &sim.base_url());
    let creds = sim.credentials();
    let alias = server
        .gql(
            "mutation($input: ConnectionAliasInput!) { createConnectionAlias(input: $input) { id } }",
            json!({ "input": {
                "name": "Aha! sim", "vendor": "AHA",
                "baseUrl": urls.base_url, "tokenUrl": urls.token_url, "authorizeUrl": urls.authorize_url,
                "clientId": creds.client_id, "clientSecret": creds.client_secret, "accountId": creds.account_id,
            } }),
        )
        .await["createConnectionAlias"]["id"]
        .clone();
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
    let first = Server::start("first", &database.url).await;
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

    let second = Server::start("second", &database.url).await;
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
