//! What evaluation reads: a profile's idle open seats, how far back their activity is
//! known, and its open candidates with what their seats show now.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::enums::CandidateState;
use entity::{removal_candidate, software_subscription as sub};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::Result;

/// How far back a product's activity is known, for one profile.
#[derive(Debug, Clone, Copy)]
pub(super) struct Coverage {
    pub(super) from: Option<DateTime<Utc>>,
    pub(super) to: Option<DateTime<Utc>>,
}

/// Each vendor user's exact (per-user) activity window, by external id.
pub(super) async fn exact_coverage(
    db: &impl ConnectionTrait,
    profile_id: i64,
) -> Result<HashMap<String, Coverage>> {
    Ok(crate::domain::sync::exact_histories(db, profile_id)
        .await?
        .into_iter()
        .map(|(id, (from, to))| (id, Coverage { from, to: Some(to) }))
        .collect())
}

/// The open subscription fields a verdict needs.
#[derive(Debug, Clone)]
pub(super) struct Seat {
    pub(super) id: i64,
    pub(super) external_user_id: String,
    pub(super) identifier: String,
    pub(super) software_model_id: Option<i64>,
    pub(super) email: String,
    pub(super) external_created_at: Option<DateTime<Utc>>,
    pub(super) assigned_at: Option<DateTime<Utc>>,
    pub(super) first_seen_at: DateTime<Utc>,
    pub(super) last_seen_at: DateTime<Utc>,
    pub(super) last_activity_at: Option<DateTime<Utc>>,
    pub(super) privileged: bool,
    pub(super) excluded_from_reclaim: bool,
}

impl Seat {
    /// When the seat began: assigned, else the account created, else first seen.
    pub(super) fn born(&self) -> DateTime<Utc> {
        self.assigned_at
            .or(self.external_created_at)
            .unwrap_or(self.first_seen_at)
    }
}

/// The open seats of the profile in `models` with no activity since `idle_before` (a seat
/// used since then is in use under every rule, so it is never read).
pub(super) async fn open_seats(
    db: &impl ConnectionTrait,
    profile_id: i64,
    models: Vec<i64>,
    idle_before: DateTime<Utc>,
) -> Result<Vec<Seat>> {
    // Never used, then used before `idle_before`: two ranges of the idle-seats index
    // (an `OR` of the two would read every open seat of the profile).
    let mut rows: Vec<SeatRow> = Vec::new();
    for idle in [
        sub::Column::LastActivityAt.is_null(),
        sub::Column::LastActivityAt.lt(idle_before),
    ] {
        rows.extend(idle_seats(profile_id, &models, idle).all(db).await?);
    }
    Ok(rows
        .into_iter()
        .map(|r| Seat {
            id: r.0,
            external_user_id: r.1,
            identifier: r.2,
            software_model_id: r.3,
            email: r.4,
            external_created_at: r.5,
            assigned_at: r.6,
            first_seen_at: r.7,
            last_seen_at: r.8,
            last_activity_at: r.9,
            privileged: r.10,
            excluded_from_reclaim: r.11,
        })
        .collect())
}

/// The columns of a seat, as read by [`open_seats`].
type SeatRow = (
    i64,
    String,
    String,
    Option<i64>,
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    bool,
    bool,
);

fn idle_seats(
    profile_id: i64,
    models: &[i64],
    idle: sea_orm::sea_query::SimpleExpr,
) -> sea_orm::Selector<sea_orm::SelectGetableTuple<SeatRow>> {
    use sea_orm::QuerySelect;
    sub::Entity::find()
        .select_only()
        .columns([
            sub::Column::Id,
            sub::Column::ExternalUserId,
            sub::Column::Identifier,
            sub::Column::SoftwareModelId,
            sub::Column::UserPrincipalName,
            sub::Column::ExternalCreatedAt,
            sub::Column::AssignedAt,
            sub::Column::FirstSeenAt,
            sub::Column::LastSeenAt,
            sub::Column::LastActivityAt,
            sub::Column::IsPrivileged,
            sub::Column::ExcludedFromReclaim,
        ])
        .filter(sub::Column::ProfileId.eq(profile_id))
        .filter(sub::Column::ClosedAt.is_null())
        .filter(sub::Column::SoftwareModelId.is_in(models.iter().copied()))
        .filter(idle)
        .into_tuple()
}

/// What an open candidate's subscription shows now.
pub(super) struct SeatNow {
    pub(super) last_activity_at: Option<DateTime<Utc>>,
    pub(super) privileged: bool,
    pub(super) excluded_from_reclaim: bool,
}

/// An open candidate as evaluation reads it.
pub(super) struct OpenCandidate {
    pub(super) id: i64,
    pub(super) subscription_id: Option<i64>,
    pub(super) state: CandidateState,
    pub(super) last_activity_at: Option<DateTime<Utc>>,
    /// `None` when the vendor no longer lists the seat (closed or deleted).
    pub(super) seat: Option<SeatNow>,
}

/// The subscriptions of the profile's open candidates.
pub(super) async fn open_subscriptions(
    db: &impl ConnectionTrait,
    profile_id: i64,
) -> Result<HashSet<i64>> {
    use removal_candidate::Column as C;
    use sea_orm::QuerySelect;
    let ids: Vec<Option<i64>> = removal_candidate::Entity::find()
        .select_only()
        .column(C::SubscriptionId)
        .filter(C::ProfileId.eq(profile_id))
        .filter(C::ClosedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().flatten().collect())
}

/// The profile's open candidates with their subscriptions, in one read.
pub(super) async fn open_candidates(
    db: &impl ConnectionTrait,
    profile_id: i64,
) -> Result<Vec<OpenCandidate>> {
    use removal_candidate::Column as C;
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    type Row = (
        i64,
        Option<i64>,
        CandidateState,
        Option<DateTime<Utc>>,
        Option<i64>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<bool>,
        Option<bool>,
    );
    let rows: Vec<Row> = removal_candidate::Entity::find()
        .select_only()
        .columns([C::Id, C::SubscriptionId, C::State, C::LastActivityAt])
        .column(sub::Column::Id)
        .column(sub::Column::ClosedAt)
        .column(sub::Column::LastActivityAt)
        .column(sub::Column::IsPrivileged)
        .column(sub::Column::ExcludedFromReclaim)
        .join(
            JoinType::LeftJoin,
            removal_candidate::Relation::SoftwareSubscription.def(),
        )
        .filter(C::ProfileId.eq(profile_id))
        .filter(C::ClosedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| OpenCandidate {
            id: r.0,
            subscription_id: r.1,
            state: r.2,
            last_activity_at: r.3,
            seat: (r.4.is_some() && r.5.is_none()).then_some(SeatNow {
                last_activity_at: r.6,
                privileged: r.7.unwrap_or(false),
                excluded_from_reclaim: r.8.unwrap_or(false),
            }),
        })
        .collect())
}
