//! The scheduler loop of worker processes: claims due scheduled jobs and queues their runs.
//! Claims are atomic in the database, so any number of worker processes may run it.

use std::time::Duration;

use chrono::Utc;
use entity::job_run;
use tokio::sync::watch;

use crate::domain::job_runs;
use crate::domain::jobs::claim_due;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Due scheduled jobs claimed per tick; the rest wait for the next one.
const CLAIM_LIMIT: u64 = 100;
/// A run queued this long ago whose task is not in the queue lost it.
const ORPHAN_AFTER: chrono::Duration = chrono::Duration::minutes(1);

/// Claims the scheduled jobs due now and queues a run for each (or finds the run already
/// queued or running). Returns the runs.
pub async fn tick(state: &AppState) -> Result<Vec<job_run::Model>> {
    let claimed = claim_due(&state.db, Utc::now(), CLAIM_LIMIT).await?;
    let mut runs = Vec::with_capacity(claimed.len());
    for job in claimed {
        match super::enqueue(state, None, Some(job.profile_id), job.kind, Some(job.id)).await {
            Ok(run) => runs.push(run),
            Err(err @ (AppError::BadUserInput { .. } | AppError::NotFound(_))) => {
                tracing::warn!(
                    scheduled_job = job.id,
                    "scheduled run not queued: {}",
                    err.message()
                );
            }
            Err(err) => return Err(err),
        }
    }
    Ok(runs)
}

/// Queues again the task of each run queued over a minute ago whose task the queue does not
/// hold (its process stopped between recording the run and pushing the task). The task id
/// stays the same, so two schedulers doing this at once store it once. Returns how many.
pub async fn requeue_orphans(state: &AppState) -> Result<usize> {
    let runs = job_runs::queued_before(&state.db, Utc::now() - ORPHAN_AFTER, CLAIM_LIMIT).await?;
    let mut requeued = 0;
    for run in runs {
        let Some(task) = run.task_id.as_deref() else {
            continue;
        };
        match state.jobs.queue.has_task(task).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(run = run.id, %err, "cannot check a queued run's task");
                continue;
            }
        }
        match state.jobs.queue.push(run.id, task, None).await {
            Ok(()) => {
                tracing::warn!(
                    run = run.id,
                    "queued run had lost its task; queued it again"
                );
                requeued += 1;
            }
            Err(err) => tracing::debug!(run = run.id, %err, "orphan already requeued elsewhere"),
        }
    }
    Ok(requeued)
}

/// Ticks every `scheduler_interval_secs` until `stopped` turns true.
pub async fn run(state: AppState, mut stopped: watch::Receiver<bool>) {
    let every = Duration::from_secs(state.settings.scheduler_interval_secs);
    loop {
        if let Err(err) = tick(&state).await {
            tracing::error!("scheduler tick failed: {}", err.message());
        }
        if let Err(err) = crate::domain::notices::sweep(&state).await {
            tracing::error!("notice sweep failed: {}", err.message());
        }
        if let Err(err) = requeue_orphans(&state).await {
            tracing::error!("orphaned run check failed: {}", err.message());
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}
