//! `api_token`: a bearer token an API client authenticates with. Only its hash is stored.

use sea_orm::entity::prelude::*;

/// One API token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Human label, e.g. "CI reporting".
    pub name: String,
    /// SHA-256 of the token, lowercase hex; unique.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The token's roles: a JSON array of `Role` names, e.g. `["VIEWER"]`.
    #[sea_orm(column_type = "JsonBinary")]
    pub roles: Json,
    /// When the token was issued.
    pub created_at: DateTimeUtc,
    /// When the token last authenticated a request.
    pub last_used_at: Option<DateTimeUtc>,
    /// When the token was revoked; a revoked token authenticates nothing.
    pub revoked_at: Option<DateTimeUtc>,
    /// The token that issued this one, if any (kept without a foreign key).
    pub created_by_token_id: Option<i64>,
}

/// `api_token` has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
