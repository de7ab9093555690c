//! `subscription_identifier_exclusion`: a vendor license code to leave out of cost, reclaim or both.

use sea_orm::entity::prelude::*;

use crate::enums::Vendor;

/// One identifier exclusion; (vendor, identifier) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "subscription_identifier_exclusion")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Vendor the code belongs to.
    pub vendor: Vendor,
    /// The vendor's license code.
    pub identifier: String,
    /// Leave matching subscriptions out of cost and compliance.
    pub exclude_from_cost: bool,
    /// Never reclaim matching subscriptions.
    pub exclude_from_reclaim: bool,
    /// Why, for the audit trail.
    pub reason: Option<String>,
    /// When the exclusion stops applying.
    pub expires_at: Option<DateTimeUtc>,
    /// Whether it applies.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// `subscription_identifier_exclusion` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
