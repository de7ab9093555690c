//! Scheduled jobs, job runs and the audit log.

use async_graphql::{ComplexObject, Context, Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{AttemptOutcome, JobKind, JobState};
use entity::{audit_log, integration_profile, job_run, scheduled_job};

use super::IntegrationProfile;
use crate::domain::run_errors::RunErrorCode;
use crate::graphql::context::state;
use crate::graphql::loaders::load;
use crate::graphql::relay::global_id;

/// A recurring job of a profile.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ScheduledJob {
    /// Global id.
    pub id: ID,
    /// What it does.
    pub kind: JobKind,
    /// When it runs (cron expression, UTC).
    pub cron: String,
    /// Whether it is scheduled.
    pub active: bool,
    /// Its next run.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Its last run.
    pub last_run_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    pub profile_id: i64,
}

#[ComplexObject]
impl ScheduledJob {
    /// The profile it belongs to.
    async fn profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<IntegrationProfile>> {
        Ok(load::<integration_profile::Entity>(ctx, self.profile_id)
            .await?
            .map(Into::into))
    }
}

impl From<scheduled_job::Model> for ScheduledJob {
    fn from(m: scheduled_job::Model) -> Self {
        ScheduledJob {
            id: global_id("ScheduledJob", m.id),
            kind: m.kind,
            cron: m.cron,
            active: m.active,
            next_run_at: m.next_run_at,
            last_run_at: m.last_run_at,
            created_at: m.created_at,
            profile_id: m.profile_id,
        }
    }
}

/// Counts a job run reports.
#[derive(SimpleObject, Clone)]
pub struct JobRunCounts {
    /// Rows received from the vendor.
    pub fetched: i64,
    /// Rows created.
    pub created: i64,
    /// Rows changed.
    pub updated: i64,
    /// Rows closed because the vendor stopped returning them.
    pub closed: i64,
    /// Rows seen again without change (not rewritten).
    pub unchanged: i64,
    /// Rows whose identifier no model knows.
    pub unrecognized: i64,
    /// Rows that failed.
    pub errors: i64,
    /// Vendor API calls spent.
    pub requests_made: i64,
    /// Removal candidates reclaimed at the vendor (reclaim runs).
    pub reclaimed: i64,
    /// Removal candidates closed without a vendor call: the seat was already gone.
    pub skipped: i64,
    /// Removal candidates canceled because qualifying activity came back.
    pub canceled: i64,
}

/// One execution of a job.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct JobRun {
    /// Global id.
    pub id: ID,
    /// What it does.
    pub kind: JobKind,
    /// Where it is.
    pub state: JobState,
    /// Units done (pages, users).
    pub progress_done: i64,
    /// Units in all, when known.
    pub progress_total: Option<i64>,
    /// What it counted.
    pub counts: JobRunCounts,
    /// Why it failed (or, while it waits to be retried, why the last attempt failed).
    pub error: Option<String>,
    /// Which attempt it is on: 1, then up to 3 when failures are worth retrying.
    pub attempt: i32,
    /// How often a stopping server handed it back to the queue for another worker to
    /// resume (SIGTERM with the run unfinished after the grace).
    pub handed_back: i32,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// When a worker started it.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed, as a code to group failures by (runs failed before codes were
    /// recorded have none).
    pub error_code: Option<JobErrorCode>,
    /// The vendor's own error code, when the vendor failed the run and gave one (Zoom's
    /// `code`, GoTo's `errorCode`, an OAuth `error`).
    pub vendor_error_code: Option<String>,
    #[graphql(skip)]
    pub profile_id: Option<i64>,
    #[graphql(skip)]
    pub raw_id: i64,
}

/// Why a job run failed.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum JobErrorCode {
    /// The vendor refused the credentials (after a token refresh, where there is one).
    Unauthorized,
    /// The vendor kept answering 429 past the retries.
    RateLimited,
    /// The vendor could not be reached or kept failing (timeouts, 5xx) past the retries.
    VendorUnavailable,
    /// The vendor refused the request itself (a missing scope or admin role).
    VendorRefused,
    /// The vendor answered 404 for something the run needed (a wrong host or tenant).
    VendorNotFound,
    /// The vendor's answer was not what it documents.
    BadVendorData,
    /// The connection lacks a setting or credential.
    NotConfigured,
    /// A download far smaller than the last one was not applied.
    ShrinkGuard,
    /// The profile cannot run this (deleted, draft, activity off, alias gone).
    Precondition,
    /// Its worker stopped without finishing it too many times.
    WorkerLost,
    /// Anything else; the cause is in the server's log.
    Internal,
}

impl From<RunErrorCode> for JobErrorCode {
    fn from(code: RunErrorCode) -> Self {
        match code {
            RunErrorCode::Unauthorized => JobErrorCode::Unauthorized,
            RunErrorCode::RateLimited => JobErrorCode::RateLimited,
            RunErrorCode::VendorUnavailable => JobErrorCode::VendorUnavailable,
            RunErrorCode::VendorRefused => JobErrorCode::VendorRefused,
            RunErrorCode::VendorNotFound => JobErrorCode::VendorNotFound,
            RunErrorCode::BadVendorData => JobErrorCode::BadVendorData,
            RunErrorCode::NotConfigured => JobErrorCode::NotConfigured,
            RunErrorCode::ShrinkGuard => JobErrorCode::ShrinkGuard,
            RunErrorCode::Precondition => JobErrorCode::Precondition,
            RunErrorCode::WorkerLost => JobErrorCode::WorkerLost,
            RunErrorCode::Internal => JobErrorCode::Internal,
        }
    }
}

/// One execution of a job run.
#[derive(SimpleObject, Clone)]
pub struct JobRunAttempt {
    /// 1 for the first.
    pub number: i32,
    /// When a worker started it.
    pub started_at: DateTime<Utc>,
    /// When it ended (null while it runs, or until its lost worker is noticed).
    pub ended_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub outcome: Option<AttemptOutcome>,
    /// Why, when it did not finish.
    pub error: Option<String>,
    /// What the run had counted when it ended.
    pub counts: Option<JobRunCounts>,
}

#[ComplexObject]
impl JobRun {
    /// Each execution, first first: re-runs after a crash (`WORKER_LOST`), after a stop
    /// (`HANDED_BACK`) or after a failure worth retrying (`FAILED`) show here.
    async fn attempts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<JobRunAttempt>> {
        let list = crate::domain::job_attempts::list(&state(ctx).db, self.raw_id).await?;
        Ok(list
            .into_iter()
            .map(|a| JobRunAttempt {
                number: a.number,
                started_at: a.started_at,
                ended_at: a.ended_at,
                outcome: a.outcome,
                error: a.error,
                counts: a.counts.map(|c| JobRunCounts {
                    fetched: c.fetched,
                    created: c.created,
                    updated: c.updated,
                    closed: c.closed,
                    unchanged: c.unchanged,
                    unrecognized: c.unrecognized,
                    errors: c.errors,
                    requests_made: c.requests_made,
                    reclaimed: c.reclaimed,
                    skipped: c.skipped,
                    canceled: c.canceled,
                }),
            })
            .collect())
    }

    /// The profile it ran for.
    async fn profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<IntegrationProfile>> {
        let Some(id) = self.profile_id else {
            return Ok(None);
        };
        Ok(load::<integration_profile::Entity>(ctx, id)
            .await?
            .map(Into::into))
    }
}

impl From<job_run::Model> for JobRun {
    fn from(m: job_run::Model) -> Self {
        let attempt = crate::domain::job_runs::attempt(&m);
        let handed_back = crate::domain::job_runs::handed_back(&m);
        let error_code = crate::domain::job_runs::error_code(&m).map(JobErrorCode::from);
        let vendor_error_code = crate::domain::job_runs::vendor_error_code(&m);
        JobRun {
            id: global_id("JobRun", m.id),
            kind: m.kind,
            state: m.state,
            progress_done: m.progress_done,
            progress_total: m.progress_total,
            counts: JobRunCounts {
                fetched: m.fetched,
                created: m.created,
                updated: m.updated,
                closed: m.closed,
                unchanged: m.unchanged,
                unrecognized: m.unrecognized,
                errors: m.errors,
                requests_made: m.requests_made,
                reclaimed: m.reclaimed,
                skipped: m.skipped,
                canceled: m.canceled,
            },
            error: m.error,
            attempt,
            handed_back,
            error_code,
            vendor_error_code,
            queued_at: m.queued_at,
            started_at: m.started_at,
            finished_at: m.finished_at,
            profile_id: m.profile_id,
            raw_id: m.id,
        }
    }
}

/// Who changed what, and when.
#[derive(SimpleObject, Clone)]
pub struct AuditLogEntry {
    /// Global id.
    pub id: ID,
    /// The name of the API token that made the change.
    pub actor: String,
    /// The mutation, e.g. `createEntitlement`.
    pub operation: String,
    /// The type of the object changed.
    pub target_type: Option<String>,
    /// The global id of the object changed.
    pub target_id: Option<ID>,
    /// What changed (field names and flags, never secret values).
    pub details: async_graphql::Json<serde_json::Value>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<audit_log::Model> for AuditLogEntry {
    fn from(m: audit_log::Model) -> Self {
        let target_id = match (
            &m.target_type,
            m.target_id.as_deref().and_then(|s| s.parse().ok()),
        ) {
            (Some(kind), Some(id)) => Some(global_id(kind, id)),
            _ => None,
        };
        AuditLogEntry {
            id: global_id("AuditLogEntry", m.id),
            actor: m.actor,
            operation: m.operation,
            target_type: m.target_type,
            target_id,
            details: async_graphql::Json(m.details),
            created_at: m.created_at,
        }
    }
}
