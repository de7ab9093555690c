//! Executing one task: load the run, mark it running, call the domain's sync with a
//! progress sink that records and publishes, record the outcome. No business rules here.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use entity::enums::{JobKind, JobState};
use entity::job_run;
use futures_util::FutureExt;
use tokio::sync::Mutex;
use tracing::Instrument;

use super::JobQueue;
use crate::domain::job_runs::{self, MAX_ATTEMPTS, Outcome, Start};
use crate::domain::run_errors::{Failure, RunErrorCode};
use crate::domain::sync::{self, Progress, ProgressSink, RunCounts, SyncError};
use crate::domain::{lifecycle, reclamation, reconciliation};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// What a run shows when the code running it panicked (the panic itself is logged).
const PANIC_MESSAGE: &str = "internal error while running the job (logged on the server)";
/// What a run shows when its profile was deleted while it was queued or running.
const PROFILE_GONE: &str = "the integration profile was deleted";

/// Records each progress report on the run and publishes it. `base` is what earlier
/// attempts of the run counted, so the counts say what the whole run did.
struct RunSink<'a> {
    state: &'a AppState,
    run: Mutex<job_run::Model>,
    base: RunCounts,
}

#[async_trait::async_trait]
impl ProgressSink for RunSink<'_> {
    async fn report(&self, progress: &Progress) {
        let mut run = self.run.lock().await;
        let progress = Progress {
            counts: self.base.plus(&progress.counts),
            ..progress.clone()
        };
        match job_runs::record_progress(&self.state.db, &mut run, &progress).await {
            Ok(true) => self.state.jobs.events.publish(&run).await,
            Ok(false) => {}
            Err(err) => tracing::warn!(run = run.id, "progress not recorded: {}", err.message()),
        }
    }
}

/// How long the next attempt waits: the base, tripled per failed attempt.
fn backoff(base: Duration, failed_attempt: i32) -> Duration {
    base * 3u32.pow(failed_attempt.clamp(1, 5) as u32 - 1)
}

async fn call(
    state: &AppState,
    run_id: i64,
    kind: JobKind,
    profile_id: Option<i64>,
    sink: &RunSink<'_>,
) -> Result<RunCounts, SyncError> {
    let profile = || {
        profile_id.ok_or_else(|| {
            SyncError::Precondition(format!("a {kind} run needs an integration profile"))
        })
    };
    match kind {
        JobKind::DownloadSubscriptions => {
            sync::download_subscriptions(state, profile()?, sink).await
        }
        JobKind::PullActivity => {
            let counts = sync::pull_activity(state, profile()?, sink).await?;
            reclamation::evaluate_after_pull(state, profile()?, run_id).await;
            Ok(counts)
        }
        JobKind::Reclaim => reclamation::reclaim_run(state, run_id, profile()?, sink).await,
        JobKind::DeliverNotices => {
            crate::domain::notices::deliver_run(state, run_id, profile()?, sink).await
        }
        JobKind::Reconcile => reconciliation::reconcile_run(state, profile_id, sink).await,
    }
}

/// Executes run `run_id` for the task `task_id`. A task for a finished run, or one that a
/// newer attempt replaced, changes nothing. Errors are infrastructure failures only (the
/// database): apalis then retries the task.
pub async fn execute(state: &AppState, run_id: i64, task_id: &str) -> Result<()> {
    let max_lost = state.settings.job_max_lost_workers as i32;
    let run = match job_runs::start(&state.db, run_id, task_id, max_lost).await? {
        Start::Run(run) => run,
        Start::Lost(run) => {
            tracing::error!(
                run = run.id,
                "job run failed: its worker was lost too often"
            );
            state.jobs.events.publish(&run).await;
            return Ok(());
        }
        Start::Skip(run) => {
            tracing::debug!(run = run.id, state = %run.state, "task skipped: run finished or superseded");
            return Ok(());
        }
        Start::Gone => {
            tracing::debug!(run = run_id, "task skipped: run deleted with its profile");
            return Ok(());
        }
    };
    let attempt = job_runs::attempt(&run);
    let span = tracing::info_span!("job_run", run = run.id, kind = %run.kind, attempt);
    async move {
        state.jobs.events.publish(&run).await;
        let (kind, profile_id) = (run.kind, run.profile_id);
        // Downloads and pulls count afresh in each attempt; reclaim runs count their
        // candidates, which already cover the whole run.
        let base = match kind {
            JobKind::DownloadSubscriptions | JobKind::PullActivity if attempt > 1 => {
                job_runs::counts_of(&run)
            }
            JobKind::DownloadSubscriptions
            | JobKind::PullActivity
            | JobKind::Reclaim
            | JobKind::Reconcile
            | JobKind::DeliverNotices => RunCounts::default(),
        };
        let sink = RunSink {
            state,
            run: Mutex::new(run),
            base,
        };
        let result = AssertUnwindSafe(call(state, run_id, kind, profile_id, &sink))
            .catch_unwind()
            .await;
        // Whatever a run wrote of a profile's seats (all of it, or up to a failure), the
        // summary counts before the run's end is told.
        if let (
            JobKind::DownloadSubscriptions | JobKind::PullActivity | JobKind::Reclaim,
            Some(profile),
        ) = (kind, profile_id)
            && let Err(err) =
                reconciliation::refresh_seats(&state.db, profile, state.clock.now().date_naive())
                    .await
        {
            tracing::warn!(profile, "seat summary not refreshed: {}", err.message());
        }
        if let Ok(Ok(counts)) = &result {
            refresh_statistics(state, kind, counts).await;
        }
        let base = sink.base.clone();
        let mut run = sink.run.into_inner();
        let saved = match result {
            Ok(Ok(counts)) => {
                job_runs::finish(&state.db, &mut run, Outcome::Succeeded(base.plus(&counts)))
                    .await?
            }
            Ok(Err(err)) if err.is_retryable() && attempt < MAX_ATTEMPTS => {
                let failure = failure(state, profile_id, &err).await;
                return retry(state, run, failure, attempt).await;
            }
            Ok(Err(err)) => {
                let outcome = if profile_exists(state, profile_id).await? {
                    Outcome::Failed(failure(state, profile_id, &err).await)
                } else {
                    Outcome::Canceled(PROFILE_GONE.into())
                };
                tracing::info!(error = %err.message(), "job run did not succeed");
                job_runs::finish(&state.db, &mut run, outcome).await?
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(panic = %what, "job run panicked");
                let failure = Failure::new(RunErrorCode::Internal, PANIC_MESSAGE);
                job_runs::finish(&state.db, &mut run, Outcome::Failed(failure)).await?
            }
        };
        if !saved {
            if crate::domain::jobs::get_run(&state.db, run.id)
                .await
                .is_ok()
            {
                // Canceled meanwhile; whoever canceled it told subscribers.
                return Ok(());
            }
            // The row went with its profile: tell subscribers the run will not finish.
            run.state = JobState::Canceled;
            run.error = Some(PROFILE_GONE.into());
            run.finished_at.get_or_insert_with(chrono::Utc::now);
        }
        state.jobs.events.publish(&run).await;
        // What follows a success starts once subscribers have seen it.
        if let (JobState::Succeeded, JobKind::DownloadSubscriptions, Some(profile)) =
            (run.state, run.kind, run.profile_id)
        {
            lifecycle::after_download(state, profile).await;
        }
        // What was bought is reconciled against what is used after every change of use
        // (a pull's evaluation changes the candidates, so the potential savings).
        if let (
            JobState::Succeeded,
            JobKind::DownloadSubscriptions | JobKind::PullActivity | JobKind::Reclaim,
            Some(profile),
        ) = (run.state, run.kind, run.profile_id)
        {
            reconcile_later(state, profile).await;
        }
        Ok(())
    }
    .instrument(span)
    .await
}

/// Queues a reconciliation of the profile's models (or finds the one queued or running).
/// After a run that wrote many rows, the planner's statistics of what it wrote (see
/// [`crate::db::refresh_statistics`]). Logged, not raised: the run itself succeeded.
async fn refresh_statistics(state: &AppState, kind: JobKind, counts: &RunCounts) {
    let tables: &[&str] = match kind {
        JobKind::DownloadSubscriptions => &["software_subscription", "vendor_user"],
        JobKind::PullActivity => &["activity_event", "software_subscription"],
        JobKind::Reclaim | JobKind::Reconcile | JobKind::DeliverNotices => return,
    };
    if counts.created + counts.updated + counts.closed < crate::db::BULK_ROWS {
        return;
    }
    if let Err(err) = crate::db::refresh_statistics(&state.db, tables).await {
        tracing::warn!(?kind, "planner statistics not refreshed: {err}");
    }
}

async fn reconcile_later(state: &AppState, profile: i64) {
    if let Err(err) = super::enqueue(state, None, Some(profile), JobKind::Reconcile, None).await {
        tracing::warn!(profile, "reconciliation not queued: {}", err.message());
    }
}

/// Whether the run's profile still exists (true for runs of all profiles).
/// Puts a run this process was executing back in the queue at once, for another worker
/// (its execution was stopped at shutdown). A run that meanwhile finished is left alone.
pub async fn hand_back(state: &AppState, run_id: i64) {
    let task_id = JobQueue::new_task_id();
    match job_runs::hand_back(&state.db, run_id, &task_id).await {
        Ok(Some(run)) => {
            state.jobs.events.publish(&run).await;
            match state.jobs.queue.push(run_id, &task_id, None).await {
                Ok(()) => tracing::info!(run = run_id, "job run handed back at shutdown"),
                // The run stays queued; the scheduler's orphan check queues it again.
                Err(err) => tracing::error!(run = run_id, %err, "handed-back run not queued"),
            }
        }
        Ok(None) => {}
        Err(err) => tracing::error!(run = run_id, "cannot hand back a run: {}", err.message()),
    }
}

/// Queues a run again under a new task without executing it (a task fetched while the
/// process stops).
pub async fn requeue(state: &AppState, run_id: i64, task_id: &str) {
    let fresh = JobQueue::new_task_id();
    match job_runs::retask(&state.db, run_id, task_id, &fresh).await {
        Ok(true) => {
            if let Err(err) = state.jobs.queue.push(run_id, &fresh, None).await {
                tracing::error!(run = run_id, %err, "requeued run not queued");
            }
        }
        Ok(false) => {}
        Err(err) => tracing::error!(run = run_id, "cannot requeue a run: {}", err.message()),
    }
}

async fn profile_exists(state: &AppState, profile_id: Option<i64>) -> Result<bool> {
    let Some(profile_id) = profile_id else {
        return Ok(true);
    };
    match crate::domain::profiles::get(&state.db, profile_id).await {
        Ok(_) => Ok(true),
        Err(AppError::NotFound(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

/// How a run failed, with a hint for the profile's vendor when the vendor failed it.
async fn failure(state: &AppState, profile_id: Option<i64>, err: &SyncError) -> Failure {
    let mut failure = Failure::from(err);
    if let (SyncError::Vendor(vendor_err), Some(profile)) = (err, profile_id)
        && let Ok(profile) = crate::domain::profiles::get(&state.db, profile).await
    {
        let code = vendor_err
            .vendor_code()
            .map(|c| format!(" (code {c})"))
            .unwrap_or_default();
        failure.message = format!(
            "{}{code}. {}",
            failure.message,
            crate::connectors::hint(profile.vendor, vendor_err)
        );
    }
    failure
}

/// Queues the next attempt of a run whose failure may pass, after a backoff.
async fn retry(
    state: &AppState,
    mut run: job_run::Model,
    failure: Failure,
    attempt: i32,
) -> Result<()> {
    let message = failure.message.clone();
    let task_id = JobQueue::new_task_id();
    let delay = backoff(
        Duration::from_millis(state.settings.job_retry_backoff_ms),
        attempt,
    );
    tracing::info!(error = %message, ?delay, "job run failed; retrying");
    let message = format!("attempt {attempt} of {MAX_ATTEMPTS} failed: {message}");
    if !job_runs::retry_later(&state.db, &mut run, message, &task_id).await? {
        return Ok(());
    }
    state.jobs.events.publish(&run).await;
    if let Err(err) = state.jobs.queue.push(run.id, &task_id, Some(delay)).await {
        // The run is queued but no task carries it: fail it rather than leave it waiting.
        tracing::error!(%err, "cannot queue the next attempt");
        let failure = Failure {
            message: format!(
                "{} (the next attempt could not be queued)",
                run.error.clone().unwrap_or_default()
            ),
            ..failure
        };
        if job_runs::fail_queued(&state.db, &mut run, failure).await? {
            state.jobs.events.publish(&run).await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_retry_waits_three_times_longer() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(15));
    }
}
