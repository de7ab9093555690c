//! Reconciliation against the bars of issue 11.
//!
//! 1. `reconcile`: a `RECONCILE` run over 1,000,000 open subscriptions of 1,000 software
//!    models against 10,000 entitlements (ten per model, a tenth in EUR, some drafts and
//!    some expired), with 50,000 open and 10,000 reclaimed candidates (aims < 1 s on
//!    SQLite, < 2 s on PostgreSQL). Asserts the positions' totals against the generated
//!    data.
//! 2. `dashboard`: a 100,000-subscription tenant (20 models, activity spread over a year,
//!    15,000 open candidates): `licenseSummary` through HTTP by 8 concurrent clients for
//!    10 s (aim p99 < 10 ms), and `GET /export/subscriptions.csv` of all 100,000 rows
//!    (aim < 1 s, memory flat: the peak growth of the Rust heap during the export, counted
//!    by this bench's allocator, for one model's 5,000 rows and for all 100,000; resident
//!    memory is printed too, but on SQLite it includes the page cache, up to 32 MiB per
//!    pooled connection).
//!
//! `cargo bench --bench reconciliation` (SQLite) or `-- --postgres`; `-- --only
//! reconcile|dashboard` runs one part. Prints the figures; asserts correctness only.

use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use entity::enums::{CandidateState, EntitlementPeriod, EntitlementState, ProfileStatus, Vendor};
use entity::{
    entitlement, integration_profile, license_position, removal_candidate, software_model,
    software_subscription as sub,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};
use seatkeeper::domain::reconciliation;
use seatkeeper::domain::sync::{Progress, ProgressSink};
use serde_json::json;

mod common;
use common::{FreshDb, TOKEN, start_app};

const MODELS: i64 = 1_000;
const SUBS_PER_MODEL: i64 = 1_000;
const ENTITLEMENTS_PER_MODEL: i64 = 10;
const OPEN_CANDIDATES: i64 = 50_000;
const RECLAIMED: i64 = 10_000;

const DASH_MODELS: i64 = 20;
const DASH_SUBS: i64 = 100_000;
const DASH_CANDIDATES: i64 = 15_000;
const CLIENTS: usize = 8;
const LOAD_FOR: Duration = Duration::from_secs(10);

/// Counts the bytes Rust code holds (SQLite's page cache is C's malloc, outside it), so
/// the export's own memory shows apart from the database's cache.
#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

struct NoProgress;

#[async_trait::async_trait]
impl ProgressSink for NoProgress {
    async fn report(&self, _progress: &Progress) {}
}

async fn profile(db: &DatabaseConnection) -> i64 {
    let now = Utc::now();
    integration_profile::ActiveModel {
        display_name: Set("bench".into()),
        vendor: Set(Vendor::Zoom),
        status: Set(ProfileStatus::Published),
        alias_id: Set(None),
        download_activity: Set(true),
        reclaim: Set(true),
        activity_look_back_days: Set(60),
        validated_at: Set(None),
        last_validation: Set(None),
        published_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn models(db: &DatabaseConnection, n: i64) -> Vec<i64> {
    let now = Utc::now();
    let rows = (0..n).map(|i| software_model::ActiveModel {
        publisher: Set("Bench".into()),
        product: Set(format!("Product {i}")),
        edition: Set(String::new()),
        vendor: Set(Vendor::Zoom),
        display_name: Set(format!("Bench Product {i}")),
        created_at: Set(now),
        ..Default::default()
    });
    let txn = db.begin().await.unwrap();
    for chunk in rows.collect::<Vec<_>>().chunks(500) {
        software_model::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let mut ids: Vec<i64> = software_model::Entity::find()
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// `per_model` open subscriptions of each model; holder `u{j}` of model `m`, where every
/// 50th holder also holds a second subscription (a holder uses one right).
async fn subscriptions(db: &DatabaseConnection, profile: i64, models: &[i64], per_model: i64) {
    let now = Utc::now();
    let txn = db.begin().await.unwrap();
    let mut batch = Vec::with_capacity(1_000);
    for (mi, model) in models.iter().enumerate() {
        for j in 0..per_model {
            let holder = if j % 50 == 49 { j - 1 } else { j };
            let n = mi as i64 * per_model + j;
            batch.push(sub::ActiveModel {
                profile_id: Set(profile),
                software_model_id: Set(Some(*model)),
                identifier: Set(format!("P{mi}")),
                external_user_id: Set(format!("x{n}")),
                user_principal_name: Set(format!("u{holder}.m{mi}@example.com")),
                display_name: Set(Some(format!("User {n}"))),
                external_created_at: Set(Some(now - Days::days(400))),
                assigned_at: Set(Some(now - Days::days(300 - (n % 290)))),
                last_activity_at: Set((n % 7 != 0).then(|| now - Days::days(n % 365))),
                active: Set(true),
                is_privileged: Set(false),
                excluded_from_cost: Set(n % 97 == 0),
                excluded_from_reclaim: Set(false),
                first_seen_at: Set(now),
                last_seen_at: Set(now),
                closed_at: Set(None),
                content_hash: Set(n),
                updated_at: Set(now),
                ..Default::default()
            });
            if batch.len() == 1_000 {
                sub::Entity::insert_many(std::mem::take(&mut batch))
                    .exec_without_returning(&txn)
                    .await
                    .unwrap();
            }
        }
    }
    if !batch.is_empty() {
        sub::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}

/// Ten entitlements per model: eight active (one in EUR), a draft and an expired one.
/// Returns the rights that count, per model (all models alike).
async fn entitlements(db: &DatabaseConnection, models: &[i64]) -> i64 {
    let now = Utc::now();
    let today = now.date_naive();
    let mut counted = 0;
    let mut rows = Vec::new();
    for (mi, model) in models.iter().enumerate() {
        for k in 0..ENTITLEMENTS_PER_MODEL {
            let rights = 80 + (mi as i64 % 60);
            let (state, end) = match k {
                8 => (EntitlementState::Draft, today + Days::days(200)),
                9 => (EntitlementState::Active, today - Days::days(1)),
                _ => (EntitlementState::Active, today + Days::days(30 + k * 40)),
            };
            if mi == 0 && k < 8 {
                counted += rights;
            }
            rows.push(entitlement::ActiveModel {
                software_model_id: Set(*model),
                name: Set(format!("order {mi}-{k}")),
                purchased_rights: Set(rights),
                unit_cost_minor: Set(1_000 + k * 100),
                currency: Set(if k == 3 { "EUR" } else { "USD" }.into()),
                period_start: Set(today - Days::days(300)),
                period_end: Set(end),
                period_type: Set(EntitlementPeriod::Monthly),
                state: Set(state),
                contract_reference: Set(None),
                note: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
    }
    let txn = db.begin().await.unwrap();
    for chunk in rows.chunks(1_000) {
        entitlement::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    counted
}

/// Open candidates and reclaimed ones, spread over the models (the triggers count them).
async fn candidates(db: &DatabaseConnection, profile: i64, models: &[i64], open: i64, done: i64) {
    let now = Utc::now();
    let txn = db.begin().await.unwrap();
    let mut batch = Vec::with_capacity(1_000);
    for i in 0..open + done {
        let reclaimed = i >= open;
        batch.push(removal_candidate::ActiveModel {
            profile_id: Set(Some(profile)),
            software_model_id: Set(Some(models[i as usize % models.len()])),
            user_principal_name: Set(format!("c{i}@example.com")),
            state: Set(if reclaimed {
                CandidateState::ClosedComplete
            } else {
                CandidateState::Ready
            }),
            threshold_days: Set(60),
            evidence: Set(json!({})),
            potential_savings_minor: Set(1_000),
            currency: Set("USD".into()),
            opened_at: Set(now),
            updated_at: Set(now),
            idle_since: Set(now - Days::days(90)),
            closed_at: Set(reclaimed.then_some(now)),
            realised_savings_minor: Set(reclaimed.then_some(1_000)),
            reclaimed_at: Set(reclaimed.then_some(now)),
            ..Default::default()
        });
        if batch.len() == 1_000 {
            removal_candidate::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&txn)
                .await
                .unwrap();
        }
    }
    if !batch.is_empty() {
        removal_candidate::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}

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

/// The resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Part 2: the summary under load and the CSV export, over 100k subscriptions.
async fn dashboard(postgres: bool, db_name: &str) {
    let db = FreshDb::create(postgres, "dashboard").await;
    // Two HTTP workers, one per core, as a server would run.
    let (state, endpoint) = start_app(&db, "api", &[("SEATKEEPER_HTTP_WORKERS", "2")]).await;
    let profile = profile(&state.db).await;
    let models = models(&state.db, DASH_MODELS).await;
    subscriptions(&state.db, profile, &models, DASH_SUBS / DASH_MODELS).await;
    entitlements(&state.db, &models).await;
    candidates(&state.db, profile, &models, DASH_CANDIDATES, 1_000).await;
    let started = Instant::now();
    reconciliation::refresh_seats(&state.db, profile, Utc::now().date_naive())
        .await
        .unwrap();
    let refresh = started.elapsed();
    reconciliation::reconcile_run(&state, None, &NoProgress)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
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

    // One model's 5,000 rows, then all 100,000 twice: flat memory grows no more with the
    // rows (the first full export also warms the database's page cache).
    let base = endpoint.replace("/graphql", "/export/subscriptions.csv");
    let one_model = format!(
        "{base}?softwareModelId={}",
        seatkeeper::graphql::relay::global_id("SoftwareModel", models[0]).as_str()
    );
    for (what, url, rows) in [
        ("one model", one_model.as_str(), DASH_SUBS / DASH_MODELS),
        ("all", base.as_str(), DASH_SUBS),
        ("all again", base.as_str(), DASH_SUBS),
    ] {
        let (took, bytes, grew, heap) = export(url, rows).await;
        println!(
            "export     {db_name}  subscriptions.csv ({what}): {rows} rows, {:.1} MB in {}; Rust heap peak +{:.2} MB, resident memory +{:.1} MB (with SQLite's page cache)",
            bytes as f64 / 1e6,
            ms(took),
            heap as f64 / 1e6,
            grew as f64 / 1024.0
        );
    }
    drop(state);
    db.drop().await;
}

/// Downloads an export, sampling this process's resident memory every 5 ms: how long it
/// took, its bytes, the peak growth of resident memory in KiB and of the Rust heap in
/// bytes. Asserts a header and `rows` lines.
async fn export(url: &str, rows: i64) -> (Duration, usize, u64, usize) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let before = rss_kib();
    let heap_before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let peak = Arc::new(AtomicU64::new(before));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let mut resp = reqwest::Client::new()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (mut bytes, mut lines) = (0usize, 0i64);
    while let Some(chunk) = resp.chunk().await.unwrap() {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count() as i64;
    }
    let took = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    assert_eq!(lines, rows + 1, "a header and every row");
    (
        took,
        bytes,
        peak.load(Ordering::Relaxed).saturating_sub(before),
        HEAP.peak_usage().saturating_sub(heap_before),
    )
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
