//! What a dashboard opens on: the licence summary and the renewals due (viewer).

use async_graphql::{Context, Object};
use entity::enums::{Role, Vendor};

use crate::domain::reconciliation::{self, SummaryFilter};
use crate::graphql::context::{RoleGuard, state};
use crate::graphql::types::{LicenseSummary, Renewal};

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// Spend, assigned and idle seats, % unused, true-up, potential and actual savings and
    /// last-activity buckets: in total, by integration profile and by software model.
    #[graphql(guard = "RoleGuard(Role::Viewer)", complexity = "5 * child_complexity")]
    async fn license_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this vendor's profiles and models.")] vendor: Option<Vendor>,
    ) -> async_graphql::Result<LicenseSummary> {
        let st = state(ctx);
        let summary =
            reconciliation::summary(&st.db, SummaryFilter { vendor }, st.clock.now()).await?;
        Ok(summary.into())
    }

    /// Entitlements counting today whose last day is within `withinDays` (0 to 3650),
    /// ending first first, with their model's use and the rights to drop at renewal.
    #[graphql(
        guard = "RoleGuard(Role::Viewer)",
        complexity = "20 * child_complexity"
    )]
    async fn renewals(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 90)] within_days: i32,
    ) -> async_graphql::Result<Vec<Renewal>> {
        let st = state(ctx);
        let due =
            reconciliation::renewals_due(&st.db, within_days, st.clock.now().date_naive()).await?;
        Ok(due.into_iter().map(Renewal::from).collect())
    }
}
