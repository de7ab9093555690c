//! What a simulator is asked to be: vendor, tenant size and seed, limits and clock.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::truth::Product;

/// Which vendor API a simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    Zoom,
    #[serde(rename = "goto")]
    GoTo,
    Aha,
}

impl Vendor {
    pub const ALL: [Vendor; 3] = [Vendor::Zoom, Vendor::GoTo, Vendor::Aha];

    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Zoom => "zoom",
            Vendor::GoTo => "goto",
            Vendor::Aha => "aha",
        }
    }
}

impl FromStr for Vendor {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "zoom" => Ok(Vendor::Zoom),
            "goto" => Ok(Vendor::GoTo),
            "aha" => Ok(Vendor::Aha),
            other => Err(SimError::InvalidConfig(format!("unknown vendor {other:?}"))),
        }
    }
}

/// Explicit limits applied to every rate-limit bucket of a vendor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub per_second: Option<u32>,
    pub per_minute: Option<u32>,
    pub per_day: Option<u32>,
}

/// How requests are throttled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitMode {
    /// The documented limits: Zoom per label for `SimConfig::zoom_plan`, GoTo 10/s per API,
    /// Aha! 20/s and 300/min.
    #[default]
    Vendor,
    /// No throttling at all (benchmarks).
    Off,
    /// The same per-second limit on every bucket, nothing per minute or day.
    PerSecond(u32),
    /// The given limits on every bucket (e.g. a tiny daily cap to see Zoom's daily 429).
    Custom(Limits),
}

impl FromStr for RateLimitMode {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "vendor" => Ok(RateLimitMode::Vendor),
            "off" => Ok(RateLimitMode::Off),
            n => n.parse().map(RateLimitMode::PerSecond).map_err(|_| {
                SimError::InvalidConfig(format!(
                    "rate limit {n:?}: use vendor, off or N per second"
                ))
            }),
        }
    }
}

/// Zoom account plan: decides the per-label limits and whether reports are allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoomPlan {
    /// Free accounts get the lowest limits and no reports (400, code 200).
    Free,
    #[default]
    Pro,
    Business,
}

/// Body of Aha! error responses, whose shape the vendor does not document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AhaErrorStyle {
    /// `{"error":"…","error_description":"…"}` as a Rails/Doorkeeper app answers.
    #[default]
    Doorkeeper,
    /// `{"message":"…"}`.
    Message,
    /// No body at all.
    Empty,
}

/// Everything a simulator needs to start. `SimConfig::new(vendor)` gives the defaults.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub vendor: Vendor,
    /// Tenant size, 10 to 1,000,000.
    pub users: usize,
    /// Same seed and `now`, same tenant.
    pub seed: u64,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    pub rate_limit: RateLimitMode,
    /// Access-token lifetime (`expires_in`).
    pub token_ttl: Duration,
    /// The tenant's "today": activity is generated up to this instant. Defaults to the
    /// wall clock at start; pin it to make truth values reproducible across runs.
    pub now: Option<DateTime<Utc>>,
    pub zoom_plan: ZoomPlan,
    /// The registered OAuth redirect URI. `None` accepts any loopback `http` URI, but the
    /// token exchange must still repeat the one given to `/oauth/authorize`.
    pub redirect_uri: Option<String>,
    /// Aha! tenant subdomain; derived from the seed when `None`.
    pub aha_subdomain: Option<String>,
    pub aha_error_style: AhaErrorStyle,
    /// actix worker threads.
    pub workers: usize,
    /// How long a `Fault::Timeout` holds a request before answering 504.
    pub hang: Duration,
    /// Seats per product, replacing the generated purchase (holders plus about 5%). A
    /// grant through the vendor API that would go past it gets the vendor's "no licences"
    /// error; reclaims are never limited.
    pub seat_limits: BTreeMap<Product, u32>,
    /// GoTo only: a licence for a product outside Seatkeeper's catalog, held by the last
    /// members of the tenant (see [`ForeignLicense`]).
    pub foreign_license: Option<ForeignLicense>,
    /// GoTo only: Connect's call history is granted to a second OAuth client of its own, as
    /// GoTo Connect apps are; the main client's tokens lack `cr.v1.read`.
    pub goto_connect_client: bool,
}

/// A GoTo licence whose `products[]` code no catalog of Seatkeeper's knows: GoTo's list of
/// product codes is open-ended (the Admin API documents `G2M`, `G2W`, `G2T`, `JIVE`/`G2C`
/// "e.g."), and a client must keep what it does not recognise. Its holders are the last
/// `holders` users; it is granted and removed through the same calls as any licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignLicense {
    /// The `products[]` code, e.g. `G2R`.
    pub code: String,
    /// The licence's `name`, e.g. `GoTo Resolve`.
    pub name: String,
    pub holders: u32,
}

impl SimConfig {
    pub fn new(vendor: Vendor) -> Self {
        SimConfig {
            vendor,
            users: 1_000,
            seed: 1,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            rate_limit: RateLimitMode::Vendor,
            token_ttl: Duration::from_secs(3600),
            now: None,
            zoom_plan: ZoomPlan::Pro,
            redirect_uri: None,
            aha_subdomain: None,
            aha_error_style: AhaErrorStyle::Doorkeeper,
            workers: 2,
            hang: Duration::from_secs(300),
            seat_limits: BTreeMap::new(),
            foreign_license: None,
            goto_connect_client: false,
        }
    }

    pub fn users(mut self, users: usize) -> Self {
        self.users = users;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn rate_limit(mut self, mode: RateLimitMode) -> Self {
        self.rate_limit = mode;
        self
    }

    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    pub fn now(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// At most `seats` holders of `product`, which must be one of this vendor's.
    pub fn seat_limit(mut self, product: Product, seats: u32) -> Self {
        self.seat_limits.insert(product, seats);
        self
    }

    /// GoTo only: `holders` users also hold a licence for `code`, a product outside
    /// Seatkeeper's catalog.
    pub fn foreign_license(
        mut self,
        code: impl Into<String>,
        name: impl Into<String>,
        holders: u32,
    ) -> Self {
        self.foreign_license = Some(ForeignLicense {
            code: code.into(),
            name: name.into(),
            holders,
        });
        self
    }

    /// GoTo only: Connect's call history is granted to a second OAuth client of its own, as
    /// GoTo Connect apps are; the main client's tokens lack `cr.v1.read`.
    pub fn goto_connect_client(mut self, on: bool) -> Self {
        self.goto_connect_client = on;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), SimError> {
        if let Some(foreign) = &self.foreign_license {
            if self.vendor != Vendor::GoTo {
                return Err(SimError::InvalidConfig(
                    "a foreign licence is a GoTo licence".into(),
                ));
            }
            if foreign.holders == 0 || foreign.holders as usize > self.users / 2 {
                return Err(SimError::InvalidConfig(format!(
                    "a foreign licence needs 1 to {} holders, got {}",
                    self.users / 2,
                    foreign.holders
                )));
            }
            if foreign.code.trim().is_empty() {
                return Err(SimError::InvalidConfig(
                    "a foreign licence needs a product code".into(),
                ));
            }
        }
        if !(10..=1_000_000).contains(&self.users) {
            return Err(SimError::InvalidConfig(format!(
                "users must be 10..=1000000, got {}",
                self.users
            )));
        }
        if let Some(p) = self.seat_limits.keys().find(|p| p.vendor() != self.vendor) {
            return Err(SimError::InvalidConfig(format!(
                "seat limit for {p:?}, which is not a {} product",
                self.vendor.as_str()
            )));
        }
        if self.token_ttl.is_zero() {
            return Err(SimError::InvalidConfig("token_ttl must be positive".into()));
        }
        if let Some(sub) = &self.aha_subdomain {
            let ok = !sub.is_empty()
                && sub
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(SimError::InvalidConfig(format!(
                    "bad Aha! subdomain {sub:?}"
                )));
            }
        }
        Ok(())
    }
}
