//! The ground truth a test compares a sync against. Built on demand from the tenant, so
//! it costs nothing until asked for.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Vendor;

/// A licensed product (what the main app calls a subscription's kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// Zoom `type` 2, "Licensed".
    ZoomMeetings,
    /// Zoom `feature.webinar` add-on.
    ZoomWebinar,
    /// GoTo products as listed in `products[]`: G2M, G2W, G2C, G2T, G2A, OpenVoice.
    GoToMeeting,
    GoToWebinar,
    GoToConnect,
    GoToTraining,
    GoToAssist,
    OpenVoice,
    /// Aha! `paid_seat`.
    AhaRoadmaps,
}

impl Product {
    pub fn vendor(self) -> Vendor {
        match self {
            Product::ZoomMeetings | Product::ZoomWebinar => Vendor::Zoom,
            Product::GoToMeeting
            | Product::GoToWebinar
            | Product::GoToConnect
            | Product::GoToTraining
            | Product::GoToAssist
            | Product::OpenVoice => Vendor::GoTo,
            Product::AhaRoadmaps => Vendor::Aha,
        }
    }

    /// The vendor's own code: GoTo `products[]` values; descriptive names for the others.
    pub fn code(self) -> &'static str {
        match self {
            Product::ZoomMeetings => "MEETING",
            Product::ZoomWebinar => "WEBINAR",
            Product::GoToMeeting => "G2M",
            Product::GoToWebinar => "G2W",
            Product::GoToConnect => "G2C",
            Product::GoToTraining => "G2T",
            Product::GoToAssist => "G2A",
            Product::OpenVoice => "OpenVoice",
            Product::AhaRoadmaps => "ROADMAPS",
        }
    }

    /// The products of a vendor, in the order of the tenant's licence bits.
    pub fn of(vendor: Vendor) -> &'static [Product] {
        match vendor {
            Vendor::Zoom => &[Product::ZoomMeetings, Product::ZoomWebinar],
            Vendor::GoTo => &[
                Product::GoToMeeting,
                Product::GoToWebinar,
                Product::GoToConnect,
                Product::GoToTraining,
                Product::GoToAssist,
                Product::OpenVoice,
            ],
            Vendor::Aha => &[Product::AhaRoadmaps],
        }
    }

    pub(crate) fn bit(self) -> usize {
        Product::of(self.vendor())
            .iter()
            .position(|p| *p == self)
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    Member,
    /// Zoom role "Admin", GoTo `adminRoles` without SUPER_USER, Aha! `administrator`.
    Admin,
    /// Zoom account owner, GoTo SUPER_USER, Aha! account administrator with every
    /// `administrator_roles` flag.
    Owner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Zoom `active`; every GoTo user; Aha! `enabled: true`.
    Active,
    /// Zoom `inactive` (deactivated); Aha! `enabled: false`.
    Inactive,
    /// Zoom `pending` (invited, never joined).
    Pending,
}

/// One licence a user holds right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub product: Product,
    /// GoTo `licenseKeys[]` entry that grants the product; `None` elsewhere.
    pub license_key: Option<String>,
    /// The latest activity the vendor records for this product, of any age (events go back
    /// at most a year). `None` = never used, or a product without an activity API
    /// (GoToTraining, GoToAssist, OpenVoice). What counts is listed in the crate README.
    pub last_activity: Option<DateTime<Utc>>,
    /// `last_activity` if the vendor's activity endpoints can still report it (Zoom reports
    /// reach 6 months back), else `None`: exactly what a connector that reads every allowed
    /// window finds.
    pub reportable_last_activity: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthUser {
    /// Zoom user `id`, GoTo `key` (userKey = organizerKey) or Aha! `id`, as served.
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    /// Zoom `last_login_time` (latest sign-in in `/report/activities`); `None` elsewhere.
    pub last_login: Option<DateTime<Utc>>,
    pub subscriptions: Vec<Subscription>,
}

impl TruthUser {
    pub fn subscription(&self, product: Product) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.product == product)
    }
}

/// A licence the simulator took away because a client asked it to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reclaim {
    pub user_id: String,
    pub email: String,
    pub product: Product,
    pub license_key: Option<String>,
    pub at: DateTime<Utc>,
    /// The request that did it, e.g. `PATCH /v2/users/{id}`.
    pub request: String,
}

/// One request the simulator answered (control requests excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// Time spent inside the simulator, including injected delays.
    pub server_micros: u64,
}

/// A typed snapshot of the simulator's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    pub vendor: Vendor,
    /// The simulator clock when the snapshot was taken.
    pub now: DateTime<Utc>,
    pub users: Vec<TruthUser>,
    pub reclaimed: Vec<Reclaim>,
    pub requests: Vec<RequestRecord>,
}

impl Truth {
    pub fn user(&self, id: &str) -> Option<&TruthUser> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn holders(&self, product: Product) -> impl Iterator<Item = &TruthUser> {
        self.users
            .iter()
            .filter(move |u| u.subscription(product).is_some())
    }

    /// Holders of `product` with no activity in the last `days` days of the simulator
    /// clock: never active, or last active before `now - days`.
    pub fn inactive(&self, product: Product, days: i64) -> Vec<&TruthUser> {
        let cutoff = self.now - Duration::days(days);
        self.holders(product)
            .filter(|u| {
                u.subscription(product)
                    .and_then(|s| s.last_activity)
                    .is_none_or(|t| t < cutoff)
            })
            .collect()
    }
}
