//! Database connection and migrations, for SQLite and PostgreSQL alike.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    TransactionTrait,
};

use crate::config::Settings;

/// Opens the pool. SQLite gets WAL, NORMAL sync, a busy timeout, foreign keys and a 32 MiB
/// page cache on every pooled connection (a one-off PRAGMA would reach only one of them).
/// SQLite's default cache is 2 MiB: a sync writing a 100k-user tenant's indexes then
/// re-reads the same pages from the OS over and over.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(settings.database_url.expose().to_owned());
    opts.max_connections(settings.db_max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("cache_size", "-32768")
        });
    Database::connect(opts).await
}

/// Applies pending migrations, all in one transaction (both databases have transactional
/// DDL): a failed migration leaves the schema as it was, and every statement runs on the
/// same connection (on a SQLite pool, a statement on another connection can be prepared
/// against a schema it has not re-read yet). On PostgreSQL several replicas may start at
/// once: an advisory lock held by the migrating transaction makes them take turns.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = db.begin_write().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7274917)")
            .await?;
    }
    let pending = Migrator::get_pending_migrations(&txn).await?.len();
    Migrator::up(&txn, None).await?;
    txn.commit().await?;
    // sea-orm-migration narrates each step at info; the default filter keeps that at
    // debug (`RUST_LOG=sea_orm_migration=info` shows it) and this one line stands for it.
    if pending > 0 {
        tracing::info!(applied = pending, "database schema migrated");
    }
    Ok(())
}

/// A query's rows, collected as they stream in. `Selector::all` holds every driver row
/// and every value at once: on a big tenant's subscriptions that is hundreds of MiB more
/// than the values alone.
pub async fn all_streamed<S>(
    select: sea_orm::Selector<S>,
    db: &DatabaseConnection,
) -> Result<Vec<S::Item>, DbErr>
where
    S: sea_orm::SelectorTrait + Send,
    S::Item: Send,
{
    use futures_util::StreamExt;
    let mut rows = select.stream(db).await?;
    let mut all = Vec::new();
    while let Some(row) = rows.next().await {
        all.push(row?);
    }
    Ok(all)
}

/// True when a trivial query answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Rows a run must have written before the planner's statistics are refreshed after it.
pub const BULK_ROWS: i64 = 10_000;

/// Refreshes the planner's statistics of `tables` after a bulk write (a tenant's first
/// download, a large activity pull), on PostgreSQL. Until autovacuum gets to a table (a
/// minute or more after the write), the planner judges it by its size before the load: on
/// 100,000 freshly loaded seats it read each 2,000-row export page through the open-seats
/// partial index and sorted, 25 to 60 ms a page, where the primary key takes 1 ms. SQLite
/// keeps no statistics unless `ANALYZE` ran once; its queries are written (and pinned with
/// `INDEXED BY` where it matters) for a planner without them, so it is left as it is.
pub async fn refresh_statistics(db: &DatabaseConnection, tables: &[&str]) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres || tables.is_empty() {
        return Ok(());
    }
    db.execute_unprepared(&format!("ANALYZE {}", tables.join(", ")))
        .await?;
    Ok(())
}

/// Write transactions. On SQLite they start with `BEGIN IMMEDIATE`: a deferred transaction
/// that reads first and writes later fails at once with SQLITE_BUSY when another connection
/// (a job worker, the scheduler) wrote in between, whatever the busy timeout; taking the
/// write lock up front makes it wait its turn instead. PostgreSQL ignores the mode.
pub trait BeginWrite {
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sea_orm::DatabaseTransaction, DbErr>> + Send;
}

impl BeginWrite for DatabaseConnection {
    async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        self.begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, Statement};

    /// The bundled SQLite is built with `.cargo/config.toml`'s `LIBSQLITE3_FLAGS`: without
    /// them a GraphQL page costs about half as much again (see that file).
    #[tokio::test]
    async fn sqlite_is_built_without_the_allocation_mutex_and_with_a_stable_planner() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA compile_options",
            ))
            .await
            .unwrap();
        let options: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect();
        for wanted in ["DEFAULT_MEMSTATUS=0", "ENABLE_QPSG"] {
            assert!(options.iter().any(|o| o == wanted), "{wanted}: {options:?}");
        }
    }
}
