//! Sync throughput against DESIGN §8: a 100k-user Zoom tenant downloaded from an in-process
//! simulator (add-on checks on and off), the same paced at 60 requests/s, an unchanged
//! re-download, and 1M activity events ingested and rolled up.
//!
//! `cargo bench --bench sync` (SQLite) or `cargo bench --bench sync -- --postgres` (needs
//! SEATKEEPER_TEST_POSTGRES_URL or the local default). Every download goes into a fresh
//! database. Prints one line per figure; asserts correctness only, never time.
//! `-- --only download|activity|paced` runs one part (activity still downloads first).
//! `-- --scale 500k` is DESIGN's scale bar instead: 500k users (add-on checks off) and 5M
//! activity events, without the paced part unless asked for with `--only paced`. The
//! simulator runs in a process of its own, so each part's peak RSS of the bench process is
//! the server's (with, during the ingest, the bench's list of holders to make events for).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::software_subscription as sub;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use seatkeeper::domain::sync::{self, Progress, ProgressSink, RunCounts};
use seatkeeper::graphql::relay::expect_id;
use seatkeeper::state::AppState;
use seatkeeper_sim::RequestRecord;
use serde_json::json;

mod common;
use common::activity::{
    EVENT_BATCH, now_in_seconds, print_peak, reset_peak, zoom_events, zoom_holders,
};
use common::sim_process::{SimProcess, serve_if_child};
use common::{FreshDb, gql, start_app};

const SEED: u64 = 42;
const PACED_RATE: u32 = 60;

/// How big the tenant and its activity are.
#[derive(Clone, Copy)]
struct Scale {
    users: usize,
    events: usize,
    /// DESIGN's 500k bar: one download (add-on checks off) and no paced part by default.
    bar: bool,
}

impl Scale {
    fn from_args(args: &[String]) -> Scale {
        match args
            .iter()
            .position(|a| a == "--scale")
            .and_then(|i| args.get(i + 1))
        {
            Some(s) if s == "500k" => Scale {
                users: 500_000,
                events: 5_000_000,
                bar: true,
            },
            Some(other) => panic!("--scale takes 500k, not {other}"),
            None => Scale {
                users: 100_000,
                events: 1_000_000,
                bar: false,
            },
        }
    }
}

struct NoProgress;

#[async_trait::async_trait]
impl ProgressSink for NoProgress {
    async fn report(&self, _progress: &Progress) {}
}

/// Alias (Zoom account credentials pointing at the simulator) and a draft profile, through
/// GraphQL as an integrator would; returns the profile's row id.
async fn connect_profile(endpoint: &str, sim: &SimProcess) -> i64 {
    let creds = sim.credentials();
    let data = gql(
        endpoint,
        "mutation($input: ConnectionAliasInput!) { createConnectionAlias(input: $input) { id } }",
        json!({ "input": { "name": "bench zoom", "vendor": "ZOOM", "baseUrl": sim.base_url() } }),
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
    let data = gql(
        endpoint,
        "mutation($input: CreateIntegrationProfileInput!) { createIntegrationProfile(input: $input) { id } }",
        json!({ "input": { "displayName": "bench tenant", "vendor": "ZOOM", "aliasId": alias, "activityLookBackDays": 365 } }),
    )
    .await;
    let id = data["createIntegrationProfile"]["id"].as_str().unwrap();
    expect_id(&id.into(), "IntegrationProfile", "id").unwrap()
}

async fn last_seq(sim: &SimProcess) -> u64 {
    sim.requests(0).await.last().map_or(0, |r| r.seq)
}

/// What the simulator saw during one download.
struct Seen {
    requests: usize,
    pages: usize,
    settings: usize,
    throttled: usize,
    server: Duration,
}

fn seen(log: &[RequestRecord]) -> Seen {
    let api: Vec<_> = log.iter().filter(|r| r.path.starts_with("/v2/")).collect();
    Seen {
        requests: log.len(),
        pages: api
            .iter()
            .filter(|r| r.path == "/v2/users" && r.status == 200)
            .count(),
        settings: api.iter().filter(|r| r.path.ends_with("/settings")).count(),
        throttled: log.iter().filter(|r| r.status == 429).count(),
        server: Duration::from_micros(log.iter().map(|r| r.server_micros).sum()),
    }
}

struct Download {
    wall: Duration,
    counts: RunCounts,
    seen: Seen,
}

async fn download(state: &AppState, sim: &SimProcess, profile: i64) -> Download {
    let since = last_seq(sim).await;
    let started = Instant::now();
    let counts = sync::download_subscriptions(state, profile, &NoProgress)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let wall = started.elapsed();
    Download {
        wall,
        counts,
        seen: seen(&sim.requests(since).await),
    }
}

fn print_download(label: &str, d: &Download) {
    let c = &d.counts;
    println!(
        "{label}: {:.3} s wall; {} pages, {} requests ({} add-on settings reads, {} answered 429); \
         fetched {}, created {}, updated {}, closed {}, unchanged {}; simulator busy {:.3} s",
        d.wall.as_secs_f64(),
        d.seen.pages,
        d.seen.requests,
        d.seen.settings,
        d.seen.throttled,
        c.fetched,
        c.created,
        c.updated,
        c.closed,
        c.unchanged,
        d.seen.server.as_secs_f64(),
    );
}

type Stamp = (i64, DateTime<Utc>);

async fn stamps(state: &AppState, profile: i64) -> Vec<Stamp> {
    let mut rows: Vec<Stamp> = sub::Entity::find()
        .select_only()
        .columns([sub::Column::Id, sub::Column::UpdatedAt])
        .filter(sub::Column::ProfileId.eq(profile))
        .into_tuple()
        .all(&state.db)
        .await
        .unwrap();
    rows.sort();
    rows
}

#[tokio::main]
async fn main() {
    if serve_if_child().await {
        return;
    }
    let postgres = std::env::args().any(|a| a == "--postgres");
    let db_name = if postgres { "PostgreSQL" } else { "SQLite" };
    let args: Vec<String> = std::env::args().collect();
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let scale = Scale::from_args(&args);
    let want = |part: &str| match only.as_deref() {
        Some(o) => o == part,
        None => !(scale.bar && part == "paced"),
    };
    let users = scale.users;
    let events = scale.events;
    println!("database: {db_name}; Zoom tenant of {users} users, seed {SEED}");

    // 1. Unpaced downloads into fresh databases, add-on checks on (default) and off.
    let sim = SimProcess::start(users, SEED, "off").await;
    let licences = sim.licences();
    let mut kept = None;
    let runs: &[(&str, &str)] = match (want("download"), want("activity")) {
        (true, _) if !scale.bar => &[("true", "on"), ("false", "off")],
        (true, _) => &[("false", "off")],
        (false, true) => &[("false", "off")],
        (false, false) => &[],
    };
    for &(checks, label) in runs {
        let db = FreshDb::create(postgres, &format!("addon_{label}")).await;
        let extra = [
            ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
            ("SEATKEEPER_ZOOM_ADDON_CHECKS", checks),
        ];
        let (state, endpoint) = start_app(&db, "api", &extra).await;
        let profile = connect_profile(&endpoint, &sim).await;
        let before = reset_peak();
        let first = download(&state, &sim, profile).await;
        print_download(
            &format!("download {users} users, no rate limit, add-on checks {label} ({db_name})"),
            &first,
        );
        print_peak("the download", before);
        println!(
            "  peak RSS of the simulator's own process: {} MiB",
            sim.peak_rss_mib()
        );
        if checks == "true" {
            assert_eq!(
                first.counts.created as usize, licences,
                "a full download stores every licence of the truth"
            );
        }
        println!(
            "  rows created {} (simulator truth: {licences} licences)",
            first.counts.created
        );

        // 3. Unchanged re-download: nothing created, updated or closed; no updated_at moved.
        let before = stamps(&state, profile).await;
        let rss = reset_peak();
        let again = download(&state, &sim, profile).await;
        print_peak("the re-download", rss);
        let after = stamps(&state, profile).await;
        let c = &again.counts;
        let rewritten = before.iter().zip(&after).filter(|(a, b)| a != b).count()
            + before.len().abs_diff(after.len());
        print_download(
            &format!("re-download unchanged, add-on checks {label} ({db_name})"),
            &again,
        );
        println!(
            "  rows written {} (created + updated + closed), updated_at changed on {rewritten} rows",
            c.created + c.updated + c.closed
        );
        assert_eq!(
            (c.created, c.updated, c.closed, rewritten),
            (0, 0, 0, 0),
            "an unchanged re-download writes nothing"
        );
        if checks == "false" {
            kept = Some((db, state, profile));
        } else {
            db.drop().await;
        }
    }
    sim.stop().await;

    // 4. The activity events ingested and rolled up, on the add-on-off database.
    if let Some((db, state, profile)) = kept {
        if !want("activity") {
            drop(state);
            db.drop().await;
            return;
        }
        println!("  RSS before the holders: {} MiB", reset_peak());
        let holders = zoom_holders(&state.db, profile).await;
        let now = now_in_seconds();
        let before = reset_peak();
        let started = Instant::now();
        let counts =
            sync::ingest_activity(&state.db, profile, zoom_events(&holders, events, now, SEED))
                .await
                .unwrap_or_else(|e| panic!("{}", e.message()));
        let wall = started.elapsed();
        println!(
            "ingest {events} activity events ({} batches of {EVENT_BATCH}) and roll up ({db_name}): {:.3} s, {:.0} events/s; \
         stored {}, subscriptions moved {}",
            events.div_ceil(EVENT_BATCH),
            wall.as_secs_f64(),
            events as f64 / wall.as_secs_f64(),
            counts.created,
            counts.updated
        );
        print_peak("the ingest", before);
        assert_eq!(counts.created as usize, events);
        let started = Instant::now();
        let counts =
            sync::ingest_activity(&state.db, profile, zoom_events(&holders, events, now, SEED))
                .await
                .unwrap_or_else(|e| panic!("{}", e.message()));
        let wall = started.elapsed();
        assert_eq!(
            counts.created, 0,
            "the same events again are all duplicates"
        );
        println!(
            "re-ingest the same {events} events (all duplicates) ({db_name}): {:.3} s, {:.0} events/s; stored {}, moved {}",
            wall.as_secs_f64(),
            events as f64 / wall.as_secs_f64(),
            counts.created,
            counts.updated
        );
        drop(state);
        db.drop().await;
    }

    // 2. Paced: the simulator enforces 60 requests/s and the connector keeps to 60/s.
    if !want("paced") {
        return;
    }
    let sim = SimProcess::start(users, SEED, &PACED_RATE.to_string()).await;
    let db = FreshDb::create(postgres, "paced").await;
    let rate = PACED_RATE.to_string();
    let extra = [
        ("SEATKEEPER_VENDOR_RATE_LIMIT", rate.as_str()),
        ("SEATKEEPER_ZOOM_ADDON_CHECKS", "false"),
    ];
    let (state, endpoint) = start_app(&db, "api", &extra).await;
    let profile = connect_profile(&endpoint, &sim).await;
    let paced = download(&state, &sim, profile).await;
    print_download(
        &format!(
            "download {users} users at {PACED_RATE} requests/s, add-on checks off ({db_name})"
        ),
        &paced,
    );
    let floor = paced.seen.pages as f64 / f64::from(PACED_RATE);
    println!(
        "  floor {} pages / {PACED_RATE} = {floor:.3} s; wall {:.3} s = {:.3} x floor; failed requests (429) {}",
        paced.seen.pages,
        paced.wall.as_secs_f64(),
        paced.wall.as_secs_f64() / floor,
        paced.seen.throttled
    );
    drop(state);
    db.drop().await;
    sim.stop().await;
}
