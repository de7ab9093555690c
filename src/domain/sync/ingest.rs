//! A run's events on their way in: noted for the roll-up at once, held compactly, and
//! stored half a million at a time. Connector batches are small (a report page, one
//! user's meetings); every store writes its events in key order across the whole
//! deduplicating index, so its pages are read and rewritten once per store: fewer, larger
//! stores write far less. An event held here costs about 40 bytes (its user and source as
//! small numbers) instead of the few hundred of an `ActivityRecord`. On PostgreSQL the
//! events are staged by `COPY` and stored once, at the end of the run (see
//! [`super::events::Stage`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::ActivityKind;
use entity::vendor_user;
use futures_util::StreamExt;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QuerySelect, Set,
};

use super::events::{Event, Names, Stage, store_events};
use super::pg_copy::{self, Line};
use super::{RunCounts, SyncError};
use crate::connectors::ActivityRecord;
use crate::db::BeginWrite;

/// Events held before they are stored, in one transaction.
const FLUSH: usize = 500_000;
/// Vendor users per insert statement at most; fewer on PostgreSQL, see
/// `rows_per_statement`.
const CHUNK: usize = 512;
/// Activity kinds there are (codes 1 to this).
const KINDS: usize = 4;

fn kind_slot(kind: ActivityKind) -> usize {
    (kind.code() as usize - 1).min(KINDS - 1)
}

/// A vendor user met in the run.
struct Met {
    /// The first address an event gave, for a user the profile has not met before.
    upn: Option<Box<str>>,
    /// The newest event of each kind (by [`kind_slot`]).
    newest: [Option<DateTime<Utc>>; KINDS],
    /// Their `vendor_user` id, once a committed flush knows it.
    id: Option<i64>,
}

#[derive(Default)]
pub(super) struct Ingest {
    /// Users met, by external id: their place in `met`.
    index: HashMap<String, u32>,
    met: Vec<Met>,
    /// The sources events named (a connector names a few).
    sources: Vec<Box<str>>,
    pending: Vec<Event>,
    /// PostgreSQL: where flushes put the events until [`Ingest::finish`] stores them.
    stage: Option<Stage>,
}

impl Ingest {
    /// The newest event of each of `kinds` that the run saw for a user.
    pub fn newest(&self, external_user_id: &str, kinds: &[ActivityKind]) -> Option<DateTime<Utc>> {
        let met = &self.met[*self.index.get(external_user_id)? as usize];
        kinds.iter().filter_map(|k| met.newest[kind_slot(*k)]).max()
    }

    /// Takes one batch, noting each event for the roll-up at `roll_at`; stores what is
    /// pending once there is enough of it.
    pub async fn add(
        &mut self,
        db: &DatabaseConnection,
        profile_id: i64,
        batch: Vec<ActivityRecord>,
        counts: &mut RunCounts,
        roll_at: &(dyn Fn(&ActivityRecord) -> DateTime<Utc> + Sync),
    ) -> Result<(), SyncError> {
        counts.fetched += batch.len() as i64;
        for record in batch {
            let at = roll_at(&record);
            let user = self.user(record.external_user_id, record.user_principal_name);
            let slot = &mut self.met[user as usize].newest[kind_slot(record.kind)];
            *slot = (*slot).max(Some(at));
            let source = self.source(&record.source);
            self.pending.push(Event {
                user,
                source,
                kind: record.kind.code(),
                at_ms: record.occurred_at.timestamp_millis(),
                external_ref: record.external_ref.map(String::into_boxed_str),
            });
        }
        if self.pending.len() >= FLUSH {
            self.flush(db, profile_id, counts).await?;
        }
        Ok(())
    }

    /// The user's place in `met`, added on first sight. Looked up by &str first: an owned
    /// key is kept once per user, not per event.
    fn user(&mut self, external_user_id: String, upn: Option<String>) -> u32 {
        if let Some(&i) = self.index.get(external_user_id.as_str()) {
            let met = &mut self.met[i as usize];
            if met.upn.is_none() && met.id.is_none() {
                met.upn = upn.map(String::into_boxed_str);
            }
            return i;
        }
        let i = self.met.len() as u32;
        self.met.push(Met {
            upn: upn.map(String::into_boxed_str),
            newest: [None; KINDS],
            id: None,
        });
        self.index.insert(external_user_id, i);
        i
    }

    fn source(&mut self, source: &str) -> u32 {
        match self.sources.iter().rposition(|s| **s == *source) {
            Some(i) => i as u32,
            None => {
                self.sources.push(source.into());
                (self.sources.len() - 1) as u32
            }
        }
    }

    /// Stores every pending event and any user met for the first time (on PostgreSQL,
    /// stages the events for [`Ingest::finish`]).
    async fn flush(
        &mut self,
        db: &DatabaseConnection,
        profile_id: i64,
        counts: &mut RunCounts,
    ) -> Result<(), SyncError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let ids = match db.get_database_backend() {
            DbBackend::Postgres => self.stage_pending(db, profile_id).await?,
            _ => {
                let (stored, ids) = self.insert_pending(db, profile_id).await?;
                counts.created += stored as i64;
                counts.unchanged = counts.fetched - counts.created;
                ids
            }
        };
        // Ids read or made in a committed transaction stay valid: the profile's users go
        // only with the profile, which each flush holds.
        for (met, id) in self.met.iter_mut().zip(ids) {
            met.id = Some(id);
            met.upn = None;
        }
        self.pending.clear();
        Ok(())
    }

    /// Stores everything still pending or staged; `counts` then has fetched, created
    /// (new events) and unchanged (repeats and events already stored).
    pub async fn finish(
        &mut self,
        db: &DatabaseConnection,
        profile_id: i64,
        counts: &mut RunCounts,
    ) -> Result<(), SyncError> {
        self.flush(db, profile_id, counts).await?;
        if let Some(stage) = self.stage.take() {
            counts.created += stage.store(profile_id).await? as i64;
        }
        counts.unchanged = counts.fetched - counts.created;
        Ok(())
    }

    /// Sorts the pending events by their stored key and drops repeats.
    fn sort_pending(&mut self, ids: &[i64]) {
        let key = |e: &Event| (ids[e.user as usize], e.kind, e.at_ms);
        self.pending.sort_unstable_by_key(key);
        self.pending.dedup_by_key(|e| key(e));
    }

    /// SQLite: the events in one transaction, in multi-row inserts.
    async fn insert_pending(
        &mut self,
        db: &DatabaseConnection,
        profile_id: i64,
    ) -> Result<(u64, Vec<i64>), SyncError> {
        let ids = self.user_ids(db, profile_id).await?;
        let txn = db.begin_write().await?;
        super::hold_profile(&txn, profile_id).await?;
        self.sort_pending(&ids);
        let names = Names {
            user_ids: &ids,
            sources: &self.sources,
        };
        let stored = store_events(&txn, &self.pending, &names).await?;
        txn.commit().await?;
        Ok((stored, ids))
    }

    /// PostgreSQL: the events into the run's staging table.
    async fn stage_pending(
        &mut self,
        db: &DatabaseConnection,
        profile_id: i64,
    ) -> Result<Vec<i64>, SyncError> {
        let ids = self.user_ids(db, profile_id).await?;
        let stage = match &mut self.stage {
            Some(stage) => stage,
            None => self
                .stage
                .insert(Stage::open(db.get_postgres_connection_pool()).await?),
        };
        let names = Names {
            user_ids: &ids,
            sources: &self.sources,
        };
        stage.copy(&self.pending, &names).await?;
        Ok(ids)
    }

    /// The `vendor_user` id of every user met, creating (in a transaction of their own)
    /// the users the profile has not met yet.
    async fn user_ids(
        &self,
        db: &DatabaseConnection,
        profile_id: i64,
    ) -> Result<Vec<i64>, SyncError> {
        if self.met.iter().all(|m| m.id.is_some()) {
            return Ok(self.met.iter().filter_map(|m| m.id).collect());
        }
        let mut known = load_users(db, profile_id).await?;
        let new: Vec<(&str, Option<&str>)> = self
            .index
            .iter()
            .map(|(user, &i)| (user.as_str(), &self.met[i as usize]))
            .filter(|(user, met)| met.id.is_none() && !known.contains_key(*user))
            .map(|(user, met)| (user, met.upn.as_deref()))
            .collect();
        if !new.is_empty() {
            add_users(db, profile_id, new).await?;
            known = load_users(db, profile_id).await?;
        }
        let mut ids = vec![0; self.met.len()];
        for (user, &i) in &self.index {
            ids[i as usize] = match self.met[i as usize].id {
                Some(id) => id,
                None => *known.get(user).ok_or_else(|| {
                    SyncError::App(crate::error::AppError::internal(format!(
                        "vendor user {user} was not stored"
                    )))
                })?,
            };
        }
        Ok(ids)
    }
}

/// The profile's vendor users, by external id.
async fn load_users(
    db: &DatabaseConnection,
    profile_id: i64,
) -> Result<HashMap<String, i64>, SyncError> {
    let mut rows = vendor_user::Entity::find()
        .select_only()
        .columns([vendor_user::Column::Id, vendor_user::Column::ExternalUserId])
        .filter(vendor_user::Column::ProfileId.eq(profile_id))
        .into_tuple::<(i64, String)>()
        .stream(db)
        .await?;
    let mut users = HashMap::new();
    while let Some(row) = rows.next().await {
        let (id, user) = row?;
        users.insert(user, id);
    }
    Ok(users)
}

/// Creates vendor users (external id, address) the profile has not met yet, in one
/// transaction that holds the profile.
async fn add_users(
    db: &DatabaseConnection,
    profile_id: i64,
    mut new: Vec<(&str, Option<&str>)>,
) -> Result<(), SyncError> {
    new.sort_unstable();
    if db.get_database_backend() == DbBackend::Postgres {
        let insert = format!(
            "INSERT INTO vendor_user (profile_id, external_user_id, user_principal_name, created_at) \
             SELECT {profile_id}, external_user_id, user_principal_name, now() FROM met \
             ON CONFLICT (profile_id, external_user_id) DO NOTHING"
        );
        let table = ("met", "external_user_id TEXT, user_principal_name TEXT");
        let pool = db.get_postgres_connection_pool();
        let row = |line: &mut Line<'_>, (user, upn): (&str, Option<&str>)| {
            line.text(Some(user)).text(upn);
        };
        pg_copy::apply_copied(pool, Some(profile_id), table, new, row, &insert).await?;
        return Ok(());
    }
    let now = Utc::now();
    let txn = db.begin_write().await?;
    super::hold_profile(&txn, profile_id).await?;
    let widest = new
        .iter()
        .map(|(user, upn)| super::row_bytes(4, &[user, upn.unwrap_or_default()]))
        .max()
        .unwrap_or(1);
    let per_statement = super::rows_per_statement(db.get_database_backend(), CHUNK, widest);
    for chunk in new.chunks(per_statement) {
        let rows = chunk.iter().map(|(user, upn)| vendor_user::ActiveModel {
            profile_id: Set(profile_id),
            external_user_id: Set((*user).to_owned()),
            user_principal_name: Set(upn.map(str::to_owned)),
            addons_checked_at: Set(None),
            known_addons: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
        let conflict = OnConflict::columns([
            vendor_user::Column::ProfileId,
            vendor_user::Column::ExternalUserId,
        ])
        .do_nothing()
        .to_owned();
        match vendor_user::Entity::insert_many(rows)
            .on_conflict(conflict)
            .exec_without_returning(&txn)
            .await
        {
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(err) => return Err(err.into()),
        }
    }
    txn.commit().await?;
    Ok(())
}
