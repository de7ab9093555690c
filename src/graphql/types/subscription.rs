//! Software subscriptions and unrecognized identifiers.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::Vendor;
use entity::{integration_profile, software_subscription, unrecognized_identifier};

use super::IntegrationProfile;
use super::software_model::{SoftwareModel, load_model};
use crate::graphql::loaders::load;
use crate::graphql::relay::global_id;

/// One user holding one license (subscription identifier) in one integration profile.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct SoftwareSubscription {
    /// Global id.
    pub id: ID,
    /// The vendor's license code (Zoom user type or add-on, GoTo product, Aha! paid seat).
    pub subscription_identifier: String,
    /// The vendor's id for the user.
    pub external_user_id: String,
    /// Usually the user's email.
    pub user_principal_name: String,
    /// The user's name at the vendor.
    pub display_name: Option<String>,
    /// When the vendor created the account (new accounts are not reclaimed).
    pub external_created_at: Option<DateTime<Utc>>,
    /// When the license was assigned, if the vendor says.
    pub assigned_at: Option<DateTime<Utc>>,
    /// The latest qualifying activity seen.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Whole days since the last activity; null when never active.
    pub inactive_days: Option<i64>,
    /// Whether the vendor reports the account active.
    pub active: bool,
    /// The vendor marks this user an admin or owner; reclamation skips such users.
    pub privileged: bool,
    /// Left out of cost and compliance by an exclusion rule.
    pub excluded_from_cost: bool,
    /// Never reclaimed, by an exclusion rule.
    pub excluded_from_reclaim: bool,
    /// First download that saw it.
    pub first_seen_at: DateTime<Utc>,
    /// Latest download that saw it.
    pub last_seen_at: DateTime<Utc>,
    /// When the vendor stopped returning it; closed rows are kept, not deleted.
    pub closed_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    pub profile_id: i64,
    #[graphql(skip)]
    pub software_model_id: Option<i64>,
    #[graphql(skip)]
    pub raw_id: i64,
}

/// Why a seat is not flagged for now although idle: a decision not to reclaim it stands.
#[derive(SimpleObject, Clone)]
pub struct HeldBack {
    /// When the cooldown ends (sooner if the seat changes holder or licence).
    pub until: DateTime<Utc>,
    /// The decision: kept, rejected or skipped (with the person's reason), or used again.
    pub reason: String,
}

#[ComplexObject]
impl SoftwareSubscription {
    /// The integration profile it was downloaded by.
    async fn profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<IntegrationProfile>> {
        Ok(load::<integration_profile::Entity>(ctx, self.profile_id)
            .await?
            .map(Into::into))
    }

    /// Set while a decision not to reclaim this seat holds it back from being flagged
    /// again (its rule's cooldown); null otherwise.
    async fn held_back(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<HeldBack>> {
        let state = crate::graphql::context::state(ctx);
        let hold = crate::domain::reclamation::cooldown_of(
            &state.db,
            self.raw_id,
            &self.user_principal_name,
            self.software_model_id,
            state.clock.now(),
        )
        .await?;
        Ok(hold.map(|h| HeldBack {
            until: h.until,
            reason: h.reason,
        }))
    }

    /// The software model of its identifier; null while the identifier is unrecognized.
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

impl From<software_subscription::Model> for SoftwareSubscription {
    fn from(m: software_subscription::Model) -> Self {
        SoftwareSubscription {
            id: global_id("SoftwareSubscription", m.id),
            subscription_identifier: m.identifier,
            external_user_id: m.external_user_id,
            user_principal_name: m.user_principal_name,
            display_name: m.display_name,
            external_created_at: m.external_created_at,
            assigned_at: m.assigned_at,
            inactive_days: m
                .last_activity_at
                .map(|t| (Utc::now() - t).num_days().max(0)),
            last_activity_at: m.last_activity_at,
            active: m.active,
            privileged: m.is_privileged,
            excluded_from_cost: m.excluded_from_cost,
            excluded_from_reclaim: m.excluded_from_reclaim,
            first_seen_at: m.first_seen_at,
            last_seen_at: m.last_seen_at,
            closed_at: m.closed_at,
            profile_id: m.profile_id,
            software_model_id: m.software_model_id,
            raw_id: m.id,
        }
    }
}

/// A license code seen at download that no software model knows yet.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct UnrecognizedSubscriptionIdentifier {
    /// Global id.
    pub id: ID,
    /// The vendor.
    pub vendor: Vendor,
    /// The vendor's license code.
    pub subscription_identifier: String,
    /// How many subscriptions carry it.
    pub subscription_count: i64,
    /// First download that saw it.
    pub first_seen_at: DateTime<Utc>,
    /// Latest download that saw it.
    pub last_seen_at: DateTime<Utc>,
    /// When an admin mapped it to a software model.
    pub mapped_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    pub mapped_model_id: Option<i64>,
}

#[ComplexObject]
impl UnrecognizedSubscriptionIdentifier {
    /// The software model an admin mapped it to.
    async fn mapped_software_model(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<SoftwareModel>> {
        let Some(id) = self.mapped_model_id else {
            return Ok(None);
        };
        Ok(Some(load_model(ctx, id).await?))
    }
}

impl From<unrecognized_identifier::Model> for UnrecognizedSubscriptionIdentifier {
    fn from(m: unrecognized_identifier::Model) -> Self {
        UnrecognizedSubscriptionIdentifier {
            id: global_id("UnrecognizedSubscriptionIdentifier", m.id),
            vendor: m.vendor,
            subscription_identifier: m.code,
            subscription_count: m.subscription_count,
            first_seen_at: m.first_seen_at,
            last_seen_at: m.last_seen_at,
            mapped_at: m.mapped_at,
            mapped_model_id: m.mapped_model_id,
        }
    }
}
