//! License positions: reconciliation results.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::ComplianceStatus;

use super::software_model::load_model;
use super::{Money, SoftwareModel, SoftwareSubscription};
use crate::domain::reconciliation::{Amount, Position};
use crate::graphql::context::state;
use crate::graphql::relay::global_id;

/// What reconciliation concluded for one software model at one time: rights owned against
/// rights used (one right per distinct holder of an active, open, non-cost-excluded
/// subscription), and what that costs or saves, per currency.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct LicensePosition {
    /// Global id.
    pub id: ID,
    /// When the reconciliation ran.
    pub computed_at: DateTime<Utc>,
    /// Whether this is the model's most recent position.
    pub is_latest: bool,
    /// Rights owned under entitlements counting at the time (active, within their dates).
    pub rights_owned: i64,
    /// Rights used: distinct holders.
    pub rights_used: i64,
    /// Subscriptions behind them (a holder of two uses one right).
    pub subscriptions_used: i64,
    /// Owned rights not in use (0 when short).
    pub rights_available: i64,
    /// Rights used beyond those owned (0 when covered).
    pub unlicensed: i64,
    /// `COMPLIANT`, `UNDER_LICENSED`, `OVER_LICENSED` (more than 10% of the rights owned
    /// unused) or `NO_ENTITLEMENT`.
    pub compliance_status: ComplianceStatus,
    /// The money, one entry per currency (never summed across currencies).
    pub amounts: Vec<PositionAmount>,
    #[graphql(skip)]
    pub software_model_id: i64,
}

/// A position's money in one currency.
#[derive(SimpleObject, Clone)]
pub struct PositionAmount {
    /// ISO 4217 code.
    pub currency: String,
    /// Rights owned under entitlements in this currency.
    pub rights_owned: i64,
    /// Average price per right per year.
    pub price_per_right: Money,
    /// What the counting entitlements in this currency cost per year.
    pub annual_spend: Money,
    /// Buying the unlicensed rights at this currency's price, per year (with several
    /// currencies: one option per currency, not a sum).
    pub true_up_cost: Money,
    /// This currency's share of the unused rights (by rights owned), per year.
    pub over_licensed: Money,
    /// Monthly savings of the open removal candidates priced in this currency.
    pub potential_savings: Money,
    /// Monthly savings of reclaimed candidates, all time.
    pub actual_savings: Money,
    /// Monthly savings of candidates reclaimed this calendar year.
    pub actual_savings_this_year: Money,
}

impl From<Amount> for PositionAmount {
    fn from(a: Amount) -> Self {
        let money = |minor| Money::from_minor(minor, &a.currency);
        PositionAmount {
            rights_owned: a.rights_owned,
            price_per_right: money(a.price_per_right),
            annual_spend: money(a.annual_spend),
            true_up_cost: money(a.true_up_cost),
            over_licensed: money(a.over_licensed),
            potential_savings: money(a.potential_savings),
            actual_savings: money(a.actual_savings),
            actual_savings_this_year: money(a.actual_savings_this_year),
            currency: a.currency,
        }
    }
}

#[ComplexObject]
impl LicensePosition {
    /// The model reconciled.
    async fn software_model(&self, ctx: &Context<'_>) -> async_graphql::Result<SoftwareModel> {
        load_model(ctx, self.software_model_id).await
    }

    /// The subscriptions used beyond the rights owned, as the model's latest reconciliation
    /// marked them (the holders who got the licence last), at most `first` (500).
    async fn unlicensed_subscriptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
    ) -> async_graphql::Result<Vec<SoftwareSubscription>> {
        if !self.is_latest || self.unlicensed == 0 {
            return Ok(Vec::new());
        }
        let rows = crate::domain::reconciliation::unlicensed_of(
            &state(ctx).db,
            self.software_model_id,
            first.clamp(0, 500) as u64,
        )
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

impl From<Position> for LicensePosition {
    fn from(p: Position) -> Self {
        LicensePosition {
            id: global_id("LicensePosition", p.id),
            computed_at: p.computed_at,
            is_latest: p.is_latest,
            rights_owned: p.rights_owned,
            rights_used: p.rights_used,
            subscriptions_used: p.subscriptions_used,
            rights_available: p.rights_available,
            unlicensed: p.unlicensed,
            compliance_status: p.status,
            amounts: p.amounts.into_iter().map(Into::into).collect(),
            software_model_id: p.software_model_id,
        }
    }
}
