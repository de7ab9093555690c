//! The scheduler's part: queue delivery runs for profiles whose notices are due (new ones
//! a crashed process never delivered, retries whose backoff passed), and act on silence:
//! a notified candidate whose reclaim date passed with no answer is reclaimed, unless its
//! seat was used again meanwhile.

use entity::enums::{CandidateState, JobKind, NoticeState};
use entity::{notice, reclamation_rule, removal_candidate, software_subscription};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::BeginWrite;
use crate::domain::reclamation::{Actor, claim_for_reclaim, record};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Candidates acted on per sweep; the rest wait for the next one.
const SILENT_LIMIT: u64 = 1_000;

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Profiles a delivery run was queued (or found) for.
    pub deliveries: usize,
    /// Silent candidates moved to `READY` (and handed to a reclaim run where allowed).
    pub reclaimed: usize,
    /// Silent candidates whose seat was used again: `CLOSED_CANCELED`.
    pub canceled: usize,
}

pub async fn sweep(state: &AppState) -> Result<Swept> {
    let mut swept = Swept::default();
    let now = state.clock.now();
    let due: Vec<Option<i64>> = notice::Entity::find()
        .select_only()
        .column(notice::Column::ProfileId)
        .distinct()
        .filter(notice::Column::State.eq(NoticeState::Pending))
        .filter(notice::Column::NextAttemptAt.lte(now))
        .into_tuple()
        .all(&state.db)
        .await?;
    for profile in due.into_iter().flatten() {
        match crate::jobs::enqueue(state, None, Some(profile), JobKind::DeliverNotices, None).await
        {
            Ok(_) => swept.deliveries += 1,
            Err(AppError::NotFound(_)) => {
                // The profile was deleted: nothing can say what its notices were about.
                notice::Entity::update_many()
                    .col_expr(notice::Column::State, Expr::value(NoticeState::Dropped))
                    .col_expr(
                        notice::Column::LastError,
                        Expr::value("not sent: the integration profile was deleted"),
                    )
                    .filter(notice::Column::ProfileId.eq(profile))
                    .filter(notice::Column::State.eq(NoticeState::Pending))
                    .exec(&state.db)
                    .await?;
            }
            Err(err) => tracing::warn!(profile, "notice delivery not queued: {}", err.message()),
        }
    }
    let (ready, canceled) = silent(state).await?;
    swept.canceled = canceled;
    swept.reclaimed = ready.len();
    if !ready.is_empty() {
        let actor = Actor::Job {
            run_id: None,
            what: "reclaim after the notice's waiting days",
        };
        // A profile with reclaim off answers CONFLICT here: its candidates stay READY.
        claim_for_reclaim(state, &actor, &ready).await?;
    }
    Ok(swept)
}

/// Moves the silent candidates: `READY`, `AWAITING_APPROVAL` when their rule asks for an
/// approval (its approver is asked), or `CLOSED_CANCELED` when their seat saw qualifying
/// activity after they were flagged. Returns the ready ids and how many closed.
async fn silent(state: &AppState) -> Result<(Vec<i64>, usize)> {
    use removal_candidate::Column as C;
    let now = state.clock.now();
    let due = removal_candidate::Entity::find()
        .filter(C::State.eq(CandidateState::AwaitingUser))
        .filter(C::NotifiedAt.is_not_null())
        .filter(C::DecideBy.lte(now))
        .order_by_asc(C::Id)
        .limit(SILENT_LIMIT)
        .all(&state.db)
        .await?;
    let actor = Actor::Job {
        run_id: None,
        what: "notice waiting days",
    };
    let mut ready = Vec::new();
    let mut canceled = 0;
    let mut asked = std::collections::BTreeSet::new();
    for cand in due {
        let seat = match cand.subscription_id {
            Some(id) => {
                software_subscription::Entity::find_by_id(id)
                    .one(&state.db)
                    .await?
            }
            None => None,
        };
        let used_again = seat
            .as_ref()
            .is_some_and(|s| s.last_activity_at > cand.last_activity_at);
        let rule = match cand.rule_id {
            Some(id) => {
                reclamation_rule::Entity::find_by_id(id)
                    .one(&state.db)
                    .await?
            }
            None => None,
        };
        let approval = rule.as_ref().is_some_and(|r| r.require_approval);
        let (to, reason) = if used_again {
            (
                CandidateState::ClosedCanceled,
                "qualifying activity came back before the reclaim date".to_owned(),
            )
        } else if approval {
            (
                CandidateState::AwaitingApproval,
                "no answer by the reclaim date; the rule asks for an approval".to_owned(),
            )
        } else {
            (
                CandidateState::Ready,
                "no answer by the reclaim date".to_owned(),
            )
        };
        let txn = state.db.begin_write().await?;
        let mut update = removal_candidate::Entity::update_many()
            .col_expr(C::State, Expr::value(to))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(cand.id))
            .filter(C::State.eq(CandidateState::AwaitingUser));
        if to.is_closed() {
            update = update
                .col_expr(C::ClosedAt, Expr::value(now))
                .col_expr(C::CloseReason, Expr::value(reason.clone()));
        }
        if update.exec(&txn).await?.rows_affected == 1 {
            record(
                &txn,
                cand.id,
                Some(CandidateState::AwaitingUser),
                to,
                &actor,
                Some(reason),
                now,
            )
            .await?;
            let approver = rule.as_ref().and_then(|r| r.approver_email.as_deref());
            match (to, approver, cand.profile_id) {
                (CandidateState::ClosedCanceled, ..) => canceled += 1,
                (CandidateState::AwaitingApproval, Some(approver), Some(profile)) => {
                    super::write_approvals(&txn, profile, &[cand.id], approver, now).await?;
                    asked.insert(profile);
                }
                (CandidateState::AwaitingApproval, ..) => {}
                _ => ready.push(cand.id),
            }
        }
        txn.commit().await?;
    }
    for profile in asked {
        super::kick(state, profile).await;
    }
    Ok((ready, canceled))
}
