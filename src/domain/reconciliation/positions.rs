//! Reading stored positions: lists, a model's trend, one by id, each with its amounts.

use entity::enums::ComplianceStatus;
use entity::{license_position, license_position_amount, software_model};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{Amount, Position};
use crate::domain::page::{self, Page, PageRequest};
use crate::error::{AppError, Result};

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
    /// Only models the profile has open seats of.
    pub profile_id: Option<i64>,
    /// Only each model's newest (the default), or the history too.
    pub latest_only: bool,
    pub order: PositionOrder,
}

/// How a list of positions is sorted. Waste and true-up sort by rights (unused, or used
/// beyond those owned), which compare across currencies; the money per currency is in
/// each position's amounts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum PositionOrder {
    /// Oldest first (by id).
    #[default]
    Oldest,
    /// Most unused rights first.
    MostWaste,
    /// Most rights used beyond those owned first.
    LargestTrueUp,
}

/// The models with open seats in the profile (from the seat summary).
async fn models_of_profile(db: &impl ConnectionTrait, profile_id: i64) -> Result<Vec<i64>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT DISTINCT software_model_id FROM activity_rollup \
             WHERE profile_id = $1 AND software_model_id IS NOT NULL"
        }
        _ => {
            "SELECT DISTINCT software_model_id FROM activity_rollup \
             WHERE profile_id = ? AND software_model_id IS NOT NULL"
        }
    };
    db.query_all_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [profile_id.into()],
    ))
    .await?
    .iter()
    .map(|r| Ok(r.try_get::<i64>("", "software_model_id")?))
    .collect()
}

/// The sorted latest positions, paged by the position after or before which to start.
fn sorted_page(
    mut rows: Vec<license_position::Model>,
    order: PositionOrder,
    req: &PageRequest,
) -> (Vec<license_position::Model>, bool, bool) {
    rows.sort_by(|a, b| match order {
        PositionOrder::Oldest => a.id.cmp(&b.id),
        PositionOrder::MostWaste => b
            .rights_available
            .cmp(&a.rights_available)
            .then(a.id.cmp(&b.id)),
        PositionOrder::LargestTrueUp => b.unlicensed.cmp(&a.unlicensed).then(a.id.cmp(&b.id)),
    });
    let at = |id: i64| rows.iter().position(|r| r.id == id);
    let start = req.after.and_then(at).map_or(0, |i| i + 1);
    let end = req.before.and_then(at).unwrap_or(rows.len()).max(start);
    let (from, to) = match (req.first, req.last) {
        (Some(n), _) => (start, (start + n).min(end)),
        (None, Some(n)) => (end.saturating_sub(n).max(start), end),
        (None, None) => (start, end),
    };
    let (has_previous, has_next) = (from > 0, to < rows.len());
    (rows.drain(from..to).collect(), has_next, has_previous)
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
    if let Some(profile) = filter.profile_id {
        select = select.filter(L::SoftwareModelId.is_in(models_of_profile(db, profile).await?));
    }
    if filter.latest_only {
        select = select.filter(L::IsLatest.eq(true));
    }
    if filter.order != PositionOrder::Oldest {
        if !filter.latest_only {
            return Err(AppError::bad_input(
                "orderBy",
                "sorting by waste or true-up applies to each model's latest position (latestOnly: true)",
            ));
        }
        // One latest position per model: few enough to sort here.
        let rows = select.all(db).await?;
        let total = rows.len() as u64;
        let (rows, has_next, has_previous) = sorted_page(rows, filter.order, req);
        return Ok(Page {
            items: with_amounts(db, rows).await?,
            has_next,
            has_previous,
            total: page::known_count(total),
        });
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
