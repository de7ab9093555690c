//! API tokens: minted once, stored as SHA-256 hashes, each holding one or more roles.

use crate::db::BeginWrite;
use chrono::{Duration, Utc};
use entity::api_token;
use entity::enums::Role;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};

use crate::domain::audit;
use sha2::{Digest, Sha256};

use crate::error::{AppError, Result};
use crate::secret::Secret;

/// Who is calling: the token that authenticated the request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: i64,
    pub name: String,
    pub roles: Vec<Role>,
}

impl Principal {
    /// Roles are additive: admin implies reclaimer and viewer; reclaimer and integrator
    /// imply viewer.
    pub fn has(&self, wanted: Role) -> bool {
        self.roles.iter().any(|held| implies(*held, wanted))
    }

    pub fn require(&self, wanted: Role) -> Result<()> {
        if self.has(wanted) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("this needs the {wanted} role")))
        }
    }
}

fn implies(held: Role, wanted: Role) -> bool {
    held == wanted || wanted == Role::Viewer || (held == Role::Admin && wanted == Role::Reclaimer)
}

/// The SHA-256 of a raw token, hex encoded: what the database keeps.
pub fn hash_token(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

fn mint() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("sk_{}", hex::encode(bytes))
}

fn roles_json(roles: &[Role]) -> serde_json::Value {
    serde_json::Value::Array(roles.iter().map(|r| r.as_str().into()).collect())
}

/// The roles stored on a token row; unknown names are dropped rather than trusted.
pub fn roles_of(model: &api_token::Model) -> Vec<Role> {
    model
        .roles
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Recently authenticated tokens, so a busy client does not cost a database read per
/// request. Entries live one second; revoking a token drops it at once on this process
/// (other processes notice within that second).
#[derive(Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (Principal, std::time::Instant)>>,
}

impl TokenCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(1);

    fn get(&self, hash: &str) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let (principal, at) = entries.get(hash)?;
        (at.elapsed() < Self::TTL).then(|| principal.clone())
    }

    fn put(&self, hash: String, principal: Principal) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
            }
            entries.insert(hash, (principal, std::time::Instant::now()));
        }
    }

    /// Forgets a token (after revocation).
    pub fn forget(&self, token_id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (p, _)| p.token_id != token_id);
        }
    }
}

/// Looks a bearer token up. Revoked and unknown tokens are both `InvalidToken`.
pub async fn authenticate(
    db: &DatabaseConnection,
    cache: &TokenCache,
    raw: &str,
) -> Result<Principal> {
    let hash = hash_token(raw);
    if let Some(principal) = cache.get(&hash) {
        return Ok(principal);
    }
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash.as_str()))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or(AppError::InvalidToken)?;
    let now = Utc::now();
    // Recording use at most once a minute keeps reads from turning into writes.
    if row
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
    {
        let mut active: api_token::ActiveModel = row.clone().into();
        active.last_used_at = Set(Some(now));
        if let Err(err) = active.update(db).await {
            tracing::warn!(%err, "could not record token use");
        }
    }
    let principal = Principal {
        token_id: row.id,
        name: row.name.clone(),
        roles: roles_of(&row),
    };
    cache.put(hash, principal.clone());
    Ok(principal)
}

/// Creates a token and returns its row and the raw value, which is never shown again.
pub async fn create(
    db: &impl sea_orm::ConnectionTrait,
    name: &str,
    roles: &[Role],
    created_by: Option<i64>,
) -> Result<(api_token::Model, Secret)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(AppError::bad_input("name", "must be 1 to 100 characters"));
    }
    if roles.is_empty() {
        return Err(AppError::bad_input("roles", "give at least one role"));
    }
    let raw = mint();
    let row = insert(db, name, &raw, roles, created_by).await?;
    Ok((row, Secret::new(raw)))
}

async fn insert(
    db: &impl sea_orm::ConnectionTrait,
    name: &str,
    raw: &str,
    roles: &[Role],
    created_by: Option<i64>,
) -> Result<api_token::Model> {
    let mut unique = roles.to_vec();
    unique.sort_by_key(|r| r.as_str());
    unique.dedup();
    let row = api_token::ActiveModel {
        name: Set(name.to_owned()),
        token_hash: Set(hash_token(raw)),
        roles: Set(roles_json(&unique)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_by_token_id: Set(created_by),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}

/// Revokes a token; revoking twice is a no-op that returns the row.
pub async fn revoke(db: &impl sea_orm::ConnectionTrait, id: i64) -> Result<api_token::Model> {
    let row = api_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("API token"))?;
    if row.revoked_at.is_some() {
        return Ok(row);
    }
    let mut active: api_token::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// Every role: what the bootstrap token holds.
pub const ALL_ROLES: [Role; 4] = [Role::Viewer, Role::Reclaimer, Role::Admin, Role::Integrator];

/// At start: make `SEATKEEPER_ADMIN_TOKEN` valid if set; otherwise, when no usable token
/// exists, mint one and return it so the caller can print it once.
pub async fn ensure_bootstrap_token(
    db: &DatabaseConnection,
    configured: Option<&Secret>,
) -> Result<Option<Secret>> {
    if let Some(raw) = configured {
        let existing = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash_token(raw.expose())))
            .one(db)
            .await?;
        match existing {
            Some(row) if row.revoked_at.is_none() => {}
            Some(row) => {
                // The operator set it again on purpose: it wins over an earlier revocation.
                let mut active: api_token::ActiveModel = row.into();
                active.revoked_at = Set(None);
                active.roles = Set(roles_json(&ALL_ROLES));
                active.update(db).await?;
            }
            None => {
                insert(
                    db,
                    "admin (SEATKEEPER_ADMIN_TOKEN)",
                    raw.expose(),
                    &ALL_ROLES,
                    None,
                )
                .await?;
            }
        }
        return Ok(None);
    }
    let usable = api_token::Entity::find()
        .filter(api_token::Column::RevokedAt.is_null())
        .count(db)
        .await?;
    if usable > 0 {
        return Ok(None);
    }
    let (_, raw) = create(db, "admin (generated at first start)", &ALL_ROLES, None).await?;
    Ok(Some(raw))
}

/// Tokens, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    include_revoked: bool,
    req: &crate::domain::page::PageRequest,
) -> Result<crate::domain::page::Page<api_token::Model>> {
    let mut select = api_token::Entity::find();
    if !include_revoked {
        select = select.filter(api_token::Column::RevokedAt.is_null());
    }
    crate::domain::page::keyset(db, select, api_token::Column::Id, req).await
}

/// `create`, recorded in the audit log in the same transaction.
pub async fn create_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    name: &str,
    roles: &[Role],
) -> Result<(api_token::Model, Secret)> {
    let txn = db.begin_write().await?;
    let (row, raw) = create(&txn, name, roles, Some(actor.token_id)).await?;
    let details = serde_json::json!({ "name": row.name, "roles": row.roles });
    audit::record(
        &txn,
        actor,
        "createApiToken",
        "ApiToken",
        Some(row.id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok((row, raw))
}

/// A token minted on the command line: what its holder needs, shown once.
#[derive(Debug)]
pub struct MintedToken {
    pub id: i64,
    pub name: String,
    pub roles: Vec<Role>,
    pub token: Secret,
}

/// `seatkeeper token create`: a token minted by whoever holds the database (the way back
/// when the admin token is lost), recorded in the audit log as the command line's doing.
pub async fn create_from_command_line(
    db: &DatabaseConnection,
    name: &str,
    roles: &[Role],
) -> Result<MintedToken> {
    let txn = db.begin_write().await?;
    let (row, raw) = create(&txn, name, roles, None).await?;
    let details = serde_json::json!({ "name": row.name, "roles": row.roles });
    audit::record_command_line(
        &txn,
        "seatkeeper token create",
        "createApiToken",
        "ApiToken",
        Some(row.id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(MintedToken {
        id: row.id,
        roles: roles_of(&row),
        name: row.name,
        token: raw,
    })
}

/// `revoke`, recorded in the audit log in the same transaction.
pub async fn revoke_audited(
    db: &DatabaseConnection,
    cache: &TokenCache,
    actor: &Principal,
    id: i64,
) -> Result<api_token::Model> {
    let txn = db.begin_write().await?;
    let row = revoke(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        "revokeApiToken",
        "ApiToken",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    cache.forget(id);
    Ok(row)
}

pub async fn get(db: &DatabaseConnection, id: i64) -> Result<api_token::Model> {
    crate::domain::page::find::<api_token::Entity>(db, id, "ApiToken").await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role]) -> Principal {
        Principal {
            token_id: 1,
            name: "t".into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn admin_implies_reclaimer_and_viewer_but_not_integrator() {
        let p = principal(&[Role::Admin]);
        assert!(p.has(Role::Viewer) && p.has(Role::Reclaimer) && p.has(Role::Admin));
        assert!(!p.has(Role::Integrator));
    }

    #[test]
    fn integrator_and_reclaimer_imply_only_viewer() {
        let p = principal(&[Role::Integrator]);
        assert!(p.has(Role::Viewer) && !p.has(Role::Reclaimer) && !p.has(Role::Admin));
        let p = principal(&[Role::Reclaimer]);
        assert!(p.has(Role::Viewer) && !p.has(Role::Admin) && !p.has(Role::Integrator));
        assert!(!principal(&[Role::Viewer]).has(Role::Reclaimer));
    }

    #[test]
    fn tokens_are_hashed_and_unpredictable() {
        let (a, b) = (mint(), mint());
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }
}
