//! The subscriptions used beyond a model's rights: counting a model's holders, ranking
//! those of a short model by when they got the licence (then by name), and keeping their
//! marks in `unlicensed_seat` (migration 34), written only where they change.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement,
};

use super::Usage;
use crate::error::Result;

/// Ids written into a statement: they are row ids read from the database, never input.
pub(super) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Usage of each of `models` (absent: none), from the holders index alone.
async fn usage_of(db: &impl ConnectionTrait, models: &[i64]) -> Result<HashMap<i64, Usage>> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT software_model_id AS model, COUNT(DISTINCT LOWER(user_principal_name)) AS holders, \
         COUNT(*) AS subs FROM software_subscription{} WHERE software_model_id IN ({}) \
         AND {} GROUP BY software_model_id",
        holders_index(backend),
        id_list(models),
        counted("software_subscription"),
    );
    usage_rows(
        db.query_all_raw(Statement::from_string(backend, sql))
            .await?,
    )
}

fn usage_rows(rows: Vec<sea_orm::QueryResult>) -> Result<HashMap<i64, Usage>> {
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64>("", "model")?,
                Usage {
                    holders: r.try_get::<i64>("", "holders")?,
                    subscriptions: r.try_get::<i64>("", "subs")?,
                },
            ))
        })
        .collect()
}

/// The holders index, named for SQLite: without statistics it takes `active = TRUE` for
/// selective and would read every active row through that column's index instead.
fn holders_index(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "",
        _ => " INDEXED BY ix_software_subscription_holders",
    }
}

/// Which subscriptions count: open, reported active by the vendor, not cost-excluded;
/// literal, so that the partial holders index (migration 27) answers for the table.
fn counted(table: &str) -> String {
    format!(
        "{table}.closed_at IS NULL AND {table}.active = TRUE AND {table}.excluded_from_cost = FALSE"
    )
}

/// The temporary table of the subscriptions a run finds beyond their model's rights, one
/// per connection, emptied when the transaction that filled it ends. PostgreSQL empties it
/// at commit; rows deleted instead would stay as dead rows that no vacuum of a temporary
/// table ever clears, in a connection the pool keeps for days.
fn beyond_table(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "CREATE TEMPORARY TABLE IF NOT EXISTS reconcile_beyond \
             (subscription_id BIGINT PRIMARY KEY, software_model_id BIGINT NOT NULL) \
             ON COMMIT DELETE ROWS"
        }
        _ => {
            "CREATE TEMPORARY TABLE IF NOT EXISTS reconcile_beyond \
             (subscription_id BIGINT PRIMARY KEY, software_model_id BIGINT NOT NULL)"
        }
    }
}

/// The counted subscriptions of `model`'s holders beyond its first `owned`, by when they
/// got the licence, then by name (SQLite: one model, its holders in index order).
fn beyond_of_model(model: i64, owned: i64) -> String {
    let hint = holders_index(DbBackend::Sqlite);
    format!(
        "INSERT INTO reconcile_beyond (subscription_id, software_model_id) \
         SELECT s.id, s.software_model_id FROM (SELECT holder FROM (\
           SELECT LOWER(user_principal_name) AS holder, \
           MIN(COALESCE(assigned_at, first_seen_at)) AS since \
           FROM software_subscription{hint} WHERE software_model_id = {model} AND {} \
           GROUP BY LOWER(user_principal_name)) \
           ORDER BY since, holder LIMIT -1 OFFSET {owned}) AS beyond \
         CROSS JOIN software_subscription AS s{hint} WHERE s.software_model_id = {model} \
         AND LOWER(s.user_principal_name) = beyond.holder AND {}",
        counted("software_subscription"),
        counted("s")
    )
}

/// The usage of each of `models` and, into `reconcile_beyond`, the counted subscriptions
/// of the holders beyond each model's rights `owned` (by when they got the licence, then
/// by name).
///
/// PostgreSQL does both in one statement over the holders: counting them, ranking them
/// within their model and writing those beyond the rights (a data-modifying `WITH` part
/// runs once, whether or not the query reads it). SQLite counts them in one
/// statement and ranks only the short models, one statement each, whose holders come
/// grouped in index order: one window sort over all of them took longer than these.
pub(super) async fn usage_and_beyond(
    db: &impl ConnectionTrait,
    models: &[i64],
    owned: &HashMap<i64, i64>,
) -> Result<HashMap<i64, Usage>> {
    let backend = db.get_database_backend();
    let run = |sql: String| db.execute_raw(Statement::from_string(backend, sql));
    run(beyond_table(backend).into()).await?;
    if backend != DbBackend::Postgres {
        let used = usage_of(db, models).await?;
        for model in models {
            let rights = owned.get(model).copied().unwrap_or(0);
            if used.get(model).is_some_and(|u| u.holders > rights) {
                run(beyond_of_model(*model, rights)).await?;
            }
        }
        return Ok(used);
    }
    // Sorts and hashes of a chunk's holders in memory rather than on disk.
    run("SET LOCAL work_mem = '64MB'".into()).await?;
    let rights = models
        .iter()
        .map(|m| format!("({m}, {})", owned.get(m).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "WITH owned (model, rights) AS (VALUES {rights}), \
         holders AS MATERIALIZED (SELECT software_model_id AS model, \
           LOWER(user_principal_name) AS holder, COUNT(*) AS subs, \
           MIN(COALESCE(assigned_at, first_seen_at)) AS since \
           FROM software_subscription WHERE software_model_id IN ({}) AND {} \
           GROUP BY software_model_id, LOWER(user_principal_name)), \
         ranked AS (SELECT model, holder, \
           ROW_NUMBER() OVER (PARTITION BY model ORDER BY since, holder COLLATE \"C\") AS n FROM holders), \
         written AS (INSERT INTO reconcile_beyond (subscription_id, software_model_id) \
           SELECT s.id, s.software_model_id FROM ranked \
           JOIN owned ON owned.model = ranked.model AND ranked.n > owned.rights \
           JOIN software_subscription AS s ON s.software_model_id = ranked.model \
             AND LOWER(s.user_principal_name) = ranked.holder AND {}) \
         SELECT model, COUNT(*) AS holders, CAST(SUM(subs) AS BIGINT) AS subs \
         FROM holders GROUP BY model",
        id_list(models),
        counted("software_subscription"),
        counted("s"),
    );
    usage_rows(
        db.query_all_raw(Statement::from_string(backend, sql))
            .await?,
    )
}

/// Brings the marks (`unlicensed_seat`) of `models` in line with `reconcile_beyond`, then
/// empties it (SQLite; PostgreSQL empties it at commit). Only marks that change are
/// written: a daily run over an unchanged estate writes none.
pub(super) async fn apply_marks(db: &impl ConnectionTrait, models: &[i64]) -> Result<()> {
    let backend = db.get_database_backend();
    let run = |sql: String| db.execute_raw(Statement::from_string(backend, sql));
    run(format!(
        "DELETE FROM unlicensed_seat WHERE software_model_id IN ({}) AND NOT EXISTS \
         (SELECT 1 FROM reconcile_beyond AS b WHERE b.subscription_id = unlicensed_seat.subscription_id \
          AND b.software_model_id = unlicensed_seat.software_model_id)",
        id_list(models)
    ))
    .await?;
    // A subscription marked under another model (it moved) takes this one's mark.
    run("INSERT INTO unlicensed_seat (subscription_id, software_model_id) \
         SELECT b.subscription_id, b.software_model_id FROM reconcile_beyond AS b \
         WHERE NOT EXISTS (SELECT 1 FROM unlicensed_seat AS u WHERE u.subscription_id = b.subscription_id \
           AND u.software_model_id = b.software_model_id) \
         ON CONFLICT (subscription_id) DO UPDATE SET software_model_id = excluded.software_model_id"
        .into())
    .await?;
    if backend != DbBackend::Postgres {
        run("DELETE FROM reconcile_beyond".into()).await?;
    }
    Ok(())
}

/// Which of the subscriptions with ids from `first` to `last` the latest reconciliation of
/// their model marked unlicensed.
pub async fn unlicensed_between(
    db: &impl ConnectionTrait,
    first: i64,
    last: i64,
) -> Result<HashSet<i64>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT subscription_id FROM unlicensed_seat \
                 WHERE subscription_id BETWEEN {first} AND {last}"
            ),
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<i64>("", "subscription_id")?))
        .collect()
}

/// Deletes the unlicensed marks of a profile's subscriptions (they carry no foreign key),
/// before the profile and its subscriptions go.
pub async fn forget_marks_of_profile(db: &impl ConnectionTrait, profile: i64) -> Result<()> {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        format!(
            "DELETE FROM unlicensed_seat WHERE subscription_id IN \
             (SELECT id FROM software_subscription WHERE profile_id = {profile})"
        ),
    ))
    .await?;
    Ok(())
}

/// The subscriptions of `model` its latest reconciliation marked unlicensed, by id, at
/// most `limit`.
pub async fn unlicensed_of(
    db: &impl ConnectionTrait,
    model: i64,
    limit: u64,
) -> Result<Vec<entity::software_subscription::Model>> {
    use entity::software_subscription::{Column as S, Entity};
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{Alias, ExprTrait, Query};
    let marked = Query::select()
        .column(Alias::new("subscription_id"))
        .from(Alias::new("unlicensed_seat"))
        .and_where(Expr::col(Alias::new("software_model_id")).eq(model))
        .to_owned();
    Ok(Entity::find()
        .filter(S::Id.in_subquery(marked))
        .filter(S::SoftwareModelId.eq(model))
        .order_by_asc(S::Id)
        .limit(limit)
        .all(db)
        .await?)
}
