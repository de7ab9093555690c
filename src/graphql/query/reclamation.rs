//! Trying a reclamation rule before saving it.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::enums::CandidateState;

use crate::domain::reclamation::{self, Condition, RuleSettings};
use crate::domain::reclamation_rules::{DEFAULT_THRESHOLD_DAYS, THRESHOLD_DAYS};
use crate::error::AppError;
use crate::graphql::context::{principal, state};
use crate::graphql::mutation::RuleConditionInput;
use crate::graphql::relay::expect_id;
use crate::graphql::types::Money;
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
    /// Days a decision not to reclaim holds a seat back, 0 to 3650 (seats it holds back are
    /// counted in `heldBack`, not flagged).
    #[graphql(default = 90)]
    pub cooldown_days: i32,
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

/// How many candidates of one state.
#[derive(SimpleObject, Clone)]
pub struct CandidateStateCount {
    /// The state.
    pub state: CandidateState,
    /// Candidates in it.
    pub count: i64,
}

/// Where reclamation stands.
#[derive(SimpleObject, Clone)]
pub struct ReclamationSummary {
    /// Candidates per state (states with none are left out).
    pub by_state: Vec<CandidateStateCount>,
    /// Monthly saving of the open candidates, per currency.
    pub potential_savings: Vec<Money>,
    /// Monthly saving of the seats reclaimed, per currency, all time.
    pub realised_savings: Vec<Money>,
    /// The same, of the seats reclaimed this calendar year (UTC).
    pub realised_savings_this_year: Vec<Money>,
}

fn money(list: Vec<(String, i64)>) -> Vec<Money> {
    list.into_iter()
        .map(|(currency, minor)| Money::from_minor(minor, &currency))
        .collect()
}

#[derive(Default)]
pub struct ReclamationQuery;

#[Object]
impl ReclamationQuery {
    /// Candidates per state and the savings, potential and realised, per currency (never
    /// summed across currencies): of one profile, or of all.
    async fn reclamation_summary(
        &self,
        ctx: &Context<'_>,
        profile_id: Option<ID>,
    ) -> async_graphql::Result<ReclamationSummary> {
        principal(ctx)?;
        let profile = profile_id
            .map(|id| expect_id(&id, "IntegrationProfile", "profileId"))
            .transpose()?;
        let s = reclamation::summary(&state(ctx).db, profile).await?;
        Ok(ReclamationSummary {
            by_state: s
                .by_state
                .into_iter()
                .map(|(state, count)| CandidateStateCount { state, count })
                .collect(),
            potential_savings: money(s.potential),
            realised_savings: money(s.realised),
            realised_savings_this_year: money(s.realised_this_year),
        })
    }

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
        if !crate::domain::reclamation_rules::COOLDOWN_DAYS.contains(&input.cooldown_days) {
            return Err(AppError::bad_input("cooldownDays", "0 to 3650 days").into());
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
            cooldown_days: input.cooldown_days,
            approver: None,
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
