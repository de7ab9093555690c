//! `vendor_user`: one user of a vendor tenant, per profile, as the sync has met them: the
//! owner of activity events, and when their add-on licenses were last checked.

use sea_orm::entity::prelude::*;

/// One vendor user of a profile; (profile_id, external_user_id) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "vendor_user")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Profile the user belongs to.
    pub profile_id: i64,
    /// The vendor's user id.
    pub external_user_id: String,
    /// The user's email, when the vendor reports it.
    pub user_principal_name: Option<String>,
    /// When the user's add-on licenses were last asked of the vendor (Zoom's per-user
    /// settings call), if ever.
    pub addons_checked_at: Option<DateTimeUtc>,
    /// The add-on identifiers the user held at that check, comma-separated.
    pub known_addons: Option<String>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// Start of the gap-free window in which the user's activity was asked of the vendor
    /// per user (exact times); `None` until a per-user pull reached them.
    pub exact_activity_from: Option<DateTimeUtc>,
    /// End of that window.
    pub exact_activity_to: Option<DateTimeUtc>,
}

/// Relations of `vendor_user`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The profile the user belongs to.
    #[sea_orm(
        belongs_to = "super::integration_profile::Entity",
        from = "Column::ProfileId",
        to = "super::integration_profile::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    IntegrationProfile,
    /// The user's activity events.
    #[sea_orm(has_many = "super::activity_event::Entity")]
    ActivityEvent,
}

impl Related<super::integration_profile::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IntegrationProfile.def()
    }
}

impl Related<super::activity_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActivityEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
