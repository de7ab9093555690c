//! GraphQL over HTTP: negotiation, status codes, GET rules and browser-request refusal.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{ADMIN_TOKEN, Db, TestApp, spawn_app};

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    accept: Option<&str>,
    body: &str,
) -> (u16, String, String) {
    let mut req = app
        .client
        .post(app.graphql_url())
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

const QUERY: &str = r#"{"query":"{ viewer { role } }"}"#;

async fn browser_simple_requests_are_never_executed(app: TestApp) {
    let mutation =
        r#"{"query":"mutation { createApiToken(name: \"csrf\", role: ADMIN) { token } }"}"#;
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let (status, _, body) = post_raw(&app, ct, None, mutation).await;
        assert_eq!(status, 415, "{ct}: {body}");
    }
    let count = app.gql("{ apiTokens { totalCount } }", json!({})).await;
    assert_eq!(
        count.data()["apiTokens"]["totalCount"],
        1,
        "no token was created"
    );
}
db_test!(browser_simple_requests_are_never_executed);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_response_type_follows_the_accept_header() {
    let app = spawn_app(Db::Sqlite).await;
    let (status, ct, _) = post_raw(&app, "application/json", Some("application/json"), QUERY).await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/json; charset=utf-8")
    );
    let (status, ct, _) = post_raw(
        &app,
        "application/json",
        Some("application/graphql-response+json"),
        QUERY,
    )
    .await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/graphql-response+json; charset=utf-8")
    );
    let (_, ct, _) = post_raw(&app, "application/json", None, QUERY).await;
    assert_eq!(ct, "application/json; charset=utf-8");
    let (status, _, _) = post_raw(&app, "application/json", Some("text/csv"), QUERY).await;
    assert_eq!(status, 406);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_documents_are_400_only_under_graphql_response_json() {
    let app = spawn_app(Db::Sqlite).await;
    let bad = r#"{"query":"{ viewer { "}"#;
    let (status, _, body) = post_raw(
        &app,
        "application/json",
        Some("application/graphql-response+json"),
        bad,
    )
    .await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert!(body.get("data").is_none());
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (status, _, _) = post_raw(&app, "application/json", Some("application/json"), bad).await;
    assert_eq!(status, 200);
    let (status, _, _) = post_raw(&app, "application/json", None, "{not json").await;
    assert_eq!(status, 400);
    let (status, _, _) = post_raw(&app, "application/json", None, r#"{"query": 1}"#).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_runs_queries_refuses_mutations_and_serves_graphiql_to_browsers() {
    let app = spawn_app(Db::Sqlite).await;
    let get = |query: &str| {
        app.client
            .get(app.graphql_url())
            .bearer_auth(ADMIN_TOKEN)
            .query(&[("query", query)])
            .send()
    };
    let resp = get("{ viewer { role } }").await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["data"]["viewer"]["role"],
        "ADMIN"
    );
    let resp = get("mutation { createApiToken(name: \"x\", role: VIEWER) { token } }")
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    let page = app
        .client
        .get(app.graphql_url())
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_refuse_oversized_pages_and_deep_queries() {
    let app = spawn_app(Db::Sqlite).await;
    let resp = app
        .gql("{ apiTokens(first: 501) { totalCount } }", json!({}))
        .await;
    assert_eq!(resp.error_code(), "BAD_USER_INPUT");
    assert_eq!(resp.error_field(), "first");
    // __schema > types > fields > type, then eleven ofType and a name: 16 levels.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(11),
        "} ".repeat(11)
    );
    let resp = app.gql(&deep, json!({})).await;
    assert_eq!(resp.error_code(), "QUERY_TOO_DEEP", "{}", resp.body);
}

/// graphql-http's own audit (npm `graphql-http`) against the real server: no MUST or
/// SHOULD may fail. Needs Node.js and npm, which the CI script installs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_http_audit_reports_no_failure() {
    let app = spawn_app(Db::Sqlite).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/http-audit");
    if !dir.join("node_modules/graphql-http").exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&dir)
            .status()
            .expect("npm is installed (see README: Testing)");
        assert!(status.success(), "npm ci failed in tests/http-audit");
    }
    let out = tokio::process::Command::new("node")
        .arg("audit.mjs")
        .arg(app.graphql_url())
        .arg(ADMIN_TOKEN)
        .current_dir(&dir)
        .output()
        .await
        .expect("node is installed (see README: Testing)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "graphql-http audit failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
