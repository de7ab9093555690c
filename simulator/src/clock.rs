//! The simulator's clock: the tenant's "today" plus real elapsed time plus whatever a test
//! skipped with `advance`. Token, code and page-token expiry and report windows read it, so
//! a test can expire a token without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

pub(crate) struct Clock {
    anchor_ms: i64,
    started: Instant,
    skipped_ms: AtomicI64,
}

impl Clock {
    pub fn new(anchor: DateTime<Utc>) -> Self {
        Clock {
            anchor_ms: anchor.timestamp_millis(),
            started: Instant::now(),
            skipped_ms: AtomicI64::new(0),
        }
    }

    /// The instant the tenant was generated against.
    pub fn anchor_secs(&self) -> i64 {
        self.anchor_ms.div_euclid(1000)
    }

    pub fn now_ms(&self) -> i64 {
        let elapsed = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX / 4);
        self.anchor_ms + elapsed + self.skipped_ms.load(Ordering::Relaxed)
    }

    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }

    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4);
        self.skipped_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

pub(crate) fn ts(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// `2026-08-30T14:02:11Z`, the format Zoom and GoTo use.
pub(crate) fn iso(secs: i64) -> String {
    ts(secs).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2026-07-14T10:22:00.000Z`, the format Aha! uses.
pub(crate) fn iso_millis(secs: i64) -> String {
    ts(secs).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
