//! `entitlement`: rights bought for a software model over a period.

use sea_orm::entity::prelude::*;

/// One entitlement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "entitlement")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Model the rights are for; a model with entitlements cannot be deleted.
    pub software_model_id: i64,
    /// Name shown to users, e.g. a contract reference.
    pub name: String,
    /// Seats bought.
    pub purchased_rights: i64,
    /// Cost of one seat per `period_type` (a month, a quarter, a year, or the whole term
    /// from `period_start` to `period_end`), in minor units of `currency`.
    pub unit_cost_minor: i64,
    /// ISO 4217 code, e.g. "USD".
    pub currency: String,
    /// First day of the period.
    pub period_start: Date,
    /// Last day of the period.
    pub period_end: Date,
    /// What `unit_cost_minor` pays for.
    pub period_type: crate::enums::EntitlementPeriod,
    /// Draft entitlements are ignored; active ones count within their dates.
    pub state: crate::enums::EntitlementState,
    /// The vendor contract it comes from.
    pub contract_reference: Option<String>,
    /// Free text.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of `entitlement`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The model the rights are for.
    #[sea_orm(
        belongs_to = "super::software_model::Entity",
        from = "Column::SoftwareModelId",
        to = "super::software_model::Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    SoftwareModel,
}

impl Related<super::software_model::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareModel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
