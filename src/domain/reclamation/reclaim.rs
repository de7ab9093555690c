//! Reclaiming through the vendor, exactly once. A request claims `READY` candidates into a
//! new `RECLAIM` run in one transaction (a second request for the same ids finds them
//! claimed); the run re-reads each seat at the vendor just before acting, marks the
//! candidate before the call, and records the outcome after it. A run re-executed after a
//! crash meets the marked candidates again and reads the seat first: a seat already gone
//! closes without a second call.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::enums::{CandidateState, JobKind};
use entity::{removal_candidate, software_subscription as sub};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use super::{Actor, Candidate, MoveResult, record};
use crate::connectors::{self, Connector, ConnectorError, ReclaimTarget};
use crate::db::BeginWrite;
use crate::domain::job_runs;
use crate::domain::sync::{Progress, ProgressSink, RunCounts, SyncError};
use crate::error::{AppError, Result};
use crate::jobs::JobQueue;
use crate::state::AppState;

/// Marks a subscription closed: the vendor no longer has the seat.
pub(super) async fn close_subscription(
    db: &impl ConnectionTrait,
    subscription_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sub::Entity::update_many()
        .col_expr(sub::Column::ClosedAt, Expr::value(now))
        .col_expr(sub::Column::Active, Expr::value(false))
        .col_expr(sub::Column::UpdatedAt, Expr::value(now))
        .filter(sub::Column::Id.eq(subscription_id))
        .filter(sub::Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Claims the `READY` candidates among `ids` into one new reclaim run per profile and queues
/// those runs. Answers per id: the claimed candidate, or why not (`CONFLICT` naming its
/// state, or that its profile has reclaim switched off).
pub async fn claim_for_reclaim(
    state: &AppState,
    actor: &Actor,
    ids: &[i64],
) -> Result<Vec<MoveResult>> {
    use removal_candidate::Column as C;
    let found: BTreeMap<i64, removal_candidate::Model> = removal_candidate::Entity::find()
        .filter(C::Id.is_in(ids.iter().copied()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut answers: BTreeMap<i64, Result<Candidate>> = BTreeMap::new();
    let mut by_profile: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for id in ids {
        match found.get(id) {
            None => {
                answers.insert(*id, Err(AppError::not_found("RemovalCandidate")));
            }
            Some(c) if c.state != CandidateState::Ready => {
                answers.insert(*id, Err(not_ready(c.state)));
            }
            Some(c) => match c.profile_id {
                Some(p) => by_profile.entry(p).or_default().push(*id),
                None => {
                    answers.insert(
                        *id,
                        Err(AppError::Conflict(
                            "its integration profile was deleted: nothing can reclaim it".into(),
                        )),
                    );
                }
            },
        }
    }
    for (profile_id, group) in by_profile {
        for (id, outcome) in claim_group(state, actor, profile_id, &group).await? {
            answers.insert(id, outcome);
        }
    }
    Ok(ids
        .iter()
        .map(|id| MoveResult {
            id: *id,
            outcome: answers
                .remove(id)
                .unwrap_or_else(|| Err(AppError::Conflict("the same id was given twice".into()))),
        })
        .collect())
}

fn not_ready(state: CandidateState) -> AppError {
    AppError::Conflict(format!(
        "a candidate in {state} cannot be reclaimed: only READY candidates can"
    ))
}

async fn claim_group(
    state: &AppState,
    actor: &Actor,
    profile_id: i64,
    ids: &[i64],
) -> Result<Vec<(i64, Result<Candidate>)>> {
    use removal_candidate::Column as C;
    let txn = state.db.begin_write().await?;
    let profile = crate::domain::profiles::get(&txn, profile_id).await?;
    if !profile.reclaim {
        let why = format!(
            "reclaim is switched off for the integration profile \"{}\": its candidates are tracked, but nothing calls the vendor",
            profile.display_name
        );
        return Ok(ids
            .iter()
            .map(|id| (*id, Err(AppError::Conflict(why.clone()))))
            .collect());
    }
    let principal = match actor {
        Actor::Person(p) => Some(p),
        Actor::Job { .. } | Actor::Holder(_) | Actor::Approver(_) => None,
    };
    let task_id = JobQueue::new_task_id();
    let run = job_runs::enqueue_in(
        &txn,
        principal,
        Some(profile_id),
        JobKind::Reclaim,
        None,
        &task_id,
    )
    .await?
    .run;
    let now = Utc::now();
    removal_candidate::Entity::update_many()
        .col_expr(C::State, Expr::value(CandidateState::Reclaiming))
        .col_expr(C::ReclaimRunId, Expr::value(run.id))
        .col_expr(C::VendorCallAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.is_in(ids.iter().copied()))
        .filter(C::State.eq(CandidateState::Ready))
        .exec(&txn)
        .await?;
    let rows: BTreeMap<i64, removal_candidate::Model> = removal_candidate::Entity::find()
        .filter(C::Id.is_in(ids.iter().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let job_actor = match actor {
        Actor::Person(p) => Actor::Person(p.clone()),
        Actor::Job { what, .. } => Actor::Job {
            run_id: Some(run.id),
            what,
        },
        Actor::Holder(who) => Actor::Holder(who.clone()),
        Actor::Approver(who) => Actor::Approver(who.clone()),
    };
    let mut claimed = 0;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match rows.get(id) {
            Some(c)
                if c.reclaim_run_id == Some(run.id) && c.state == CandidateState::Reclaiming =>
            {
                claimed += 1;
                record(
                    &txn,
                    *id,
                    Some(CandidateState::Ready),
                    CandidateState::Reclaiming,
                    &job_actor,
                    Some(format!("claimed by reclaim run {}", run.id)),
                    now,
                )
                .await?;
                out.push((*id, Ok(Candidate::from(c.clone()))));
            }
            Some(c) => out.push((*id, Err(not_ready(c.state)))),
            None => out.push((*id, Err(AppError::not_found("RemovalCandidate")))),
        }
    }
    if claimed == 0 {
        // Dropping the transaction rolls the run back too.
        return Ok(out);
    }
    txn.commit().await?;
    crate::jobs::push(state, run).await?;
    Ok(out)
}

/// How one candidate ended.
enum Ending {
    Reclaimed,
    /// The seat was gone before the call: closed complete, counted skipped.
    AlreadyGone,
    Canceled(String),
    Refused(String, Option<String>),
    SubscriptionGone,
    /// Excluded from reclaim (or made an admin) since it was flagged.
    Excluded,
}

/// Executes reclaim run `run_id` of the profile: every candidate it claimed and has not
/// finished, in id order. The counts are read back from the candidates, so a run
/// re-executed after a crash reports what the whole run did.
pub async fn reclaim_run(
    state: &AppState,
    run_id: i64,
    profile_id: i64,
    progress: &dyn ProgressSink,
) -> Result<RunCounts, SyncError> {
    use removal_candidate::Column as C;
    let db = &state.db;
    let profile = crate::domain::sync::find_profile(db, profile_id).await?;
    let pending: Vec<removal_candidate::Model> = removal_candidate::Entity::find()
        .filter(C::ReclaimRunId.eq(run_id))
        .filter(C::State.eq(CandidateState::Reclaiming))
        .order_by_asc(C::Id)
        .all(db)
        .await?;
    let total = removal_candidate::Entity::find()
        .filter(C::ReclaimRunId.eq(run_id))
        .count(db)
        .await? as i64;
    let mut done = total - pending.len() as i64;
    let mut counts = counts(db, run_id).await?;
    let connector = if pending.is_empty() {
        None
    } else {
        Some(crate::domain::connections::connector_for(state, &profile).await?)
    };
    let actor = Actor::Job {
        run_id: Some(run_id),
        what: "reclaim",
    };
    for cand in pending {
        let Some(connector) = connector.as_deref() else {
            break;
        };
        let ending = reclaim_one(db, connector, profile.vendor, &cand).await?;
        finish_one(state, &cand, run_id, ending, &actor).await?;
        done += 1;
        // Only this candidate moved: read its outcome, not the whole run's again.
        if let Some((state, called)) = outcome(db, cand.id).await? {
            tally(&mut counts, state, called);
        }
        counts.requests_made = connector.requests_made() as i64;
        progress
            .report(&Progress {
                done,
                total: Some(total),
                counts: counts.clone(),
            })
            .await;
    }
    let mut counts = self::counts(db, run_id).await?;
    counts.requests_made = connector.map_or(0, |c| c.requests_made() as i64);
    Ok(counts)
}

/// What the run's candidates show: reclaimed, skipped, canceled, refused (errors).
async fn counts(db: &DatabaseConnection, run_id: i64) -> Result<RunCounts, SyncError> {
    use removal_candidate::Column as C;
    use sea_orm::QuerySelect;
    let rows: Vec<(CandidateState, Option<DateTime<Utc>>)> = removal_candidate::Entity::find()
        .select_only()
        .columns([C::State, C::VendorCallAt])
        .filter(C::ReclaimRunId.eq(run_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut c = RunCounts {
        fetched: rows.len() as i64,
        ..RunCounts::default()
    };
    for (state, called) in rows {
        tally(&mut c, state, called);
    }
    Ok(c)
}

/// One candidate's state and whether the vendor was called for it.
async fn outcome(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Option<(CandidateState, Option<DateTime<Utc>>)>, SyncError> {
    use removal_candidate::Column as C;
    use sea_orm::QuerySelect;
    Ok(removal_candidate::Entity::find_by_id(id)
        .select_only()
        .columns([C::State, C::VendorCallAt])
        .into_tuple()
        .one(db)
        .await?)
}

/// Adds one finished candidate to the run's counts.
fn tally(c: &mut RunCounts, state: CandidateState, called: Option<DateTime<Utc>>) {
    match state {
        CandidateState::ClosedComplete if called.is_some() => c.reclaimed += 1,
        CandidateState::ClosedComplete | CandidateState::ClosedSkipped => c.skipped += 1,
        CandidateState::ClosedCanceled => c.canceled += 1,
        CandidateState::AttentionRequired => c.errors += 1,
        CandidateState::Ready
        | CandidateState::AwaitingUser
        | CandidateState::AwaitingApproval
        | CandidateState::AwaitingRevocation
        | CandidateState::Reclaiming => {}
    }
}

async fn reclaim_one(
    db: &DatabaseConnection,
    connector: &dyn Connector,
    vendor: entity::enums::Vendor,
    cand: &removal_candidate::Model,
) -> Result<Ending, SyncError> {
    use removal_candidate::Column as C;
    let subscription = match cand.subscription_id {
        Some(id) => sub::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let Some(subscription) = subscription else {
        return Ok(Ending::SubscriptionGone);
    };
    if subscription.closed_at.is_some() {
        return Ok(Ending::SubscriptionGone);
    }
    if subscription.excluded_from_reclaim || subscription.is_privileged {
        return Ok(Ending::Excluded);
    }
    if subscription.last_activity_at > cand.last_activity_at {
        return Ok(Ending::Canceled(format!(
            "qualifying activity came back before the reclaim ({})",
            subscription
                .last_activity_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        )));
    }
    let Some(product) = connectors::product(vendor, &subscription.identifier) else {
        return Ok(Ending::Refused(
            format!(
                "{} is not a product Seatkeeper knows how to reclaim",
                subscription.identifier
            ),
            None,
        ));
    };
    let window_from = super::evidence::read(cand).map(|e| e.window_from);
    let target = ReclaimTarget {
        external_user_id: subscription.external_user_id.clone(),
        user_principal_name: subscription.user_principal_name.clone(),
        product,
        used_since: window_from,
    };

    // The connector retries transient failures and 429s itself (SEATKEEPER_VENDOR_RETRIES);
    // what still fails needs a person, who can retry the candidate.
    let result = async {
        let seat = connector.seat(&target).await?;
        if !seat.held {
            return Ok(Ending::AlreadyGone);
        }
        if let (Some(used), Some(from)) = (seat.last_used_at, window_from)
            && used > from
        {
            return Ok(Ending::Canceled(format!(
                "the vendor reports use on {} before the reclaim",
                used.to_rfc3339()
            )));
        }
        // Marked before the call: a crash after it leaves the mark for the seat check.
        removal_candidate::Entity::update_many()
            .col_expr(C::VendorCallAt, Expr::value(Utc::now()))
            .filter(C::Id.eq(cand.id))
            .exec(db)
            .await
            .map_err(|e| ConnectorError::Transient(format!("database: {e}")))?;
        connectors::reclaim(connector, &target).await?;
        Ok::<Ending, ConnectorError>(Ending::Reclaimed)
    }
    .await;
    Ok(result.unwrap_or_else(|err| {
        let code = err.vendor_code().map(str::to_owned);
        Ending::Refused(err.to_string(), code)
    }))
}

async fn finish_one(
    state: &AppState,
    cand: &removal_candidate::Model,
    run_id: i64,
    ending: Ending,
    actor: &Actor,
) -> Result<(), SyncError> {
    use removal_candidate::Column as C;
    // The reclaim time starts the restore window, which reads the same clock.
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let (to, reason) = match &ending {
        Ending::Reclaimed => (
            CandidateState::ClosedComplete,
            "reclaimed at the vendor".to_owned(),
        ),
        Ending::AlreadyGone => (
            CandidateState::ClosedComplete,
            "the seat was already released at the vendor".to_owned(),
        ),
        Ending::Canceled(why) => (CandidateState::ClosedCanceled, why.clone()),
        Ending::Refused(why, _) => (CandidateState::AttentionRequired, why.clone()),
        Ending::SubscriptionGone => (
            CandidateState::ClosedSkipped,
            "the vendor no longer lists the seat".to_owned(),
        ),
        Ending::Excluded => (
            CandidateState::ClosedSkipped,
            "excluded from reclaim (or a vendor admin) since it was flagged".to_owned(),
        ),
    };
    let mut update = removal_candidate::Entity::update_many()
        .col_expr(C::State, Expr::value(to))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(cand.id))
        .filter(C::ReclaimRunId.eq(run_id))
        .filter(C::State.eq(CandidateState::Reclaiming));
    update = match &ending {
        Ending::Refused(why, code) => update
            .col_expr(C::AttentionReason, Expr::value(why.clone()))
            .col_expr(C::VendorCode, Expr::value(code.clone())),
        _ => update
            .col_expr(C::ClosedAt, Expr::value(now))
            .col_expr(C::CloseReason, Expr::value(reason.clone())),
    };
    if to == CandidateState::ClosedComplete {
        update = update.col_expr(C::ReclaimedAt, Expr::value(now)).col_expr(
            C::RealisedSavingsMinor,
            Expr::value(cand.potential_savings_minor),
        );
    }
    let moved = update.exec(&txn).await?;
    if moved.rows_affected == 1 {
        if to == CandidateState::ClosedComplete
            && let Some(sub_id) = cand.subscription_id
        {
            close_subscription(&txn, sub_id, now).await?;
        }
        record(
            &txn,
            cand.id,
            Some(CandidateState::Reclaiming),
            to,
            actor,
            Some(reason),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
