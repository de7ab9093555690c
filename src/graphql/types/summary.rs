//! The licence summary and renewals: what a dashboard opens on.

use async_graphql::{ComplexObject, Context, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::ComplianceStatus;
use entity::{entitlement, integration_profile};

use super::software_model::load_model;
use super::{Date, Entitlement, IntegrationProfile, Money, SoftwareModel};
use crate::domain::reconciliation::{self as recon, Buckets};
use crate::error::AppError;
use crate::graphql::loaders::load;

/// Open seats by how long ago they were last used, in whole days before the summary's
/// date (UTC). A seat whose activity is known only as a window counts at the window's end.
#[derive(SimpleObject, Clone)]
pub struct LastActivityBuckets {
    /// Used within the last 30 days.
    pub days_0_to_30: i64,
    /// Last used 30 to 59 days ago.
    pub days_30_to_60: i64,
    /// Last used 60 to 89 days ago.
    pub days_60_to_90: i64,
    /// Last used 90 or more days ago.
    pub days_90_plus: i64,
    /// Never used as far as the vendor's activity tells.
    pub never: i64,
}

impl From<Buckets> for LastActivityBuckets {
    fn from(b: Buckets) -> Self {
        LastActivityBuckets {
            days_0_to_30: b.days_0_30,
            days_30_to_60: b.days_30_60,
            days_60_to_90: b.days_60_90,
            days_90_plus: b.days_90_plus,
            never: b.never,
        }
    }
}

/// A summary's money in one currency (never summed across currencies).
#[derive(SimpleObject, Clone)]
pub struct SummaryAmount {
    /// ISO 4217 code.
    pub currency: String,
    /// What the counting entitlements cost per year (from the latest positions).
    pub annual_spend: Money,
    /// Buying the rights used beyond those owned, per year.
    pub true_up_cost: Money,
    /// What the unused rights cost per year.
    pub over_licensed: Money,
    /// Monthly savings of the open removal candidates, as of their last write.
    pub potential_savings: Money,
    /// Monthly savings of reclaimed seats, all time.
    pub actual_savings: Money,
    /// Monthly savings of seats reclaimed this calendar year (UTC).
    pub actual_savings_this_year: Money,
}

impl From<recon::Money> for SummaryAmount {
    fn from(m: recon::Money) -> Self {
        let money = |minor| Money::from_minor(minor, &m.currency);
        SummaryAmount {
            annual_spend: money(m.annual_spend),
            true_up_cost: money(m.true_up_cost),
            over_licensed: money(m.over_licensed),
            potential_savings: money(m.potential_savings),
            actual_savings: money(m.actual_savings),
            actual_savings_this_year: money(m.actual_savings_this_year),
            currency: m.currency,
        }
    }
}

/// Seats and money of one slice of the estate.
#[derive(SimpleObject, Clone)]
pub struct SummaryFigures {
    /// Open seats (subscriptions the vendor lists).
    pub assigned: i64,
    /// Open removal candidates: seats a rule judged idle on evidence.
    pub idle: i64,
    /// Idle ÷ assigned, in percent, one decimal.
    pub percent_unused: f64,
    pub last_activity: LastActivityBuckets,
    /// One entry per currency.
    pub amounts: Vec<SummaryAmount>,
}

impl From<recon::Slice> for SummaryFigures {
    fn from(s: recon::Slice) -> Self {
        SummaryFigures {
            percent_unused: s.percent_unused(),
            assigned: s.assigned,
            idle: s.idle,
            last_activity: s.last_activity.into(),
            amounts: s.money.into_iter().map(Into::into).collect(),
        }
    }
}

/// A profile's slice (spend and true-up are bought per model: see `bySoftwareModel`).
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ProfileSummary {
    pub figures: SummaryFigures,
    #[graphql(skip)]
    pub profile_id: i64,
}

#[ComplexObject]
impl ProfileSummary {
    async fn profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<IntegrationProfile>> {
        Ok(load::<integration_profile::Entity>(ctx, self.profile_id)
            .await?
            .map(Into::into))
    }
}

/// A software model's slice with its latest verdict.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ModelSummary {
    /// The latest position's verdict (null before the model's first reconciliation).
    pub compliance_status: Option<ComplianceStatus>,
    /// Rights owned at the latest reconciliation.
    pub rights_owned: i64,
    /// Rights used beyond those owned at the latest reconciliation.
    pub unlicensed: i64,
    pub figures: SummaryFigures,
    #[graphql(skip)]
    pub software_model_id: i64,
}

#[ComplexObject]
impl ModelSummary {
    async fn software_model(&self, ctx: &Context<'_>) -> async_graphql::Result<SoftwareModel> {
        load_model(ctx, self.software_model_id).await
    }
}

/// The estate at a glance: seats, idle seats, spend, true-up and savings, in total, by
/// integration profile and by software model. Read from aggregates kept as seats and
/// candidates are written, so it answers in milliseconds on a big tenant.
#[derive(SimpleObject, Clone)]
pub struct LicenseSummary {
    /// The date the last-activity buckets count from.
    pub as_of: DateTime<Utc>,
    pub total: SummaryFigures,
    pub by_profile: Vec<ProfileSummary>,
    pub by_software_model: Vec<ModelSummary>,
}

impl From<recon::Summary> for LicenseSummary {
    fn from(s: recon::Summary) -> Self {
        LicenseSummary {
            as_of: s.as_of,
            total: s.total.into(),
            by_profile: s
                .by_profile
                .into_iter()
                .map(|(profile_id, slice)| ProfileSummary {
                    figures: slice.into(),
                    profile_id,
                })
                .collect(),
            by_software_model: s
                .by_model
                .into_iter()
                .map(|m| ModelSummary {
                    compliance_status: m.status,
                    rights_owned: m.rights_owned,
                    unlicensed: m.unlicensed,
                    figures: m.slice.into(),
                    software_model_id: m.software_model_id,
                })
                .collect(),
        }
    }
}

/// An entitlement due for renewal, with its model's use and what to drop to match it.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Renewal {
    /// Its last day.
    pub ends_on: Date,
    /// Days from today (UTC) to its last day; 0 when it ends today.
    pub days_left: i64,
    /// Rights it holds.
    pub rights: i64,
    /// The model's rights owned and used at its latest reconciliation.
    pub model_rights_owned: i64,
    pub model_rights_used: i64,
    /// The model's rights used ÷ owned, in percent (null before it owns any).
    pub utilisation_percent: Option<f64>,
    /// Rights to drop at renewal to match use: its share of the model's unused rights,
    /// entitlements that end first taking theirs first.
    pub rights_to_drop: i64,
    /// What dropping them saves per year.
    pub annual_saving: Money,
    #[graphql(skip)]
    pub entitlement_id: i64,
}

#[ComplexObject]
impl Renewal {
    /// The entitlement.
    async fn entitlement(&self, ctx: &Context<'_>) -> async_graphql::Result<Entitlement> {
        load::<entitlement::Entity>(ctx, self.entitlement_id)
            .await?
            .map(Into::into)
            .ok_or_else(|| AppError::not_found("Entitlement").into())
    }
}

impl From<recon::Renewal> for Renewal {
    fn from(r: recon::Renewal) -> Self {
        Renewal {
            utilisation_percent: r.utilisation_percent(),
            ends_on: r.ends_on.into(),
            days_left: r.days_left,
            rights: r.rights,
            model_rights_owned: r.model_rights_owned,
            model_rights_used: r.model_rights_used,
            rights_to_drop: r.rights_to_drop,
            annual_saving: Money::from_minor(r.annual_saving_minor, &r.currency),
            entitlement_id: r.entitlement_id,
        }
    }
}
