//! Subscription identifier exclusions: a vendor license code left out at download.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::enums::Vendor;
use entity::subscription_identifier_exclusion as exclusion;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryFilter, Set,
};

use super::{CheckedTerms, ExclusionTerms, TermsPatch, check_identifier, check_terms, merge_terms};
use crate::domain::audit;
use crate::domain::db_errors::ConflictOnUnique;
use crate::domain::page::{Page, PageRequest, find, keyset};
use crate::domain::tokens::Principal;
use crate::error::Result;

const DUPLICATE: &str = "this vendor already has an exclusion for this identifier";
const TARGET: &str = "SubscriptionIdentifierExclusion";

/// An identifier exclusion to create.
#[derive(Debug, Clone)]
pub struct NewIdentifierExclusion {
    pub vendor: Vendor,
    pub identifier: String,
    pub terms: ExclusionTerms,
}

/// Changes to an identifier exclusion; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct IdentifierExclusionPatch {
    pub vendor: Option<Vendor>,
    pub identifier: Option<String>,
    pub terms: TermsPatch,
}

/// The exclusion with this id; `NOT_FOUND` otherwise.
pub async fn get(db: &DatabaseConnection, id: i64) -> Result<exclusion::Model> {
    find::<exclusion::Entity>(db, id, "subscription identifier exclusion").await
}

/// Identifier exclusions, oldest first, optionally of one vendor and by `active`.
pub async fn list(
    db: &DatabaseConnection,
    vendor: Option<Vendor>,
    active: Option<bool>,
    req: &PageRequest,
) -> Result<Page<exclusion::Model>> {
    let mut select = exclusion::Entity::find();
    if let Some(vendor) = vendor {
        select = select.filter(exclusion::Column::Vendor.eq(vendor));
    }
    if let Some(active) = active {
        select = select.filter(exclusion::Column::Active.eq(active));
    }
    keyset(db, select, exclusion::Column::Id, req).await
}

/// Creates an exclusion; a second one for the same (vendor, identifier) is `CONFLICT`.
pub async fn create_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    input: &NewIdentifierExclusion,
) -> Result<exclusion::Model> {
    let now = Utc::now();
    let identifier = check_identifier(&input.identifier)?;
    let terms = check_terms(&input.terms, now)?;
    let txn = db.begin_write().await?;
    let row = exclusion::ActiveModel {
        vendor: Set(input.vendor),
        identifier: Set(identifier),
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
    let details = serde_json::json!({ "vendor": row.vendor, "identifier": row.identifier });
    audit::record(
        &txn,
        actor,
        "createSubscriptionIdentifierExclusion",
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
    patch: &IdentifierExclusionPatch,
) -> Result<exclusion::Model> {
    let identifier = patch
        .identifier
        .as_deref()
        .map(check_identifier)
        .transpose()?;
    let txn = db.begin_write().await?;
    let row = find::<exclusion::Entity>(&txn, id, "subscription identifier exclusion").await?;
    let stored = CheckedTerms {
        exclude_from_cost: row.exclude_from_cost,
        exclude_from_reclaim: row.exclude_from_reclaim,
        reason: row.reason.clone(),
        expires_at: row.expires_at,
        active: row.active,
    };
    let terms = merge_terms(&stored, &patch.terms, Utc::now())?;
    let mut active: exclusion::ActiveModel = row.into();
    if let Some(vendor) = patch.vendor {
        active.vendor = Set(vendor);
    }
    if let Some(identifier) = identifier {
        active.identifier = Set(identifier);
    }
    active.exclude_from_cost = Set(terms.exclude_from_cost);
    active.exclude_from_reclaim = Set(terms.exclude_from_reclaim);
    active.reason = Set(terms.reason);
    active.expires_at = Set(terms.expires_at);
    active.active = Set(terms.active);
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await.conflict_on_unique(DUPLICATE)?;
    let mut changed = patch.terms.changed();
    changed.extend(patch.vendor.map(|_| "vendor"));
    changed.extend(patch.identifier.as_ref().map(|_| "identifier"));
    audit::record(
        &txn,
        actor,
        "updateSubscriptionIdentifierExclusion",
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
    let row = find::<exclusion::Entity>(&txn, id, "subscription identifier exclusion").await?;
    let details = serde_json::json!({ "vendor": row.vendor, "identifier": row.identifier });
    row.delete(&txn).await?;
    audit::record(
        &txn,
        actor,
        "deleteSubscriptionIdentifierExclusion",
        TARGET,
        Some(id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
