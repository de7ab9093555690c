//! The simulator's fault switches against real job runs: each ends in a retried success or
//! a failed run with nothing half-written (no row closed on a partial answer).

use entity::enums::JobState;
use seatkeeper_sim::{Fault, RateLimitMode, SimConfig, Simulator, Vendor as SimVendor};

use seatkeeper::domain::job_runs::error_code;
use seatkeeper::domain::run_errors::RunErrorCode;

use crate::helpers::{Db, TestApp, spawn_app_with};
use crate::sync_e2e::{connect, create_profile, run_and_wait, stored};

pub(crate) async fn published(
    db: Db,
    vendor: SimVendor,
    users: usize,
) -> (TestApp, Simulator, String, i64) {
    let sim = Simulator::start(
        SimConfig::new(vendor)
            .users(users)
            .seed(9)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let app = spawn_app_with(
        db,
        &[
            ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
            ("SEATKEEPER_JOB_RETRY_BACKOFF_MS", "50"),
        ],
    )
    .await;
    let alias = connect(&app, &sim).await;
    let profile = create_profile(&app, vendor, &alias).await;
    let id =
        seatkeeper::graphql::relay::expect_id(&profile.as_str().into(), "IntegrationProfile", "id")
            .unwrap();
    let check = app
        .gql(
            "mutation($p: ID!) { validateConnection(profileId: $p) { ok } }",
            serde_json::json!({ "p": profile }),
        )
        .await;
    assert_eq!(check.data()["validateConnection"]["ok"], true);
    let first = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
    assert_eq!(first.state, JobState::Succeeded, "{:?}", first.error);
    (app, sim, profile, id)
}

fn open_rows(rows: &[entity::software_subscription::Model]) -> usize {
    rows.iter().filter(|r| r.closed_at.is_none()).count()
}

async fn transient_faults_end_in_a_retried_success(db: Db) {
    let (app, sim, profile, id) = published(db, SimVendor::Zoom, 700).await;
    let before = open_rows(&stored(&app, id).await);
    sim.set_fault(Fault::RateLimitStorm { times: Some(3) })
        .unwrap();
    sim.set_fault(Fault::ServerError {
        status: 503,
        times: Some(2),
    })
    .unwrap();
    sim.set_fault(Fault::RevokeTokens { after: 3 }).unwrap();
    let run = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);
    assert_eq!((run.created, run.updated, run.closed), (0, 0, 0));
    assert_eq!(open_rows(&stored(&app, id).await), before);
}

async fn broken_json_fails_the_run_and_closes_nothing(db: Db) {
    let (app, sim, profile, id) = published(db, SimVendor::Aha, 700).await;
    let before = open_rows(&stored(&app, id).await);
    for fault in [
        Fault::TruncatedJson { times: None },
        Fault::MalformedJson { times: None },
    ] {
        sim.clear_faults();
        sim.set_fault(fault).unwrap();
        let run = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
        assert_eq!(run.state, JobState::Failed);
        assert_eq!(error_code(&run), Some(RunErrorCode::BadVendorData));
        assert!(
            run.error
                .as_deref()
                .unwrap_or_default()
                .contains("could not be read"),
            "{:?}",
            run.error
        );
        assert_eq!(open_rows(&stored(&app, id).await), before, "nothing closed");
    }
}

async fn a_download_missing_most_users_trips_the_guard(db: Db) {
    let (app, sim, profile, id) = published(db, SimVendor::Aha, 700).await;
    let before = open_rows(&stored(&app, id).await);
    // Aha! pages of 200: two empty pages lose more than half of the tenant.
    sim.set_fault(Fault::EmptyPage { page: 1 }).unwrap();
    sim.set_fault(Fault::EmptyPage { page: 2 }).unwrap();
    let run = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
    assert_eq!(run.state, JobState::Failed);
    assert_eq!(error_code(&run), Some(RunErrorCode::ShrinkGuard));
    assert!(
        run.error
            .as_deref()
            .unwrap_or_default()
            .contains("nothing was closed"),
        "{:?}",
        run.error
    );
    assert_eq!(open_rows(&stored(&app, id).await), before);
    // Duplicated users across pages are stored once.
    sim.clear_faults();
    sim.set_fault(Fault::DuplicateUsers { count: 5 }).unwrap();
    let run = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);
    assert_eq!((run.created, run.closed), (0, 0));
    assert_eq!(open_rows(&stored(&app, id).await), before);
}

crate::db_kind_test!(
    transient_faults_end_in_a_retried_success,
    broken_json_fails_the_run_and_closes_nothing,
    a_download_missing_most_users_trips_the_guard,
);
