//! Notices to seat holders before a reclaim. A notice is written in the transaction that
//! moves its candidate to `AWAITING_USER` (an outbox), then delivered by `DELIVER_NOTICES`
//! runs, one attempt at a time with its outcome recorded, with retries and backoff. The
//! holder answers through signed links (`decide`); silence past the reclaim date reclaims
//! (`silence`). Every step reads the time from the application's clock.

mod decide;
mod deliver;
pub mod links;
pub mod message;
mod silence;
mod transport;

pub use decide::{Answer, LinkPage, act, page};
pub use deliver::deliver_run;
pub use silence::{Swept, sweep};

use chrono::{DateTime, Utc};
use entity::enums::{CandidateState, JobKind, NoticeChannel, NoticeKind, NoticeState};
use entity::{notice, notice_attempt};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::config::NoticeSettings;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// The channels notices go out on, from the settings.
pub fn channels(settings: &NoticeSettings) -> Vec<NoticeChannel> {
    let mut out = Vec::new();
    if settings.smtp.is_some() {
        out.push(NoticeChannel::Email);
    }
    if settings.webhook.is_some() {
        out.push(NoticeChannel::Webhook);
    }
    out
}

/// Refuses a rule that notifies users when no channel could tell them.
pub fn require_channel(settings: &NoticeSettings, notify_user: Option<bool>) -> Result<()> {
    if notify_user == Some(true) && !settings.any_channel() {
        return Err(AppError::bad_input(
            "notifyUser",
            "no notice channel is configured: set SEATKEEPER_SMTP_HOST (email) or \
             SEATKEEPER_NOTICE_WEBHOOK_URL (webhook) before a rule notifies users",
        ));
    }
    Ok(())
}

/// Refuses an approver no configured channel can reach.
pub fn require_approver_channel(settings: &NoticeSettings, approver: Option<&str>) -> Result<()> {
    let approver = crate::domain::reclamation_rules::checked_approver(approver)?;
    match approver.as_deref() {
        None => Ok(()),
        Some(crate::domain::reclamation_rules::APPROVER_WEBHOOK) if settings.webhook.is_none() => {
            Err(AppError::bad_input(
                "approver",
                "the notice webhook is not configured (SEATKEEPER_NOTICE_WEBHOOK_URL)",
            ))
        }
        Some(crate::domain::reclamation_rules::APPROVER_WEBHOOK) => Ok(()),
        Some(_) if settings.smtp.is_none() => Err(AppError::bad_input(
            "approver",
            "email is not configured (SEATKEEPER_SMTP_HOST)",
        )),
        Some(_) => Ok(()),
    }
}

/// Writes one pending notice per channel for each candidate, in the caller's transaction.
pub(crate) async fn write_outbox(
    txn: &impl ConnectionTrait,
    profile_id: i64,
    candidate_ids: &[i64],
    channels: &[NoticeChannel],
    now: DateTime<Utc>,
) -> Result<usize> {
    let rows: Vec<notice::ActiveModel> = candidate_ids
        .iter()
        .flat_map(|&candidate_id| {
            channels.iter().map(move |&channel| {
                Pending {
                    candidate_id,
                    profile_id: Some(profile_id),
                    channel,
                    kind: NoticeKind::Notice,
                    recipient: None,
                    due: now,
                    reclaim_at: None,
                }
                .row(now)
            })
        })
        .collect();
    insert(txn, rows).await
}

/// A notice to write to the outbox.
struct Pending {
    candidate_id: i64,
    profile_id: Option<i64>,
    channel: NoticeChannel,
    kind: NoticeKind,
    recipient: Option<String>,
    /// When its first attempt is due.
    due: DateTime<Utc>,
    reclaim_at: Option<DateTime<Utc>>,
}

impl Pending {
    fn row(self, now: DateTime<Utc>) -> notice::ActiveModel {
        notice::ActiveModel {
            candidate_id: Set(self.candidate_id),
            profile_id: Set(self.profile_id),
            channel: Set(self.channel),
            state: Set(NoticeState::Pending),
            attempts: Set(0),
            next_attempt_at: Set(self.due),
            reclaim_at: Set(self.reclaim_at),
            delivery_id: Set(uuid::Uuid::new_v4().to_string()),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            kind: Set(self.kind),
            recipient: Set(self.recipient),
            ..Default::default()
        }
    }
}

/// Inserts notices in chunks; returns how many.
async fn insert(txn: &impl ConnectionTrait, rows: Vec<notice::ActiveModel>) -> Result<usize> {
    let written = rows.len();
    for chunk in rows.chunks(1_000) {
        notice::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(written)
}

/// Writes an approval request for each candidate to the rule's approver (an email address,
/// or `webhook`), in the caller's transaction. Returns how many.
pub(crate) async fn write_approvals(
    txn: &impl ConnectionTrait,
    profile_id: i64,
    candidate_ids: &[i64],
    approver: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let (channel, recipient) = if approver == crate::domain::reclamation_rules::APPROVER_WEBHOOK {
        (NoticeChannel::Webhook, None)
    } else {
        (NoticeChannel::Email, Some(approver.to_owned()))
    };
    let rows: Vec<notice::ActiveModel> = candidate_ids
        .iter()
        .map(|&candidate_id| {
            Pending {
                candidate_id,
                profile_id: Some(profile_id),
                channel,
                kind: NoticeKind::Approval,
                recipient: recipient.clone(),
                due: now,
                reclaim_at: None,
            }
            .row(now)
        })
        .collect();
    insert(txn, rows).await
}

/// The approver of the candidate's rule, if it names one.
pub(crate) async fn approver_of(
    db: &impl ConnectionTrait,
    rule_id: Option<i64>,
) -> Result<Option<String>> {
    let Some(id) = rule_id else {
        return Ok(None);
    };
    Ok(entity::reclamation_rule::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(|r| r.approver_email))
}

/// Puts a candidate's failed notices back in the outbox (a person retries it): each gets
/// a fresh delivery id and its attempts start again. Returns how many.
pub(crate) async fn resend_failed(
    txn: &impl ConnectionTrait,
    candidate_id: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    use notice::Column as N;
    let failed: Vec<i64> = notice::Entity::find()
        .filter(N::CandidateId.eq(candidate_id))
        .filter(N::State.eq(NoticeState::Failed))
        .all(txn)
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect();
    for id in &failed {
        notice::Entity::update_many()
            .col_expr(N::State, Expr::value(NoticeState::Pending))
            .col_expr(N::Attempts, Expr::value(0))
            .col_expr(N::NextAttemptAt, Expr::value(now))
            .col_expr(N::ReclaimAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(N::DeliveryId, Expr::value(uuid::Uuid::new_v4().to_string()))
            .filter(N::Id.eq(*id))
            .exec(txn)
            .await?;
    }
    Ok(failed.len() as u64)
}

/// The holder's reminders once their first notice on a channel went out at `sent_at`:
/// every `interval` days from the start of the wait (`waiting_from`), each at least a day
/// before the reclaim date; one whose time passed while the notice was retried goes at
/// once. Returns how many.
pub(crate) async fn schedule_reminders(
    txn: &impl ConnectionTrait,
    first: &notice::Model,
    count: i32,
    interval_days: i32,
    waiting_from: DateTime<Utc>,
    sent_at: DateTime<Utc>,
    decide_by: DateTime<Utc>,
) -> Result<usize> {
    let latest = decide_by - chrono::Duration::days(1);
    let rows: Vec<notice::ActiveModel> = (1..=count)
        .map(|k| waiting_from + chrono::Duration::days(i64::from(k * interval_days)))
        .filter(|at| *at <= latest)
        .map(|at| {
            Pending {
                candidate_id: first.candidate_id,
                profile_id: first.profile_id,
                channel: first.channel,
                kind: NoticeKind::Reminder,
                recipient: None,
                due: at.max(sent_at),
                reclaim_at: Some(decide_by),
            }
            .row(sent_at)
        })
        .collect();
    insert(txn, rows).await
}

/// Whether every notice of the candidate failed (nothing sent, nothing still trying).
pub(crate) async fn all_failed(txn: &impl ConnectionTrait, candidate_id: i64) -> Result<bool> {
    use notice::Column as N;
    let notices = notice::Entity::find()
        .filter(N::CandidateId.eq(candidate_id))
        .all(txn)
        .await?;
    let to_holder: Vec<&notice::Model> = notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Notice)
        .collect();
    Ok(!to_holder.is_empty() && to_holder.iter().all(|n| n.state == NoticeState::Failed))
}

/// Queues a delivery run for the profile (or finds the one queued or running). A failure
/// is logged: the notices wait in the outbox and the scheduler's sweep queues them again.
pub async fn kick(state: &AppState, profile_id: i64) {
    if let Err(err) =
        crate::jobs::enqueue(state, None, Some(profile_id), JobKind::DeliverNotices, None).await
    {
        tracing::warn!(
            profile = profile_id,
            "notice delivery not queued now (the scheduler will): {}",
            err.message()
        );
    }
}

/// One delivery attempt of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub number: i32,
    pub at: DateTime<Utc>,
    pub delivered: bool,
    pub error: Option<String>,
}

/// A notice as the domain hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub kind: NoticeKind,
    pub channel: NoticeChannel,
    pub state: NoticeState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub reclaim_at: Option<DateTime<Utc>>,
    /// The idempotency key receivers see (`Message-ID`, `Seatkeeper-Delivery`).
    pub delivery_id: String,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub deliveries: Vec<Delivery>,
}

/// The notices of a candidate with their delivery attempts, oldest first.
pub async fn of_candidate(db: &impl ConnectionTrait, candidate_id: i64) -> Result<Vec<Notice>> {
    use notice::Column as N;
    use notice_attempt::Column as A;
    let notices = notice::Entity::find()
        .filter(N::CandidateId.eq(candidate_id))
        .order_by_asc(N::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = notices.iter().map(|n| n.id).collect();
    let mut attempts = notice_attempt::Entity::find()
        .filter(A::NoticeId.is_in(ids))
        .order_by_asc(A::Id)
        .all(db)
        .await?;
    Ok(notices
        .into_iter()
        .map(|n| {
            let mine: Vec<Delivery> = attempts
                .extract_if(.., |a| a.notice_id == n.id)
                .map(|a| Delivery {
                    number: a.number,
                    at: a.at,
                    delivered: a.delivered,
                    error: a.error,
                })
                .collect();
            Notice {
                id: n.id,
                kind: n.kind,
                channel: n.channel,
                state: n.state,
                attempts: n.attempts,
                next_attempt_at: n.next_attempt_at,
                reclaim_at: n.reclaim_at,
                delivery_id: n.delivery_id,
                last_error: n.last_error,
                created_at: n.created_at,
                sent_at: n.sent_at,
                deliveries: mine,
            }
        })
        .collect())
}

/// Whether a candidate in `state` still waits for its holder.
pub(crate) fn waits_for_holder(state: CandidateState) -> bool {
    state == CandidateState::AwaitingUser
}
