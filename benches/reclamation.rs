//! Reclamation against the bars of issue 9.
//!
//! 1. Rule evaluation over 100k subscriptions and 1M activity events (aims < 250 ms on
//!    SQLite, < 500 ms on PostgreSQL), first run and an idempotent second run, and a rule
//!    preview over the same data (aim < 250 ms). A 100k-user Zoom tenant holds about 67k
//!    licences with add-on checks off, so the tenant has `ZOOM_USERS` users to store at
//!    least 100k subscriptions, downloaded from an unthrottled in-process simulator.
//! 2. A 1,000-candidate reclaim against a simulator enforcing the vendor's documented
//!    limits, aim ≤ 1.05 × the limit's floor with no failed candidate. The tenant is Aha!:
//!    its API has one rate bucket whose binding limit is 300 requests/min (5/s; the 20/s
//!    never binds below that), it authenticates with an API key (no token requests), and
//!    a reclaim is exactly two requests (read the user, disable it; the answer is the user,
//!    so no read-back). So the floor is exactly requests / (5/s). About a quarter of a
//!    tenant's seats are idle members, hence `AHA_USERS`. Zoom spreads a reclaim over rate
//!    labels with limits of their own plus OAuth token calls, so its floor is no single
//!    division; GoTo's is, but the connector paces its 10/s at 9/s (1.11 × by design).
//!    Aha!'s pacing leaves room too: a 15-request burst, then 285/min, so 2,000 requests
//!    take at least 418 s, 1.045 × the floor.
//!
//! 3. Notices (issue 10): 10,000 candidates waiting for their holder, each told by email
//!    through a real SMTP server on loopback (aiosmtpd, as in the tests) and by the signed
//!    webhook to a local HTTP receiver, in one `DELIVER_NOTICES` run: notices per second,
//!    and a check that each arrived exactly once.
//!
//! `cargo bench --bench reclamation` (SQLite) or `cargo bench --bench reclamation --
//! --postgres` (needs SEATKEEPER_TEST_POSTGRES_URL or the local default). Each part uses a
//! fresh database. Prints one line per figure; asserts correctness only, never time.
//! `-- --only evaluate|reclaim|notify` runs one part.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::enums::{CandidateState, JobKind, JobState};
use entity::{integration_profile, job_run, removal_candidate, software_subscription as sub};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use seatkeeper::connectors::ActivityRecord;
use seatkeeper::domain::job_runs::is_final;
use seatkeeper::domain::reclamation::{self, Actor, Condition, RuleSettings};
use seatkeeper::domain::sync::{self, Progress, ProgressSink};
use seatkeeper::graphql::relay::{expect_id, global_id};
use seatkeeper::state::AppState;
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor as SimVendor};
use serde_json::json;

mod common;
use common::activity::{now_in_seconds, zoom_events, zoom_holders};
use common::{FreshDb, gql, start_app};

const ZOOM_USERS: usize = 150_000;
const SUBSCRIPTIONS: usize = 100_000;
const EVENTS: usize = 1_000_000;
const AHA_USERS: usize = 5_000;
const RECLAIMS: usize = 1_000;
const NOTICES: usize = 10_000;
const WEBHOOK_SECRET: &str = "bench-webhook-secret-0123456789";
/// Aha!'s binding limit, 300 requests per minute, per second.
const AHA_RATE: f64 = 5.0;
const THRESHOLD_DAYS: i32 = 60;
const SEED: u64 = 42;
const MEETINGS: &str = "ZOOM_MEETINGS_LICENSED";
/// The longest a reclaim run may go without any event before the bench gives up.
const EVENT_TIMEOUT: Duration = Duration::from_secs(120);

struct NoProgress;

#[async_trait::async_trait]
impl ProgressSink for NoProgress {
    async fn report(&self, _progress: &Progress) {}
}

/// Alias, credentials (Aha!: the API key), profile with a year of look-back, validated and
/// published through GraphQL as an integrator would. Publishing creates the default
/// 60-day rules and queues the first download. Returns the profile's row id and the
/// first run's id.
async fn publish_profile(endpoint: &str, sim: &Simulator) -> (i64, i64) {
    let name = match sim.vendor() {
        SimVendor::Zoom => "ZOOM",
        SimVendor::GoTo => "GOTO",
        SimVendor::Aha => "AHA",
    };
    let creds = sim.credentials();
    let data = gql(
        endpoint,
        "mutation($input: ConnectionAliasInput!) { createConnectionAlias(input: $input) { id } }",
        json!({ "input": { "name": format!("bench {name}"), "vendor": name, "baseUrl": sim.base_url() } }),
    )
    .await;
    let alias = data["createConnectionAlias"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    gql(
        endpoint,
        "mutation($a: ID!, $id: String, $secret: String, $account: String) { setConnectionCredentials(aliasId: $a, clientId: $id, clientSecret: $secret, accountId: $account) { id } }",
        json!({ "a": alias, "id": creds.client_id, "secret": creds.client_secret, "account": creds.account_id }),
    )
    .await;
    if let Some(key) = creds.api_key {
        gql(
            endpoint,
            "mutation($a: ID!, $t: String!) { setConnectionCredentials(aliasId: $a, accessToken: $t) { hasAccessToken } }",
            json!({ "a": alias, "t": key }),
        )
        .await;
    }
    let data = gql(
        endpoint,
        "mutation($input: CreateIntegrationProfileInput!) { createIntegrationProfile(input: $input) { id } }",
        json!({ "input": { "displayName": "bench tenant", "vendor": name, "aliasId": alias, "activityLookBackDays": 365 } }),
    )
    .await;
    let profile = data["createIntegrationProfile"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = gql(
        endpoint,
        "mutation($p: ID!) { validateConnection(profileId: $p) { ok } }",
        json!({ "p": profile }),
    )
    .await;
    assert_eq!(data["validateConnection"]["ok"], true);
    let data = gql(
        endpoint,
        "mutation($p: ID!) { publishIntegrationProfile(profileId: $p) { firstRun { id } } }",
        json!({ "p": profile }),
    )
    .await;
    let first = data["publishIntegrationProfile"]["firstRun"]["id"]
        .as_str()
        .unwrap();
    (
        expect_id(&profile.as_str().into(), "IntegrationProfile", "id").unwrap(),
        expect_id(&first.into(), "JobRun", "id").unwrap(),
    )
}

/// Waits until run `id` is final, woken by its events (a lagging receiver re-reads it).
async fn wait_final(state: &AppState, id: i64) -> job_run::Model {
    let mut events = state.jobs.events.subscribe();
    loop {
        let run = job_run::Entity::find_by_id(id)
            .one(&state.db)
            .await
            .unwrap()
            .expect("the run exists");
        if is_final(run.state) {
            return run;
        }
        loop {
            let event = tokio::time::timeout(EVENT_TIMEOUT, events.recv())
                .await
                .unwrap_or_else(|_| panic!("run {id}: no event within {EVENT_TIMEOUT:?}"));
            match event {
                Ok(run) if run.id == id && is_final(run.state) => break,
                Ok(_) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                Err(e) => panic!("job events: {e}"),
            }
        }
    }
}

/// Waits for the pull the first download queued, whose success evaluates the rules (this
/// finds that run, or starts another, which flags nothing new).
async fn first_pull(state: &AppState, endpoint: &str, profile: i64) {
    let data = gql(
        endpoint,
        "mutation($p: ID!) { runPullActivity(profileId: $p) { id } }",
        json!({ "p": global_id("IntegrationProfile", profile).to_string() }),
    )
    .await;
    let pull = expect_id(
        &data["runPullActivity"]["id"].as_str().unwrap().into(),
        "JobRun",
        "id",
    )
    .unwrap();
    let pull = wait_final(state, pull).await;
    assert_eq!(pull.state, JobState::Succeeded, "{:?}", pull.error);
}

/// 1M events over the profile's open Zoom seats, spread over the last year: the
/// generator of benches/sync.rs, so the ingest matches its figures.
async fn events_for(db: &sea_orm::DatabaseConnection, profile: i64) -> Vec<Vec<ActivityRecord>> {
    let holders = zoom_holders(db, profile).await;
    zoom_events(&holders, EVENTS, now_in_seconds(), SEED).collect()
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

#[path = "reclamation/evaluate.rs"]
mod evaluate;
use evaluate::evaluate;

/// Part 2: 1,000 candidates reclaimed from an Aha! tenant at its documented limits.
async fn reclaim(postgres: bool, db_name: &str) {
    let sim = Simulator::start(
        SimConfig::new(SimVendor::Aha)
            .users(AHA_USERS)
            .seed(SEED)
            .rate_limit(RateLimitMode::Vendor),
    )
    .await
    .unwrap();
    let db = FreshDb::create(postgres, "reclaim").await;
    let (state, endpoint) =
        start_app(&db, "all", &[("SEATKEEPER_VENDOR_RATE_LIMIT", "vendor")]).await;
    let (profile, first) = publish_profile(&endpoint, &sim).await;
    let download = wait_final(&state, first).await;
    assert_eq!(download.state, JobState::Succeeded, "{:?}", download.error);
    first_pull(&state, &endpoint, profile).await;

    let ready: Vec<removal_candidate::Model> = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::State.eq(CandidateState::Ready))
        .order_by_asc(removal_candidate::Column::Id)
        .all(&state.db)
        .await
        .unwrap();
    assert!(
        ready.len() >= RECLAIMS,
        "{} READY candidates among {AHA_USERS} users: raise AHA_USERS",
        ready.len()
    );
    let chosen = &ready[..RECLAIMS];
    let sub_ids: Vec<i64> = chosen.iter().filter_map(|c| c.subscription_id).collect();
    let users: BTreeSet<String> = sub::Entity::find()
        .select_only()
        .column(sub::Column::ExternalUserId)
        .filter(sub::Column::Id.is_in(sub_ids))
        .into_tuple::<String>()
        .all(&state.db)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(users.len(), RECLAIMS, "one candidate per user");
    let ids: Vec<String> = chosen
        .iter()
        .map(|c| global_id("RemovalCandidate", c.id).to_string())
        .collect();

    let since = sim.requests(0).last().map_or(0, |r| r.seq);
    let started = Instant::now();
    let data = gql(
        &endpoint,
        "mutation($ids: [ID!]!) { reclaimRemovalCandidates(ids: $ids) { id candidate { reclaimRunId } error { code message } } }",
        json!({ "ids": ids }),
    )
    .await;
    let runs: BTreeSet<&str> = data["reclaimRemovalCandidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert!(a["error"].is_null(), "{a}");
            a["candidate"]["reclaimRunId"].as_str().unwrap()
        })
        .collect();
    assert_eq!(runs.len(), 1, "one run per profile");
    let run_id = expect_id(&(*runs.first().unwrap()).into(), "JobRun", "id").unwrap();
    let run = wait_final(&state, run_id).await;
    let wall = started.elapsed();
    assert_eq!(run.kind, JobKind::Reclaim);
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);
    assert_eq!((run.reclaimed, run.errors), (RECLAIMS as i64, 0), "{run:?}");
    let reclaimed = sim.reclaimed();
    assert_eq!(reclaimed.len(), RECLAIMS, "one vendor change per candidate");
    let at_vendor: BTreeSet<String> = reclaimed.into_iter().map(|r| r.user_id).collect();
    assert_eq!(at_vendor, users, "exactly the chosen users, each once");

    let log = sim.requests(since);
    let throttled = log.iter().filter(|r| r.status == 429).count();
    let requests = log.len();
    let floor = requests as f64 / AHA_RATE;
    let run_time = (run.finished_at.unwrap() - run.started_at.unwrap())
        .to_std()
        .unwrap();
    // From the first vendor request to the last: the run minus its own start and finish.
    let span = match (log.first(), log.last()) {
        (Some(a), Some(b)) => (b.at - a.at).to_std().unwrap_or_default(),
        _ => Duration::ZERO,
    };
    println!(
        "reclaim   {db_name}  {RECLAIMS} Aha! candidates ({} READY of {AHA_USERS} users)  run {:.1} s (mutation to final {:.1} s)  \
         {requests} requests (job run counted {}, {throttled} answered 429)  floor {requests} / {AHA_RATE}/s = {floor:.1} s  \
         ratio {:.3} (wall {:.3}; first to last request {:.1} s, {:.3})",
        ready.len(),
        run_time.as_secs_f64(),
        wall.as_secs_f64(),
        run.requests_made,
        run_time.as_secs_f64() / floor,
        wall.as_secs_f64() / floor,
        span.as_secs_f64(),
        span.as_secs_f64() / floor
    );
    drop(state);
    db.drop().await;
    sim.stop().await;
}

#[path = "reclamation/notify.rs"]
mod notify;
use notify::notify;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let postgres = args.iter().any(|a| a == "--postgres");
    let db_name = if postgres { "postgres" } else { "sqlite" };
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let want = |part: &str| only.as_deref().is_none_or(|o| o == part);
    if want("evaluate") {
        evaluate(postgres, db_name).await;
    }
    if want("reclaim") {
        reclaim(postgres, db_name).await;
    }
    if want("notify") {
        notify(postgres, db_name).await;
    }
}
