//! Keeping a profile's subscriptions and activity current: the download and activity
//! runs a job executes. Job handlers call `download_subscriptions` and `pull_activity`;
//! everything they decide lives here.

mod activity;
mod addons;
pub(crate) mod catalog;
mod download;
mod events;
mod exclusions;
mod ingest;
mod per_user;
mod pg_copy;

pub use activity::{PER_USER_BUDGET, exact_histories, ingest_activity, pull_activity};
pub use download::download_subscriptions;
pub use per_user::Histories;

use chrono::{DateTime, Utc};
use entity::software_subscription as sub;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, Value,
};

use crate::connectors::ConnectorError;
use crate::error::AppError;

/// What a run counted; stored on the job run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunCounts {
    pub fetched: i64,
    pub created: i64,
    pub updated: i64,
    pub closed: i64,
    pub unchanged: i64,
    pub unrecognized: i64,
    pub errors: i64,
    pub requests_made: i64,
    /// Reclaim runs: candidates reclaimed, closed without a call, canceled.
    pub reclaimed: i64,
    pub skipped: i64,
    pub canceled: i64,
}

impl RunCounts {
    /// Both counts added up: what a run did over its attempts.
    pub fn plus(&self, other: &RunCounts) -> RunCounts {
        RunCounts {
            fetched: self.fetched + other.fetched,
            created: self.created + other.created,
            updated: self.updated + other.updated,
            closed: self.closed + other.closed,
            unchanged: self.unchanged + other.unchanged,
            unrecognized: self.unrecognized + other.unrecognized,
            errors: self.errors + other.errors,
            requests_made: self.requests_made + other.requests_made,
            reclaimed: self.reclaimed + other.reclaimed,
            skipped: self.skipped + other.skipped,
            canceled: self.canceled + other.canceled,
        }
    }
}

/// Progress of a run: how many units (vendor pages) are done, of how many.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: i64,
    pub total: Option<i64>,
    pub counts: RunCounts,
}

/// Where a run reports progress (the job layer records it and publishes an event).
#[async_trait::async_trait]
pub trait ProgressSink: Send + Sync {
    async fn report(&self, progress: &Progress);
}

/// Why a run failed. The message is what the job run shows.
#[derive(Debug)]
pub enum SyncError {
    /// The vendor failed (after the connector's bounded retries).
    Vendor(ConnectorError),
    /// The run refused to apply its result (e.g. a download far smaller than the last).
    Guard(String),
    /// The profile cannot run this (deleted, draft without credentials, activity off…).
    Precondition(String),
    /// Anything else, already logged.
    App(AppError),
}

impl SyncError {
    pub fn message(&self) -> String {
        match self {
            SyncError::Vendor(err) => err.to_string(),
            SyncError::Guard(m) | SyncError::Precondition(m) => m.clone(),
            SyncError::App(err) => err.message(),
        }
    }

    /// Whether running again later may succeed (the job layer's bounded retry).
    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Vendor(err) if err.is_retryable())
    }
}

impl From<AppError> for SyncError {
    fn from(err: AppError) -> Self {
        SyncError::App(err)
    }
}

impl From<sea_orm::DbErr> for SyncError {
    fn from(err: sea_orm::DbErr) -> Self {
        SyncError::App(err.into())
    }
}

impl From<ConnectorError> for SyncError {
    fn from(err: ConnectorError) -> Self {
        SyncError::Vendor(err)
    }
}

/// Splits `len` rows into statement sizes drawn from a fixed few: `max` while it fits, then
/// powers of two for the rest. PostgreSQL prepares every new statement shape (and SQLite
/// compiles one), which costs more than the insert when each page has its own row count.
pub(crate) fn statement_sizes(mut len: usize, max: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let size = match len {
            0 => return None,
            n if n >= max => max,
            n => 1 << n.ilog2(),
        };
        len -= size;
        Some(size)
    })
}

/// Why a run of a deleted profile is refused.
const PROFILE_GONE: &str = "the integration profile no longer exists";

/// The profile a run is for; a run whose profile was deleted meanwhile is refused.
pub(crate) async fn find_profile(
    db: &sea_orm::DatabaseConnection,
    profile_id: i64,
) -> Result<entity::integration_profile::Model, SyncError> {
    use sea_orm::EntityTrait;
    entity::integration_profile::Entity::find_by_id(profile_id)
        .one(db)
        .await?
        .ok_or_else(|| SyncError::Precondition(PROFILE_GONE.into()))
}

/// Holds the profile for the rest of `txn`, or refuses a profile deleted meanwhile: on
/// PostgreSQL its deletion waits for `txn` (a key-share lock); on SQLite a write
/// transaction already keeps other writers out. Activity events carry no foreign key, so
/// this is what keeps a run from storing events of a profile being deleted.
pub(crate) async fn hold_profile(
    txn: &impl ConnectionTrait,
    profile_id: i64,
) -> Result<(), SyncError> {
    use entity::integration_profile as profile;
    use sea_orm::QuerySelect;
    let mut select = profile::Entity::find_by_id(profile_id)
        .select_only()
        .column(profile::Column::Id);
    if txn.get_database_backend() == DbBackend::Postgres {
        select = select.lock(sea_orm::sea_query::LockType::KeyShare);
    }
    match select.into_tuple::<i64>().one(txn).await? {
        Some(_) => Ok(()),
        None => Err(SyncError::Precondition(PROFILE_GONE.into())),
    }
}

/// FNV-1a, field by field (each field ends with a 0xff byte, so field boundaries count).
/// Stable across builds and platforms, unlike std's hasher: its values are stored.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub(crate) fn field(&mut self, bytes: &[u8]) {
        for b in bytes.iter().chain(std::iter::once(&0xff)) {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

/// Parameter bytes one statement may carry on PostgreSQL. sqlx 0.9.0 no longer sets
/// TCP_NODELAY (sqlx issue #4335): a message larger than the socket's send buffer
/// (16 KiB at first on Linux) goes out in two writes, and the second waits for the
/// server's delayed ACK, 40 ms a statement even on loopback.
const PG_STATEMENT_BYTES: usize = 12 * 1024;

/// Rows per insert statement: `max`, or on PostgreSQL as many rows of `widest_row` bytes
/// as fit in [`PG_STATEMENT_BYTES`], rounded down to a power of two (few statement shapes).
pub(crate) fn rows_per_statement(backend: DbBackend, max: usize, widest_row: usize) -> usize {
    match backend {
        DbBackend::Postgres => {
            let fit = (PG_STATEMENT_BYTES / widest_row.max(1)).clamp(1, max);
            1 << fit.ilog2()
        }
        _ => max,
    }
}

/// A row's parameter bytes as PostgreSQL receives them: its text plus, per column, a
/// length word and up to eight bytes of number or time.
pub(crate) fn row_bytes(columns: usize, texts: &[&str]) -> usize {
    columns * 12 + texts.iter().map(|t| t.len()).sum::<usize>()
}

/// Subscriptions moved forward by one statement (SQLite).
const MOVE_CHUNK: usize = 256;

/// Sets each subscription's last activity to its time unless it already knows a later one,
/// in one transaction; returns how many moved. SQLite takes a few hundred per `UPDATE`
/// from a `VALUES` list; PostgreSQL gets them all by `COPY` and one `UPDATE`.
pub(crate) async fn move_last_activity_forward_many(
    db: &sea_orm::DatabaseConnection,
    moves: &[(i64, DateTime<Utc>)],
) -> Result<u64, SyncError> {
    // `m` is the moves: a temporary table on PostgreSQL, a VALUES list on SQLite.
    let update = |from: &str| {
        format!(
            "UPDATE software_subscription AS s SET last_activity_at = m.at FROM {from} \
             WHERE s.id = m.id AND (s.last_activity_at IS NULL OR s.last_activity_at < m.at)"
        )
    };
    if db.get_database_backend() == DbBackend::Postgres {
        let row = |line: &mut pg_copy::Line<'_>, (id, at): &(i64, DateTime<Utc>)| {
            line.number(*id).time(*at);
        };
        let table = ("moved", "id BIGINT, at TIMESTAMPTZ");
        let pool = db.get_postgres_connection_pool();
        return pg_copy::apply_copied(pool, None, table, moves, row, &update("moved AS m")).await;
    }
    let txn = crate::db::BeginWrite::begin_write(db).await?;
    let mut moved = 0;
    let mut rest = moves;
    for size in statement_sizes(moves.len(), MOVE_CHUNK) {
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        let rows = vec!["(?, ?)"; size].join(", ");
        let sql = format!("WITH m(id, at) AS (VALUES {rows}) {}", update("m"));
        let values = chunk
            .iter()
            .flat_map(|(id, at)| [Value::from(*id), Value::from(*at)]);
        let stmt = Statement::from_sql_and_values(DbBackend::Sqlite, sql, values);
        moved += txn.execute_raw(stmt).await?.rows_affected();
    }
    txn.commit().await?;
    Ok(moved)
}

/// Sets a subscription's last activity to `at` unless it already knows a later one.
pub(crate) async fn move_last_activity_forward(
    db: &impl ConnectionTrait,
    subscription_id: i64,
    at: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let moved = sub::Entity::update_many()
        .col_expr(sub::Column::LastActivityAt, Expr::value(at))
        .filter(sub::Column::Id.eq(subscription_id))
        .filter(
            Condition::any()
                .add(sub::Column::LastActivityAt.is_null())
                .add(sub::Column::LastActivityAt.lt(at)),
        )
        .exec(db)
        .await?;
    Ok(moved.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::{DbBackend, rows_per_statement, statement_sizes};

    #[test]
    fn statement_sizes_cover_every_row_with_few_shapes() {
        assert_eq!(statement_sizes(0, 64).count(), 0);
        assert_eq!(
            statement_sizes(203, 64).collect::<Vec<_>>(),
            [64, 64, 64, 8, 2, 1]
        );
        assert_eq!(statement_sizes(64, 64).collect::<Vec<_>>(), [64]);
        assert_eq!(statement_sizes(5, 1000).collect::<Vec<_>>(), [4, 1]);
        // PostgreSQL statements stay small; SQLite takes the most.
        assert_eq!(rows_per_statement(DbBackend::Postgres, 512, 200), 32);
        assert_eq!(rows_per_statement(DbBackend::Postgres, 16, 10), 16);
        assert_eq!(rows_per_statement(DbBackend::Postgres, 512, 100_000), 1);
        assert_eq!(rows_per_statement(DbBackend::Sqlite, 512, 200), 512);
        for len in 0..600 {
            let sizes: Vec<_> = statement_sizes(len, 100).collect();
            assert_eq!(sizes.iter().sum::<usize>(), len);
            assert!(sizes.iter().all(|&s| s == 100 || s.is_power_of_two()));
        }
    }
}
