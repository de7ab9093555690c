//! Job run events: every state or progress change of a run, for GraphQL subscribers.
//!
//! In a process, a `tokio::sync::broadcast` channel. On PostgreSQL each change is also sent
//! with `pg_notify` on [`CHANNEL`], and every process runs one `PgListener` that feeds the
//! notifications of other processes into its own channel, so a subscriber connected to an
//! API process sees runs executed by a worker process. The payload is a compact snapshot
//! of the run (well under PostgreSQL's 8000-byte limit): re-reading the row on receipt
//! would collapse fast transitions (RUNNING then SUCCEEDED would arrive as SUCCEEDED twice).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::enums::{JobKind, JobState};
use entity::job_run;
use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{DatabaseConnection, DbBackend};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// The PostgreSQL notification channel of job run events.
pub const CHANNEL: &str = "seatkeeper_job_run";
/// Events a slow subscriber may fall behind by before it misses some.
const CAPACITY: usize = 1024;
/// The longest error text carried in a notification; the row keeps all of it.
const MAX_ERROR_BYTES: usize = 2000;

/// A run as it was right after one change.
pub type RunEvent = Arc<job_run::Model>;

/// Publishes job run events and hands out subscriptions; cheap to clone.
#[derive(Clone)]
pub struct JobEvents {
    inner: Arc<Inner>,
}

struct Inner {
    tx: broadcast::Sender<RunEvent>,
    /// Tells this process's notifications apart from other processes' ones.
    origin: String,
    pg: Option<PgPool>,
}

/// The notification payload.
#[derive(Serialize, Deserialize)]
struct Wire {
    o: String,
    r: WireRun,
}

#[derive(Serialize, Deserialize)]
struct WireRun {
    id: i64,
    profile_id: Option<i64>,
    scheduled_job_id: Option<i64>,
    kind: JobKind,
    state: JobState,
    task_id: Option<String>,
    progress: (i64, Option<i64>),
    counts: [i64; 11],
    error: Option<String>,
    detail: Option<serde_json::Value>,
    queued_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
}

impl From<&job_run::Model> for WireRun {
    fn from(m: &job_run::Model) -> Self {
        let error = m.error.as_ref().map(|e| {
            let mut end = e.len().min(MAX_ERROR_BYTES);
            while !e.is_char_boundary(end) {
                end -= 1;
            }
            e[..end].to_owned()
        });
        WireRun {
            id: m.id,
            profile_id: m.profile_id,
            scheduled_job_id: m.scheduled_job_id,
            kind: m.kind,
            state: m.state,
            task_id: m.task_id.clone(),
            progress: (m.progress_done, m.progress_total),
            counts: [
                m.fetched,
                m.created,
                m.updated,
                m.closed,
                m.unchanged,
                m.unrecognized,
                m.errors,
                m.requests_made,
                m.reclaimed,
                m.skipped,
                m.canceled,
            ],
            error,
            // Only the attempt and hand-backs: other detail may be large and is not part of
            // an event.
            detail: m.detail.as_ref().map(|d| {
                let mut small = serde_json::Map::new();
                for key in ["attempt", "handedBack"] {
                    if let Some(v) = d.get(key) {
                        small.insert(key.into(), v.clone());
                    }
                }
                serde_json::Value::Object(small)
            }),
            queued_at: m.queued_at,
            started_at: m.started_at,
            finished_at: m.finished_at,
        }
    }
}

impl From<WireRun> for job_run::Model {
    fn from(w: WireRun) -> Self {
        let [
            fetched,
            created,
            updated,
            closed,
            unchanged,
            unrecognized,
            errors,
            requests_made,
            reclaimed,
            skipped,
            canceled,
        ] = w.counts;
        job_run::Model {
            id: w.id,
            profile_id: w.profile_id,
            scheduled_job_id: w.scheduled_job_id,
            kind: w.kind,
            state: w.state,
            task_id: w.task_id,
            progress_done: w.progress.0,
            progress_total: w.progress.1,
            fetched,
            created,
            updated,
            closed,
            unchanged,
            unrecognized,
            errors,
            requests_made,
            reclaimed,
            skipped,
            canceled,
            error: w.error,
            detail: w.detail,
            queued_at: w.queued_at,
            started_at: w.started_at,
            finished_at: w.finished_at,
        }
    }
}

impl JobEvents {
    /// Events for this process; on PostgreSQL they also cross to other processes.
    pub fn new(db: &DatabaseConnection) -> Self {
        let pg = match db.get_database_backend() {
            DbBackend::Postgres => Some(db.get_postgres_connection_pool().clone()),
            _ => None,
        };
        let (tx, _) = broadcast::channel(CAPACITY);
        JobEvents {
            inner: Arc::new(Inner {
                tx,
                origin: ulid::Ulid::generate().to_string(),
                pg,
            }),
        }
    }

    /// Every event from now on, from this process and (on PostgreSQL) the others.
    pub fn subscribe(&self) -> broadcast::Receiver<RunEvent> {
        self.inner.tx.subscribe()
    }

    /// How many receivers are listening in this process (GraphQL subscriptions and the
    /// process's own watchers): a gauge on `/metrics`.
    pub fn subscribers(&self) -> usize {
        self.inner.tx.receiver_count()
    }

    /// Publishes a change of `run`. Call it after the change is committed. Never fails: a
    /// lost notification is logged, the run itself is in the database.
    pub async fn publish(&self, run: &job_run::Model) {
        let _ = self.inner.tx.send(Arc::new(run.clone()));
        let Some(pool) = &self.inner.pg else { return };
        let wire = Wire {
            o: self.inner.origin.clone(),
            r: run.into(),
        };
        let payload = match serde_json::to_string(&wire) {
            Ok(p) => p,
            Err(err) => {
                tracing::error!(run = run.id, %err, "cannot encode a job run event");
                return;
            }
        };
        let sent = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(pool)
            .await;
        if let Err(err) = sent {
            tracing::warn!(run = run.id, %err, "job run event not sent to other processes");
        }
    }

    /// On PostgreSQL, starts the task that feeds other processes' events into this one.
    /// Returns once it listens, so no event published after this returns is missed.
    pub async fn start_listener(&self) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
        let Some(pool) = self.inner.pg.clone() else {
            return Ok(None);
        };
        let listener = listen(&pool).await.map_err(|e| e.to_string())?;
        let events = self.clone();
        Ok(Some(tokio::spawn(events.forward(pool, listener))))
    }

    async fn forward(self, pool: PgPool, mut listener: PgListener) {
        loop {
            // `recv` reconnects by itself after a lost connection; notifications sent
            // meanwhile are lost, which a subscriber sees as a skipped progress step.
            match listener.recv().await {
                Ok(note) => self.deliver(note.payload()),
                Err(err) => {
                    tracing::warn!(%err, "job event listener failed; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    match listen(&pool).await {
                        Ok(l) => listener = l,
                        Err(err) => tracing::warn!(%err, "job event listener cannot reconnect"),
                    }
                }
            }
        }
    }

    fn deliver(&self, payload: &str) {
        match serde_json::from_str::<Wire>(payload) {
            Ok(wire) if wire.o == self.inner.origin => {}
            Ok(wire) => {
                let _ = self.inner.tx.send(Arc::new(wire.r.into()));
            }
            Err(err) => tracing::warn!(%err, "ignoring a malformed job run event"),
        }
    }
}

async fn listen(pool: &PgPool) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> job_run::Model {
        job_run::Model {
            id: 7,
            profile_id: Some(3),
            scheduled_job_id: None,
            kind: JobKind::DownloadSubscriptions,
            state: JobState::Failed,
            task_id: Some("01JD0000000000000000000000".into()),
            progress_done: 2,
            progress_total: Some(5),
            fetched: 1,
            created: 2,
            updated: 3,
            closed: 4,
            unchanged: 5,
            unrecognized: 6,
            errors: 7,
            requests_made: 8,
            reclaimed: 9,
            skipped: 10,
            canceled: 11,
            error: Some("é".repeat(3000)),
            detail: Some(serde_json::json!({ "attempt": 2, "plan": "x".repeat(9000) })),
            queued_at: Utc::now(),
            started_at: Some(Utc::now()),
            finished_at: None,
        }
    }

    #[test]
    fn a_notification_carries_the_run_within_the_postgres_limit() {
        let m = run();
        let payload = serde_json::to_string(&Wire {
            o: "x".into(),
            r: (&m).into(),
        })
        .unwrap();
        assert!(payload.len() < 8000, "{} bytes", payload.len());
        let back: job_run::Model = serde_json::from_str::<Wire>(&payload).unwrap().r.into();
        assert_eq!(back.state, JobState::Failed);
        assert_eq!(back.requests_made, 8);
        assert_eq!(back.progress_total, Some(5));
        assert_eq!(back.detail, Some(serde_json::json!({ "attempt": 2 })));
        assert!(back.error.unwrap().len() <= MAX_ERROR_BYTES);
    }
}
