//! GoTo: six products from the Admin API's users (`products[]`); activity for Meeting
//! (historical meetings), Webinar (v2 sessions) and Connect (call history), per organizer.
//! Reclaim removes the product's license from the user, by either documented call.

mod activity;
mod client;
mod mapping;
mod wire;

use std::collections::HashSet;

use chrono::Duration;
use entity::enums::{ActivityKind, JobKind, Vendor};
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::OnceCell;

use self::client::{Client, MAX_PAGE_SIZE};
use self::wire::{License, Product};
use super::checks::{failed, passed, unless_gone};
use super::http::Http;
use super::{
    ActivityQuery, ActivityRecord, ActivitySignal, ConnectionConfig, Connector, ConnectorError,
    ConnectorOptions, DownloadHints, GoToReclaim, ProcessCheck, ProductInfo, ReclaimAction,
    ReclaimTarget, SeatStatus, SubscriptionPage,
};

const fn product(
    identifier: &'static str,
    name: &'static str,
    activity: &'static [ActivityKind],
) -> ProductInfo {
    ProductInfo {
        identifier,
        publisher: "GoTo",
        product: name,
        edition: "",
        activity,
        signal: if activity.is_empty() {
            ActivitySignal::None
        } else {
            ActivitySignal::PerUser
        },
        reclaim: if activity.is_empty() {
            None
        } else {
            Some(ReclaimAction::RemoveLicense)
        },
    }
}

pub(super) const PRODUCTS: &[ProductInfo] = &[
    product("G2M", "GoTo Meeting", &[ActivityKind::MeetingHosted]),
    product("G2W", "GoTo Webinar", &[ActivityKind::WebinarHosted]),
    product("G2C", "GoTo Connect", &[ActivityKind::CallMade]),
    product("G2T", "GoTo Training", &[]),
    product("G2A", "GoTo Assist", &[]),
    product("OPENVOICE", "OpenVoice", &[]),
];

/// What a licence change works from: the product, the user as GoTo has them now, and the
/// account's licences.
struct Licensing<'a> {
    identifier: &'static str,
    product: Product,
    account: &'a str,
    user: wire::User,
    licenses: &'a [License],
}

pub(crate) struct GoToConnector {
    client: Client,
    options: ConnectorOptions,
    /// The caller's `/me`: its account key, and its own key (validation's organizer).
    me: OnceCell<(String, String)>,
    licenses: OnceCell<Vec<License>>,
}

impl GoToConnector {
    /// `connect` carries GoTo Connect's own client, when the alias has one; without it call
    /// history goes out with the alias's own token.
    pub fn new(
        config: ConnectionConfig,
        http: Http,
        connect: Option<Http>,
        options: ConnectorOptions,
    ) -> Self {
        GoToConnector {
            client: Client::new(
                http,
                connect,
                &config.urls.api_url,
                &config.urls.connect_url,
            ),
            options,
            me: OnceCell::new(),
            licenses: OnceCell::new(),
        }
    }

    /// The product, user and licences a reclaim or restore by `action` works from; GoTo
    /// only ever removes or re-adds a product licence.
    async fn licensing(
        &self,
        target: &ReclaimTarget,
        action: ReclaimAction,
    ) -> Result<Licensing<'_>, ConnectorError> {
        match action {
            ReclaimAction::RemoveLicense => {}
            ReclaimAction::Downgrade | ReclaimAction::DisableUser => {
                return Err(super::undeclared("GoTo", action));
            }
        }
        let identifier = target.product.identifier;
        let account = self.account().await?;
        let user = self.client.user(account, &target.external_user_id).await?;
        let licenses = self
            .licenses
            .get_or_try_init(|| self.client.licenses(account))
            .await?;
        Ok(Licensing {
            identifier,
            product: Product::from(identifier.to_owned()),
            account,
            user,
            licenses,
        })
    }

    async fn me(&self) -> Result<&(String, String), ConnectorError> {
        self.me
            .get_or_try_init(|| async {
                let me = self.client.me().await?;
                let account = Some(me.account_key)
                    .filter(|k| !k.is_empty())
                    .or_else(|| me.accounts.into_iter().next().map(|a| a.key))
                    .ok_or_else(|| ConnectorError::Malformed("/me names no account key".into()))?;
                Ok((account, me.key))
            })
            .await
    }

    async fn account(&self) -> Result<&str, ConnectorError> {
        Ok(&self.me().await?.0)
    }

    /// An explicit page size is sent as is: GoTo's real maximum is unconfirmed, and a
    /// smaller server-side cap is detected while paging.
    fn page_size(&self) -> u32 {
        self.options.page_size.unwrap_or(MAX_PAGE_SIZE).max(1)
    }
}

#[async_trait::async_trait]
impl Connector for GoToConnector {
    fn vendor(&self) -> Vendor {
        Vendor::GoTo
    }

    fn products(&self) -> &'static [ProductInfo] {
        PRODUCTS
    }

    async fn validate(&self) -> Vec<ProcessCheck> {
        let me = match self.me().await {
            Ok(me) => me.clone(),
            Err(e) => {
                return vec![
                    failed(
                        Vendor::GoTo,
                        JobKind::DownloadSubscriptions,
                        "reading the caller's account (/me)",
                        &e,
                    ),
                    failed(
                        Vendor::GoTo,
                        JobKind::PullActivity,
                        "reading the caller's account (/me)",
                        &e,
                    ),
                ];
            }
        };
        let download = match self.client.users(&me.0, 0, 1).await {
            Ok(_) => passed(
                JobKind::DownloadSubscriptions,
                format!("GoTo: listed the users of account {}.", me.0),
            ),
            Err(e) => failed(
                Vendor::GoTo,
                JobKind::DownloadSubscriptions,
                "listing users",
                &e,
            ),
        };
        let until = chrono::Utc::now();
        let since = until - Duration::days(7);
        let meetings = self.client.historical_meetings(&me.1, since, until).await;
        let calls = match meetings {
            Ok(_) => self
                .client
                .calls(&me.0, &me.1, since, until, None)
                .await
                .map(drop),
            Err(_) => Ok(()),
        };
        let activity = match (meetings, calls) {
            (Ok(_), Ok(())) => passed(
                JobKind::PullActivity,
                "GoTo: read the caller's GoTo Meeting history and GoTo Connect call history of the last week.",
            ),
            (Err(e), _) => failed(
                Vendor::GoTo,
                JobKind::PullActivity,
                "reading GoTo Meeting history",
                &e,
            ),
            (Ok(_), Err(e)) => failed(
                Vendor::GoTo,
                JobKind::PullActivity,
                "reading GoTo Connect call history",
                &e,
            ),
        };
        vec![download, activity]
    }

    fn subscriptions<'a>(
        &'a self,
        _hints: &'a DownloadHints,
    ) -> BoxStream<'a, Result<SubscriptionPage, ConnectorError>> {
        Box::pin(async_stream::try_stream! {
            let account = self.account().await?;
            let size = self.page_size();
            let mut step = size as usize;
            let mut offset = 0usize;
            let mut probed = false;
            let mut seen = HashSet::new();
            let mut pages_done = 0;
            loop {
                let users = self.client.users(account, offset, size).await?;
                let got = users.len();
                let records = users
                    .iter()
                    .filter(|u| seen.insert(u.key.clone()))
                    .flat_map(mapping::records)
                    .collect();
                pages_done += 1;
                yield SubscriptionPage { records, pages_done, pages_total: None, addon_checks: Vec::new() };
                if got >= step {
                    offset += step;
                    continue;
                }
                // A short page ends the list, unless it is the first one and the server
                // capped `pageSize` below what was asked: one look past it tells.
                if offset == 0 && got > 0 && !probed {
                    probed = true;
                    offset = got;
                    step = got;
                    continue;
                }
                break;
            }
        })
    }

    fn activity<'a>(
        &'a self,
        query: &'a ActivityQuery,
    ) -> BoxStream<'a, Result<Vec<ActivityRecord>, ConnectorError>> {
        Box::pin(async_stream::try_stream! {
            let account = self.account().await?;
            let calls: Vec<_> = query
                .users
                .iter()
                .map(|u| activity::user_events(&self.client, account, u, query))
                .collect();
            let mut per_user =
                stream::iter(calls).buffer_unordered(self.options.per_user_concurrency.max(1));
            while let Some(events) = per_user.next().await {
                let events = events?;
                if !events.is_empty() {
                    yield events;
                }
            }
        })
    }

    async fn seat(&self, target: &ReclaimTarget) -> Result<SeatStatus, ConnectorError> {
        let product = Product::from(target.product.identifier.to_owned());
        let account = self.account().await?;
        let user = unless_gone(self.client.user(account, &target.external_user_id).await)?;
        let held = user.is_some_and(|u| u.products.contains(&product));
        let last_used_at = match target.exact_query(chrono::Utc::now()) {
            Some((user, query)) if held && !target.product.activity.is_empty() => {
                target.last_use(&activity::user_events(&self.client, account, &user, &query).await?)
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
        let Licensing {
            identifier,
            product,
            account,
            user,
            licenses,
        } = self.licensing(target, action).await?;
        if user.products.contains(&product) {
            return Ok(());
        }
        // Only a licence that grants this product alone: a bundle would give more back
        // than was taken.
        let license = licenses
            .iter()
            .find(|l| l.products.len() == 1 && l.products.contains(&product))
            .ok_or_else(|| ConnectorError::Permanent {
                message: format!("no GoTo licence grants {identifier} alone"),
                vendor_code: None,
            })?;
        let mut keys = user.license_keys.clone();
        keys.push(license.key.clone());
        self.client
            .set_license_keys(account, &user.key, &keys)
            .await
    }

    async fn reclaim(
        &self,
        target: &ReclaimTarget,
        action: ReclaimAction,
    ) -> Result<(), ConnectorError> {
        let Licensing {
            identifier,
            product,
            account,
            user,
            licenses,
        } = self.licensing(target, action).await?;
        if !user.products.contains(&product) {
            return Ok(());
        }
        let granting: Vec<&License> = licenses
            .iter()
            .filter(|l| user.license_keys.contains(&l.key) && l.products.contains(&product))
            .collect();
        if granting.is_empty() {
            return Err(ConnectorError::Permanent {
                message: format!("none of the user's licenses grants {identifier}"),
                vendor_code: None,
            });
        }
        if let Some(bundle) = granting
            .iter()
            .find(|l| l.products.iter().any(|p| *p != product))
        {
            return Err(ConnectorError::Permanent {
                message: format!(
                    "license {} grants other products too; removing it would take more than {identifier}",
                    bundle.key
                ),
                vendor_code: None,
            });
        }
        match self.options.goto_reclaim {
            GoToReclaim::PutLicenseKeys => {
                let keep: Vec<String> = user
                    .license_keys
                    .iter()
                    .filter(|k| !granting.iter().any(|l| &l.key == *k))
                    .cloned()
                    .collect();
                self.client
                    .set_license_keys(account, &user.key, &keep)
                    .await?;
            }
            GoToReclaim::DeleteFromLicense => {
                for license in &granting {
                    self.client
                        .remove_from_license(account, &license.key, &user.key)
                        .await?;
                }
            }
        }
        // Whether PUT replaces or merges the list is unconfirmed: read back to be sure.
        let after = self.client.user(account, &user.key).await?;
        if after.products.contains(&product) {
            return Err(ConnectorError::Permanent {
                message: format!(
                    "GoTo accepted the change but the user still holds {identifier}; try the other reclaim method"
                ),
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
