//! Scheduled jobs and job runs, as the API reads them; each profile's daily schedule and
//! the atomic claim of due scheduled jobs. Run transitions live in `job_runs`.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use entity::enums::{JobKind, JobState};
use entity::{job_run, scheduled_job};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::domain::page::{self, Page, PageRequest};
use crate::error::{AppError, Result};

#[derive(Debug, Default)]
pub struct JobRunFilter {
    pub profile_id: Option<i64>,
    pub kind: Option<JobKind>,
    pub state: Option<JobState>,
}

pub async fn list_runs(
    db: &DatabaseConnection,
    filter: &JobRunFilter,
    req: &PageRequest,
) -> Result<Page<job_run::Model>> {
    use job_run::Column as C;
    let mut select = job_run::Entity::find();
    if let Some(id) = filter.profile_id {
        select = select.filter(C::ProfileId.eq(id));
    }
    if let Some(kind) = filter.kind {
        select = select.filter(C::Kind.eq(kind));
    }
    if let Some(state) = filter.state {
        select = select.filter(C::State.eq(state));
    }
    page::keyset(db, select, C::Id, req).await
}

pub async fn get_run(db: &DatabaseConnection, id: i64) -> Result<job_run::Model> {
    page::find::<job_run::Entity>(db, id, "JobRun").await
}

/// Runs not final yet (queued or running), oldest first: of one profile, or of all.
pub async fn active_runs(
    db: &DatabaseConnection,
    profile_id: Option<i64>,
) -> Result<Vec<job_run::Model>> {
    let mut select = job_run::Entity::find()
        .filter(job_run::Column::State.is_in(crate::domain::job_runs::ACTIVE_STATES));
    if let Some(id) = profile_id {
        select = select.filter(job_run::Column::ProfileId.eq(id));
    }
    Ok(select.order_by_asc(job_run::Column::Id).all(db).await?)
}

pub async fn list_scheduled(
    db: &DatabaseConnection,
    profile_id: Option<i64>,
    req: &PageRequest,
) -> Result<Page<scheduled_job::Model>> {
    let mut select = scheduled_job::Entity::find();
    if let Some(id) = profile_id {
        select = select.filter(scheduled_job::Column::ProfileId.eq(id));
    }
    page::keyset(db, select, scheduled_job::Column::Id, req).await
}

pub async fn get_scheduled(db: &DatabaseConnection, id: i64) -> Result<scheduled_job::Model> {
    page::find::<scheduled_job::Entity>(db, id, "ScheduledJob").await
}

/// The UTC hour of each profile's daily download; its activity pull follows an hour later.
const DOWNLOAD_HOUR: i64 = 2;

/// The default daily schedule (5-field cron, UTC) of a profile's job of `kind`. Minutes
/// are spread by profile so that many profiles do not all call their vendors at once.
pub fn default_cron(profile_id: i64, kind: JobKind) -> String {
    let minute = (profile_id * 7).rem_euclid(60);
    // Each kind reads what the one before it wrote that night.
    let hour = DOWNLOAD_HOUR
        + match kind {
            JobKind::DownloadSubscriptions => 0,
            JobKind::PullActivity => 1,
            JobKind::Reclaim => 2,
            JobKind::Reconcile | JobKind::DeliverNotices => 3,
        };
    format!("{minute} {hour} * * *")
}

/// The first time after `after` that `cron` fires. Takes the usual 5 fields (minute
/// first) or the `cron` crate's 6–7 (seconds first).
pub fn next_after(cron: &str, after: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let expr = if cron.split_whitespace().count() == 5 {
        format!("0 {cron}")
    } else {
        cron.to_owned()
    };
    let schedule = cron::Schedule::from_str(&expr)
        .map_err(|e| AppError::bad_input("cron", format!("not a cron expression: {e}")))?;
    schedule
        .after(&after)
        .next()
        .ok_or_else(|| AppError::bad_input("cron", "never fires"))
}

/// Makes sure the profile has its daily download job, its daily reconciliation of its
/// vendor's models and, when activity is on, its daily activity job (and no activity job
/// when it is off). Idempotent; existing schedules keep
/// their cron and next run. Call it inside the publishing transaction.
pub async fn ensure_profile_schedule(
    db: &impl ConnectionTrait,
    profile_id: i64,
    download_activity: bool,
) -> Result<Vec<scheduled_job::Model>> {
    use scheduled_job::Column as C;
    let mut kinds = vec![JobKind::DownloadSubscriptions, JobKind::Reconcile];
    if download_activity {
        kinds.push(JobKind::PullActivity);
    } else {
        remove_profile_schedule(db, profile_id, JobKind::PullActivity).await?;
    }
    let now = Utc::now();
    for kind in kinds {
        let cron = default_cron(profile_id, kind);
        let row = scheduled_job::ActiveModel {
            profile_id: Set(profile_id),
            kind: Set(kind),
            next_run_at: Set(Some(next_after(&cron, now)?)),
            cron: Set(cron),
            active: Set(true),
            last_run_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        };
        scheduled_job::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([C::ProfileId, C::Kind])
                    .update_column(C::Active)
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(scheduled_job::Entity::find()
        .filter(C::ProfileId.eq(profile_id))
        .order_by_asc(C::Id)
        .all(db)
        .await?)
}

/// Removes the profile's scheduled job of `kind`; returns how many were removed (0 or 1).
pub async fn remove_profile_schedule(
    db: &impl ConnectionTrait,
    profile_id: i64,
    kind: JobKind,
) -> Result<u64> {
    let res = scheduled_job::Entity::delete_many()
        .filter(scheduled_job::Column::ProfileId.eq(profile_id))
        .filter(scheduled_job::Column::Kind.eq(kind))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Claims the scheduled jobs due at `now`: each one's `next_run_at` moves to its next
/// time only if it still holds the value read, so of several schedulers racing (worker
/// processes on one PostgreSQL) exactly one claims each due job. Returns the claimed jobs
/// with their new `next_run_at`.
pub async fn claim_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<scheduled_job::Model>> {
    use scheduled_job::Column as C;
    let due = scheduled_job::Entity::find()
        .filter(C::Active.eq(true))
        .filter(C::NextRunAt.lte(now))
        .order_by_asc(C::NextRunAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for job in due {
        let Some(old) = job.next_run_at else { continue };
        let next = match next_after(&job.cron, now) {
            Ok(next) => next,
            Err(err) => {
                tracing::error!(scheduled_job = job.id, cron = %job.cron, "{}", err.message());
                continue;
            }
        };
        let res = scheduled_job::Entity::update_many()
            .col_expr(C::NextRunAt, sea_orm::sea_query::Expr::value(next))
            .col_expr(C::LastRunAt, sea_orm::sea_query::Expr::value(now))
            .filter(C::Id.eq(job.id))
            .filter(C::NextRunAt.eq(old))
            .exec(db)
            .await?;
        if res.rows_affected == 1 {
            claimed.push(scheduled_job::Model {
                next_run_at: Some(next),
                last_run_at: Some(now),
                ..job
            });
        }
    }
    Ok(claimed)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn daily_jobs_fire_once_a_day_at_a_spread_minute() {
        let cron = default_cron(3, JobKind::DownloadSubscriptions);
        assert_eq!(cron, "21 2 * * *");
        assert_eq!(default_cron(3, JobKind::PullActivity), "21 3 * * *");
        let t = Utc.with_ymd_and_hms(2026, 11, 22, 2, 21, 0).unwrap();
        let next = next_after(&cron, t).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 23, 2, 21, 0).unwrap());
    }

    #[test]
    fn a_bad_cron_names_the_field() {
        let err = next_after("every day", Utc::now()).unwrap_err();
        assert_eq!(err.code(), "BAD_USER_INPUT");
    }
}
