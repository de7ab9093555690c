//! What the benches share: a fresh database per part, the server on it, GraphQL calls.
#![allow(dead_code)]

pub mod activity;
pub mod sim_process;
pub mod tenant;

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, Database};
use seatkeeper::config::Settings;
use seatkeeper::startup::Application;
use seatkeeper::state::AppState;
use serde_json::{Value, json};

pub const TOKEN: &str = "sk_bench_admin_token_0123456789";
pub const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub fn admin_url() -> String {
    std::env::var("SEATKEEPER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database: a SQLite file in a new directory, or a new PostgreSQL database.
pub struct FreshDb {
    pub url: String,
    pg_name: Option<String>,
    dir: Option<std::path::PathBuf>,
}

impl FreshDb {
    pub async fn create(postgres: bool, tag: &str) -> FreshDb {
        let unique = format!("{}_{tag}", std::process::id());
        if !postgres {
            let dir = std::env::temp_dir().join(format!("seatkeeper_bench_{unique}"));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
            return FreshDb {
                url,
                pg_name: None,
                dir: Some(dir),
            };
        }
        let name = format!("sk_bench_{unique}");
        let admin = Database::connect(&admin_url()).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        let base = admin_url();
        let root = base.rsplit_once('/').unwrap().0;
        FreshDb {
            url: format!("{root}/{name}"),
            pg_name: Some(name),
            dir: None,
        }
    }

    pub async fn drop(self) {
        if let Some(name) = self.pg_name
            && let Ok(admin) = Database::connect(&admin_url()).await
        {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = admin.execute_unprepared(&sql).await;
        }
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The server on `db` with its HTTP routes up; `role` says whether it runs job workers.
pub async fn start_app(db: &FreshDb, role: &str, extra: &[(&str, &str)]) -> (AppState, String) {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("SEATKEEPER_LISTEN", "127.0.0.1:0".to_owned()),
        ("SEATKEEPER_DATABASE_URL", db.url.clone()),
        ("SEATKEEPER_ADMIN_TOKEN", TOKEN.to_owned()),
        ("SEATKEEPER_MASTER_KEY", MASTER_KEY.to_owned()),
        ("SEATKEEPER_ROLE", role.to_owned()),
        ("SEATKEEPER_HTTP_WORKERS", "1".to_owned()),
        ("SEATKEEPER_DB_MAX_CONNECTIONS", "8".to_owned()),
    ]);
    for (k, v) in extra {
        vars.insert(k, (*v).to_owned());
    }
    let settings = Settings::from_env_fn(|k| vars.get(k).cloned()).unwrap();
    let app = Application::build(settings).await.unwrap();
    let state = app.state.clone();
    let endpoint = format!("http://127.0.0.1:{}/graphql", app.port);
    tokio::spawn(app.into_server());
    (state, endpoint)
}

pub async fn gql(endpoint: &str, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables });
    let resp = reqwest::Client::new()
        .post(endpoint)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let value: Value = resp.json().await.unwrap();
    assert!(value.get("errors").is_none(), "GraphQL errors: {value}");
    value["data"].clone()
}
