//! Starting job runs by hand (integrator or admin).

use async_graphql::{Context, ID, Object};
use entity::enums::{JobKind, Role};

use crate::graphql::context::{AnyRoleGuard, principal, state};
use crate::graphql::relay::expect_id;
use crate::graphql::types::JobRun;
use crate::jobs;

const RUNNERS: &[Role] = &[Role::Integrator, Role::Admin];

async fn run(ctx: &Context<'_>, profile_id: &ID, kind: JobKind) -> async_graphql::Result<JobRun> {
    let id = expect_id(profile_id, "IntegrationProfile", "profileId")?;
    let run = jobs::enqueue(state(ctx), Some(principal(ctx)?), Some(id), kind, None).await?;
    Ok(run.into())
}

#[derive(Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Queues a download of the profile's subscriptions and returns its run at once. When a
    /// download of the profile is already queued or running, that run is returned instead.
    #[graphql(guard = "AnyRoleGuard(RUNNERS)")]
    async fn run_download_subscriptions(
        &self,
        ctx: &Context<'_>,
        profile_id: ID,
    ) -> async_graphql::Result<JobRun> {
        run(ctx, &profile_id, JobKind::DownloadSubscriptions).await
    }

    /// Queues a pull of the profile's user activity and returns its run at once (the run
    /// already queued or running, if any). The profile must download activity.
    #[graphql(guard = "AnyRoleGuard(RUNNERS)")]
    async fn run_pull_activity(
        &self,
        ctx: &Context<'_>,
        profile_id: ID,
    ) -> async_graphql::Result<JobRun> {
        run(ctx, &profile_id, JobKind::PullActivity).await
    }
}
