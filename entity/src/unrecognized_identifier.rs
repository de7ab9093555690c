//! `unrecognized_identifier`: a vendor license code seen at download with no known model.

use sea_orm::entity::prelude::*;

use crate::enums::Vendor;

/// One unrecognized identifier; (vendor, code) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "unrecognized_identifier")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Vendor the code came from.
    pub vendor: Vendor,
    /// The vendor's license code.
    pub code: String,
    /// How many subscriptions carry the code.
    pub subscription_count: i64,
    /// When the code was first seen.
    pub first_seen_at: DateTimeUtc,
    /// When the code was last seen.
    pub last_seen_at: DateTimeUtc,
    /// Model an admin mapped the code to.
    pub mapped_model_id: Option<i64>,
    /// When it was mapped.
    pub mapped_at: Option<DateTimeUtc>,
}

/// Relations of `unrecognized_identifier`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The model it was mapped to.
    #[sea_orm(
        belongs_to = "super::software_model::Entity",
        from = "Column::MappedModelId",
        to = "super::software_model::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    SoftwareModel,
}

impl Related<super::software_model::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareModel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
