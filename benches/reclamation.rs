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

/// Part 1: evaluation and preview over a 100k-subscription profile with 1M events.
async fn evaluate(postgres: bool, db_name: &str) {
    let sim = Simulator::start(
        SimConfig::new(SimVendor::Zoom)
            .users(ZOOM_USERS)
            .seed(SEED)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let db = FreshDb::create(postgres, "evaluate").await;
    // No workers: the download runs here, so the queued first run stays queued.
    let extra = [
        ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
        ("SEATKEEPER_ZOOM_ADDON_CHECKS", "false"),
    ];
    let (state, endpoint) = start_app(&db, "api", &extra).await;
    let (profile, _) = publish_profile(&endpoint, &sim).await;
    let started = Instant::now();
    sync::download_subscriptions(&state, profile, &NoProgress)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let download = started.elapsed();
    sim.stop().await;
    let subs = sub::Entity::find()
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::ClosedAt.is_null())
        .count(&state.db)
        .await
        .unwrap() as usize;
    assert!(
        subs >= SUBSCRIPTIONS,
        "{subs} subscriptions: raise ZOOM_USERS"
    );
    let batches = events_for(&state.db, profile).await;
    let started = Instant::now();
    let ingested = sync::ingest_activity(&state.db, profile, batches)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(ingested.created as usize, EVENTS);
    println!(
        "setup     {db_name}  {ZOOM_USERS} Zoom users downloaded in {:.2} s ({subs} subs), {EVENTS} events ingested in {:.2} s",
        download.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    // The pulled history covers the whole year, so every 60-day rule can judge.
    let now = Utc::now();
    integration_profile::Entity::update_many()
        .col_expr(
            integration_profile::Column::ActivityCoveredFrom,
            Expr::value(now - chrono::Duration::days(365)),
        )
        .col_expr(
            integration_profile::Column::ActivityCoveredTo,
            Expr::value(now),
        )
        .filter(integration_profile::Column::Id.eq(profile))
        .exec(&state.db)
        .await
        .unwrap();

    // A preview, as an admin tunes a rule before saving it: nothing is flagged yet, and what it
    // finds for Meetings must be what the evaluation then flags.
    let model: i64 = sub::Entity::find()
        .select_only()
        .column(sub::Column::SoftwareModelId)
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::Identifier.eq(MEETINGS))
        .into_tuple::<Option<i64>>()
        .one(&state.db)
        .await
        .unwrap()
        .flatten()
        .expect("Meetings seats map to a software model");
    let rule = RuleSettings {
        rule_id: None,
        name: "bench preview".into(),
        software_model_id: model,
        threshold_days: THRESHOLD_DAYS,
        notify_user: false,
        require_approval: false,
        auto_reclaim: false,
        condition: Condition::default(),
        cooldown_days: 90,
        approver: None,
    };
    let started = Instant::now();
    let preview = reclamation::preview(&state.db, &rule, 10)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let preview_time = started.elapsed();
    let actor = Actor::Job {
        run_id: None,
        what: "bench",
    };
    let started = Instant::now();
    let first = reclamation::evaluate_profile(&state, profile, &actor)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let first_time = started.elapsed();
    assert!(first.gaps.is_empty(), "unjudged: {:?}", first.gaps);
    assert!(first.flagged > 0, "nothing idle among {subs} seats");
    let started = Instant::now();
    let again = reclamation::evaluate_profile(&state, profile, &actor)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let again_time = started.elapsed();
    assert_eq!(again.flagged, 0, "a second evaluation flags nothing new");
    assert_eq!(again.already_open, first.flagged);
    assert_eq!((again.canceled, again.skipped), (0, 0));
    let open = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::ClosedAt.is_null())
        .count(&state.db)
        .await
        .unwrap();
    assert_eq!(open as i64, first.flagged, "one candidate per idle seat");
    println!(
        "evaluate  {db_name}  {subs} subs  {EVENTS} events  first {} ({} flagged)  again {} ({} already open)",
        ms(first_time),
        first.flagged,
        ms(again_time),
        again.already_open
    );

    let flagged_meetings = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::SoftwareModelId.eq(model))
        .count(&state.db)
        .await
        .unwrap();
    assert_eq!(preview.flagged as u64, flagged_meetings);
    assert_eq!(preview.sample.len(), 10);
    println!(
        "preview   {db_name}  {subs} subs  {EVENTS} events  {} ({} would be flagged for {MEETINGS}, 10 samples)",
        ms(preview_time),
        preview.flagged
    );

    breakdown(&state.db, profile, db_name).await;

    drop(state);
    db.drop().await;
}

/// Where evaluation's time goes: the reads it makes, repeated here as it makes them.
async fn breakdown(db: &sea_orm::DatabaseConnection, profile: i64, db_name: &str) {
    type Row = (
        i64,
        String,
        String,
        Option<i64>,
        String,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        bool,
        bool,
    );
    let started = Instant::now();
    let rows: Vec<Row> = sub::Entity::find()
        .select_only()
        .columns([
            sub::Column::Id,
            sub::Column::ExternalUserId,
            sub::Column::Identifier,
            sub::Column::SoftwareModelId,
            sub::Column::UserPrincipalName,
            sub::Column::ExternalCreatedAt,
            sub::Column::AssignedAt,
            sub::Column::FirstSeenAt,
            sub::Column::LastSeenAt,
            sub::Column::LastActivityAt,
            sub::Column::IsPrivileged,
            sub::Column::ExcludedFromReclaim,
        ])
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::ClosedAt.is_null())
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    let seats = started.elapsed();
    let started = Instant::now();
    let ids: Vec<i64> = sub::Entity::find()
        .select_only()
        .column(sub::Column::Id)
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::ClosedAt.is_null())
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    let ids_only = started.elapsed();
    let started = Instant::now();
    let open = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::ClosedAt.is_null())
        .all(db)
        .await
        .unwrap();
    let candidates = started.elapsed();
    println!(
        "  breakdown {db_name}: open seats read ({} rows, 12 columns) {}; ids only {}; open candidates read ({} rows) {}",
        rows.len(),
        ms(seats),
        ms(ids_only),
        open.len(),
        ms(candidates)
    );
    assert_eq!(ids.len(), rows.len());
}

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

#[path = "../tests/support/receivers.rs"]
mod receivers;

/// `NOTICES` candidates waiting for their holder, with one pending notice per channel, as
/// a notify rule's evaluation writes them.
async fn waiting_for_holders(db: &sea_orm::DatabaseConnection, profile: i64) {
    use entity::enums::{NoticeChannel, NoticeState};
    use entity::notice;
    use sea_orm::Set;
    let now = Utc::now();
    let rows: Vec<removal_candidate::ActiveModel> = (0..NOTICES)
        .map(|i| removal_candidate::ActiveModel {
            profile_id: Set(Some(profile)),
            user_principal_name: Set(format!("holder{i}@bench.example.com")),
            state: Set(CandidateState::AwaitingUser),
            threshold_days: Set(THRESHOLD_DAYS),
            evidence: Set(json!({})),
            potential_savings_minor: Set(1_500),
            currency: Set("USD".into()),
            opened_at: Set(now),
            updated_at: Set(now),
            idle_since: Set(now - chrono::Duration::days(90)),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        removal_candidate::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .unwrap();
    }
    let ids: Vec<i64> = removal_candidate::Entity::find()
        .select_only()
        .column(removal_candidate::Column::Id)
        .filter(removal_candidate::Column::State.eq(CandidateState::AwaitingUser))
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    assert_eq!(ids.len(), NOTICES);
    let notices: Vec<notice::ActiveModel> = ids
        .iter()
        .flat_map(|&id| {
            [NoticeChannel::Email, NoticeChannel::Webhook].map(|channel| notice::ActiveModel {
                candidate_id: Set(id),
                profile_id: Set(Some(profile)),
                channel: Set(channel),
                state: Set(NoticeState::Pending),
                attempts: Set(0),
                next_attempt_at: Set(now),
                delivery_id: Set(uuid::Uuid::new_v4().to_string()),
                created_at: Set(now),
                ..Default::default()
            })
        })
        .collect();
    for chunk in notices.chunks(1_000) {
        notice::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .unwrap();
    }
}

async fn notify(postgres: bool, db_name: &str) {
    let sim = Simulator::start(
        SimConfig::new(SimVendor::Aha)
            .users(40)
            .seed(SEED)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let smtp = receivers::SmtpSink::start().await;
    let hook = receivers::Webhook::start().await;
    let db = FreshDb::create(postgres, "notify").await;
    let port = smtp.port.to_string();
    let (state, endpoint) = start_app(
        &db,
        "all",
        &[
            ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
            ("SEATKEEPER_SMTP_HOST", "127.0.0.1"),
            ("SEATKEEPER_SMTP_PORT", &port),
            ("SEATKEEPER_SMTP_TLS", "none"),
            ("SEATKEEPER_SMTP_FROM", "licences@bench.example.com"),
            ("SEATKEEPER_NOTICE_WEBHOOK_URL", &hook.url),
            ("SEATKEEPER_NOTICE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    )
    .await;
    let (profile, first) = publish_profile(&endpoint, &sim).await;
    let download = wait_final(&state, first).await;
    assert_eq!(download.state, JobState::Succeeded, "{:?}", download.error);
    // Its evaluation would close candidates without a seat: seed after it.
    first_pull(&state, &endpoint, profile).await;
    waiting_for_holders(&state.db, profile).await;

    let started = Instant::now();
    let run = seatkeeper::jobs::enqueue(&state, None, Some(profile), JobKind::DeliverNotices, None)
        .await
        .unwrap();
    let run = wait_final(&state, run.id).await;
    let elapsed = started.elapsed();
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);

    let mails = smtp.messages();
    let holders: BTreeSet<&str> = mails.iter().map(|m| m["to"][0].as_str().unwrap()).collect();
    assert_eq!(mails.len(), NOTICES, "one email per candidate");
    assert_eq!(holders.len(), NOTICES, "each holder once");
    let hooked = hook.requests();
    let deliveries: BTreeSet<&str> = hooked.iter().map(|h| h.delivery.as_str()).collect();
    assert_eq!(hooked.len(), NOTICES, "one webhook call per candidate");
    assert_eq!(deliveries.len(), NOTICES, "each delivery once");
    let told = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile))
        .filter(removal_candidate::Column::NotifiedAt.is_not_null())
        .count(&state.db)
        .await
        .unwrap();
    assert_eq!(told as usize, NOTICES);
    let secs = elapsed.as_secs_f64();
    println!(
        "notify {db_name}: {NOTICES} candidates, {} notices (email via aiosmtpd + webhook) in {}: {:.0} notices/s ({:.0} candidates/s); each arrived once",
        2 * NOTICES,
        ms(elapsed),
        (2 * NOTICES) as f64 / secs,
        NOTICES as f64 / secs
    );
    drop(state);
    db.drop().await;
    sim.stop().await;
}

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
