//! Spawns the real server on port 0 with a fresh database (a temp SQLite file, or a new
//! PostgreSQL database dropped afterwards) and talks GraphQL to it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, Database};
use seatkeeper::config::Settings;
use seatkeeper::startup::Application;
use serde_json::{Value, json};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub const ADMIN_TOKEN: &str = "sk_test_admin_token_0123456789";
/// A fixed 32-byte key (base64) for PostgreSQL runs.
pub const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub fn postgres_base_url() -> String {
    std::env::var("SEATKEEPER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh, empty database; dropped (PostgreSQL) or deleted (SQLite) with this value.
pub struct TestDatabase {
    pub url: String,
    kind: Db,
    name: String,
    dir: Option<PathBuf>,
}

impl TestDatabase {
    pub async fn new(kind: Db) -> Self {
        match kind {
            Db::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name("seatkeeper_test"));
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.display());
                TestDatabase {
                    url,
                    kind,
                    name: String::new(),
                    dir: Some(dir),
                }
            }
            Db::Postgres => {
                let name = unique_name("sk_test");
                let admin = Database::connect(postgres_base_url())
                    .await
                    .expect("PostgreSQL must be running (see README: Testing)");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                let base = postgres_base_url();
                let root = base.rsplit_once('/').map(|(root, _)| root).unwrap_or(&base);
                TestDatabase {
                    url: format!("{root}/{name}"),
                    kind,
                    name,
                    dir: None,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if self.kind == Db::Postgres {
            let name = self.name.clone();
            // Drop runs outside async context: a short-lived runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(postgres_base_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Settings for a test server on `db`, with extra `SEATKEEPER_*` values.
pub fn test_settings(db: &TestDatabase, extra: &[(&str, &str)]) -> Settings {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("SEATKEEPER_LISTEN".into(), "127.0.0.1:0".into()),
        ("SEATKEEPER_DATABASE_URL".into(), db.url.clone()),
        ("SEATKEEPER_ADMIN_TOKEN".into(), ADMIN_TOKEN.into()),
        ("SEATKEEPER_HTTP_WORKERS".into(), "1".into()),
        ("SEATKEEPER_DB_MAX_CONNECTIONS".into(), "4".into()),
    ]);
    if db.kind == Db::Postgres {
        vars.insert("SEATKEEPER_MASTER_KEY".into(), MASTER_KEY.into());
    }
    for (k, v) in extra {
        vars.insert((*k).into(), (*v).into());
    }
    Settings::from_env_fn(|name| vars.get(name).cloned()).expect("test settings are valid")
}

/// A running server.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: seatkeeper::state::AppState,
    // Kept last so the server's pool is gone before the database is dropped.
    _db: TestDatabase,
}

pub async fn spawn_app(kind: Db) -> TestApp {
    spawn_app_with(kind, &[]).await
}

pub async fn spawn_app_with(kind: Db, extra: &[(&str, &str)]) -> TestApp {
    let db = TestDatabase::new(kind).await;
    let app = Application::build(test_settings(&db, extra))
        .await
        .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port);
    let state = app.state.clone();
    tokio::spawn(app.into_server());
    TestApp {
        address,
        client: reqwest::Client::new(),
        state,
        _db: db,
    }
}

/// A GraphQL response, with helpers for its data and errors.
#[derive(Debug)]
pub struct GqlResponse {
    pub status: u16,
    pub body: Value,
}

impl GqlResponse {
    /// The data, after asserting there were no errors.
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }

    /// The `extensions.code` of the first error.
    pub fn error_code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error with a code, got {}", self.body))
    }

    /// The `extensions.field` of the first error.
    pub fn error_field(&self) -> &str {
        self.body["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or_default()
    }
}

impl TestApp {
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.address)
    }

    /// POSTs an operation with the admin token.
    pub async fn gql(&self, query: &str, variables: Value) -> GqlResponse {
        self.gql_as(Some(ADMIN_TOKEN), query, variables).await
    }

    /// POSTs an operation with `token` (or none).
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> GqlResponse {
        let mut req = self
            .client
            .post(self.graphql_url())
            .header("content-type", "application/json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let body = resp.json().await.expect("JSON body");
        GqlResponse { status, body }
    }

    /// Creates a token holding exactly `role` and returns its value.
    pub async fn token_with(&self, role: &str) -> String {
        let resp = self
            .gql(
                "mutation($name: String!, $role: Role!) { createApiToken(name: $name, role: $role) { token } }",
                json!({ "name": format!("{role} test token"), "role": role }),
            )
            .await;
        resp.data()["createApiToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Declares a test that runs once on SQLite and once on PostgreSQL:
/// `db_test!(name)` needs `async fn name(app: TestApp)` in scope.
#[macro_export]
macro_rules! db_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$name($crate::helpers::spawn_app($crate::helpers::Db::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                super::$name($crate::helpers::spawn_app($crate::helpers::Db::Postgres).await).await;
            }
        }
    };
}

/// Declares tests that run once on SQLite and once on PostgreSQL and set up their own
/// server: `db_kind_test!(a, b)` needs `async fn a(db: Db)` (and `b`) in scope.
#[macro_export]
macro_rules! db_kind_test {
    ($($name:ident),+ $(,)?) => {
        $(mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                super::$name($crate::helpers::Db::Postgres).await;
            }
        })+
    };
}
