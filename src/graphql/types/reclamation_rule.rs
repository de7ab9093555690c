//! Reclamation rules.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::reclamation_rule;

use super::SoftwareModel;
use super::software_model::load_model;
use crate::domain::reclamation::Condition;
use crate::graphql::relay::global_id;

/// When an idle paid seat of a software model becomes a removal candidate, and what happens
/// before it is reclaimed. One per model.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ReclamationRule {
    /// Global id.
    pub id: ID,
    /// Name shown to people.
    pub name: String,
    /// Days without qualifying activity before a subscription is flagged.
    pub inactivity_threshold_days: i32,
    /// Whether the user is told before the seat is reclaimed.
    pub notify_user: bool,
    /// Days to wait after the notice before reclaiming.
    pub notify_wait_days: i32,
    /// Whether an approver must approve each reclaim.
    pub require_approval: bool,
    /// Whether the rule runs.
    pub active: bool,
    /// Whether `READY` candidates are reclaimed without a person asking.
    pub auto_reclaim: bool,
    /// What narrows the rule (null: every seat of the model).
    pub condition: Option<RuleCondition>,
    /// Days a seat closed without a reclaim (kept, rejected, skipped, used again) is not
    /// flagged again; 0 for none. Reassigning the seat or changing its licence ends it.
    pub cooldown_days: i32,
    /// Reminders to the holder before the reclaim date, after the first notice.
    pub reminder_count: i32,
    /// Days between the first notice and each reminder.
    pub reminder_interval_days: i32,
    /// Who decides a seat its holder keeps: an email address or `webhook`, sent approve
    /// and reject links; null: reclaimers decide in the API.
    pub approver: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub software_model_id: i64,
}

/// What narrows a rule; empty lists do not narrow.
#[derive(SimpleObject, Clone)]
pub struct RuleCondition {
    /// Only holders whose email domain is one of these.
    pub email_domains_in: Vec<String>,
    /// Never holders whose email domain is one of these.
    pub email_domains_not_in: Vec<String>,
    /// Only these subscription identifiers.
    pub identifiers: Vec<String>,
}

#[ComplexObject]
impl ReclamationRule {
    /// The model the rule applies to.
    async fn software_model(&self, ctx: &Context<'_>) -> async_graphql::Result<SoftwareModel> {
        load_model(ctx, self.software_model_id).await
    }
}

impl From<reclamation_rule::Model> for ReclamationRule {
    fn from(m: reclamation_rule::Model) -> Self {
        ReclamationRule {
            id: global_id("ReclamationRule", m.id),
            name: m.name,
            inactivity_threshold_days: m.inactivity_threshold_days,
            notify_user: m.notify_user,
            notify_wait_days: m.notify_wait_days,
            require_approval: m.require_approval,
            active: m.active,
            auto_reclaim: m.auto_reclaim,
            cooldown_days: m.cooldown_days,
            reminder_count: m.reminder_count,
            reminder_interval_days: m.reminder_interval_days,
            approver: m.approver_email,
            condition: m
                .condition
                .and_then(|c| serde_json::from_value::<Condition>(c).ok())
                .map(|c| RuleCondition {
                    email_domains_in: c.email_domains_in,
                    email_domains_not_in: c.email_domains_not_in,
                    identifiers: c.identifiers,
                }),
            created_at: m.created_at,
            updated_at: m.updated_at,
            software_model_id: m.software_model_id,
        }
    }
}
