//! How a connector behaves (timeouts, retries, rate limits, concurrency, vendor choices) and
//! where each vendor lives by default.

use std::time::Duration;

use entity::enums::Vendor;

/// Knobs for one connector. `Default` is right for production.
#[derive(Debug, Clone)]
pub struct ConnectorOptions {
    /// Whole-request timeout: connect, send, and read the answer.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    pub rate_limits: RateLimits,
    /// Decides Zoom's per-label limits under `RateLimits::Vendor`.
    pub zoom_plan: ZoomPlan,
    /// Per-user calls in flight at once (Zoom settings and reports, GoTo activity).
    pub per_user_concurrency: usize,
    /// Users per page of the user list; `None` takes the vendor's largest (Zoom 300,
    /// GoTo 1000, Aha! 200).
    pub page_size: Option<u32>,
    /// Also list Zoom's deactivated users (`status=inactive`), reported with `active: false`.
    pub zoom_include_inactive: bool,
    /// Read each Licensed Zoom user's settings for the Webinar add-on (one Medium call per
    /// user not in `DownloadHints::addons_checked_recently`). Off, add-ons come from the
    /// hints alone: for tenants without the add-on, and benchmarks.
    pub zoom_addon_checks: bool,
    /// Which documented GoTo call removes a license from a user.
    pub goto_reclaim: GoToReclaim,
    /// GoTo Connect's API host (`https://api.goto.com`). `None`: that host when the base
    /// URL is GoTo's public one, else the base URL (a simulator or proxy serves both).
    pub goto_connect_base_url: Option<String>,
    pub user_agent: String,
}

impl Default for ConnectorOptions {
    fn default() -> Self {
        ConnectorOptions {
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            rate_limits: RateLimits::Vendor,
            zoom_plan: ZoomPlan::Pro,
            per_user_concurrency: 4,
            page_size: None,
            zoom_include_inactive: true,
            zoom_addon_checks: true,
            goto_reclaim: GoToReclaim::PutLicenseKeys,
            goto_connect_base_url: None,
            user_agent: format!("Seatkeeper/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Bounded retries for transient failures and 429s.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt; the call fails after `1 + max_retries` attempts.
    pub max_retries: u32,
    /// Backoff before retry n is `base_delay * 2^n`, capped, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this (Zoom's daily cap says "tomorrow") is not waited
    /// out: the call fails at once with `RateLimited { retry_after }`.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// The request rate the connector keeps to, per vendor account and rate label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimits {
    /// The documented limits: Zoom per label for `zoom_plan`, GoTo 10/s per API, Aha! 20/s
    /// and 300/min.
    Vendor,
    /// No pacing (a simulator without limits, benchmarks).
    Off,
    /// The same per-second limit on every label.
    PerSecond(u32),
}

/// A Zoom account plan, which sets its per-label limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ZoomPlan {
    Free,
    #[default]
    Pro,
    Business,
}

/// GoTo documents two ways to take a license from a user; which one works is unconfirmed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GoToReclaim {
    /// `PUT /accounts/{a}/users/{u}` with the license keys the user keeps.
    #[default]
    PutLicenseKeys,
    /// `DELETE /accounts/{a}/licenses/{l}/users` with `{"userKeys":[u]}`.
    DeleteFromLicense,
}

/// A vendor's API base, token and authorize URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorUrls {
    pub base_url: String,
    pub token_url: String,
    pub authorize_url: String,
}

/// The vendor's public hosts. Aha! lives on the tenant's own subdomain, so its URLs carry a
/// `{subdomain}` placeholder: use [`VendorUrls::aha`] with the tenant's name.
pub fn default_urls(vendor: Vendor) -> VendorUrls {
    match vendor {
        Vendor::Zoom => VendorUrls {
            base_url: "https://api.zoom.us/v2".into(),
            token_url: "https://zoom.us/oauth/token".into(),
            authorize_url: "https://zoom.us/oauth/authorize".into(),
        },
        Vendor::GoTo => VendorUrls {
            base_url: "https://api.getgo.com".into(),
            token_url: "https://authentication.logmeininc.com/oauth/token".into(),
            authorize_url: "https://authentication.logmeininc.com/oauth/authorize".into(),
        },
        Vendor::Aha => VendorUrls::aha("{subdomain}"),
    }
}

impl VendorUrls {
    /// An Aha! tenant, e.g. `acme` for `https://acme.aha.io`.
    pub fn aha(subdomain: &str) -> VendorUrls {
        VendorUrls::for_root(Vendor::Aha, &format!("https://{subdomain}.aha.io"))
    }

    /// Every URL of a vendor served from one root: a simulator, a proxy, ZoomGov's
    /// `https://api.zoomgov.com`, or an Aha! tenant URL.
    pub fn for_root(vendor: Vendor, root: &str) -> VendorUrls {
        let root = root.trim_end_matches('/');
        let base_url = match vendor {
            Vendor::Zoom => format!("{root}/v2"),
            Vendor::GoTo | Vendor::Aha => root.to_owned(),
        };
        VendorUrls {
            base_url,
            token_url: format!("{root}/oauth/token"),
            authorize_url: format!("{root}/oauth/authorize"),
        }
    }
}

pub(crate) const GOTO_PUBLIC_BASE: &str = "https://api.getgo.com";
pub(crate) const GOTO_CONNECT_BASE: &str = "https://api.goto.com";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_derive_from_one_root() {
        let sim = VendorUrls::for_root(Vendor::Zoom, "http://127.0.0.1:9/");
        assert_eq!(sim.base_url, "http://127.0.0.1:9/v2");
        assert_eq!(sim.token_url, "http://127.0.0.1:9/oauth/token");
        assert_eq!(
            VendorUrls::aha("acme").base_url,
            "https://acme.aha.io".to_owned()
        );
        assert_eq!(default_urls(Vendor::GoTo).base_url, GOTO_PUBLIC_BASE);
    }
}
