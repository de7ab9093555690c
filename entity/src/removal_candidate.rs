//! `removal_candidate`: a subscription a reclamation rule flagged, and where its reclaim stands.
//!
//! The links are nullable and `SET NULL` on delete so a candidate (and its evidence and
//! savings) outlives the profile, subscription or rule it came from.

use sea_orm::entity::prelude::*;

use crate::enums::CandidateState;

/// One removal candidate.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "removal_candidate")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The flagged subscription.
    pub subscription_id: Option<i64>,
    /// Its profile.
    pub profile_id: Option<i64>,
    /// Its software model.
    pub software_model_id: Option<i64>,
    /// The rule that flagged it.
    pub rule_id: Option<i64>,
    /// The holder's email.
    pub user_principal_name: String,
    /// Where the reclaim stands.
    pub state: CandidateState,
    /// Last qualifying activity when it was flagged.
    pub last_activity_at: Option<DateTimeUtc>,
    /// The rule's inactivity threshold when it was flagged, in days.
    pub threshold_days: i32,
    /// Why it was flagged: activity window, threshold, exclusions checked.
    #[sea_orm(column_type = "JsonBinary")]
    pub evidence: Json,
    /// What reclaiming it saves, in minor units of `currency`.
    pub potential_savings_minor: i64,
    /// ISO 4217 code, e.g. "USD".
    pub currency: String,
    /// When it was flagged.
    pub opened_at: DateTimeUtc,
    /// When the user was notified.
    pub notified_at: Option<DateTimeUtc>,
    /// When it reached a closed state.
    pub closed_at: Option<DateTimeUtc>,
    /// Why it was closed.
    pub close_reason: Option<String>,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
    /// The reclaim run that claimed it, while it is `RECLAIMING` (kept afterwards).
    pub reclaim_run_id: Option<i64>,
    /// When the reclaim run was about to call the vendor: set before the call, so a run
    /// resumed after a crash knows to check the seat before calling again.
    pub vendor_call_at: Option<DateTimeUtc>,
    /// What a person must look at, while `ATTENTION_REQUIRED`.
    #[sea_orm(column_type = "Text", nullable)]
    pub attention_reason: Option<String>,
    /// The vendor's error code of the last refusal.
    pub vendor_code: Option<String>,
    /// What the reclaim saved per month, in minor units of `currency`.
    pub realised_savings_minor: Option<i64>,
    /// When the vendor confirmed the reclaim.
    pub reclaimed_at: Option<DateTimeUtc>,
    /// Since when the seat has been idle: its last qualifying activity, else when it was
    /// assigned (or first seen). Idle days count from here; lists sort by it.
    pub idle_since: DateTimeUtc,
    /// The reclaim date the holder was told: silence until then reclaims the seat.
    pub decide_by: Option<DateTimeUtc>,
}

/// Relations of `removal_candidate`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The flagged subscription.
    #[sea_orm(
        belongs_to = "super::software_subscription::Entity",
        from = "Column::SubscriptionId",
        to = "super::software_subscription::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    SoftwareSubscription,
    /// Its profile.
    #[sea_orm(
        belongs_to = "super::integration_profile::Entity",
        from = "Column::ProfileId",
        to = "super::integration_profile::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    IntegrationProfile,
    /// Its software model.
    #[sea_orm(
        belongs_to = "super::software_model::Entity",
        from = "Column::SoftwareModelId",
        to = "super::software_model::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    SoftwareModel,
    /// The rule that flagged it.
    #[sea_orm(
        belongs_to = "super::reclamation_rule::Entity",
        from = "Column::RuleId",
        to = "super::reclamation_rule::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    ReclamationRule,
}

impl Related<super::software_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareSubscription.def()
    }
}

impl Related<super::integration_profile::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IntegrationProfile.def()
    }
}

impl Related<super::software_model::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareModel.def()
    }
}

impl Related<super::reclamation_rule::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReclamationRule.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
