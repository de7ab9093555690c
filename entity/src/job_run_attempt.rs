//! `job_run_attempt`: one execution of a job run and how it ended.

use sea_orm::entity::prelude::*;

use crate::enums::AttemptOutcome;

/// One attempt; (run_id, number) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "job_run_attempt")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The run.
    pub run_id: i64,
    /// 1 for the first execution.
    pub number: i32,
    /// The apalis task that carried it.
    pub task_id: Option<String>,
    /// When a worker started it.
    pub started_at: DateTimeUtc,
    /// When it ended; `None` while it runs (or until its lost worker is noticed).
    pub ended_at: Option<DateTimeUtc>,
    /// How it ended.
    pub outcome: Option<AttemptOutcome>,
    /// Why, when it did not finish.
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// What the run counted when it ended.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub counts: Option<Json>,
}

/// Relations of `job_run_attempt`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The run.
    #[sea_orm(
        belongs_to = "super::job_run::Entity",
        from = "Column::RunId",
        to = "super::job_run::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    JobRun,
}

impl Related<super::job_run::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::JobRun.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
