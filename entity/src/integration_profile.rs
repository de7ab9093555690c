//! `integration_profile`: one vendor tenant Seatkeeper downloads from and reclaims in.

use sea_orm::entity::prelude::*;

use crate::enums::{ProfileStatus, Vendor};

/// One integration profile.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "integration_profile")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Name shown to users.
    pub display_name: String,
    /// Vendor of the tenant.
    pub vendor: Vendor,
    /// `DRAFT` or `PUBLISHED`; only published profiles run scheduled jobs.
    pub status: ProfileStatus,
    /// Connection alias with the endpoints and credentials.
    pub alias_id: Option<i64>,
    /// Whether user activity is downloaded.
    pub download_activity: bool,
    /// Whether removal candidates are reclaimed through the vendor.
    pub reclaim: bool,
    /// How many days of activity the first download looks back.
    pub activity_look_back_days: i32,
    /// Start of the activity history pulled without a gap (the first successful pull's
    /// window start); `None` until a pull succeeds.
    pub activity_covered_from: Option<DateTimeUtc>,
    /// End of that history: the latest successful pull's window end.
    pub activity_covered_to: Option<DateTimeUtc>,
    /// When the connection last validated successfully.
    pub validated_at: Option<DateTimeUtc>,
    /// Outcome of the last validation, per check.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub last_validation: Option<Json>,
    /// When the profile was published.
    pub published_at: Option<DateTimeUtc>,
    /// When the profile was created.
    pub created_at: DateTimeUtc,
    /// When the profile last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of `integration_profile`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The connection alias it uses.
    #[sea_orm(
        belongs_to = "super::connection_alias::Entity",
        from = "Column::AliasId",
        to = "super::connection_alias::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    ConnectionAlias,
    /// Subscriptions downloaded for it.
    #[sea_orm(has_many = "super::software_subscription::Entity")]
    SoftwareSubscription,
    /// The vendor users met in its tenant (owners of its activity events).
    #[sea_orm(has_many = "super::vendor_user::Entity")]
    VendorUser,
    /// Removal candidates raised in it.
    #[sea_orm(has_many = "super::removal_candidate::Entity")]
    RemovalCandidate,
    /// Its scheduled jobs.
    #[sea_orm(has_many = "super::scheduled_job::Entity")]
    ScheduledJob,
    /// Its job runs.
    #[sea_orm(has_many = "super::job_run::Entity")]
    JobRun,
}

impl Related<super::connection_alias::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConnectionAlias.def()
    }
}

impl Related<super::software_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareSubscription.def()
    }
}

impl Related<super::vendor_user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VendorUser.def()
    }
}

impl Related<super::removal_candidate::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RemovalCandidate.def()
    }
}

impl Related<super::scheduled_job::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScheduledJob.def()
    }
}

impl Related<super::job_run::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::JobRun.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
