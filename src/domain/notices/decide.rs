//! Answers through notice links: the holder's (keep, release) and the approver's (approve,
//! reject). Reading a link (`page`) changes nothing: mail scanners fetch links before
//! people do. Only `act`, with the form token the page carries, moves the candidate, and
//! only from the state the link was sent for (`AWAITING_USER`, `AWAITING_APPROVAL`), so a
//! second answer, a reused link or a race with the scheduler changes nothing.

use chrono::{DateTime, Utc};
use entity::enums::CandidateState;
use entity::removal_candidate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::links::{self, Link, LinkAction, LinkError};
use super::message::Facts;
use crate::db::BeginWrite;
use crate::domain::reclamation::{Actor, claim_for_reclaim, record};
use crate::error::Result;
use crate::state::AppState;

/// Longest reason a holder may give.
const REASON_CHARS: usize = 1_000;

/// What a link shows.
#[derive(Debug)]
pub enum LinkPage {
    /// The link is good and the seat still waits for this answer: the facts and the form.
    Ask {
        action: LinkAction,
        facts: Box<Facts>,
        /// For an approver: why the seat waits (the holder's reason, or the rule).
        why: Option<String>,
        form_token: String,
    },
    /// Not a link this server signed.
    Forged,
    /// Past its reclaim date.
    Expired(DateTime<Utc>),
    /// The seat no longer waits for an answer (answered, reclaimed, canceled…).
    Decided(CandidateState),
    /// The candidate is gone (its profile was deleted).
    Gone,
}

/// The outcome of a submitted answer.
#[derive(Debug)]
pub enum Answer {
    /// Kept: an approver decides (`AWAITING_APPROVAL`).
    Kept,
    /// Released (or approved): a reclaim run was queued, or `not_queued` says why not.
    Released { not_queued: Option<String> },
    /// Rejected by the approver: the holder keeps the seat.
    Rejected,
    /// The form did not come from the link's page.
    BadForm,
    /// As for the page.
    Refused(LinkPage),
}

fn checked(state: &AppState, token: &str) -> std::result::Result<Link, LinkPage> {
    links::verify(state.cipher.link_key(), token, state.clock.now()).map_err(|e| match e {
        LinkError::Forged => LinkPage::Forged,
        LinkError::Expired(at) => LinkPage::Expired(at),
    })
}

/// What the link at `token` shows; never changes anything.
pub async fn page(state: &AppState, token: &str) -> Result<LinkPage> {
    let link = match checked(state, token) {
        Ok(link) => link,
        Err(refused) => return Ok(refused),
    };
    let Some(cand) = removal_candidate::Entity::find_by_id(link.candidate_id)
        .one(&state.db)
        .await?
    else {
        return Ok(LinkPage::Gone);
    };
    if cand.state != awaited(link.action) {
        return Ok(LinkPage::Decided(cand.state));
    }
    let (facts, why) = if link.action.is_holders() {
        let facts = super::deliver::facts(state, &state.db, &cand, link.expires_at).await?;
        (facts, None)
    } else {
        let a = super::deliver::approval_facts(state, &state.db, &cand, link.expires_at).await?;
        (a.facts, Some(a.why))
    };
    Ok(LinkPage::Ask {
        action: link.action,
        facts: Box::new(facts),
        why,
        form_token: links::form_token(state.cipher.link_key(), token),
    })
}

/// The state a link's answer is asked in.
fn awaited(action: LinkAction) -> CandidateState {
    if action.is_holders() {
        CandidateState::AwaitingUser
    } else {
        CandidateState::AwaitingApproval
    }
}

/// Acts on the link's answer when `form_token` is the one its page carries.
pub async fn act(
    state: &AppState,
    token: &str,
    form_token: &str,
    reason: Option<String>,
) -> Result<Answer> {
    use removal_candidate::Column as C;
    let link = match checked(state, token) {
        Ok(link) => link,
        Err(refused) => return Ok(Answer::Refused(refused)),
    };
    if !links::form_token_matches(state.cipher.link_key(), token, form_token) {
        return Ok(Answer::BadForm);
    }
    let reason = reason
        .map(|r| r.trim().chars().take(REASON_CHARS).collect::<String>())
        .filter(|r| !r.is_empty());
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let Some(cand) = removal_candidate::Entity::find_by_id(link.candidate_id)
        .one(&txn)
        .await?
    else {
        return Ok(Answer::Refused(LinkPage::Gone));
    };
    if cand.state != awaited(link.action) {
        return Ok(Answer::Refused(LinkPage::Decided(cand.state)));
    }
    let to = match link.action {
        LinkAction::Keep => CandidateState::AwaitingApproval,
        LinkAction::Release | LinkAction::Approve => CandidateState::Ready,
        LinkAction::Reject => CandidateState::ClosedSkipped,
    };
    let note = match (link.action, reason) {
        (LinkAction::Keep, Some(r)) => format!("the holder keeps the seat: {r}"),
        (LinkAction::Keep, None) => "the holder keeps the seat (no reason given)".to_owned(),
        (LinkAction::Release, _) => "the holder released the seat".to_owned(),
        (LinkAction::Approve, Some(r)) => format!("the approver approved the reclaim: {r}"),
        (LinkAction::Approve, None) => "the approver approved the reclaim".to_owned(),
        (LinkAction::Reject, Some(r)) => format!("the approver lets the holder keep it: {r}"),
        (LinkAction::Reject, None) => "the approver lets the holder keep it".to_owned(),
    };
    let mut update = removal_candidate::Entity::update_many()
        .col_expr(C::State, Expr::value(to))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(cand.id))
        .filter(C::State.eq(cand.state));
    if to.is_closed() {
        update = update
            .col_expr(C::ClosedAt, Expr::value(now))
            .col_expr(C::CloseReason, Expr::value(note.clone()));
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        return Ok(Answer::Refused(LinkPage::Decided(cand.state)));
    }
    let approver = super::approver_of(&txn, cand.rule_id).await?;
    let actor = if link.action.is_holders() {
        Actor::Holder(cand.user_principal_name.clone())
    } else {
        Actor::Approver(
            approver
                .clone()
                .unwrap_or_else(|| "the approver".to_owned()),
        )
    };
    record(&txn, cand.id, Some(cand.state), to, &actor, Some(note), now).await?;
    // A kept seat goes to the rule's approver, when it names one.
    let ask = match (link.action, &approver, cand.profile_id) {
        (LinkAction::Keep, Some(approver), Some(profile)) => {
            super::write_approvals(&txn, profile, &[cand.id], approver, now).await?;
            Some(profile)
        }
        _ => None,
    };
    txn.commit().await?;
    if let Some(profile) = ask {
        super::kick(state, profile).await;
    }
    match link.action {
        LinkAction::Keep => return Ok(Answer::Kept),
        LinkAction::Reject => return Ok(Answer::Rejected),
        LinkAction::Release | LinkAction::Approve => {}
    }
    let results = claim_for_reclaim(state, &actor, &[cand.id]).await?;
    let not_queued = results
        .into_iter()
        .next()
        .and_then(|r| r.outcome.err())
        .map(|e| e.message());
    Ok(Answer::Released { not_queued })
}
