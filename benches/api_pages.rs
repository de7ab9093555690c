//! GraphQL page throughput: 100k software subscriptions in a fresh database, 8 clients
//! asking for `softwareSubscriptions(first: 50, after: …)` at random cursors.
//!
//! `cargo bench --bench api_pages` (SQLite) or
//! `cargo bench --bench api_pages -- --postgres` (needs SEATKEEPER_TEST_POSTGRES_URL or
//! the local default). Prints rows loaded, requests/s and latency percentiles.
//! `BENCH_DB_CONNS=N` sets the server's pool size (default 8, one per client).

use std::time::{Duration, Instant};

use async_graphql::connection::CursorType;
use chrono::Utc;
use entity::enums::{ProfileStatus, Vendor};
use entity::{integration_profile, software_subscription};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, EntityTrait, Set, TransactionTrait};
use seatkeeper::config::Settings;
use seatkeeper::graphql::relay::Cursor;
use seatkeeper::startup::Application;

const ROWS: i64 = 100_000;
const CLIENTS: usize = 8;
const DURATION: Duration = Duration::from_secs(10);
const TOKEN: &str = "sk_bench_admin_token_0123456789";
const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

async fn database_url(postgres: bool) -> (String, Option<String>) {
    if !postgres {
        let dir = std::env::temp_dir().join(format!("seatkeeper_bench_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        return (
            format!("sqlite://{}/bench.db?mode=rwc", dir.display()),
            None,
        );
    }
    let base = std::env::var("SEATKEEPER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("sk_bench_{}", std::process::id());
    let admin = Database::connect(&base).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let root = base.rsplit_once('/').unwrap().0;
    (format!("{root}/{name}"), Some(name))
}

async fn load_rows(db: &sea_orm::DatabaseConnection) -> Duration {
    let started = Instant::now();
    let now = Utc::now();
    let profile = integration_profile::ActiveModel {
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
    .unwrap();
    let txn = db.begin().await.unwrap();
    for chunk_start in (0..ROWS).step_by(1000) {
        let rows = (chunk_start..(chunk_start + 1000).min(ROWS)).map(|i| {
            software_subscription::ActiveModel {
                profile_id: Set(profile.id),
                software_model_id: Set(None),
                identifier: Set("2".into()),
                external_user_id: Set(format!("u{i}")),
                user_principal_name: Set(format!("user{i}@example.com")),
                display_name: Set(Some(format!("User {i}"))),
                external_created_at: Set(Some(now)),
                assigned_at: Set(None),
                last_activity_at: Set((i % 3 != 0).then(|| now - chrono::Duration::days(i % 120))),
                active: Set(true),
                is_privileged: Set(i % 500 == 0),
                excluded_from_cost: Set(false),
                excluded_from_reclaim: Set(false),
                first_seen_at: Set(now),
                last_seen_at: Set(now),
                closed_at: Set(None),
                content_hash: Set(i),
                updated_at: Set(now),
                ..Default::default()
            }
        });
        software_subscription::Entity::insert_many(rows)
            .exec(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    started.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

#[tokio::main]
async fn main() {
    let postgres = std::env::args().any(|a| a == "--postgres");
    let (url, pg_name) = database_url(postgres).await;
    let mut vars = std::collections::HashMap::from([
        ("SEATKEEPER_LISTEN", "127.0.0.1:0".to_owned()),
        ("SEATKEEPER_DATABASE_URL", url.clone()),
        ("SEATKEEPER_ADMIN_TOKEN", TOKEN.to_owned()),
        (
            "SEATKEEPER_DB_MAX_CONNECTIONS",
            std::env::var("BENCH_DB_CONNS").unwrap_or("8".into()),
        ),
    ]);
    if postgres {
        vars.insert("SEATKEEPER_MASTER_KEY", MASTER_KEY.to_owned());
    }
    let settings = Settings::from_env_fn(|k| vars.get(k).cloned()).unwrap();
    let app = Application::build(settings).await.unwrap();
    let load = load_rows(&app.state.db).await;
    let endpoint = format!("http://127.0.0.1:{}/graphql", app.port);
    tokio::spawn(app.into_server());

    let query = "query($after: String) { softwareSubscriptions(first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id userPrincipalName lastActivityAt inactiveDays active } } } }";
    let deadline = Instant::now() + DURATION;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let endpoint = endpoint.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let after = Cursor(rand::thread_rng().gen_range(0..ROWS - 50)).encode_cursor();
                let body = serde_json::json!({ "query": query, "variables": { "after": after } });
                let started = Instant::now();
                let resp = client
                    .post(&endpoint)
                    .bearer_auth(TOKEN)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let text = resp.text().await.unwrap();
                latencies.push(started.elapsed());
                assert!(text.contains("\"endCursor\""), "unexpected answer: {text}");
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let db = if postgres { "PostgreSQL" } else { "SQLite" };
    println!("database: {db}; rows loaded: {ROWS} in {:.2?}", load);
    println!(
        "softwareSubscriptions(first: 50, after: random) with {CLIENTS} clients for {:?}: {} requests, {:.0} requests/s",
        DURATION,
        all.len(),
        all.len() as f64 / DURATION.as_secs_f64()
    );
    println!(
        "latency p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}",
        percentile(&all, 0.50),
        percentile(&all, 0.90),
        percentile(&all, 0.99),
        all[all.len() - 1]
    );
    if let Some(name) = pg_name {
        let base = std::env::var("SEATKEEPER_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        if let Ok(admin) = Database::connect(&base).await {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .and_then(|p| p.split('?').next())
    {
        let _ = std::fs::remove_dir_all(std::path::Path::new(path).parent().unwrap());
    }
}
