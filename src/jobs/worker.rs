//! The worker side of a process (`serve --role worker|all`): an apalis `Monitor` running
//! the job run worker, and the scheduler loop, until shutdown.

use std::time::Duration;

use apalis::prelude::{
    BoxDynError, Data, IntervalStrategy, Monitor, PollWith, StreamStrategy, TaskId, WorkerBuilder,
    WorkerBuilderExt,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::poll::{Either, Rearm};
use super::queue::{JobQueue, QUEUE, RunJob};
use super::{runner, scheduler};
use crate::state::AppState;

/// How often an idle SQLite worker looks for work.
const SQLITE_POLL: Duration = Duration::from_millis(200);
/// On PostgreSQL new tasks wake workers through apalis' insert notification; polling is
/// the backstop, and what picks up delayed retries.
const POSTGRES_POLL: Duration = Duration::from_secs(1);
/// Pause before a worker that failed (e.g. the database went away) starts again.
const RESTART_PAUSE: Duration = Duration::from_secs(5);

/// The running workers and scheduler of this process.
pub struct Workers {
    state: AppState,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts the job run worker and the scheduler.
    pub fn spawn(state: AppState) -> Self {
        let (stop, stopped) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(supervise(state.clone(), stopped.clone())),
            tokio::spawn(scheduler::run(state.clone(), stopped)),
        ];
        Workers { state, stop, tasks }
    }

    /// Lets the workers run for as long as the runtime does, without a handle.
    pub fn detach(self) {
        // Dropping the sender would read as a stop signal: park it in a task instead.
        let stop = self.stop;
        tokio::spawn(async move {
            let _stop = stop;
            std::future::pending::<()>().await;
        });
    }

    /// Stops taking work, lets running jobs finish within the grace
    /// (`SEATKEEPER_SHUTDOWN_GRACE_SECS`), hands the others back to the queue at once for
    /// another worker, and returns.
    pub async fn shutdown(self) {
        let in_flight = self.state.jobs.in_flight.clone();
        in_flight.start_draining();
        let _ = self.stop.send(true);
        let grace = Duration::from_secs(self.state.settings.shutdown_grace_secs);
        let running = in_flight.count();
        if running > 0 {
            tracing::info!(running, ?grace, "stopping: letting running jobs finish");
        }
        for run in in_flight.settle(grace).await {
            runner::hand_back(&self.state, run).await;
        }
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Runs the task's run on a task of its own, registered in flight: a stopping worker does
/// not cut it off, and the shutdown decides whether it finishes or is handed back.
async fn handle(job: RunJob, task_id: TaskId, state: Data<AppState>) -> Result<(), BoxDynError> {
    let state: AppState = (*state).clone();
    let task_id = task_id.to_string();
    let in_flight = state.jobs.in_flight.clone();
    if in_flight.draining() {
        // Fetched while stopping: queued again for another worker, untouched.
        runner::requeue(&state, job.run_id, &task_id).await;
        return Ok(());
    }
    let run_id = job.run_id;
    let running = {
        let state = state.clone();
        tokio::spawn(async move {
            let result = runner::execute(&state, run_id, &task_id).await;
            state.jobs.in_flight.remove(run_id);
            result
        })
    };
    in_flight.add(run_id, running.abort_handle());
    if running.is_finished() {
        in_flight.remove(run_id);
    }
    match running.await {
        Ok(result) => result.map_err(|err| err.message().into()),
        // Aborted at shutdown, after being handed back.
        Err(err) if err.is_cancelled() => Ok(()),
        Err(err) => Err(err.to_string().into()),
    }
}

/// Builds the monitor for `$backend` (one worker, a unique name per start so that a quick
/// restart never collides with its own registration).
macro_rules! monitor {
    ($backend:expr, $state:expr) => {{
        let backend = $backend;
        let state = $state.clone();
        let concurrency = state.settings.worker_concurrency;
        let grace = Duration::from_secs(state.settings.shutdown_grace_secs);
        let name = format!("{QUEUE}.{}", ulid::Ulid::generate());
        Monitor::new()
            .register(move |_| {
                WorkerBuilder::new(name.clone())
                    .backend(backend.clone())
                    .data(state.clone())
                    .concurrency(concurrency)
                    .build(handle)
            })
            .with_terminator(async move { tokio::time::sleep(grace).await })
    }};
}

fn monitor(state: &AppState) -> Monitor {
    match &state.jobs.queue {
        JobQueue::Sqlite(storage) => monitor!(
            PollWith::new(storage.clone(), Rearm(IntervalStrategy::new(SQLITE_POLL))),
            state
        ),
        JobQueue::Postgres(storage) => {
            let pubsub = apalis_postgres::Pubsub::new(storage.pool().clone(), QUEUE.to_owned());
            let strategy = Rearm(Either::new(
                IntervalStrategy::new(POSTGRES_POLL),
                StreamStrategy::new(pubsub),
            ));
            monitor!(PollWith::new(storage.clone(), strategy), state)
        }
    }
}

/// Runs the monitor until shutdown; restarts it after a pause when its worker fails.
async fn supervise(state: AppState, stopped: watch::Receiver<bool>) {
    loop {
        let mut signal = stopped.clone();
        let shutdown = async move {
            let _ = signal.wait_for(|stop| *stop).await;
            Ok(())
        };
        if let Err(err) = monitor(&state).run_with_signal(shutdown).await {
            tracing::error!(%err, "job worker stopped");
        }
        if *stopped.borrow() {
            return;
        }
        tracing::warn!(pause = ?RESTART_PAUSE, "job worker ended unexpectedly; restarting");
        let mut stopped = stopped.clone();
        tokio::select! {
            _ = tokio::time::sleep(RESTART_PAUSE) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}
