//! `oauth_state`: a pending OAuth authorization-code flow, kept until the vendor redirects
//! back. Only a hash of `state` is stored; the PKCE verifier is encrypted.

use sea_orm::entity::prelude::*;

use crate::enums::CredentialSet;

/// One pending authorization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "oauth_state")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The connection alias the tokens are for.
    pub alias_id: i64,
    /// Which of the alias's clients the tokens are for.
    pub credentials: CredentialSet,
    /// SHA-256 of the `state` parameter, hex.
    #[sea_orm(unique)]
    pub state_hash: String,
    /// The PKCE verifier, encrypted with the master key.
    #[serde(skip_serializing)]
    pub pkce_verifier_enc: Vec<u8>,
    /// When the flow started.
    pub created_at: DateTimeUtc,
    /// After this the callback is refused.
    pub expires_at: DateTimeUtc,
}

/// The alias the flow is for.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::connection_alias::Entity",
        from = "Column::AliasId",
        to = "super::connection_alias::Column::Id",
        on_delete = "Cascade"
    )]
    ConnectionAlias,
}

impl Related<super::connection_alias::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConnectionAlias.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
