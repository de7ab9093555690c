//! Subscription user exclusions: a user, or every user of a domain, across all profiles.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::subscription_user_exclusion as exclusion;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryFilter, Set,
};

use super::{
    CheckedTerms, ExclusionTerms, TermsPatch, check_terms, merge_terms, normalize_user_pattern,
};
use crate::domain::audit;
use crate::domain::db_errors::ConflictOnUnique;
use crate::domain::page::{Page, PageRequest, find, keyset};
use crate::domain::software_models::contains_ci;
use crate::domain::tokens::Principal;
use crate::error::Result;

const DUPLICATE: &str = "an exclusion for this user principal name already exists";
const TARGET: &str = "SubscriptionUserExclusion";

/// A user exclusion to create.
#[derive(Debug, Clone)]
pub struct NewUserExclusion {
    /// An email or `*@domain`; stored lower-cased.
    pub user_principal_name: String,
    pub terms: ExclusionTerms,
}

/// Changes to a user exclusion; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserExclusionPatch {
    pub user_principal_name: Option<String>,
    pub terms: TermsPatch,
}

/// The exclusion with this id; `NOT_FOUND` otherwise.
pub async fn get(db: &DatabaseConnection, id: i64) -> Result<exclusion::Model> {
    find::<exclusion::Entity>(db, id, "subscription user exclusion").await
}

/// User exclusions, oldest first, optionally whose pattern contains `search` and by `active`.
pub async fn list(
    db: &DatabaseConnection,
    search: Option<&str>,
    active: Option<bool>,
    req: &PageRequest,
) -> Result<Page<exclusion::Model>> {
    let mut select = exclusion::Entity::find();
    if let Some(needle) = search.map(str::trim).filter(|s| !s.is_empty()) {
        select = select.filter(contains_ci(exclusion::Column::UserPrincipalName, needle));
    }
    if let Some(active) = active {
        select = select.filter(exclusion::Column::Active.eq(active));
    }
    keyset(db, select, exclusion::Column::Id, req).await
}

/// Creates an exclusion; a second one for the same pattern is `CONFLICT`.
pub async fn create_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    input: &NewUserExclusion,
) -> Result<exclusion::Model> {
    let now = Utc::now();
    let upn = normalize_user_pattern(&input.user_principal_name)?;
    let terms = check_terms(&input.terms, now)?;
    let txn = db.begin_write().await?;
    let row = exclusion::ActiveModel {
        user_principal_name: Set(upn),
        exclude_from_cost: Set(terms.exclude_from_cost),
        exclude_from_reclaim: Set(terms.exclude_from_reclaim),
        reason: Set(terms.reason),
        expires_at: Set(terms.expires_at),
        active: Set(terms.active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .conflict_on_unique(DUPLICATE)?;
    let details = serde_json::json!({ "userPrincipalName": row.user_principal_name });
    audit::record(
        &txn,
        actor,
        "createSubscriptionUserExclusion",
        TARGET,
        Some(row.id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes an exclusion, with an audit entry in the same transaction.
pub async fn update_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    patch: &UserExclusionPatch,
) -> Result<exclusion::Model> {
    let upn = patch
        .user_principal_name
        .as_deref()
        .map(normalize_user_pattern)
        .transpose()?;
    let txn = db.begin_write().await?;
    let row = find::<exclusion::Entity>(&txn, id, "subscription user exclusion").await?;
    let stored = CheckedTerms {
        exclude_from_cost: row.exclude_from_cost,
        exclude_from_reclaim: row.exclude_from_reclaim,
        reason: row.reason.clone(),
        expires_at: row.expires_at,
        active: row.active,
    };
    let terms = merge_terms(&stored, &patch.terms, Utc::now())?;
    let mut active: exclusion::ActiveModel = row.into();
    if let Some(upn) = upn {
        active.user_principal_name = Set(upn);
    }
    active.exclude_from_cost = Set(terms.exclude_from_cost);
    active.exclude_from_reclaim = Set(terms.exclude_from_reclaim);
    active.reason = Set(terms.reason);
    active.expires_at = Set(terms.expires_at);
    active.active = Set(terms.active);
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await.conflict_on_unique(DUPLICATE)?;
    let mut changed = patch.terms.changed();
    changed.extend(
        patch
            .user_principal_name
            .as_ref()
            .map(|_| "userPrincipalName"),
    );
    audit::record(
        &txn,
        actor,
        "updateSubscriptionUserExclusion",
        TARGET,
        Some(id),
        serde_json::json!({ "changed": changed }),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes an exclusion; an unknown id is `NOT_FOUND`.
pub async fn delete_audited(db: &DatabaseConnection, actor: &Principal, id: i64) -> Result<()> {
    let txn = db.begin_write().await?;
    let row = find::<exclusion::Entity>(&txn, id, "subscription user exclusion").await?;
    let details = serde_json::json!({ "userPrincipalName": row.user_principal_name });
    row.delete(&txn).await?;
    audit::record(
        &txn,
        actor,
        "deleteSubscriptionUserExclusion",
        TARGET,
        Some(id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
