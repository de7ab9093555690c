//! License positions: reconciliation results.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::ComplianceStatus;
use entity::license_position;

use super::software_model::load_model;
use super::{Money, SoftwareModel};
use crate::graphql::relay::global_id;

/// What reconciliation concluded for one software model: rights owned against rights used,
/// and what that costs or saves.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct LicensePosition {
    /// Global id.
    pub id: ID,
    /// When the reconciliation ran.
    pub computed_at: DateTime<Utc>,
    /// Whether this is the model's most recent position.
    pub is_latest: bool,
    /// Seats owned under entitlements active at the time.
    pub rights_owned: i64,
    /// Seats in use, leaving out cost-excluded subscriptions.
    pub rights_used: i64,
    /// Owned seats not in use (0 when short).
    pub rights_available: i64,
    /// Seats in use beyond those owned (0 when covered).
    pub unlicensed: i64,
    /// What buying the unlicensed seats would cost.
    pub true_up_cost: Money,
    /// What the owned but unused seats cost.
    pub over_licensed: Money,
    /// What the open removal candidates would save.
    pub potential_savings: Money,
    /// What the reclaimed candidates saved.
    pub actual_savings: Money,
    /// The verdict.
    pub compliance_status: ComplianceStatus,
    #[graphql(skip)]
    pub software_model_id: i64,
}

#[ComplexObject]
impl LicensePosition {
    /// The model reconciled.
    async fn software_model(&self, ctx: &Context<'_>) -> async_graphql::Result<SoftwareModel> {
        load_model(ctx, self.software_model_id).await
    }
}

impl From<license_position::Model> for LicensePosition {
    fn from(m: license_position::Model) -> Self {
        let money = |minor| Money::from_minor(minor, &m.currency);
        LicensePosition {
            id: global_id("LicensePosition", m.id),
            true_up_cost: money(m.true_up_cost_minor),
            over_licensed: money(m.over_licensed_minor),
            potential_savings: money(m.potential_savings_minor),
            actual_savings: money(m.actual_savings_minor),
            computed_at: m.computed_at,
            is_latest: m.is_latest,
            rights_owned: m.rights_owned,
            rights_used: m.rights_used,
            rights_available: m.rights_available,
            unlicensed: m.unlicensed,
            compliance_status: m.compliance_status,
            software_model_id: m.software_model_id,
        }
    }
}
