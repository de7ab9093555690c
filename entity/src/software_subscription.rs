//! `software_subscription`: one license a user holds in one profile, as the vendor reports it.

use sea_orm::entity::prelude::*;

/// One subscription; (profile_id, external_user_id, identifier) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "software_subscription")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Profile it was downloaded from.
    pub profile_id: i64,
    /// Model of the license; `None` while the identifier is unrecognized.
    pub software_model_id: Option<i64>,
    /// The vendor's license code.
    pub identifier: String,
    /// The vendor's user id.
    pub external_user_id: String,
    /// The user's email.
    pub user_principal_name: String,
    /// The user's name.
    pub display_name: Option<String>,
    /// When the vendor created the user.
    pub external_created_at: Option<DateTimeUtc>,
    /// When the license was assigned.
    pub assigned_at: Option<DateTimeUtc>,
    /// Latest qualifying activity, rolled up from activity events.
    pub last_activity_at: Option<DateTimeUtc>,
    /// Whether the vendor still reports it.
    pub active: bool,
    /// Whether the user is a vendor admin or owner.
    pub is_privileged: bool,
    /// Excluded from cost and compliance by an exclusion rule.
    pub excluded_from_cost: bool,
    /// Excluded from reclaim by an exclusion rule.
    pub excluded_from_reclaim: bool,
    /// When it was first downloaded.
    pub first_seen_at: DateTimeUtc,
    /// When a download last saw it.
    pub last_seen_at: DateTimeUtc,
    /// When it disappeared from the vendor.
    pub closed_at: Option<DateTimeUtc>,
    /// Hash of the vendor fields, so an unchanged row is not rewritten.
    pub content_hash: i64,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of `software_subscription`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The profile it was downloaded from.
    #[sea_orm(
        belongs_to = "super::integration_profile::Entity",
        from = "Column::ProfileId",
        to = "super::integration_profile::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
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
    /// Removal candidates raised for it.
    #[sea_orm(has_many = "super::removal_candidate::Entity")]
    RemovalCandidate,
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

impl Related<super::removal_candidate::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RemovalCandidate.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
