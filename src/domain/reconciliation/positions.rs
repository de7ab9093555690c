//! Reading stored positions: lists, a model's trend, one by id, each with its amounts.

use entity::enums::ComplianceStatus;
use entity::{license_position, license_position_amount, software_model};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{Amount, Position};
use crate::domain::page::{self, Page, PageRequest};
use crate::error::Result;

fn position_of(
    p: license_position::Model,
    amounts: Vec<license_position_amount::Model>,
) -> Position {
    Position {
        id: p.id,
        software_model_id: p.software_model_id,
        computed_at: p.computed_at,
        is_latest: p.is_latest,
        rights_owned: p.rights_owned,
        rights_used: p.rights_used,
        subscriptions_used: p.subscriptions_used,
        rights_available: p.rights_available,
        unlicensed: p.unlicensed,
        status: p.compliance_status,
        amounts: amounts
            .into_iter()
            .map(|a| Amount {
                currency: a.currency,
                rights_owned: a.rights_owned,
                price_per_right: a.price_per_right_minor,
                annual_spend: a.annual_spend_minor,
                true_up_cost: a.true_up_cost_minor,
                over_licensed: a.over_licensed_minor,
                potential_savings: a.potential_savings_minor,
                actual_savings: a.actual_savings_minor,
                actual_savings_this_year: a.actual_savings_year_minor,
            })
            .collect(),
    }
}

/// Positions with their amounts, in the order given.
async fn with_amounts(
    db: &impl ConnectionTrait,
    rows: Vec<license_position::Model>,
) -> Result<Vec<Position>> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let mut amounts = license_position_amount::Entity::find()
        .filter(license_position_amount::Column::PositionId.is_in(ids))
        .order_by_asc(license_position_amount::Column::Currency)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let mine = amounts.extract_if(.., |a| a.position_id == p.id).collect();
            position_of(p, mine)
        })
        .collect())
}

/// Which positions a list shows.
#[derive(Debug, Default)]
pub struct PositionFilter {
    pub software_model_id: Option<i64>,
    pub status: Option<ComplianceStatus>,
    pub vendor: Option<entity::enums::Vendor>,
    /// Only each model's newest (the default), or the history too.
    pub latest_only: bool,
}

/// Positions, oldest first, with keyset pages.
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    filter: &PositionFilter,
    req: &PageRequest,
) -> Result<Page<Position>> {
    use license_position::Column as L;
    let mut select = license_position::Entity::find();
    if let Some(id) = filter.software_model_id {
        select = select.filter(L::SoftwareModelId.eq(id));
    }
    if let Some(status) = filter.status {
        select = select.filter(L::ComplianceStatus.eq(status));
    }
    if let Some(vendor) = filter.vendor {
        let models: Vec<i64> = software_model::Entity::find()
            .filter(software_model::Column::Vendor.eq(vendor))
            .all(db)
            .await?
            .iter()
            .map(|m| m.id)
            .collect();
        select = select.filter(L::SoftwareModelId.is_in(models));
    }
    if filter.latest_only {
        select = select.filter(L::IsLatest.eq(true));
    }
    let page = page::keyset(db, select, L::Id, req).await?;
    let items = with_amounts(db, page.items).await?;
    Ok(Page {
        items,
        has_next: page.has_next,
        has_previous: page.has_previous,
        total: page.total,
    })
}

/// A model's positions, newest first (its trend), at most `limit`.
pub async fn history(
    db: &sea_orm::DatabaseConnection,
    software_model_id: i64,
    limit: u64,
) -> Result<Vec<Position>> {
    use license_position::Column as L;
    use sea_orm::QuerySelect;
    let rows = license_position::Entity::find()
        .filter(L::SoftwareModelId.eq(software_model_id))
        .order_by_desc(L::ComputedAt)
        .order_by_desc(L::Id)
        .limit(limit)
        .all(db)
        .await?;
    with_amounts(db, rows).await
}

/// One position by id.
pub async fn get(db: &sea_orm::DatabaseConnection, id: i64) -> Result<Position> {
    let row = page::find::<license_position::Entity>(db, id, "license position").await?;
    Ok(with_amounts(db, vec![row]).await?.remove(0))
}
