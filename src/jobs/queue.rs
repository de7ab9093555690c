//! The job queue: apalis storage on SeaORM's own pool (apalis-sqlite for the embedded
//! default, apalis-postgres on PostgreSQL), one queue, payloads carrying a run id only.

use std::time::Duration;

use apalis::prelude::{FetchById, TaskBuilder, TaskId, TaskSink};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use sea_orm::{DatabaseConnection, DbBackend};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

/// The queue name, fixed so that renaming a type cannot strand queued jobs (apalis
/// defaults to the payload's Rust type name).
pub const QUEUE: &str = "seatkeeper.job_run";
/// Heartbeat of worker processes. apalis' default is 30 s; a lower one bounds how long a
/// dead worker's tasks wait before another worker takes them.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// Heartbeats a worker may miss before its tasks count as orphaned (apalis-postgres
/// defaults to 10, apalis-sqlite to 2: the same bound on both databases instead).
const MISSED_HEARTBEATS: usize = 3;
/// How long after its last heartbeat a dead worker's tasks are taken by another worker:
/// the bound on recovering from a crash. A stopping worker stops heartbeating, so the
/// shutdown grace must end (and hand its runs back) before this runs out.
pub const ORPHAN_AFTER: Duration = Duration::from_secs(5 * MISSED_HEARTBEATS as u64);
/// Attempts apalis itself makes of one task when the handler fails for infrastructure
/// reasons (a vendor failure is not one: it is recorded on the run).
const TASK_ATTEMPTS: usize = 3;

/// The payload: which run to execute. Everything else is read from the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunJob {
    pub run_id: i64,
}

/// Where tasks are pushed; cheap to clone.
#[derive(Clone)]
pub enum JobQueue {
    Sqlite(SqliteStorage<RunJob>),
    Postgres(PostgresStorage<RunJob>),
}

fn fail(err: impl std::fmt::Display) -> QueueError {
    QueueError(err.to_string())
}

/// A task could not be stored.
#[derive(Debug, thiserror::Error)]
#[error("job queue: {0}")]
pub struct QueueError(String);

impl JobQueue {
    /// Creates apalis' tables if needed and opens the queue on `db`'s pool. Runs apalis'
    /// migrations only: `SqliteStorage::setup` would also change PRAGMAs on a shared pool.
    pub async fn open(db: &DatabaseConnection, batch_size: usize) -> Result<Self, QueueError> {
        let err = |e: &dyn std::fmt::Display| QueueError(e.to_string());
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool().clone();
                PostgresStorage::setup(&pool).await.map_err(|e| err(&e))?;
                let config = apalis_postgres::Config::default()
                    .queue(QUEUE)
                    .heartbeat_interval(HEARTBEAT)
                    .missed_heartbeats(MISSED_HEARTBEATS)
                    .batch_size(batch_size);
                Ok(JobQueue::Postgres(
                    PostgresStorage::new(&pool).with_config(config),
                ))
            }
            _ => {
                let pool = db.get_sqlite_connection_pool().clone();
                SqliteStorage::migrations()
                    .run(&pool)
                    .await
                    .map_err(|e| err(&e))?;
                let config = apalis_sqlite::Config::default()
                    .queue(QUEUE)
                    .heartbeat_interval(HEARTBEAT)
                    .missed_heartbeats(MISSED_HEARTBEATS)
                    .batch_size(batch_size);
                Ok(JobQueue::Sqlite(
                    SqliteStorage::new(&pool).with_config(config),
                ))
            }
        }
    }

    /// A new task id: apalis-sqlite reads ids back as ULIDs.
    pub fn new_task_id() -> String {
        Ulid::generate().to_string()
    }

    /// Whether the queue holds the task `task_id` (in any status).
    pub async fn has_task(&self, task_id: &str) -> Result<bool, QueueError> {
        let id = TaskId::from_ulid(Ulid::from_string(task_id).map_err(fail)?);
        match self {
            JobQueue::Sqlite(storage) => storage.clone().fetch_by_id(&id).await.map_err(fail),
            JobQueue::Postgres(storage) => storage.clone().fetch_by_id(&id).await.map_err(fail),
        }
        .map(|task| task.is_some())
    }

    /// Stores a task for run `run_id` under `task_id`, to start after `delay` if given.
    pub async fn push(
        &self,
        run_id: i64,
        task_id: &str,
        delay: Option<Duration>,
    ) -> Result<(), QueueError> {
        let id = Ulid::from_string(task_id).map_err(|e| QueueError(e.to_string()))?;
        let mut builder = TaskBuilder::new(RunJob { run_id })
            .task_id(TaskId::from_ulid(id))
            .max_attempts(TASK_ATTEMPTS);
        if let Some(delay) = delay {
            builder = builder.run_after(delay);
        }
        let task = builder.build();
        match self {
            JobQueue::Sqlite(storage) => storage.clone().push_task(task).await.map_err(fail),
            JobQueue::Postgres(storage) => storage.clone().push_task(task).await.map_err(fail),
        }
    }
}
