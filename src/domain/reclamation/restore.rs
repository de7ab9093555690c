//! Undo: a seat Seatkeeper reclaimed is given back through the vendor within the restore
//! window; the subscription reopens and the candidate records it.

use chrono::{Duration, Utc};
use entity::enums::CandidateState;
use entity::{removal_candidate, software_subscription as sub};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Actor, Candidate, record};
use crate::connectors::{self, ReclaimTarget};
use crate::db::BeginWrite;
use crate::domain::sync::SyncError;
use crate::error::{AppError, Result};
use crate::state::AppState;

fn vendor_error(err: SyncError) -> AppError {
    match err {
        SyncError::Vendor(e) => AppError::Vendor {
            message: e.to_string(),
            vendor_code: e.vendor_code().map(str::to_owned),
        },
        SyncError::App(e) => e,
        SyncError::Guard(m) | SyncError::Precondition(m) => AppError::Conflict(m),
    }
}

/// Gives back the seat candidate `id` reclaimed. Refused (`CONFLICT`) unless Seatkeeper
/// reclaimed it through the vendor within the window; the vendor's refusal (no free
/// licence, say) is `VENDOR_ERROR` with its message.
pub async fn restore(state: &AppState, actor: &Actor, id: i64) -> Result<Candidate> {
    use removal_candidate::Column as C;
    let db = &state.db;
    let cand = removal_candidate::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("RemovalCandidate"))?;
    if cand.state != CandidateState::ClosedComplete {
        return Err(AppError::Conflict(format!(
            "a candidate in {} was not reclaimed: there is nothing to restore",
            cand.state
        )));
    }
    let (Some(_), Some(reclaimed_at)) = (cand.vendor_call_at, cand.reclaimed_at) else {
        return Err(AppError::Conflict(
            "this seat was released without a Seatkeeper call to the vendor: restore it at the vendor"
                .into(),
        ));
    };
    let window = Duration::days(i64::from(state.settings.restore_window_days));
    if state.clock.now() - reclaimed_at > window {
        return Err(AppError::Conflict(format!(
            "the restore window of {} days has passed (reclaimed {})",
            state.settings.restore_window_days,
            reclaimed_at.format("%Y-%m-%d")
        )));
    }
    let (Some(sub_id), Some(profile_id)) = (cand.subscription_id, cand.profile_id) else {
        return Err(AppError::Conflict(
            "its subscription or integration profile was deleted".into(),
        ));
    };
    let subscription = sub::Entity::find_by_id(sub_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Conflict("its subscription was deleted".into()))?;
    let profile = crate::domain::profiles::get(db, profile_id).await?;
    let product =
        connectors::product(profile.vendor, &subscription.identifier).ok_or_else(|| {
            AppError::Conflict(format!(
                "{} is not a product Seatkeeper knows",
                subscription.identifier
            ))
        })?;
    let target = ReclaimTarget {
        external_user_id: subscription.external_user_id.clone(),
        user_principal_name: subscription.user_principal_name.clone(),
        product,
        used_since: None,
    };
    let connector = crate::domain::connections::connector_for(state, &profile)
        .await
        .map_err(vendor_error)?;
    connectors::restore(connector.as_ref(), &target)
        .await
        .map_err(|e| vendor_error(SyncError::Vendor(e)))?;

    let now = Utc::now();
    let txn = db.begin_write().await?;
    let moved = removal_candidate::Entity::update_many()
        .col_expr(C::State, Expr::value(CandidateState::ClosedSkipped))
        .col_expr(
            C::CloseReason,
            Expr::value("restored: the seat was given back"),
        )
        .col_expr(C::RealisedSavingsMinor, Expr::value(Option::<i64>::None))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::State.eq(CandidateState::ClosedComplete))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 1 {
        sub::Entity::update_many()
            .col_expr(
                sub::Column::ClosedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(sub::Column::Active, Expr::value(true))
            .col_expr(sub::Column::LastSeenAt, Expr::value(now))
            .col_expr(sub::Column::UpdatedAt, Expr::value(now))
            .filter(sub::Column::Id.eq(sub_id))
            .exec(&txn)
            .await?;
        record(
            &txn,
            id,
            Some(CandidateState::ClosedComplete),
            CandidateState::ClosedSkipped,
            actor,
            Some("restored: the seat was given back through the vendor".into()),
            now,
        )
        .await?;
    }
    let after = removal_candidate::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("RemovalCandidate"))?;
    txn.commit().await?;
    crate::domain::reconciliation::refresh_seats(db, profile_id, state.clock.now().date_naive())
        .await?;
    Ok(after.into())
}
