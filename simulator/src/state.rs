//! The state every worker thread shares through one `Arc`: the tenant behind a read-write
//! lock (read for pages, written only by licence changes, recorded activity, seat limits
//! and reset), never copied per request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::{Clock, ts};
use crate::config::SimConfig;
use crate::error::{Result, SimError};
use crate::faults::FaultState;
use crate::oauth::{Credentials, OAuthStore};
use crate::paging::ListCache;
use crate::ratelimit::Limiter;
use crate::rng::mix;
use crate::tenant::Tenant;
use crate::truth::{Product, RequestRecord, Truth};

/// Past this many records the oldest tenth is dropped, so a long run stays bounded.
const LOG_CAP: usize = 1_000_000;

pub(crate) struct Shared {
    pub config: SimConfig,
    pub clock: Clock,
    pub creds: Credentials,
    /// Keys page-token MACs.
    pub secret: u64,
    pub tenant: RwLock<Tenant>,
    pub oauth: Mutex<OAuthStore>,
    pub faults: Mutex<FaultState>,
    pub limiter: Mutex<Limiter>,
    log: Mutex<Vec<RequestRecord>>,
    seq: AtomicU64,
    /// Computed report rows (`[user, a, b, c]`, meaning per report) keyed by query.
    pub lists: ListCache<[u32; 4]>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn new(config: SimConfig) -> Self {
        let anchor = config.now.unwrap_or_else(Utc::now);
        let clock = Clock::new(anchor);
        let tenant = fresh_tenant(&config, clock.anchor_secs());
        let creds = Credentials::generate(&config, tenant.company);
        let mut oauth = OAuthStore::default();
        if let Some(key) = &creds.api_key {
            oauth.add_api_key(key);
        }
        Shared {
            limiter: Mutex::new(Limiter::new(
                config.vendor,
                config.rate_limit,
                config.zoom_plan,
            )),
            secret: mix(config.seed ^ 0x5EC2E7),
            clock,
            creds,
            tenant: RwLock::new(tenant),
            oauth: Mutex::new(oauth),
            faults: Mutex::new(FaultState::default()),
            log: Mutex::new(Vec::new()),
            seq: AtomicU64::new(0),
            lists: ListCache::default(),
            config,
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Tenant> {
        self.tenant.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Tenant> {
        self.tenant.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn oauth(&self) -> MutexGuard<'_, OAuthStore> {
        lock(&self.oauth)
    }

    pub fn faults(&self) -> MutexGuard<'_, FaultState> {
        lock(&self.faults)
    }

    pub fn limiter(&self) -> MutexGuard<'_, Limiter> {
        lock(&self.limiter)
    }

    pub fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    pub fn record(&self, method: String, path: String, query: String, status: u16, took: Duration) {
        let rec = RequestRecord {
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
            at: self.clock.now(),
            method,
            path,
            query,
            status,
            server_micros: took.as_micros() as u64,
        };
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAP {
            log.drain(..LOG_CAP / 10);
        }
        log.push(rec);
    }

    /// Records with `seq > since`.
    pub fn requests(&self, since: u64) -> Vec<RequestRecord> {
        let log = lock(&self.log);
        let start = log.partition_point(|r| r.seq <= since);
        log[start..].to_vec()
    }

    pub fn truth(&self) -> Truth {
        let now = self.now();
        let t = self.read();
        Truth {
            vendor: self.config.vendor,
            now: self.clock.now(),
            users: t.truth_users(now),
            reclaimed: t.reclaims.clone(),
            requests: self.requests(0),
        }
    }

    /// Back to the freshly generated tenant: reclaims undone, recorded activity dropped,
    /// seat limits back to the config's, faults, counters and log cleared. Issued tokens
    /// stay valid so that a client can carry on.
    pub fn reset(&self) {
        let c = &self.config;
        *self.write() = fresh_tenant(c, self.clock.anchor_secs());
        self.faults().clear();
        *self.limiter() = Limiter::new(c.vendor, c.rate_limit, c.zoom_plan);
        lock(&self.log).clear();
        self.lists.clear();
    }
}

impl Shared {
    /// Records that `user_id` used `product` at `at` (default: the simulator clock's now).
    /// Returns the time recorded, to the second.
    pub fn record_activity(
        &self,
        user_id: &str,
        product: Product,
        at: Option<DateTime<Utc>>,
    ) -> Result<DateTime<Utc>> {
        if let Some(e) = self.foreign(product) {
            return Err(SimError::InvalidActivity(e));
        }
        let stream = Tenant::stream_of(product)
            .ok_or_else(|| SimError::InvalidActivity(format!("{product:?} has no activity API")))?;
        let now = self.now();
        let at = at.map_or(now, |t| t.timestamp());
        if at > now {
            return Err(SimError::InvalidActivity(format!(
                "{} is after the simulator clock's now, {}",
                ts(at),
                ts(now)
            )));
        }
        let mut t = self.write();
        let idx = t
            .find_id(user_id)
            .ok_or_else(|| SimError::UnknownUser(user_id.to_string()))?;
        if at < i64::from(t.user(idx).created) {
            return Err(SimError::InvalidActivity(format!(
                "{} is before the user was created",
                ts(at)
            )));
        }
        t.record_use(idx, stream, at, now);
        // Cleared under the write lock: a report list built from the old activity was
        // cached before the lock was granted, and none can be built until it is released.
        self.lists.clear();
        Ok(ts(at))
    }

    /// Sets or (with `None`) removes the seat limit of `product`.
    pub fn set_seat_limit(&self, product: Product, limit: Option<u32>) -> Result<()> {
        if let Some(e) = self.foreign(product) {
            return Err(SimError::InvalidConfig(e));
        }
        self.write().limits[product.bit()] = limit;
        Ok(())
    }

    /// Why `product` is none of this simulator's business, if it is not.
    fn foreign(&self, product: Product) -> Option<String> {
        let vendor = self.config.vendor;
        (product.vendor() != vendor)
            .then(|| format!("{product:?} is not a {} product", vendor.as_str()))
    }
}

fn fresh_tenant(config: &SimConfig, anchor: i64) -> Tenant {
    let mut t = Tenant::generate(config.vendor, config.users, config.seed, anchor);
    for (product, seats) in &config.seat_limits {
        t.limits[product.bit()] = Some(*seats);
    }
    if let Some(foreign) = &config.foreign_license {
        let n = t.len() as u32;
        t.foreign = Some(crate::tenant::Foreign {
            code: foreign.code.clone(),
            name: foreign.name.clone(),
            key: t.ids.license(crate::tenant::Foreign::BIT),
            seats: foreign.holders + 2,
            holders: (n - foreign.holders..n).collect(),
        });
    }
    t
}
