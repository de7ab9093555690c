//! From a profile to a working connector: its alias (a child alias inherits what it leaves
//! unset from its parent, then the vendor's defaults), decrypted secrets, and a token sink
//! that stores refreshed tokens encrypted on the alias that holds the credentials.

use std::sync::Arc;

use chrono::Utc;
use entity::enums::{Vendor, VendorCloud};
use entity::{connection_alias, integration_profile};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::connectors::{
    self, ClientCredentials, ConnectionConfig, Connector, CredentialSet, StoredTokens, TokenSink,
};
use crate::domain::sync::SyncError;
use crate::secret::{Cipher, Secret};
use crate::state::AppState;

/// The client that minted a set's tokens, as stored when the connector was built: its id
/// and its encrypted secret (whose bytes change whenever the secret is set again).
#[derive(Debug, Clone, PartialEq, Eq)]
struct MintedBy {
    client_id: Option<String>,
    secret_enc: Option<Vec<u8>>,
}

/// Saves tokens onto one alias, encrypted, only while the alias still holds the client
/// that minted them: a job in flight when an admin replaces the secret must not store a
/// token the old secret obtained over the forgetting that came with the new one.
struct AliasTokenSink {
    db: DatabaseConnection,
    cipher: Cipher,
    alias_id: i64,
    primary: MintedBy,
    connect: MintedBy,
}

#[async_trait::async_trait]
impl TokenSink for AliasTokenSink {
    async fn save(&self, set: CredentialSet, tokens: &StoredTokens) -> Result<(), String> {
        use connection_alias::Column as C;
        let (minted, id_col, secret_col, access_col, refresh_col, expires_col) = match set {
            CredentialSet::Primary => (
                &self.primary,
                C::ClientId,
                C::ClientSecretEnc,
                C::AccessTokenEnc,
                C::RefreshTokenEnc,
                C::TokenExpiresAt,
            ),
            CredentialSet::GoToConnect => (
                &self.connect,
                C::ConnectClientId,
                C::ConnectClientSecretEnc,
                C::ConnectAccessTokenEnc,
                C::ConnectRefreshTokenEnc,
                C::ConnectTokenExpiresAt,
            ),
        };
        let mut update = connection_alias::Entity::update_many()
            .col_expr(
                access_col,
                Expr::value(self.cipher.encrypt(tokens.access_token.expose())),
            )
            .col_expr(expires_col, Expr::value(tokens.expires_at))
            .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
            .filter(C::Id.eq(self.alias_id))
            .filter(match &minted.client_id {
                Some(id) => id_col.eq(id.clone()),
                None => id_col.is_null(),
            })
            .filter(match &minted.secret_enc {
                Some(bytes) => secret_col.eq(bytes.clone()),
                None => secret_col.is_null(),
            });
        if let Some(refresh) = &tokens.refresh_token {
            update = update.col_expr(
                refresh_col,
                Expr::value(self.cipher.encrypt(refresh.expose())),
            );
        }
        let done = update.exec(&self.db).await.map_err(|e| e.to_string())?;
        if done.rows_affected == 0 {
            // Deleted, or its client changed since: the token stays with this job alone.
            tracing::info!(
                alias = self.alias_id,
                "a token minted with replaced credentials was not stored"
            );
        }
        Ok(())
    }
}

fn decrypt(cipher: &Cipher, stored: &Option<Vec<u8>>) -> Result<Option<Secret>, SyncError> {
    stored
        .as_deref()
        .map(|bytes| {
            cipher.decrypt(bytes).map_err(|_| {
                SyncError::Precondition(
                    "a stored secret cannot be decrypted: was SEATKEEPER_MASTER_KEY changed?"
                        .into(),
                )
            })
        })
        .transpose()
}

/// The connection settings a profile's alias resolves to.
pub async fn config_for(
    state: &AppState,
    profile: &integration_profile::Model,
) -> Result<(ConnectionConfig, connection_alias::Model), SyncError> {
    let alias_id = profile
        .alias_id
        .ok_or_else(|| SyncError::Precondition("the profile has no connection alias".into()))?;
    let alias = connection_alias::Entity::find_by_id(alias_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            SyncError::Precondition("the profile's connection alias was deleted".into())
        })?;
    Ok((config_for_alias(state, &alias).await?, alias))
}

/// The connection settings of an alias: its own, then its parent's, then the vendor's.
pub async fn config_for_alias(
    state: &AppState,
    alias: &connection_alias::Model,
) -> Result<ConnectionConfig, SyncError> {
    let parent = match alias.parent_id {
        Some(id) => {
            connection_alias::Entity::find_by_id(id)
                .one(&state.db)
                .await?
        }
        None => None,
    };
    let urls = endpoints(alias.vendor, alias.into(), parent.as_ref().map(Into::into)).ok_or_else(
        || {
            SyncError::Precondition(
                "an Aha! alias needs its tenant's base URL (https://<subdomain>.aha.io)".into(),
            )
        },
    )?;
    let cipher = &state.cipher;
    let tokens = stored_tokens(
        cipher,
        &alias.access_token_enc,
        &alias.refresh_token_enc,
        alias.token_expires_at,
    )?;
    let connect = if alias.connect_client_id.is_some() || alias.connect_access_token_enc.is_some() {
        Some(ClientCredentials {
            client_id: alias.connect_client_id.clone(),
            client_secret: decrypt(cipher, &alias.connect_client_secret_enc)?,
            tokens: stored_tokens(
                cipher,
                &alias.connect_access_token_enc,
                &alias.connect_refresh_token_enc,
                alias.connect_token_expires_at,
            )?,
        })
    } else {
        None
    };
    Ok(ConnectionConfig {
        vendor: alias.vendor,
        urls,
        redirect_url: Some(state.settings.oauth_callback_url()),
        client_id: alias.client_id.clone(),
        client_secret: decrypt(&state.cipher, &alias.client_secret_enc)?,
        account_id: alias.account_id.clone(),
        scopes: alias
            .scopes
            .clone()
            .or_else(|| parent.as_ref().and_then(|p| p.scopes.clone())),
        tokens,
        connect,
    })
}

fn stored_tokens(
    cipher: &Cipher,
    access: &Option<Vec<u8>>,
    refresh: &Option<Vec<u8>>,
    expires_at: Option<chrono::DateTime<Utc>>,
) -> Result<Option<StoredTokens>, SyncError> {
    Ok(match decrypt(cipher, access)? {
        Some(access_token) => Some(StoredTokens {
            access_token,
            refresh_token: decrypt(cipher, refresh)?,
            expires_at,
        }),
        None => None,
    })
}

/// An alias's one URL setting: a named cloud or a root (or neither).
#[derive(Debug, Clone, Copy)]
pub struct UrlSetting<'a> {
    pub cloud: Option<VendorCloud>,
    pub base_url: Option<&'a str>,
}

impl<'a> From<&'a connection_alias::Model> for UrlSetting<'a> {
    fn from(alias: &'a connection_alias::Model) -> Self {
        UrlSetting {
            cloud: alias.cloud,
            base_url: alias.base_url.as_deref(),
        }
    }
}

/// Every URL an alias reaches its vendor on: its own root or cloud, else its parent's, else
/// the vendor's public cloud. `None` for an Aha! alias without its tenant's URL.
pub fn endpoints(
    vendor: Vendor,
    own: UrlSetting<'_>,
    parent: Option<UrlSetting<'_>>,
) -> Option<connectors::VendorUrls> {
    // The root and the cloud are one setting: a child that sets either overrides both.
    let set = |s: &UrlSetting<'_>| s.cloud.is_some() || s.base_url.is_some();
    let from = Some(own).filter(set).or(parent).unwrap_or(own);
    connectors::VendorUrls::resolve(vendor, from.cloud, from.base_url)
}

/// A token sink that stores onto `alias` while it holds the clients it holds now.
pub fn token_sink(state: &AppState, alias: &connection_alias::Model) -> Arc<dyn TokenSink> {
    Arc::new(AliasTokenSink {
        db: state.db.clone(),
        cipher: state.cipher.clone(),
        alias_id: alias.id,
        primary: MintedBy {
            client_id: alias.client_id.clone(),
            secret_enc: alias.client_secret_enc.clone(),
        },
        connect: MintedBy {
            client_id: alias.connect_client_id.clone(),
            secret_enc: alias.connect_client_secret_enc.clone(),
        },
    })
}

/// A connector for the profile's tenant.
pub async fn connector_for(
    state: &AppState,
    profile: &integration_profile::Model,
) -> Result<Box<dyn Connector>, SyncError> {
    let (config, alias) = config_for(state, profile).await?;
    Ok(connectors::build(
        config,
        token_sink(state, &alias),
        options(state),
    )?)
}

/// Connector options from the settings.
pub fn options(state: &AppState) -> connectors::ConnectorOptions {
    connectors::ConnectorOptions {
        rate_limits: state.settings.vendor_rate_limit,
        zoom_addon_checks: state.settings.zoom_addon_checks,
        retry: connectors::RetryPolicy {
            max_retries: state.settings.vendor_retries,
            ..Default::default()
        },
        ..Default::default()
    }
}
