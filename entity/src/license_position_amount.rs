//! `license_position_amount`: a license position's money in one currency (amounts in
//! different currencies are never summed).

use sea_orm::entity::prelude::*;

/// A position's figures in one currency, in minor units of it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "license_position_amount")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The position.
    pub position_id: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Rights owned under entitlements priced in this currency.
    pub rights_owned: i64,
    /// Average price per right per year.
    pub price_per_right_minor: i64,
    /// What the active entitlements in this currency cost per year.
    pub annual_spend_minor: i64,
    /// The unlicensed rights at this currency's price per year.
    pub true_up_cost_minor: i64,
    /// This currency's share of the unused rights, per year.
    pub over_licensed_minor: i64,
    /// Monthly savings of the open removal candidates priced in this currency.
    pub potential_savings_minor: i64,
    /// Monthly savings of reclaimed candidates, all time.
    pub actual_savings_minor: i64,
    /// Monthly savings of candidates reclaimed this calendar year.
    pub actual_savings_year_minor: i64,
}

/// Relations of `license_position_amount`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The position.
    #[sea_orm(
        belongs_to = "super::license_position::Entity",
        from = "Column::PositionId",
        to = "super::license_position::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Position,
}

impl Related<super::license_position::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Position.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
