//! License positions: what reconciliation concluded per software model (read-only here).

use entity::enums::ComplianceStatus;
use entity::license_position;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::page::{Page, PageRequest, find, keyset};
use crate::error::Result;

/// Positions, oldest first: by model, by verdict, and only each model's newest unless
/// `latest_only` is false (then the history too).
pub async fn list(
    db: &DatabaseConnection,
    software_model_id: Option<i64>,
    compliance_status: Option<ComplianceStatus>,
    latest_only: bool,
    req: &PageRequest,
) -> Result<Page<license_position::Model>> {
    let mut select = license_position::Entity::find();
    if let Some(id) = software_model_id {
        select = select.filter(license_position::Column::SoftwareModelId.eq(id));
    }
    if let Some(status) = compliance_status {
        select = select.filter(license_position::Column::ComplianceStatus.eq(status));
    }
    if latest_only {
        select = select.filter(license_position::Column::IsLatest.eq(true));
    }
    keyset(db, select, license_position::Column::Id, req).await
}

/// The position with this id; `NOT_FOUND` otherwise.
pub async fn get(db: &DatabaseConnection, id: i64) -> Result<license_position::Model> {
    find::<license_position::Entity>(db, id, "license position").await
}
