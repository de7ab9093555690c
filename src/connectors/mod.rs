//! The one contract every vendor connector implements, and the shared types it speaks.
//! Vendor wire types stay private to each vendor module; what crosses this boundary is
//! vendor-neutral.

mod aha;
mod checks;
mod connection;
mod target;
pub use checks::hint;
mod goto;
mod http;
mod oauth;
mod options;
mod ratelimit;
mod zoom;

use std::sync::Arc;

use chrono::{DateTime, Utc};
pub use entity::enums::CredentialSet;
use entity::enums::{ActivityKind, Vendor};
use futures_util::stream::BoxStream;

pub use connection::{ClientCredentials, ConnectionConfig, DiscardTokens, StoredTokens, TokenSink};
pub use oauth::{AuthorizationStart, exchange_code, start_authorization};
pub use options::{
    ConnectorOptions, GoToReclaim, RateLimits, RetryPolicy, VendorUrls, ZoomPlan, canonical_root,
};
pub use target::{ReclaimTarget, SeatStatus};

/// What reclaiming a license of a product does at the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReclaimAction {
    /// Downgrade the user to a free tier (Zoom Licensed → Basic).
    Downgrade,
    /// Remove the product license or add-on from the user (Zoom Webinar, GoTo products).
    RemoveLicense,
    /// Disable the user, which frees the paid seat (Aha!).
    DisableUser,
}

/// How a product's activity reaches Seatkeeper, which decides what an idle verdict needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivitySignal {
    /// The vendor exposes no activity: the product is never judged idle.
    None,
    /// Account-level reports that cover every holder: a verdict needs the profile's pulled
    /// history to cover the rule's whole threshold.
    Events,
    /// Only per-user calls, which a pull spends on some users at a time (its budget): a
    /// verdict needs that user's own exact history to cover the threshold.
    PerUser,
    /// The vendor keeps the last use itself (Aha! `accessed_at`): one reading is the
    /// evidence, whatever its age.
    LastUse,
}

/// A license kind the connector knows: its subscription identifier and the software model
/// it belongs to. Known identifiers create their model automatically at download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductInfo {
    /// The identifier as stored on subscriptions, e.g. `ZOOM_MEETINGS_LICENSED`.
    pub identifier: &'static str,
    pub publisher: &'static str,
    pub product: &'static str,
    pub edition: &'static str,
    /// Activity that keeps this license in use; empty when the vendor exposes none.
    pub activity: &'static [ActivityKind],
    /// Where that activity comes from.
    pub signal: ActivitySignal,
    /// `None` when the vendor offers no way to reclaim it through the API.
    pub reclaim: Option<ReclaimAction>,
}

impl ProductInfo {
    /// Whether activity of `kind` keeps this license in use (a Zoom Webinar add-on is not
    /// kept by hosted meetings, say).
    pub fn counts(&self, kind: ActivityKind) -> bool {
        self.activity.contains(&kind)
    }
}

/// One user holding one license, as the vendor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    pub external_user_id: String,
    /// Usually the email.
    pub user_principal_name: String,
    pub display_name: Option<String>,
    /// The license code; known ones appear in `Connector::products`.
    pub identifier: String,
    pub external_created_at: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// The vendor reports the account active (not deactivated or pending).
    pub active: bool,
    /// Admin or owner at the vendor: never reclaimed automatically.
    pub privileged: bool,
    /// Activity the user list itself carries (Aha! `accessed_at`); stored as an event of
    /// kind `Login` by the sync.
    pub last_activity_hint: Option<DateTime<Utc>>,
}

/// One page of subscriptions, with progress.
#[derive(Debug, Clone)]
pub struct SubscriptionPage {
    pub records: Vec<SubscriptionRecord>,
    /// Vendor pages fetched so far, this one included.
    pub pages_done: u64,
    /// Vendor pages in all, when the vendor says.
    pub pages_total: Option<u64>,
    /// Users whose add-on licenses were asked of the vendor for this page (not taken from
    /// the hints), with what they hold: the download records it for the next one.
    pub addon_checks: Vec<AddonCheck>,
}

/// The answer of one per-user add-on check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonCheck {
    pub external_user_id: String,
    pub user_principal_name: Option<String>,
    /// The add-on identifiers the user holds (empty: none).
    pub addons: Vec<String>,
}

/// One activity event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub external_user_id: String,
    pub user_principal_name: Option<String>,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    /// Which vendor report it came from, e.g. `zoom:report/users`.
    pub source: String,
    /// The vendor's id of the meeting, webinar or call, when there is one.
    pub external_ref: Option<String>,
}

/// The users whose activity is asked for (vendors with per-user endpoints need them).
#[derive(Debug, Clone)]
pub struct UserRef {
    pub external_user_id: String,
    pub user_principal_name: String,
    /// Identifiers this user holds, so a connector only asks the relevant products.
    pub identifiers: Vec<String>,
    /// Where this user's exact history ends, when earlier than the query's `since`: the
    /// per-user calls start here so the user's history stays without a gap.
    pub since: Option<DateTime<Utc>>,
}

/// What activity to fetch. Account-level reports cover everyone; per-user calls (the
/// expensive ones) are made only for `users`, which the sync picks where the answer can
/// change a decision.
#[derive(Debug, Clone)]
pub struct ActivityQuery {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub users: Vec<UserRef>,
}

/// What the sync already knows, so a download spends per-user calls only where needed.
#[derive(Debug, Clone, Default)]
pub struct DownloadHints {
    /// Users whose add-on licenses (Zoom Webinar) were checked recently: their add-ons
    /// are taken from `known_addons` instead of a per-user call.
    pub addons_checked_recently: std::collections::HashSet<String>,
    /// For those users, the add-on identifiers they held at the last check.
    pub known_addons: std::collections::HashMap<String, Vec<String>>,
}

/// The product `identifier` names among `vendor`'s known ones.
pub fn product(vendor: Vendor, identifier: &str) -> Option<&'static ProductInfo> {
    known_products(vendor)
        .iter()
        .find(|p| p.identifier == identifier)
}

/// Reclaims through the product's declared capability: a product without one is refused
/// before anything is sent.
pub async fn reclaim(
    connector: &dyn Connector,
    target: &ReclaimTarget,
) -> Result<(), ConnectorError> {
    match target.product.reclaim {
        Some(action) => connector.reclaim(target, action).await,
        None => Err(ConnectorError::Permanent {
            message: format!(
                "{} offers no way to reclaim {} through its API",
                target.product.publisher, target.product.product
            ),
            vendor_code: None,
        }),
    }
}

/// Restores a reclaimed seat through the product's declared capability, then reads the
/// seat back: a vendor that accepted the call but did not give the seat is an error.
pub async fn restore(
    connector: &dyn Connector,
    target: &ReclaimTarget,
) -> Result<(), ConnectorError> {
    let Some(action) = target.product.reclaim else {
        return Err(ConnectorError::Permanent {
            message: format!(
                "{} offers no way to give {} back through its API",
                target.product.publisher, target.product.product
            ),
            vendor_code: None,
        });
    };
    connector.restore(target, action).await?;
    if connector.seat(target).await?.held {
        Ok(())
    } else {
        Err(ConnectorError::Permanent {
            message: format!(
                "{} accepted the restore but the user does not hold {}",
                target.product.publisher, target.product.product
            ),
            vendor_code: None,
        })
    }
}

/// The refusal of an action a connector's products never declare.
fn undeclared(vendor: &str, action: ReclaimAction) -> ConnectorError {
    ConnectorError::Permanent {
        message: format!("{vendor} reclaims no product by {action:?}"),
        vendor_code: None,
    }
}

/// The outcome of checking one process (download, activity) during validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessCheck {
    /// `DOWNLOAD_SUBSCRIPTIONS` or `PULL_ACTIVITY`.
    pub process: entity::enums::JobKind,
    pub ok: bool,
    /// A human message: what worked, or what failed and how to fix it.
    pub message: String,
    pub vendor_code: Option<String>,
}

/// A failure talking to the vendor, classified by what the caller should do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    #[error("the vendor refused the credentials: {message}")]
    Unauthorized {
        message: String,
        vendor_code: Option<String>,
    },
    #[error("rate limited by the vendor{}", retry_after_text(.retry_after))]
    RateLimited {
        retry_after: Option<std::time::Duration>,
    },
    #[error("not found at the vendor: {message}")]
    NotFound {
        message: String,
        vendor_code: Option<String>,
    },
    #[error("the vendor is unavailable: {0}")]
    Transient(String),
    #[error("the vendor refused the request: {message}")]
    Permanent {
        message: String,
        vendor_code: Option<String>,
    },
    #[error("the vendor's answer could not be read: {0}")]
    Malformed(String),
    #[error("the connection is not configured: {0}")]
    NotConfigured(String),
}

fn retry_after_text(after: &Option<std::time::Duration>) -> String {
    after
        .map(|d| format!(" (retry after {}s)", d.as_secs()))
        .unwrap_or_default()
}

impl ConnectorError {
    /// Worth trying again later without changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ConnectorError::RateLimited { .. } | ConnectorError::Transient(_)
        )
    }

    /// The vendor's own error code, when it gave one.
    pub fn vendor_code(&self) -> Option<&str> {
        match self {
            ConnectorError::Unauthorized { vendor_code, .. }
            | ConnectorError::NotFound { vendor_code, .. }
            | ConnectorError::Permanent { vendor_code, .. } => vendor_code.as_deref(),
            _ => None,
        }
    }
}

/// The contract. Implementations own paging, retries, rate limiting and token refresh
/// through the shared HTTP layer; callers see pages and typed errors.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    fn vendor(&self) -> Vendor;

    /// Every license kind this connector knows, with its activity and reclaim support.
    fn products(&self) -> &'static [ProductInfo];

    /// Exercises the download and activity APIs (never reclaim) and says how each went.
    async fn validate(&self) -> Vec<ProcessCheck>;

    /// Every license holder, page by page. An error ends the stream.
    fn subscriptions<'a>(
        &'a self,
        hints: &'a DownloadHints,
    ) -> BoxStream<'a, Result<SubscriptionPage, ConnectorError>>;

    /// Activity in the query's window, in batches. An error ends the stream.
    fn activity<'a>(
        &'a self,
        query: &'a ActivityQuery,
    ) -> BoxStream<'a, Result<Vec<ActivityRecord>, ConnectorError>>;

    /// Reclaims one subscription by `action`, the one its product declares. Call it through
    /// [`reclaim`], which refuses products without one.
    async fn reclaim(
        &self,
        target: &ReclaimTarget,
        action: ReclaimAction,
    ) -> Result<(), ConnectorError>;

    /// Gives back what `reclaim` by `action` took (Zoom type 2 or the add-on on, the GoTo
    /// licence re-added, the Aha! user enabled). Call it through [`restore`].
    async fn restore(
        &self,
        target: &ReclaimTarget,
        action: ReclaimAction,
    ) -> Result<(), ConnectorError>;

    /// Whether the user still holds the target's product at the vendor (a user the vendor
    /// no longer knows holds nothing).
    async fn seat(&self, target: &ReclaimTarget) -> Result<SeatStatus, ConnectorError>;

    /// For a coarse record (an account report that says only that the user was active
    /// sometime in a window): the latest moment the window stands for, which the roll-up
    /// reads as the activity's time, so a coarse signal can delay a verdict, never cause
    /// one. `None` for exact records.
    fn coarse_window_end(
        &self,
        _record: &ActivityRecord,
        _query: &ActivityQuery,
    ) -> Option<DateTime<Utc>> {
        None
    }

    /// The earliest instant the activity query can really reach (a vendor's reports may not
    /// go back as far as asked).
    fn activity_reach(&self, query: &ActivityQuery) -> DateTime<Utc> {
        query.since
    }

    /// Vendor API calls made by this connector so far.
    fn requests_made(&self) -> u64;

    /// What this connector spent so far: requests, retries, 429s, token requests.
    fn stats(&self) -> CallStats {
        CallStats {
            requests: self.requests_made(),
            ..CallStats::default()
        }
    }
}

/// Calls a connector made, for the job run ("what it spent").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Every HTTP request sent to the vendor, retries and token requests included.
    pub requests: u64,
    /// Of those, repeats after a transient failure or a 429.
    pub retries: u64,
    /// Answers of 429.
    pub rate_limited: u64,
    /// Requests to the OAuth token endpoint.
    pub token_requests: u64,
}

/// Every license kind a vendor's connector knows (no connection needed).
pub fn known_products(vendor: Vendor) -> &'static [ProductInfo] {
    match vendor {
        Vendor::Zoom => zoom::PRODUCTS,
        Vendor::GoTo => goto::PRODUCTS,
        Vendor::Aha => aha::PRODUCTS,
    }
}

/// The connector for `config.vendor`. Fails only on configuration (no credentials, a bad
/// URL); nothing is sent until the connector is used.
pub fn build(
    config: ConnectionConfig,
    sink: Arc<dyn TokenSink>,
    options: ConnectorOptions,
) -> Result<Box<dyn Connector>, ConnectorError> {
    url::Url::parse(&config.urls.api_url).map_err(|e| {
        ConnectorError::NotConfigured(format!("the base URL is not a valid URL: {e}"))
    })?;
    let stats = Arc::new(http::Stats::default());
    let client = http::build_client(&options)?;
    let auth = oauth::Auth::new(
        &config,
        CredentialSet::Primary,
        client.clone(),
        sink.clone(),
        stats.clone(),
        options.retry,
    )?;
    // GoTo Connect's call history may be granted to a client of its own.
    let connect_auth = match config.for_credentials(CredentialSet::GoToConnect) {
        Some(connect) if config.vendor == Vendor::GoTo => Some(oauth::Auth::new(
            &connect,
            CredentialSet::GoToConnect,
            client.clone(),
            sink,
            stats.clone(),
            options.retry,
        )?),
        _ => None,
    };
    // The budget belongs to the vendor account: same base and same app or account id.
    let account = format!(
        "{}|{}|{}",
        config.urls.api_url,
        config.client_id.as_deref().unwrap_or_default(),
        config.account_id.as_deref().unwrap_or_default()
    );
    let limiter = ratelimit::Limiter::new(
        config.vendor,
        account,
        options.rate_limits,
        options.zoom_plan,
    );
    let http = http::Http::new(client, auth, limiter, options.retry, stats);
    Ok(match config.vendor {
        Vendor::Zoom => Box::new(zoom::ZoomConnector::new(config, http, options)),
        Vendor::GoTo => {
            let connect = connect_auth.map(|auth| http.with_auth(auth));
            Box::new(goto::GoToConnector::new(config, http, connect, options))
        }
        Vendor::Aha => Box::new(aha::AhaConnector::new(config, http, options)),
    })
}
