//! Zoom: Meetings licenses (user `type` 2) and the Webinar add-on (`feature.webinar`).
//! Activity comes from the account's active-host report per month (everyone, coarse) and,
//! for the users asked about, their meeting reports (exact start times).

mod activity;
mod client;
mod mapping;
mod wire;

use std::collections::HashSet;

use chrono::Duration;
use entity::enums::{ActivityKind, JobKind, Vendor};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use self::client::Client;
use super::checks::{failed, passed, unless_gone};
use super::http::Http;
use super::{
    ActivityQuery, ActivityRecord, ActivitySignal, AddonCheck, ConnectionConfig, Connector,
    ConnectorError, ConnectorOptions, DownloadHints, ProcessCheck, ProductInfo, ReclaimAction,
    ReclaimTarget, SeatStatus, SubscriptionPage,
};

pub(super) const MEETINGS: &str = "ZOOM_MEETINGS_LICENSED";
pub(super) const WEBINAR: &str = "ZOOM_WEBINAR";

pub(super) const PRODUCTS: &[ProductInfo] = &[
    ProductInfo {
        identifier: MEETINGS,
        publisher: "Zoom",
        product: "Zoom Meetings",
        edition: "Licensed",
        // Hosting a webinar uses the Meetings licence too (the host needs one).
        activity: &[ActivityKind::MeetingHosted, ActivityKind::WebinarHosted],
        signal: ActivitySignal::Events,
        reclaim: Some(ReclaimAction::Downgrade),
    },
    ProductInfo {
        identifier: WEBINAR,
        publisher: "Zoom",
        product: "Zoom Webinar",
        edition: "Add-on",
        activity: &[ActivityKind::WebinarHosted],
        // The account report counts meetings only: webinars come from per-user reports.
        signal: ActivitySignal::PerUser,
        reclaim: Some(ReclaimAction::RemoveLicense),
    },
];

/// Zoom takes the user id or the email wherever a user is named.
fn user_key(target: &ReclaimTarget) -> &str {
    if target.external_user_id.is_empty() {
        &target.user_principal_name
    } else {
        &target.external_user_id
    }
}

pub(crate) struct ZoomConnector {
    client: Client,
    options: ConnectorOptions,
}

impl ZoomConnector {
    pub fn new(config: ConnectionConfig, http: Http, options: ConnectorOptions) -> Self {
        ZoomConnector {
            client: Client::new(http, &config.urls.api_url, options.page_size),
            options,
        }
    }

    fn statuses(&self) -> &'static [&'static str] {
        if self.options.zoom_include_inactive {
            &["active", "inactive"]
        } else {
            &["active"]
        }
    }

    fn concurrency(&self) -> usize {
        self.options.per_user_concurrency.max(1)
    }

    /// Add-ons of the Licensed users on one page: from the hints when checked recently,
    /// else one settings call each, a few at a time. Returns the Webinar holders and the
    /// checks made (users the vendor no longer knows are left out of both).
    async fn webinar_holders(
        &self,
        users: &[wire::User],
        hints: &DownloadHints,
    ) -> Result<(HashSet<String>, Vec<AddonCheck>), ConnectorError> {
        let mut holders = HashSet::new();
        let mut to_ask = Vec::new();
        for user in users.iter().filter(|u| mapping::may_hold_addons(u)) {
            let Some(id) = user.id.as_deref() else {
                continue;
            };
            if hints.addons_checked_recently.contains(id) {
                let known = hints
                    .known_addons
                    .get(id)
                    .is_some_and(|a| a.iter().any(|i| i == WEBINAR));
                if known {
                    holders.insert(id.to_owned());
                }
            } else if self.options.zoom_addon_checks {
                to_ask.push((id, Some(user.email.as_str()).filter(|e| !e.is_empty())));
            }
        }
        // Futures collected first: a closure inside the stream would trip the compiler's
        // higher-ranked `Send` check on the boxed download stream.
        let calls: Vec<_> = to_ask
            .into_iter()
            .map(|(id, email)| async move {
                Ok((id, email, unless_gone(self.client.has_webinar(id).await)?))
            })
            .collect();
        let asked: Vec<(&str, Option<&str>, Option<bool>)> = stream::iter(calls)
            .buffered(self.concurrency())
            .try_collect()
            .await?;
        let mut checks = Vec::with_capacity(asked.len());
        for (id, email, has) in asked {
            let Some(has) = has else { continue };
            if has {
                holders.insert(id.to_owned());
            }
            checks.push(AddonCheck {
                external_user_id: id.to_owned(),
                user_principal_name: email.map(str::to_owned),
                addons: if has {
                    vec![WEBINAR.to_owned()]
                } else {
                    Vec::new()
                },
            });
        }
        Ok((holders, checks))
    }
}

#[async_trait::async_trait]
impl Connector for ZoomConnector {
    fn vendor(&self) -> Vendor {
        Vendor::Zoom
    }

    fn products(&self) -> &'static [ProductInfo] {
        PRODUCTS
    }

    async fn validate(&self) -> Vec<ProcessCheck> {
        let download = match self.client.users_page("active", None, Some(1)).await {
            Ok(page) => passed(
                JobKind::DownloadSubscriptions,
                format!(
                    "Zoom: listed users ({} active).",
                    page.total_records.unwrap_or(0)
                ),
            ),
            Err(e) => failed(
                Vendor::Zoom,
                JobKind::DownloadSubscriptions,
                "listing users",
                &e,
            ),
        };
        let today = chrono::Utc::now().date_naive();
        let week_ago = today - Duration::days(7);
        let activity = match self
            .client
            .report_users(week_ago, today, None, Some(1))
            .await
        {
            Ok(_) => passed(
                JobKind::PullActivity,
                "Zoom: read the active-hosts report of the last week.",
            ),
            Err(e) => failed(
                Vendor::Zoom,
                JobKind::PullActivity,
                "reading the active-hosts report",
                &e,
            ),
        };
        vec![download, activity]
    }

    fn subscriptions<'a>(
        &'a self,
        hints: &'a DownloadHints,
    ) -> BoxStream<'a, Result<SubscriptionPage, ConnectorError>> {
        Box::pin(async_stream::try_stream! {
            let mut seen = HashSet::new();
            let mut pages_done = 0;
            let mut pages_known = 0;
            for status in self.statuses() {
                let mut token: Option<String> = None;
                let mut first = true;
                loop {
                    let page = self.client.users_page(status, token.as_deref(), None).await?;
                    if first {
                        pages_known += page.page_count.unwrap_or(1).max(1);
                        first = false;
                    }
                    // A user the vendor repeats across pages is reported once.
                    let users: Vec<wire::User> = page
                        .users
                        .into_iter()
                        .filter(|u| u.id.as_ref().is_none_or(|id| seen.insert(id.clone())))
                        .collect();
                    let (webinar, addon_checks) = self.webinar_holders(&users, hints).await?;
                    let records = users
                        .iter()
                        .flat_map(|u| mapping::records(u, u.id.as_ref().is_some_and(|id| webinar.contains(id))))
                        .collect();
                    pages_done += 1;
                    yield SubscriptionPage {
                        records,
                        pages_done,
                        pages_total: Some(pages_known.max(pages_done)),
                        addon_checks,
                    };
                    if page.next_page_token.is_empty() {
                        break;
                    }
                    token = Some(page.next_page_token);
                }
            }
        })
    }

    fn activity<'a>(
        &'a self,
        query: &'a ActivityQuery,
    ) -> BoxStream<'a, Result<Vec<ActivityRecord>, ConnectorError>> {
        Box::pin(async_stream::try_stream! {
            let asked: HashSet<&str> = query.users.iter().map(|u| u.external_user_id.as_str()).collect();
            // Everyone, coarsely: one call per month window and page. The users asked about
            // get exact events below instead.
            for (from, to) in mapping::report_windows(query.since, query.until) {
                let mut token: Option<String> = None;
                loop {
                    let page = self.client.report_users(from, to, token.as_deref(), None).await?;
                    let batch: Vec<ActivityRecord> = page
                        .users
                        .iter()
                        .filter(|h| h.id.as_deref().is_none_or(|id| !asked.contains(id)))
                        .filter_map(|h| mapping::host_event(h, from))
                        .collect();
                    if !batch.is_empty() {
                        yield batch;
                    }
                    if page.next_page_token.is_empty() {
                        break;
                    }
                    token = Some(page.next_page_token);
                }
            }
            let calls: Vec<_> = query
                .users
                .iter()
                .filter(|u| activity::wants_events(u))
                .map(|u| activity::user_events(&self.client, u, query))
                .collect();
            let mut per_user = stream::iter(calls).buffer_unordered(self.concurrency());
            while let Some(events) = per_user.next().await {
                let events = events?;
                if !events.is_empty() {
                    yield events;
                }
            }
        })
    }

    async fn seat(&self, target: &ReclaimTarget) -> Result<SeatStatus, ConnectorError> {
        let id = user_key(target);
        let held = match target.product.identifier {
            WEBINAR => unless_gone(self.client.has_webinar(id).await)?.unwrap_or(false),
            _ => unless_gone(self.client.user(id).await)?.is_some_and(|u| {
                mapping::type_identifier(u.kind).as_deref() == Some(target.product.identifier)
            }),
        };
        // Exact per-user history, not the account report a verdict may have rested on.
        let last_used_at = match target.exact_query(chrono::Utc::now()) {
            Some((user, query)) if held => {
                target.last_use(&activity::user_events(&self.client, &user, &query).await?)
            }
            _ => None,
        };
        Ok(SeatStatus { held, last_used_at })
    }

    async fn restore(
        &self,
        target: &ReclaimTarget,
        action: ReclaimAction,
    ) -> Result<(), ConnectorError> {
        let id = user_key(target);
        match action {
            ReclaimAction::Downgrade => self.client.upgrade(id).await,
            ReclaimAction::RemoveLicense => self.client.add_webinar(id).await,
            ReclaimAction::DisableUser => Err(super::undeclared("Zoom", action)),
        }
    }

    async fn reclaim(
        &self,
        target: &ReclaimTarget,
        action: ReclaimAction,
    ) -> Result<(), ConnectorError> {
        let id = user_key(target);
        match action {
            ReclaimAction::Downgrade => {
                match self.client.downgrade(id).await {
                    Ok(()) => {}
                    // "Not a paid user": already Basic, so the reclaim is done.
                    Err(ConnectorError::Permanent {
                        vendor_code: Some(code),
                        ..
                    }) if code == "1109" => {
                        return Ok(());
                    }
                    Err(e) => return Err(e),
                }
                // The reference advises re-reading the user to confirm.
                let user = self.client.user(id).await?;
                if mapping::type_identifier(user.kind).as_deref() == Some(MEETINGS) {
                    return Err(ConnectorError::Permanent {
                        message: "Zoom accepted the downgrade but the user is still Licensed"
                            .into(),
                        vendor_code: None,
                    });
                }
                Ok(())
            }
            ReclaimAction::RemoveLicense => {
                self.client.remove_webinar(id).await?;
                if self.client.has_webinar(id).await? {
                    return Err(ConnectorError::Permanent {
                        message:
                            "Zoom accepted the change but the user still has the webinar add-on"
                                .into(),
                        vendor_code: None,
                    });
                }
                Ok(())
            }
            ReclaimAction::DisableUser => Err(super::undeclared("Zoom", action)),
        }
    }

    fn coarse_window_end(
        &self,
        record: &ActivityRecord,
        query: &ActivityQuery,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        (record.source == mapping::REPORT_SOURCE)
            .then(|| mapping::window_end(record.occurred_at, query.until))
    }

    fn activity_reach(&self, query: &ActivityQuery) -> chrono::DateTime<chrono::Utc> {
        mapping::report_windows(query.since, query.until)
            .first()
            .and_then(|(from, _)| from.and_hms_opt(0, 0, 0))
            .map_or(query.until, |t| t.and_utc().max(query.since))
    }

    fn requests_made(&self) -> u64 {
        self.client.http.stats().snapshot().requests
    }

    fn stats(&self) -> super::CallStats {
        self.client.http.stats().snapshot()
    }
}
