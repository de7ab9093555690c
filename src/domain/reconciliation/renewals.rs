//! Renewals: entitlements ending soon, with how much of their model is used and how many
//! rights could be dropped at renewal to match use.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use entity::{entitlement, license_position};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::entitlements;
use crate::error::{AppError, Result};

/// The longest look-ahead `renewals` accepts, in days.
pub const MAX_WITHIN_DAYS: i32 = 3_650;

/// One entitlement due for renewal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    pub entitlement_id: i64,
    pub software_model_id: i64,
    pub ends_on: NaiveDate,
    /// Days from today to its last day (0: it ends today).
    pub days_left: i64,
    /// Rights this entitlement holds.
    pub rights: i64,
    /// The model's rights owned and used at its latest reconciliation (0 and 0 before one).
    pub model_rights_owned: i64,
    pub model_rights_used: i64,
    /// Rights this entitlement could drop at renewal: its share of the model's unused
    /// rights, entitlements ending first taking theirs first.
    pub rights_to_drop: i64,
    /// What dropping them saves per year, in the entitlement's currency (minor units).
    pub annual_saving_minor: i64,
    pub currency: String,
}

impl Renewal {
    /// The model's rights used ÷ owned, in percent, one decimal (null without rights).
    pub fn utilisation_percent(&self) -> Option<f64> {
        (self.model_rights_owned > 0).then(|| {
            (self.model_rights_used as f64 * 1000.0 / self.model_rights_owned as f64).round() / 10.0
        })
    }
}

/// The entitlements counting on `today` whose last day is within `within_days`, ending
/// first first.
pub async fn due(
    db: &impl ConnectionTrait,
    within_days: i32,
    today: NaiveDate,
) -> Result<Vec<Renewal>> {
    if !(0..=MAX_WITHIN_DAYS).contains(&within_days) {
        return Err(AppError::bad_input(
            "withinDays",
            format!("0 to {MAX_WITHIN_DAYS}"),
        ));
    }
    let until = today + Duration::days(i64::from(within_days));
    let rows: Vec<entitlement::Model> = entitlement::Entity::find()
        .filter(entitlement::Column::PeriodEnd.gte(today))
        .filter(entitlement::Column::PeriodEnd.lte(until))
        .order_by_asc(entitlement::Column::PeriodEnd)
        .order_by_asc(entitlement::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|r| entitlements::is_active_on(r, today))
        .collect();
    let models: Vec<i64> = rows.iter().map(|r| r.software_model_id).collect();
    let positions: HashMap<i64, (i64, i64)> = license_position::Entity::find()
        .filter(license_position::Column::IsLatest.eq(true))
        .filter(license_position::Column::SoftwareModelId.is_in(models))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.software_model_id, (p.rights_owned, p.rights_used)))
        .collect();
    Ok(plan(&rows, &positions, today))
}

/// Shares each model's unused rights out over its renewing entitlements, in order. Pure.
fn plan(
    rows: &[entitlement::Model],
    positions: &HashMap<i64, (i64, i64)>,
    today: NaiveDate,
) -> Vec<Renewal> {
    let mut unused: HashMap<i64, i64> = positions
        .iter()
        .map(|(m, (owned, used))| (*m, (owned - used).max(0)))
        .collect();
    rows.iter()
        .map(|r| {
            let (owned, used) = positions
                .get(&r.software_model_id)
                .copied()
                .unwrap_or((0, 0));
            let left = unused.entry(r.software_model_id).or_default();
            let drop = (*left).min(r.purchased_rights);
            *left -= drop;
            Renewal {
                entitlement_id: r.id,
                software_model_id: r.software_model_id,
                ends_on: r.period_end,
                days_left: (r.period_end - today).num_days(),
                rights: r.purchased_rights,
                model_rights_owned: owned,
                model_rights_used: used,
                rights_to_drop: drop,
                annual_saving_minor: entitlements::annual_cost_per_right_minor(r)
                    .saturating_mul(drop),
                currency: r.currency.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use entity::enums::{EntitlementPeriod, EntitlementState};

    fn ent(id: i64, model: i64, rights: i64, end: &str) -> entitlement::Model {
        entitlement::Model {
            id,
            software_model_id: model,
            name: format!("e{id}"),
            purchased_rights: rights,
            unit_cost_minor: 1_000,
            currency: "USD".into(),
            period_start: "2026-01-01".parse().unwrap(),
            period_end: end.parse().unwrap(),
            period_type: EntitlementPeriod::Monthly,
            state: EntitlementState::Active,
            contract_reference: None,
            note: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_first_to_end_drops_first_and_never_more_than_it_holds() {
        let today: NaiveDate = "2026-12-05".parse().unwrap();
        // Model 1: 30 owned, 12 used: 18 unused over two renewals of 10 and 15 rights.
        let rows = [
            ent(1, 1, 10, "2026-12-10"),
            ent(2, 1, 15, "2027-01-31"),
            ent(3, 2, 5, "2026-12-31"),
        ];
        let positions = HashMap::from([(1, (30, 12)), (2, (5, 7))]);
        let plan = plan(&rows, &positions, today);
        let drops: Vec<(i64, i64)> = plan
            .iter()
            .map(|r| (r.rights_to_drop, r.days_left))
            .collect();
        assert_eq!(drops, vec![(10, 5), (8, 57), (0, 26)]);
        assert_eq!(plan[0].annual_saving_minor, 10 * 12_000);
        assert_eq!(plan[0].utilisation_percent(), Some(40.0));
        assert_eq!(plan[2].utilisation_percent(), Some(140.0));
    }
}
