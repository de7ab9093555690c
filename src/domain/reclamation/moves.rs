//! Moves people make on candidates, one batch at a time with an answer per id. A move the
//! state does not allow is `CONFLICT` naming the state; every move lands in the history.

use chrono::Utc;
use entity::enums::CandidateState;
use entity::removal_candidate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Actor, Candidate, record};
use crate::db::BeginWrite;
use crate::error::{AppError, Result};

/// A move a person asks for (reclaiming has its own path: it queues a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// `AWAITING_APPROVAL` → `READY`.
    Approve,
    /// `AWAITING_APPROVAL` → `CLOSED_SKIPPED`.
    Reject,
    /// Any open state but `RECLAIMING` → `CLOSED_SKIPPED`.
    Skip,
    /// `AWAITING_REVOCATION` → `CLOSED_COMPLETE` (reclaimed by hand at the vendor).
    Complete,
    /// `ATTENTION_REQUIRED` → `READY`, or `AWAITING_USER` with its notices sent again
    /// when they could not be delivered.
    Retry,
}

impl Move {
    /// Where the move goes from `from`, or `None` when `from` does not allow it.
    pub fn target(self, from: CandidateState) -> Option<CandidateState> {
        use CandidateState as S;
        match (self, from) {
            (Move::Approve, S::AwaitingApproval) | (Move::Retry, S::AttentionRequired) => {
                Some(S::Ready)
            }
            (Move::Reject, S::AwaitingApproval) => Some(S::ClosedSkipped),
            (Move::Complete, S::AwaitingRevocation) => Some(S::ClosedComplete),
            (Move::Skip, from) if !from.is_closed() && from != S::Reclaiming => {
                Some(S::ClosedSkipped)
            }
            _ => None,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Move::Approve => "approved",
            Move::Reject => "rejected",
            Move::Skip => "skipped",
            Move::Complete => "completed",
            Move::Retry => "retried",
        }
    }
}

/// The answer for one id of a batch.
#[derive(Debug)]
pub struct MoveResult {
    pub id: i64,
    pub outcome: Result<Candidate>,
}

/// Applies `mv` to each candidate, each in its own transaction (one refusal does not undo
/// the others). `note` is the person's reason, kept in the history.
pub async fn apply_moves(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    ids: &[i64],
    mv: Move,
    note: Option<String>,
) -> Result<Vec<MoveResult>> {
    let mut results = Vec::with_capacity(ids.len());
    for &id in ids {
        let outcome = apply_one(db, actor, id, mv, note.clone()).await;
        results.push(MoveResult { id, outcome });
    }
    Ok(results)
}

async fn apply_one(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    id: i64,
    mv: Move,
    note: Option<String>,
) -> Result<Candidate> {
    use removal_candidate::Column as C;
    let txn = db.begin_write().await?;
    let cand = removal_candidate::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("RemovalCandidate"))?;
    let to = mv.target(cand.state).ok_or_else(|| {
        AppError::Conflict(format!(
            "a candidate in {} cannot be {}",
            cand.state,
            mv.verb()
        ))
    })?;
    // A notice that could not be delivered is sent again, and the holder answers first.
    let resend = mv == Move::Retry
        && cand.notified_at.is_none()
        && crate::domain::notices::all_failed(&txn, id).await?;
    let to = if resend {
        CandidateState::AwaitingUser
    } else {
        to
    };
    let now = Utc::now();
    let mut update = removal_candidate::Entity::update_many()
        .col_expr(C::State, Expr::value(to))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::State.eq(cand.state));
    if to.is_closed() {
        update = update.col_expr(C::ClosedAt, Expr::value(now)).col_expr(
            C::CloseReason,
            Expr::value(note.clone().unwrap_or_else(|| mv.verb().to_owned())),
        );
    }
    if to == CandidateState::ClosedComplete {
        update = update.col_expr(C::ReclaimedAt, Expr::value(now)).col_expr(
            C::RealisedSavingsMinor,
            Expr::value(cand.potential_savings_minor),
        );
    }
    if mv == Move::Retry {
        update = update
            .col_expr(C::AttentionReason, Expr::value(Option::<String>::None))
            .col_expr(C::VendorCode, Expr::value(Option::<String>::None));
    }
    if resend {
        update = update.col_expr(
            C::DecideBy,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        );
        crate::domain::notices::resend_failed(&txn, id, now).await?;
    }
    update.exec(&txn).await?;
    if to == CandidateState::ClosedComplete
        && let Some(sub) = cand.subscription_id
    {
        super::reclaim::close_subscription(&txn, sub, now).await?;
    }
    record(&txn, id, Some(cand.state), to, actor, note, now).await?;
    let after = removal_candidate::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("RemovalCandidate"))?;
    txn.commit().await?;
    Ok(after.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use CandidateState as S;

    #[test]
    fn each_move_leaves_only_the_states_it_names() {
        assert_eq!(Move::Approve.target(S::AwaitingApproval), Some(S::Ready));
        assert_eq!(Move::Approve.target(S::Ready), None);
        assert_eq!(
            Move::Reject.target(S::AwaitingApproval),
            Some(S::ClosedSkipped)
        );
        assert_eq!(Move::Retry.target(S::AttentionRequired), Some(S::Ready));
        assert_eq!(Move::Retry.target(S::Ready), None);
        assert_eq!(
            Move::Complete.target(S::AwaitingRevocation),
            Some(S::ClosedComplete)
        );
        assert_eq!(Move::Complete.target(S::Ready), None);
        assert_eq!(Move::Skip.target(S::Ready), Some(S::ClosedSkipped));
        assert_eq!(Move::Skip.target(S::Reclaiming), None, "its run decides");
        assert_eq!(Move::Skip.target(S::ClosedComplete), None);
    }
}
