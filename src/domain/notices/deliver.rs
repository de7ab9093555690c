//! Delivering the outbox: a `DELIVER_NOTICES` run sends a profile's due notices, one
//! attempt each, over SMTP (lettre) or a signed webhook. Each notice is claimed
//! (`SENDING`, attempt counted) before the network call and settled after it, each step in
//! one transaction per batch, so a crash in between leaves it `SENDING` for the next run to
//! send again under the same delivery id (`Message-ID`, `Seatkeeper-Delivery`), which receivers
//! use to drop a repeat.

use chrono::{DateTime, Utc};
use entity::enums::{CandidateState, NoticeKind, NoticeState};
use entity::{notice, notice_attempt, reclamation_rule, removal_candidate};
use futures_util::StreamExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use super::links::{self, LinkAction};
use super::message::{self, Facts};
use super::transport::{Claimed, SendError, Senders, approval_body, holder_body};
use crate::connectors::ReclaimAction;
use crate::db::BeginWrite;
use crate::domain::reclamation::{Actor, record};
use crate::domain::sync::{Progress, ProgressSink, RunCounts, SyncError};
use crate::error::Result;
use crate::state::AppState;

/// Notices read per batch.
const BATCH: u64 = 100;
/// Notices in flight at once within a batch (SMTP connections are pooled).
const SEND_CONCURRENCY: usize = 8;

/// Delivers the profile's due notices. Notices `SENDING` when the run starts were left by
/// a stopped worker (one delivery run per profile is active at a time): they go again.
pub async fn deliver_run(
    state: &AppState,
    run_id: i64,
    profile_id: i64,
    sink: &dyn ProgressSink,
) -> std::result::Result<RunCounts, SyncError> {
    use notice::Column as N;
    notice::Entity::update_many()
        .col_expr(N::State, Expr::value(NoticeState::Pending))
        .filter(N::ProfileId.eq(profile_id))
        .filter(N::State.eq(NoticeState::Sending))
        .exec(&state.db)
        .await?;
    let senders = Senders::new(&state.settings.notices)?;
    let mut counts = RunCounts::default();
    let mut done = 0;
    let mut after = 0;
    loop {
        let now = state.clock.now();
        let batch = notice::Entity::find()
            .filter(N::ProfileId.eq(profile_id))
            .filter(N::State.eq(NoticeState::Pending))
            .filter(N::NextAttemptAt.lte(now))
            .filter(N::Id.gt(after))
            .order_by_asc(N::Id)
            .limit(BATCH)
            .all(&state.db)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        // Claim the batch in one transaction, send up to SEND_CONCURRENCY at once, record
        // every outcome in one transaction.
        let txn = state.db.begin_write().await?;
        let mut ready = Vec::with_capacity(batch.len());
        for n in batch {
            match claim(state, &txn, &n).await? {
                Claim::Ready(c) => ready.push((n, c)),
                Claim::Dropped => {
                    counts.skipped += 1;
                    done += 1;
                }
                Claim::Taken => {}
            }
        }
        txn.commit().await?;
        let now = state.clock.now();
        let senders = &senders;
        let sent: Vec<_> = futures_util::stream::iter(ready)
            .map(|(n, c)| async move {
                let result = senders.send(&n, &c, now).await;
                (n, result)
            })
            .buffer_unordered(SEND_CONCURRENCY)
            .collect()
            .await;
        let txn = state.db.begin_write().await?;
        for (n, result) in sent {
            let attempt = n.attempts + 1;
            match settle(state, &txn, run_id, &n, attempt, result).await? {
                Settled::Sent => counts.updated += 1,
                Settled::Retry | Settled::Failed => counts.errors += 1,
            }
            counts.requests_made += 1;
            done += 1;
        }
        txn.commit().await?;
        sink.report(&Progress {
            done,
            total: None,
            counts: counts.clone(),
        })
        .await;
    }
    counts.fetched = done;
    Ok(counts)
}

/// How one attempt ended.
enum Settled {
    Sent,
    Retry,
    Failed,
}

/// What claiming a notice found.
enum Claim {
    Ready(Claimed),
    /// Its candidate moved on: not sent.
    Dropped,
    /// Another run had it; nothing done.
    Taken,
}

/// How long an approver's links work.
const APPROVAL_LINK_DAYS: i64 = 14;

/// Claims the notice in `txn` (`SENDING`, attempt counted, reclaim date fixed), or drops
/// it when its candidate no longer waits for the answer it asks for.
async fn claim(
    state: &AppState,
    txn: &impl sea_orm::ConnectionTrait,
    n: &notice::Model,
) -> Result<Claim> {
    use notice::Column as N;
    use removal_candidate::Column as C;
    let now = state.clock.now();
    let cand = removal_candidate::Entity::find_by_id(n.candidate_id)
        .one(txn)
        .await?;
    let waits = |c: &removal_candidate::Model| match n.kind {
        NoticeKind::Approval => c.state == CandidateState::AwaitingApproval,
        NoticeKind::Notice | NoticeKind::Reminder => super::waits_for_holder(c.state),
    };
    let Some(cand) = cand.filter(waits) else {
        let dropped = notice::Entity::update_many()
            .col_expr(N::State, Expr::value(NoticeState::Dropped))
            .col_expr(
                N::LastError,
                Expr::value("not sent: the candidate no longer waits for this answer"),
            )
            .filter(N::Id.eq(n.id))
            .filter(N::State.eq(NoticeState::Pending))
            .exec(txn)
            .await?;
        return Ok(if dropped.rows_affected == 1 {
            Claim::Dropped
        } else {
            Claim::Taken
        });
    };
    if n.kind == NoticeKind::Approval {
        let expires = n
            .reclaim_at
            .unwrap_or_else(|| now + chrono::Duration::days(APPROVAL_LINK_DAYS));
        let claimed = notice::Entity::update_many()
            .col_expr(N::State, Expr::value(NoticeState::Sending))
            .col_expr(N::Attempts, Expr::col(N::Attempts).add(1))
            .col_expr(N::ReclaimAt, Expr::value(expires))
            .filter(N::Id.eq(n.id))
            .filter(N::State.eq(NoticeState::Pending))
            .exec(txn)
            .await?;
        if claimed.rows_affected == 0 {
            return Ok(Claim::Taken);
        }
        let a = approval_facts(state, txn, &cand, expires).await?;
        let msg = message::render_approval(&a);
        return Ok(Claim::Ready(Claimed {
            to: n.recipient.clone().unwrap_or_default(),
            body: approval_body(n, &a, &msg),
            msg,
        }));
    }
    let wait_days = match cand.rule_id {
        Some(id) => reclamation_rule::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map_or(0, |r| r.notify_wait_days),
        None => 0,
    };
    let decide_by = cand
        .decide_by
        .unwrap_or_else(|| now + chrono::Duration::days(wait_days.into()));
    removal_candidate::Entity::update_many()
        .col_expr(C::DecideBy, Expr::value(decide_by))
        .filter(C::Id.eq(cand.id))
        .filter(C::DecideBy.is_null())
        .exec(txn)
        .await?;
    let claimed = notice::Entity::update_many()
        .col_expr(N::State, Expr::value(NoticeState::Sending))
        .col_expr(N::Attempts, Expr::col(N::Attempts).add(1))
        .col_expr(N::ReclaimAt, Expr::value(decide_by))
        .filter(N::Id.eq(n.id))
        .filter(N::State.eq(NoticeState::Pending))
        .exec(txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(Claim::Taken);
    }
    let mut facts = facts(state, txn, &cand, decide_by).await?;
    facts.reminder = n.kind == NoticeKind::Reminder;
    let msg = message::render(&state.settings.notices, &facts);
    Ok(Claim::Ready(Claimed {
        to: cand.user_principal_name,
        body: holder_body(n, &facts, &msg),
        msg,
    }))
}

/// What an approver is asked, with their links (expiring at `expires`).
pub(super) async fn approval_facts(
    state: &AppState,
    db: &impl sea_orm::ConnectionTrait,
    cand: &removal_candidate::Model,
    expires: DateTime<Utc>,
) -> Result<message::ApprovalFacts> {
    use entity::removal_candidate_event as E;
    let facts = facts(state, db, cand, expires).await?;
    let kept = E::Entity::find()
        .filter(E::Column::CandidateId.eq(cand.id))
        .filter(E::Column::ToState.eq(CandidateState::AwaitingApproval))
        .order_by_desc(E::Column::Id)
        .one(db)
        .await?;
    let why = match kept {
        Some(e) if e.from_state == Some(CandidateState::AwaitingUser) => e
            .reason
            .unwrap_or_else(|| "the holder keeps the seat".to_owned()),
        _ => "the rule asks for an approval before each reclaim".to_owned(),
    };
    Ok(message::ApprovalFacts {
        approve_url: link_url(state, cand.id, LinkAction::Approve, expires),
        reject_url: link_url(state, cand.id, LinkAction::Reject, expires),
        expires_at: expires,
        why,
        facts,
    })
}

/// The public URL of a signed link.
fn link_url(
    state: &AppState,
    candidate_id: i64,
    action: LinkAction,
    expires: DateTime<Utc>,
) -> String {
    let base = state.settings.public_url.as_deref().unwrap_or_default();
    format!(
        "{}/notice/{}",
        base.trim_end_matches('/'),
        links::sign(state.cipher.link_key(), candidate_id, action, expires)
    )
}

pub(super) async fn facts(
    state: &AppState,
    db: &impl sea_orm::ConnectionTrait,
    cand: &removal_candidate::Model,
    decide_by: DateTime<Utc>,
) -> Result<Facts> {
    use entity::{integration_profile, software_model, software_subscription};
    let tenant = match cand.profile_id {
        Some(id) => integration_profile::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|p| (p.display_name, p.vendor)),
        None => None,
    };
    let model = match cand.software_model_id {
        Some(id) => software_model::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let identifier = match cand.subscription_id {
        Some(id) => software_subscription::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|s| s.identifier),
        None => None,
    };
    let product = model
        .as_ref()
        .map(|m| m.display_name.clone())
        .or_else(|| identifier.clone())
        .unwrap_or_else(|| "licence".to_owned());
    let action = match (&tenant, &identifier) {
        (Some((_, vendor)), Some(identifier)) => {
            crate::connectors::product(*vendor, identifier).and_then(|p| p.reclaim)
        }
        _ => None,
    };
    let tenant = tenant.map_or_else(|| "your organisation".to_owned(), |t| t.0);
    let loses = match action {
        Some(ReclaimAction::Downgrade) => format!(
            "the paid {product} features: your account moves to the free plan and keeps its data"
        ),
        Some(ReclaimAction::RemoveLicense) => {
            format!("the {product} licence; your account and its data stay")
        }
        Some(ReclaimAction::DisableUser) => format!(
            "access to {tenant}: your account is disabled, which frees the paid seat; its data stays"
        ),
        None => format!("the {product} licence"),
    };
    let link = |action| link_url(state, cand.id, action, decide_by);
    Ok(Facts {
        holder: cand.user_principal_name.clone(),
        product,
        tenant,
        last_activity_at: cand.last_activity_at,
        reclaim_at: decide_by,
        loses,
        keep_url: link(LinkAction::Keep),
        release_url: link(LinkAction::Release),
        reminder: false,
    })
}

/// Schedules the reminders the candidate's rule asks for after its first notice went out,
/// in the transaction that records the delivery (so they are written exactly once).
async fn reminders_after(
    txn: &impl sea_orm::ConnectionTrait,
    n: &notice::Model,
    sent_at: DateTime<Utc>,
) -> Result<()> {
    let Some(cand) = removal_candidate::Entity::find_by_id(n.candidate_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let (Some(rule_id), Some(decide_by)) = (cand.rule_id, cand.decide_by) else {
        return Ok(());
    };
    let Some(rule) = reclamation_rule::Entity::find_by_id(rule_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    if rule.reminder_count > 0 {
        super::schedule_reminders(
            txn,
            n,
            rule.reminder_count,
            rule.reminder_interval_days,
            decide_by - chrono::Duration::days(rule.notify_wait_days.into()),
            sent_at,
            decide_by,
        )
        .await?;
    }
    Ok(())
}

/// Records the attempt and moves the notice (and, when every notice failed, its candidate).
async fn settle(
    state: &AppState,
    txn: &impl sea_orm::ConnectionTrait,
    run_id: i64,
    n: &notice::Model,
    attempt: i32,
    result: std::result::Result<(), SendError>,
) -> Result<Settled> {
    use notice::Column as N;
    use removal_candidate::Column as C;
    let now = state.clock.now();
    let settings = &state.settings.notices;
    notice_attempt::Entity::insert(notice_attempt::ActiveModel {
        notice_id: Set(n.id),
        number: Set(attempt),
        at: Set(now),
        delivered: Set(result.is_ok()),
        error: Set(result.as_ref().err().map(|e| e.message.clone())),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    let settled = match result {
        Ok(()) => {
            notice::Entity::update_many()
                .col_expr(N::State, Expr::value(NoticeState::Sent))
                .col_expr(N::SentAt, Expr::value(now))
                .col_expr(N::LastError, Expr::value(Option::<String>::None))
                .filter(N::Id.eq(n.id))
                .exec(txn)
                .await?;
            if n.kind != NoticeKind::Approval {
                removal_candidate::Entity::update_many()
                    .col_expr(C::NotifiedAt, Expr::value(now))
                    .col_expr(C::UpdatedAt, Expr::value(now))
                    .filter(C::Id.eq(n.candidate_id))
                    .filter(C::NotifiedAt.is_null())
                    .exec(txn)
                    .await?;
            }
            if n.kind == NoticeKind::Notice {
                reminders_after(txn, n, now).await?;
            }
            Settled::Sent
        }
        Err(e) if !e.permanent && (attempt as u32) <= settings.retries => {
            let wait = settings
                .retry_secs
                .saturating_mul(1 << (attempt - 1).clamp(0, 16));
            notice::Entity::update_many()
                .col_expr(N::State, Expr::value(NoticeState::Pending))
                .col_expr(
                    N::NextAttemptAt,
                    Expr::value(now + chrono::Duration::seconds(wait as i64)),
                )
                .col_expr(N::LastError, Expr::value(e.message))
                .filter(N::Id.eq(n.id))
                .exec(txn)
                .await?;
            Settled::Retry
        }
        Err(e) => {
            notice::Entity::update_many()
                .col_expr(N::State, Expr::value(NoticeState::Failed))
                .col_expr(N::LastError, Expr::value(e.message.clone()))
                .filter(N::Id.eq(n.id))
                .exec(txn)
                .await?;
            if super::all_failed(txn, n.candidate_id).await? {
                let reason = format!(
                    "the notice could not be delivered ({} after {attempt} attempt{}): {}",
                    n.channel,
                    if attempt == 1 { "" } else { "s" },
                    e.message
                );
                let moved = removal_candidate::Entity::update_many()
                    .col_expr(C::State, Expr::value(CandidateState::AttentionRequired))
                    .col_expr(C::AttentionReason, Expr::value(reason.clone()))
                    .col_expr(C::UpdatedAt, Expr::value(now))
                    .filter(C::Id.eq(n.candidate_id))
                    .filter(C::State.eq(CandidateState::AwaitingUser))
                    .exec(txn)
                    .await?;
                if moved.rows_affected == 1 {
                    let actor = Actor::Job {
                        run_id: Some(run_id),
                        what: "notice delivery",
                    };
                    record(
                        txn,
                        n.candidate_id,
                        Some(CandidateState::AwaitingUser),
                        CandidateState::AttentionRequired,
                        &actor,
                        Some(reason),
                        now,
                    )
                    .await?;
                }
            }
            Settled::Failed
        }
    };
    Ok(settled)
}
