//! Reclamation rules, one per software model.

use async_graphql::{Context, ID, InputObject, Object};
use entity::enums::Role;

use crate::domain::reclamation_rules::{self, Condition, NewRule, RulePatch};
use crate::graphql::context::{RoleGuard, principal, state};
use crate::graphql::relay::{expect_id, global_id};
use crate::graphql::types::ReclamationRule;

/// A reclamation rule to create for a software model that has none.
#[derive(InputObject)]
pub struct CreateReclamationRuleInput {
    /// The software model the rule applies to.
    pub software_model_id: ID,
    /// Name shown to people; defaults to the model's display name.
    pub name: Option<String>,
    /// Days without qualifying activity before a seat is flagged, 1 to 3650.
    #[graphql(default = 60)]
    pub inactivity_threshold_days: i32,
    /// Tell the user before reclaiming (email and/or webhook): refused with
    /// `BAD_USER_INPUT` when the server has no notice channel configured.
    #[graphql(default = false)]
    pub notify_user: bool,
    /// Days to wait after the notice, 0 to 365; more than 0 needs `notifyUser`.
    #[graphql(default = 0)]
    pub notify_wait_days: i32,
    /// Each reclaim waits for an approver.
    #[graphql(default = false)]
    pub require_approval: bool,
    /// Whether the rule runs.
    #[graphql(default = true)]
    pub active: bool,
    /// Reclaim `READY` candidates without a person asking, right after evaluation.
    #[graphql(default = false)]
    pub auto_reclaim: bool,
    /// Narrows the rule to some seats; omitted: every seat of the model.
    pub condition: Option<RuleConditionInput>,
    /// Days a seat closed without a reclaim is not flagged again, 0 to 3650 (0: none).
    #[graphql(default = 90)]
    pub cooldown_days: i32,
    /// Reminders before the reclaim date, 0 to 5; needs `notifyUser`, and the last must go
    /// out at least a day before the reclaim date.
    #[graphql(default = 0)]
    pub reminder_count: i32,
    /// Days between the first notice and each reminder, 1 to 90.
    #[graphql(default = 3)]
    pub reminder_interval_days: i32,
    /// Who decides a seat its holder keeps: an email address (needs SMTP) or `webhook`
    /// (needs the notice webhook); omitted: reclaimers decide in the API.
    pub approver: Option<String>,
}

/// Narrows a rule; empty lists do not narrow.
#[derive(InputObject, Default)]
pub struct RuleConditionInput {
    /// Only holders whose email domain is one of these.
    #[graphql(default)]
    pub email_domains_in: Vec<String>,
    /// Never holders whose email domain is one of these.
    #[graphql(default)]
    pub email_domains_not_in: Vec<String>,
    /// Only these subscription identifiers.
    #[graphql(default)]
    pub identifiers: Vec<String>,
}

impl From<RuleConditionInput> for Condition {
    fn from(c: RuleConditionInput) -> Self {
        Condition {
            email_domains_in: c.email_domains_in,
            email_domains_not_in: c.email_domains_not_in,
            identifiers: c.identifiers,
        }
    }
}

/// Changes to a rule; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateReclamationRuleInput {
    /// New name.
    pub name: Option<String>,
    /// New threshold, 1 to 3650 days.
    pub inactivity_threshold_days: Option<i32>,
    /// Tell the user before reclaiming.
    pub notify_user: Option<bool>,
    /// New wait after the notice, 0 to 365 days; more than 0 needs `notifyUser`.
    pub notify_wait_days: Option<i32>,
    /// Each reclaim waits for an approver.
    pub require_approval: Option<bool>,
    /// Whether the rule runs.
    pub active: Option<bool>,
    /// Reclaim `READY` candidates without a person asking.
    pub auto_reclaim: Option<bool>,
    /// A new condition; one with empty lists removes it.
    pub condition: Option<RuleConditionInput>,
    /// New cooldown, 0 to 3650 days.
    pub cooldown_days: Option<i32>,
    /// New number of reminders, 0 to 5.
    pub reminder_count: Option<i32>,
    /// New days between reminders, 1 to 90.
    pub reminder_interval_days: Option<i32>,
    /// New approver (an email address or `webhook`); an empty string removes it.
    pub approver: Option<String>,
}

#[derive(Default)]
pub struct RuleMutation;

#[Object]
impl RuleMutation {
    /// Creates a software model's reclamation rule; a second rule for a model is `CONFLICT`.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_reclamation_rule(
        &self,
        ctx: &Context<'_>,
        input: CreateReclamationRuleInput,
    ) -> async_graphql::Result<ReclamationRule> {
        crate::domain::notices::require_channel(
            &state(ctx).settings.notices,
            Some(input.notify_user),
        )?;
        crate::domain::notices::require_approver_channel(
            &state(ctx).settings.notices,
            input.approver.as_deref(),
        )?;
        let new = NewRule {
            software_model_id: expect_id(
                &input.software_model_id,
                "SoftwareModel",
                "softwareModelId",
            )?,
            name: input.name,
            inactivity_threshold_days: input.inactivity_threshold_days,
            notify_user: input.notify_user,
            notify_wait_days: input.notify_wait_days,
            require_approval: input.require_approval,
            active: input.active,
            auto_reclaim: input.auto_reclaim,
            condition: input.condition.map(Into::into),
            cooldown_days: input.cooldown_days,
            reminder_count: input.reminder_count,
            reminder_interval_days: input.reminder_interval_days,
            approver: input.approver,
        };
        let row = reclamation_rules::create_audited(&state(ctx).db, principal(ctx)?, &new).await?;
        Ok(row.into())
    }

    /// Changes a reclamation rule.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_reclamation_rule(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateReclamationRuleInput,
    ) -> async_graphql::Result<ReclamationRule> {
        let id = expect_id(&id, "ReclamationRule", "id")?;
        crate::domain::notices::require_channel(&state(ctx).settings.notices, input.notify_user)?;
        crate::domain::notices::require_approver_channel(
            &state(ctx).settings.notices,
            input.approver.as_deref(),
        )?;
        let patch = RulePatch {
            name: input.name,
            inactivity_threshold_days: input.inactivity_threshold_days,
            notify_user: input.notify_user,
            notify_wait_days: input.notify_wait_days,
            require_approval: input.require_approval,
            active: input.active,
            auto_reclaim: input.auto_reclaim,
            condition: input.condition.map(Into::into),
            cooldown_days: input.cooldown_days,
            reminder_count: input.reminder_count,
            reminder_interval_days: input.reminder_interval_days,
            approver: input.approver,
        };
        let row =
            reclamation_rules::update_audited(&state(ctx).db, principal(ctx)?, id, &patch).await?;
        Ok(row.into())
    }

    /// Deletes a reclamation rule and returns its id. Its past candidates are kept.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_reclamation_rule(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        let row_id = expect_id(&id, "ReclamationRule", "id")?;
        reclamation_rules::delete_audited(&state(ctx).db, principal(ctx)?, row_id).await?;
        Ok(global_id("ReclamationRule", row_id))
    }
}
