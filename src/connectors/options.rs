//! How a connector behaves (timeouts, retries, rate limits, concurrency, vendor choices) and
//! where each vendor lives by default.

use std::time::Duration;

use entity::enums::{Vendor, VendorCloud};

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

/// Every URL of one vendor tenant, all derived from one setting (a named cloud or a root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorUrls {
    /// Where API paths start: Zoom's includes `/v2`, GoTo's and Aha!'s are the host.
    pub api_url: String,
    pub token_url: String,
    pub authorize_url: String,
    /// GoTo Connect's API (call history); the same as `api_url` for other vendors.
    pub connect_url: String,
}

/// The host a named cloud's API answers on; a root equal to it means that cloud.
fn cloud_api_root(cloud: VendorCloud) -> &'static str {
    match cloud {
        VendorCloud::Zoom => "https://api.zoom.us",
        VendorCloud::ZoomGov => "https://api.zoomgov.com",
        VendorCloud::GoTo => GOTO_PUBLIC_BASE,
    }
}

/// The cloud a vendor's tenants live on when nothing is set; Aha! has none (each tenant has
/// its own subdomain).
fn default_cloud(vendor: Vendor) -> Option<VendorCloud> {
    match vendor {
        Vendor::Zoom => Some(VendorCloud::Zoom),
        Vendor::GoTo => Some(VendorCloud::GoTo),
        Vendor::Aha => None,
    }
}

impl VendorUrls {
    /// A named cloud's public hosts.
    pub fn cloud(cloud: VendorCloud) -> VendorUrls {
        let (api_url, oauth, connect_url) = match cloud {
            VendorCloud::Zoom => ("https://api.zoom.us/v2", "https://zoom.us/oauth", None),
            VendorCloud::ZoomGov => (
                "https://api.zoomgov.com/v2",
                "https://zoomgov.com/oauth",
                None,
            ),
            VendorCloud::GoTo => (
                GOTO_PUBLIC_BASE,
                "https://authentication.logmeininc.com/oauth",
                Some(GOTO_CONNECT_BASE),
            ),
        };
        VendorUrls {
            api_url: api_url.into(),
            token_url: format!("{oauth}/token"),
            authorize_url: format!("{oauth}/authorize"),
            connect_url: connect_url.unwrap_or(api_url).into(),
        }
    }

    /// An Aha! tenant, e.g. `acme` for `https://acme.aha.io`.
    pub fn aha(subdomain: &str) -> VendorUrls {
        VendorUrls::for_root(Vendor::Aha, &format!("https://{subdomain}.aha.io"))
    }

    /// Every URL of a vendor served from one root (a host, never an API path): a simulator,
    /// a proxy, or an Aha! tenant. A named cloud's own API host means that cloud, so its
    /// OAuth stays on the cloud's OAuth host.
    pub fn for_root(vendor: Vendor, root: &str) -> VendorUrls {
        let root = root.trim_end_matches('/');
        if let Some(cloud) = [VendorCloud::Zoom, VendorCloud::ZoomGov, VendorCloud::GoTo]
            .into_iter()
            .find(|c| c.vendor() == vendor && cloud_api_root(*c) == root)
        {
            return VendorUrls::cloud(cloud);
        }
        let api_url = match vendor {
            Vendor::Zoom => format!("{root}/v2"),
            Vendor::GoTo | Vendor::Aha => root.to_owned(),
        };
        VendorUrls {
            connect_url: root.to_owned(),
            api_url,
            token_url: format!("{root}/oauth/token"),
            authorize_url: format!("{root}/oauth/authorize"),
        }
    }

    /// What an alias's one setting resolves to: its root, else its cloud, else the vendor's
    /// default cloud. `None` for an Aha! alias without its tenant's URL.
    pub fn resolve(
        vendor: Vendor,
        cloud: Option<VendorCloud>,
        root: Option<&str>,
    ) -> Option<VendorUrls> {
        match (root, cloud.or(default_cloud(vendor))) {
            (Some(root), _) => Some(VendorUrls::for_root(vendor, root)),
            (None, Some(cloud)) => Some(VendorUrls::cloud(cloud)),
            (None, None) => None,
        }
    }
}

/// A root as an admin may write it, made canonical: no trailing slash, and no API path
/// (Zoom's `/v2`, GoTo's `/admin/rest/v1`), so `baseUrl` means the same for every vendor.
pub fn canonical_root(vendor: Vendor, root: &str) -> String {
    let root = root.trim().trim_end_matches('/');
    let api_path = match vendor {
        Vendor::Zoom => "/v2",
        Vendor::GoTo => "/admin/rest/v1",
        Vendor::Aha => "/api/v1",
    };
    root.strip_suffix(api_path).unwrap_or(root).to_owned()
}

const GOTO_PUBLIC_BASE: &str = "https://api.getgo.com";
const GOTO_CONNECT_BASE: &str = "https://api.goto.com";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_derive_from_one_root() {
        let sim = VendorUrls::for_root(Vendor::Zoom, "http://127.0.0.1:9/");
        assert_eq!(sim.api_url, "http://127.0.0.1:9/v2");
        assert_eq!(sim.token_url, "http://127.0.0.1:9/oauth/token");
        let goto = VendorUrls::for_root(Vendor::GoTo, "http://127.0.0.1:9");
        assert_eq!(goto.connect_url, "http://127.0.0.1:9");
        assert_eq!(VendorUrls::aha("acme").api_url, "https://acme.aha.io");
    }

    #[test]
    fn a_cloud_keeps_its_oauth_on_its_own_host() {
        let gov = VendorUrls::cloud(VendorCloud::ZoomGov);
        assert_eq!(gov.api_url, "https://api.zoomgov.com/v2");
        assert_eq!(gov.token_url, "https://zoomgov.com/oauth/token");
        assert_eq!(gov.authorize_url, "https://zoomgov.com/oauth/authorize");
        // The cloud's API host given as a root is that cloud, not a proxy.
        assert_eq!(
            VendorUrls::for_root(Vendor::Zoom, "https://api.zoomgov.com/"),
            gov
        );
        let goto = VendorUrls::resolve(Vendor::GoTo, None, None).unwrap();
        assert_eq!(goto.api_url, "https://api.getgo.com");
        assert_eq!(goto.connect_url, "https://api.goto.com");
        assert_eq!(
            goto.token_url,
            "https://authentication.logmeininc.com/oauth/token"
        );
        assert_eq!(VendorUrls::resolve(Vendor::Aha, None, None), None);
    }

    #[test]
    fn roots_lose_their_api_path() {
        assert_eq!(
            canonical_root(Vendor::Zoom, "https://proxy.example/zoom/v2/"),
            "https://proxy.example/zoom"
        );
        assert_eq!(
            canonical_root(Vendor::GoTo, "https://api.getgo.com/admin/rest/v1"),
            "https://api.getgo.com"
        );
        assert_eq!(
            canonical_root(Vendor::Aha, "https://acme.aha.io"),
            "https://acme.aha.io"
        );
    }
}
