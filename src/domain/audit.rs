//! The audit log: every mutation records who did what to which object, in the same
//! transaction as the change itself.

use chrono::Utc;
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::domain::tokens::Principal;
use crate::error::Result;

/// One audit entry. `details` must not carry secrets: callers pass field names, not values.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Principal,
    operation: &str,
    target_type: &str,
    target_id: Option<i64>,
    details: serde_json::Value,
) -> Result<()> {
    insert(
        db,
        Some(actor.token_id),
        &actor.name,
        operation,
        target_type,
        target_id,
        details,
    )
    .await
}

/// An entry for a change made without a token: by the server's own command line, whose
/// user holds the database itself.
pub async fn record_command_line(
    db: &impl ConnectionTrait,
    command: &str,
    operation: &str,
    target_type: &str,
    target_id: Option<i64>,
    details: serde_json::Value,
) -> Result<()> {
    let actor = format!("command line ({command})");
    insert(db, None, &actor, operation, target_type, target_id, details).await
}

async fn insert(
    db: &impl ConnectionTrait,
    token_id: Option<i64>,
    actor: &str,
    operation: &str,
    target_type: &str,
    target_id: Option<i64>,
    details: serde_json::Value,
) -> Result<()> {
    audit_log::ActiveModel {
        token_id: Set(token_id),
        actor: Set(actor.to_owned()),
        operation: Set(operation.to_owned()),
        target_type: Set(Some(target_type.to_owned())),
        target_id: Set(target_id.map(|id| id.to_string())),
        details: Set(details),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The audit log, oldest first; optionally one operation only.
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    operation: Option<&str>,
    req: &crate::domain::page::PageRequest,
) -> Result<crate::domain::page::Page<audit_log::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut select = audit_log::Entity::find();
    if let Some(op) = operation {
        select = select.filter(audit_log::Column::Operation.eq(op));
    }
    crate::domain::page::keyset(db, select, audit_log::Column::Id, req).await
}
