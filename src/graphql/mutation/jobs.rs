//! Starting job runs by hand (integrator or admin).

use async_graphql::{Context, ID, Object};
use entity::enums::{JobKind, Role};

use crate::graphql::context::{AnyRoleGuard, RoleGuard, principal, state};
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

    /// Queues a reconciliation of every software model (or finds the one queued or
    /// running) and returns its run at once; its progress streams on `jobRunUpdates`.
    /// `softwareModelId`, when given, must name a model: a full pass costs about what one
    /// model's does, so every model is reconciled.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn run_reconciliation(
        &self,
        ctx: &Context<'_>,
        software_model_id: Option<ID>,
    ) -> async_graphql::Result<JobRun> {
        if let Some(id) = software_model_id {
            let raw = expect_id(&id, "SoftwareModel", "softwareModelId")?;
            crate::domain::software_models::get(&state(ctx).db, raw)
                .await
                .map_err(|_| {
                    crate::error::AppError::bad_input(
                        "softwareModelId",
                        "no software model has this id",
                    )
                })?;
        }
        let run = jobs::enqueue(
            state(ctx),
            Some(principal(ctx)?),
            None,
            JobKind::Reconcile,
            None,
        )
        .await?;
        Ok(run.into())
    }
}
