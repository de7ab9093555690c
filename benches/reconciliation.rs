//! Reconciliation against the bars of issue 11.
//!
//! 1. `reconcile`: a `RECONCILE` run over 1,000,000 open subscriptions of 1,000 software
//!    models against 10,000 entitlements (ten per model, a tenth in EUR, some drafts and
//!    some expired), with 50,000 open and 10,000 reclaimed candidates (aims < 1 s on
//!    SQLite, < 2 s on PostgreSQL). Asserts the positions' totals against the generated
//!    data.
//! 2. `dashboard`: a 100,000-subscription tenant (20 models, activity spread over a year,
//!    15,000 open candidates): `licenseSummary` through HTTP by 8 concurrent clients for
//!    10 s (aim p99 < 10 ms). The CSV export of the same tenant is `benches/export.rs`:
//!    it counts the heap with a global allocator, whose shared counters would tax every
//!    allocation of this load.
//!
//! `cargo bench --bench reconciliation` (SQLite) or `-- --postgres`; `-- --only
//! reconcile|dashboard` runs one part. Prints the figures; asserts correctness only.

use std::time::{Duration, Instant};

use entity::license_position;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use seatkeeper::domain::reconciliation;
use serde_json::json;

mod common;
use common::tenant::{
    self, DASH_CANDIDATES, DASH_MODELS, DASH_SUBS, ENTITLEMENTS_PER_MODEL, NoProgress, candidates,
    entitlements, models, profile, subscriptions,
};
use common::{FreshDb, TOKEN, start_app};

const MODELS: i64 = 1_000;
const SUBS_PER_MODEL: i64 = 1_000;
const OPEN_CANDIDATES: i64 = 50_000;
const RECLAIMED: i64 = 10_000;

const CLIENTS: usize = 8;
const LOAD_FOR: Duration = Duration::from_secs(10);

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Part 1: one run over a million subscriptions.
async fn reconcile(postgres: bool, db_name: &str) {
    let db = FreshDb::create(postgres, "reconcile").await;
    let (state, _) = start_app(&db, "api", &[]).await;
    let started = Instant::now();
    let profile = profile(&state.db).await;
    let models = models(&state.db, MODELS).await;
    subscriptions(&state.db, profile, &models, SUBS_PER_MODEL).await;
    let counted = entitlements(&state.db, &models).await;
    candidates(&state.db, profile, &models, OPEN_CANDIDATES, RECLAIMED).await;
    tenant::loaded(&state).await;
    println!(
        "setup      {db_name}  {} subscriptions, {} models, {} entitlements, {} candidates in {:.1} s",
        MODELS * SUBS_PER_MODEL,
        MODELS,
        MODELS * ENTITLEMENTS_PER_MODEL,
        OPEN_CANDIDATES + RECLAIMED,
        started.elapsed().as_secs_f64()
    );
    for round in ["first", "again"] {
        let started = Instant::now();
        let counts = reconciliation::reconcile_run(&state, None, &NoProgress)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let took = started.elapsed();
        assert_eq!(counts.created, MODELS);
        println!(
            "reconcile  {db_name}  {round}: {} models over {} subscriptions in {}",
            counts.created,
            MODELS * SUBS_PER_MODEL,
            ms(took)
        );
    }
    // The first model: its counted rights, its distinct holders (every 50th holds two,
    // every 97th subscription is cost-excluded).
    let first = license_position::Entity::find()
        .filter(license_position::Column::SoftwareModelId.eq(models[0]))
        .filter(license_position::Column::IsLatest.eq(true))
        .one(&state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.rights_owned, counted);
    let holders: std::collections::BTreeSet<i64> = (0..SUBS_PER_MODEL)
        .filter(|n| n % 97 != 0)
        .map(|j| if j % 50 == 49 { j - 1 } else { j })
        .collect();
    assert_eq!(first.rights_used, holders.len() as i64);
    let latest = license_position::Entity::find()
        .filter(license_position::Column::IsLatest.eq(true))
        .count(&state.db)
        .await
        .unwrap();
    assert_eq!(latest as i64, MODELS, "one latest position per model");
    drop(state);
    db.drop().await;
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Part 2: the summary under load over 100k subscriptions.
async fn dashboard(postgres: bool, db_name: &str) {
    let db = FreshDb::create(postgres, "dashboard").await;
    // Two HTTP workers, one per core, as a server would run.
    let (state, endpoint) = start_app(&db, "api", &[("SEATKEEPER_HTTP_WORKERS", "2")]).await;
    let (_, _, refresh) = tenant::dashboard(&state).await;
    println!(
        "setup      {db_name}  {DASH_SUBS} subscriptions, {DASH_MODELS} models, {DASH_CANDIDATES} open candidates; seat summary rewritten in {}",
        ms(refresh)
    );

    let query = "{ licenseSummary { total { assigned idle percentUnused lastActivity { days0To30 days30To60 days60To90 days90Plus never } amounts { currency annualSpend { amount } trueUpCost { amount } potentialSavings { amount } actualSavings { amount } } } byProfile { figures { assigned idle } } bySoftwareModel { complianceStatus figures { assigned idle percentUnused } } } }";
    let deadline = Instant::now() + LOAD_FOR;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let endpoint = endpoint.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let resp = client
                    .post(&endpoint)
                    .bearer_auth(TOKEN)
                    .json(&json!({ "query": query }))
                    .send()
                    .await
                    .unwrap();
                let body: serde_json::Value = resp.json().await.unwrap();
                latencies.push(started.elapsed());
                assert_eq!(
                    body["data"]["licenseSummary"]["total"]["assigned"], DASH_SUBS,
                    "{body}"
                );
                assert_eq!(
                    body["data"]["licenseSummary"]["total"]["idle"],
                    DASH_CANDIDATES
                );
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    println!(
        "summary    {db_name}  licenseSummary, {CLIENTS} clients for {:?}: {} requests, {:.0}/s, p50 {}, p99 {}, max {}",
        LOAD_FOR,
        all.len(),
        all.len() as f64 / LOAD_FOR.as_secs_f64(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(all[all.len() - 1])
    );

    drop(state);
    db.drop().await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let postgres = args.iter().any(|a| a == "--postgres");
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let db_name = if postgres { "PostgreSQL" } else { "SQLite" };
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    if run("reconcile") {
        reconcile(postgres, db_name).await;
    }
    if run("dashboard") {
        dashboard(postgres, db_name).await;
    }
}
