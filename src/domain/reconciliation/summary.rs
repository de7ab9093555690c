//! The licence summary a dashboard opens on: spend, assigned and idle seats, % unused,
//! true-up, potential and realised savings, and how long ago seats were last used, in total,
//! by profile and by software model.
//!
//! It reads aggregates kept at write time (migrations 27 and 33), never the subscriptions or
//! candidates themselves: seats by last-activity bucket as of the day they were counted
//! (`activity_bucket`, with seats by day in `activity_rollup` for a profile whose buckets
//! are from an earlier day; both rewritten for a profile by [`super::refresh_seats`] whenever a
//! run or a restore changed its seats), candidates and savings (`candidate_rollup`, kept by
//! triggers on every candidate write), and each model's latest position for what is owned
//! and what it costs.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Utc};
use entity::enums::{ComplianceStatus, Vendor};
use sea_orm::{ActiveEnum, ConnectionTrait, DbBackend, Statement};

use super::seat_buckets::{Params, stale_buckets};
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

/// The one statement a summary reads, and its values. Every row has the same columns
/// (`kind`, two keys, two texts, five numbers) and `kind` says what it is:
///
/// - `P` / `M`: a profile / software model in the summary (`k1`), so that one with no seats
///   still has its slice;
/// - `B`: buckets of profile `k1` and model `k2` as of day `t1` (`n1`..`n5`, as
///   `bucket_sums` in `seat_buckets`), written by [`super::refresh_seats`];
/// - `C`: a candidate rollup row: profile `k1`, model `k2`, currency `t1`, reclaim year
///   `n1` (0: open), candidates `n2`, savings `n3`;
/// - `L`: a model's latest position (`k1`), its status `t2`, rights owned `n1` and
///   unlicensed `n2`, with one of its amounts: currency `t1`, annual spend `n3`, true-up
///   `n4`, over-licensed `n5` (no currency: a position with no amount).
///
/// One statement, because each is a round trip: to the connection's own thread on SQLite,
/// over the network on PostgreSQL. Six of them cost a loaded server more than the rest of
/// the request.
fn statement(backend: DbBackend, filter: SummaryFilter) -> Statement {
    let mut p = Params::new(backend);
    let (int, text) = ("CAST(NULL AS BIGINT)", "CAST(NULL AS TEXT)");
    let mut ids = |kind: &str, table: &str| {
        let vendor = filter
            .vendor
            .map(|v| format!(" WHERE vendor = {}", p.push(v.to_value())))
            .unwrap_or_default();
        format!(
            "SELECT '{kind}' AS kind, id AS k1, {int} AS k2, {text} AS t1, {text} AS t2, \
             {int} AS n1, {int} AS n2, {int} AS n3, {int} AS n4, {int} AS n5 FROM {table}{vendor}"
        )
    };
    let profiles = ids("P", "integration_profile");
    let models = ids("M", "software_model");
    let buckets = format!(
        "SELECT 'B', profile_id, software_model_id, as_of, {text}, days_0_30, days_30_60, \
         days_60_90, days_90_plus, never FROM activity_bucket"
    );
    let candidates = format!(
        "SELECT 'C', profile_key, model_key, currency, {text}, \
         CAST(reclaim_year AS BIGINT), CAST(candidates AS BIGINT), CAST(savings_minor AS BIGINT), {int}, {int} \
         FROM candidate_rollup WHERE candidates <> 0"
    );
    let positions = format!(
        "SELECT 'L', l.software_model_id, {int}, a.currency, l.compliance_status, \
         l.rights_owned, l.unlicensed, a.annual_spend_minor, a.true_up_cost_minor, a.over_licensed_minor \
         FROM license_position l LEFT JOIN license_position_amount a ON a.position_id = l.id \
         WHERE l.is_latest = TRUE"
    );
    p.statement([profiles, models, buckets, candidates, positions].join(" UNION ALL "))
}

/// The summary at `now`, from the rollups and the latest positions.
pub async fn summary(
    db: &sea_orm::DatabaseConnection,
    filter: SummaryFilter,
    now: DateTime<Utc>,
) -> Result<Summary> {
    let backend = db.get_database_backend();
    let mut rows = db.query_all_raw(statement(backend, filter)).await?;
    let today = now.date_naive();
    let day = today.format("%Y-%m-%d").to_string();
    let mut by_profile: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut by_model: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut current = std::collections::HashSet::new();
    for r in &rows {
        match r.try_get::<String>("", "kind")?.as_str() {
            "P" => {
                by_profile.insert(r.try_get("", "k1")?, Acc::default());
            }
            "M" => {
                by_model.insert(r.try_get("", "k1")?, Acc::default());
            }
            "B" if r.try_get::<String>("", "t1")? == day => {
                current.insert(r.try_get::<i64>("", "k1")?);
            }
            _ => {}
        }
    }
    // Profiles whose seats no run changed today: their buckets from the day rows.
    let stale: Vec<i64> = by_profile
        .keys()
        .filter(|p| !current.contains(*p))
        .copied()
        .collect();
    if !stale.is_empty() {
        rows.extend(
            db.query_all_raw(stale_buckets(backend, &stale, today))
                .await?,
        );
    }
    let mut total = Acc::default();
    let mut verdicts: HashMap<i64, (ComplianceStatus, i64, i64)> = HashMap::new();
    let year = i64::from(now.year());
    for r in &rows {
        let kind: String = r.try_get("", "kind")?;
        let k1: i64 = r.try_get("", "k1")?;
        let n = |i: usize| -> Result<i64> {
            Ok(r.try_get::<Option<i64>>("", &format!("n{i}"))?.unwrap_or(0))
        };
        match kind.as_str() {
            "B" => {
                let Some(acc) = by_profile.get_mut(&k1) else {
                    continue;
                };
                if r.try_get::<String>("", "t1")? != day {
                    continue; // summed again from the day rows
                }
                let model: Option<i64> = r.try_get("", "k2")?;
                let b = Buckets {
                    days_0_30: n(1)?,
                    days_30_60: n(2)?,
                    days_60_90: n(3)?,
                    days_90_plus: n(4)?,
                    never: n(5)?,
                };
                acc.add(&b);
                total.add(&b);
                if let Some(m) = by_model.get_mut(&model.unwrap_or(0)) {
                    m.add(&b);
                }
            }
            // Candidates and savings. Savings of a deleted profile or model (key 0) still
            // count in the total when no vendor is asked for, and with their model's vendor.
            "C" => {
                let (profile, model): (i64, i64) = (k1, r.try_get("", "k2")?);
                let currency: String = r.try_get("", "t1")?;
                let (reclaim_year, candidates, amount) = (n(1)?, n(2)?, n(3)?);
                let counted = by_profile.contains_key(&profile)
                    || (profile == 0 && (filter.vendor.is_none() || by_model.contains_key(&model)));
                if !counted {
                    continue;
                }
                let mut accs: Vec<&mut Acc> = vec![&mut total];
                accs.extend(by_profile.get_mut(&profile));
                accs.extend(by_model.get_mut(&model));
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
            "L" => {
                let Some(acc) = by_model.get_mut(&k1) else {
                    continue;
                };
                let status: ComplianceStatus = r.try_get("", "t2")?;
                verdicts.insert(k1, (status, n(1)?, n(2)?));
                let (spend, true_up, over) = (n(3)?, n(4)?, n(5)?);
                // An amount with savings only: the rollup gives those, current.
                let Some(currency) = r.try_get::<Option<String>>("", "t1")? else {
                    continue;
                };
                if spend == 0 && true_up == 0 && over == 0 {
                    continue;
                }
                for acc in [acc, &mut total] {
                    let money = acc.money(&currency);
                    money.annual_spend += spend;
                    money.true_up_cost += true_up;
                    money.over_licensed += over;
                }
            }
            _ => {}
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
