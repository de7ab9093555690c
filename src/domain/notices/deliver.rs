//! Delivering the outbox: a `DELIVER_NOTICES` run sends a profile's due notices, one
//! attempt each, over SMTP (lettre) or a signed webhook. Each notice is claimed
//! (`SENDING`, attempt counted) before the network call and settled after it, each step in
//! one transaction per batch, so a crash in between leaves it `SENDING` for the next run to
//! send again under the same delivery id (`Message-ID`, `Seatkeeper-Delivery`), which receivers
//! use to drop a repeat.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::enums::{CandidateState, NoticeChannel, NoticeKind, NoticeState};
use entity::{notice, notice_attempt, reclamation_rule, removal_candidate};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use sha2::Sha256;

use super::links::{self, LinkAction};
use super::message::{self, Facts};
use crate::config::{NoticeSettings, SmtpSettings, SmtpTls, WebhookSettings};
use crate::connectors::ReclaimAction;
use crate::db::BeginWrite;
use crate::domain::reclamation::{Actor, record};
use crate::domain::sync::{Progress, ProgressSink, RunCounts, SyncError};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Notices read per batch.
const BATCH: u64 = 100;
/// Longest a receiver may take to answer.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// Notices in flight at once within a batch (SMTP connections are pooled).
const SEND_CONCURRENCY: usize = 8;

/// Why one attempt failed; `permanent` when trying again cannot help.
#[derive(Debug)]
struct SendError {
    permanent: bool,
    message: String,
}

impl SendError {
    fn permanent(message: impl Into<String>) -> Self {
        SendError {
            permanent: true,
            message: message.into(),
        }
    }

    fn transient(message: impl Into<String>) -> Self {
        SendError {
            permanent: false,
            message: message.into(),
        }
    }
}

/// The channels' clients, built once per run.
struct Senders {
    smtp: Option<(lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, String)>,
    webhook: Option<(reqwest::Client, WebhookSettings)>,
}

fn smtp_transport(
    s: &SmtpSettings,
) -> std::result::Result<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, String> {
    use lettre::transport::smtp::authentication::Credentials;
    type T = lettre::AsyncSmtpTransport<lettre::Tokio1Executor>;
    let builder = match s.tls {
        SmtpTls::None => T::builder_dangerous(&s.host),
        SmtpTls::StartTls => T::starttls_relay(&s.host).map_err(|e| e.to_string())?,
        SmtpTls::Implicit => T::relay(&s.host).map_err(|e| e.to_string())?,
    };
    let mut builder = builder.port(s.port).timeout(Some(SEND_TIMEOUT));
    if let (Some(user), Some(password)) = (&s.username, &s.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
    }
    Ok(builder.build())
}

impl Senders {
    fn new(settings: &NoticeSettings) -> std::result::Result<Self, SyncError> {
        let smtp = match &settings.smtp {
            Some(s) => Some((
                smtp_transport(s).map_err(|e| {
                    SyncError::Precondition(format!("the SMTP settings are unusable: {e}"))
                })?,
                s.from.clone(),
            )),
            None => None,
        };
        let webhook = match &settings.webhook {
            Some(w) => Some((
                reqwest::Client::builder()
                    .timeout(SEND_TIMEOUT)
                    .build()
                    .map_err(|e| SyncError::App(AppError::internal(e)))?,
                w.clone(),
            )),
            None => None,
        };
        Ok(Senders { smtp, webhook })
    }

    async fn send(
        &self,
        n: &notice::Model,
        claimed: &Claimed,
        now: DateTime<Utc>,
    ) -> std::result::Result<(), SendError> {
        match n.channel {
            NoticeChannel::Email => {
                let Some((transport, from)) = &self.smtp else {
                    return Err(SendError::permanent(
                        "email notices are no longer configured (SEATKEEPER_SMTP_HOST)",
                    ));
                };
                send_mail(transport, from, &claimed.to, &n.delivery_id, &claimed.msg).await
            }
            NoticeChannel::Webhook => {
                let Some((client, hook)) = &self.webhook else {
                    return Err(SendError::permanent(
                        "webhook notices are no longer configured (SEATKEEPER_NOTICE_WEBHOOK_URL)",
                    ));
                };
                post_webhook(client, hook, &n.delivery_id, &claimed.body, now).await
            }
        }
    }
}

async fn send_mail(
    transport: &lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: &str,
    to: &str,
    delivery_id: &str,
    msg: &message::Message,
) -> std::result::Result<(), SendError> {
    use lettre::AsyncTransport;
    use lettre::message::{Mailbox, MultiPart};
    let to: Mailbox = to.parse().map_err(|_| {
        SendError::permanent(format!(
            "the seat holder has no usable email address (`{to}`)"
        ))
    })?;
    let from: Mailbox = from
        .parse()
        .map_err(|_| SendError::permanent("SEATKEEPER_SMTP_FROM is not a mailbox"))?;
    let mail = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(msg.subject.clone())
        .message_id(Some(format!("<{delivery_id}@seatkeeper>")))
        .multipart(MultiPart::alternative_plain_html(
            msg.text.clone(),
            msg.html.clone(),
        ))
        .map_err(|e| SendError::permanent(format!("the message could not be built: {e}")))?;
    match transport.send(mail).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(SendError::permanent(format!(
            "the mail server refused the message: {e}"
        ))),
        Err(e) => Err(SendError::transient(format!("the mail server failed: {e}"))),
    }
}

/// The `Seatkeeper-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 over
/// "<t>.<body>">`, so receivers check both the body and its age.
pub fn signature(secret: &str, at: DateTime<Utc>, body: &[u8]) -> String {
    let t = at.timestamp();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The webhook body of a notice to the holder.
fn holder_body(n: &notice::Model, facts: &Facts, msg: &message::Message) -> serde_json::Value {
    let kind = match n.kind {
        NoticeKind::Reminder => "seatkeeper.reminder",
        NoticeKind::Notice | NoticeKind::Approval => "seatkeeper.notice",
    };
    serde_json::json!({
        "type": kind,
        "deliveryId": n.delivery_id,
        "candidateId": n.candidate_id,
        "holder": facts.holder,
        "product": facts.product,
        "tenant": facts.tenant,
        "lastActivityAt": facts.last_activity_at,
        "reclaimAt": facts.reclaim_at,
        "loses": facts.loses,
        "keepUrl": facts.keep_url,
        "releaseUrl": facts.release_url,
        "subject": msg.subject,
        "text": msg.text,
    })
}

/// The webhook body of an approval request.
fn approval_body(
    n: &notice::Model,
    a: &message::ApprovalFacts,
    msg: &message::Message,
) -> serde_json::Value {
    serde_json::json!({
        "type": "seatkeeper.approval",
        "deliveryId": n.delivery_id,
        "candidateId": n.candidate_id,
        "holder": a.facts.holder,
        "product": a.facts.product,
        "tenant": a.facts.tenant,
        "lastActivityAt": a.facts.last_activity_at,
        "why": a.why,
        "loses": a.facts.loses,
        "approveUrl": a.approve_url,
        "rejectUrl": a.reject_url,
        "linksExpireAt": a.expires_at,
        "subject": msg.subject,
        "text": msg.text,
    })
}

async fn post_webhook(
    client: &reqwest::Client,
    hook: &WebhookSettings,
    delivery_id: &str,
    body: &serde_json::Value,
    now: DateTime<Utc>,
) -> std::result::Result<(), SendError> {
    let body = serde_json::to_vec(body).map_err(|e| SendError::permanent(e.to_string()))?;
    let answer = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("Seatkeeper-Delivery", delivery_id)
        .header(
            "Seatkeeper-Signature",
            signature(hook.secret.expose(), now, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| {
            SendError::transient(format!(
                "the webhook could not be reached: {}",
                without_url(&e)
            ))
        })?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    let message = format!("the webhook answered HTTP {}", status.as_u16());
    // A timeout or a busy or broken receiver may pass; any other refusal will not.
    if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(SendError::transient(message))
    } else {
        Err(SendError::permanent(message))
    }
}

/// A reqwest error without its URL (the URL may carry a token).
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused or unreachable".into()
    } else {
        "request failed".into()
    }
}

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

/// A notice ready to go: the address (email), the message, and the webhook body.
struct Claimed {
    to: String,
    msg: message::Message,
    body: serde_json::Value,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_time_and_the_body() {
        let at: DateTime<Utc> = "2026-12-05T10:00:00Z".parse().unwrap();
        let sig = signature("a-webhook-secret-123", at, b"{}");
        assert!(
            sig.starts_with(&format!("t={},v1=", at.timestamp())),
            "{sig}"
        );
        assert_ne!(sig, signature("a-webhook-secret-123", at, b"{ }"));
        assert_ne!(
            sig,
            signature(
                "a-webhook-secret-123",
                at + chrono::Duration::seconds(1),
                b"{}"
            )
        );
        assert_eq!(sig.len(), format!("t={},v1=", at.timestamp()).len() + 64);
    }
}
