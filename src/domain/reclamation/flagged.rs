//! Writing what an evaluation flagged: the new candidates with their evidence, in as few
//! statements as the database allows, and each one's first move.
//!
//! A first evaluation of a big tenant flags tens of thousands of seats. Built as active
//! models, each row went through a JSON value, a clone and 25 bound values (a third of
//! the evaluation's time went into building the statements). Here SQLite gets one
//! multi-row statement per 2,000 rows with 15 plain parameters a row, PostgreSQL one JSON
//! document that `jsonb_to_recordset` unpacks in one statement (large statements cost a
//! delayed ACK each there; see `sync::rows_per_statement`).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde::Serialize;

use super::Actor;
use super::evidence::Facts;
use crate::error::{AppError, Result};

/// One new candidate as evaluation flagged it.
#[derive(Debug, Serialize)]
pub(super) struct Flagged<'a> {
    #[serde(rename = "s")]
    pub subscription_id: i64,
    #[serde(rename = "m")]
    pub software_model_id: Option<i64>,
    #[serde(rename = "u")]
    pub email: &'a str,
    #[serde(rename = "st")]
    pub state: &'static str,
    #[serde(rename = "l")]
    pub last_activity_at: Option<DateTime<Utc>>,
    #[serde(rename = "i")]
    pub idle_since: DateTime<Utc>,
    #[serde(rename = "a")]
    pub attention: Option<&'static str>,
    #[serde(rename = "e")]
    pub facts: &'a Facts,
}

/// The columns written, in order; `profile_id`, `opened_at` and `updated_at` are shared.
const COLUMNS: &str = "subscription_id, software_model_id, rule_id, user_principal_name, state, \
     last_activity_at, threshold_days, evidence, potential_savings_minor, currency, \
     attention_reason, idle_since, profile_id, opened_at, updated_at";

/// Values bound per row on SQLite, and their places. The shared ones are bound again for
/// each row: sqlx looks a numbered parameter (`?NNN`) up by name, and SQLite finds a name
/// by a linear search, which made a 2,000-row statement take seconds.
const PER_ROW: usize = 15;
const ROW: &str = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/// Rows per statement on SQLite: under its 32,766 parameters.
const SQLITE_ROWS: usize = 2_000;

/// Inserts `rows` as open candidates of `profile_id` opened at `now`.
pub(super) async fn insert(
    txn: &impl ConnectionTrait,
    profile_id: i64,
    now: DateTime<Utc>,
    rows: &[Flagged<'_>],
) -> Result<()> {
    match txn.get_database_backend() {
        DbBackend::Postgres => insert_postgres(txn, profile_id, now, rows).await,
        _ => {
            for chunk in rows.chunks(SQLITE_ROWS) {
                insert_sqlite(txn, profile_id, now, chunk).await?;
            }
            Ok(())
        }
    }
}

async fn insert_sqlite(
    txn: &impl ConnectionTrait,
    profile_id: i64,
    now: DateTime<Utc>,
    rows: &[Flagged<'_>],
) -> Result<()> {
    let mut sql = String::with_capacity(64 + rows.len() * PER_ROW * 7);
    sql.push_str("INSERT INTO removal_candidate (");
    sql.push_str(COLUMNS);
    sql.push_str(") VALUES ");
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * PER_ROW);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(ROW);
        let e = row.facts;
        let facts = serde_json::to_string(e).map_err(AppError::internal)?;
        values.extend([
            row.subscription_id.into(),
            row.software_model_id.into(),
            e.rule_id.into(),
            row.email.into(),
            row.state.into(),
            row.last_activity_at.into(),
            e.threshold_days.into(),
            facts.into(),
            e.monthly_price_minor.into(),
            e.currency.as_str().into(),
            row.attention.into(),
            row.idle_since.into(),
            profile_id.into(),
            now.into(),
            now.into(),
        ]);
    }
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        values,
    ))
    .await?;
    Ok(())
}

/// The same row as PostgreSQL unpacks it from the document.
#[derive(Serialize)]
struct PgRow<'a> {
    #[serde(flatten)]
    row: &'a Flagged<'a>,
    r: Option<i64>,
    t: i32,
    p: i64,
    c: &'a str,
}

async fn insert_postgres(
    txn: &impl ConnectionTrait,
    profile_id: i64,
    now: DateTime<Utc>,
    rows: &[Flagged<'_>],
) -> Result<()> {
    let doc: Vec<PgRow<'_>> = rows
        .iter()
        .map(|row| PgRow {
            row,
            r: row.facts.rule_id,
            t: row.facts.threshold_days,
            p: row.facts.monthly_price_minor,
            c: &row.facts.currency,
        })
        .collect();
    let doc = serde_json::to_string(&doc).map_err(AppError::internal)?;
    let sql = format!(
        "INSERT INTO removal_candidate ({COLUMNS}) \
         SELECT s, m, r, u, st, l, t, e, p, c, a, i, $1, $2, $2 \
         FROM jsonb_to_recordset(CAST($3 AS jsonb)) AS x(s BIGINT, m BIGINT, r BIGINT, \
         u VARCHAR, st VARCHAR, l TIMESTAMPTZ, t INTEGER, e JSONB, p BIGINT, c VARCHAR, \
         a TEXT, i TIMESTAMPTZ)"
    );
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        vec![profile_id.into(), now.into(), doc.into()],
    ))
    .await?;
    Ok(())
}

/// The first move of every candidate this evaluation flagged, in one statement.
pub(super) async fn history(
    txn: &impl ConnectionTrait,
    profile_id: i64,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<()> {
    let backend = txn.get_database_backend();
    let p = |i: usize| match backend {
        DbBackend::Postgres => format!("${i}"),
        _ => "?".to_owned(),
    };
    let sql = format!(
        "INSERT INTO removal_candidate_event (candidate_id, from_state, to_state, actor, reason, run_id, at) \
         SELECT id, NULL, state, {}, {}, {}, opened_at FROM removal_candidate \
         WHERE profile_id = {} AND opened_at = {} AND closed_at IS NULL",
        p(1),
        p(2),
        p(3),
        p(4),
        p(5)
    );
    let values: Vec<Value> = vec![
        actor.name().into(),
        "no qualifying activity within the rule's threshold".into(),
        actor.run_id().into(),
        profile_id.into(),
        now.into(),
    ];
    txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}
