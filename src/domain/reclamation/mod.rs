//! Reclamation: rules flag idle paid seats as removal candidates with their evidence
//! (`evaluate`), people and jobs move candidates through their states (`moves`), and
//! reclaim runs give seats back through the vendor exactly once (`reclaim`). What leaves
//! this module is its own types, never SeaORM models.

mod cooldown;
mod cost;
mod evaluate;
mod evidence;
mod flagged;
mod moves;
mod reclaim;
mod restore;
mod rule_settings;
mod seats;
mod summary;
mod verdict;

pub use cooldown::{Cooldown, cooldown_of};
pub use cost::CostBasis;
pub use evaluate::{CoverageGap, Evaluation, evaluate_after_pull, evaluate_profile, preview};
pub use evidence::Evidence;
pub use moves::{Move, MoveResult, apply_moves};
pub use reclaim::{claim_for_reclaim, reclaim_run};
pub use restore::restore;
pub use rule_settings::{Condition, RuleSettings};
pub use summary::{Summary, summary};

use chrono::{DateTime, Utc};
use entity::enums::{ActivityKind, CandidateState};
use entity::{removal_candidate, removal_candidate_event};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::page::{self, Page, PageRequest};
use crate::error::Result;

/// A removal candidate as the domain hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub subscription_id: Option<i64>,
    pub profile_id: Option<i64>,
    pub software_model_id: Option<i64>,
    pub rule_id: Option<i64>,
    pub user_principal_name: String,
    pub state: CandidateState,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub threshold_days: i32,
    /// `None` only for candidates flagged before evidence had this shape.
    pub evidence: Option<Evidence>,
    pub potential_savings_minor: i64,
    pub currency: String,
    pub opened_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
    /// The reclaim date the holder's notice names (answers are taken until then).
    pub decide_by: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub attention_reason: Option<String>,
    pub vendor_code: Option<String>,
    pub reclaim_run_id: Option<i64>,
    pub realised_savings_minor: Option<i64>,
    pub reclaimed_at: Option<DateTime<Utc>>,
    pub idle_since: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<removal_candidate::Model> for Candidate {
    fn from(m: removal_candidate::Model) -> Self {
        let evidence = evidence::read(&m);
        Candidate {
            id: m.id,
            subscription_id: m.subscription_id,
            profile_id: m.profile_id,
            software_model_id: m.software_model_id,
            rule_id: m.rule_id,
            user_principal_name: m.user_principal_name,
            state: m.state,
            last_activity_at: m.last_activity_at,
            threshold_days: m.threshold_days,
            evidence,
            potential_savings_minor: m.potential_savings_minor,
            currency: m.currency,
            opened_at: m.opened_at,
            notified_at: m.notified_at,
            decide_by: m.decide_by,
            closed_at: m.closed_at,
            close_reason: m.close_reason,
            attention_reason: m.attention_reason,
            vendor_code: m.vendor_code,
            reclaim_run_id: m.reclaim_run_id,
            realised_savings_minor: m.realised_savings_minor,
            reclaimed_at: m.reclaimed_at,
            idle_since: m.idle_since,
            updated_at: m.updated_at,
        }
    }
}

/// One recorded move of a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub from: Option<CandidateState>,
    pub to: CandidateState,
    pub actor: String,
    pub reason: Option<String>,
    pub run_id: Option<i64>,
    pub at: DateTime<Utc>,
}

/// Which candidates a list shows.
#[derive(Debug, Default)]
pub struct CandidateFilter {
    pub states: Option<Vec<CandidateState>>,
    pub profile_id: Option<i64>,
    pub software_model_id: Option<i64>,
    pub rule_id: Option<i64>,
}

/// How a list of candidates is ordered; ties go by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CandidateOrder {
    /// Oldest first (pages both ways).
    #[default]
    Id,
    /// Largest potential saving first (pages forwards).
    PotentialSavings,
    /// Idle the longest first (pages forwards).
    IdleDays,
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &CandidateFilter,
    order: CandidateOrder,
    req: &PageRequest,
) -> Result<Page<Candidate>> {
    use removal_candidate::Column as C;
    let select = filtered(filter);
    match order {
        CandidateOrder::Id => Ok(page::keyset(db, select, C::Id, req)
            .await?
            .map(Candidate::from)),
        CandidateOrder::PotentialSavings | CandidateOrder::IdleDays => {
            sorted(db, select, order, req).await
        }
    }
}

/// A page ordered by a sort key then id. A cursor is still a row id: the row's key is
/// read back, so cursors look the same whatever the order.
async fn sorted(
    db: &DatabaseConnection,
    select: sea_orm::Select<removal_candidate::Entity>,
    order: CandidateOrder,
    req: &PageRequest,
) -> Result<Page<Candidate>> {
    use removal_candidate::Column as C;
    use sea_orm::{Condition, QuerySelect};
    if req.last.is_some() || req.before.is_some() {
        return Err(crate::error::AppError::bad_input(
            "orderBy",
            "lists sorted by saving or idle days page forwards only (first/after)",
        ));
    }
    let total = page::lazy_count(db, select.clone());
    let mut query = select;
    if let Some(after) = req.after {
        let row = removal_candidate::Entity::find_by_id(after)
            .one(db)
            .await?
            .ok_or_else(|| {
                crate::error::AppError::bad_input("after", "the cursor's row is gone")
            })?;
        query = query.filter(match order {
            CandidateOrder::PotentialSavings => Condition::any()
                .add(C::PotentialSavingsMinor.lt(row.potential_savings_minor))
                .add(
                    Condition::all()
                        .add(C::PotentialSavingsMinor.eq(row.potential_savings_minor))
                        .add(C::Id.gt(after)),
                ),
            _ => Condition::any().add(C::IdleSince.gt(row.idle_since)).add(
                Condition::all()
                    .add(C::IdleSince.eq(row.idle_since))
                    .add(C::Id.gt(after)),
            ),
        });
    }
    query = match order {
        CandidateOrder::PotentialSavings => query.order_by_desc(C::PotentialSavingsMinor),
        _ => query.order_by_asc(C::IdleSince),
    };
    let size = req.first.unwrap_or(page::DEFAULT_PAGE_SIZE);
    let mut rows = query
        .order_by_asc(C::Id)
        .limit(size as u64 + 1)
        .all(db)
        .await?;
    let has_next = rows.len() > size;
    rows.truncate(size);
    Ok(Page {
        items: rows.into_iter().map(Candidate::from).collect(),
        has_next,
        has_previous: req.after.is_some(),
        total,
    })
}

fn filtered(filter: &CandidateFilter) -> sea_orm::Select<removal_candidate::Entity> {
    use removal_candidate::Column as C;
    let mut select = removal_candidate::Entity::find();
    if let Some(states) = &filter.states {
        select = select.filter(C::State.is_in(states.iter().copied()));
    }
    if let Some(id) = filter.profile_id {
        select = select.filter(C::ProfileId.eq(id));
    }
    if let Some(id) = filter.software_model_id {
        select = select.filter(C::SoftwareModelId.eq(id));
    }
    if let Some(id) = filter.rule_id {
        select = select.filter(C::RuleId.eq(id));
    }
    select
}

pub async fn get(db: &DatabaseConnection, id: i64) -> Result<Candidate> {
    Ok(
        page::find::<removal_candidate::Entity>(db, id, "RemovalCandidate")
            .await?
            .into(),
    )
}

/// Every move of a candidate, oldest first.
pub async fn history(db: &DatabaseConnection, candidate_id: i64) -> Result<Vec<HistoryEntry>> {
    use removal_candidate_event::Column as E;
    Ok(removal_candidate_event::Entity::find()
        .filter(E::CandidateId.eq(candidate_id))
        .order_by_asc(E::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| HistoryEntry {
            from: e.from_state,
            to: e.to_state,
            actor: e.actor,
            reason: e.reason,
            run_id: e.run_id,
            at: e.at,
        })
        .collect())
}

/// Who made a move: a person's token, or a job.
#[derive(Debug, Clone)]
pub enum Actor {
    Person(crate::domain::tokens::Principal),
    Job {
        run_id: Option<i64>,
        what: &'static str,
    },
    /// The seat holder, through a link of their notice.
    Holder(String),
    /// The rule's approver, through a link of their approval request.
    Approver(String),
}

impl Actor {
    fn name(&self) -> String {
        match self {
            Actor::Person(p) => p.name.clone(),
            Actor::Job {
                run_id: Some(id),
                what,
            } => format!("{what} (job run {id})"),
            Actor::Job { run_id: None, what } => (*what).to_owned(),
            Actor::Holder(who) => format!("{who} (seat holder, notice link)"),
            Actor::Approver(who) => format!("{who} (approver, notice link)"),
        }
    }

    fn run_id(&self) -> Option<i64> {
        match self {
            Actor::Person(_) | Actor::Holder(_) | Actor::Approver(_) => None,
            Actor::Job { run_id, .. } => *run_id,
        }
    }
}

/// Records one move in the candidate's history.
pub(crate) async fn record(
    db: &impl sea_orm::ConnectionTrait,
    candidate_id: i64,
    from: Option<CandidateState>,
    to: CandidateState,
    actor: &Actor,
    reason: Option<String>,
    at: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::Set;
    removal_candidate_event::Entity::insert(removal_candidate_event::ActiveModel {
        candidate_id: Set(candidate_id),
        from_state: Set(from),
        to_state: Set(to),
        actor: Set(actor.name()),
        reason: Set(reason),
        run_id: Set(actor.run_id()),
        at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The last qualifying activity behind a candidate, read from the raw events kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastActivity {
    pub at: DateTime<Utc>,
    pub kind: ActivityKind,
    /// The vendor report it came from, e.g. `zoom:report/meetings`.
    pub source: String,
    /// The report said only that the user was active sometime in a window that began at
    /// `window_from`; `at` is the window's last moment, which the verdict used.
    pub window_from: Option<DateTime<Utc>>,
}

/// What the candidate's last activity was and where it came from; `None` when the seat
/// was never seen active (or its events are gone with the profile).
pub async fn last_activity(
    db: &DatabaseConnection,
    candidate: &Candidate,
) -> Result<Option<LastActivity>> {
    use entity::{activity_event, software_subscription, vendor_user};
    let (Some(at), Some(sub_id), Some(profile_id)) = (
        candidate.last_activity_at,
        candidate.subscription_id,
        candidate.profile_id,
    ) else {
        return Ok(None);
    };
    let Some(sub) = software_subscription::Entity::find_by_id(sub_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = vendor_user::Entity::find()
        .filter(vendor_user::Column::ProfileId.eq(profile_id))
        .filter(vendor_user::Column::ExternalUserId.eq(sub.external_user_id.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let profile = crate::domain::profiles::get(db, profile_id).await?;
    let kinds: Vec<i16> = crate::connectors::product(profile.vendor, &sub.identifier)
        .map(|p| p.activity.iter().map(|k| k.code()).collect())
        .unwrap_or_default();
    // The event at that time, or, for a coarse window read at its end, the latest before.
    let event = activity_event::Entity::find()
        .filter(activity_event::Column::VendorUserId.eq(user.id))
        .filter(activity_event::Column::Kind.is_in(kinds))
        .filter(activity_event::Column::OccurredAtMs.lte(at.timestamp_millis()))
        .order_by_desc(activity_event::Column::OccurredAtMs)
        .one(db)
        .await?;
    Ok(event.and_then(|e| {
        let exact = e.occurred_at_ms == at.timestamp_millis();
        Some(LastActivity {
            at,
            kind: e.activity_kind()?,
            window_from: (!exact)
                .then(|| DateTime::from_timestamp_millis(e.occurred_at_ms))
                .flatten(),
            source: e.source,
        })
    }))
}
