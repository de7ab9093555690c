//! A run that writes many rows refreshes PostgreSQL's planner statistics of what it wrote
//! (`ANALYZE`), instead of leaving the planner to judge the tables by their size before
//! the load until autovacuum comes by. SQLite keeps none and gets none.

use std::time::{Duration, Instant};

use entity::enums::JobState;
use sea_orm::{ConnectionTrait, Statement};
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor as SimVendor};

use crate::helpers::{Db, TestApp, spawn_app_with};
use crate::sync_e2e::{connect, create_profile, publish_first_run};

/// When `ANALYZE` last ran on the table by hand (autovacuum's runs are counted apart).
async fn analyzed(app: &TestApp, table: &str) -> Option<String> {
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            format!(
                "SELECT CAST(last_analyze AS TEXT) AS at FROM pg_stat_user_tables WHERE relname = '{table}'"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "at").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_download_of_a_large_tenant_refreshes_the_planner_statistics() {
    // 20,000 users hold well over 10,000 Zoom licences: a bulk load.
    let sim = Simulator::start(
        SimConfig::new(SimVendor::Zoom)
            .users(20_000)
            .seed(5)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let app = spawn_app_with(
        Db::Postgres,
        &[
            ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
            ("SEATKEEPER_ZOOM_ADDON_CHECKS", "false"),
        ],
    )
    .await;
    let alias = connect(&app, &sim).await;
    let profile = create_profile(&app, SimVendor::Zoom, &alias).await;
    assert_eq!(analyzed(&app, "software_subscription").await, None);
    let run = publish_first_run(&app, &profile).await;
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);
    assert!(run.created >= 10_000, "a bulk load: {}", run.created);
    // Statistics reach the view when the analysing session reports them (within a second).
    let deadline = Instant::now() + Duration::from_secs(5);
    while analyzed(&app, "software_subscription").await.is_none() {
        assert!(
            Instant::now() < deadline,
            "software_subscription was not analysed after the download"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(sim);
}
