//! Scheduled jobs: each profile's daily schedule, and due jobs claimed exactly once even
//! when several schedulers (worker processes) race for them.

use chrono::{Duration, Utc};
use entity::enums::JobKind;
use entity::{job_run, scheduled_job};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use seatkeeper::domain::jobs::{ensure_profile_schedule, remove_profile_schedule};
use seatkeeper::jobs::scheduler;
use serde_json::json;

use crate::helpers::{Db, TestDatabase};
use crate::jobs_support::{Proc, profile};

async fn a_profile_gets_a_daily_download_and_activity_job(app: Proc) {
    let db = &app.state.db;
    let (id, pid) = profile(&app.state).await;
    let jobs = ensure_profile_schedule(db, id, true).await.unwrap();
    let kinds: Vec<JobKind> = jobs.iter().map(|j| j.kind).collect();
    assert_eq!(
        kinds,
        [
            JobKind::DownloadSubscriptions,
            JobKind::Reconcile,
            JobKind::PullActivity
        ]
    );
    for job in &jobs {
        assert!(job.active);
        let next = job.next_run_at.expect("a next run");
        assert!(
            next > Utc::now() && next <= Utc::now() + Duration::days(1),
            "{job:?}"
        );
    }
    // Idempotent: the same three rows, unchanged.
    assert_eq!(ensure_profile_schedule(db, id, true).await.unwrap(), jobs);

    let listed = app
        .gql(
            "query($p: ID) { scheduledJobs(profileId: $p, first: 10) { edges { node { kind cron nextRunAt } } } }",
            json!({ "p": pid }),
        )
        .await;
    let edges = listed.body["data"]["scheduledJobs"]["edges"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(edges, 3, "{}", listed.body);

    // Activity off: the activity job goes; removing the download job leaves none.
    let left = ensure_profile_schedule(db, id, false).await.unwrap();
    let kinds: Vec<JobKind> = left.iter().map(|j| j.kind).collect();
    assert_eq!(kinds, [JobKind::DownloadSubscriptions, JobKind::Reconcile]);
    assert_eq!(
        remove_profile_schedule(db, id, JobKind::DownloadSubscriptions)
            .await
            .unwrap(),
        1
    );
    assert!(ensure_profile_schedule(db, id, false).await.is_ok());
}

async fn a_due_job_is_claimed_once_by_racing_schedulers(app: Proc) {
    let db = &app.state.db;
    let (id, _) = profile(&app.state).await;
    let jobs = ensure_profile_schedule(db, id, true).await.unwrap();
    let download = jobs
        .iter()
        .find(|j| j.kind == JobKind::DownloadSubscriptions)
        .unwrap();
    let due_at = Utc::now() - Duration::minutes(5);
    let mut row: scheduled_job::ActiveModel = download.clone().into();
    row.next_run_at = Set(Some(due_at));
    row.update(db).await.unwrap();

    // Four schedulers at once, as four worker processes would.
    let (a, b, c, d) = tokio::join!(
        scheduler::tick(&app.state),
        scheduler::tick(&app.state),
        scheduler::tick(&app.state),
        scheduler::tick(&app.state),
    );
    let claimed: usize = [a, b, c, d].into_iter().map(|r| r.unwrap().len()).sum();
    assert_eq!(claimed, 1, "claimed exactly once");

    let runs = job_run::Entity::find()
        .filter(job_run::Column::ProfileId.eq(id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].kind, JobKind::DownloadSubscriptions);
    assert_eq!(runs[0].scheduled_job_id, Some(download.id));

    let after = scheduled_job::Entity::find_by_id(download.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        after.next_run_at.unwrap() > Utc::now(),
        "moved to its next time"
    );
    assert!(after.last_run_at.is_some());
    // Nothing is due any more.
    assert!(scheduler::tick(&app.state).await.unwrap().is_empty());
}

async fn with_api_app(kind: Db, test: impl AsyncFnOnce(Proc)) {
    // API role: no scheduler of its own to race with the test's.
    let db = TestDatabase::new(kind).await;
    let app = Proc::start(&db, "api").await;
    test(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_gets_a_daily_download_and_activity_job_on_sqlite() {
    with_api_app(Db::Sqlite, a_profile_gets_a_daily_download_and_activity_job).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_gets_a_daily_download_and_activity_job_on_postgres() {
    with_api_app(
        Db::Postgres,
        a_profile_gets_a_daily_download_and_activity_job,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_job_is_claimed_once_by_racing_schedulers_on_sqlite() {
    with_api_app(Db::Sqlite, a_due_job_is_claimed_once_by_racing_schedulers).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_job_is_claimed_once_by_racing_schedulers_on_postgres() {
    with_api_app(Db::Postgres, a_due_job_is_claimed_once_by_racing_schedulers).await;
}
