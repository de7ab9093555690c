//! Subscriptions, unrecognized identifiers, removal candidates, jobs and the audit log.

use async_graphql::{Context, ID, Object};
use entity::enums::{CandidateState, JobKind, JobState, Role, Vendor};

use crate::domain::{audit, jobs, reclamation, subscriptions};
use crate::graphql::context::{RoleGuard, principal, state};
use crate::graphql::relay::{Conn, PageArgs, connection, expect_id};
use crate::graphql::types::{
    AuditLogEntry, JobRun, RemovalCandidate, ScheduledJob, SoftwareSubscription,
    UnrecognizedSubscriptionIdentifier,
};

fn opt_id(id: Option<ID>, kind: &str, field: &str) -> async_graphql::Result<Option<i64>> {
    Ok(id.map(|id| expect_id(&id, kind, field)).transpose()?)
}

/// How removal candidates are ordered.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum CandidateOrderBy {
    /// Oldest first.
    #[default]
    Id,
    /// Largest potential saving first.
    PotentialSavings,
    /// Idle the longest first.
    IdleDays,
}

impl From<CandidateOrderBy> for reclamation::CandidateOrder {
    fn from(o: CandidateOrderBy) -> Self {
        match o {
            CandidateOrderBy::Id => reclamation::CandidateOrder::Id,
            CandidateOrderBy::PotentialSavings => reclamation::CandidateOrder::PotentialSavings,
            CandidateOrderBy::IdleDays => reclamation::CandidateOrder::IdleDays,
        }
    }
}

#[derive(Default)]
pub struct InventoryQuery;

#[Object]
impl InventoryQuery {
    /// Who holds which license. Closed rows (gone from the vendor) only with `includeClosed`.
    #[graphql(
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity + crate::graphql::limits::substring_weight(&user_principal_name)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn software_subscriptions(
        &self,
        ctx: &Context<'_>,
        profile_id: Option<ID>,
        software_model_id: Option<ID>,
        #[graphql(desc = "Case-insensitive substring of the user principal name.")]
        user_principal_name: Option<String>,
        active: Option<bool>,
        #[graphql(desc = "No activity for at least this many days, or never.")]
        inactive_for_days: Option<i32>,
        #[graphql(desc = "Excluded from cost or from reclaim.")] excluded: Option<bool>,
        #[graphql(default = false)] include_closed: bool,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<Conn<SoftwareSubscription>> {
        principal(ctx)?;
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let filter = subscriptions::SubscriptionFilter {
            profile_id: opt_id(profile_id, "IntegrationProfile", "profileId")?,
            software_model_id: opt_id(software_model_id, "SoftwareModel", "softwareModelId")?,
            user_principal_name,
            active,
            inactive_for_days,
            excluded,
            include_closed,
        };
        let page = subscriptions::list(&st.db, &filter, &req).await?;
        Ok(connection(page, |m| m.id, SoftwareSubscription::from))
    }

    /// License codes seen at download that no software model knows.
    #[graphql(complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn unrecognized_subscription_identifiers(
        &self,
        ctx: &Context<'_>,
        vendor: Option<Vendor>,
        #[graphql(desc = "Only those mapped (true) or not yet mapped (false).")] mapped: Option<
            bool,
        >,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<Conn<UnrecognizedSubscriptionIdentifier>> {
        principal(ctx)?;
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let page = subscriptions::list_unrecognized(&st.db, vendor, mapped, &req).await?;
        Ok(connection(
            page,
            |m| m.id,
            UnrecognizedSubscriptionIdentifier::from,
        ))
    }

    /// Subscriptions flagged for reclaim.
    #[graphql(complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn removal_candidates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any of these states.")] states: Option<Vec<CandidateState>>,
        profile_id: Option<ID>,
        software_model_id: Option<ID>,
        #[graphql(desc = "Flagged by this reclamation rule.")] rule_id: Option<ID>,
        #[graphql(
            desc = "ID (oldest first, the default), POTENTIAL_SAVINGS (largest first) or IDLE_DAYS (idle the longest first); the last two page forwards only.",
            default
        )]
        order_by: CandidateOrderBy,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<Conn<RemovalCandidate>> {
        principal(ctx)?;
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let filter = reclamation::CandidateFilter {
            states,
            profile_id: opt_id(profile_id, "IntegrationProfile", "profileId")?,
            software_model_id: opt_id(software_model_id, "SoftwareModel", "softwareModelId")?,
            rule_id: opt_id(rule_id, "ReclamationRule", "ruleId")?,
        };
        let page = reclamation::list(&st.db, &filter, order_by.into(), &req).await?;
        Ok(connection(page, |m| m.id, RemovalCandidate::from))
    }

    /// Job runs, oldest first.
    #[graphql(complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn job_runs(
        &self,
        ctx: &Context<'_>,
        profile_id: Option<ID>,
        kind: Option<JobKind>,
        state: Option<JobState>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<Conn<JobRun>> {
        principal(ctx)?;
        let st = crate::graphql::context::state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let filter = jobs::JobRunFilter {
            profile_id: opt_id(profile_id, "IntegrationProfile", "profileId")?,
            kind,
            state,
        };
        let page = jobs::list_runs(&st.db, &filter, &req).await?;
        Ok(connection(page, |m| m.id, JobRun::from))
    }

    /// Recurring jobs of the profiles.
    #[graphql(complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity")]
    async fn scheduled_jobs(
        &self,
        ctx: &Context<'_>,
        profile_id: Option<ID>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<Conn<ScheduledJob>> {
        principal(ctx)?;
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let profile_id = opt_id(profile_id, "IntegrationProfile", "profileId")?;
        let page = jobs::list_scheduled(&st.db, profile_id, &req).await?;
        Ok(connection(page, |m| m.id, ScheduledJob::from))
    }

    /// Every mutation, who made it and when (admin only).
    #[graphql(
        guard = "RoleGuard(Role::Admin)",
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this mutation, e.g. `createEntitlement`.")] operation: Option<
            String,
        >,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<Conn<AuditLogEntry>> {
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let page = audit::list(&st.db, operation.as_deref(), &req).await?;
        Ok(connection(page, |m| m.id, AuditLogEntry::from))
    }
}
