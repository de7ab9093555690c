//! Rule evaluation: which open subscriptions of a profile are idle paid seats now, with the
//! evidence; idempotent (one open candidate per subscription), and it closes candidates
//! whose seat came back into use or left the vendor.

use std::collections::{HashMap, HashSet};

use super::cost;
use super::evidence::Facts;
use super::flagged::{self, Flagged};
use super::rule_settings::RuleSettings;
use super::seats::{
    Coverage, Seat, exact_coverage, open_candidates, open_seats, open_subscriptions,
};
use super::verdict::{Verdict, first_state, gap, judge, product_of};
use super::{Actor, Evidence, record};
use crate::connectors::ActivitySignal;
use crate::db::BeginWrite;
use crate::error::{AppError, Result};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{CandidateState, Vendor};
use entity::{integration_profile, reclamation_rule, removal_candidate, subscription_identifier};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A product of the profile that evaluation could not judge, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageGap {
    pub identifier: String,
    pub reason: String,
    /// Open seats of that product with no activity within the threshold that wait for
    /// evidence (a seat used within it is in use whatever the coverage).
    pub seats: i64,
}

/// What one evaluation found and did.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Seats idle now (new candidates, or, in a preview, those that would be).
    pub flagged: i64,
    /// Seats idle that already had an open candidate.
    pub already_open: i64,
    /// Seats idle but held back by a cooldown: a decision not to reclaim them stands.
    pub held_back: i64,
    /// Open candidates closed because activity came back.
    pub canceled: i64,
    /// Open candidates closed because the vendor no longer lists the seat.
    pub skipped: i64,
    /// Products left unjudged for lack of evidence.
    pub gaps: Vec<CoverageGap>,
    /// Potential saving per month of the flagged seats, per currency (minor units).
    pub potential_savings: Vec<(String, i64)>,
    /// Up to `sample` flagged seats with their evidence (previews).
    pub sample: Vec<(String, Evidence)>,
    /// New `READY` candidates whose rule reclaims by itself (the caller queues them).
    pub auto_reclaim: Vec<i64>,
    /// Notices written to the outbox (the caller queues their delivery).
    pub notices: usize,
}

/// Why a notify-user candidate waits for a person when no channel is configured.
const NO_CHANNEL: &str = "the rule notifies the seat holder but no notice channel is configured \
     (set SEATKEEPER_SMTP_HOST or SEATKEEPER_NOTICE_WEBHOOK_URL, then retry)";

/// Judges every open seat of the profile under `rules` (by software model) without
/// writing anything; `sample` bounds the evidence kept for a preview. Idle seats of
/// `open` (subscriptions with an open candidate) count as already open: they are neither
/// flagged again nor part of the saving.
async fn judge_profile(
    db: &impl ConnectionTrait,
    profile: &integration_profile::Model,
    rules: &HashMap<i64, RuleSettings>,
    open: &HashSet<i64>,
    sample: usize,
    now: DateTime<Utc>,
) -> Result<(Evaluation, Vec<(Seat, Facts, CandidateState)>)> {
    let coverage = Coverage {
        from: profile.activity_covered_from,
        to: profile.activity_covered_to,
    };
    let costs = cost::bases(db, rules.keys().copied()).await?;
    let Some(shortest) = rules.values().map(|r| r.threshold_days).min() else {
        return Ok((Evaluation::default(), Vec::new()));
    };
    let idle_before = now - Duration::days(i64::from(shortest));
    let seats = open_seats(db, profile.id, rules.keys().copied().collect(), idle_before).await?;
    let longest = rules.values().map(|r| r.cooldown_days).max().unwrap_or(0);
    let decisions =
        super::cooldown::decisions(db, profile.id, now - Duration::days(longest.into())).await?;
    // Per-user histories matter only to seats of a product with per-user activity (reading
    // them walks every vendor user of the profile).
    let per_user = seats.iter().any(|s| {
        product_of(profile.vendor, &s.identifier)
            .is_some_and(|p| p.signal == ActivitySignal::PerUser)
    });
    let exact = if per_user {
        exact_coverage(db, profile.id).await?
    } else {
        HashMap::new()
    };
    let mut eval = Evaluation::default();
    let mut idle = Vec::new();
    // By identifier and reason: per-user gaps differ from seat to seat.
    let mut gaps: HashMap<String, CoverageGap> = HashMap::new();
    let mut savings: HashMap<String, i64> = HashMap::new();
    for seat in seats {
        let (Some(model), Some(product)) = (
            seat.software_model_id,
            product_of(profile.vendor, &seat.identifier),
        ) else {
            continue;
        };
        let Some(rule) = rules.get(&model) else {
            continue;
        };
        let coverage = match product.signal {
            ActivitySignal::PerUser => {
                exact
                    .get(&seat.external_user_id)
                    .copied()
                    .unwrap_or(Coverage {
                        from: None,
                        to: None,
                    })
            }
            ActivitySignal::Events | ActivitySignal::LastUse | ActivitySignal::None => coverage,
        };
        if let Some(reason) = gap(product, coverage, rule.threshold_days, now) {
            gaps.entry(format!("{}\u{0}{reason}", seat.identifier))
                .or_insert_with(|| CoverageGap {
                    identifier: seat.identifier.clone(),
                    reason,
                    seats: 0,
                })
                .seats += 1;
            continue;
        }
        let cost = &costs[&model];
        if let Verdict::Idle(facts) = judge(&seat, product, rule, coverage, cost, now) {
            let held = decisions
                .get(&seat.id)
                .and_then(|d| d.holds(&seat.email, seat.software_model_id, rule.cooldown_days));
            if held.is_some_and(|until| until > now) {
                eval.held_back += 1;
                continue;
            }
            if open.contains(&seat.id) {
                eval.already_open += 1;
                continue;
            }
            eval.flagged += 1;
            *savings.entry(cost.currency.clone()).or_default() += cost.monthly_price_minor;
            if eval.sample.len() < sample {
                eval.sample.push((seat.email.clone(), facts.evidence()));
            }
            idle.push((seat, *facts, first_state(product, rule)));
        }
    }
    eval.gaps = gaps.into_values().collect();
    eval.gaps
        .sort_by(|a, b| (&a.identifier, &a.reason).cmp(&(&b.identifier, &b.reason)));
    eval.potential_savings = savings.into_iter().filter(|(c, _)| !c.is_empty()).collect();
    eval.potential_savings.sort();
    Ok((eval, idle))
}

/// The active rules of the vendor's software models, by model.
async fn active_rules(
    db: &impl ConnectionTrait,
    vendor: Vendor,
) -> Result<HashMap<i64, RuleSettings>> {
    let models: Vec<i64> = subscription_identifier::Entity::find()
        .filter(subscription_identifier::Column::Vendor.eq(vendor))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.software_model_id)
        .collect();
    Ok(reclamation_rule::Entity::find()
        .filter(reclamation_rule::Column::Active.eq(true))
        .filter(reclamation_rule::Column::SoftwareModelId.is_in(models))
        .all(db)
        .await?
        .iter()
        .map(|r| (r.software_model_id, RuleSettings::from(r)))
        .collect())
}

/// What `previewReclamationRule` answers: the rule's verdicts now, over every published
/// profile of its model's vendor, writing nothing.
pub async fn preview(
    db: &sea_orm::DatabaseConnection,
    rule: &RuleSettings,
    sample: usize,
) -> Result<Evaluation> {
    let model = entity::software_model::Entity::find_by_id(rule.software_model_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("softwareModelId", "no software model has this id"))?;
    let profiles = integration_profile::Entity::find()
        .filter(integration_profile::Column::Vendor.eq(model.vendor))
        .filter(integration_profile::Column::Status.eq(entity::enums::ProfileStatus::Published))
        .all(db)
        .await?;
    let rules = HashMap::from([(rule.software_model_id, rule.clone())]);
    let mut total = Evaluation::default();
    let now = Utc::now();
    for profile in profiles {
        let open = open_subscriptions(db, profile.id).await?;
        let (eval, _) = judge_profile(db, &profile, &rules, &open, sample, now).await?;
        total.flagged += eval.flagged;
        total.already_open += eval.already_open;
        total.held_back += eval.held_back;
        let room = sample.saturating_sub(total.sample.len());
        total.sample.extend(eval.sample.into_iter().take(room));
        for (currency, minor) in eval.potential_savings {
            match total
                .potential_savings
                .iter_mut()
                .find(|(c, _)| *c == currency)
            {
                Some((_, sum)) => *sum += minor,
                None => total.potential_savings.push((currency, minor)),
            }
        }
        for g in eval.gaps {
            match total.gaps.iter_mut().find(|t| t.identifier == g.identifier) {
                Some(t) => t.seats += g.seats,
                None => total.gaps.push(g),
            }
        }
    }
    Ok(total)
}

/// Evaluates the profile's active rules now and writes the outcome: new candidates with
/// their evidence and first move, open candidates canceled (activity came back) or skipped
/// (the seat left the vendor). Serialized per profile, so concurrent evaluations never
/// flag a seat twice.
pub async fn evaluate_profile(
    state: &crate::state::AppState,
    profile_id: i64,
    actor: &Actor,
) -> Result<Evaluation> {
    use integration_profile::Column as P;
    use removal_candidate::Column as C;
    let channels = crate::domain::notices::channels(&state.settings.notices);
    let txn = state.db.begin_write().await?;
    // The profile row is the lock: a second evaluation waits for this one to commit.
    let locked = integration_profile::Entity::update_many()
        .col_expr(P::UpdatedAt, Expr::col(P::UpdatedAt))
        .filter(P::Id.eq(profile_id))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(AppError::not_found("IntegrationProfile"));
    }
    let profile = crate::domain::profiles::get(&txn, profile_id).await?;
    let now = state.clock.now();
    let rules = active_rules(&txn, profile.vendor).await?;
    let open = open_candidates(&txn, profile_id).await?;
    let open_subs: HashSet<i64> = open.iter().filter_map(|c| c.subscription_id).collect();
    let (mut eval, idle) = judge_profile(&txn, &profile, &rules, &open_subs, 0, now).await?;

    // Open candidates first: the seat left the vendor, or was used again.
    for cand in &open {
        if cand.state == CandidateState::Reclaiming {
            continue; // its run decides
        }
        let (to, reason) = match &cand.seat {
            None => (
                CandidateState::ClosedSkipped,
                super::cooldown::SEAT_GONE.to_owned(),
            ),
            Some(seat) if seat.last_activity_at > cand.last_activity_at => (
                CandidateState::ClosedCanceled,
                format!(
                    "qualifying activity came back ({})",
                    seat.last_activity_at
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default()
                ),
            ),
            Some(seat) if seat.excluded_from_reclaim || seat.privileged => (
                CandidateState::ClosedSkipped,
                "excluded from reclaim (or a vendor admin) since it was flagged".to_owned(),
            ),
            Some(_) => continue,
        };
        let moved = removal_candidate::Entity::update_many()
            .col_expr(C::State, Expr::value(to))
            .col_expr(C::ClosedAt, Expr::value(now))
            .col_expr(C::CloseReason, Expr::value(reason.clone()))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(cand.id))
            .filter(C::State.eq(cand.state))
            .exec(&txn)
            .await?;
        if moved.rows_affected == 1 {
            record(
                &txn,
                cand.id,
                Some(cand.state),
                to,
                actor,
                Some(reason),
                now,
            )
            .await?;
            match to {
                CandidateState::ClosedCanceled => eval.canceled += 1,
                _ => eval.skipped += 1,
            }
        }
    }

    let mut fresh = Vec::new();
    for (seat, facts, state) in &idle {
        // A notice nobody can send: a person must see to it (or configure a channel).
        let (state, attention) = if *state == CandidateState::AwaitingUser && channels.is_empty() {
            (CandidateState::AttentionRequired, Some(NO_CHANNEL))
        } else {
            (*state, None)
        };
        fresh.push(Flagged {
            subscription_id: seat.id,
            software_model_id: seat.software_model_id,
            email: &seat.email,
            state: state.as_str(),
            last_activity_at: seat.last_activity_at,
            idle_since: seat.last_activity_at.unwrap_or_else(|| seat.born()),
            attention,
            facts,
        });
    }
    flagged::insert(&txn, profile_id, now, &fresh).await?;
    if !fresh.is_empty() {
        flagged::history(&txn, profile_id, now, actor).await?;
        if !channels.is_empty() {
            use sea_orm::QuerySelect;
            let told: Vec<i64> = removal_candidate::Entity::find()
                .select_only()
                .column(C::Id)
                .filter(C::ProfileId.eq(profile_id))
                .filter(C::OpenedAt.eq(now))
                .filter(C::State.eq(CandidateState::AwaitingUser))
                .into_tuple()
                .all(&txn)
                .await?;
            eval.notices =
                crate::domain::notices::write_outbox(&txn, profile_id, &told, &channels, now)
                    .await?;
        }
        for rule in rules.values() {
            let (Some(approver), Some(rule_id)) = (&rule.approver, rule.rule_id) else {
                continue;
            };
            use sea_orm::QuerySelect;
            let asked: Vec<i64> = removal_candidate::Entity::find()
                .select_only()
                .column(C::Id)
                .filter(C::ProfileId.eq(profile_id))
                .filter(C::OpenedAt.eq(now))
                .filter(C::RuleId.eq(rule_id))
                .filter(C::State.eq(CandidateState::AwaitingApproval))
                .into_tuple()
                .all(&txn)
                .await?;
            eval.notices +=
                crate::domain::notices::write_approvals(&txn, profile_id, &asked, approver, now)
                    .await?;
        }
        let auto_models: Vec<i64> = rules
            .values()
            .filter(|r| r.auto_reclaim)
            .map(|r| r.software_model_id)
            .collect();
        if profile.reclaim && !auto_models.is_empty() {
            use sea_orm::QuerySelect;
            eval.auto_reclaim = removal_candidate::Entity::find()
                .select_only()
                .column(C::Id)
                .filter(C::ProfileId.eq(profile_id))
                .filter(C::OpenedAt.eq(now))
                .filter(C::State.eq(CandidateState::Ready))
                .filter(C::SoftwareModelId.is_in(auto_models))
                .into_tuple()
                .all(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(eval)
}

/// After a successful activity pull: evaluate the profile's rules, then queue a reclaim of
/// the candidates whose rule reclaims by itself. Failures are logged, not raised: the pull
/// itself succeeded.
pub async fn evaluate_after_pull(
    state: &crate::state::AppState,
    profile_id: i64,
    run_id: i64,
) -> Option<Evaluation> {
    let actor = Actor::Job {
        run_id: Some(run_id),
        what: "rule evaluation after the activity pull",
    };
    let eval = match evaluate_profile(state, profile_id, &actor).await {
        Ok(eval) => eval,
        Err(err) => {
            tracing::warn!(
                profile = profile_id,
                "rule evaluation failed: {}",
                err.message()
            );
            return None;
        }
    };
    if eval.notices > 0 {
        crate::domain::notices::kick(state, profile_id).await;
    }
    if !eval.auto_reclaim.is_empty() {
        let actor = Actor::Job {
            run_id: Some(run_id),
            what: "automatic reclaim",
        };
        if let Err(err) = super::claim_for_reclaim(state, &actor, &eval.auto_reclaim).await {
            tracing::warn!(
                profile = profile_id,
                "automatic reclaim not queued: {}",
                err.message()
            );
        }
    }
    Some(eval)
}
