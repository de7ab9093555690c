//! The scheduler loop of worker processes: claims due scheduled jobs and queues their runs.
//! Claims are atomic in the database, so any number of worker processes may run it.

use std::time::Duration;

use chrono::Utc;
use entity::job_run;
use tokio::sync::watch;

use crate::domain::jobs::claim_due;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Due scheduled jobs claimed per tick; the rest wait for the next one.
const CLAIM_LIMIT: u64 = 100;

/// Claims the scheduled jobs due now and queues a run for each (or finds the run already
/// queued or running). Returns the runs.
pub async fn tick(state: &AppState) -> Result<Vec<job_run::Model>> {
    let claimed = claim_due(&state.db, Utc::now(), CLAIM_LIMIT).await?;
    let mut runs = Vec::with_capacity(claimed.len());
    for job in claimed {
        match super::enqueue(state, None, job.profile_id, job.kind, Some(job.id)).await {
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

/// Ticks every `scheduler_interval_secs` until `stopped` turns true.
pub async fn run(state: AppState, mut stopped: watch::Receiver<bool>) {
    let every = Duration::from_secs(state.settings.scheduler_interval_secs);
    loop {
        if let Err(err) = tick(&state).await {
            tracing::error!("scheduler tick failed: {}", err.message());
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}
