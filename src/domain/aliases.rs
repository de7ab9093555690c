//! Connection aliases: the credentials and endpoints a profile uses. A child alias points at
//! a parent of the same vendor so several tenants of one vendor each have their own.
//! Secrets are encrypted here and never leave the domain in clear.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::enums::{CredentialSet, Vendor, VendorCloud};
use entity::{connection_alias, integration_profile};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

use crate::domain::db_errors::ConflictOnUnique;
use crate::domain::page::{self, Page, PageRequest};
use crate::domain::tokens::Principal;
use crate::domain::{audit, validate};
use crate::error::{AppError, Result};
use crate::secret::{Cipher, Secret};

/// What a client may set on an alias. `None` leaves a field as it is; for the optional
/// text fields an empty string clears it.
#[derive(Debug, Default)]
pub struct AliasInput {
    pub name: Option<String>,
    pub vendor: Option<Vendor>,
    pub parent_id: Option<i64>,
    /// The vendor's named cloud; setting it forgets `base_url`.
    pub cloud: Option<VendorCloud>,
    /// The root every URL derives from (a host; an API path is dropped); setting it forgets
    /// `cloud`, and an empty string returns to the vendor's public cloud.
    pub base_url: Option<String>,
    pub scopes: Option<String>,
    pub credentials: CredentialsInput,
}

/// Credentials of one of the alias's clients; the secret is write-only.
#[derive(Debug, Default)]
pub struct CredentialsInput {
    /// Which client: the alias's own, or GoTo Connect's.
    pub set: CredentialSet,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub account_id: Option<String>,
    /// A token to use as is (an Aha! API key, a token issued elsewhere): stored encrypted,
    /// without refresh token or expiry.
    pub access_token: Option<Secret>,
    /// Forget the stored client secret and tokens.
    pub clear_secrets: bool,
}

/// Filters for the alias list.
#[derive(Debug, Default)]
pub struct AliasFilter {
    pub vendor: Option<Vendor>,
    pub parent_id: Option<i64>,
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<connection_alias::Model> {
    page::find::<connection_alias::Entity>(db, id, "ConnectionAlias").await
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &AliasFilter,
    req: &PageRequest,
) -> Result<Page<connection_alias::Model>> {
    let mut select = connection_alias::Entity::find();
    if let Some(vendor) = filter.vendor {
        select = select.filter(connection_alias::Column::Vendor.eq(vendor));
    }
    if let Some(parent) = filter.parent_id {
        select = select.filter(connection_alias::Column::ParentId.eq(parent));
    }
    page::keyset(db, select, connection_alias::Column::Id, req).await
}

/// Children of an alias (bounded: a parent has a handful of tenants, not thousands).
pub async fn children(db: &DatabaseConnection, id: i64) -> Result<Vec<connection_alias::Model>> {
    Ok(connection_alias::Entity::find()
        .filter(connection_alias::Column::ParentId.eq(id))
        .all(db)
        .await?)
}

/// A `baseUrl` as stored: validated and without an API path; empty is none.
fn root_field(vendor: Vendor, root: &str) -> Result<Option<String>> {
    if root.trim().is_empty() {
        return Ok(None);
    }
    let root = validate::http_url("baseUrl", root)?;
    Ok(Some(crate::connectors::canonical_root(vendor, &root)))
}

fn text_field(field: &str, value: Option<String>, max: usize) -> Result<Option<Option<String>>> {
    value
        .map(|v| validate::optional_text(field, Some(v), max))
        .transpose()
}

/// Applies the input's fields to `row` (validated); vendor and parent are handled by callers.
fn apply(
    row: &mut connection_alias::ActiveModel,
    vendor: Vendor,
    input: AliasInput,
    cipher: &Cipher,
) -> Result<Vec<&'static str>> {
    let mut changed = Vec::new();
    if let Some(name) = input.name {
        row.name = Set(validate::name("name", &name, 100)?);
        changed.push("name");
    }
    match (input.cloud, input.base_url) {
        (Some(_), Some(_)) => {
            return Err(AppError::bad_input(
                "cloud",
                "give either a named cloud or a baseUrl: every URL derives from the one",
            ));
        }
        (Some(cloud), None) => {
            if cloud.vendor() != vendor {
                return Err(AppError::bad_input(
                    "cloud",
                    format!("{cloud} is not a cloud of {vendor}"),
                ));
            }
            row.cloud = Set(Some(cloud));
            row.base_url = Set(None);
            changed.push("cloud");
        }
        (None, Some(root)) => {
            row.base_url = Set(root_field(vendor, &root)?);
            row.cloud = Set(None);
            changed.push("baseUrl");
        }
        (None, None) => {}
    }
    if let Some(scopes) = text_field("scopes", input.scopes, 2000)? {
        row.scopes = Set(scopes);
        changed.push("scopes");
    }
    apply_credentials(row, vendor, input.credentials, cipher, &mut changed)?;
    Ok(changed)
}

/// Credential fields of one of the alias's clients, as stored.
struct CredentialColumns {
    client_id: connection_alias::Column,
    client_secret: connection_alias::Column,
    access_token: connection_alias::Column,
    refresh_token: connection_alias::Column,
    expires_at: connection_alias::Column,
}

fn columns(set: CredentialSet) -> CredentialColumns {
    use connection_alias::Column as C;
    match set {
        CredentialSet::Primary => CredentialColumns {
            client_id: C::ClientId,
            client_secret: C::ClientSecretEnc,
            access_token: C::AccessTokenEnc,
            refresh_token: C::RefreshTokenEnc,
            expires_at: C::TokenExpiresAt,
        },
        CredentialSet::GoToConnect => CredentialColumns {
            client_id: C::ConnectClientId,
            client_secret: C::ConnectClientSecretEnc,
            access_token: C::ConnectAccessTokenEnc,
            refresh_token: C::ConnectRefreshTokenEnc,
            expires_at: C::ConnectTokenExpiresAt,
        },
    }
}

/// Sets one client's credentials: a new secret or token forgets the tokens minted before.
fn apply_credentials(
    row: &mut connection_alias::ActiveModel,
    vendor: Vendor,
    creds: CredentialsInput,
    cipher: &Cipher,
    changed: &mut Vec<&'static str>,
) -> Result<()> {
    let set = creds.set;
    if set == CredentialSet::GoToConnect {
        if vendor != Vendor::GoTo {
            return Err(AppError::bad_input(
                "credentials",
                "only GoTo aliases have a GoTo Connect client",
            ));
        }
        if creds.account_id.is_some() {
            return Err(AppError::bad_input(
                "accountId",
                "GoTo Connect's client has no account id",
            ));
        }
    }
    let cols = columns(set);
    let no_bytes = || sea_orm::Value::Bytes(None);
    let put = |row: &mut connection_alias::ActiveModel, col, value| {
        row.try_set(col, value)
            .map_err(|e| AppError::internal(format!("setting a credential column: {e}")))
    };
    let forget_tokens = |row: &mut connection_alias::ActiveModel| -> Result<()> {
        put(row, cols.access_token, no_bytes())?;
        put(row, cols.refresh_token, no_bytes())?;
        put(
            row,
            cols.expires_at,
            sea_orm::Value::ChronoDateTimeUtc(None),
        )
    };
    if let Some(id) = text_field("clientId", creds.client_id, 500)? {
        put(row, cols.client_id, id.into())?;
        changed.push("clientId");
    }
    if let Some(account) = text_field("accountId", creds.account_id, 200)? {
        row.account_id = Set(account);
        changed.push("accountId");
    }
    if creds.clear_secrets {
        put(row, cols.client_secret, no_bytes())?;
        forget_tokens(row)?;
        changed.push("secretsCleared");
    }
    if let Some(secret) = creds.client_secret {
        if secret.expose().trim().is_empty() {
            return Err(AppError::bad_input("clientSecret", "must not be empty"));
        }
        put(
            row,
            cols.client_secret,
            cipher.encrypt(secret.expose()).into(),
        )?;
        // Tokens minted with the old secret are no longer trusted.
        forget_tokens(row)?;
        changed.push("clientSecret");
    }
    if let Some(token) = creds.access_token {
        if token.expose().trim().is_empty() {
            return Err(AppError::bad_input("accessToken", "must not be empty"));
        }
        forget_tokens(row)?;
        put(
            row,
            cols.access_token,
            cipher.encrypt(token.expose().trim()).into(),
        )?;
        changed.push("accessToken");
    }
    Ok(())
}

async fn check_parent(db: &impl ConnectionTrait, parent_id: i64, vendor: Vendor) -> Result<()> {
    let parent = connection_alias::Entity::find_by_id(parent_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("parentId", "no such connection alias"))?;
    if parent.vendor != vendor {
        return Err(AppError::bad_input(
            "parentId",
            "the parent alias is for another vendor",
        ));
    }
    if parent.parent_id.is_some() {
        return Err(AppError::bad_input(
            "parentId",
            "a child alias cannot be a parent",
        ));
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    cipher: &Cipher,
    actor: &Principal,
    mut input: AliasInput,
) -> Result<connection_alias::Model> {
    let vendor = input
        .vendor
        .take()
        .ok_or_else(|| AppError::bad_input("vendor", "is required"))?;
    if input.name.is_none() {
        return Err(AppError::bad_input("name", "is required"));
    }
    let parent_id = input.parent_id.take();
    let has_base = input
        .base_url
        .as_deref()
        .is_some_and(|u| !u.trim().is_empty());
    if vendor == Vendor::Aha && input.cloud.is_none() && parent_id.is_none() && !has_base {
        return Err(AppError::bad_input(
            "baseUrl",
            "Aha! tenants live on their own subdomain: give https://<subdomain>.aha.io",
        ));
    }
    let txn = db.begin_write().await?;
    if let Some(parent) = parent_id {
        check_parent(&txn, parent, vendor).await?;
    }
    let now = Utc::now();
    let mut row = connection_alias::ActiveModel {
        vendor: Set(vendor),
        parent_id: Set(parent_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let changed = apply(&mut row, vendor, input, cipher)?;
    let row = row
        .insert(&txn)
        .await
        .conflict_on_unique("a connection alias with this name exists")?;
    let details = json!({ "vendor": vendor, "parentId": parent_id, "fields": changed });
    audit::record(
        &txn,
        actor,
        "createConnectionAlias",
        "ConnectionAlias",
        Some(row.id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn update(
    db: &DatabaseConnection,
    cipher: &Cipher,
    actor: &Principal,
    id: i64,
    operation: &str,
    input: AliasInput,
) -> Result<connection_alias::Model> {
    if input.vendor.is_some() {
        return Err(AppError::bad_input(
            "vendor",
            "cannot be changed; create another alias",
        ));
    }
    let txn = db.begin_write().await?;
    let current = get(&txn, id).await?;
    let mut row: connection_alias::ActiveModel = current.clone().into();
    if let Some(parent) = input.parent_id {
        if parent == id {
            return Err(AppError::bad_input(
                "parentId",
                "an alias cannot be its own parent",
            ));
        }
        check_parent(&txn, parent, current.vendor).await?;
        let has_children = connection_alias::Entity::find()
            .filter(connection_alias::Column::ParentId.eq(id))
            .count(&txn)
            .await?
            > 0;
        if has_children {
            return Err(AppError::bad_input(
                "parentId",
                "an alias with children cannot become a child",
            ));
        }
        row.parent_id = Set(Some(parent));
    }
    let changed = apply(&mut row, current.vendor, input, cipher)?;
    row.updated_at = Set(Utc::now());
    let row = row
        .update(&txn)
        .await
        .conflict_on_unique("a connection alias with this name exists")?;
    audit::record(
        &txn,
        actor,
        operation,
        "ConnectionAlias",
        Some(id),
        json!({ "fields": changed }),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes an alias no profile and no child alias uses.
pub async fn delete(db: &DatabaseConnection, actor: &Principal, id: i64) -> Result<i64> {
    let txn = db.begin_write().await?;
    get(&txn, id).await?;
    let users = integration_profile::Entity::find()
        .filter(integration_profile::Column::AliasId.eq(id))
        .count(&txn)
        .await?;
    if users > 0 {
        return Err(AppError::Conflict(format!(
            "{users} integration profile(s) use this alias"
        )));
    }
    let kids = connection_alias::Entity::find()
        .filter(connection_alias::Column::ParentId.eq(id))
        .count(&txn)
        .await?;
    if kids > 0 {
        return Err(AppError::Conflict(format!(
            "{kids} child alias(es) point at this alias"
        )));
    }
    connection_alias::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "deleteConnectionAlias",
        "ConnectionAlias",
        Some(id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}
