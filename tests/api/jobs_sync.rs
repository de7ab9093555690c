//! Job runs over real syncs: a Zoom simulator tenant downloaded by `runDownloadSubscriptions`,
//! streamed page by page, downloaded again without a rewrite, and a vendor outage retried
//! with backoff until the run fails with the vendor's message on its last attempt.

use seatkeeper_sim::{Fault, RateLimitMode, SimConfig, Simulator, Vendor as SimVendor};
use serde_json::{Value, json};

use crate::helpers::{Db, TestDatabase, test_settings};
use crate::jobs_support::{RUN_DOWNLOAD, RunUpdates, assert_whole_life, run_id, wait_final};

const USERS: usize = 1_000;

struct SyncApp {
    app: crate::jobs_support::Proc,
    sim: Simulator,
    profile: String,
    _db: TestDatabase,
}

async fn zoom_app(kind: Db) -> SyncApp {
    let sim = Simulator::start(
        SimConfig::new(SimVendor::Zoom)
            .users(USERS)
            .seed(7)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .expect("the simulator starts");
    let db = TestDatabase::new(kind).await;
    let settings = test_settings(
        &db,
        &[
            ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
            ("SEATKEEPER_JOB_RETRY_BACKOFF_MS", "20"),
        ],
    );
    let app = crate::jobs_support::Proc::start_with(settings).await;
    let root = sim.base_url();
    let creds = sim.credentials();
    let alias = app
        .gql(
            "mutation($i: ConnectionAliasInput!) { createConnectionAlias(input: $i) { id } }",
            json!({ "i": {
                "name": "zoom sim", "vendor": "ZOOM",
                "baseUrl": root,
            } }),
        )
        .await;
    let alias = alias.data()["createConnectionAlias"]["id"].clone();
    app.gql(
        "mutation($a: ID!, $id: String, $secret: String, $account: String) { setConnectionCredentials(aliasId: $a, clientId: $id, clientSecret: $secret, accountId: $account) { id } }",
        json!({ "a": alias, "id": creds.client_id, "secret": creds.client_secret, "account": creds.account_id }),
    )
    .await
    .data();
    let profile = app
        .gql(
            "mutation($a: ID!) { createIntegrationProfile(input: { displayName: \"zoom\", vendor: ZOOM, aliasId: $a }) { id } }",
            json!({ "a": alias }),
        )
        .await;
    let profile = profile.data()["createIntegrationProfile"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    SyncApp {
        app,
        sim,
        profile,
        _db: db,
    }
}

async fn download(s: &SyncApp) -> (Vec<Value>, Value) {
    let mut updates =
        RunUpdates::open(&s.app.address, &format!("profileId: \"{}\"", s.profile)).await;
    let resp = s.app.gql(RUN_DOWNLOAD, json!({ "p": s.profile })).await;
    let id = resp.data()["runDownloadSubscriptions"]["id"].clone();
    let seen = updates.until_final_of(&id).await;
    let run = s
        .app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on JobRun { state attempt error progressDone progressTotal counts { fetched created updated closed unchanged errors requestsMade } } } }",
            json!({ "id": id }),
        )
        .await;
    (seen, run.data()["node"].clone())
}

async fn a_download_run_streams_its_pages_and_a_second_rewrites_nothing(kind: Db) {
    let s = zoom_app(kind).await;
    let (seen, first) = download(&s).await;
    assert_whole_life(&seen);
    assert_eq!(first["state"], "SUCCEEDED", "{first}");
    assert!(
        seen.iter().filter(|u| u["state"] == "RUNNING").count() >= 2,
        "progress is streamed: {seen:?}"
    );
    let counts = &first["counts"];
    let truth: usize = s
        .sim
        .truth()
        .users
        .iter()
        .map(|u| u.subscriptions.len())
        .sum();
    assert_eq!(counts["fetched"], truth, "{first}");
    assert_eq!(counts["created"], truth, "{first}");
    assert_eq!(counts["errors"], 0);
    assert_eq!(first["progressDone"], first["progressTotal"]);

    let (_, second) = download(&s).await;
    assert_eq!(second["state"], "SUCCEEDED", "{second}");
    assert_eq!(second["counts"]["created"], 0, "{second}");
    assert_eq!(second["counts"]["updated"], 0, "{second}");
    assert_eq!(second["counts"]["closed"], 0, "{second}");
    assert_eq!(second["counts"]["unchanged"], counts["created"], "{second}");
}

async fn a_vendor_outage_is_retried_then_fails_with_the_vendors_message(kind: Db) {
    let s = zoom_app(kind).await;
    s.sim
        .set_fault(Fault::ServerError {
            status: 503,
            times: None,
        })
        .unwrap();
    let resp = s.app.gql(RUN_DOWNLOAD, json!({ "p": s.profile })).await;
    let id = run_id(&resp.data()["runDownloadSubscriptions"]["id"]);
    let done = wait_final(&s.app.state, id).await;
    assert_eq!(done.state, entity::enums::JobState::Failed, "{done:?}");
    assert_eq!(seatkeeper::domain::job_runs::attempt(&done), 3, "{done:?}");
    assert_eq!(
        seatkeeper::domain::job_runs::error_code(&done),
        Some(seatkeeper::domain::run_errors::RunErrorCode::VendorUnavailable)
    );
    assert!(
        done.error.unwrap().contains("503"),
        "the vendor's failure is named"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_run_streams_its_pages_and_a_second_rewrites_nothing_on_sqlite() {
    a_download_run_streams_its_pages_and_a_second_rewrites_nothing(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_run_streams_its_pages_and_a_second_rewrites_nothing_on_postgres() {
    a_download_run_streams_its_pages_and_a_second_rewrites_nothing(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_outage_is_retried_then_fails_with_the_vendors_message_on_sqlite() {
    a_vendor_outage_is_retried_then_fails_with_the_vendors_message(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_outage_is_retried_then_fails_with_the_vendors_message_on_postgres() {
    a_vendor_outage_is_retried_then_fails_with_the_vendors_message(Db::Postgres).await;
}
