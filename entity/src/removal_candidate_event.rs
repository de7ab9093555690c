//! `removal_candidate_event`: one move of a removal candidate, who or what made it, and why.

use sea_orm::entity::prelude::*;

use crate::enums::CandidateState;

/// One recorded move; a candidate's history is its events in id order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "removal_candidate_event")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The candidate that moved.
    pub candidate_id: i64,
    /// The state it left; `None` when it was flagged.
    pub from_state: Option<CandidateState>,
    /// The state it reached.
    pub to_state: CandidateState,
    /// Who moved it: an API token's name, or the job that did.
    pub actor: String,
    /// Why: the person's note, the vendor's message, the rule's finding.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// The job run that made the move, if one did.
    pub run_id: Option<i64>,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations of `removal_candidate_event`.
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
