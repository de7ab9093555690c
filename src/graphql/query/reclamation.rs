//! Trying a reclamation rule before saving it.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use crate::domain::reclamation::{self, Condition, RuleSettings};
use crate::domain::reclamation_rules::{DEFAULT_THRESHOLD_DAYS, THRESHOLD_DAYS};
use crate::error::AppError;
use crate::graphql::context::{principal, state};
use crate::graphql::mutation::RuleConditionInput;
use crate::graphql::relay::expect_id;
use crate::graphql::types::candidate::{CandidateEvidence, EvaluationResult};

/// Most sample seats a preview returns.
const MAX_SAMPLE: i32 = 100;

/// The settings to try.
#[derive(InputObject)]
pub struct PreviewReclamationRuleInput {
    /// The software model the rule would apply to.
    pub software_model_id: ID,
    /// Days without qualifying activity, 1 to 3650.
    #[graphql(default = 60)]
    pub inactivity_threshold_days: i32,
    /// Narrows the rule; omitted: every seat of the model.
    pub condition: Option<RuleConditionInput>,
    /// How many flagged seats to return with their evidence, 0 to 100.
    #[graphql(default = 10)]
    pub sample: i32,
}

/// One seat a preview would flag.
#[derive(SimpleObject, Clone)]
pub struct PreviewSeat {
    /// The holder.
    pub user_principal_name: String,
    /// Why it would be flagged.
    pub evidence: CandidateEvidence,
}

/// What a rule with those settings would flag now; nothing was written.
#[derive(SimpleObject, Clone)]
pub struct RulePreview {
    /// Counts, savings and the products that cannot be judged yet.
    pub result: EvaluationResult,
    /// Some of the seats it would flag.
    pub sample: Vec<PreviewSeat>,
}

#[derive(Default)]
pub struct ReclamationQuery;

#[Object]
impl ReclamationQuery {
    /// How many seats a rule with these settings would flag now, across the published
    /// profiles of the model's vendor, with a sample and the monthly saving. Writes
    /// nothing: tune a threshold before saving it.
    async fn preview_reclamation_rule(
        &self,
        ctx: &Context<'_>,
        input: PreviewReclamationRuleInput,
    ) -> async_graphql::Result<RulePreview> {
        principal(ctx)?;
        let model = expect_id(&input.software_model_id, "SoftwareModel", "softwareModelId")?;
        if !THRESHOLD_DAYS.contains(&input.inactivity_threshold_days) {
            return Err(AppError::bad_input(
                "inactivityThresholdDays",
                format!(
                    "must be between {} and {} days (default {DEFAULT_THRESHOLD_DAYS})",
                    THRESHOLD_DAYS.start(),
                    THRESHOLD_DAYS.end()
                ),
            )
            .into());
        }
        if !(0..=MAX_SAMPLE).contains(&input.sample) {
            return Err(AppError::bad_input("sample", format!("0 to {MAX_SAMPLE}")).into());
        }
        let rule = RuleSettings {
            rule_id: None,
            name: "preview".into(),
            software_model_id: model,
            threshold_days: input.inactivity_threshold_days,
            notify_user: false,
            require_approval: false,
            auto_reclaim: false,
            condition: input.condition.map(Condition::from).unwrap_or_default(),
        };
        let mut eval = reclamation::preview(&state(ctx).db, &rule, input.sample as usize).await?;
        let sample = std::mem::take(&mut eval.sample)
            .into_iter()
            .map(|(user_principal_name, evidence)| PreviewSeat {
                user_principal_name,
                evidence: evidence.into(),
            })
            .collect();
        Ok(RulePreview {
            result: eval.into(),
            sample,
        })
    }
}
