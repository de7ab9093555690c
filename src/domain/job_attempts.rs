//! Each execution of a job run is an attempt with its start, its end and why it ended, so
//! a run re-executed after a crash or a stop says so, and a run whose worker keeps dying
//! (out of memory, say) fails with `WORKER_LOST` instead of looping.

use chrono::{DateTime, Utc};
use entity::enums::AttemptOutcome;
use entity::job_run_attempt as attempt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::sync::RunCounts;
use crate::error::Result;

/// One attempt as the domain hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub number: i32,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub outcome: Option<AttemptOutcome>,
    pub error: Option<String>,
    pub counts: Option<RunCounts>,
}

/// What opening an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// Attempt `number` runs now.
    Started { number: i32 },
    /// The run lost its worker `lost` times, the limit: it must fail, not run again.
    TooManyLost { lost: i32 },
}

/// Opens the next attempt of `run_id` for `task_id`. An attempt still open belonged to a
/// worker that stopped without a word: it ends as `WORKER_LOST` first, and once `max_lost`
/// attempts ended so, no new one opens.
pub async fn open(
    db: &impl ConnectionTrait,
    run_id: i64,
    task_id: &str,
    counts: &RunCounts,
    max_lost: i32,
) -> Result<Opened> {
    let now = Utc::now();
    let previous = attempt::Entity::find()
        .filter(attempt::Column::RunId.eq(run_id))
        .order_by_asc(attempt::Column::Number)
        .all(db)
        .await?;
    let mut lost = 0;
    for a in &previous {
        match (a.ended_at, a.outcome) {
            (None, _) => {
                close_one(db, a.id, AttemptOutcome::WorkerLost, None, counts, now).await?;
                lost += 1;
            }
            (Some(_), Some(AttemptOutcome::WorkerLost)) => lost += 1,
            (
                Some(_),
                None
                | Some(
                    AttemptOutcome::Finished
                    | AttemptOutcome::Failed
                    | AttemptOutcome::HandedBack
                    | AttemptOutcome::Canceled,
                ),
            ) => {}
        }
    }
    if lost >= max_lost {
        return Ok(Opened::TooManyLost { lost });
    }
    let number = previous.last().map_or(1, |a| a.number + 1);
    attempt::Entity::insert(attempt::ActiveModel {
        run_id: Set(run_id),
        number: Set(number),
        task_id: Set(Some(task_id.to_owned())),
        started_at: Set(now),
        ended_at: Set(None),
        outcome: Set(None),
        error: Set(None),
        counts: Set(None),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(Opened::Started { number })
}

async fn close_one(
    db: &impl ConnectionTrait,
    id: i64,
    outcome: AttemptOutcome,
    error: Option<String>,
    counts: &RunCounts,
    at: DateTime<Utc>,
) -> Result<()> {
    attempt::Entity::update_many()
        .col_expr(attempt::Column::EndedAt, Expr::value(at))
        .col_expr(attempt::Column::Outcome, Expr::value(outcome))
        .col_expr(attempt::Column::Error, Expr::value(error))
        .col_expr(
            attempt::Column::Counts,
            Expr::value(serde_json::to_value(counts).ok()),
        )
        .filter(attempt::Column::Id.eq(id))
        .filter(attempt::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends the run's open attempt, if it has one.
pub async fn close(
    db: &impl ConnectionTrait,
    run_id: i64,
    outcome: AttemptOutcome,
    error: Option<String>,
    counts: &RunCounts,
) -> Result<()> {
    let open = attempt::Entity::find()
        .filter(attempt::Column::RunId.eq(run_id))
        .filter(attempt::Column::EndedAt.is_null())
        .all(db)
        .await?;
    for a in open {
        close_one(db, a.id, outcome, error.clone(), counts, Utc::now()).await?;
    }
    Ok(())
}

/// A run's attempts, first first.
pub async fn list(db: &impl ConnectionTrait, run_id: i64) -> Result<Vec<Attempt>> {
    Ok(attempt::Entity::find()
        .filter(attempt::Column::RunId.eq(run_id))
        .order_by_asc(attempt::Column::Number)
        .all(db)
        .await?
        .into_iter()
        .map(|a| Attempt {
            number: a.number,
            started_at: a.started_at,
            ended_at: a.ended_at,
            outcome: a.outcome,
            error: a.error,
            counts: a.counts.and_then(|c| serde_json::from_value(c).ok()),
        })
        .collect())
}
