//! One seat to reclaim or check at the vendor, and what the vendor says of it.

use chrono::{DateTime, Utc};

use super::{ActivityQuery, ActivityRecord, ProductInfo, UserRef};

/// One subscription to reclaim or check: the user and the product as its connector
/// declared it (no identifier string to parse again).
#[derive(Debug, Clone)]
pub struct ReclaimTarget {
    pub external_user_id: String,
    pub user_principal_name: String,
    pub product: &'static ProductInfo,
    /// Ask the vendor's exact per-user activity (where it has one) for qualifying use
    /// after this instant: the start of the window the seat was judged idle over.
    pub used_since: Option<DateTime<Utc>>,
}

impl ReclaimTarget {
    /// The per-user activity query `seat` makes for `used_since`, up to `until`.
    pub(crate) fn exact_query(&self, until: DateTime<Utc>) -> Option<(UserRef, ActivityQuery)> {
        let since = self.used_since.filter(|since| *since < until)?;
        let user = UserRef {
            external_user_id: self.external_user_id.clone(),
            user_principal_name: self.user_principal_name.clone(),
            identifiers: vec![self.product.identifier.to_owned()],
            since: None,
        };
        let query = ActivityQuery {
            since,
            until,
            users: Vec::new(),
        };
        Some((user, query))
    }

    /// The latest of `events` that counts as use of the target's product.
    pub(crate) fn last_use(&self, events: &[ActivityRecord]) -> Option<DateTime<Utc>> {
        events
            .iter()
            .filter(|e| self.product.activity.contains(&e.kind))
            .map(|e| e.occurred_at)
            .max()
    }
}

/// Whether a user still holds a product at the vendor, read just before a reclaim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatStatus {
    /// The user holds the product (and, where it matters, is enabled).
    pub held: bool,
    /// The last qualifying use the vendor reports: the user's own last-use date (Aha!
    /// `accessed_at`), or the latest in the exact per-user activity since the target's
    /// `used_since` (Zoom's per-user meeting report, GoTo's per-organizer history).
    pub last_used_at: Option<DateTime<Utc>>,
}
