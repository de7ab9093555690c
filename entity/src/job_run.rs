//! `job_run`: one execution of background work, with its progress, counts and outcome.

use sea_orm::entity::prelude::*;

use crate::enums::{JobKind, JobState};

/// One job run.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "job_run")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Profile it works on; `None` for account-wide work such as reconciliation.
    pub profile_id: Option<i64>,
    /// The schedule that started it; `None` when started by hand.
    pub scheduled_job_id: Option<i64>,
    /// What it does.
    pub kind: JobKind,
    /// Where it stands.
    pub state: JobState,
    /// The apalis task id (a ULID).
    pub task_id: Option<String>,
    /// Units of work done.
    pub progress_done: i64,
    /// Units of work in total, when known.
    pub progress_total: Option<i64>,
    /// Records fetched from the vendor.
    pub fetched: i64,
    /// Rows created.
    pub created: i64,
    /// Rows updated.
    pub updated: i64,
    /// Rows closed.
    pub closed: i64,
    /// Rows seen unchanged.
    pub unchanged: i64,
    /// Records with an unrecognized identifier.
    pub unrecognized: i64,
    /// Records that failed.
    pub errors: i64,
    /// Vendor API requests made.
    pub requests_made: i64,
    /// Removal candidates reclaimed (reclaim runs).
    pub reclaimed: i64,
    /// Removal candidates skipped: the seat was already gone, or the subscription closed.
    pub skipped: i64,
    /// Removal candidates canceled because activity came back.
    pub canceled: i64,
    /// Why it failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// Kind-specific detail, e.g. the request budget plan.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub detail: Option<Json>,
    /// When it was queued.
    pub queued_at: DateTimeUtc,
    /// When a worker started it.
    pub started_at: Option<DateTimeUtc>,
    /// When it finished.
    pub finished_at: Option<DateTimeUtc>,
}

/// Relations of `job_run`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The profile it works on.
    #[sea_orm(
        belongs_to = "super::integration_profile::Entity",
        from = "Column::ProfileId",
        to = "super::integration_profile::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    IntegrationProfile,
    /// The schedule that started it.
    #[sea_orm(
        belongs_to = "super::scheduled_job::Entity",
        from = "Column::ScheduledJobId",
        to = "super::scheduled_job::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    ScheduledJob,
}

impl Related<super::integration_profile::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IntegrationProfile.def()
    }
}

impl Related<super::scheduled_job::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScheduledJob.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
