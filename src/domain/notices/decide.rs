//! The holder's answer through a notice link. Reading a link (`page`) changes nothing:
//! mail scanners fetch links before people do. Only `act`, with the form token the page
//! carries, moves the candidate, and only from `AWAITING_USER`, so a second answer, a
//! reused link or a race with the scheduler changes nothing.

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
    /// The link is good and the seat still waits for its holder: the facts and the form.
    Ask {
        action: LinkAction,
        facts: Box<Facts>,
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
    /// Released: a reclaim run was queued, or `not_queued` says why not.
    Released { not_queued: Option<String> },
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
    if !super::waits_for_holder(cand.state) {
        return Ok(LinkPage::Decided(cand.state));
    }
    let facts = super::deliver::facts(state, &state.db, &cand, link.expires_at).await?;
    Ok(LinkPage::Ask {
        action: link.action,
        facts: Box::new(facts),
        form_token: links::form_token(state.cipher.link_key(), token),
    })
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
    if !super::waits_for_holder(cand.state) {
        return Ok(Answer::Refused(LinkPage::Decided(cand.state)));
    }
    let to = match link.action {
        LinkAction::Keep => CandidateState::AwaitingApproval,
        LinkAction::Release => CandidateState::Ready,
    };
    let moved = removal_candidate::Entity::update_many()
        .col_expr(C::State, Expr::value(to))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(cand.id))
        .filter(C::State.eq(cand.state))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        return Ok(Answer::Refused(LinkPage::Decided(cand.state)));
    }
    let actor = Actor::Holder(cand.user_principal_name.clone());
    let note = match (link.action, reason) {
        (LinkAction::Keep, Some(r)) => format!("the holder keeps the seat: {r}"),
        (LinkAction::Keep, None) => "the holder keeps the seat (no reason given)".to_owned(),
        (LinkAction::Release, _) => "the holder released the seat".to_owned(),
    };
    record(&txn, cand.id, Some(cand.state), to, &actor, Some(note), now).await?;
    txn.commit().await?;
    if link.action == LinkAction::Keep {
        return Ok(Answer::Kept);
    }
    let results = claim_for_reclaim(state, &actor, &[cand.id]).await?;
    let not_queued = results
        .into_iter()
        .next()
        .and_then(|r| r.outcome.err())
        .map(|e| e.message());
    Ok(Answer::Released { not_queued })
}
