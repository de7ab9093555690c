//! Local simulators of the Zoom, GoTo and Aha! APIs that Seatkeeper's connectors call,
//! quirks included, with seeded tenants of any size, rate limits, fault injection and a
//! ground-truth view for tests.
//!
//! ```no_run
//! # async fn demo() -> seatkeeper_sim::Result<()> {
//! use seatkeeper_sim::{Fault, RateLimitMode, SimConfig, Simulator, Vendor};
//! let sim = Simulator::start(SimConfig::new(Vendor::Zoom).users(10_000).rate_limit(RateLimitMode::Off)).await?;
//! let _base = sim.base_url(); // stands in for https://zoom.us and https://api.zoom.us
//! sim.set_fault(Fault::ServerError { status: 503, times: Some(1) })?;
//! let truth = sim.truth();
//! assert_eq!(truth.users.len(), 10_000);
//! sim.stop().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod aha;
mod clock;
mod config;
mod control;
mod error;
mod faults;
mod goto;
mod http;
mod oauth;
mod paging;
mod ratelimit;
mod rng;
mod server;
mod state;
mod tenant;
mod truth;
mod zoom;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use chrono::{DateTime, Utc};

pub use config::{
    AhaErrorStyle, ForeignLicense, Limits, RateLimitMode, SimConfig, Vendor, ZoomPlan,
};
pub use error::{Result, SimError};
pub use faults::Fault;
pub use oauth::Credentials;
pub use truth::{
    Product, Reclaim, RequestRecord, Subscription, Truth, TruthUser, UserRole, UserStatus,
};

use state::Shared;

/// A running simulator. Dropping it stops the server too; `stop` also waits for it.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    handle: ServerHandle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Simulator {
    /// Generates the tenant, binds `config.listen` and serves on actix worker threads.
    /// Must be called inside a tokio runtime (any flavour).
    pub async fn start(config: SimConfig) -> Result<Simulator> {
        config.validate()?;
        let listen = config.listen;
        let shared = Arc::new(Shared::new(config));
        let listener = std::net::TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let server = server::serve(shared.clone(), listener)?;
        let handle = server.handle();
        let task = tokio::spawn(server);
        tracing::info!(vendor = shared.config.vendor.as_str(), %addr, users = shared.config.users, "simulator listening");
        Ok(Simulator {
            shared,
            addr,
            handle,
            task: Some(task),
        })
    }

    pub fn vendor(&self) -> Vendor {
        self.shared.config.vendor
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The stand-in for the vendor's hosts; vendor paths append to it unchanged.
    /// Zoom: `zoom.us` and `api.zoom.us` (`/oauth/token`, `/v2/users`). GoTo:
    /// `authentication.logmeininc.com`, `api.getgo.com`, `api.goto.com` (`/oauth/token`,
    /// `/admin/rest/v1/me`, `/G2W/rest/v2/...`, `/call-history/v1/calls`). Aha!:
    /// `https://<subdomain>.aha.io`, selected by path prefix: `http://127.0.0.1:PORT/<subdomain>`.
    pub fn base_url(&self) -> String {
        match &self.shared.creds.subdomain {
            Some(sub) => format!("{}/{sub}", self.root_url()),
            None => self.root_url(),
        }
    }

    /// `http://127.0.0.1:PORT`, without any Aha! tenant prefix.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/_sim`.
    pub fn control_url(&self) -> String {
        format!("{}/_sim", self.root_url())
    }

    pub fn credentials(&self) -> Credentials {
        self.shared.creds.clone()
    }

    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// A valid access token with every scope, skipping the OAuth flow.
    pub fn access_token(&self) -> String {
        let ttl = self.shared.config.token_ttl.as_secs();
        self.shared
            .oauth()
            .issue_access(self.shared.clock.now_ms(), ttl, oauth::Grant::ALL)
    }

    /// A snapshot of users, licences, last activity, reclaims and the request log.
    pub fn truth(&self) -> Truth {
        self.shared.truth()
    }

    /// The request log, `seq > since` (0 for all).
    pub fn requests(&self, since: u64) -> Vec<RequestRecord> {
        self.shared.requests(since)
    }

    pub fn reclaimed(&self) -> Vec<Reclaim> {
        self.shared.read().reclaims.clone()
    }

    pub fn set_fault(&self, fault: Fault) -> Result<()> {
        fault.validate()?;
        self.shared.faults().set(fault);
        Ok(())
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.shared.faults().list()
    }

    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Withdraws every OAuth grant: access tokens stop working and refresh tokens are
    /// refused (an authorization-code client must authorize again).
    pub fn revoke_grants(&self) {
        self.shared.oauth().revoke_all_grants();
    }

    /// Regenerates the tenant and clears reclaims, recorded activity, faults, rate counters
    /// and the log; seat limits go back to the config's.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Records that the user (`id` as the truth and the API give it) used `product` at
    /// `at`, to the second: a meeting or webinar hosted, a GoTo Connect call placed or
    /// answered, an Aha! access. From then on every activity endpoint reports it as it
    /// reports generated activity, and the truth counts it in `last_activity`. `at` may
    /// not be after `now()` nor before the user was created; the event has ended by the
    /// time it is recorded. A Zoom meeting or webinar also records a sign-in.
    pub fn record_activity(
        &self,
        user_id: &str,
        product: Product,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.shared
            .record_activity(user_id, product, Some(at))
            .map(drop)
    }

    /// At most `limit` holders of `product` from now on; `None` removes the limit, leaving
    /// the tenant's generated purchase (holders at start plus about 5%). A grant through the
    /// vendor API past it gets the vendor's "no licences available" error; reclaims are
    /// never limited, and a limit below the current holders takes no licence away.
    pub fn set_seat_limit(&self, product: Product, limit: Option<u32>) -> Result<()> {
        self.shared.set_seat_limit(product, limit)
    }

    /// The simulator clock (the tenant's "today" plus elapsed and skipped time).
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Moves the simulator clock forward: tokens, codes and page tokens expire, report
    /// windows and daily limits move. The tenant's activity does not change.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    pub async fn stop(mut self) {
        self.handle.stop(false).await;
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if self.task.is_some() {
            // Sending the command is synchronous; nobody needs to wait for it here.
            drop(self.handle.stop(false));
        }
    }
}
