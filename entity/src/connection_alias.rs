//! `connection_alias`: the endpoints and credentials an integration profile connects with.

use sea_orm::entity::prelude::*;

use crate::enums::{Vendor, VendorCloud};

/// One connection alias; a child alias has a parent of the same vendor.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "connection_alias")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique name.
    #[sea_orm(unique)]
    pub name: String,
    /// Vendor the credentials are for.
    pub vendor: Vendor,
    /// Parent alias, for a child alias.
    pub parent_id: Option<i64>,
    /// The vendor's named cloud (Zoom or ZoomGov); `None` with no `base_url` is the vendor's
    /// public cloud.
    pub cloud: Option<VendorCloud>,
    /// The root every URL of the vendor derives from, instead of a named cloud: a proxy, a
    /// simulator, or an Aha! tenant (`https://acme.aha.io`). Never includes an API path.
    pub base_url: Option<String>,
    /// OAuth client id.
    pub client_id: Option<String>,
    /// OAuth client secret, AEAD-encrypted.
    #[sea_orm(column_type = "Blob", nullable)]
    #[serde(skip_serializing)]
    pub client_secret_enc: Option<Vec<u8>>,
    /// Vendor account id (Zoom server-to-server OAuth).
    pub account_id: Option<String>,
    /// Current access token, AEAD-encrypted.
    #[sea_orm(column_type = "Blob", nullable)]
    #[serde(skip_serializing)]
    pub access_token_enc: Option<Vec<u8>>,
    /// Refresh token, AEAD-encrypted.
    #[sea_orm(column_type = "Blob", nullable)]
    #[serde(skip_serializing)]
    pub refresh_token_enc: Option<Vec<u8>>,
    /// When the access token expires.
    pub token_expires_at: Option<DateTimeUtc>,
    /// GoTo Connect's own OAuth client id, when call history needs a second client.
    pub connect_client_id: Option<String>,
    /// GoTo Connect's client secret, AEAD-encrypted.
    #[sea_orm(column_type = "Blob", nullable)]
    #[serde(skip_serializing)]
    pub connect_client_secret_enc: Option<Vec<u8>>,
    /// GoTo Connect's access token, AEAD-encrypted.
    #[sea_orm(column_type = "Blob", nullable)]
    #[serde(skip_serializing)]
    pub connect_access_token_enc: Option<Vec<u8>>,
    /// GoTo Connect's refresh token, AEAD-encrypted.
    #[sea_orm(column_type = "Blob", nullable)]
    #[serde(skip_serializing)]
    pub connect_refresh_token_enc: Option<Vec<u8>>,
    /// When GoTo Connect's access token expires.
    pub connect_token_expires_at: Option<DateTimeUtc>,
    /// OAuth scopes, space separated.
    pub scopes: Option<String>,
    /// When the alias was created.
    pub created_at: DateTimeUtc,
    /// When the alias last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of `connection_alias`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The parent alias (self reference); a parent with children cannot be deleted.
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    Parent,
    /// Profiles using this alias.
    #[sea_orm(has_many = "super::integration_profile::Entity")]
    IntegrationProfile,
}

impl Related<super::integration_profile::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IntegrationProfile.def()
    }
}

/// Walks from an alias to its parent: `alias.find_linked(ParentAlias)`.
#[derive(Debug, Clone, Copy)]
pub struct ParentAlias;

impl Linked for ParentAlias {
    type FromEntity = Entity;
    type ToEntity = Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::Parent.def()]
    }
}

impl ActiveModelBehavior for ActiveModel {}
