//! What the job tests share: apps with a chosen role on a chosen database, a
//! graphql-transport-ws client for `jobRunUpdates`, and waiting for a run's final state by
//! its events (never by sleeping).

use std::time::Duration;

use actix_web::dev::ServerHandle;
use entity::enums::{ProfileStatus, Vendor};
use entity::job_run;
use futures_util::{SinkExt, StreamExt};
use seatkeeper::config::Settings;
use seatkeeper::domain::job_runs::is_final;
use seatkeeper::graphql::relay::global_id;
use seatkeeper::startup::Application;
use seatkeeper::state::AppState;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::fixtures;
use crate::helpers::{ADMIN_TOKEN, GqlResponse, TestDatabase, test_settings};

/// How long a test waits for one event before it fails.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(20);

pub const RUN_DOWNLOAD: &str = "mutation($p: ID!) { runDownloadSubscriptions(profileId: $p) { id kind state attempt error queuedAt startedAt finishedAt } }";
pub const RUN_ACTIVITY: &str =
    "mutation($p: ID!) { runPullActivity(profileId: $p) { id kind state attempt } }";

/// One server process on a shared test database.
pub struct Proc {
    pub address: String,
    pub state: AppState,
    handle: ServerHandle,
    client: reqwest::Client,
}

impl Proc {
    /// Starts a server with `SEATKEEPER_ROLE=role` (api, worker or all) on `db`.
    pub async fn start(db: &TestDatabase, role: &str) -> Proc {
        Proc::start_with(test_settings(db, &[("SEATKEEPER_ROLE", role)])).await
    }

    /// Starts a server with these settings.
    pub async fn start_with(settings: Settings) -> Proc {
        let app = Application::build(settings).await.expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port);
        let state = app.state.clone();
        let server = app.into_server();
        let handle = server.handle();
        tokio::spawn(server);
        Proc {
            address,
            state,
            handle,
            client: reqwest::Client::new(),
        }
    }

    /// Stops the HTTP server (its workers, if any, stop with the test's runtime).
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }

    pub async fn gql(&self, query: &str, variables: Value) -> GqlResponse {
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
        GqlResponse { status, body }
    }
}

/// A published Zoom profile and its global id.
pub async fn profile(state: &AppState) -> (i64, String) {
    let p = fixtures::profile(&state.db, Vendor::Zoom, ProfileStatus::Published).await;
    (p.id, global_id("IntegrationProfile", p.id).to_string())
}

/// The raw id of a `JobRun` global id.
pub fn run_id(global: &Value) -> i64 {
    let id = async_graphql::ID(global.as_str().expect("an id").to_owned());
    seatkeeper::graphql::relay::expect_id(&id, "JobRun", "id").expect("a JobRun id")
}

/// Waits until run `id` is final, by its events; returns the final row.
pub async fn wait_final(state: &AppState, id: i64) -> job_run::Model {
    use sea_orm::EntityTrait;
    let mut events = state.jobs.events.subscribe();
    let now = job_run::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .unwrap()
        .expect("the run exists");
    if is_final(now.state) {
        return now;
    }
    loop {
        let run = tokio::time::timeout(EVENT_TIMEOUT, events.recv())
            .await
            .unwrap_or_else(|_| panic!("run {id} did not finish within {EVENT_TIMEOUT:?}"))
            .expect("events flow");
        if run.id == id && is_final(run.state) {
            return job_run::Model::clone(&run);
        }
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws subscription to `jobRunUpdates`, acknowledged and started.
pub struct RunUpdates {
    ws: Ws,
}

pub const UPDATE_FIELDS: &str =
    "id state attempt progressDone progressTotal error startedAt finishedAt";

impl RunUpdates {
    /// Subscribes on `address` with `arguments`, e.g. `profileId: "…"`. A profile's stream
    /// starts with its runs in progress as they stand when the server takes the
    /// subscription: a run queued just before would come already RUNNING, its QUEUED
    /// state missed. The protocol acknowledges no `subscribe`, so this returns once the
    /// server's subscriber gauge has risen. A run's stream (`jobRunId`) starts with the
    /// run as it stands and needs no wait.
    pub async fn open(address: &str, arguments: &str) -> RunUpdates {
        let before = job_subscribers(address).await;
        let url = format!("{}/graphql", address.replace("http://", "ws://"));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("upgrade accepted");
        let mut updates = RunUpdates { ws };
        updates
            .send(json!({ "type": "connection_init", "payload": { "token": ADMIN_TOKEN } }))
            .await;
        assert_eq!(
            updates.next_message().await.unwrap()["type"],
            "connection_ack"
        );
        let query = format!("subscription {{ jobRunUpdates({arguments}) {{ {UPDATE_FIELDS} }} }}");
        updates
            .send(json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }))
            .await;
        if arguments.starts_with("profileId") {
            let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
            while job_subscribers(address).await <= before {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the subscription became active"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        updates
    }

    async fn send(&mut self, value: Value) {
        self.ws
            .send(Message::Text(value.to_string()))
            .await
            .unwrap();
    }

    async fn next_message(&mut self) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(EVENT_TIMEOUT, self.ws.next())
                .await
                .expect("a message within the timeout")?;
            match msg.ok()? {
                Message::Text(text) => return serde_json::from_str(&text).ok(),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next `JobRun` streamed, or `None` when the subscription completed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let msg = self.next_message().await?;
            match msg["type"].as_str() {
                Some("next") => {
                    assert!(msg["payload"].get("errors").is_none(), "{msg}");
                    return Some(msg["payload"]["data"]["jobRunUpdates"].clone());
                }
                Some("complete") => return None,
                Some("ping") | Some("pong") => continue,
                other => panic!("unexpected {other:?}: {msg}"),
            }
        }
    }

    /// Updates of run `id` until it reaches a final state (inclusive); a profile's other
    /// runs (the reconciliation a download queues, say) are passed over.
    pub async fn until_final_of(&mut self, id: &Value) -> Vec<Value> {
        let mut seen = Vec::new();
        while let Some(run) = self.next().await {
            if &run["id"] != id {
                continue;
            }
            let done = matches!(
                run["state"].as_str(),
                Some("SUCCEEDED" | "FAILED" | "CANCELED")
            );
            seen.push(run);
            if done {
                break;
            }
        }
        seen
    }

    /// Updates until the run reaches a final state (inclusive).
    pub async fn until_final(&mut self) -> Vec<Value> {
        let mut seen = Vec::new();
        while let Some(run) = self.next().await {
            let done = matches!(
                run["state"].as_str(),
                Some("SUCCEEDED" | "FAILED" | "CANCELED")
            );
            seen.push(run);
            if done {
                break;
            }
        }
        seen
    }
}

/// `seatkeeper_job_run_subscribers` from the server's `/metrics`.
async fn job_subscribers(address: &str) -> usize {
    let text = reqwest::get(format!("{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("seatkeeper_job_run_subscribers "))
        .and_then(|n| n.parse().ok())
        .expect("the subscriber gauge on /metrics")
}

/// The states of `updates`, with consecutive repeats (progress) collapsed.
pub fn state_changes(updates: &[Value]) -> Vec<String> {
    let mut states: Vec<String> = Vec::new();
    for u in updates {
        let s = u["state"].as_str().unwrap().to_owned();
        if states.last() != Some(&s) {
            states.push(s);
        }
    }
    states
}

/// Asserts a run's updates tell its whole life in order: queued, running, final.
pub fn assert_whole_life(updates: &[Value]) {
    let states = state_changes(updates);
    assert!(states.len() >= 3, "too few changes: {updates:?}");
    assert_eq!(states[0], "QUEUED", "{updates:?}");
    assert_eq!(states[1], "RUNNING", "{updates:?}");
    let last = states.last().unwrap().as_str();
    assert!(
        matches!(last, "SUCCEEDED" | "FAILED" | "CANCELED"),
        "{updates:?}"
    );
    // Between the first RUNNING and the end, only retries may go back to QUEUED.
    for pair in updates.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert_eq!(a["id"], b["id"], "one run: {updates:?}");
        let (pa, pb) = (a["progressDone"].as_i64(), b["progressDone"].as_i64());
        if a["state"] == "RUNNING" && b["state"] == "RUNNING" {
            assert!(pb >= pa, "progress only moves forward: {updates:?}");
        }
    }
}
