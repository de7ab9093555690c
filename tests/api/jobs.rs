//! Job runs end to end: queued by a mutation, executed by the in-process worker, deduplicated,
//! streamed over WebSocket, scheduled, and surviving a restart.
//!
//! The sync bodies (`domain::sync`) are another change: until they land, every run ends
//! `FAILED` with the sync's own message, which is what these tests check the machinery
//! with. The data-dependent assertions live with the sync tests.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::db_test;
use crate::helpers::{Db, TestApp, TestDatabase};
use crate::jobs_support::{
    Proc, RUN_ACTIVITY, RUN_DOWNLOAD, RunUpdates, assert_whole_life, profile, run_id, wait_final,
};
use entity::enums::JobState;
use entity::job_run;
use seatkeeper::graphql::relay::global_id;

/// Declares a test run on SQLite and on PostgreSQL with an app of the given role:
/// `role_test!(name, "api")` needs `async fn name(app: Proc, db: TestDatabase)`.
macro_rules! role_test {
    ($name:ident, $role:literal) => {
        mod $name {
            use crate::helpers::{Db, TestDatabase};
            use crate::jobs_support::Proc;

            async fn go(kind: Db) {
                let db = TestDatabase::new(kind).await;
                let app = Proc::start(&db, $role).await;
                super::$name(app, db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                go(Db::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                go(Db::Postgres).await;
            }
        }
    };
}

async fn a_queued_download_is_picked_up_and_ends_with_timings(app: TestApp) {
    let (_, pid) = profile(&app.state).await;
    let resp = app.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    let run = &resp.data()["runDownloadSubscriptions"];
    assert_eq!(run["state"], "QUEUED");
    assert_eq!(run["kind"], "DOWNLOAD_SUBSCRIPTIONS");
    assert_eq!(run["attempt"], 1);
    assert!(run["startedAt"].is_null());

    let done = wait_final(&app.state, run_id(&run["id"])).await;
    assert!(
        matches!(done.state, JobState::Succeeded | JobState::Failed),
        "{done:?}"
    );
    if done.state == JobState::Failed {
        assert!(
            !done.error.as_deref().unwrap_or_default().is_empty(),
            "a failed run says why: {done:?}"
        );
    }
    let started = done.started_at.expect("started");
    let finished = done.finished_at.expect("finished");
    assert!(done.queued_at <= started && started <= finished, "{done:?}");

    // The API shows the same run, final.
    let node = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on JobRun { state attempt startedAt finishedAt } } }",
            json!({ "id": run["id"] }),
        )
        .await;
    assert_eq!(node.data()["node"]["state"], done.state.as_str());
    assert!(!node.data()["node"]["finishedAt"].is_null());
}
db_test!(a_queued_download_is_picked_up_and_ends_with_timings);

async fn a_second_run_while_one_is_queued_returns_the_same_run(app: Proc, _db: TestDatabase) {
    // An API-only process: nothing runs the job, so it stays queued.
    let (_, pid) = profile(&app.state).await;
    let first = app.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    let first = first.data()["runDownloadSubscriptions"]["id"].clone();
    let again = app.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    assert_eq!(again.data()["runDownloadSubscriptions"]["id"], first);

    // Concurrent requests race for the same (profile, kind): one run for all of them.
    let calls = (0..8).map(|_| app.gql(RUN_DOWNLOAD, json!({ "p": pid })));
    for resp in futures_util::future::join_all(calls).await {
        assert_eq!(resp.data()["runDownloadSubscriptions"]["id"], first);
    }
    let runs = job_run::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");

    // Another kind is another run.
    let activity = app.gql(RUN_ACTIVITY, json!({ "p": pid })).await;
    let activity = &activity.data()["runPullActivity"];
    assert_eq!(activity["kind"], "PULL_ACTIVITY");
    assert_ne!(activity["id"], first);
}
role_test!(a_second_run_while_one_is_queued_returns_the_same_run, "api");

async fn runs_are_refused_for_bad_missing_or_activity_less_profiles(app: TestApp) {
    let resp = app.gql(RUN_DOWNLOAD, json!({ "p": "nope" })).await;
    assert_eq!(resp.error_code(), "BAD_USER_INPUT");
    assert_eq!(resp.error_field(), "profileId");
    let missing = global_id("IntegrationProfile", 987_654).to_string();
    let resp = app.gql(RUN_DOWNLOAD, json!({ "p": missing })).await;
    assert_eq!(resp.error_code(), "NOT_FOUND");

    let (id, pid) = profile(&app.state).await;
    let mut row: entity::integration_profile::ActiveModel =
        seatkeeper::domain::profiles::get(&app.state.db, id)
            .await
            .unwrap()
            .into();
    row.download_activity = Set(false);
    row.update(&app.state.db).await.unwrap();
    let resp = app.gql(RUN_ACTIVITY, json!({ "p": pid })).await;
    assert_eq!(resp.error_code(), "BAD_USER_INPUT");

    let viewer = app.token_with("VIEWER").await;
    let resp = app
        .gql_as(Some(&viewer), RUN_DOWNLOAD, json!({ "p": pid }))
        .await;
    assert_eq!(resp.error_code(), "FORBIDDEN");
    let admin_only = app.token_with("ADMIN").await;
    let resp = app
        .gql_as(Some(&admin_only), RUN_DOWNLOAD, json!({ "p": pid }))
        .await;
    assert_eq!(resp.data()["runDownloadSubscriptions"]["state"], "QUEUED");
}
db_test!(runs_are_refused_for_bad_missing_or_activity_less_profiles);

async fn the_subscription_delivers_every_state_change_in_order(app: TestApp) {
    let (_, pid) = profile(&app.state).await;
    let other = profile(&app.state).await.1;
    let mut updates = RunUpdates::open(&app.address, &format!("profileId: \"{pid}\"")).await;
    // A run of another profile must not show up in this stream.
    app.gql(RUN_DOWNLOAD, json!({ "p": other })).await.data();
    let resp = app.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    let id = resp.data()["runDownloadSubscriptions"]["id"].clone();

    let seen = updates.until_final().await;
    assert!(seen.iter().all(|u| u["id"] == id), "{seen:?}");
    assert_whole_life(&seen);
    let last = seen.last().unwrap();
    assert!(!last["finishedAt"].is_null());

    // Subscribing to the finished run by id: its final state, then the stream completes.
    let mut by_id = RunUpdates::open(
        &app.address,
        &format!("jobRunId: \"{}\"", id.as_str().unwrap()),
    )
    .await;
    let only = by_id.next().await.expect("the run as it stands");
    assert_eq!(only["state"], last["state"]);
    assert!(
        by_id.next().await.is_none(),
        "completed after the final state"
    );
}
db_test!(the_subscription_delivers_every_state_change_in_order);

async fn a_run_executed_twice_changes_nothing_the_second_time(app: Proc, _db: TestDatabase) {
    let (_, pid) = profile(&app.state).await;
    let resp = app.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    let id = run_id(&resp.data()["runDownloadSubscriptions"]["id"]);
    let queued = job_run::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let task = queued.task_id.clone().expect("a task id");
    assert_eq!(task.len(), 26, "a ULID: {task}");

    // A task that is not the run's changes nothing.
    seatkeeper::jobs::execute(&app.state, id, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        .await
        .unwrap();
    let untouched = job_run::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched, queued);

    seatkeeper::jobs::execute(&app.state, id, &task)
        .await
        .unwrap();
    let once = job_run::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        seatkeeper::domain::job_runs::is_final(once.state),
        "{once:?}"
    );
    seatkeeper::jobs::execute(&app.state, id, &task)
        .await
        .unwrap();
    let twice = job_run::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(twice, once);
}
role_test!(a_run_executed_twice_changes_nothing_the_second_time, "api");

async fn a_queued_job_survives_a_restart(kind: Db) {
    let db = TestDatabase::new(kind).await;
    let api = Proc::start(&db, "api").await;
    let (_, pid) = profile(&api.state).await;
    let resp = api.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    let id = run_id(&resp.data()["runDownloadSubscriptions"]["id"]);
    api.stop().await;

    let next = Proc::start(&db, "all").await;
    let done = wait_final(&next.state, id).await;
    assert!(done.finished_at.is_some(), "{done:?}");
    assert_eq!(
        job_run::Entity::find()
            .all(&next.state.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_job_survives_a_restart_on_sqlite() {
    a_queued_job_survives_a_restart(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_job_survives_a_restart_on_postgres() {
    a_queued_job_survives_a_restart(Db::Postgres).await;
}

/// Two processes on one PostgreSQL database: the subscriber is connected to the API
/// process, the run executes in the worker process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_on_an_api_process_sees_a_run_executed_by_a_worker_process() {
    let db = TestDatabase::new(Db::Postgres).await;
    let api = Proc::start(&db, "api").await;
    let worker = Proc::start(&db, "worker").await;
    let (_, pid) = profile(&api.state).await;
    let mut updates = RunUpdates::open(&api.address, &format!("profileId: \"{pid}\"")).await;
    let resp = api.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    let id = resp.data()["runDownloadSubscriptions"]["id"].clone();

    let seen = updates.until_final().await;
    assert!(seen.iter().all(|u| u["id"] == id), "{seen:?}");
    assert_whole_life(&seen);
    // The API process has no worker: the run really ran in the other process.
    let final_row = job_run::Entity::find_by_id(run_id(&id))
        .one(&worker.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(final_row.finished_at.is_some());
}

async fn a_run_whose_task_was_lost_is_queued_again(app: Proc, _db: TestDatabase) {
    use seatkeeper::domain::job_runs;
    let (id, _) = profile(&app.state).await;
    // Recorded but never pushed, as when a process stops between the two.
    let task = seatkeeper::jobs::JobQueue::new_task_id();
    let run = job_runs::enqueue(
        &app.state.db,
        None,
        Some(id),
        entity::enums::JobKind::DownloadSubscriptions,
        None,
        &task,
    )
    .await
    .unwrap()
    .run;
    assert!(!app.state.jobs.queue.has_task(&task).await.unwrap());
    // Young runs are left alone: their task may be on its way.
    assert_eq!(
        seatkeeper::jobs::scheduler::requeue_orphans(&app.state)
            .await
            .unwrap(),
        0
    );

    let mut old: job_run::ActiveModel = run.into();
    old.queued_at = Set(chrono::Utc::now() - chrono::Duration::minutes(5));
    old.update(&app.state.db).await.unwrap();
    let (a, b) = tokio::join!(
        seatkeeper::jobs::scheduler::requeue_orphans(&app.state),
        seatkeeper::jobs::scheduler::requeue_orphans(&app.state),
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        1,
        "the same task id is stored once"
    );
    assert!(app.state.jobs.queue.has_task(&task).await.unwrap());
    assert_eq!(
        seatkeeper::jobs::scheduler::requeue_orphans(&app.state)
            .await
            .unwrap(),
        0
    );
}
role_test!(a_run_whose_task_was_lost_is_queued_again, "api");

async fn canceling_a_profiles_runs_ends_them_for_subscribers(app: Proc, _db: TestDatabase) {
    let (id, pid) = profile(&app.state).await;
    let download = app.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    let download = download.data()["runDownloadSubscriptions"]["id"].clone();
    let mut updates = RunUpdates::open(
        &app.address,
        &format!("jobRunId: \"{}\"", download.as_str().unwrap()),
    )
    .await;
    assert_eq!(updates.next().await.unwrap()["state"], "QUEUED");
    app.gql(RUN_ACTIVITY, json!({ "p": pid })).await.data();

    assert_eq!(
        seatkeeper::jobs::cancel_profile_runs(&app.state, id)
            .await
            .unwrap(),
        2
    );
    let last = updates.next().await.expect("the cancellation");
    assert_eq!(last["state"], "CANCELED");
    assert_eq!(last["error"], "the integration profile was deleted");
    assert!(
        updates.next().await.is_none(),
        "the stream ends with the run"
    );

    // Its task, delivered later, changes nothing; nothing is left to cancel.
    let row = job_run::Entity::find_by_id(run_id(&download))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    seatkeeper::jobs::execute(&app.state, row.id, row.task_id.as_deref().unwrap())
        .await
        .unwrap();
    let after = job_run::Entity::find_by_id(row.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, row);
    assert_eq!(
        seatkeeper::jobs::cancel_profile_runs(&app.state, id)
            .await
            .unwrap(),
        0
    );
}
role_test!(canceling_a_profiles_runs_ends_them_for_subscribers, "api");

async fn a_profile_subscriber_first_sees_the_runs_in_progress(app: Proc, _db: TestDatabase) {
    let (id, pid) = profile(&app.state).await;
    let other = profile(&app.state).await.1;
    // No worker here: the runs stay queued.
    let download = app.gql(RUN_DOWNLOAD, json!({ "p": pid })).await;
    let download = download.data()["runDownloadSubscriptions"]["id"].clone();
    let activity = app.gql(RUN_ACTIVITY, json!({ "p": pid })).await;
    let activity = activity.data()["runPullActivity"]["id"].clone();
    app.gql(RUN_DOWNLOAD, json!({ "p": other })).await.data();

    let mut updates = RunUpdates::open(&app.address, &format!("profileId: \"{pid}\"")).await;
    let mut now = Vec::new();
    for _ in 0..2 {
        let run = updates.next().await.expect("a run as it stands");
        now.push((run["id"].clone(), run["state"].clone()));
    }
    assert_eq!(
        now,
        [
            (download.clone(), json!("QUEUED")),
            (activity.clone(), json!("QUEUED"))
        ],
        "this profile's runs in progress, oldest first, and not the other profile's"
    );

    // Then each change once.
    assert_eq!(
        seatkeeper::jobs::cancel_profile_runs(&app.state, id)
            .await
            .unwrap(),
        2
    );
    let mut changes = Vec::new();
    for _ in 0..2 {
        let run = updates.next().await.expect("a cancellation");
        changes.push((run["id"].clone(), run["state"].clone()));
    }
    changes.sort_by_key(|c| c.0.to_string());
    let mut expected = vec![(download, json!("CANCELED")), (activity, json!("CANCELED"))];
    expected.sort_by_key(|c| c.0.to_string());
    assert_eq!(changes, expected);
}
role_test!(a_profile_subscriber_first_sees_the_runs_in_progress, "api");
