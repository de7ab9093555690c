//! Acting on removal candidates (reclaimer) and evaluating rules now (admin or reclaimer).
//! Batches answer per id: one refused candidate does not undo the others.

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::enums::Role;

use crate::domain::reclamation::{self, Actor, Move, MoveResult};
use crate::error::AppError;
use crate::graphql::context::{AnyRoleGuard, RoleGuard, principal, state};
use crate::graphql::relay::expect_id;
use crate::graphql::types::RemovalCandidate;
use crate::graphql::types::candidate::EvaluationResult;

/// Largest batch one call takes.
const MAX_BATCH: usize = 1_000;

/// The error of one id in a batch.
#[derive(SimpleObject, Clone)]
pub struct CandidateError {
    /// `NOT_FOUND`, `CONFLICT` (the state does not allow the move; the message names it),
    /// `BAD_USER_INPUT`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
}

/// The answer for one id of a batch.
#[derive(SimpleObject, Clone)]
pub struct CandidateMoveResult {
    /// The id as given.
    pub id: ID,
    /// The candidate after the move, when it was made.
    pub candidate: Option<RemovalCandidate>,
    /// Why it was not, otherwise.
    pub error: Option<CandidateError>,
}

fn answer(results: Vec<MoveResult>, given: &[ID]) -> Vec<CandidateMoveResult> {
    results
        .into_iter()
        .zip(given)
        .map(|(r, id)| match r.outcome {
            Ok(c) => CandidateMoveResult {
                id: id.clone(),
                candidate: Some(c.into()),
                error: None,
            },
            Err(e) => CandidateMoveResult {
                id: id.clone(),
                candidate: None,
                error: Some(CandidateError {
                    code: e.code().to_owned(),
                    message: e.message(),
                }),
            },
        })
        .collect()
}

fn ids(given: &[ID]) -> Result<Vec<i64>, AppError> {
    if given.is_empty() || given.len() > MAX_BATCH {
        return Err(AppError::bad_input(
            "ids",
            format!("give between 1 and {MAX_BATCH} candidate ids"),
        ));
    }
    given
        .iter()
        .map(|id| expect_id(id, "RemovalCandidate", "ids"))
        .collect()
}

async fn apply(
    ctx: &Context<'_>,
    given: Vec<ID>,
    mv: Move,
    note: Option<String>,
) -> async_graphql::Result<Vec<CandidateMoveResult>> {
    let raw = ids(&given)?;
    let actor = Actor::Person(principal(ctx)?.clone());
    let results = reclamation::apply_moves(&state(ctx).db, &actor, &raw, mv, note).await?;
    // Retried notices go out now rather than at the scheduler's next sweep.
    let resent: std::collections::BTreeSet<i64> = results
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok())
        .filter(|c| c.state == entity::enums::CandidateState::AwaitingUser)
        .filter_map(|c| c.profile_id)
        .collect();
    for profile in resent {
        crate::domain::notices::kick(state(ctx), profile).await;
    }
    Ok(answer(results, &given))
}

const EVALUATORS: &[Role] = &[Role::Admin, Role::Reclaimer];

#[derive(Default)]
pub struct ReclamationMutation;

#[Object]
impl ReclamationMutation {
    /// Evaluates the profile's active reclamation rules now: flags idle seats (at most one
    /// open candidate per subscription), cancels candidates whose seat was used again and
    /// skips those the vendor no longer lists. Says which products could not be judged.
    #[graphql(guard = "AnyRoleGuard(EVALUATORS)")]
    async fn evaluate_reclamation_rules(
        &self,
        ctx: &Context<'_>,
        profile_id: ID,
    ) -> async_graphql::Result<EvaluationResult> {
        let id = expect_id(&profile_id, "IntegrationProfile", "profileId")?;
        let actor = Actor::Person(principal(ctx)?.clone());
        let eval = reclamation::evaluate_profile(state(ctx), id, &actor).await?;
        if eval.notices > 0 {
            crate::domain::notices::kick(state(ctx), id).await;
        }
        Ok(eval.into())
    }

    /// Reclaims `READY` candidates through the vendor: claims them into one reclaim run per
    /// profile (streamed on `jobRunUpdates`) and answers at once. A candidate in another
    /// state, or of a profile with reclaim switched off, answers `CONFLICT` saying why.
    #[graphql(guard = "RoleGuard(Role::Reclaimer)")]
    async fn reclaim_removal_candidates(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<CandidateMoveResult>> {
        let raw = self::ids(&ids)?;
        let actor = Actor::Person(principal(ctx)?.clone());
        let results = reclamation::claim_for_reclaim(state(ctx), &actor, &raw).await?;
        Ok(answer(results, &ids))
    }

    /// Approves candidates `AWAITING_APPROVAL`: they become `READY`.
    #[graphql(guard = "RoleGuard(Role::Reclaimer)")]
    async fn approve_removal_candidates(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        note: Option<String>,
    ) -> async_graphql::Result<Vec<CandidateMoveResult>> {
        apply(ctx, ids, Move::Approve, note).await
    }

    /// Rejects candidates `AWAITING_APPROVAL`: they close as `CLOSED_SKIPPED`.
    #[graphql(guard = "RoleGuard(Role::Reclaimer)")]
    async fn reject_removal_candidates(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        note: Option<String>,
    ) -> async_graphql::Result<Vec<CandidateMoveResult>> {
        apply(ctx, ids, Move::Reject, note).await
    }

    /// Closes open candidates (any state but `RECLAIMING`) as `CLOSED_SKIPPED`.
    #[graphql(guard = "RoleGuard(Role::Reclaimer)")]
    async fn skip_removal_candidates(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        reason: Option<String>,
    ) -> async_graphql::Result<Vec<CandidateMoveResult>> {
        apply(ctx, ids, Move::Skip, reason).await
    }

    /// Closes candidates `AWAITING_REVOCATION` as `CLOSED_COMPLETE`: the seat was removed by
    /// hand at the vendor. The saving counts as realised.
    #[graphql(guard = "RoleGuard(Role::Reclaimer)")]
    async fn complete_removal_candidates(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        note: Option<String>,
    ) -> async_graphql::Result<Vec<CandidateMoveResult>> {
        apply(ctx, ids, Move::Complete, note).await
    }

    /// Gives back a seat Seatkeeper reclaimed, through the vendor (Zoom Licensed or the
    /// add-on again, the GoTo licence re-added, the Aha! user enabled), within the restore
    /// window (`SEATKEEPER_RESTORE_WINDOW_DAYS`, default 30). The subscription reopens; the
    /// candidate closes as `CLOSED_SKIPPED` with no realised saving. A vendor without a free
    /// seat answers `VENDOR_ERROR` with its message.
    #[graphql(guard = "RoleGuard(Role::Reclaimer)")]
    async fn restore_reclaimed_subscription(
        &self,
        ctx: &Context<'_>,
        candidate_id: ID,
    ) -> async_graphql::Result<RemovalCandidate> {
        let id = expect_id(&candidate_id, "RemovalCandidate", "candidateId")?;
        let actor = Actor::Person(principal(ctx)?.clone());
        Ok(reclamation::restore(state(ctx), &actor, id).await?.into())
    }

    /// Makes candidates `ATTENTION_REQUIRED` `READY` again (after the vendor's problem was
    /// fixed); reclaim them next. A candidate whose notice could not be delivered goes back
    /// to `AWAITING_USER` instead, and its notice is sent again.
    #[graphql(guard = "RoleGuard(Role::Reclaimer)")]
    async fn retry_removal_candidates(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<CandidateMoveResult>> {
        apply(ctx, ids, Move::Retry, None).await
    }
}
