//! The life of a job run: queued once per (profile, kind) at a time, then running, then
//! succeeded, failed or canceled. Job handlers call these; the rules live here.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::enums::{JobKind, JobState};
use entity::{integration_profile, job_run};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::domain::run_errors::{Failure, RunErrorCode};

mod detail;
use crate::domain::sync::{Progress, RunCounts};
use crate::domain::tokens::Principal;
use crate::domain::{audit, job_attempts};
use crate::error::{AppError, Result};
pub use detail::{attempt, error_code, handed_back, vendor_error_code};
use detail::{with_attempt, with_failure, with_handed_back};
use entity::enums::AttemptOutcome;

/// Attempts a run gets when its failures are worth retrying (the vendor was down, say).
pub const MAX_ATTEMPTS: i32 = 3;

/// States in which a run still counts as the one for its (profile, kind).
pub const ACTIVE_STATES: [JobState; 2] = [JobState::Queued, JobState::Running];

/// What `enqueue` did.
#[derive(Debug)]
pub struct Enqueued {
    pub run: job_run::Model,
    /// False when a run already queued or running was returned instead of a new one.
    pub created: bool,
}

/// Whether a state is final.
pub fn is_final(state: JobState) -> bool {
    matches!(
        state,
        JobState::Succeeded | JobState::Failed | JobState::Canceled
    )
}

/// What a run of each kind needs, and whether requests share one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindPolicy {
    /// The run works on one integration profile (else it may concern all of them).
    pub needs_profile: bool,
    /// A request while a run of the same kind and scope is queued or running gets that run
    /// instead of a new one. Reclaim runs do not share: each carries the candidates it
    /// claimed.
    pub shares_active_run: bool,
    /// The operation name the audit log records for a request made by hand.
    pub operation: &'static str,
}

/// The policy of `kind`; a new kind fails to compile here until it says what it needs.
pub fn policy(kind: JobKind) -> KindPolicy {
    match kind {
        JobKind::DownloadSubscriptions => KindPolicy {
            needs_profile: true,
            shares_active_run: true,
            operation: "runDownloadSubscriptions",
        },
        JobKind::PullActivity => KindPolicy {
            needs_profile: true,
            shares_active_run: true,
            operation: "runPullActivity",
        },
        JobKind::Reclaim => KindPolicy {
            needs_profile: true,
            shares_active_run: false,
            operation: "reclaimRemovalCandidates",
        },
        JobKind::Reconcile => KindPolicy {
            needs_profile: false,
            shares_active_run: true,
            operation: "runReconciliation",
        },
        JobKind::DeliverNotices => KindPolicy {
            needs_profile: true,
            shares_active_run: true,
            operation: "deliverNotices",
        },
    }
}

/// Queues a run of `kind` for the profile (or, for kinds that allow it, for all profiles
/// when `profile_id` is `None`), or returns the run already queued or running for the same
/// kind and scope when the kind shares runs. `task_id` is the apalis task the caller will
/// push when a run was created.
///
/// Race-safe on both databases for profile runs: the profile row is written first in the
/// transaction, which takes its row lock on PostgreSQL and the write lock on SQLite, so two
/// callers for one profile take turns and the second sees the first one's run.
pub async fn enqueue(
    db: &impl BeginWrite,
    actor: Option<&Principal>,
    profile_id: Option<i64>,
    kind: JobKind,
    scheduled_job_id: Option<i64>,
    task_id: &str,
) -> Result<Enqueued> {
    let txn = db.begin_write().await?;
    let enqueued = enqueue_in(&txn, actor, profile_id, kind, scheduled_job_id, task_id).await?;
    txn.commit().await?;
    Ok(enqueued)
}

/// `enqueue` inside the caller's write transaction (so that a run and what it will work on,
/// claimed candidates say, are written together).
pub async fn enqueue_in(
    txn: &DatabaseTransaction,
    actor: Option<&Principal>,
    profile_id: Option<i64>,
    kind: JobKind,
    scheduled_job_id: Option<i64>,
    task_id: &str,
) -> Result<Enqueued> {
    use integration_profile::Column as P;
    let policy = policy(kind);
    if policy.needs_profile && profile_id.is_none() {
        return Err(AppError::bad_input(
            "profileId",
            format!("a {kind} run works on one integration profile: name it"),
        ));
    }
    if let Some(profile_id) = profile_id {
        let locked = integration_profile::Entity::update_many()
            .col_expr(P::UpdatedAt, Expr::col(P::UpdatedAt))
            .filter(P::Id.eq(profile_id))
            .exec(txn)
            .await?;
        if locked.rows_affected == 0 {
            return Err(AppError::not_found("IntegrationProfile"));
        }
        let profile = crate::domain::profiles::get(txn, profile_id).await?;
        let allowed = match kind {
            JobKind::DownloadSubscriptions | JobKind::Reconcile | JobKind::DeliverNotices => Ok(()),
            JobKind::PullActivity if profile.download_activity => Ok(()),
            JobKind::PullActivity => Err("activity download is off for this profile"),
            JobKind::Reclaim if profile.reclaim => Ok(()),
            JobKind::Reclaim => Err("reclaim is switched off for this profile"),
        };
        if let Err(why) = allowed {
            return Err(AppError::bad_input("profileId", why));
        }
    }
    let existing = if policy.shares_active_run {
        let mut select = job_run::Entity::find()
            .filter(job_run::Column::Kind.eq(kind))
            .filter(job_run::Column::State.is_in(ACTIVE_STATES));
        select = match profile_id {
            Some(id) => select.filter(job_run::Column::ProfileId.eq(id)),
            None => select.filter(job_run::Column::ProfileId.is_null()),
        };
        select.order_by_desc(job_run::Column::Id).one(txn).await?
    } else {
        None
    };
    let (run, created) = match existing {
        Some(run) => (run, false),
        None => {
            let run = job_run::ActiveModel {
                profile_id: Set(profile_id),
                scheduled_job_id: Set(scheduled_job_id),
                kind: Set(kind),
                state: Set(JobState::Queued),
                task_id: Set(Some(task_id.to_owned())),
                progress_done: Set(0),
                progress_total: Set(None),
                fetched: Set(0),
                created: Set(0),
                updated: Set(0),
                closed: Set(0),
                unchanged: Set(0),
                unrecognized: Set(0),
                errors: Set(0),
                requests_made: Set(0),
                reclaimed: Set(0),
                skipped: Set(0),
                canceled: Set(0),
                error: Set(None),
                detail: Set(Some(with_attempt(None, 1))),
                queued_at: Set(Utc::now()),
                started_at: Set(None),
                finished_at: Set(None),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            (run, true)
        }
    };
    if let Some(actor) = actor {
        audit::record(
            txn,
            actor,
            policy.operation,
            "JobRun",
            Some(run.id),
            json!({ "profileId": profile_id, "deduplicated": !created }),
        )
        .await?;
    }
    Ok(Enqueued { run, created })
}

/// What a worker should do with a task it was handed.
#[derive(Debug)]
pub enum Start {
    /// Run it: the run is now `RUNNING`.
    Run(job_run::Model),
    /// Leave it: the run is finished or a newer task carries it (a duplicate delivery).
    Skip(job_run::Model),
    /// The run no longer exists (its profile was deleted).
    Gone,
    /// The run lost its worker too often: it is now `FAILED` with `WORKER_LOST`.
    Lost(job_run::Model),
}

/// The message prefix of a run that lost its worker too often.
pub const WORKER_LOST: &str = "WORKER_LOST";

/// The counts a run row holds.
pub fn counts_of(run: &job_run::Model) -> RunCounts {
    RunCounts {
        fetched: run.fetched,
        created: run.created,
        updated: run.updated,
        closed: run.closed,
        unchanged: run.unchanged,
        unrecognized: run.unrecognized,
        errors: run.errors,
        requests_made: run.requests_made,
        reclaimed: run.reclaimed,
        skipped: run.skipped,
        canceled: run.canceled,
    }
}

/// Marks the run `RUNNING` for the task `task_id` and opens its next attempt. A task that
/// is not the run's current one, or a run already finished, is skipped: a task delivered
/// twice changes nothing. A run whose worker was lost `max_lost` times fails instead.
pub async fn start(
    db: &DatabaseConnection,
    run_id: i64,
    task_id: &str,
    max_lost: i32,
) -> Result<Start> {
    use job_run::Column as C;
    let Some(run) = job_run::Entity::find_by_id(run_id).one(db).await? else {
        return Ok(Start::Gone);
    };
    if is_final(run.state) || run.task_id.as_deref() != Some(task_id) {
        return Ok(Start::Skip(run));
    }
    let now = Utc::now();
    let started_at = run.started_at.unwrap_or(now);
    let res = job_run::Entity::update_many()
        .col_expr(C::State, Expr::value(JobState::Running))
        .col_expr(C::StartedAt, Expr::value(started_at))
        .filter(C::Id.eq(run_id))
        .filter(C::TaskId.eq(task_id))
        .filter(C::State.is_in(ACTIVE_STATES))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return match job_run::Entity::find_by_id(run_id).one(db).await? {
            Some(run) => Ok(Start::Skip(run)),
            None => Ok(Start::Gone),
        };
    }
    let mut run = job_run::Model {
        state: JobState::Running,
        started_at: Some(started_at),
        ..run
    };
    let counts = counts_of(&run);
    match crate::domain::job_attempts::open(db, run_id, task_id, &counts, max_lost).await? {
        crate::domain::job_attempts::Opened::Started { number } => {
            run.detail = Some(with_attempt(run.detail.take(), number));
            save_from(db, &run, JobState::Running).await?;
            Ok(Start::Run(run))
        }
        crate::domain::job_attempts::Opened::TooManyLost { lost } => {
            let failure = Failure::new(
                RunErrorCode::WorkerLost,
                format!(
                    "{WORKER_LOST}: the worker executing this run stopped {lost} times before it finished (killed, or out of memory?); it is not run again"
                ),
            );
            run.detail = Some(with_failure(run.detail.take(), &failure));
            run.state = JobState::Failed;
            run.error = Some(failure.message);
            run.finished_at = Some(Utc::now());
            save_from(db, &run, JobState::Running).await?;
            Ok(Start::Lost(run))
        }
    }
}

fn apply_counts(run: &mut job_run::Model, counts: &RunCounts) {
    run.fetched = counts.fetched;
    run.created = counts.created;
    run.updated = counts.updated;
    run.closed = counts.closed;
    run.unchanged = counts.unchanged;
    run.unrecognized = counts.unrecognized;
    run.errors = counts.errors;
    run.requests_made = counts.requests_made;
    run.reclaimed = counts.reclaimed;
    run.skipped = counts.skipped;
    run.canceled = counts.canceled;
}

/// Writes `run`'s state, progress, counts, error and timings, if it is still `from`.
/// Returns false when the run is gone or moved on (then nothing was written).
async fn save_from(db: &DatabaseConnection, run: &job_run::Model, from: JobState) -> Result<bool> {
    use job_run::Column as C;
    let res = job_run::Entity::update_many()
        .col_expr(C::State, Expr::value(run.state))
        .col_expr(C::TaskId, Expr::value(run.task_id.clone()))
        .col_expr(C::ProgressDone, Expr::value(run.progress_done))
        .col_expr(C::ProgressTotal, Expr::value(run.progress_total))
        .col_expr(C::Fetched, Expr::value(run.fetched))
        .col_expr(C::Created, Expr::value(run.created))
        .col_expr(C::Updated, Expr::value(run.updated))
        .col_expr(C::Closed, Expr::value(run.closed))
        .col_expr(C::Unchanged, Expr::value(run.unchanged))
        .col_expr(C::Unrecognized, Expr::value(run.unrecognized))
        .col_expr(C::Errors, Expr::value(run.errors))
        .col_expr(C::RequestsMade, Expr::value(run.requests_made))
        .col_expr(C::Reclaimed, Expr::value(run.reclaimed))
        .col_expr(C::Skipped, Expr::value(run.skipped))
        .col_expr(C::Canceled, Expr::value(run.canceled))
        .col_expr(C::Error, Expr::value(run.error.clone()))
        .col_expr(C::Detail, Expr::value(run.detail.clone()))
        .col_expr(C::FinishedAt, Expr::value(run.finished_at))
        .filter(C::Id.eq(run.id))
        .filter(C::State.eq(from))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records progress on a running run. False when the run is gone.
pub async fn record_progress(
    db: &DatabaseConnection,
    run: &mut job_run::Model,
    progress: &Progress,
) -> Result<bool> {
    run.progress_done = progress.done;
    run.progress_total = progress.total;
    apply_counts(run, &progress.counts);
    save_from(db, run, JobState::Running).await
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    Succeeded(RunCounts),
    /// The message is what users see (the vendor's message and a hint for vendor errors);
    /// the code and the vendor's code go to `detail`.
    Failed(Failure),
    /// The work can no longer be done (its profile went away).
    Canceled(String),
}

/// Records the end of a running run. False when the run is gone or was not running.
pub async fn finish(
    db: &DatabaseConnection,
    run: &mut job_run::Model,
    outcome: Outcome,
) -> Result<bool> {
    match outcome {
        Outcome::Succeeded(counts) => {
            apply_counts(run, &counts);
            run.state = JobState::Succeeded;
            run.error = None;
        }
        Outcome::Failed(failure) => {
            run.state = JobState::Failed;
            run.detail = Some(with_failure(run.detail.take(), &failure));
            run.error = Some(failure.message);
        }
        Outcome::Canceled(message) => {
            run.state = JobState::Canceled;
            run.error = Some(message);
        }
    }
    run.finished_at = Some(Utc::now());
    let saved = save_from(db, run, JobState::Running).await?;
    if saved {
        let (outcome, error) = match run.state {
            JobState::Succeeded => (AttemptOutcome::Finished, None),
            JobState::Canceled => (AttemptOutcome::Canceled, run.error.clone()),
            JobState::Failed | JobState::Queued | JobState::Running => {
                (AttemptOutcome::Failed, run.error.clone())
            }
        };
        job_attempts::close(db, run.id, outcome, error, &counts_of(run)).await?;
    }
    Ok(saved)
}

/// Puts a failed attempt back in the queue as the next attempt, carried by `task_id`.
/// The error stays visible until the next attempt ends.
pub async fn retry_later(
    db: &DatabaseConnection,
    run: &mut job_run::Model,
    message: String,
    task_id: &str,
) -> Result<bool> {
    let next = attempt(run) + 1;
    run.state = JobState::Queued;
    run.error = Some(message.clone());
    run.task_id = Some(task_id.to_owned());
    run.detail = Some(with_attempt(run.detail.take(), next));
    let saved = save_from(db, run, JobState::Running).await?;
    if saved {
        job_attempts::close(
            db,
            run.id,
            AttemptOutcome::Failed,
            Some(message),
            &counts_of(run),
        )
        .await?;
    }
    Ok(saved)
}

/// A running run whose execution stopped at shutdown goes back to `QUEUED` under
/// `task_id`, for another worker to resume at once. `None` when it was no longer running.
pub async fn hand_back(
    db: &DatabaseConnection,
    run_id: i64,
    task_id: &str,
) -> Result<Option<job_run::Model>> {
    let Some(mut run) = job_run::Entity::find_by_id(run_id).one(db).await? else {
        return Ok(None);
    };
    if run.state != JobState::Running {
        return Ok(None);
    }
    run.state = JobState::Queued;
    run.task_id = Some(task_id.to_owned());
    let handed = handed_back(&run);
    run.detail = Some(with_handed_back(run.detail.take(), handed + 1));
    if !save_from(db, &run, JobState::Running).await? {
        return Ok(None);
    }
    job_attempts::close(
        db,
        run.id,
        AttemptOutcome::HandedBack,
        Some("the server stopped before the run finished".into()),
        &counts_of(&run),
    )
    .await?;
    Ok(Some(run))
}

/// Moves a queued or running run from task `from` to task `to` (the task is queued again);
/// false when the run finished or another task carries it.
pub async fn retask(db: &DatabaseConnection, run_id: i64, from: &str, to: &str) -> Result<bool> {
    use job_run::Column as C;
    let res = job_run::Entity::update_many()
        .col_expr(C::TaskId, Expr::value(to))
        .col_expr(C::State, Expr::value(JobState::Queued))
        .filter(C::Id.eq(run_id))
        .filter(C::TaskId.eq(from))
        .filter(C::State.is_in(ACTIVE_STATES))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Cancels the profile's queued and running runs (before the profile is deleted, say) and
/// returns them as they now are. A worker still running one finds it canceled and records
/// nothing more.
pub async fn cancel_active(
    db: &DatabaseConnection,
    profile_id: i64,
    reason: &str,
) -> Result<Vec<job_run::Model>> {
    let active = job_run::Entity::find()
        .filter(job_run::Column::ProfileId.eq(profile_id))
        .filter(job_run::Column::State.is_in(ACTIVE_STATES))
        .order_by_asc(job_run::Column::Id)
        .all(db)
        .await?;
    let now = Utc::now();
    let mut canceled = Vec::with_capacity(active.len());
    for mut run in active {
        // Twice at most: a worker may start a queued run between the read and the write.
        for _ in 0..2 {
            let from = run.state;
            let next = job_run::Model {
                state: JobState::Canceled,
                error: Some(reason.to_owned()),
                finished_at: Some(now),
                ..run.clone()
            };
            if save_from(db, &next, from).await? {
                job_attempts::close(
                    db,
                    next.id,
                    AttemptOutcome::Canceled,
                    Some(reason.to_owned()),
                    &counts_of(&next),
                )
                .await?;
                canceled.push(next);
                break;
            }
            match job_run::Entity::find_by_id(run.id).one(db).await? {
                Some(now_run) if !is_final(now_run.state) => run = now_run,
                Some(_) | None => break,
            }
        }
    }
    Ok(canceled)
}

/// Runs queued before `cutoff`, oldest first: the ones whose task may have been lost (the
/// process stopped between recording the run and queueing its task).
pub async fn queued_before(
    db: &DatabaseConnection,
    cutoff: chrono::DateTime<Utc>,
    limit: u64,
) -> Result<Vec<job_run::Model>> {
    use sea_orm::QuerySelect;
    Ok(job_run::Entity::find()
        .filter(job_run::Column::State.eq(JobState::Queued))
        .filter(job_run::Column::QueuedAt.lt(cutoff))
        .order_by_asc(job_run::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Fails a queued run that cannot run: its task could not be handed to the queue, or it
/// waited on something that is gone.
pub async fn fail_queued(
    db: &DatabaseConnection,
    run: &mut job_run::Model,
    failure: Failure,
) -> Result<bool> {
    run.state = JobState::Failed;
    run.detail = Some(with_failure(run.detail.take(), &failure));
    run.error = Some(failure.message);
    run.finished_at = Some(Utc::now());
    save_from(db, run, JobState::Queued).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_lives_in_detail_beside_other_keys() {
        let detail = with_attempt(Some(json!({ "plan": { "calls": 3 } })), 2);
        assert_eq!(detail["attempt"], 2);
        assert_eq!(detail["plan"]["calls"], 3);
        assert_eq!(with_attempt(Some(json!("odd")), 1), json!({ "attempt": 1 }));
    }

    #[test]
    fn reclaim_runs_are_never_shared_and_reconciliation_may_cover_every_profile() {
        assert!(!policy(JobKind::Reclaim).shares_active_run);
        assert!(policy(JobKind::Reclaim).needs_profile);
        assert!(!policy(JobKind::Reconcile).needs_profile);
        assert!(policy(JobKind::DownloadSubscriptions).shares_active_run);
        assert_eq!(policy(JobKind::PullActivity).operation, "runPullActivity");
    }

    #[test]
    fn only_succeeded_failed_and_canceled_are_final() {
        assert!(!is_final(JobState::Queued));
        assert!(!is_final(JobState::Running));
        assert!(is_final(JobState::Succeeded));
        assert!(is_final(JobState::Failed));
        assert!(is_final(JobState::Canceled));
    }
}
