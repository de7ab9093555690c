//! `reclamation_rule`: when an idle subscription of a software model becomes a candidate.

use sea_orm::entity::prelude::*;

/// One rule; at most one per software model.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reclamation_rule")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Model the rule applies to; unique.
    #[sea_orm(unique)]
    pub software_model_id: i64,
    /// Name shown to users.
    pub name: String,
    /// Days without qualifying activity before a subscription is flagged (default 60).
    pub inactivity_threshold_days: i32,
    /// Whether the user is notified before the reclaim.
    pub notify_user: bool,
    /// Days to wait after the notice before reclaiming.
    pub notify_wait_days: i32,
    /// Whether an approver must approve the reclaim.
    pub require_approval: bool,
    /// Whether the rule runs.
    pub active: bool,
    /// Narrows the rule (email domains in or not in, identifiers); `None` for every seat.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub condition: Option<Json>,
    /// Whether candidates that need nobody's answer are reclaimed without a person asking.
    pub auto_reclaim: bool,
    /// Days a seat closed without a reclaim (kept, rejected, skipped, used again) is not
    /// flagged again; 0 for none.
    pub cooldown_days: i32,
    /// Reminders sent before the reclaim date, after the first notice.
    pub reminder_count: i32,
    /// Days between the first notice and each reminder.
    pub reminder_interval_days: i32,
    /// Where a seat its holder keeps is sent for a decision: an email address, or
    /// `webhook` for the notice webhook; `None`: reclaimers decide in the API.
    pub approver_email: Option<String>,
    /// When the rule was created.
    pub created_at: DateTimeUtc,
    /// When the rule last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of `reclamation_rule`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The model the rule applies to.
    #[sea_orm(
        belongs_to = "super::software_model::Entity",
        from = "Column::SoftwareModelId",
        to = "super::software_model::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    SoftwareModel,
    /// Candidates the rule raised.
    #[sea_orm(has_many = "super::removal_candidate::Entity")]
    RemovalCandidate,
}

impl Related<super::software_model::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareModel.def()
    }
}

impl Related<super::removal_candidate::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RemovalCandidate.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
