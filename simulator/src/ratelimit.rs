//! Fixed-window counters per bucket (a Zoom label, a GoTo API, the Aha! account). Windows
//! follow the simulator clock, so advancing it past midnight resets a daily cap. Rejected
//! requests do not count.

use crate::config::{Limits, RateLimitMode, Vendor, ZoomPlan};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    Second,
    Minute,
    Day,
}

/// The window that decided, with its numbers, for headers and Retry-After.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Info {
    pub bucket: &'static str,
    pub window: Window,
    pub limit: u32,
    pub remaining: u32,
    /// Milliseconds until the window resets.
    pub reset_in_ms: i64,
    /// Simulator time (ms) when the window resets.
    pub reset_at_ms: i64,
}

pub(crate) enum Verdict {
    /// Allowed; `None` when the bucket has no limits.
    Allowed(Option<Info>),
    Denied(Info),
}

struct Bucket {
    name: &'static str,
    limits: Limits,
    /// (window id, count) per window kind.
    counts: [(i64, u32); 3],
}

pub(crate) struct Limiter {
    buckets: Vec<Bucket>,
}

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

fn qps(per_second: u32, per_day: Option<u32>) -> Limits {
    Limits {
        per_second: Some(per_second),
        per_minute: None,
        per_day,
    }
}

/// Bucket names and documented limits. Zoom: one bucket per label; GoTo: one per API.
fn vendor_buckets(vendor: Vendor, plan: ZoomPlan) -> Vec<(&'static str, Limits)> {
    match vendor {
        Vendor::Zoom => match plan {
            ZoomPlan::Free => vec![
                ("Light", qps(4, Some(6_000))),
                ("Medium", qps(2, Some(2_000))),
                ("Heavy", qps(1, Some(1_000))),
            ],
            ZoomPlan::Pro => vec![
                ("Light", qps(30, None)),
                ("Medium", qps(20, None)),
                ("Heavy", qps(10, Some(30_000))),
            ],
            ZoomPlan::Business => {
                vec![
                    ("Light", qps(80, None)),
                    ("Medium", qps(60, None)),
                    ("Heavy", qps(40, Some(60_000))),
                ]
            }
        },
        Vendor::GoTo => ["admin", "G2M", "G2W", "connect"]
            .into_iter()
            .map(|n| (n, qps(10, None)))
            .collect(),
        Vendor::Aha => vec![(
            "api",
            Limits {
                per_second: Some(20),
                per_minute: Some(300),
                per_day: None,
            },
        )],
    }
}

impl Limiter {
    pub fn new(vendor: Vendor, mode: RateLimitMode, plan: ZoomPlan) -> Self {
        let buckets = vendor_buckets(vendor, plan)
            .into_iter()
            .map(|(name, documented)| Bucket {
                name,
                limits: match mode {
                    RateLimitMode::Vendor => documented,
                    RateLimitMode::Off => Limits::default(),
                    RateLimitMode::PerSecond(n) => qps(n, None),
                    RateLimitMode::Custom(l) => l,
                },
                counts: [(i64::MIN, 0); 3],
            })
            .collect();
        Limiter { buckets }
    }

    pub fn check(&mut self, bucket: usize, now_ms: i64) -> Verdict {
        let Some(b) = self.buckets.get_mut(bucket) else {
            return Verdict::Allowed(None);
        };
        // Largest window first: a spent daily cap is what the vendor reports.
        let windows = [
            (Window::Day, DAY, b.limits.per_day, 2),
            (Window::Minute, MINUTE, b.limits.per_minute, 1),
            (Window::Second, SECOND, b.limits.per_second, 0),
        ];
        let mut shown: Option<Info> = None;
        for (window, len, limit, slot) in windows {
            let Some(limit) = limit else { continue };
            let id = now_ms.div_euclid(len);
            let used = if b.counts[slot].0 == id {
                b.counts[slot].1
            } else {
                0
            };
            let reset_at_ms = (id + 1) * len;
            let info = Info {
                bucket: b.name,
                window,
                limit,
                remaining: limit.saturating_sub(used + 1),
                reset_in_ms: reset_at_ms - now_ms,
                reset_at_ms,
            };
            if used >= limit {
                return Verdict::Denied(Info {
                    remaining: 0,
                    ..info
                });
            }
            shown.get_or_insert(info);
        }
        for (slot, len) in [(0, SECOND), (1, MINUTE), (2, DAY)] {
            let id = now_ms.div_euclid(len);
            if b.counts[slot].0 == id {
                b.counts[slot].1 += 1;
            } else {
                b.counts[slot] = (id, 1);
            }
        }
        Verdict::Allowed(shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_window_resets_and_daily_cap_wins() {
        let mut l = Limiter::new(Vendor::GoTo, RateLimitMode::Vendor, ZoomPlan::Pro);
        for _ in 0..10 {
            assert!(matches!(l.check(0, 5_000), Verdict::Allowed(Some(_))));
        }
        assert!(matches!(
            l.check(0, 5_999),
            Verdict::Denied(Info {
                window: Window::Second,
                ..
            })
        ));
        assert!(
            matches!(l.check(1, 5_999), Verdict::Allowed(_)),
            "other API, own bucket"
        );
        assert!(matches!(l.check(0, 6_000), Verdict::Allowed(_)));

        let custom = Limits {
            per_second: Some(100),
            per_minute: None,
            per_day: Some(2),
        };
        let mut l = Limiter::new(Vendor::Zoom, RateLimitMode::Custom(custom), ZoomPlan::Pro);
        assert!(matches!(l.check(2, 0), Verdict::Allowed(_)));
        assert!(matches!(l.check(2, 10), Verdict::Allowed(_)));
        assert!(matches!(
            l.check(2, 20),
            Verdict::Denied(Info {
                window: Window::Day,
                ..
            })
        ));
        assert!(matches!(l.check(2, DAY), Verdict::Allowed(_)));
    }
}
