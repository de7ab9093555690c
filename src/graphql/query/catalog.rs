//! The catalog and commercial side: software models, entitlements, reclamation rules,
//! exclusions and license positions (viewer).

use async_graphql::{Context, ID, Object};
use entity::enums::{ComplianceStatus, Role, Vendor};

use crate::domain::exclusions::{identifiers, users};
use crate::domain::{entitlements, reclamation_rules, reconciliation, software_models};
use crate::error::AppError;
use crate::graphql::context::{RoleGuard, state};
use crate::graphql::relay::{Conn, PageArgs, connection, expect_id};
use crate::graphql::types::{
    Date, Entitlement, LicensePosition, ReclamationRule, SoftwareModel,
    SubscriptionIdentifierExclusion, SubscriptionUserExclusion,
};

/// How `licensePositions` sorts. Waste and true-up compare rights (unused, or used beyond
/// those owned), which compare across currencies; each position's amounts give the money.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum PositionOrder {
    /// Oldest first.
    OldestFirst,
    /// Most unused rights first (the largest over-licensed amounts).
    MostWaste,
    /// Most rights used beyond those owned first (the largest true-ups).
    LargestTrueUp,
}

impl From<PositionOrder> for reconciliation::PositionOrder {
    fn from(o: PositionOrder) -> Self {
        match o {
            PositionOrder::OldestFirst => Self::Oldest,
            PositionOrder::MostWaste => Self::MostWaste,
            PositionOrder::LargestTrueUp => Self::LargestTrueUp,
        }
    }
}

/// The row id of an optional `softwareModelId` filter.
fn model_filter(id: Option<ID>) -> async_graphql::Result<Option<i64>> {
    Ok(id
        .map(|id| expect_id(&id, "SoftwareModel", "softwareModelId"))
        .transpose()?)
}

#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// Software models, oldest first.
    #[graphql(
        guard = "RoleGuard(Role::Viewer)",
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity + crate::graphql::limits::substring_weight(&search)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn software_models(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(desc = "Only this vendor's models.")] vendor: Option<Vendor>,
        #[graphql(
            desc = "Case-insensitive substring of the publisher, product, edition or \
                          display name."
        )]
        search: Option<String>,
    ) -> async_graphql::Result<Conn<SoftwareModel>> {
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let page = software_models::list(&st.db, vendor, search.as_deref(), &req).await?;
        Ok(connection(page, |m| m.id, SoftwareModel::from))
    }

    /// Entitlements, oldest first.
    #[graphql(
        guard = "RoleGuard(Role::Viewer)",
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn entitlements(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(desc = "Only this model's entitlements.")] software_model_id: Option<ID>,
        #[graphql(desc = "Only entitlements whose period includes this day.")] active_on: Option<
            Date,
        >,
    ) -> async_graphql::Result<Conn<Entitlement>> {
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let model = model_filter(software_model_id)?;
        let page = entitlements::list(&st.db, model, active_on.map(|d| d.0), &req).await?;
        Ok(connection(page, |m| m.id, Entitlement::from))
    }

    /// Reclamation rules, oldest first.
    #[graphql(
        guard = "RoleGuard(Role::Viewer)",
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn reclamation_rules(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(desc = "Only this model's rule.")] software_model_id: Option<ID>,
        #[graphql(desc = "Only rules that run (true) or do not (false).")] active: Option<bool>,
    ) -> async_graphql::Result<Conn<ReclamationRule>> {
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let model = model_filter(software_model_id)?;
        let page = reclamation_rules::list(&st.db, model, active, &req).await?;
        Ok(connection(page, |m| m.id, ReclamationRule::from))
    }

    /// Subscription identifier exclusions, oldest first.
    #[graphql(
        guard = "RoleGuard(Role::Viewer)",
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn subscription_identifier_exclusions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(desc = "Only this vendor's exclusions.")] vendor: Option<Vendor>,
        #[graphql(desc = "Only switched on (true) or off (false).")] active: Option<bool>,
    ) -> async_graphql::Result<Conn<SubscriptionIdentifierExclusion>> {
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let page = identifiers::list(&st.db, vendor, active, &req).await?;
        Ok(connection(
            page,
            |m| m.id,
            SubscriptionIdentifierExclusion::from,
        ))
    }

    /// Subscription user exclusions, oldest first.
    #[graphql(
        guard = "RoleGuard(Role::Viewer)",
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity + crate::graphql::limits::substring_weight(&search)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn subscription_user_exclusions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(desc = "Case-insensitive substring of the user principal name or pattern.")]
        search: Option<String>,
        #[graphql(desc = "Only switched on (true) or off (false).")] active: Option<bool>,
    ) -> async_graphql::Result<Conn<SubscriptionUserExclusion>> {
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let page = users::list(&st.db, search.as_deref(), active, &req).await?;
        Ok(connection(page, |m| m.id, SubscriptionUserExclusion::from))
    }

    /// License positions from reconciliation, oldest first: by default each model's latest.
    #[graphql(
        guard = "RoleGuard(Role::Viewer)",
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn license_positions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(desc = "Only this model's positions.")] software_model_id: Option<ID>,
        #[graphql(desc = "Only positions with this verdict.")] compliance_status: Option<
            ComplianceStatus,
        >,
        #[graphql(desc = "Only models of this vendor.")] vendor: Option<Vendor>,
        #[graphql(desc = "Only models this integration profile has open seats of.")]
        profile_id: Option<ID>,
        #[graphql(
            desc = "Only each model's most recent position; false includes the history.",
            default = true
        )]
        latest_only: bool,
        #[graphql(
            desc = "Sort order; waste and true-up need latestOnly.",
            default_with = "PositionOrder::OldestFirst"
        )]
        order_by: PositionOrder,
    ) -> async_graphql::Result<Conn<LicensePosition>> {
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let filter = reconciliation::PositionFilter {
            software_model_id: model_filter(software_model_id)?,
            status: compliance_status,
            vendor,
            profile_id: profile_id
                .map(|id| expect_id(&id, "IntegrationProfile", "profileId"))
                .transpose()?,
            latest_only,
            order: order_by.into(),
        };
        let page = reconciliation::list(&st.db, &filter, &req).await?;
        Ok(connection(page, |p| p.id, LicensePosition::from))
    }

    /// A model's positions, newest first: how its licence position moved over time.
    #[graphql(
        guard = "RoleGuard(Role::Viewer)",
        complexity = "(limit.max(1) as usize).min(crate::graphql::limits::MAX_WEIGHED_PAGE) * child_complexity"
    )]
    async fn license_position_history(
        &self,
        ctx: &Context<'_>,
        software_model_id: ID,
        #[graphql(desc = "At most this many, 1 to 500.", default = 30)] limit: i32,
    ) -> async_graphql::Result<Vec<LicensePosition>> {
        let model = expect_id(&software_model_id, "SoftwareModel", "softwareModelId")?;
        if !(1..=500).contains(&limit) {
            return Err(AppError::bad_input("limit", "1 to 500").into());
        }
        let rows = reconciliation::history(&state(ctx).db, model, limit as u64).await?;
        Ok(rows.into_iter().map(LicensePosition::from).collect())
    }
}
