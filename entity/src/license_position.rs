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
    /// Cost of buying the unlicensed seats, in minor units of `currency`.
    pub true_up_cost_minor: i64,
    /// Cost of the seats owned but unused, in minor units.
    pub over_licensed_minor: i64,
    /// Savings of the open removal candidates, in minor units.
    pub potential_savings_minor: i64,
    /// Savings of the reclaimed candidates, in minor units.
    pub actual_savings_minor: i64,
    /// ISO 4217 code, e.g. "USD".
    pub currency: String,
    /// The compliance verdict.
    pub compliance_status: ComplianceStatus,
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
}

impl Related<super::software_model::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareModel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
