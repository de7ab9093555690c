//! Token buckets per vendor account and rate label, shared by every connector of the process
//! that talks to the same account, so two jobs on one tenant share its budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use entity::enums::Vendor;

use super::options::{RateLimits, ZoomPlan};

/// A vendor limit: at most `count` requests in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Limit {
    pub count: u32,
    pub window: Duration,
}

impl Limit {
    const fn per_second(count: u32) -> Limit {
        Limit {
            count,
            window: Duration::from_secs(1),
        }
    }

    const fn per_minute(count: u32) -> Limit {
        Limit {
            count,
            window: Duration::from_secs(60),
        }
    }
}

/// The documented limits per rate label.
pub(crate) fn vendor_limits(vendor: Vendor, plan: ZoomPlan, label: &str) -> Vec<Limit> {
    let zoom = |light, medium, heavy| match label {
        "light" => vec![Limit::per_second(light)],
        "medium" => vec![Limit::per_second(medium)],
        _ => vec![Limit::per_second(heavy)],
    };
    match (vendor, plan) {
        (Vendor::Zoom, ZoomPlan::Free) => zoom(4, 2, 1),
        (Vendor::Zoom, ZoomPlan::Pro) => zoom(30, 20, 10),
        (Vendor::Zoom, ZoomPlan::Business) => zoom(80, 60, 40),
        (Vendor::GoTo, _) => vec![Limit::per_second(10)],
        (Vendor::Aha, _) => vec![Limit::per_second(20), Limit::per_minute(300)],
    }
}

/// One window of a bucket. Holding at most `burst` tokens and refilling at `rate`, it lets
/// through at most `burst + rate * window` requests in any window, which is kept at or
/// under the limit; the burst is small so that fixed-window counters at the vendor agree.
#[derive(Debug)]
struct Window {
    rate: f64,
    burst: f64,
    tokens: f64,
}

impl Window {
    fn new(limit: Limit) -> Window {
        let count = f64::from(limit.count.max(1));
        let secs = limit.window.as_secs_f64().max(0.001);
        let burst = (count / 20.0).floor().max(1.0);
        let spare = count - burst;
        // A limit of one per window still needs a rate: just under one per window.
        let rate = if spare >= 1.0 { spare } else { 0.95 } / secs;
        Window {
            rate,
            burst,
            tokens: burst,
        }
    }
}

#[derive(Debug)]
struct State {
    windows: Vec<Window>,
    last: Instant,
}

/// All windows of one (account, label) pair, taken together.
#[derive(Debug)]
pub(crate) struct Bucket {
    state: Mutex<State>,
}

impl Bucket {
    fn new(limits: &[Limit]) -> Bucket {
        Bucket {
            state: Mutex::new(State {
                windows: limits.iter().map(|l| Window::new(*l)).collect(),
                last: Instant::now(),
            }),
        }
    }

    /// Waits until every window has a token, then takes one from each.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let elapsed = now.duration_since(s.last).as_secs_f64();
                s.last = now;
                for w in &mut s.windows {
                    w.tokens = (w.tokens + elapsed * w.rate).min(w.burst);
                }
                if s.windows.iter().all(|w| w.tokens >= 1.0) {
                    for w in &mut s.windows {
                        w.tokens -= 1.0;
                    }
                    return;
                }
                s.windows
                    .iter()
                    .map(|w| ((1.0 - w.tokens).max(0.0) / w.rate).max(0.0))
                    .fold(0.0_f64, f64::max)
            };
            tokio::time::sleep(Duration::from_secs_f64(wait.max(0.000_5))).await;
        }
    }
}

type Key = (String, &'static str, Vec<Limit>);

fn registry() -> &'static Mutex<HashMap<Key, Arc<Bucket>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<Key, Arc<Bucket>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The buckets one connector uses, by label.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    vendor: Vendor,
    account: String,
    mode: RateLimits,
    plan: ZoomPlan,
}

impl Limiter {
    /// `account` names the vendor account (API base plus client or account id).
    pub fn new(vendor: Vendor, account: String, mode: RateLimits, plan: ZoomPlan) -> Limiter {
        Limiter {
            vendor,
            account,
            mode,
            plan,
        }
    }

    fn bucket(&self, label: &'static str) -> Option<Arc<Bucket>> {
        let limits = match self.mode {
            RateLimits::Off => return None,
            RateLimits::PerSecond(n) => vec![Limit::per_second(n)],
            RateLimits::Vendor => vendor_limits(self.vendor, self.plan, label),
        };
        let key = (self.account.clone(), label, limits);
        let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
        Some(
            map.entry(key.clone())
                .or_insert_with(|| Arc::new(Bucket::new(&key.2)))
                .clone(),
        )
    }

    /// Waits for a slot on `label`'s bucket.
    pub async fn acquire(&self, label: &'static str) {
        if let Some(bucket) = self.bucket(label) {
            bucket.acquire().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_never_allow_more_than_the_limit_in_a_window() {
        for limit in [
            Limit::per_second(1),
            Limit::per_second(2),
            Limit::per_second(10),
            Limit::per_second(20),
            Limit::per_second(60),
            Limit::per_minute(300),
        ] {
            let w = Window::new(limit);
            let most = w.burst + w.rate * limit.window.as_secs_f64();
            assert!(most.floor() <= f64::from(limit.count), "{limit:?}");
            assert!(w.rate > 0.0);
        }
        // 60/s still paces near the limit (the bench's 334 pages must take ≤ 1.05 × 5.6 s).
        let w = Window::new(Limit::per_second(60));
        assert!(w.rate >= 57.0);
    }

    #[tokio::test]
    async fn a_bucket_paces_requests() {
        let bucket = Bucket::new(&[Limit::per_second(20)]);
        let start = Instant::now();
        for _ in 0..11 {
            bucket.acquire().await;
        }
        // One token of burst, then 19 per second: ten more take about half a second.
        assert!(start.elapsed() >= Duration::from_millis(450));
    }
}
