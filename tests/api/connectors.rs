//! The three vendor connectors against the simulators: downloads equal the truth, activity
//! equals the truth, reclaims change it, and faults end in a retried success or a typed
//! error. No database: these talk to the connectors directly.

mod activity;
mod auth;
mod download;
mod faults;
mod reclaim;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use seatkeeper::connectors::{
    self, ActivityQuery, ActivityRecord, ConnectionConfig, Connector, ConnectorError,
    ConnectorOptions, DownloadHints, RateLimits, RetryPolicy, StoredTokens, SubscriptionRecord,
    TokenSink, VendorUrls,
};
use seatkeeper::secret::Secret;
use seatkeeper_sim::{Product, RateLimitMode, SimConfig, Simulator, Truth, Vendor as SimVendor};

pub use entity::enums::Vendor;

/// Quick retries and no pacing: what a test against an unthrottled simulator wants.
pub fn fast_options() -> ConnectorOptions {
    ConnectorOptions {
        retry: RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
        },
        rate_limits: RateLimits::Off,
        request_timeout: Duration::from_secs(20),
        per_user_concurrency: 8,
        ..ConnectorOptions::default()
    }
}

pub async fn start(vendor: SimVendor, users: usize) -> Simulator {
    start_with(
        SimConfig::new(vendor)
            .users(users)
            .seed(11)
            .rate_limit(RateLimitMode::Off),
    )
    .await
}

pub async fn start_with(config: SimConfig) -> Simulator {
    Simulator::start(config)
        .await
        .expect("the simulator starts")
}

/// Keeps every token a connector saves.
#[derive(Default)]
pub struct Saved(pub Mutex<Vec<StoredTokens>>);

#[async_trait::async_trait]
impl TokenSink for Saved {
    async fn save(
        &self,
        set: seatkeeper::connectors::CredentialSet,
        tokens: &StoredTokens,
    ) -> Result<(), String> {
        assert_eq!(set, seatkeeper::connectors::CredentialSet::Primary);
        self.0.lock().unwrap().push(tokens.clone());
        Ok(())
    }
}

impl Saved {
    pub fn all(&self) -> Vec<StoredTokens> {
        self.0.lock().unwrap().clone()
    }
}

fn vendor_of(sim: &Simulator) -> Vendor {
    match sim.vendor() {
        SimVendor::Zoom => Vendor::Zoom,
        SimVendor::GoTo => Vendor::GoTo,
        SimVendor::Aha => Vendor::Aha,
    }
}

/// A connection to the simulator with its client credentials and no tokens yet. Zoom gets
/// its account id (Server-to-Server OAuth).
pub fn config(sim: &Simulator) -> ConnectionConfig {
    let vendor = vendor_of(sim);
    let urls = VendorUrls::for_root(vendor, &sim.base_url());
    let creds = sim.credentials();
    ConnectionConfig {
        vendor,
        urls,
        redirect_url: Some("http://127.0.0.1/oauth/callback".into()),
        client_id: Some(creds.client_id),
        client_secret: Some(Secret::new(creds.client_secret)),
        account_id: creds.account_id,
        scopes: None,
        tokens: None,
        connect: None,
    }
}

/// Tokens without a refresh token (an API key, or a token pasted in).
pub fn fixed(token: &str) -> Option<StoredTokens> {
    Some(StoredTokens {
        access_token: Secret::new(token),
        refresh_token: None,
        expires_at: None,
    })
}

/// A connection whose tokens come from a real authorization-code + PKCE flow.
pub async fn authorized(sim: &Simulator) -> ConnectionConfig {
    let mut config = config(sim);
    config.account_id = None;
    config.tokens = Some(auth::authorize(&config).await);
    config
}

pub fn connector(config: ConnectionConfig, options: ConnectorOptions) -> Box<dyn Connector> {
    connectors::build(config, Arc::new(connectors::DiscardTokens), options)
        .expect("connector builds")
}

/// Every page, or the first error.
pub async fn download(
    c: &dyn Connector,
    hints: &DownloadHints,
) -> Result<(Vec<SubscriptionRecord>, u64), ConnectorError> {
    let mut stream = c.subscriptions(hints);
    let mut records = Vec::new();
    let mut pages = 0;
    while let Some(page) = stream.next().await {
        let page = page?;
        assert_eq!(page.pages_done, pages + 1, "pages are counted one by one");
        pages = page.pages_done;
        records.extend(page.records);
    }
    Ok((records, pages))
}

pub async fn activity(
    c: &dyn Connector,
    query: &ActivityQuery,
) -> Result<Vec<ActivityRecord>, ConnectorError> {
    let mut stream = c.activity(query);
    let mut events = Vec::new();
    while let Some(batch) = stream.next().await {
        events.extend(batch?);
    }
    Ok(events)
}

/// The identifier a connector reports for a simulated product.
pub fn identifier(product: Product) -> &'static str {
    match product {
        Product::ZoomMeetings => "ZOOM_MEETINGS_LICENSED",
        Product::ZoomWebinar => "ZOOM_WEBINAR",
        Product::GoToMeeting => "G2M",
        Product::GoToWebinar => "G2W",
        Product::GoToConnect => "G2C",
        Product::GoToTraining => "G2T",
        Product::GoToAssist => "G2A",
        Product::OpenVoice => "OPENVOICE",
        Product::AhaRoadmaps => "AHA_PAID_SEAT",
    }
}

/// (user id, identifier, privileged) for every licence in the truth, sorted.
pub fn truth_rows(truth: &Truth) -> Vec<(String, String, bool)> {
    let mut rows: Vec<_> = truth
        .users
        .iter()
        .flat_map(|u| {
            u.subscriptions.iter().map(|s| {
                (
                    u.id.clone(),
                    identifier(s.product).to_owned(),
                    u.role != seatkeeper_sim::UserRole::Member,
                )
            })
        })
        .collect();
    rows.sort();
    rows
}

pub fn record_rows(records: &[SubscriptionRecord]) -> Vec<(String, String, bool)> {
    let mut rows: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.external_user_id.clone(),
                r.identifier.clone(),
                r.privileged,
            )
        })
        .collect();
    rows.sort();
    rows
}

/// API requests in the simulator's log (OAuth calls left out).
pub fn api_requests(sim: &Simulator) -> Vec<seatkeeper_sim::RequestRecord> {
    sim.requests(0)
        .into_iter()
        .filter(|r| !r.path.contains("/oauth/"))
        .collect()
}
