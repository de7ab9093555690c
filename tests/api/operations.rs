//! Health, readiness, metrics and start-up behaviour.

use serde_json::json;

use crate::db_test;
use crate::helpers::{Db, TestApp, TestDatabase, test_settings};

async fn health_readiness_and_metrics_answer_without_a_token(app: TestApp) {
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    app.gql("{ viewer { role } }", json!({})).await;
    app.gql("{ nope }", json!({})).await;
    let text = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(
        text.contains("seatkeeper_http_requests_total{route=\"/graphql\",status=\"200\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("seatkeeper_graphql_errors_total{code=\"BAD_USER_INPUT\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("seatkeeper_db_pool_connections{state=\"idle\"}"),
        "{text}"
    );
    assert!(
        text.contains("seatkeeper_http_request_duration_seconds_count"),
        "{text}"
    );
    // No subscriber yet (the jobs tests wait on this gauge rising).
    assert!(
        text.contains("\nseatkeeper_job_run_subscribers 0\n"),
        "{text}"
    );
}
db_test!(health_readiness_and_metrics_answer_without_a_token);

async fn second_start_on_the_same_database(kind: Db) {
    let db = TestDatabase::new(kind).await;
    for _ in 0..2 {
        let app = seatkeeper::startup::Application::build(test_settings(&db, &[]))
            .await
            .unwrap();
        assert!(
            app.generated_token.is_none(),
            "a configured admin token is never generated"
        );
        let tokens = <entity::api_token::Entity as sea_orm::EntityTrait>::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(
            tokens.len(),
            1,
            "the admin token is ensured once, not duplicated"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_start_is_a_no_op_on_sqlite() {
    second_start_on_the_same_database(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_start_is_a_no_op_on_postgres() {
    second_start_on_the_same_database(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_admin_token_one_is_generated_only_at_first_start() {
    let db = TestDatabase::new(Db::Sqlite).await;
    let settings = || {
        let mut s = test_settings(&db, &[]);
        s.admin_token = None;
        s
    };
    let first = seatkeeper::startup::Application::build(settings())
        .await
        .unwrap();
    let token = first.generated_token.clone().expect("a token is generated");
    assert!(token.starts_with("sk_"));
    drop(first);
    let second = seatkeeper::startup::Application::build(settings())
        .await
        .unwrap();
    assert!(second.generated_token.is_none());
}

#[test]
fn invalid_configuration_stops_the_binary_with_one_line_naming_the_setting() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_seatkeeper"))
        .arg("serve")
        .env("SEATKEEPER_LISTEN", "not-an-address")
        .env_remove("SEATKEEPER_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("SEATKEEPER_LISTEN"), "{stderr}");
}
