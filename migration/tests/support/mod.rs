//! What the migration test files share: fresh databases, removed afterwards even when a
//! test panics, and fixed times.
#![allow(dead_code)] // each test file uses its own part

use std::future::Future;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeZone, Utc};
use entity::enums::{ProfileStatus, Vendor};
use entity::{integration_profile, software_model, software_subscription};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{}_{nanos}", std::process::id())
}

/// Removes the temporary directory even when the test panics.
pub struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn at(secs: i64) -> DateTime<Utc> {
    // Whole seconds: PostgreSQL keeps microseconds, so `Utc::now()` would not round-trip.
    Utc.timestamp_opt(1_790_000_000 + secs, 0).unwrap()
}

/// `base` with its database name replaced by `name`, keeping any query string.
pub fn with_database(base: &str, name: &str) -> String {
    let (url, query) = match base.split_once('?') {
        Some((url, query)) => (url, format!("?{query}")),
        None => (base, String::new()),
    };
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let server = match url[scheme_end..].find('/') {
        Some(i) => &url[..scheme_end + i],
        None => url,
    };
    format!("{server}/{name}{query}")
}

/// Runs `test` on a new SQLite file (removed afterwards); `test` hands the connection back
/// to be closed.
pub async fn on_fresh_sqlite<F, Fut>(test: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = DatabaseConnection>,
{
    let dir = TempDir(std::env::temp_dir().join(format!("sk_mig_{}", unique_suffix())));
    std::fs::create_dir_all(&dir.0).expect("create temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.0.join("seatkeeper.db").display()
    );
    let db = Database::connect(url).await.expect("open SQLite");
    let db = test(db).await;
    db.close().await.expect("close SQLite");
}

/// Runs `test` on a new PostgreSQL database, dropped afterwards even when `test` panics
/// (it runs in its own task).
pub async fn on_fresh_postgres<F, Fut>(test: F)
where
    F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
    Fut: Future<Output = DatabaseConnection> + Send,
{
    let admin_url = std::env::var("SEATKEEPER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let admin = Database::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL (set SEATKEEPER_TEST_POSTGRES_URL)");
    let name = format!("sk_mig_{}", unique_suffix());
    admin
        .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
        .await
        .expect("create test database");

    let url = with_database(&admin_url, &name);
    let outcome = tokio::spawn(async move {
        let db = Database::connect(url)
            .await
            .expect("connect to test database");
        let db = test(db).await;
        db.close().await.expect("close test database");
    })
    .await;

    admin
        .execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
        .await
        .expect("drop test database");
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// A draft Zoom profile, under `alias` when given.
pub fn draft_profile(alias: Option<i64>) -> integration_profile::ActiveModel {
    integration_profile::ActiveModel {
        id: NotSet,
        display_name: Set("Zoom".into()),
        vendor: Set(Vendor::Zoom),
        status: Set(ProfileStatus::Draft),
        alias_id: Set(alias),
        download_activity: Set(true),
        reclaim: Set(true),
        activity_look_back_days: Set(180),
        activity_covered_from: Set(None),
        activity_covered_to: Set(None),
        validated_at: Set(None),
        last_validation: Set(None),
        published_at: Set(None),
        created_at: Set(at(0)),
        updated_at: Set(at(0)),
    }
}

/// The Zoom Meetings Licensed software model.
pub fn zoom_meetings() -> software_model::ActiveModel {
    software_model::ActiveModel {
        id: NotSet,
        publisher: Set("Zoom".into()),
        product: Set("Zoom Meetings".into()),
        edition: Set("Licensed".into()),
        vendor: Set(Vendor::Zoom),
        display_name: Set("Zoom Meetings Licensed".into()),
        created_at: Set(at(0)),
    }
}

/// Ada's subscription of `model_id` under `profile_id`.
pub fn subscription(profile_id: i64, model_id: i64) -> software_subscription::ActiveModel {
    software_subscription::ActiveModel {
        id: NotSet,
        profile_id: Set(profile_id),
        software_model_id: Set(Some(model_id)),
        identifier: Set("1".into()),
        external_user_id: Set("u-123".into()),
        user_principal_name: Set("ada@example.com".into()),
        display_name: Set(Some("Ada Lovelace".into())),
        external_created_at: Set(Some(at(1))),
        assigned_at: Set(None),
        last_activity_at: Set(Some(at(2))),
        active: Set(true),
        is_privileged: Set(false),
        excluded_from_cost: Set(false),
        excluded_from_reclaim: Set(false),
        first_seen_at: Set(at(3)),
        last_seen_at: Set(at(4)),
        closed_at: Set(None),
        content_hash: Set(i64::MIN + 7),
        updated_at: Set(at(4)),
    }
}
