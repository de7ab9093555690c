//! Decisions stick: a seat whose candidate closed without a reclaim (kept and approved to
//! keep, rejected, skipped, used again, restored) is not flagged again until its rule's
//! cooldown passes, unless the facts changed: the seat went to another holder or its
//! licence became another model.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::enums::CandidateState;
use entity::{reclamation_rule, removal_candidate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::Result;

/// Why an open candidate closed when the vendor stopped listing its seat: not a decision,
/// so it holds nothing back.
pub(super) const SEAT_GONE: &str = "the vendor no longer lists the seat";

/// The last decision not to reclaim a seat.
#[derive(Debug, Clone)]
pub(super) struct Decision {
    closed_at: DateTime<Utc>,
    state: CandidateState,
    reason: Option<String>,
    holder: String,
    software_model_id: Option<i64>,
}

impl Decision {
    /// Until when it holds the seat back under a cooldown of `days`, if the seat is still
    /// the one decided about (same holder, same licence).
    pub(super) fn holds(
        &self,
        holder: &str,
        software_model_id: Option<i64>,
        days: i32,
    ) -> Option<DateTime<Utc>> {
        (days > 0
            && self.holder.eq_ignore_ascii_case(holder)
            && self.software_model_id == software_model_id)
            .then(|| self.closed_at + Duration::days(days.into()))
    }

    fn why(&self) -> String {
        let what = match self.state {
            CandidateState::ClosedCanceled => "the seat was used again",
            _ => "a person decided not to reclaim it",
        };
        match &self.reason {
            Some(reason) => format!("{what} ({reason})"),
            None => what.to_owned(),
        }
    }
}

type Row = (
    Option<i64>,
    DateTime<Utc>,
    CandidateState,
    Option<String>,
    String,
    Option<i64>,
);

fn closed_without_reclaim() -> sea_orm::Select<removal_candidate::Entity> {
    use removal_candidate::Column as C;
    removal_candidate::Entity::find()
        .select_only()
        .columns([
            C::SubscriptionId,
            C::ClosedAt,
            C::State,
            C::CloseReason,
            C::UserPrincipalName,
            C::SoftwareModelId,
        ])
        .filter(C::State.is_in([
            CandidateState::ClosedSkipped,
            CandidateState::ClosedCanceled,
        ]))
        .filter(
            sea_orm::Condition::any()
                .add(C::CloseReason.is_null())
                .add(C::CloseReason.ne(SEAT_GONE)),
        )
        .order_by_asc(C::ClosedAt)
}

fn latest(rows: Vec<Row>) -> HashMap<i64, Decision> {
    rows.into_iter()
        .filter_map(|r| {
            Some((
                r.0?,
                Decision {
                    closed_at: r.1,
                    state: r.2,
                    reason: r.3,
                    holder: r.4,
                    software_model_id: r.5,
                },
            ))
        })
        .collect()
}

/// The latest decision per subscription of the profile made since `since`.
pub(super) async fn decisions(
    db: &impl ConnectionTrait,
    profile_id: i64,
    since: DateTime<Utc>,
) -> Result<HashMap<i64, Decision>> {
    use removal_candidate::Column as C;
    let rows: Vec<Row> = closed_without_reclaim()
        .filter(C::ProfileId.eq(profile_id))
        .filter(C::ClosedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    Ok(latest(rows))
}

/// A seat held back from flagging: until when, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cooldown {
    pub until: DateTime<Utc>,
    pub reason: String,
}

/// Whether the subscription is held back at `now`, reading its latest decision and its
/// model's rule.
pub async fn cooldown_of(
    db: &impl ConnectionTrait,
    subscription_id: i64,
    holder: &str,
    software_model_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<Cooldown>> {
    use removal_candidate::Column as C;
    let Some(model) = software_model_id else {
        return Ok(None);
    };
    let Some(rule) = reclamation_rule::Entity::find()
        .filter(reclamation_rule::Column::SoftwareModelId.eq(model))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let rows: Vec<Row> = closed_without_reclaim()
        .filter(C::SubscriptionId.eq(subscription_id))
        .into_tuple()
        .all(db)
        .await?;
    let Some(decision) = latest(rows).remove(&subscription_id) else {
        return Ok(None);
    };
    Ok(decision
        .holds(holder, software_model_id, rule.cooldown_days)
        .filter(|until| *until > now)
        .map(|until| Cooldown {
            until,
            reason: decision.why(),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(days_ago: i64) -> Decision {
        Decision {
            closed_at: Utc::now() - Duration::days(days_ago),
            state: CandidateState::ClosedSkipped,
            reason: Some("kept".into()),
            holder: "ada@example.com".into(),
            software_model_id: Some(1),
        }
    }

    #[test]
    fn a_decision_holds_its_seat_for_the_cooldown_only() {
        let d = decided(30);
        let until = d.holds("ADA@example.com", Some(1), 90).unwrap();
        assert!(until > Utc::now() + Duration::days(59));
        assert!(d.holds("ada@example.com", Some(1), 20).unwrap() < Utc::now());
        assert_eq!(d.holds("ada@example.com", Some(1), 0), None, "no cooldown");
    }

    #[test]
    fn another_holder_or_licence_ends_it() {
        let d = decided(1);
        assert_eq!(d.holds("bob@example.com", Some(1), 90), None);
        assert_eq!(d.holds("ada@example.com", Some(2), 90), None);
    }
}
