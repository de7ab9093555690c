//! The tenant: one compact record per user, everything else derived on demand.

pub(crate) mod activity;
mod generate;

pub(crate) use generate::aha_paid;
pub(crate) mod ids;
pub(crate) mod names;

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};

use crate::clock::ts;
use crate::config::Vendor;
use crate::rng::hash3;
use crate::truth::{Product, Reclaim, Subscription, TruthUser, UserRole, UserStatus};
use activity::Event;
use ids::Ids;
use names::{DEPTS, FIRST, LAST, TIMEZONES};

/// Activity streams per vendor: Zoom meetings, webinars, sign-ins; GoTo G2M meetings,
/// G2W sessions, G2C calls; Aha! `accessed_at` only.
pub(crate) const STREAMS: usize = 3;

/// Zoom flags.
pub(crate) const BUNDLE: u8 = 1;
pub(crate) const TYPE_4: u8 = 2;
pub(crate) const TYPE_99: u8 = 4;

/// ~28 bytes per user: 1M users fit in ~30 MB. Times are Unix seconds, 0 = never.
#[derive(Debug, Clone, Copy)]
pub(crate) struct User {
    pub created: u32,
    pub updated: u32,
    pub last: [u32; STREAMS],
    pub first: u8,
    pub surname: u8,
    pub role: UserRole,
    pub status: UserStatus,
    /// Bit i = `Product::of(vendor)[i]` held now.
    pub licenses: u8,
    pub flags: u8,
    /// Aha! role per workspace, 4 bits each (index into `aha::ROLES`, 0 = none).
    pub roles: u16,
}

pub(crate) struct Tenant {
    pub vendor: Vendor,
    pub seed: u64,
    /// Unix seconds the activity was generated against ("today").
    pub anchor: i64,
    pub company: &'static str,
    pub domain: String,
    pub ids: Ids,
    pub users: Vec<User>,
    /// User indices per status (Active, Inactive, Pending), for Zoom's `status` filter.
    pub by_status: [Vec<u32>; 3],
    /// Current holders and purchased seats per licence bit.
    pub holders: [u32; 8],
    pub seats: [u32; 8],
    /// Seat limits set through `SimConfig::seat_limit` or the control API; each replaces
    /// the purchased count of its licence bit.
    pub limits: [Option<u32>; 8],
    /// GoTo's licence for a product outside Seatkeeper's catalog, if configured.
    pub foreign: Option<Foreign>,
    pub reclaims: Vec<Reclaim>,
    /// Activity recorded while running, per (user, stream), newest first.
    pub recorded: BTreeMap<(u32, usize), Vec<Event>>,
}

/// A licence for a product no catalog of Seatkeeper's knows, and who holds it now.
pub(crate) struct Foreign {
    pub code: String,
    pub name: String,
    pub key: u64,
    pub seats: u32,
    pub holders: std::collections::BTreeSet<u32>,
}

impl Foreign {
    /// Licence bit 7 is no product's: the foreign licence's key comes from it.
    pub const BIT: usize = 7;

    pub fn holds(&self, idx: u32) -> bool {
        self.holders.contains(&idx)
    }
}

pub(crate) fn status_index(s: UserStatus) -> usize {
    match s {
        UserStatus::Active => 0,
        UserStatus::Inactive => 1,
        UserStatus::Pending => 2,
    }
}

impl Tenant {
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn user(&self, idx: u32) -> &User {
        &self.users[idx as usize]
    }

    pub fn first_name(&self, idx: u32) -> &'static str {
        FIRST[self.user(idx).first as usize % FIRST.len()]
    }

    pub fn last_name(&self, idx: u32) -> &'static str {
        LAST[self.user(idx).surname as usize % LAST.len()]
    }

    pub fn name(&self, idx: u32) -> String {
        format!("{} {}", self.first_name(idx), self.last_name(idx))
    }

    /// Unique by construction: the index is part of the local part.
    pub fn email(&self, idx: u32) -> String {
        let mut e = format!(
            "{}.{}{}@{}",
            self.first_name(idx),
            self.last_name(idx),
            idx,
            self.domain
        );
        e.make_ascii_lowercase();
        e
    }

    pub fn find_email(&self, email: &str) -> Option<u32> {
        let local = email.rsplit_once('@')?.0;
        let digits = local.len() - local.bytes().rev().take_while(u8::is_ascii_digit).count();
        let idx: u32 = local[digits..].parse().ok()?;
        ((idx as usize) < self.len() && self.email(idx).eq_ignore_ascii_case(email)).then_some(idx)
    }

    fn derived(&self, idx: u32, salt: u64) -> u64 {
        hash3(self.seed, u64::from(idx), salt)
    }

    pub fn dept(&self, idx: u32) -> &'static str {
        DEPTS[(self.derived(idx, 1) % DEPTS.len() as u64) as usize]
    }

    pub fn timezone(&self, idx: u32) -> &'static str {
        TIMEZONES[(self.derived(idx, 2) % TIMEZONES.len() as u64) as usize]
    }

    /// A number in `lo..lo+span` stable for the user (PMI, client version pick, ...).
    pub fn pick(&self, idx: u32, salt: u64, lo: u64, span: u64) -> u64 {
        lo + self.derived(idx, salt) % span
    }

    pub fn has(&self, idx: u32, product: Product) -> bool {
        self.user(idx).licenses & (1 << product.bit()) != 0
    }

    /// The user with this vendor id (as `id` returns it), pending Zoom users included.
    pub fn find_id(&self, id: &str) -> Option<u32> {
        match self.vendor {
            Vendor::Zoom => self.ids.parse_zoom(id),
            Vendor::GoTo => self.ids.parse_goto(id),
            Vendor::Aha => self.ids.parse_aha(id),
        }
    }

    /// Seats of `product` the account may fill: the limit if one is set, else the
    /// purchased count.
    pub fn seats_of(&self, product: Product) -> u32 {
        let bit = product.bit();
        self.limits[bit].unwrap_or(self.seats[bit])
    }

    /// Whether granting `product` to one more user stays within its seats. Only grants
    /// ask: a reclaim is never limited, and a limit below the holders takes no seat away.
    pub fn seat_free(&self, product: Product) -> bool {
        self.holders[product.bit()] < self.seats_of(product)
    }

    /// The vendor's id for the user, as a string.
    pub fn id(&self, idx: u32) -> String {
        match self.vendor {
            Vendor::Zoom => self.ids.zoom(idx),
            Vendor::GoTo => self.ids.goto(idx).to_string(),
            Vendor::Aha => self.ids.aha(idx).to_string(),
        }
    }

    /// Takes `product` away and records the reclaim; false when the user did not hold it.
    pub fn revoke(&mut self, idx: u32, product: Product, now: i64, request: &str) -> bool {
        if !self.has(idx, product) {
            return false;
        }
        let bit = product.bit();
        self.users[idx as usize].licenses &= !(1 << bit);
        self.users[idx as usize].updated = now as u32;
        self.holders[bit] = self.holders[bit].saturating_sub(1);
        let license_key = (self.vendor == Vendor::GoTo).then(|| self.ids.license(bit).to_string());
        self.reclaims.push(Reclaim {
            user_id: self.id(idx),
            email: self.email(idx),
            product,
            license_key,
            at: ts(now),
            request: request.to_string(),
        });
        true
    }

    pub fn grant(&mut self, idx: u32, product: Product, now: i64) {
        if self.has(idx, product) {
            return;
        }
        let bit = product.bit();
        self.users[idx as usize].licenses |= 1 << bit;
        self.users[idx as usize].updated = now as u32;
        self.holders[bit] += 1;
    }

    /// Which activity stream records use of `product`.
    pub fn stream_of(product: Product) -> Option<usize> {
        match product {
            Product::ZoomMeetings | Product::GoToMeeting | Product::AhaRoadmaps => Some(0),
            Product::ZoomWebinar | Product::GoToWebinar => Some(1),
            Product::GoToConnect => Some(2),
            Product::GoToTraining | Product::GoToAssist | Product::OpenVoice => None,
        }
    }

    /// Earliest instant the vendor's activity endpoints will report, at `now`.
    pub fn horizon(&self, product: Product, now: i64) -> Option<i64> {
        match product.vendor() {
            Vendor::Zoom => Some(report_floor(now)),
            Vendor::GoTo | Vendor::Aha => None,
        }
    }

    pub fn truth_users(&self, now: i64) -> Vec<TruthUser> {
        (0..self.len() as u32)
            .map(|idx| self.truth_user(idx, now))
            .collect()
    }

    fn truth_user(&self, idx: u32, now: i64) -> TruthUser {
        let u = self.user(idx);
        let subscriptions = Product::of(self.vendor)
            .iter()
            .filter(|p| self.has(idx, **p))
            .map(|p| {
                let last = match p {
                    // Only calls placed or answered count, never a missed one.
                    Product::GoToConnect => self
                        .events(idx, 2)
                        .find(|e| activity::placed_or_answered(e.kind))
                        .map(|e| e.start as u32),
                    _ => Tenant::stream_of(*p).map(|s| self.last_activity(idx, s)),
                }
                .filter(|t| *t != 0);
                let horizon = self.horizon(*p, now);
                Subscription {
                    product: *p,
                    license_key: (self.vendor == Vendor::GoTo)
                        .then(|| self.ids.license(p.bit()).to_string()),
                    last_activity: last.map(|t| ts(i64::from(t))),
                    reportable_last_activity: last
                        .filter(|t| horizon.is_none_or(|h| i64::from(*t) >= h))
                        .map(|t| ts(i64::from(t))),
                }
            })
            .collect();
        let signed_in = self.last_activity(idx, 2);
        let last_login =
            (self.vendor == Vendor::Zoom && signed_in != 0).then(|| ts(i64::from(signed_in)));
        TruthUser {
            id: self.id(idx),
            email: self.email(idx),
            name: self.name(idx),
            role: u.role,
            status: u.status,
            created_at: ts(i64::from(u.created)),
            last_login,
            subscriptions,
        }
    }
}

/// Zoom reports accept a `from` no earlier than the same date six months ago.
pub(crate) fn report_floor(now: i64) -> i64 {
    let today = ts(now).date_naive();
    let floor = today.checked_sub_months(Months::new(6)).unwrap_or(today);
    midnight(floor)
}

pub(crate) fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default()
}
