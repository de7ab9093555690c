//! Entitlements: what was bought.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::entitlement;

use super::software_model::load_model;
use super::{Date, Money, SoftwareModel};
use crate::domain::entitlements;
use crate::graphql::relay::global_id;

/// Rights bought for a software model over a period, at a unit cost.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Entitlement {
    /// Global id.
    pub id: ID,
    /// Name shown to people, e.g. a contract or order reference.
    pub name: String,
    /// Seats bought.
    pub purchased_rights: i64,
    /// Cost of one seat per `periodType`.
    pub unit_cost: Money,
    /// Unit cost times purchased rights.
    pub total_cost: Money,
    /// What the unit cost pays for.
    pub period_type: entity::enums::EntitlementPeriod,
    /// `DRAFT` (ignored) or `ACTIVE` (counts within its dates).
    pub state: entity::enums::EntitlementState,
    /// What all its rights cost per year.
    pub annual_cost: Money,
    /// The vendor contract it comes from.
    pub contract_reference: Option<String>,
    /// Free text.
    pub note: Option<String>,
    /// First day of the period.
    pub period_start: Date,
    /// Last day of the period (inclusive).
    pub period_end: Date,
    /// Whether it counts today: `ACTIVE` and today (UTC) within its dates.
    pub active: bool,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub software_model_id: i64,
}

#[ComplexObject]
impl Entitlement {
    /// The model the rights are for.
    async fn software_model(&self, ctx: &Context<'_>) -> async_graphql::Result<SoftwareModel> {
        load_model(ctx, self.software_model_id).await
    }
}

impl From<entitlement::Model> for Entitlement {
    fn from(m: entitlement::Model) -> Self {
        Entitlement {
            id: global_id("Entitlement", m.id),
            active: entitlements::is_active(&m),
            total_cost: Money::from_minor(entitlements::total_cost_minor(&m), &m.currency),
            unit_cost: Money::from_minor(m.unit_cost_minor, &m.currency),
            annual_cost: Money::from_minor(
                entitlements::annual_cost_per_right_minor(&m).saturating_mul(m.purchased_rights),
                &m.currency,
            ),
            period_type: m.period_type,
            state: m.state,
            contract_reference: m.contract_reference.clone(),
            note: m.note.clone(),
            name: m.name,
            purchased_rights: m.purchased_rights,
            period_start: m.period_start.into(),
            period_end: m.period_end.into(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            software_model_id: m.software_model_id,
        }
    }
}
