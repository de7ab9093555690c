//! Removal candidates.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::CandidateState;
use entity::{integration_profile, removal_candidate, software_subscription};

use super::software_model::{SoftwareModel, load_model};
use super::{IntegrationProfile, SoftwareSubscription};
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
    /// The last activity the rule saw.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The rule's inactivity threshold when it was flagged, in days.
    pub threshold_days: i32,
    /// What was checked: window, exclusions, activity sources.
    pub evidence: async_graphql::Json<serde_json::Value>,
    /// What reclaiming it would save per period, in minor units of `currency`.
    pub potential_savings_minor: i64,
    /// ISO 4217 currency of the savings.
    pub currency: String,
    /// When it was flagged.
    pub opened_at: DateTime<Utc>,
    /// When the user was notified.
    pub notified_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it was closed.
    pub close_reason: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub subscription_id: Option<i64>,
    #[graphql(skip)]
    pub profile_id: Option<i64>,
    #[graphql(skip)]
    pub software_model_id: Option<i64>,
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

impl From<removal_candidate::Model> for RemovalCandidate {
    fn from(m: removal_candidate::Model) -> Self {
        RemovalCandidate {
            id: global_id("RemovalCandidate", m.id),
            state: m.state,
            user_principal_name: m.user_principal_name,
            last_activity_at: m.last_activity_at,
            threshold_days: m.threshold_days,
            evidence: async_graphql::Json(m.evidence),
            potential_savings_minor: m.potential_savings_minor,
            currency: m.currency,
            opened_at: m.opened_at,
            notified_at: m.notified_at,
            closed_at: m.closed_at,
            close_reason: m.close_reason,
            updated_at: m.updated_at,
            subscription_id: m.subscription_id,
            profile_id: m.profile_id,
            software_model_id: m.software_model_id,
        }
    }
}
