//! Storing activity events, the hot path of a first pull (a million rows for a big
//! tenant): plain multi-row statements of a few fixed sizes (each prepared once per
//! connection), no query builder.

use std::collections::HashMap;

use sea_orm::sqlx;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::SyncError;
use super::pg_copy::{copy_rows, execute, hold_profile, sqlx_error};

/// One event as held before it is stored: its user and source by number (see [`Names`]).
/// The stored row is its own key: (user, kind, time).
pub(super) struct Event {
    pub user: u32,
    pub source: u32,
    pub kind: i16,
    pub at_ms: i64,
    pub external_ref: Option<Box<str>>,
}

/// What the numbers of an [`Event`] stand for.
pub(super) struct Names<'a> {
    /// `vendor_user` ids.
    pub user_ids: &'a [i64],
    pub sources: &'a [Box<str>],
}

/// Inserts the events not already stored; returns how many were new. `rows` are in key
/// order, so neighbouring rows land on the same index pages.
pub(super) async fn store_events(
    db: &impl ConnectionTrait,
    rows: &[Event],
    names: &Names<'_>,
) -> Result<u64, SyncError> {
    let backend = db.get_database_backend();
    let longest_source = names.sources.iter().map(|s| s.len()).max().unwrap_or(0);
    let widest = rows
        .iter()
        .map(|r| r.external_ref.as_deref().map_or(0, str::len))
        .max()
        .map_or(1, |longest_ref| {
            super::row_bytes(5, &[]) + longest_source + longest_ref
        });
    let per_statement = super::rows_per_statement(backend, CHUNK, widest);
    let mut statements: HashMap<usize, String> = HashMap::new();
    let mut rest = rows;
    let mut build = |size: usize| {
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        let sql = statements
            .entry(size)
            .or_insert_with(|| insert_events_sql(backend, size));
        let mut values: Vec<Value> = Vec::with_capacity(size * 5);
        for r in chunk {
            values.push(names.user_ids[r.user as usize].into());
            values.push(r.kind.into());
            values.push(r.at_ms.into());
            values.push(names.sources[r.source as usize].as_ref().into());
            values.push(r.external_ref.as_deref().map(str::to_owned).into());
        }
        Statement::from_sql_and_values(backend, sql.as_str(), values)
    };
    let mut sizes = super::statement_sizes(rows.len(), per_statement);
    let mut inserted = 0;
    let mut next = sizes.next().map(&mut build);
    while let Some(statement) = next.take() {
        // The next statement is built while the database runs this one.
        let (result, following) = tokio::join!(db.execute_raw(statement), async {
            sizes.next().map(&mut build)
        });
        inserted += result?.rows_affected();
        next = following;
    }
    Ok(inserted)
}

/// Events per insert statement at most (the rest in power-of-two pieces: a few statement
/// shapes); fewer on PostgreSQL, see `rows_per_statement`.
const CHUNK: usize = 512;

/// `INSERT … VALUES (…), … ON CONFLICT DO NOTHING` for `rows` events.
fn insert_events_sql(backend: DbBackend, rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO activity_event (vendor_user_id, kind, occurred_at_ms, source, external_ref) VALUES ",
    );
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        match backend {
            DbBackend::Postgres => {
                let n = row * 5;
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                ));
            }
            _ => sql.push_str("(?, ?, ?, ?, ?)"),
        }
    }
    sql.push_str(" ON CONFLICT DO NOTHING");
    sql
}

/// PostgreSQL: a run's events staged by `COPY` into a temporary table on a connection
/// the run holds, and inserted from there in one sorted statement at the end: every
/// insert pass dirties pages all over the key index (each written whole to the WAL after
/// a checkpoint), and one pass writes each page once, however many flushes the run made.
/// The staging table goes with the connection's session.
pub(super) struct Stage {
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
    staged: u64,
}

impl Stage {
    pub async fn open(pool: &sqlx::PgPool) -> Result<Stage, SyncError> {
        let mut conn = pool.acquire().await.map_err(sqlx_error)?;
        // A run that stopped half-way may have left its table on this pooled connection.
        execute(&mut conn, "DROP TABLE IF EXISTS pg_temp.activity_stage").await?;
        execute(
            &mut conn,
            "CREATE TEMPORARY TABLE activity_stage (vendor_user_id BIGINT, kind SMALLINT, \
             occurred_at_ms BIGINT, source TEXT, external_ref TEXT)",
        )
        .await?;
        Ok(Stage { conn, staged: 0 })
    }

    /// Copies events into the staging table.
    pub async fn copy(&mut self, rows: &[Event], names: &Names<'_>) -> Result<(), SyncError> {
        self.staged += copy_rows(&mut self.conn, "activity_stage", rows, |line, r| {
            line.number(names.user_ids[r.user as usize])
                .number(r.kind.into())
                .number(r.at_ms)
                .text(Some(&names.sources[r.source as usize]))
                .text(r.external_ref.as_deref());
        })
        .await?;
        Ok(())
    }

    /// Inserts the staged events not already stored, in key order, in one transaction
    /// that holds the profile; returns how many were new.
    pub async fn store(mut self, profile_id: i64) -> Result<u64, SyncError> {
        if self.staged == 0 {
            return Ok(0);
        }
        let mut tx = sqlx::Connection::begin(&mut *self.conn)
            .await
            .map_err(sqlx_error)?;
        hold_profile(&mut tx, profile_id).await?;
        // Repeats among the staged rows conflict with the first of them and are skipped.
        let stored = execute(
            &mut tx,
            "INSERT INTO activity_event (vendor_user_id, kind, occurred_at_ms, source, external_ref) \
             SELECT vendor_user_id, kind, occurred_at_ms, source, external_ref FROM activity_stage \
             ORDER BY vendor_user_id, kind, occurred_at_ms ON CONFLICT DO NOTHING",
        )
        .await?;
        execute(&mut tx, "DROP TABLE activity_stage").await?;
        tx.commit().await.map_err(sqlx_error)?;
        Ok(stored)
    }
}
