//! Job state change → subscriber event latency.
//!
//! A client subscribes to `jobRunUpdates` over WebSocket (graphql-transport-ws); the bench
//! then drives job runs through their lives the way a worker does (queue, start, progress,
//! finish: each change written to the database, then published) and times each change from
//! just before its database write to the arrival of its event at the client.
//!
//! `cargo bench --bench job_events`: SQLite, one process. With PostgreSQL reachable
//! (SEATKEEPER_TEST_POSTGRES_URL or the local default) it also measures across processes:
//! the subscriber on one server, the changes made by another (each with its own pool and
//! event bridge), events crossing through LISTEN/NOTIFY. `-- --sqlite-only` skips that.

use std::time::{Duration, Instant};

use chrono::Utc;
use entity::enums::{JobKind, ProfileStatus, Vendor};
use entity::{integration_profile, job_run};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, Set};
use seatkeeper::config::Settings;
use seatkeeper::domain::job_runs::{self, Outcome, Start};
use seatkeeper::domain::sync::{Progress, RunCounts};
use seatkeeper::graphql::relay::global_id;
use seatkeeper::startup::Application;
use seatkeeper::state::AppState;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Runs driven through queue → start → PROGRESS_STEPS progress reports → finish.
const RUNS: usize = 60;
const PROGRESS_STEPS: i64 = 4;
const TOKEN: &str = "sk_bench_admin_token_0123456789";
const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn settings(url: &str, role: &str) -> Settings {
    let vars = [
        ("SEATKEEPER_LISTEN", "127.0.0.1:0"),
        ("SEATKEEPER_DATABASE_URL", url),
        ("SEATKEEPER_ADMIN_TOKEN", TOKEN),
        ("SEATKEEPER_MASTER_KEY", MASTER_KEY),
        ("SEATKEEPER_ROLE", role),
        ("SEATKEEPER_HTTP_WORKERS", "1"),
        ("SEATKEEPER_DB_MAX_CONNECTIONS", "4"),
        ("SEATKEEPER_SCHEDULER_INTERVAL_SECS", "3600"),
    ];
    Settings::from_env_fn(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

async fn start(url: &str, role: &str) -> (AppState, u16) {
    let app = Application::build(settings(url, role)).await.unwrap();
    let (state, port) = (app.state.clone(), app.port);
    tokio::spawn(app.into_server());
    (state, port)
}

async fn subscribe(port: u16, profile: &str) -> Ws {
    let url = format!("ws://127.0.0.1:{port}/graphql");
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let send = |v: Value| Message::Text(v.to_string());
    ws.send(send(
        json!({ "type": "connection_init", "payload": { "token": TOKEN } }),
    ))
    .await
    .unwrap();
    let ack = ws.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"));
    let query = format!(
        "subscription {{ jobRunUpdates(profileId: \"{profile}\") {{ id state progressDone }} }}"
    );
    ws.send(send(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    ))
    .await
    .unwrap();
    ws
}

/// Waits for the event `(state, progressDone)`; returns when it arrived.
async fn arrival(ws: &mut Ws, state: &str, progress: i64) -> Instant {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .unwrap();
        let Message::Text(text) = msg else { continue };
        let v: Value = serde_json::from_str(&text).unwrap();
        let run = &v["payload"]["data"]["jobRunUpdates"];
        if run["state"] == state && run["progressDone"] == progress {
            return Instant::now();
        }
    }
}

async fn profile(state: &AppState) -> i64 {
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
    .insert(&state.db)
    .await
    .unwrap()
    .id
}

/// Drives the runs with `actor`'s state while `ws` listens; returns the latencies.
async fn measure(actor: &AppState, ws: &mut Ws, profile_id: i64) -> Vec<Duration> {
    let mut latencies = Vec::new();
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let mut run: job_run::Model = seatkeeper::jobs::enqueue(
            actor,
            None,
            Some(profile_id),
            JobKind::DownloadSubscriptions,
            None,
        )
        .await
        .unwrap();
        latencies.push(arrival(ws, "QUEUED", 0).await - t0);

        let t0 = Instant::now();
        let task = run.task_id.clone().unwrap();
        run = match job_runs::start(&actor.db, run.id, &task, 3).await.unwrap() {
            Start::Run(run) => run,
            other => panic!("not started: {other:?}"),
        };
        actor.jobs.events.publish(&run).await;
        latencies.push(arrival(ws, "RUNNING", 0).await - t0);

        for done in 1..=PROGRESS_STEPS {
            let t0 = Instant::now();
            let progress = Progress {
                done,
                total: Some(PROGRESS_STEPS),
                counts: RunCounts::default(),
            };
            job_runs::record_progress(&actor.db, &mut run, &progress)
                .await
                .unwrap();
            actor.jobs.events.publish(&run).await;
            latencies.push(arrival(ws, "RUNNING", done).await - t0);
        }

        let t0 = Instant::now();
        job_runs::finish(
            &actor.db,
            &mut run,
            Outcome::Succeeded(RunCounts::default()),
        )
        .await
        .unwrap();
        actor.jobs.events.publish(&run).await;
        latencies.push(arrival(ws, "SUCCEEDED", PROGRESS_STEPS).await - t0);
    }
    latencies
}

fn report(label: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: {} state changes; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        ms(at(0.50)),
        ms(at(0.90)),
        ms(at(0.99)),
        ms(*latencies.last().unwrap()),
    );
}

async fn sqlite() {
    let dir = std::env::temp_dir().join(format!("seatkeeper_job_events_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
    // API role: the bench itself plays the worker, so nothing else touches the runs.
    let (state, port) = start(&url, "api").await;
    let profile_id = profile(&state).await;
    let gid = global_id("IntegrationProfile", profile_id).to_string();
    let mut ws = subscribe(port, &gid).await;
    let latencies = measure(&state, &mut ws, profile_id).await;
    report("SQLite, one process", latencies);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn postgres() {
    let base = std::env::var("SEATKEEPER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let Ok(admin) = Database::connect(&base).await else {
        println!("PostgreSQL unreachable at {base}: cross-process figures skipped");
        return;
    };
    let name = format!("sk_bench_events_{}", std::process::id());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let root = base.rsplit_once('/').unwrap().0;
    let url = format!("{root}/{name}");
    {
        let (api, port) = start(&url, "api").await;
        // A second application with its own pool and event bridge plays the worker
        // process: events reach `api` only through NOTIFY. Its role is `api` too so that no
        // apalis worker races the bench for the tasks it queues (the bench is the worker).
        let (worker, _) = start(&url, "api").await;
        let profile_id = profile(&api).await;
        let gid = global_id("IntegrationProfile", profile_id).to_string();
        let mut ws = subscribe(port, &gid).await;
        let latencies = measure(&worker, &mut ws, profile_id).await;
        report("PostgreSQL, across processes (LISTEN/NOTIFY)", latencies);
    }
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
}

#[tokio::main]
async fn main() {
    let sqlite_only = std::env::args().any(|a| a == "--sqlite-only");
    sqlite().await;
    if !sqlite_only {
        postgres().await;
    }
}
