//! Pulling user activity: raw events are kept (deduplicated by user, kind and time) and
//! each subscription's last activity moves forward only, from the events of the kinds its
//! product counts.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::enums::{ActivityKind, JobKind, JobState};
use entity::{integration_profile, job_run, software_subscription as sub, vendor_user};
use futures_util::StreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::ingest::Ingest;
use super::per_user::{Histories, OVERLAP, OpenSub, users_to_ask};
use super::{Progress, ProgressSink, RunCounts, SyncError, move_last_activity_forward_many};
use crate::connectors::{ActivityQuery, ActivityRecord, ProductInfo};
use crate::db::BeginWrite;
use crate::domain::connections;
use crate::state::AppState;

/// At most this many users get per-user activity calls in one run by default
/// (`SEATKEEPER_ACTIVITY_PER_USER_BUDGET`); the rest wait for the next run, in the order of
/// [`super::per_user::users_to_ask`], so a big tenant is covered over a few days instead of blowing
/// the vendor's daily budget.
pub const PER_USER_BUDGET: usize = 5_000;

/// Pulls activity since the previous pull (within the profile's look-back) and moves each
/// subscription's last activity forward.
pub async fn pull_activity(
    state: &AppState,
    profile_id: i64,
    progress: &dyn ProgressSink,
) -> Result<RunCounts, SyncError> {
    let db = &state.db;
    let profile = super::find_profile(db, profile_id).await?;
    if !profile.download_activity {
        return Err(SyncError::Precondition(
            "activity download is turned off for this profile".into(),
        ));
    }
    let connector = connections::connector_for(state, &profile).await?;
    let kinds = activity_kinds(connector.products());
    let now = Utc::now();
    let since = window_start(db, &profile, now).await?;
    let look_back = now - Duration::days(i64::from(profile.activity_look_back_days));
    let subs = open_subscriptions(db, profile_id).await?;
    let exact = exact_histories(db, profile_id).await?;
    let users = users_to_ask(
        &subs,
        &kinds,
        &exact,
        since,
        look_back,
        state.settings.activity_per_user_budget,
    );
    let query = ActivityQuery {
        since,
        until: now,
        users,
    };

    let mut counts = RunCounts::default();
    let mut ingest = Ingest::default();
    let mut batches = connector.activity(&query);
    let mut done = 0;
    // A coarse record counts as activity at the end of its window.
    let roll_at = |r: &ActivityRecord| {
        connector
            .coarse_window_end(r, &query)
            .unwrap_or(r.occurred_at)
    };
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        ingest
            .add(db, profile_id, batch, &mut counts, &roll_at)
            .await?;
        counts.requests_made = connector.requests_made() as i64;
        done += 1;
        progress
            .report(&Progress {
                done,
                total: None,
                counts: counts.clone(),
            })
            .await;
    }
    drop(batches);
    ingest.finish(db, profile_id, &mut counts).await?;

    counts.updated += roll_up(db, &subs, &kinds, &ingest).await?;
    let reach = |since| {
        connector.activity_reach(&ActivityQuery {
            since,
            until: now,
            users: Vec::new(),
        })
    };
    record_coverage(db, &profile, reach(since), now).await?;
    record_exact_coverage(db, profile_id, &query, &reach).await?;
    counts.requests_made = connector.requests_made() as i64;
    progress
        .report(&Progress {
            done,
            total: Some(done),
            counts: counts.clone(),
        })
        .await;
    Ok(counts)
}

/// Stores events the caller already holds for a profile and moves its subscriptions' last
/// activity forward: exactly what `pull_activity` does with each batch a connector yields
/// and after the last one (an import, or a benchmark without a vendor). `counts` has
/// fetched, created (new events), unchanged (duplicates) and updated (subscriptions moved).
pub async fn ingest_activity(
    db: &DatabaseConnection,
    profile_id: i64,
    batches: impl IntoIterator<Item = Vec<ActivityRecord>>,
) -> Result<RunCounts, SyncError> {
    let profile = super::find_profile(db, profile_id).await?;
    let kinds = activity_kinds(crate::connectors::known_products(profile.vendor));
    let subs = open_subscriptions(db, profile_id).await?;
    let mut counts = RunCounts::default();
    let mut ingest = Ingest::default();
    for batch in batches {
        ingest
            .add(db, profile_id, batch, &mut counts, &|r| r.occurred_at)
            .await?;
    }
    ingest.finish(db, profile_id, &mut counts).await?;
    counts.updated += roll_up(db, &subs, &kinds, &ingest).await?;
    Ok(counts)
}

/// The activity kinds each product counts, by identifier.
fn activity_kinds(products: &[ProductInfo]) -> HashMap<&'static str, &'static [ActivityKind]> {
    products
        .iter()
        .map(|p| (p.identifier, p.activity))
        .collect()
}

/// Moves each open subscription's last activity forward to the newest event of the kinds
/// its product counts; returns how many moved.
async fn roll_up(
    db: &DatabaseConnection,
    subs: &[OpenSub],
    kinds: &HashMap<&str, &[ActivityKind]>,
    ingest: &Ingest,
) -> Result<i64, SyncError> {
    let mut moves = Vec::new();
    for s in subs {
        let Some(product_kinds) = kinds.get(s.identifier.as_str()) else {
            continue;
        };
        if let Some(at) = ingest.newest(&s.external_user_id, product_kinds)
            && s.last_activity_at.is_none_or(|old| old < at)
        {
            moves.push((s.id, at));
        }
    }
    let moved = move_last_activity_forward_many(db, &moves).await?;
    Ok(moved as i64)
}

/// Extends the profile's gap-free activity history with the window just pulled; a window
/// that starts after the history ends (pulls failed for longer than the look-back) starts
/// it again.
async fn record_coverage(
    db: &DatabaseConnection,
    profile: &integration_profile::Model,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(), SyncError> {
    use integration_profile::Column as P;
    let from = match (profile.activity_covered_from, profile.activity_covered_to) {
        (Some(from), Some(to)) if since <= to => from.min(since),
        _ => since,
    };
    integration_profile::Entity::update_many()
        .col_expr(
            P::ActivityCoveredFrom,
            sea_orm::sea_query::Expr::value(from),
        )
        .col_expr(P::ActivityCoveredTo, sea_orm::sea_query::Expr::value(until))
        .filter(P::Id.eq(profile.id))
        .exec(db)
        .await?;
    Ok(())
}

/// The look-back, shortened to just before the previous successful pull when there is one.
async fn window_start(
    db: &DatabaseConnection,
    profile: &integration_profile::Model,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, SyncError> {
    let look_back = now - Duration::days(i64::from(profile.activity_look_back_days));
    let previous = job_run::Entity::find()
        .filter(job_run::Column::ProfileId.eq(profile.id))
        .filter(job_run::Column::Kind.eq(JobKind::PullActivity))
        .filter(job_run::Column::State.eq(JobState::Succeeded))
        .order_by_desc(job_run::Column::Id)
        .one(db)
        .await?;
    Ok(match previous.and_then(|run| run.started_at) {
        Some(started) => (started - OVERLAP).max(look_back),
        None => look_back,
    })
}

async fn open_subscriptions(
    db: &DatabaseConnection,
    profile_id: i64,
) -> Result<Vec<OpenSub>, SyncError> {
    type Row = (i64, String, String, String, Option<DateTime<Utc>>);
    let rows = sub::Entity::find()
        .select_only()
        .columns([
            sub::Column::Id,
            sub::Column::ExternalUserId,
            sub::Column::UserPrincipalName,
            sub::Column::Identifier,
            sub::Column::LastActivityAt,
        ])
        .filter(sub::Column::ProfileId.eq(profile_id))
        .filter(sub::Column::ClosedAt.is_null())
        .into_tuple();
    let rows: Vec<Row> = crate::db::all_streamed(rows, db).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, external_user_id, user_principal_name, identifier, last_activity_at)| OpenSub {
                id,
                external_user_id,
                user_principal_name,
                identifier,
                last_activity_at,
            },
        )
        .collect())
}

/// Each vendor user's exact (per-user) activity window, by external id: from when (if the
/// start is known) to when their activity was asked per user. Rule evaluation reads it too.
pub async fn exact_histories(
    db: &impl sea_orm::ConnectionTrait,
    profile_id: i64,
) -> Result<Histories, sea_orm::DbErr> {
    type Row = (String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let rows: Vec<Row> = vendor_user::Entity::find()
        .select_only()
        .columns([
            vendor_user::Column::ExternalUserId,
            vendor_user::Column::ExactActivityFrom,
            vendor_user::Column::ExactActivityTo,
        ])
        .filter(vendor_user::Column::ProfileId.eq(profile_id))
        .filter(vendor_user::Column::ExactActivityTo.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, from, to)| Some((id, (from, to?))))
        .collect())
}

/// Records, for every user the pull asked per user, the window now known exactly: it
/// extends the user's history when the new window starts within it, else starts it again.
/// Users met for the first time get their `vendor_user` row here.
async fn record_exact_coverage(
    db: &DatabaseConnection,
    profile_id: i64,
    query: &ActivityQuery,
    reach: &(dyn Fn(DateTime<Utc>) -> DateTime<Utc> + Sync),
) -> Result<(), SyncError> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let txn = db.begin_write().await?;
    super::hold_profile(&txn, profile_id).await?;
    for chunk in query.users.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO vendor_user (profile_id, external_user_id, user_principal_name, created_at, \
             exact_activity_from, exact_activity_to) VALUES ",
        );
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 6);
        for (i, user) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let n = values.len();
            sql.push_str(&match backend {
                sea_orm::DbBackend::Postgres => format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6
                ),
                _ => "(?, ?, ?, ?, ?, ?)".to_owned(),
            });
            values.extend([
                profile_id.into(),
                user.external_user_id.clone().into(),
                Some(user.user_principal_name.clone())
                    .filter(|e| !e.is_empty())
                    .into(),
                now.into(),
                reach(user.since.unwrap_or(query.since).min(query.since)).into(),
                query.until.into(),
            ]);
        }
        sql.push_str(
            " ON CONFLICT (profile_id, external_user_id) DO UPDATE SET \
             exact_activity_from = CASE WHEN vendor_user.exact_activity_to IS NOT NULL \
             AND vendor_user.exact_activity_from IS NOT NULL \
             AND vendor_user.exact_activity_to >= excluded.exact_activity_from \
             THEN vendor_user.exact_activity_from ELSE excluded.exact_activity_from END, \
             exact_activity_to = excluded.exact_activity_to",
        );
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            backend, sql, values,
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
