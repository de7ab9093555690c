//! Downloading who holds which license: pages stream in, one transaction per page; rows
//! are keyed by (profile, external user, identifier); unchanged rows are not rewritten;
//! rows the vendor stopped returning are closed, unless the download looks truncated.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::software_subscription as sub;
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set};

use super::addons;
use super::catalog::{self, ModelMap};
use super::exclusions::Exclusions;
use super::{Progress, ProgressSink, RunCounts, SyncError};
use crate::connectors::{AddonCheck, SubscriptionRecord};
use crate::db::BeginWrite;
use crate::domain::connections;
use crate::state::AppState;

/// Below this share of the previous download's rows, a download is taken as truncated.
pub const DEFAULT_SHRINK_GUARD: f64 = 0.5;

/// Rows per insert statement at most (the rest of a page goes in power-of-two pieces, so
/// every page reuses the same few prepared statements); fewer on PostgreSQL, see
/// `rows_per_statement`.
const INSERT_CHUNK: usize = 256;
/// Pages fetched ahead of the writer at most.
const AHEAD: usize = 32;
/// Rows one download transaction takes at most (whole pages: it may go over by one page).
const BATCH_ROWS: usize = 5_000;

/// What the database holds for one key before the run.
struct Known {
    id: i64,
    hash: i64,
    closed: bool,
    model: Option<i64>,
    /// The vendor listed it in this run.
    seen: bool,
}

type Key = (String, String);

/// Downloads every subscription of the profile into the database, page by page.
pub async fn download_subscriptions(
    state: &AppState,
    profile_id: i64,
    progress: &dyn ProgressSink,
) -> Result<RunCounts, SyncError> {
    let db = &state.db;
    let profile = super::find_profile(db, profile_id).await?;
    let connector = connections::connector_for(state, &profile).await?;
    let now = Utc::now();
    let models = catalog::ensure_models(db, profile.vendor, connector.products()).await?;
    let exclusions = Exclusions::load(db, profile.vendor, now).await?;
    let mut known = load_known(db, profile_id).await?;
    let previously_open = known.values().filter(|k| !k.closed).count();

    let mut counts = RunCounts::default();
    // Keys the database did not hold (those it held are marked in `known`).
    let mut seen: HashSet<Key> = HashSet::new();
    let mut unrecognized: HashMap<String, i64> = HashMap::new();
    let hints =
        addons::load_hints(db, profile_id, now, state.settings.zoom_addon_recheck_days).await?;
    let mut pages = connector.subscriptions(&hints);
    // Pages are fetched while earlier ones are written, and whatever has arrived when the
    // writer is free goes into one transaction (up to `BATCH_ROWS`): vendor user ids are
    // random, so every commit rewrites most leaves of the key index, and a commit per
    // page wrote several times more than a commit per few pages. Each page is still
    // written whole or not at all.
    let (ahead, mut arrived) = tokio::sync::mpsc::channel(AHEAD);
    let fetch = async move {
        while let Some(page) = pages.next().await {
            let failed = page.is_err();
            if ahead.send(page).await.is_err() || failed {
                break;
            }
        }
    };
    let batch = PageBatch {
        profile_id,
        now,
        models: &models,
        exclusions: &exclusions,
    };
    let write = async {
        let mut done = 0;
        while let Some(first) = arrived.recv().await {
            let mut arrived_pages = Arrived::default();
            let mut total = None;
            let mut failure = None;
            let mut next = Some(first);
            while let Some(page) = next.take() {
                match page {
                    Ok(mut page) => {
                        arrived_pages.records.append(&mut page.records);
                        arrived_pages.checks.append(&mut page.addon_checks);
                        done = page.pages_done as i64;
                        total = page.pages_total.map(|t| t as i64);
                    }
                    Err(err) => failure = Some(err),
                }
                if failure.is_none() && arrived_pages.records.len() < BATCH_ROWS {
                    next = arrived.try_recv().ok();
                }
            }
            if !arrived_pages.is_empty() {
                batch
                    .apply(
                        db,
                        arrived_pages,
                        &mut known,
                        &mut seen,
                        &mut unrecognized,
                        &mut counts,
                    )
                    .await?;
            }
            counts.requests_made = connector.requests_made() as i64;
            let report = Progress {
                done,
                total: if failure.is_some() { None } else { total },
                counts: counts.clone(),
            };
            progress.report(&report).await;
            if let Some(err) = failure {
                // Nothing is closed: the rows already written are true, the rest unknown.
                return Err(SyncError::Vendor(err));
            }
        }
        Ok(done)
    };
    let ((), written) = tokio::join!(fetch, write);
    let done = written?;

    let seen_open = seen.len() + known.values().filter(|k| k.seen).count();
    if previously_open > 0 && (seen_open as f64) < previously_open as f64 * DEFAULT_SHRINK_GUARD {
        return Err(SyncError::Guard(format!(
            "the vendor returned {seen_open} subscriptions where the last download had {previously_open}; \
             nothing was closed (below {:.0}% looks like a truncated answer)",
            DEFAULT_SHRINK_GUARD * 100.0
        )));
    }
    let to_close: Vec<i64> = known
        .values()
        .filter(|k| !k.closed && !k.seen)
        .map(|k| k.id)
        .collect();
    counts.closed = close(db, &to_close, now).await?;
    catalog::record_unrecognized(db, profile.vendor, &unrecognized, now).await?;
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

/// Every key the database holds for the profile, streamed: a big tenant's rows are never
/// all in memory as rows, only as the map.
async fn load_known(
    db: &DatabaseConnection,
    profile_id: i64,
) -> Result<HashMap<Key, Known>, SyncError> {
    type Row = (i64, String, String, i64, Option<DateTime<Utc>>, Option<i64>);
    let mut rows = sub::Entity::find()
        .select_only()
        .columns([
            sub::Column::Id,
            sub::Column::ExternalUserId,
            sub::Column::Identifier,
            sub::Column::ContentHash,
            sub::Column::ClosedAt,
            sub::Column::SoftwareModelId,
        ])
        .filter(sub::Column::ProfileId.eq(profile_id))
        .into_tuple::<Row>()
        .stream(db)
        .await?;
    let mut known = HashMap::new();
    while let Some(row) = rows.next().await {
        let (id, user, identifier, hash, closed_at, model) = row?;
        let k = Known {
            id,
            hash,
            closed: closed_at.is_some(),
            model,
            seen: false,
        };
        known.insert((user, identifier), k);
    }
    Ok(known)
}

async fn close(db: &DatabaseConnection, ids: &[i64], now: DateTime<Utc>) -> Result<i64, SyncError> {
    let mut closed = 0;
    for chunk in ids.chunks(500) {
        closed += sub::Entity::update_many()
            .col_expr(sub::Column::ClosedAt, Expr::value(now))
            .col_expr(sub::Column::Active, Expr::value(false))
            .col_expr(sub::Column::UpdatedAt, Expr::value(now))
            .filter(sub::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?
            .rows_affected as i64;
    }
    Ok(closed)
}

/// The pages that arrived while the previous ones were written, to go in one transaction.
#[derive(Default)]
struct Arrived {
    records: Vec<SubscriptionRecord>,
    checks: Vec<AddonCheck>,
}

impl Arrived {
    fn is_empty(&self) -> bool {
        self.records.is_empty() && self.checks.is_empty()
    }
}

/// Everything one batch of pages needs to be written.
struct PageBatch<'a> {
    profile_id: i64,
    now: DateTime<Utc>,
    models: &'a ModelMap,
    exclusions: &'a Exclusions,
}

impl PageBatch<'_> {
    async fn apply(
        &self,
        db: &DatabaseConnection,
        arrived: Arrived,
        known: &mut HashMap<Key, Known>,
        seen: &mut HashSet<Key>,
        unrecognized: &mut HashMap<String, i64>,
        counts: &mut RunCounts,
    ) -> Result<(), SyncError> {
        let txn = db.begin_write().await?;
        let mut inserts = Vec::new();
        for record in arrived.records {
            counts.fetched += 1;
            if self.exclusions.drops_identifier(&record.identifier) {
                continue;
            }
            let key = (record.external_user_id.clone(), record.identifier.clone());
            let mut held = known.get_mut(&key);
            // A vendor that repeats a user across pages is counted once.
            match held {
                Some(Known { seen: true, .. }) => continue,
                Some(ref mut k) => k.seen = true,
                None => {
                    if !seen.insert(key) {
                        continue;
                    }
                }
            }
            let model = self.models.get(&record.identifier).copied();
            if model.is_none() {
                counts.unrecognized += 1;
                *unrecognized.entry(record.identifier.clone()).or_default() += 1;
            }
            let verdict = self
                .exclusions
                .verdict(&record.identifier, &record.user_principal_name);
            let hash = content_hash(&record, verdict.from_cost, verdict.from_reclaim);
            match held {
                Some(k) if k.hash == hash && !k.closed && k.model == model => counts.unchanged += 1,
                Some(k) => {
                    let id = k.id;
                    let hint = record.last_activity_hint;
                    let mut row = self.row(record, model, verdict, hash);
                    row.id = Set(id);
                    row.first_seen_at = sea_orm::ActiveValue::NotSet;
                    // Last activity only moves forward; the activity pull may know better.
                    row.last_activity_at = sea_orm::ActiveValue::NotSet;
                    sea_orm::ActiveModelTrait::update(row, &txn).await?;
                    if let Some(hint) = hint {
                        super::move_last_activity_forward(&txn, id, hint).await?;
                    }
                    (k.hash, k.closed, k.model) = (hash, false, model);
                    counts.updated += 1;
                }
                None => {
                    inserts.push(self.row(record, model, verdict, hash));
                    counts.created += 1;
                }
            }
        }
        let widest = inserts.iter().map(row_bytes).max().unwrap_or(1);
        let rows = super::rows_per_statement(db.get_database_backend(), INSERT_CHUNK, widest);
        let mut inserts = inserts.into_iter();
        for size in super::statement_sizes(inserts.len(), rows) {
            sub::Entity::insert_many(inserts.by_ref().take(size))
                .exec_without_returning(&txn)
                .await?;
        }
        addons::record_checks(&txn, self.profile_id, self.now, &arrived.checks).await?;
        txn.commit().await?;
        Ok(())
    }

    fn row(
        &self,
        r: SubscriptionRecord,
        model: Option<i64>,
        verdict: super::exclusions::Verdict,
        hash: i64,
    ) -> sub::ActiveModel {
        sub::ActiveModel {
            profile_id: Set(self.profile_id),
            software_model_id: Set(model),
            identifier: Set(r.identifier),
            external_user_id: Set(r.external_user_id),
            user_principal_name: Set(r.user_principal_name),
            display_name: Set(r.display_name),
            external_created_at: Set(r.external_created_at),
            assigned_at: Set(r.assigned_at),
            last_activity_at: Set(r.last_activity_hint),
            active: Set(r.active),
            is_privileged: Set(r.privileged),
            excluded_from_cost: Set(verdict.from_cost),
            excluded_from_reclaim: Set(verdict.from_reclaim),
            first_seen_at: Set(self.now),
            last_seen_at: Set(self.now),
            closed_at: Set(None),
            content_hash: Set(hash),
            updated_at: Set(self.now),
            ..Default::default()
        }
    }
}

/// The parameter bytes of a new subscription row.
fn row_bytes(row: &sub::ActiveModel) -> usize {
    use sea_orm::ActiveValue::{Set, Unchanged};
    let len = |v: &sea_orm::ActiveValue<String>| match v {
        Set(t) | Unchanged(t) => t.len(),
        _ => 0,
    };
    let name = match &row.display_name {
        Set(Some(n)) | Unchanged(Some(n)) => n.len(),
        _ => 0,
    };
    let texts = [
        &row.identifier,
        &row.external_user_id,
        &row.user_principal_name,
    ];
    super::row_bytes(18, &[]) + texts.into_iter().map(len).sum::<usize>() + name
}

/// FNV-1a over the fields the vendor controls plus what the exclusion rules decided: equal
/// hashes mean nothing to write. Stable across builds, unlike std's hasher.
fn content_hash(r: &SubscriptionRecord, from_cost: bool, from_reclaim: bool) -> i64 {
    let mut h = super::Fnv::default();
    let mut feed = |bytes: &[u8]| h.field(bytes);
    let time = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.timestamp_micros())
            .unwrap_or(i64::MIN)
            .to_le_bytes()
    };
    feed(r.user_principal_name.as_bytes());
    feed(r.display_name.as_deref().unwrap_or_default().as_bytes());
    feed(&time(r.external_created_at));
    feed(&time(r.assigned_at));
    feed(&time(r.last_activity_hint));
    feed(&[
        u8::from(r.active),
        u8::from(r.privileged),
        u8::from(from_cost),
        u8::from(from_reclaim),
    ]);
    h.finish() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> SubscriptionRecord {
        SubscriptionRecord {
            external_user_id: "u1".into(),
            user_principal_name: "a@x.test".into(),
            display_name: Some("A".into()),
            identifier: "G2M".into(),
            external_created_at: None,
            assigned_at: None,
            active: true,
            privileged: false,
            last_activity_hint: None,
        }
    }

    #[test]
    fn the_content_hash_changes_with_every_stored_field_and_only_then() {
        let base = content_hash(&record(), false, false);
        assert_eq!(base, content_hash(&record(), false, false));
        let mut r = record();
        r.display_name = Some("B".into());
        assert_ne!(base, content_hash(&r, false, false));
        let mut r = record();
        r.privileged = true;
        assert_ne!(base, content_hash(&r, false, false));
        assert_ne!(base, content_hash(&record(), true, false));
        assert_ne!(base, content_hash(&record(), false, true));
        // Field boundaries count: "ab"+"" differs from "a"+"b".
        let mut a = record();
        a.user_principal_name = "ab".into();
        a.display_name = None;
        let mut b = record();
        b.user_principal_name = "a".into();
        b.display_name = Some("b".into());
        assert_ne!(
            content_hash(&a, false, false),
            content_hash(&b, false, false)
        );
    }
}
