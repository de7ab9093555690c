//! The OAuth authorization-code flow with PKCE: start it for an alias (the vendor's
//! authorize URL with `state`), then take the vendor's redirect on `/oauth/callback`.
//! Pending flows live in the database, so any replica can take the callback.

use crate::db::BeginWrite;
use chrono::{Duration, Utc};
use entity::enums::CredentialSet;
use entity::{connection_alias, oauth_state};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::connectors;
use crate::domain::tokens::{Principal, hash_token};
use crate::domain::{audit, connections};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// How long the user has to approve at the vendor.
const FLOW_LIFETIME: Duration = Duration::minutes(10);

fn vendor_error(err: connectors::ConnectorError) -> AppError {
    AppError::Vendor {
        vendor_code: err.vendor_code().map(str::to_owned),
        message: err.to_string(),
    }
}

/// The connection as the flow's client sees it.
async fn flow_config(
    state: &AppState,
    alias: &connection_alias::Model,
    set: CredentialSet,
) -> Result<connectors::ConnectionConfig> {
    let config = connections::config_for_alias(state, alias)
        .await
        .map_err(|e| AppError::bad_input("aliasId", e.message()))?;
    config.for_credentials(set).ok_or_else(|| {
        AppError::bad_input(
            "credentials",
            "the alias has no GoTo Connect client: set it first (setConnectionCredentials)",
        )
    })
}

/// Starts a flow for one of the alias's clients and returns the URL to send the user to.
pub async fn start(
    state: &AppState,
    actor: &Principal,
    alias_id: i64,
    set: CredentialSet,
) -> Result<String> {
    let alias = connection_alias::Entity::find_by_id(alias_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("ConnectionAlias"))?;
    let config = flow_config(state, &alias, set).await?;
    if config.client_id.is_none() {
        return Err(AppError::bad_input(
            "aliasId",
            "set the client id and secret first (setConnectionCredentials)",
        ));
    }
    let flow = connectors::start_authorization(&config)
        .map_err(|e| AppError::bad_input("aliasId", e.to_string()))?;
    let now = Utc::now();
    let txn = state.db.begin_write().await?;
    // Old, abandoned flows of any alias are dropped on the way.
    oauth_state::Entity::delete_many()
        .filter(oauth_state::Column::ExpiresAt.lt(now))
        .exec(&txn)
        .await?;
    oauth_state::ActiveModel {
        alias_id: Set(alias.id),
        credentials: Set(set),
        state_hash: Set(hash_token(&flow.state)),
        pkce_verifier_enc: Set(state.cipher.encrypt(flow.pkce_verifier.expose())),
        created_at: Set(now),
        expires_at: Set(now + FLOW_LIFETIME),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "startOAuthAuthorization",
        "ConnectionAlias",
        Some(alias.id),
        json!({ "credentials": set }),
    )
    .await?;
    txn.commit().await?;
    Ok(flow.url)
}

/// Takes the vendor's redirect: checks `state` (once, before it expires), exchanges the
/// code with the PKCE verifier and stores the tokens encrypted. Returns the alias name.
pub async fn callback(state: &AppState, code: &str, flow_state: &str) -> Result<String> {
    let txn = state.db.begin_write().await?;
    let pending = oauth_state::Entity::find()
        .filter(oauth_state::Column::StateHash.eq(hash_token(flow_state)))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("state", "unknown or already used authorization"))?;
    // Single use: gone whatever happens next.
    oauth_state::Entity::delete_by_id(pending.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    if pending.expires_at < Utc::now() {
        return Err(AppError::bad_input(
            "state",
            "the authorization expired; start again",
        ));
    }
    let verifier = state
        .cipher
        .decrypt(&pending.pkce_verifier_enc)
        .map_err(|_| AppError::internal("the PKCE verifier cannot be decrypted"))?;
    let alias = connection_alias::Entity::find_by_id(pending.alias_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("ConnectionAlias"))?;
    let config = flow_config(state, &alias, pending.credentials).await?;
    let tokens = connectors::exchange_code(&config, code, &verifier, &connections::options(state))
        .await
        .map_err(vendor_error)?;
    connections::token_sink(state, &alias)
        .save(pending.credentials, &tokens)
        .await
        .map_err(AppError::internal)?;
    Ok(alias.name)
}
