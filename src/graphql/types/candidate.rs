//! Removal candidates.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{ActivityKind, CandidateState};
use entity::{integration_profile, software_subscription};

use super::Money;
use super::software_model::{SoftwareModel, load_model};
use super::{IntegrationProfile, SoftwareSubscription};
use crate::domain::reclamation::{self, Candidate};
use crate::graphql::context::state;
use crate::graphql::loaders::load;
use crate::graphql::relay::global_id;

/// A subscription a reclamation rule flagged as unused, with its evidence.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct RemovalCandidate {
    /// Global id.
    pub id: ID,
    /// Where it is in the reclaim workflow.
    pub state: CandidateState,
    /// The user holding the seat.
    pub user_principal_name: String,
    /// The last qualifying activity the rule saw (null: never seen active).
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The rule's inactivity threshold when it was flagged, in days.
    pub threshold_days: i32,
    /// Why it was flagged (null only for candidates flagged before evidence was recorded).
    pub evidence: Option<CandidateEvidence>,
    /// What reclaiming it saves per month, in minor units of `currency`.
    pub potential_savings_minor: i64,
    /// ISO 4217 currency of the savings (empty when no entitlement prices the seat).
    pub currency: String,
    /// What the reclaim saved per month, once reclaimed.
    pub realised_savings_minor: Option<i64>,
    /// When it was flagged.
    pub opened_at: DateTime<Utc>,
    /// When the holder's notice was first delivered.
    pub notified_at: Option<DateTime<Utc>>,
    /// The reclaim date the holder's notice names: their links work, and silence reclaims,
    /// from then on. Null until a notice is sent.
    pub decide_by: Option<DateTime<Utc>>,
    /// When the vendor confirmed the reclaim.
    pub reclaimed_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it was closed.
    pub close_reason: Option<String>,
    /// What a person must look at, while `ATTENTION_REQUIRED` (the vendor's message).
    pub attention_reason: Option<String>,
    /// The vendor's error code of the last refusal.
    pub vendor_code: Option<String>,
    /// Since when the seat has been idle: its last qualifying activity, else when it was
    /// assigned or first seen.
    pub idle_since: DateTime<Utc>,
    /// The reclaim run that took it to the vendor.
    pub reclaim_run_id: Option<ID>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub raw_id: i64,
    #[graphql(skip)]
    pub subscription_id: Option<i64>,
    #[graphql(skip)]
    pub profile_id: Option<i64>,
    #[graphql(skip)]
    pub software_model_id: Option<i64>,
}

/// Why a seat was flagged.
#[derive(SimpleObject, Clone)]
pub struct CandidateEvidence {
    /// The rule that flagged it (null once the rule is deleted).
    pub rule_id: Option<ID>,
    /// The rule's name then.
    pub rule_name: String,
    /// Days without qualifying activity the rule asked for.
    pub threshold_days: i32,
    /// Start of the window examined: no qualifying activity from here...
    pub window_from: DateTime<Utc>,
    /// ...to here (when the activity was last read).
    pub window_to: DateTime<Utc>,
    /// The last qualifying activity known (null: never seen active).
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The activity kinds that count for this product.
    pub activity_kinds: Vec<ActivityKind>,
    /// Where that activity comes from.
    pub activity_source: String,
    /// What was checked and passed (account age, admin role, exclusions, condition).
    pub checks: Vec<String>,
    /// When the vendor created the account.
    pub account_created_at: Option<DateTime<Utc>>,
    /// When the licence was assigned, when the vendor says.
    pub assigned_at: Option<DateTime<Utc>>,
    /// How the potential saving was priced.
    pub cost_basis: CostBasis,
}

/// What one seat costs per month, from the model's active entitlements.
#[derive(SimpleObject, Clone)]
pub struct CostBasis {
    /// Average price per right per month, in minor units of `currency`; 0 without
    /// entitlements.
    pub monthly_price_minor: i64,
    /// ISO 4217 code; empty when no entitlement gives one.
    pub currency: String,
    /// Entitlements that went into it.
    pub entitlements: i64,
    /// Why the figure is what it is, when it is not a plain average.
    pub note: Option<String>,
}

impl From<reclamation::CostBasis> for CostBasis {
    fn from(c: reclamation::CostBasis) -> Self {
        CostBasis {
            monthly_price_minor: c.monthly_price_minor,
            currency: c.currency,
            entitlements: c.entitlements,
            note: c.note,
        }
    }
}

impl From<reclamation::Evidence> for CandidateEvidence {
    fn from(e: reclamation::Evidence) -> Self {
        CandidateEvidence {
            rule_id: e.rule_id.map(|id| global_id("ReclamationRule", id)),
            rule_name: e.rule_name,
            threshold_days: e.threshold_days,
            window_from: e.window_from,
            window_to: e.window_to,
            last_activity_at: e.last_activity_at,
            activity_kinds: e.activity_kinds,
            activity_source: e.activity_source,
            checks: e.checks,
            account_created_at: e.account_created_at,
            assigned_at: e.assigned_at,
            cost_basis: e.cost_basis.into(),
        }
    }
}

/// One activity event behind a verdict.
#[derive(SimpleObject, Clone)]
pub struct LastActivityEvidence {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What the user did.
    pub kind: ActivityKind,
    /// The vendor report it came from.
    pub source: String,
    /// True when the report gave only a window (Zoom's monthly account report): `at` is
    /// the window's last moment, the latest the activity can stand for.
    pub approximate: bool,
    /// Where that window began.
    pub window_from: Option<DateTime<Utc>>,
}

/// One move of a candidate.
#[derive(SimpleObject, Clone)]
pub struct CandidateHistoryEntry {
    /// The state it left (null when it was flagged).
    pub from: Option<CandidateState>,
    /// The state it reached.
    pub to: CandidateState,
    /// Who moved it: an API token's name, or the job that did.
    pub actor: String,
    /// Why: the person's note, the vendor's message, the rule's finding.
    pub reason: Option<String>,
    /// The job run that made the move.
    pub job_run_id: Option<ID>,
    /// When.
    pub at: DateTime<Utc>,
}

#[ComplexObject]
impl RemovalCandidate {
    /// The flagged subscription (null once it is gone from the vendor).
    async fn subscription(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<SoftwareSubscription>> {
        let Some(id) = self.subscription_id else {
            return Ok(None);
        };
        Ok(load::<software_subscription::Entity>(ctx, id)
            .await?
            .map(Into::into))
    }

    /// The integration profile (null once the profile is deleted).
    async fn profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<IntegrationProfile>> {
        let Some(id) = self.profile_id else {
            return Ok(None);
        };
        Ok(load::<integration_profile::Entity>(ctx, id)
            .await?
            .map(Into::into))
    }

    /// The last qualifying activity with its kind and the vendor report it came from (null:
    /// never seen active).
    async fn last_activity(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<LastActivityEvidence>> {
        let candidate = reclamation::get(&state(ctx).db, self.raw_id).await?;
        Ok(reclamation::last_activity(&state(ctx).db, &candidate)
            .await?
            .map(|a| LastActivityEvidence {
                at: a.at,
                kind: a.kind,
                source: a.source,
                approximate: a.window_from.is_some(),
                window_from: a.window_from,
            }))
    }

    /// Whole days idle as of now (from `idleSince`).
    async fn idle_days(&self) -> i64 {
        (Utc::now() - self.idle_since).num_days()
    }

    /// Every move it made, oldest first: who or which job, when, from, to and why.
    async fn history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CandidateHistoryEntry>> {
        let entries = reclamation::history(&state(ctx).db, self.raw_id).await?;
        Ok(entries
            .into_iter()
            .map(|e| CandidateHistoryEntry {
                from: e.from,
                to: e.to,
                actor: e.actor,
                reason: e.reason,
                job_run_id: e.run_id.map(|id| global_id("JobRun", id)),
                at: e.at,
            })
            .collect())
    }

    /// The notices sent (or to send) to the holder, one per channel, each with its delivery
    /// attempts.
    async fn notices(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CandidateNotice>> {
        let notices = crate::domain::notices::of_candidate(&state(ctx).db, self.raw_id).await?;
        Ok(notices.into_iter().map(Into::into).collect())
    }

    /// The software model of the flagged license.
    async fn software_model(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<SoftwareModel>> {
        let Some(id) = self.software_model_id else {
            return Ok(None);
        };
        Ok(Some(load_model(ctx, id).await?))
    }
}

impl From<Candidate> for RemovalCandidate {
    fn from(c: Candidate) -> Self {
        RemovalCandidate {
            id: global_id("RemovalCandidate", c.id),
            state: c.state,
            user_principal_name: c.user_principal_name,
            last_activity_at: c.last_activity_at,
            threshold_days: c.threshold_days,
            evidence: c.evidence.map(Into::into),
            potential_savings_minor: c.potential_savings_minor,
            currency: c.currency,
            realised_savings_minor: c.realised_savings_minor,
            opened_at: c.opened_at,
            notified_at: c.notified_at,
            decide_by: c.decide_by,
            reclaimed_at: c.reclaimed_at,
            closed_at: c.closed_at,
            close_reason: c.close_reason,
            attention_reason: c.attention_reason,
            vendor_code: c.vendor_code,
            reclaim_run_id: c.reclaim_run_id.map(|id| global_id("JobRun", id)),
            idle_since: c.idle_since,
            updated_at: c.updated_at,
            raw_id: c.id,
            subscription_id: c.subscription_id,
            profile_id: c.profile_id,
            software_model_id: c.software_model_id,
        }
    }
}

/// A notice to the seat holder on one channel.
#[derive(SimpleObject, Clone)]
pub struct CandidateNotice {
    /// `NOTICE` (the first), `REMINDER`, or `APPROVAL` (a request to the rule's approver).
    pub kind: entity::enums::NoticeKind,
    /// `EMAIL` (to the holder) or `WEBHOOK` (the configured receiver).
    pub channel: entity::enums::NoticeChannel,
    /// `PENDING`, `SENDING`, `SENT`, `FAILED` (every attempt failed) or `DROPPED` (the
    /// candidate moved on before it went out).
    pub state: entity::enums::NoticeState,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due, while `PENDING`.
    pub next_attempt_at: DateTime<Utc>,
    /// The reclaim date the notice names.
    pub reclaim_at: Option<DateTime<Utc>>,
    /// The key receivers deduplicate on: the email's `Message-ID` (`<id@seatkeeper>`) and
    /// the webhook's `Seatkeeper-Delivery` header.
    pub delivery_id: String,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was written (with the candidate's move).
    pub created_at: DateTime<Utc>,
    /// When the receiver accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// Every delivery attempt, oldest first.
    pub deliveries: Vec<NoticeDelivery>,
}

/// One delivery attempt of a notice.
#[derive(SimpleObject, Clone)]
pub struct NoticeDelivery {
    /// 1 for the first attempt.
    pub number: i32,
    pub at: DateTime<Utc>,
    /// Whether the receiver accepted it.
    pub delivered: bool,
    /// The mail server's or webhook's refusal, or why it could not be reached.
    pub error: Option<String>,
}

impl From<crate::domain::notices::Notice> for CandidateNotice {
    fn from(n: crate::domain::notices::Notice) -> Self {
        CandidateNotice {
            kind: n.kind,
            channel: n.channel,
            state: n.state,
            attempts: n.attempts,
            next_attempt_at: n.next_attempt_at,
            reclaim_at: n.reclaim_at,
            delivery_id: n.delivery_id,
            last_error: n.last_error,
            created_at: n.created_at,
            sent_at: n.sent_at,
            deliveries: n
                .deliveries
                .into_iter()
                .map(|d| NoticeDelivery {
                    number: d.number,
                    at: d.at,
                    delivered: d.delivered,
                    error: d.error,
                })
                .collect(),
        }
    }
}

/// A product evaluation could not judge, and why (no verdict without evidence).
#[derive(SimpleObject, Clone)]
pub struct CoverageGap {
    /// The subscription identifier of the product.
    pub identifier: String,
    /// Why, e.g. activity known for too short a time for the rule's threshold.
    pub reason: String,
    /// Open seats of that product with no activity within the threshold that wait for
    /// evidence (a seat used within it is in use whatever the coverage).
    pub seats: i64,
}

/// What an evaluation (or a preview) found.
#[derive(SimpleObject, Clone)]
pub struct EvaluationResult {
    /// Idle seats newly flagged (in a preview: that would be flagged).
    pub flagged: i64,
    /// Idle seats that already had an open candidate.
    pub already_open: i64,
    /// Idle seats held back by a cooldown: a decision not to reclaim them still stands.
    pub held_back: i64,
    /// Open candidates canceled because activity came back.
    pub canceled: i64,
    /// Open candidates skipped because the vendor no longer lists the seat.
    pub skipped: i64,
    /// Products that could not be judged, with the seats waiting for evidence.
    pub coverage_gaps: Vec<CoverageGap>,
    /// Monthly saving of the flagged seats, per currency (never summed across currencies).
    pub potential_savings: Vec<Money>,
}

impl From<reclamation::Evaluation> for EvaluationResult {
    fn from(e: reclamation::Evaluation) -> Self {
        EvaluationResult {
            flagged: e.flagged,
            already_open: e.already_open,
            held_back: e.held_back,
            canceled: e.canceled,
            skipped: e.skipped,
            coverage_gaps: e
                .gaps
                .into_iter()
                .map(|g| CoverageGap {
                    identifier: g.identifier,
                    reason: g.reason,
                    seats: g.seats,
                })
                .collect(),
            potential_savings: e
                .potential_savings
                .into_iter()
                .map(|(currency, minor)| Money::from_minor(minor, &currency))
                .collect(),
        }
    }
}
