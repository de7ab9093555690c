//! Open seats by how long ago they were last used, as the licence summary reads them:
//! seats per profile, software model and day of last activity (`activity_rollup`), and
//! their five buckets as of the day they were counted (`activity_bucket`, migration 33),
//! both rewritten for a profile by [`refresh_seats`] whenever its seats change. Buckets
//! move with the calendar, so stored ones count only on their day; [`stale_buckets`] sums
//! the days again for a profile with no run since.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::db::BeginWrite;
use crate::error::Result;

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

/// A statement's values, with the placeholder of each as it is pushed.
pub(super) struct Params {
    backend: DbBackend,
    values: Vec<sea_orm::Value>,
}

impl Params {
    pub(super) fn new(backend: DbBackend) -> Self {
        Params {
            backend,
            values: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, v: impl Into<sea_orm::Value>) -> String {
        self.values.push(v.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    pub(super) fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// The five bucket sums of `activity_rollup` rows at `today`, as `SELECT` columns `n1` to
/// `n5`: seats
/// used in `[0, 30)`, `[30, 60)`, `[60, 90)` days, 90 or more, and never (a day is a
/// 'YYYY-MM-DD' string, so days compare as text).
fn bucket_sums(p: &mut Params, today: chrono::NaiveDate) -> String {
    let [c30, c60, c90] = cutoffs(today);
    let sum = |cond: String| format!("CAST(SUM(CASE WHEN {cond} THEN seats ELSE 0 END) AS BIGINT)");
    [
        sum(format!("last_active_on > {}", p.push(c30.clone()))),
        sum(format!(
            "last_active_on <= {} AND last_active_on > {}",
            p.push(c30),
            p.push(c60.clone())
        )),
        sum(format!(
            "last_active_on <= {} AND last_active_on > {}",
            p.push(c60),
            p.push(c90.clone())
        )),
        sum(format!("last_active_on <= {}", p.push(c90))),
        sum("last_active_on IS NULL".to_owned()),
    ]
    .iter()
    .enumerate()
    .map(|(i, sum)| format!("{sum} AS n{}", i + 1))
    .collect::<Vec<_>>()
    .join(", ")
}

/// Rewrites the profile's seats by day of last activity from its open subscriptions, and
/// their buckets as of `today`. Runs that change seats call it before they report their
/// end, so a summary read after a run's last update counts what the run wrote. Days 90 or
/// more before `today` are one row (the 90th day's): those seats stay in the oldest bucket
/// however long the rollup stands, so a model has at most about 92 rows whatever the size
/// of the tenant.
pub async fn refresh_seats(
    db: &sea_orm::DatabaseConnection,
    profile_id: i64,
    today: chrono::NaiveDate,
) -> Result<()> {
    let backend = db.get_database_backend();
    let [_, _, old] = cutoffs(today);
    let txn = db.begin_write().await?;
    for table in ["activity_rollup", "activity_bucket"] {
        let mut p = Params::new(backend);
        let sql = format!(
            "DELETE FROM {table} WHERE profile_id = {}",
            p.push(profile_id)
        );
        txn.execute_raw(p.statement(sql)).await?;
    }
    let mut p = Params::new(backend);
    let sql = format!(
        "INSERT INTO activity_rollup (profile_id, software_model_id, last_active_on, seats) \
         SELECT profile_id, software_model_id, \
         CASE WHEN {day} <= {old} THEN {old2} ELSE {day} END, COUNT(*) \
         FROM software_subscription WHERE profile_id = {id} AND closed_at IS NULL \
         GROUP BY 1, 2, 3",
        old = p.push(old.clone()),
        old2 = p.push(old),
        id = p.push(profile_id),
        day = day_of(backend)
    );
    txn.execute_raw(p.statement(sql)).await?;
    // The buckets, and a row of zeros for a profile with no seats (its buckets are known).
    let mut p = Params::new(backend);
    let sql = format!(
        "INSERT INTO activity_bucket (profile_id, software_model_id, as_of, days_0_30, \
         days_30_60, days_60_90, days_90_plus, never) \
         SELECT profile_id, software_model_id, {as_of}, {sums} FROM activity_rollup \
         WHERE profile_id = {id} GROUP BY profile_id, software_model_id",
        as_of = p.push(today.format("%Y-%m-%d").to_string()),
        sums = bucket_sums(&mut p, today),
        id = p.push(profile_id),
    );
    let written = txn.execute_raw(p.statement(sql)).await?;
    if written.rows_affected() == 0 {
        let mut p = Params::new(backend);
        let sql = format!(
            "INSERT INTO activity_bucket (profile_id, software_model_id, as_of, days_0_30, \
             days_30_60, days_60_90, days_90_plus, never) VALUES ({}, NULL, {}, 0, 0, 0, 0, 0)",
            p.push(profile_id),
            p.push(today.format("%Y-%m-%d").to_string()),
        );
        txn.execute_raw(p.statement(sql)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Buckets summed from the day rows at `today`, for profiles whose stored buckets are from
/// an earlier day (no run has changed their seats today), as `B` rows of that day.
pub(super) fn stale_buckets(
    backend: DbBackend,
    profiles: &[i64],
    today: chrono::NaiveDate,
) -> Statement {
    let mut p = Params::new(backend);
    let as_of = p.push(today.format("%Y-%m-%d").to_string());
    let sums = bucket_sums(&mut p, today);
    let ids: Vec<String> = profiles.iter().map(|id| p.push(*id)).collect();
    p.statement(format!(
        "SELECT 'B' AS kind, profile_id AS k1, software_model_id AS k2, {as_of} AS t1, \
         CAST(NULL AS TEXT) AS t2, {sums} FROM activity_rollup WHERE profile_id IN ({}) \
         GROUP BY profile_id, software_model_id",
        ids.join(", ")
    ))
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
}
