//! `audit_log`: who changed what through the API.

use sea_orm::entity::prelude::*;

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The API token that acted, if any (kept without a foreign key so entries outlive tokens).
    pub token_id: Option<i64>,
    /// Who acted: the token's name, or "system".
    pub actor: String,
    /// What was done, e.g. the mutation name.
    pub operation: String,
    /// Kind of the object acted on, e.g. "IntegrationProfile".
    pub target_type: Option<String>,
    /// Id of the object acted on.
    pub target_id: Option<String>,
    /// Arguments and outcome, secrets removed.
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Json,
    /// When it happened.
    pub created_at: DateTimeUtc,
}

/// `audit_log` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
