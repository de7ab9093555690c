//! Storing activity events, the hot path of a first pull (a million rows for a big
//! tenant): plain multi-row statements of a few fixed sizes (each prepared once per
//! connection), no query builder.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::SyncError;

/// One event as stored: the row is its own key.
pub(super) struct EventRow<'a> {
    pub user: i64,
    pub kind: i16,
    pub at_ms: i64,
    pub source: &'a str,
    pub external_ref: Option<&'a str>,
}

/// Inserts the events not already stored; returns how many were new. `rows` are in key
/// order, so neighbouring rows land on the same index pages.
pub(super) async fn store_events(
    db: &impl ConnectionTrait,
    rows: &[EventRow<'_>],
) -> Result<u64, SyncError> {
    let backend = db.get_database_backend();
    let widest = rows
        .iter()
        .map(|r| super::row_bytes(5, &[r.source, r.external_ref.unwrap_or_default()]))
        .max()
        .unwrap_or(1);
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
            values.push(r.user.into());
            values.push(r.kind.into());
            values.push(r.at_ms.into());
            values.push(r.source.into());
            values.push(r.external_ref.map(str::to_owned).into());
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
