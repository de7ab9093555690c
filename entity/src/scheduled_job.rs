//! `scheduled_job`: recurring work for a profile, created when the profile is published.

use sea_orm::entity::prelude::*;

use crate::enums::JobKind;

/// One scheduled job; (profile_id, kind) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "scheduled_job")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Profile the job works on.
    pub profile_id: i64,
    /// What the job does.
    pub kind: JobKind,
    /// Cron expression (UTC).
    pub cron: String,
    /// Whether it is scheduled.
    pub active: bool,
    /// When it runs next.
    pub next_run_at: Option<DateTimeUtc>,
    /// When it last ran.
    pub last_run_at: Option<DateTimeUtc>,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// Relations of `scheduled_job`.
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
    /// Its runs.
    #[sea_orm(has_many = "super::job_run::Entity")]
    JobRun,
}

impl Related<super::integration_profile::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IntegrationProfile.def()
    }
}

impl Related<super::job_run::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::JobRun.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
