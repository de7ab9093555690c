//! `activity_event`: one raw thing a user did, as pulled from the vendor.

use sea_orm::entity::prelude::*;

use crate::enums::ActivityKind;

/// One activity event; (profile_id, external_user_id, kind, occurred_at) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "activity_event")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Profile it was pulled from.
    pub profile_id: i64,
    /// The vendor's user id.
    pub external_user_id: String,
    /// The user's email, when the vendor reports it.
    pub user_principal_name: Option<String>,
    /// What the user did.
    pub kind: ActivityKind,
    /// When it happened.
    pub occurred_at: DateTimeUtc,
    /// Which vendor API reported it, e.g. "zoom:/report/users".
    pub source: String,
    /// The vendor's id for it (meeting id, call id), if any.
    pub external_ref: Option<String>,
    /// When it was stored.
    pub created_at: DateTimeUtc,
}

/// Relations of `activity_event`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The profile it was pulled from.
    #[sea_orm(
        belongs_to = "super::integration_profile::Entity",
        from = "Column::ProfileId",
        to = "super::integration_profile::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    IntegrationProfile,
}

impl Related<super::integration_profile::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IntegrationProfile.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
