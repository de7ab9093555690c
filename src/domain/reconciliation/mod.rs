//! Reconciliation: what is owned against what is used, per software model (the User
//! Subscription metric: one right per distinct holder of an active, open, non-cost-excluded
//! subscription), with its money per currency. Each run stores a new position per model
//! (the previous stay, for the trend) and marks the subscriptions beyond the rights owned
//! unlicensed (`marks`). Money is integer minor units and is never summed across currencies.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::ComplianceStatus;
use entity::{entitlement, license_position, license_position_amount, software_model};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, Statement};

use crate::db::BeginWrite;
use crate::domain::entitlements;
use crate::domain::sync::{
    Progress, ProgressSink, RunCounts, SyncError, row_bytes, rows_per_statement,
};
use crate::error::Result;
use crate::state::AppState;

mod marks;
mod positions;
mod renewals;
mod seat_buckets;
mod summary;

pub use marks::{forget_marks_of_profile, unlicensed_between, unlicensed_of};
pub use positions::{PositionFilter, PositionOrder, get, history, list};
pub use renewals::{MAX_WITHIN_DAYS, Renewal, due as renewals_due};
pub use seat_buckets::refresh_seats;
pub use summary::{Buckets, ModelSlice, Money, Slice, Summary, SummaryFilter, summary};

/// Unused rights above this share of those owned make a model `OVER_LICENSED`.
pub const OVER_LICENSED_PERCENT: i64 = 10;

/// A position's money in one currency, in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amount {
    pub currency: String,
    /// Rights owned under entitlements priced in this currency.
    pub rights_owned: i64,
    /// Average price per right per year.
    pub price_per_right: i64,
    /// What the active entitlements in this currency cost per year.
    pub annual_spend: i64,
    /// The unlicensed rights at this currency's price, per year: an alternative in each
    /// currency the model is bought in, not a sum.
    pub true_up_cost: i64,
    /// This currency's share of the unused rights at its price, per year.
    pub over_licensed: i64,
    /// Monthly savings of the open candidates priced in this currency.
    pub potential_savings: i64,
    /// Monthly savings of the reclaimed candidates, all time and this calendar year.
    pub actual_savings: i64,
    pub actual_savings_this_year: i64,
}

/// What reconciliation concluded for one model at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub id: i64,
    pub software_model_id: i64,
    pub computed_at: DateTime<Utc>,
    pub is_latest: bool,
    pub rights_owned: i64,
    pub rights_used: i64,
    pub subscriptions_used: i64,
    pub rights_available: i64,
    pub unlicensed: i64,
    pub status: ComplianceStatus,
    pub amounts: Vec<Amount>,
}

/// Usage of a model as counted for the metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Distinct holders (rights used).
    pub holders: i64,
    /// Subscriptions behind them.
    pub subscriptions: i64,
}

/// Savings of a model's candidates in one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Savings {
    pub potential: i64,
    pub actual: i64,
    pub actual_this_year: i64,
}

/// The verdict for `owned` rights and `used` holders.
pub fn status(owned: i64, used: i64) -> ComplianceStatus {
    if owned == 0 {
        ComplianceStatus::NoEntitlement
    } else if used > owned {
        ComplianceStatus::UnderLicensed
    } else if (owned - used) * 100 > owned * OVER_LICENSED_PERCENT {
        ComplianceStatus::OverLicensed
    } else {
        ComplianceStatus::Compliant
    }
}

/// The rights owned on `today` under a model's entitlements.
pub fn rights_owned(rows: &[entitlement::Model], today: NaiveDate) -> i64 {
    rows.iter()
        .filter(|r| entitlements::is_active_on(r, today))
        .map(|r| r.purchased_rights)
        .sum()
}

/// The figures of a model from its entitlements (those counting on `today`), its usage and
/// its candidates' savings by currency. Pure: the tests work it by hand.
pub fn figures(
    rows: &[entitlement::Model],
    today: NaiveDate,
    usage: Usage,
    savings: &BTreeMap<String, Savings>,
) -> (i64, i64, i64, ComplianceStatus, Vec<Amount>) {
    let mut by_currency: BTreeMap<String, Amount> = BTreeMap::new();
    for row in rows.iter().filter(|r| entitlements::is_active_on(r, today)) {
        let a = by_currency.entry(row.currency.clone()).or_default();
        a.rights_owned += row.purchased_rights;
        a.annual_spend = a.annual_spend.saturating_add(
            entitlements::annual_cost_per_right_minor(row).saturating_mul(row.purchased_rights),
        );
    }
    let owned = rights_owned(rows, today);
    let used = usage.holders;
    let unlicensed = (used - owned).max(0);
    let available = (owned - used).max(0);
    // Unused rights are shared out by rights owned per currency; the last takes the rest.
    let mut unused_left = available;
    let priced: Vec<String> = by_currency.keys().cloned().collect();
    for (i, currency) in priced.iter().enumerate() {
        let a = by_currency.get_mut(currency).expect("listed");
        a.currency = currency.clone();
        a.price_per_right = if a.rights_owned > 0 {
            a.annual_spend / a.rights_owned
        } else {
            0
        };
        a.true_up_cost = unlicensed.saturating_mul(a.price_per_right);
        let share = if i + 1 == priced.len() || owned == 0 {
            unused_left
        } else {
            available * a.rights_owned / owned
        };
        unused_left -= share;
        a.over_licensed = share.saturating_mul(a.price_per_right);
    }
    for (currency, s) in savings.iter().filter(|(c, _)| !c.is_empty()) {
        let a = by_currency.entry(currency.clone()).or_default();
        a.currency = currency.clone();
        a.potential_savings = s.potential;
        a.actual_savings = s.actual;
        a.actual_savings_this_year = s.actual_this_year;
    }
    (
        owned,
        available,
        unlicensed,
        status(owned, used),
        by_currency.into_values().collect(),
    )
}

/// The savings of each of `models` by currency, from the candidate rollup (kept by
/// triggers).
async fn savings_of(
    db: &impl ConnectionTrait,
    models: &[i64],
    year: i32,
) -> Result<HashMap<i64, BTreeMap<String, Savings>>> {
    let sql = format!(
        "SELECT model_key, currency, reclaim_year, CAST(SUM(savings_minor) AS BIGINT) AS total \
         FROM candidate_rollup WHERE model_key IN ({}) GROUP BY model_key, currency, reclaim_year",
        marks::id_list(models)
    );
    let mut out: HashMap<i64, BTreeMap<String, Savings>> = HashMap::new();
    for r in db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
    {
        let model: i64 = r.try_get("", "model_key")?;
        let currency: String = r.try_get("", "currency")?;
        let reclaim_year: i32 = r.try_get("", "reclaim_year")?;
        let total: i64 = r.try_get::<Option<i64>>("", "total")?.unwrap_or(0);
        let s = out.entry(model).or_default().entry(currency).or_default();
        if reclaim_year == 0 {
            s.potential += total;
        } else {
            s.actual += total;
            if reclaim_year == year {
                s.actual_this_year += total;
            }
        }
    }
    // A currency whose candidates all went (deleted or moved) leaves zero rows behind.
    for by_currency in out.values_mut() {
        by_currency.retain(|_, s| *s != Savings::default());
    }
    Ok(out)
}

/// Models reconciled in one transaction: few enough to hold writers back briefly, many
/// enough that commits (a flush each on PostgreSQL) and round trips do not dominate.
pub const MODELS_PER_TRANSACTION: usize = 100;

/// Reconciles one model at `now` and stores its position as the latest.
pub async fn reconcile_model(
    db: &sea_orm::DatabaseConnection,
    model: i64,
    now: DateTime<Utc>,
) -> Result<Position> {
    let mut done = reconcile_models(db, &[model], now).await?;
    Ok(done.remove(0))
}

/// Reconciles `models` at `now` in one transaction and stores their positions as the
/// latest, in the order given: a few statements for all of them (five more when some are
/// short of rights, to mark their unlicensed subscriptions).
pub async fn reconcile_models(
    db: &sea_orm::DatabaseConnection,
    models: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<Position>> {
    use license_position::Column as L;
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let txn = db.begin_write().await?;
    let mut bought: HashMap<i64, Vec<entitlement::Model>> = HashMap::new();
    for row in entitlement::Entity::find()
        .filter(entitlement::Column::SoftwareModelId.is_in(models.iter().copied()))
        .all(&txn)
        .await?
    {
        bought.entry(row.software_model_id).or_default().push(row);
    }
    let today = now.date_naive();
    let owned: HashMap<i64, i64> = models
        .iter()
        .map(|m| {
            let rows = bought.get(m).map_or(&[][..], Vec::as_slice);
            (*m, rights_owned(rows, today))
        })
        .collect();
    let used = marks::usage_and_beyond(&txn, models, &owned).await?;
    marks::apply_marks(&txn, models).await?;
    let money = savings_of(&txn, models, now.year()).await?;
    let none = BTreeMap::new();
    let mut positions = Vec::with_capacity(models.len());
    for &model in models {
        let usage = used.get(&model).copied().unwrap_or_default();
        let (owned, available, unlicensed, status, amounts) = figures(
            bought.get(&model).map_or(&[][..], Vec::as_slice),
            today,
            usage,
            money.get(&model).unwrap_or(&none),
        );
        positions.push(Position {
            id: 0,
            software_model_id: model,
            computed_at: now,
            is_latest: true,
            rights_owned: owned,
            rights_used: usage.holders,
            subscriptions_used: usage.subscriptions,
            rights_available: available,
            unlicensed,
            status,
            amounts,
        });
    }
    license_position::Entity::update_many()
        .col_expr(L::IsLatest, Expr::value(false))
        .filter(L::SoftwareModelId.is_in(models.iter().copied()))
        .filter(L::IsLatest.eq(true))
        .exec(&txn)
        .await?;
    // Each insert within PostgreSQL's one-write statement size (`rows_per_statement`).
    let backend = txn.get_database_backend();
    let per_statement = rows_per_statement(backend, 500, row_bytes(9, &["UNDER_LICENSED"]));
    for chunk in positions.chunks(per_statement) {
        license_position::Entity::insert_many(chunk.iter().map(|p| {
            license_position::ActiveModel {
                software_model_id: Set(p.software_model_id),
                computed_at: Set(now),
                is_latest: Set(true),
                rights_owned: Set(p.rights_owned),
                rights_used: Set(p.rights_used),
                rights_available: Set(p.rights_available),
                unlicensed: Set(p.unlicensed),
                compliance_status: Set(p.status),
                subscriptions_used: Set(p.subscriptions_used),
                ..Default::default()
            }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    // The ids just given: each model's one latest position.
    let ids: HashMap<i64, i64> = license_position::Entity::find()
        .filter(L::SoftwareModelId.is_in(models.iter().copied()))
        .filter(L::IsLatest.eq(true))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.software_model_id, p.id))
        .collect();
    let mut amounts = Vec::new();
    for p in &mut positions {
        p.id = ids[&p.software_model_id];
        amounts.extend(
            p.amounts
                .iter()
                .map(|a| license_position_amount::ActiveModel {
                    position_id: Set(p.id),
                    currency: Set(a.currency.clone()),
                    rights_owned: Set(a.rights_owned),
                    price_per_right_minor: Set(a.price_per_right),
                    annual_spend_minor: Set(a.annual_spend),
                    true_up_cost_minor: Set(a.true_up_cost),
                    over_licensed_minor: Set(a.over_licensed),
                    potential_savings_minor: Set(a.potential_savings),
                    actual_savings_minor: Set(a.actual_savings),
                    actual_savings_year_minor: Set(a.actual_savings_this_year),
                    ..Default::default()
                }),
        );
    }
    for chunk in amounts.chunks(rows_per_statement(backend, 500, row_bytes(10, &["USD"]))) {
        license_position_amount::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(positions)
}

/// A `RECONCILE` run: the models of the profile's vendor, or every model.
pub async fn reconcile_run(
    state: &AppState,
    profile_id: Option<i64>,
    sink: &dyn ProgressSink,
) -> std::result::Result<RunCounts, SyncError> {
    let mut select = software_model::Entity::find().order_by_asc(software_model::Column::Id);
    if let Some(id) = profile_id {
        let profile = crate::domain::profiles::get(&state.db, id).await?;
        select = select.filter(software_model::Column::Vendor.eq(profile.vendor));
    }
    let models: Vec<i64> = select.all(&state.db).await?.iter().map(|m| m.id).collect();
    let total = models.len() as i64;
    let mut counts = RunCounts::default();
    for chunk in models.chunks(MODELS_PER_TRANSACTION) {
        let done = reconcile_models(&state.db, chunk, state.clock.now()).await?;
        counts.fetched += done.len() as i64;
        counts.created += done.len() as i64;
        sink.report(&Progress {
            done: counts.fetched,
            total: Some(total),
            counts: counts.clone(),
        })
        .await;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::{EntitlementPeriod, EntitlementState};

    fn ent(
        rights: i64,
        unit: i64,
        currency: &str,
        period: EntitlementPeriod,
    ) -> entitlement::Model {
        entitlement::Model {
            id: 1,
            software_model_id: 1,
            name: "x".into(),
            purchased_rights: rights,
            unit_cost_minor: unit,
            currency: currency.into(),
            period_start: "2026-01-01".parse().unwrap(),
            period_end: "2026-12-31".parse().unwrap(),
            period_type: period,
            state: EntitlementState::Active,
            contract_reference: None,
            note: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn today() -> NaiveDate {
        "2026-06-01".parse().unwrap()
    }

    fn used(holders: i64) -> Usage {
        Usage {
            holders,
            subscriptions: holders,
        }
    }

    #[test]
    fn verdicts_follow_the_rights() {
        assert_eq!(status(0, 0), ComplianceStatus::NoEntitlement);
        assert_eq!(status(0, 3), ComplianceStatus::NoEntitlement);
        assert_eq!(status(10, 11), ComplianceStatus::UnderLicensed);
        assert_eq!(status(10, 10), ComplianceStatus::Compliant);
        assert_eq!(
            status(10, 9),
            ComplianceStatus::Compliant,
            "10% unused is fine"
        );
        assert_eq!(status(10, 8), ComplianceStatus::OverLicensed);
    }

    #[test]
    fn a_short_model_owes_a_true_up_at_its_average_price() {
        // 10 rights at 10.00 a month, 2 at 300.00 a year: 12 rights, 1,800.00 a year.
        let rows = [
            ent(10, 1_000, "USD", EntitlementPeriod::Monthly),
            ent(2, 30_000, "USD", EntitlementPeriod::Annual),
        ];
        let (owned, available, unlicensed, st, amounts) =
            figures(&rows, today(), used(15), &BTreeMap::new());
        assert_eq!((owned, available, unlicensed), (12, 0, 3));
        assert_eq!(st, ComplianceStatus::UnderLicensed);
        assert_eq!(amounts.len(), 1);
        let a = &amounts[0];
        assert_eq!(a.annual_spend, 180_000);
        assert_eq!(a.price_per_right, 15_000);
        assert_eq!(a.true_up_cost, 45_000);
        assert_eq!(a.over_licensed, 0);
    }

    #[test]
    fn two_currencies_are_never_summed_and_share_the_waste() {
        let rows = [
            ent(30, 12_000, "USD", EntitlementPeriod::Annual),
            ent(10, 1_000, "EUR", EntitlementPeriod::Monthly),
        ];
        let savings = BTreeMap::from([(
            "EUR".to_owned(),
            Savings {
                potential: 500,
                actual: 700,
                actual_this_year: 300,
            },
        )]);
        let (owned, available, _, st, amounts) = figures(&rows, today(), used(20), &savings);
        assert_eq!((owned, available), (40, 20));
        assert_eq!(st, ComplianceStatus::OverLicensed);
        let (eur, usd) = (&amounts[0], &amounts[1]);
        assert_eq!(
            (eur.currency.as_str(), usd.currency.as_str()),
            ("EUR", "USD")
        );
        // 20 unused: 5 of the EUR quarter, 15 of the USD rest.
        assert_eq!(eur.over_licensed, 5 * 12_000);
        assert_eq!(usd.over_licensed, 15 * 12_000);
        assert_eq!(
            (eur.potential_savings, eur.actual_savings_this_year),
            (500, 300)
        );
        assert_eq!(usd.potential_savings, 0);
    }

    #[test]
    fn drafts_and_expired_rights_do_not_count() {
        let draft = entitlement::Model {
            state: EntitlementState::Draft,
            ..ent(5, 100, "USD", EntitlementPeriod::Annual)
        };
        let expired = entitlement::Model {
            period_end: "2026-05-31".parse().unwrap(),
            ..ent(5, 100, "USD", EntitlementPeriod::Annual)
        };
        let (owned, _, unlicensed, st, amounts) =
            figures(&[draft, expired], today(), used(2), &BTreeMap::new());
        assert_eq!((owned, unlicensed), (0, 2));
        assert_eq!(st, ComplianceStatus::NoEntitlement);
        assert!(amounts.is_empty());
    }
}
