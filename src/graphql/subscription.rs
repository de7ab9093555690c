//! Subscriptions: job run updates, and `ping`, which proves the transport.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::{Context, ID, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::context::{principal, state};
use super::relay::expect_id;
use super::types::JobRun;
use crate::domain::job_runs::{attempt, is_final};
use crate::domain::jobs::{active_runs, get_run};
use crate::jobs::RunEvent;

/// The root of all subscriptions.
pub struct SubscriptionRoot;

/// Orders the snapshots of one run: a later attempt, a later state, more progress.
fn position(run: &entity::job_run::Model) -> (i32, u8, i64) {
    use entity::enums::JobState::*;
    let state = match run.state {
        Queued => 0,
        Running => 1,
        Succeeded | Failed | Canceled => 2,
    };
    (attempt(run), state, run.progress_done)
}

#[Subscription]
impl SubscriptionRoot {
    /// Emits `count` numbered pongs, `intervalMs` apart (at most 100 pongs), then completes.
    async fn ping(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 3)] count: u32,
        #[graphql(default = 100)] interval_ms: u32,
    ) -> async_graphql::Result<impl Stream<Item = u32>> {
        principal(ctx)?;
        let count = count.min(100);
        let interval = Duration::from_millis(u64::from(interval_ms.clamp(1, 10_000)));
        Ok(async_stream::stream! {
            for n in 1..=count {
                if n > 1 {
                    tokio::time::sleep(interval).await;
                }
                yield n;
            }
        })
    }

    /// Every state and progress change of job runs, in order: of one profile's runs, of
    /// one run, or of all. The runs concerned as they stand come first: with `jobRunId`
    /// that run (and the stream completes after its final state: `SUCCEEDED`, `FAILED` or
    /// `CANCELED`), otherwise every run still queued or running, oldest first, so a
    /// subscriber that connects mid-run sees it at once.
    async fn job_run_updates(
        &self,
        ctx: &Context<'_>,
        profile_id: Option<ID>,
        job_run_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = JobRun>> {
        principal(ctx)?;
        let profile = profile_id
            .map(|id| expect_id(&id, "IntegrationProfile", "profileId"))
            .transpose()?;
        let run_id = job_run_id
            .map(|id| expect_id(&id, "JobRun", "jobRunId"))
            .transpose()?;
        let state = state(ctx);
        // Subscribe before reading the current state, so no change falls in between.
        let mut events = state.jobs.events.subscribe();
        let current = match run_id {
            Some(id) => vec![get_run(&state.db, id).await?],
            None => active_runs(&state.db, profile).await?,
        };
        let wanted = move |run: &entity::job_run::Model| {
            profile.is_none_or(|p| run.profile_id == Some(p)) && run_id.is_none_or(|r| run.id == r)
        };
        Ok(async_stream::stream! {
            // Where each run stood when it was read: events already in flight then are
            // not sent again.
            let mut seen: HashMap<i64, (i32, u8, i64)> = HashMap::new();
            for run in current {
                if !wanted(&run) {
                    return;
                }
                seen.insert(run.id, position(&run));
                let done = run_id.is_some() && is_final(run.state);
                yield JobRun::from(run);
                if done {
                    return;
                }
            }
            loop {
                let run: RunEvent = match events.recv().await {
                    Ok(run) => run,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a job run subscriber fell behind");
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                };
                if !wanted(&run) {
                    continue;
                }
                if let Some(before) = seen.get(&run.id) {
                    if position(&run) <= *before {
                        continue;
                    }
                    seen.remove(&run.id);
                }
                let done = run_id.is_some() && is_final(run.state);
                yield JobRun::from(entity::job_run::Model::clone(&run));
                if done {
                    return;
                }
            }
        })
    }
}
