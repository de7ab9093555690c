//! The cost basis of a seat: the average price per right per month of a software model,
//! from its entitlements active today. Integer minor units throughout.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::entitlement;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// What one seat of a model costs per month, and how that was worked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostBasis {
    /// Average price per right per month, in minor units of `currency`; 0 without
    /// entitlements.
    pub monthly_price_minor: i64,
    /// ISO 4217 code; empty when no entitlement gives one.
    pub currency: String,
    /// Entitlements that went into it.
    pub entitlements: i64,
    /// Currencies of other entitlements, left out (prices are never converted).
    #[serde(default)]
    pub other_currencies: i64,
    /// Why the figure is what it is, when it is not a plain average.
    pub note: Option<String>,
}

/// The basis from `rows` (a model's entitlements) as of `today`: each currency's total
/// cost over its right-months; the currency with the most rights wins, and the note says
/// when others were left out.
pub fn basis(rows: &[entitlement::Model], today: NaiveDate) -> CostBasis {
    let mut by_currency: HashMap<&str, (i64, i64, i64, i64)> = HashMap::new();
    for row in rows
        .iter()
        .filter(|r| crate::domain::entitlements::is_active_on(r, today) && r.purchased_rights > 0)
    {
        let entry = by_currency.entry(row.currency.as_str()).or_default();
        let right_months = row
            .purchased_rights
            .saturating_mul(crate::domain::entitlements::period_months(row));
        entry.0 = entry
            .0
            .saturating_add(row.unit_cost_minor.saturating_mul(row.purchased_rights));
        entry.1 = entry.1.saturating_add(right_months);
        entry.2 = entry.2.saturating_add(row.purchased_rights);
        entry.3 += 1;
    }
    let mut currencies: Vec<_> = by_currency.into_iter().collect();
    currencies.sort_by(|a, b| b.1.2.cmp(&a.1.2).then(a.0.cmp(b.0)));
    match currencies.first() {
        None => CostBasis {
            monthly_price_minor: 0,
            currency: String::new(),
            entitlements: 0,
            other_currencies: 0,
            note: note(0, 0),
        },
        Some((currency, (cost, right_months, _, count))) => {
            let others = currencies.len() as i64 - 1;
            CostBasis {
                monthly_price_minor: cost / (*right_months).max(1),
                currency: (*currency).to_owned(),
                entitlements: *count,
                other_currencies: others,
                note: note(*count, others),
            }
        }
    }
}

/// Why a basis of `entitlements`, with `others` currencies left out, is what it is, when
/// it is not a plain average.
pub(super) fn note(entitlements: i64, others: i64) -> Option<String> {
    if entitlements == 0 {
        Some("no active entitlement records what this seat costs".into())
    } else {
        (others > 0).then(|| {
            format!(
                "entitlements in {others} other currencies left out (prices are never converted)"
            )
        })
    }
}

/// The basis of each of `model_ids`, today.
pub async fn bases(
    db: &impl ConnectionTrait,
    model_ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, CostBasis>> {
    let ids: Vec<i64> = model_ids.into_iter().collect();
    let rows = entitlement::Entity::find()
        .filter(entitlement::Column::SoftwareModelId.is_in(ids.clone()))
        .all(db)
        .await?;
    let today = Utc::now().date_naive();
    Ok(ids
        .into_iter()
        .map(|id| {
            let mine: Vec<_> = rows
                .iter()
                .filter(|r| r.software_model_id == id)
                .cloned()
                .collect();
            (id, basis(&mine, today))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(rights: i64, unit: i64, currency: &str, start: &str, end: &str) -> entitlement::Model {
        entitlement::Model {
            id: 1,
            software_model_id: 1,
            name: "x".into(),
            purchased_rights: rights,
            unit_cost_minor: unit,
            currency: currency.into(),
            period_start: start.parse().unwrap(),
            period_end: end.parse().unwrap(),
            period_type: entity::enums::EntitlementPeriod::WholeTerm,
            state: entity::enums::EntitlementState::Active,
            contract_reference: None,
            note: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_yearly_price_is_spread_over_its_twelve_months() {
        let today = "2026-06-01".parse().unwrap();
        let b = basis(&[ent(10, 12_000, "USD", "2026-01-01", "2026-12-31")], today);
        assert_eq!(b.monthly_price_minor, 1_000);
        assert_eq!(b.currency, "USD");
        assert_eq!(b.note, None);
    }

    #[test]
    fn no_entitlement_is_zero_with_a_note_and_currencies_never_mix() {
        let today = "2026-06-01".parse().unwrap();
        assert_eq!(basis(&[], today).monthly_price_minor, 0);
        assert!(basis(&[], today).note.is_some());
        let expired = ent(10, 12_000, "USD", "2025-01-01", "2025-12-31");
        assert_eq!(basis(&[expired], today).entitlements, 0);
        let b = basis(
            &[
                ent(10, 1_000, "USD", "2026-06-01", "2026-06-30"),
                ent(30, 900, "EUR", "2026-06-01", "2026-06-30"),
            ],
            today,
        );
        assert_eq!((b.monthly_price_minor, b.currency.as_str()), (900, "EUR"));
        assert!(b.note.unwrap().contains("1 other"));
    }
}
