//! `license_position`: a reconciliation result for one software model.

use sea_orm::entity::prelude::*;

use crate::enums::ComplianceStatus;

/// One license position; the newest per model has `is_latest` set.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "license_position")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The model reconciled.
    pub software_model_id: i64,
    /// When the reconciliation ran.
    pub computed_at: DateTimeUtc,
    /// Whether this is the model's most recent position.
    pub is_latest: bool,
    /// Seats owned by current entitlements.
    pub rights_owned: i64,
    /// Seats in use (excluding cost-excluded subscriptions).
    pub rights_used: i64,
    /// Owned minus used, when positive.
    pub rights_available: i64,
    /// Used minus owned, when positive.
    pub unlicensed: i64,
    /// The compliance verdict.
    pub compliance_status: ComplianceStatus,
    /// Subscriptions counted (a user holding two of the model uses one right).
    pub subscriptions_used: i64,
}

/// Relations of `license_position`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The model reconciled.
    #[sea_orm(
        belongs_to = "super::software_model::Entity",
        from = "Column::SoftwareModelId",
        to = "super::software_model::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    SoftwareModel,
    /// Its money, per currency.
    #[sea_orm(has_many = "super::license_position_amount::Entity")]
    Amount,
}

impl Related<super::software_model::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareModel.def()
    }
}

impl Related<super::license_position_amount::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Amount.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
