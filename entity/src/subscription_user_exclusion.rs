//! `subscription_user_exclusion`: a user (or email pattern) to leave out of cost, reclaim or both,
//! across all profiles.

use sea_orm::entity::prelude::*;

/// One user exclusion; `user_principal_name` is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "subscription_user_exclusion")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lowercased email, or a pattern like `*@example.com`; unique.
    #[sea_orm(unique)]
    pub user_principal_name: String,
    /// Leave the user's subscriptions out of cost and compliance.
    pub exclude_from_cost: bool,
    /// Never reclaim the user's subscriptions.
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

/// `subscription_user_exclusion` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
