//! `notice`: the outbox of notices to seat holders, written with the candidate's state
//! change and delivered by a job.

use sea_orm::entity::prelude::*;

use crate::enums::{NoticeChannel, NoticeKind, NoticeState};

/// One notice through one channel about one candidate.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "notice")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The candidate it tells about.
    pub candidate_id: i64,
    /// The candidate's profile (the delivery run's scope).
    pub profile_id: Option<i64>,
    /// Email or webhook.
    pub channel: NoticeChannel,
    /// Pending, sending, sent or failed.
    pub state: NoticeState,
    /// Delivery attempts made.
    pub attempts: i32,
    /// When the next attempt may be made.
    pub next_attempt_at: DateTimeUtc,
    /// The reclaim date the notice states, fixed at its first attempt.
    pub reclaim_at: Option<DateTimeUtc>,
    /// Stable id of the message (email Message-ID, webhook delivery id), the same on
    /// every attempt so receivers can drop a repeat.
    pub delivery_id: String,
    /// Why the last attempt failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: DateTimeUtc,
    /// When the receiver accepted it.
    pub sent_at: Option<DateTimeUtc>,
    /// The first notice to the holder, a reminder, or an approval request.
    pub kind: NoticeKind,
    /// Who an approval request goes to (the rule's approver); `None`: the seat holder.
    pub recipient: Option<String>,
}

/// Relations of `notice`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The candidate.
    #[sea_orm(
        belongs_to = "super::removal_candidate::Entity",
        from = "Column::CandidateId",
        to = "super::removal_candidate::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    RemovalCandidate,
}

impl Related<super::removal_candidate::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RemovalCandidate.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
