//! Background jobs on apalis: the queue (payloads carry a run id), the worker that executes
//! runs by calling the domain, the scheduler, and the events subscribers stream.

mod events;
mod in_flight;
mod poll;
mod queue;
mod runner;
pub mod scheduler;
mod worker;

pub use events::{CHANNEL, JobEvents, RunEvent};
pub use in_flight::InFlight;
pub use poll::{Either, Rearm};
pub use queue::{HEARTBEAT, JobQueue, ORPHAN_AFTER, QUEUE, QueueError, RunJob};
pub use runner::execute;
pub use worker::Workers;

use entity::enums::JobKind;
use entity::job_run;

use crate::domain::job_runs::{self, Enqueued};
use crate::domain::tokens::Principal;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// The job queue and the event channel; part of the shared state.
#[derive(Clone)]
pub struct Jobs {
    pub queue: JobQueue,
    pub events: JobEvents,
    /// The runs this process executes right now.
    pub in_flight: std::sync::Arc<InFlight>,
}

/// Queues a run of `kind` for the profile (or all profiles, where the kind allows) and
/// returns it at once, or returns the run already queued or running for the same scope and
/// kind when the kind shares runs. `actor` is who asked (audited); `None` for the scheduler.
pub async fn enqueue(
    state: &AppState,
    actor: Option<&Principal>,
    profile_id: Option<i64>,
    kind: JobKind,
    scheduled_job_id: Option<i64>,
) -> Result<job_run::Model> {
    let task_id = JobQueue::new_task_id();
    let Enqueued { run, created } = job_runs::enqueue(
        &state.db,
        actor,
        profile_id,
        kind,
        scheduled_job_id,
        &task_id,
    )
    .await?;
    if !created {
        return Ok(run);
    }
    push(state, run).await
}

/// Hands a run just recorded as queued to the queue, telling subscribers first; a run whose
/// task cannot be stored is failed rather than left waiting.
pub async fn push(state: &AppState, mut run: job_run::Model) -> Result<job_run::Model> {
    let task_id = run.task_id.clone().unwrap_or_default();
    // Published before the push: once pushed, a worker may publish RUNNING at any moment.
    state.jobs.events.publish(&run).await;
    if let Err(err) = state.jobs.queue.push(run.id, &task_id, None).await {
        tracing::error!(run = run.id, %err, "cannot queue a job run");
        let failure = crate::domain::run_errors::Failure::new(
            crate::domain::run_errors::RunErrorCode::Internal,
            "the job could not be queued",
        );
        job_runs::fail_queued(&state.db, &mut run, failure).await?;
        state.jobs.events.publish(&run).await;
        return Err(AppError::internal(err));
    }
    Ok(run)
}

/// Cancels the profile's queued and running runs and tells subscribers. Call it before
/// deleting a profile: its runs go with it, and subscribers would otherwise never see them
/// end. Returns how many runs were canceled.
pub async fn cancel_profile_runs(state: &AppState, profile_id: i64) -> Result<usize> {
    let canceled =
        job_runs::cancel_active(&state.db, profile_id, "the integration profile was deleted")
            .await?;
    for run in &canceled {
        state.jobs.events.publish(run).await;
    }
    Ok(canceled.len())
}
