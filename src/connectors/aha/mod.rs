//! Aha! Roadmaps: paid seats from the tenant's user list, whose `accessed_at` is also the
//! activity. Reclaim disables the user, which frees the seat.

mod client;
mod mapping;
mod wire;

use std::collections::HashSet;

use entity::enums::{ActivityKind, JobKind, Vendor};
use futures_util::stream::BoxStream;

use self::client::Client;
use super::checks::{failed, passed};
use super::http::Http;
use super::{
    ActivityQuery, ActivityRecord, ActivitySignal, ConnectionConfig, Connector, ConnectorError,
    ConnectorOptions, DownloadHints, ProcessCheck, ProductInfo, ReclaimAction, ReclaimTarget,
    SeatStatus, SubscriptionPage,
};

pub(super) const PAID_SEAT: &str = "AHA_PAID_SEAT";

pub(super) const PRODUCTS: &[ProductInfo] = &[ProductInfo {
    identifier: PAID_SEAT,
    publisher: "Aha!",
    product: "Aha! Roadmaps",
    edition: "Paid seat",
    activity: &[ActivityKind::Login],
    signal: ActivitySignal::LastUse,
    reclaim: Some(ReclaimAction::DisableUser),
}];

/// One page of users, numbered from 1.
struct Page {
    answer: wire::UsersPage,
    number: u64,
    total: Option<u64>,
}

pub(crate) struct AhaConnector {
    client: Client,
}

impl AhaConnector {
    pub fn new(config: ConnectionConfig, http: Http, options: ConnectorOptions) -> Self {
        AhaConnector {
            client: Client::new(http, &config.urls.api_url, options.page_size),
        }
    }

    /// Every page of the user list, with its number and the page count when known.
    fn pages(&self) -> BoxStream<'_, Result<Page, ConnectorError>> {
        Box::pin(async_stream::try_stream! {
            let mut page = 1;
            loop {
                let answer = self.client.users(page, None).await?;
                let total = answer.pagination.as_ref().and_then(|p| p.total_pages);
                let last = mapping::is_last(answer.pagination.as_ref(), page, answer.users.len(), self.client.per_page());
                yield Page { answer, number: page, total };
                if last {
                    break;
                }
                page += 1;
            }
        })
    }
}

#[async_trait::async_trait]
impl Connector for AhaConnector {
    fn vendor(&self) -> Vendor {
        Vendor::Aha
    }

    fn products(&self) -> &'static [ProductInfo] {
        PRODUCTS
    }

    async fn validate(&self) -> Vec<ProcessCheck> {
        // The user list is also the activity source (`accessed_at`): one call checks both.
        match self.client.users(1, Some(1)).await {
            Ok(page) => {
                let total = page.pagination.and_then(|p| p.total_pages).unwrap_or(0);
                vec![
                    passed(
                        JobKind::DownloadSubscriptions,
                        format!("Aha!: listed users ({total} in all)."),
                    ),
                    passed(
                        JobKind::PullActivity,
                        "Aha!: last access (accessed_at) comes with the user list.",
                    ),
                ]
            }
            Err(e) => vec![
                failed(
                    Vendor::Aha,
                    JobKind::DownloadSubscriptions,
                    "listing users",
                    &e,
                ),
                failed(
                    Vendor::Aha,
                    JobKind::PullActivity,
                    "listing users (accessed_at)",
                    &e,
                ),
            ],
        }
    }

    fn subscriptions<'a>(
        &'a self,
        _hints: &'a DownloadHints,
    ) -> BoxStream<'a, Result<SubscriptionPage, ConnectorError>> {
        Box::pin(async_stream::try_stream! {
            let mut seen = HashSet::new();
            let mut pages = self.pages();
            while let Some(page) = futures_util::StreamExt::next(&mut pages).await {
                let Page { answer, number, total } = page?;
                let records = answer
                    .users
                    .iter()
                    .filter(|u| seen.insert(u.id.clone()))
                    .filter_map(mapping::record)
                    .collect();
                yield SubscriptionPage { records, pages_done: number, pages_total: total, addon_checks: Vec::new() };
            }
        })
    }

    fn activity<'a>(
        &'a self,
        query: &'a ActivityQuery,
    ) -> BoxStream<'a, Result<Vec<ActivityRecord>, ConnectorError>> {
        Box::pin(async_stream::try_stream! {
            let mut pages = self.pages();
            while let Some(page) = futures_util::StreamExt::next(&mut pages).await {
                let answer = page?.answer;
                let events: Vec<ActivityRecord> = answer
                    .users
                    .iter()
                    .filter_map(|u| mapping::login_event(u, query.since, query.until))
                    .collect();
                if !events.is_empty() {
                    yield events;
                }
            }
        })
    }

    async fn seat(&self, target: &ReclaimTarget) -> Result<SeatStatus, ConnectorError> {
        let user = super::checks::unless_gone(self.client.user(&target.external_user_id).await)?;
        Ok(SeatStatus {
            held: user
                .as_ref()
                .is_some_and(|u| u.paid_seat && u.enabled != Some(false)),
            last_used_at: user.and_then(|u| u.accessed_at),
        })
    }

    async fn restore(
        &self,
        target: &ReclaimTarget,
        action: ReclaimAction,
    ) -> Result<(), ConnectorError> {
        match action {
            ReclaimAction::DisableUser => {
                self.client.enable(&target.external_user_id).await.map(drop)
            }
            ReclaimAction::Downgrade | ReclaimAction::RemoveLicense => {
                Err(super::undeclared("Aha!", action))
            }
        }
    }

    async fn reclaim(
        &self,
        target: &ReclaimTarget,
        action: ReclaimAction,
    ) -> Result<(), ConnectorError> {
        match action {
            ReclaimAction::DisableUser => {}
            ReclaimAction::Downgrade | ReclaimAction::RemoveLicense => {
                return Err(super::undeclared("Aha!", action));
            }
        }
        let user = self.client.disable(&target.external_user_id).await?;
        if user.enabled == Some(true) || user.paid_seat {
            return Err(ConnectorError::Permanent {
                message: "Aha! accepted the change but the user still holds a paid seat".into(),
                vendor_code: None,
            });
        }
        Ok(())
    }

    fn requests_made(&self) -> u64 {
        self.client.http.stats().snapshot().requests
    }

    fn stats(&self) -> super::CallStats {
        self.client.http.stats().snapshot()
    }
}
