//! Subscriptions. Job run updates arrive with the jobs work; `ping` proves the transport.

use std::time::Duration;

use async_graphql::{Context, Subscription};
use futures_util::Stream;

use super::context::principal;

/// The root of all subscriptions.
pub struct SubscriptionRoot;

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
}
