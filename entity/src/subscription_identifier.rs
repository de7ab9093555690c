//! `subscription_identifier`: a vendor license code known to map to a software model.

use sea_orm::entity::prelude::*;

use crate::enums::Vendor;

/// One known identifier; (vendor, code) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "subscription_identifier")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Vendor the code belongs to.
    pub vendor: Vendor,
    /// The vendor's license code (Zoom user type or add-on, GoTo product code, Aha! seat).
    pub code: String,
    /// Model the code maps to.
    pub software_model_id: i64,
    /// What the code means.
    pub description: Option<String>,
    /// When the identifier was recorded.
    pub created_at: DateTimeUtc,
}

/// Relations of `subscription_identifier`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The model the code maps to.
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
