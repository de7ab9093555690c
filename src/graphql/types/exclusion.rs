//! Exclusion rules: identifiers and users left out of cost, reclaim or both.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::Vendor;
use entity::{subscription_identifier_exclusion, subscription_user_exclusion};

use crate::domain::exclusions::is_effective;
use crate::graphql::relay::global_id;

/// A vendor license code whose subscriptions are dropped at download.
#[derive(SimpleObject, Clone)]
pub struct SubscriptionIdentifierExclusion {
    /// Global id.
    pub id: ID,
    /// The vendor the code belongs to.
    pub vendor: Vendor,
    /// The vendor's license code, as the vendor spells it.
    pub identifier: String,
    /// Leaves matching subscriptions out of cost and compliance.
    pub exclude_from_cost: bool,
    /// Never reclaims matching subscriptions.
    pub exclude_from_reclaim: bool,
    /// Why, for the audit trail.
    pub reason: Option<String>,
    /// When it stops applying; never when null.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it is switched on.
    pub active: bool,
    /// Whether it applies now: active and not expired.
    pub effective: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<subscription_identifier_exclusion::Model> for SubscriptionIdentifierExclusion {
    fn from(m: subscription_identifier_exclusion::Model) -> Self {
        SubscriptionIdentifierExclusion {
            id: global_id("SubscriptionIdentifierExclusion", m.id),
            effective: is_effective(m.active, m.expires_at, Utc::now()),
            vendor: m.vendor,
            identifier: m.identifier,
            exclude_from_cost: m.exclude_from_cost,
            exclude_from_reclaim: m.exclude_from_reclaim,
            reason: m.reason,
            expires_at: m.expires_at,
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A user, or every user of a domain, left out of cost, reclaim or both in every profile.
#[derive(SimpleObject, Clone)]
pub struct SubscriptionUserExclusion {
    /// Global id.
    pub id: ID,
    /// A lower-cased email, or `*@domain` for every user of that domain.
    pub user_principal_name: String,
    /// Leaves the user's subscriptions out of cost and compliance.
    pub exclude_from_cost: bool,
    /// Never reclaims the user's subscriptions.
    pub exclude_from_reclaim: bool,
    /// Why, for the audit trail.
    pub reason: Option<String>,
    /// When it stops applying; never when null.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it is switched on.
    pub active: bool,
    /// Whether it applies now: active and not expired.
    pub effective: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<subscription_user_exclusion::Model> for SubscriptionUserExclusion {
    fn from(m: subscription_user_exclusion::Model) -> Self {
        SubscriptionUserExclusion {
            id: global_id("SubscriptionUserExclusion", m.id),
            effective: is_effective(m.active, m.expires_at, Utc::now()),
            user_principal_name: m.user_principal_name,
            exclude_from_cost: m.exclude_from_cost,
            exclude_from_reclaim: m.exclude_from_reclaim,
            reason: m.reason,
            expires_at: m.expires_at,
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}
