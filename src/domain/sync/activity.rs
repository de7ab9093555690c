//! Pulling user activity: raw events are kept (deduplicated by user, kind and time) and
//! each subscription's last activity moves forward only, from the events of the kinds its
//! product counts.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::enums::{ActivityKind, JobKind, JobState};
use entity::{activity_event as event, integration_profile, job_run, software_subscription as sub};
use futures_util::StreamExt;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{Progress, ProgressSink, RunCounts, SyncError, move_last_activity_forward_many};
use crate::connectors::{ActivityQuery, ActivityRecord, UserRef};
use crate::db::BeginWrite;
use crate::domain::connections;
use crate::state::AppState;

/// At most this many users get per-user activity calls in one run; the rest wait for the
/// next run, oldest-known activity first, so a big tenant is covered over a few days
/// instead of blowing the vendor's daily budget.
pub const PER_USER_BUDGET: usize = 5_000;
/// Overlap with the previous pull, for events the vendor reports late.
const OVERLAP: Duration = Duration::days(2);
/// Events per insert statement at most (the rest in power-of-two pieces: a few statement
/// shapes); fewer on PostgreSQL, see `rows_per_statement`.
const CHUNK: usize = 512;
/// Events pending before they are stored, in one transaction: every flush rewrites pages
/// all over the deduplicating index, so fewer, larger flushes write far less.
const FLUSH: usize = 100_000;

/// Pulls activity since the previous pull (within the profile's look-back) and moves each
/// subscription's last activity forward.
pub async fn pull_activity(
    state: &AppState,
    profile_id: i64,
    progress: &dyn ProgressSink,
) -> Result<RunCounts, SyncError> {
    let db = &state.db;
    let profile = integration_profile::Entity::find_by_id(profile_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            SyncError::Precondition("the integration profile no longer exists".into())
        })?;
    if !profile.download_activity {
        return Err(SyncError::Precondition(
            "activity download is turned off for this profile".into(),
        ));
    }
    let connector = connections::connector_for(state, &profile).await?;
    let kinds: HashMap<&str, &[ActivityKind]> = connector
        .products()
        .iter()
        .map(|p| (p.identifier, p.activity))
        .collect();
    let now = Utc::now();
    let since = window_start(db, &profile, now).await?;
    let subs = open_subscriptions(db, profile_id).await?;
    let users = users_to_ask(&subs, &kinds);
    let query = ActivityQuery {
        since,
        until: now,
        users,
    };

    let mut counts = RunCounts::default();
    let mut ingest = Ingest::default();
    let mut batches = connector.activity(&query);
    let mut done = 0;
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        ingest.add(db, profile_id, batch, &mut counts).await?;
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
    ingest.flush(db, profile_id, &mut counts).await?;

    counts.updated += roll_up(db, &subs, &kinds, &ingest.latest).await?;
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
    let profile = integration_profile::Entity::find_by_id(profile_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            SyncError::Precondition("the integration profile no longer exists".into())
        })?;
    let kinds: HashMap<&str, &[ActivityKind]> = crate::connectors::known_products(profile.vendor)
        .iter()
        .map(|p| (p.identifier, p.activity))
        .collect();
    let subs = open_subscriptions(db, profile_id).await?;
    let mut counts = RunCounts::default();
    let mut ingest = Ingest::default();
    for batch in batches {
        ingest.add(db, profile_id, batch, &mut counts).await?;
    }
    ingest.flush(db, profile_id, &mut counts).await?;
    counts.updated += roll_up(db, &subs, &kinds, &ingest.latest).await?;
    Ok(counts)
}

/// The newest event per (user, kind) seen in a run.
type Latest = HashMap<(String, ActivityKind), DateTime<Utc>>;

/// A run's events on their way in: noted for the roll-up at once, stored in large
/// transactions. Connector batches are small (a report page, one user's meetings), and a
/// commit per batch rewrites the same index pages over and over.
#[derive(Default)]
struct Ingest {
    latest: Latest,
    pending: Vec<ActivityRecord>,
}

impl Ingest {
    /// Takes one batch; stores what is pending once there is enough of it.
    async fn add(
        &mut self,
        db: &DatabaseConnection,
        profile_id: i64,
        batch: Vec<ActivityRecord>,
        counts: &mut RunCounts,
    ) -> Result<(), SyncError> {
        for record in &batch {
            let slot = self
                .latest
                .entry((record.external_user_id.clone(), record.kind))
                .or_insert(record.occurred_at);
            *slot = (*slot).max(record.occurred_at);
        }
        counts.fetched += batch.len() as i64;
        self.pending.extend(batch);
        if self.pending.len() >= FLUSH {
            self.flush(db, profile_id, counts).await?;
        }
        Ok(())
    }

    /// Stores every pending event, in the order of the deduplicating index so that
    /// neighbouring entries are written together.
    async fn flush(
        &mut self,
        db: &DatabaseConnection,
        profile_id: i64,
        counts: &mut RunCounts,
    ) -> Result<(), SyncError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.pending.sort_unstable_by(|a, b| {
            (&a.external_user_id, a.kind.as_str(), a.occurred_at).cmp(&(
                &b.external_user_id,
                b.kind.as_str(),
                b.occurred_at,
            ))
        });
        counts.created += store_events(db, profile_id, &self.pending).await? as i64;
        self.pending.clear();
        counts.unchanged = counts.fetched - counts.created;
        Ok(())
    }
}

/// Moves each open subscription's last activity forward to the newest event of the kinds
/// its product counts; returns how many moved.
async fn roll_up(
    db: &DatabaseConnection,
    subs: &[OpenSub],
    kinds: &HashMap<&str, &[ActivityKind]>,
    latest: &Latest,
) -> Result<i64, SyncError> {
    let mut key = (String::new(), ActivityKind::Login);
    let mut moves = Vec::new();
    for s in subs {
        let Some(product_kinds) = kinds.get(s.identifier.as_str()) else {
            continue;
        };
        key.0.clone_from(&s.external_user_id);
        let newest = product_kinds
            .iter()
            .filter_map(|k| {
                key.1 = *k;
                latest.get(&key).copied()
            })
            .max();
        if let Some(at) = newest
            && s.last_activity_at.is_none_or(|old| old < at)
        {
            moves.push((s.id, at));
        }
    }
    let txn = db.begin_write().await?;
    let moved = move_last_activity_forward_many(&txn, &moves).await?;
    txn.commit().await?;
    Ok(moved as i64)
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

struct OpenSub {
    id: i64,
    external_user_id: String,
    user_principal_name: String,
    identifier: String,
    last_activity_at: Option<DateTime<Utc>>,
}

async fn open_subscriptions(
    db: &DatabaseConnection,
    profile_id: i64,
) -> Result<Vec<OpenSub>, SyncError> {
    type Row = (i64, String, String, String, Option<DateTime<Utc>>);
    let rows: Vec<Row> = sub::Entity::find()
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
        .into_tuple()
        .all(db)
        .await?;
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

/// Users holding a product with activity, least recently active first, within the budget.
fn users_to_ask(subs: &[OpenSub], kinds: &HashMap<&str, &[ActivityKind]>) -> Vec<UserRef> {
    let mut by_user: HashMap<&str, (UserRef, Option<DateTime<Utc>>)> = HashMap::new();
    for s in subs.iter().filter(|s| {
        kinds
            .get(s.identifier.as_str())
            .is_some_and(|k| !k.is_empty())
    }) {
        let entry = by_user.entry(&s.external_user_id).or_insert_with(|| {
            let user = UserRef {
                external_user_id: s.external_user_id.clone(),
                user_principal_name: s.user_principal_name.clone(),
                identifiers: Vec::new(),
            };
            (user, s.last_activity_at)
        });
        entry.0.identifiers.push(s.identifier.clone());
        entry.1 = entry.1.min(s.last_activity_at);
    }
    let mut users: Vec<_> = by_user.into_values().collect();
    // None (never seen active) sorts first: those are the users a decision hangs on.
    users.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| a.0.external_user_id.cmp(&b.0.external_user_id))
    });
    users
        .into_iter()
        .take(PER_USER_BUDGET)
        .map(|(u, _)| u)
        .collect()
}

/// Inserts the events not already stored; returns how many were new.
async fn store_events(
    db: &DatabaseConnection,
    profile_id: i64,
    batch: &[ActivityRecord],
) -> Result<u64, SyncError> {
    let txn = db.begin_write().await?;
    let now = Utc::now();
    let mut inserted = 0;
    let mut rest = batch;
    let widest = batch
        .iter()
        .map(|r| {
            let upn = r.user_principal_name.as_deref().unwrap_or_default();
            let reference = r.external_ref.as_deref().unwrap_or_default();
            let texts = [
                r.external_user_id.as_str(),
                upn,
                r.kind.as_str(),
                &r.source,
                reference,
            ];
            super::row_bytes(8, &texts)
        })
        .max()
        .unwrap_or(1);
    let rows = super::rows_per_statement(db.get_database_backend(), CHUNK, widest);
    for size in super::statement_sizes(batch.len(), rows) {
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        let rows = chunk.iter().map(|r| event::ActiveModel {
            profile_id: Set(profile_id),
            external_user_id: Set(r.external_user_id.clone()),
            user_principal_name: Set(r.user_principal_name.clone()),
            kind: Set(r.kind),
            occurred_at: Set(r.occurred_at),
            source: Set(r.source.clone()),
            external_ref: Set(r.external_ref.clone()),
            created_at: Set(now),
            ..Default::default()
        });
        inserted += insert_ignoring_duplicates(&txn, rows).await?;
    }
    txn.commit().await?;
    Ok(inserted)
}

async fn insert_ignoring_duplicates(
    db: &impl ConnectionTrait,
    rows: impl Iterator<Item = event::ActiveModel>,
) -> Result<u64, SyncError> {
    let rows: Vec<_> = rows.collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let conflict = OnConflict::columns([
        event::Column::ProfileId,
        event::Column::ExternalUserId,
        event::Column::Kind,
        event::Column::OccurredAt,
    ])
    .do_nothing()
    .to_owned();
    match event::Entity::insert_many(rows)
        .on_conflict(conflict)
        .exec_without_returning(db)
        .await
    {
        Ok(n) => Ok(n),
        Err(sea_orm::DbErr::RecordNotInserted) => Ok(0),
        Err(err) => Err(err.into()),
    }
}
