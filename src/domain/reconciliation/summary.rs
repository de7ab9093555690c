//! The licence summary a dashboard opens on: spend, assigned and idle seats, % unused,
//! true-up, potential and realised savings, and how long ago seats were last used, in total,
//! by profile and by software model.
//!
//! It reads aggregates kept at write time (migration 27), never the subscriptions or
//! candidates themselves: seats by day of last activity (`activity_rollup`, rewritten for a
//! profile by [`refresh_seats`] whenever a run or a restore changed its seats), candidates
//! and savings (`candidate_rollup`, kept by triggers on every candidate write), and each
//! model's latest position for what is owned and what it costs.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Utc};
use entity::enums::{ComplianceStatus, Vendor};
use entity::{integration_profile, license_position, license_position_amount, software_model};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
};

use crate::db::BeginWrite;
use crate::error::Result;

/// Open seats by how long ago they were last used, in whole days before the summary's
/// date (UTC): `[0, 30)`, `[30, 60)`, `[60, 90)`, 90 or more, and never.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Buckets {
    pub days_0_30: i64,
    pub days_30_60: i64,
    pub days_60_90: i64,
    pub days_90_plus: i64,
    pub never: i64,
}

impl Buckets {
    fn plus(&mut self, o: &Buckets) {
        self.days_0_30 += o.days_0_30;
        self.days_30_60 += o.days_30_60;
        self.days_60_90 += o.days_60_90;
        self.days_90_plus += o.days_90_plus;
        self.never += o.never;
    }

    pub fn total(&self) -> i64 {
        self.days_0_30 + self.days_30_60 + self.days_60_90 + self.days_90_plus + self.never
    }
}

/// Money of a slice in one currency, in minor units. Spend, true-up and over-licensed are
/// per year and come from the models' latest positions; savings are per month (a seat's
/// monthly price), potential for the open candidates, actual for the reclaimed ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Money {
    pub currency: String,
    pub annual_spend: i64,
    pub true_up_cost: i64,
    pub over_licensed: i64,
    pub potential_savings: i64,
    pub actual_savings: i64,
    pub actual_savings_this_year: i64,
}

/// One slice of the summary: everything, a profile or a model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Slice {
    /// Open seats.
    pub assigned: i64,
    /// Open removal candidates: seats a rule judged idle on evidence.
    pub idle: i64,
    pub last_activity: Buckets,
    /// By currency, in currency order; never summed across currencies.
    pub money: Vec<Money>,
}

impl Slice {
    /// Idle ÷ assigned, in percent (0 with nothing assigned).
    pub fn percent_unused(&self) -> f64 {
        if self.assigned == 0 {
            0.0
        } else {
            (self.idle as f64 * 1000.0 / self.assigned as f64).round() / 10.0
        }
    }
}

/// A model's slice with its latest verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSlice {
    pub software_model_id: i64,
    pub status: Option<ComplianceStatus>,
    pub rights_owned: i64,
    pub unlicensed: i64,
    pub slice: Slice,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub as_of: DateTime<Utc>,
    pub total: Slice,
    pub by_profile: Vec<(i64, Slice)>,
    pub by_model: Vec<ModelSlice>,
}

fn day_of(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "to_char(last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        _ => "substr(last_activity_at, 1, 10)",
    }
}

/// The last days of the 30-, 60- and 90-day buckets before `today`: a seat last used on
/// a day after the first is in `[0, 30)`, and so on.
fn cutoffs(today: chrono::NaiveDate) -> [String; 3] {
    [30, 60, 90].map(|d| {
        (today - chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    })
}

/// Rewrites the profile's seats by day of last activity from its open subscriptions. Runs
/// that change seats call it before they report their end, so a summary read after a run's
/// last update counts what the run wrote. Days 90 or more before `today` are one row (the
/// 90th day's): those seats stay in the oldest bucket however long the rollup stands, so a
/// model has at most about 92 rows whatever the size of the tenant.
pub async fn refresh_seats(
    db: &sea_orm::DatabaseConnection,
    profile_id: i64,
    today: chrono::NaiveDate,
) -> Result<()> {
    let backend = db.get_database_backend();
    let p = |i| match backend {
        DbBackend::Postgres => format!("${i}"),
        // Numbered: the 90th day appears twice.
        _ => format!("?{i}"),
    };
    let [_, _, old] = cutoffs(today);
    let txn = db.begin_write().await?;
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("DELETE FROM activity_rollup WHERE profile_id = {}", p(1)),
        [profile_id.into()],
    ))
    .await?;
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO activity_rollup (profile_id, software_model_id, last_active_on, seats) \
             SELECT profile_id, software_model_id, \
             CASE WHEN {day} <= {old} THEN {old} ELSE {day} END, COUNT(*) \
             FROM software_subscription WHERE profile_id = {id} AND closed_at IS NULL \
             GROUP BY 1, 2, 3",
            id = p(1),
            old = p(2),
            day = day_of(backend)
        ),
        [profile_id.into(), old.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Which part of the estate a summary covers.
#[derive(Debug, Default, Clone, Copy)]
pub struct SummaryFilter {
    pub vendor: Option<Vendor>,
}

#[derive(Default)]
struct Acc {
    assigned: i64,
    idle: i64,
    buckets: Buckets,
    money: BTreeMap<String, Money>,
}

impl Acc {
    fn add(&mut self, b: &Buckets) {
        self.assigned += b.total();
        self.buckets.plus(b);
    }

    fn money(&mut self, currency: &str) -> &mut Money {
        self.money
            .entry(currency.to_owned())
            .or_insert_with(|| Money {
                currency: currency.to_owned(),
                ..Money::default()
            })
    }

    fn slice(self) -> Slice {
        Slice {
            assigned: self.assigned,
            idle: self.idle,
            last_activity: self.buckets,
            money: self.money.into_values().collect(),
        }
    }
}

/// The summary at `now`, from the rollups and the latest positions.
pub async fn summary(
    db: &sea_orm::DatabaseConnection,
    filter: SummaryFilter,
    now: DateTime<Utc>,
) -> Result<Summary> {
    let mut profiles = integration_profile::Entity::find()
        .select_only()
        .column(integration_profile::Column::Id);
    let mut models = software_model::Entity::find()
        .select_only()
        .column(software_model::Column::Id);
    if let Some(vendor) = filter.vendor {
        profiles = profiles.filter(integration_profile::Column::Vendor.eq(vendor));
        models = models.filter(software_model::Column::Vendor.eq(vendor));
    }
    let profiles: Vec<i64> = profiles.into_tuple().all(db).await?;
    let models: Vec<i64> = models.into_tuple().all(db).await?;

    let mut by_profile: BTreeMap<i64, Acc> =
        profiles.iter().map(|p| (*p, Acc::default())).collect();
    let mut by_model: BTreeMap<i64, Acc> = models.iter().map(|m| (*m, Acc::default())).collect();
    let mut total = Acc::default();

    // Seats by day of last activity, summed into buckets by the database (a day is a
    // 'YYYY-MM-DD' string, so days compare as text).
    let backend = db.get_database_backend();
    let [c30, c60, c90] = cutoffs(now.date_naive());
    let p = |i| match backend {
        DbBackend::Postgres => format!("${i}"),
        _ => "?".to_owned(),
    };
    let sum = |cond: String| format!("CAST(SUM(CASE WHEN {cond} THEN seats ELSE 0 END) AS BIGINT)");
    let sql = format!(
        "SELECT profile_id, software_model_id, {} AS d0, {} AS d30, {} AS d60, {} AS d90, {} AS never \
         FROM activity_rollup GROUP BY profile_id, software_model_id",
        sum(format!("last_active_on > {}", p(1))),
        sum(format!(
            "last_active_on <= {} AND last_active_on > {}",
            p(2),
            p(3)
        )),
        sum(format!(
            "last_active_on <= {} AND last_active_on > {}",
            p(4),
            p(5)
        )),
        sum(format!("last_active_on <= {}", p(6))),
        sum("last_active_on IS NULL".to_owned()),
    );
    let values: Vec<sea_orm::Value> = [&c30, &c30, &c60, &c60, &c90, &c90]
        .into_iter()
        .map(|c| c.clone().into())
        .collect();
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    for r in rows {
        let profile: i64 = r.try_get("", "profile_id")?;
        let Some(acc) = by_profile.get_mut(&profile) else {
            continue;
        };
        let model: Option<i64> = r.try_get("", "software_model_id")?;
        let b = Buckets {
            days_0_30: r.try_get("", "d0")?,
            days_30_60: r.try_get("", "d30")?,
            days_60_90: r.try_get("", "d60")?,
            days_90_plus: r.try_get("", "d90")?,
            never: r.try_get("", "never")?,
        };
        acc.add(&b);
        total.add(&b);
        if let Some(m) = by_model.get_mut(&model.unwrap_or(0)) {
            m.add(&b);
        }
    }

    // Candidates and savings. Savings of a deleted profile or model (key 0) still count in
    // the total when no vendor is asked for.
    let year = now.year();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT profile_key, model_key, currency, reclaim_year, candidates, savings_minor \
             FROM candidate_rollup WHERE candidates <> 0",
        ))
        .await?;
    for r in rows {
        let profile: i64 = r.try_get("", "profile_key")?;
        let model: i64 = r.try_get("", "model_key")?;
        let currency: String = r.try_get("", "currency")?;
        let reclaim_year: i32 = r.try_get("", "reclaim_year")?;
        let candidates: i64 = r.try_get("", "candidates")?;
        let amount: i64 = r.try_get("", "savings_minor")?;
        // A deleted profile's savings count with their model's vendor, or in the total.
        let counted = by_profile.contains_key(&profile)
            || (profile == 0 && (filter.vendor.is_none() || by_model.contains_key(&model)));
        if !counted {
            continue;
        }
        let mut accs: Vec<&mut Acc> = vec![&mut total];
        let (p, m) = (by_profile.get_mut(&profile), by_model.get_mut(&model));
        accs.extend(p);
        accs.extend(m);
        for acc in accs {
            if reclaim_year == 0 {
                acc.idle += candidates;
                if !currency.is_empty() {
                    acc.money(&currency).potential_savings += amount;
                }
            } else if !currency.is_empty() {
                let money = acc.money(&currency);
                money.actual_savings += amount;
                if reclaim_year == year {
                    money.actual_savings_this_year += amount;
                }
            }
        }
    }

    // What is owned and what it costs: each model's latest position.
    let latest = license_position::Entity::find()
        .filter(license_position::Column::IsLatest.eq(true))
        .all(db)
        .await?;
    let mut verdicts: HashMap<i64, (ComplianceStatus, i64, i64)> = HashMap::new();
    let position_model: HashMap<i64, i64> = latest
        .iter()
        .filter(|p| by_model.contains_key(&p.software_model_id))
        .map(|p| {
            verdicts.insert(
                p.software_model_id,
                (p.compliance_status, p.rights_owned, p.unlicensed),
            );
            (p.id, p.software_model_id)
        })
        .collect();
    let amounts = license_position_amount::Entity::find()
        .filter(license_position_amount::Column::PositionId.is_in(position_model.keys().copied()))
        .all(db)
        .await?;
    for a in amounts {
        // An amount with savings only: the rollup gives those, current.
        if a.annual_spend_minor == 0 && a.true_up_cost_minor == 0 && a.over_licensed_minor == 0 {
            continue;
        }
        let model = position_model[&a.position_id];
        for acc in [Some(&mut total), by_model.get_mut(&model)]
            .into_iter()
            .flatten()
        {
            let money = acc.money(&a.currency);
            money.annual_spend += a.annual_spend_minor;
            money.true_up_cost += a.true_up_cost_minor;
            money.over_licensed += a.over_licensed_minor;
        }
    }

    Ok(Summary {
        as_of: now,
        total: total.slice(),
        by_profile: by_profile
            .into_iter()
            .map(|(id, acc)| (id, acc.slice()))
            .collect(),
        by_model: by_model
            .into_iter()
            .map(|(id, acc)| {
                let verdict = verdicts.get(&id).copied();
                ModelSlice {
                    software_model_id: id,
                    status: verdict.map(|v| v.0),
                    rights_owned: verdict.map_or(0, |v| v.1),
                    unlicensed: verdict.map_or(0, |v| v.2),
                    slice: acc.slice(),
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_used_29_days_ago_is_recent_and_30_days_ago_is_not() {
        let today: chrono::NaiveDate = "2026-03-31".parse().unwrap();
        let [c30, c60, c90] = cutoffs(today);
        assert_eq!(
            (c30.as_str(), c60.as_str(), c90.as_str()),
            ("2026-03-01", "2026-01-30", "2025-12-31")
        );
        // 29 days before is after the cutoff (recent); 30 days before is the cutoff itself.
        assert!("2026-03-02" > c30.as_str());
        assert!("2026-03-01" <= c30.as_str());
    }

    #[test]
    fn percent_unused_is_idle_over_assigned() {
        let s = Slice {
            assigned: 3,
            idle: 1,
            ..Slice::default()
        };
        assert_eq!(s.percent_unused(), 33.3);
        assert_eq!(Slice::default().percent_unused(), 0.0);
    }
}
