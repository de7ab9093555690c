//! Deterministic tenant generation: each user draws from its own generator seeded by
//! (seed, index), so generation is one linear pass and any user can be recomputed alone.

use super::ids::Ids;
use super::names::{COMPANIES, FIRST, LAST, WORKSPACES};
use super::{BUNDLE, STREAMS, TYPE_4, TYPE_99, Tenant, User, status_index};
use crate::config::Vendor;
use crate::rng::{Rng, hash3, mix};
use crate::truth::{Product, UserRole, UserStatus};

const DAY: i64 = 86_400;

/// When a user was last active, as a bucket: the last week, month, quarter, year, or never.
#[derive(Clone, Copy)]
enum Recency {
    Week,
    Month,
    Quarter,
    Year,
    Never,
}

const RECENCIES: [Recency; 5] = [
    Recency::Week,
    Recency::Month,
    Recency::Quarter,
    Recency::Year,
    Recency::Never,
];

/// Weights over `RECENCIES`.
const ESTABLISHED: [u32; 5] = [35, 20, 15, 12, 18];
const NEW_ACCOUNT: [u32; 5] = [50, 0, 0, 0, 50];
const WEBINAR: [u32; 5] = [10, 25, 25, 20, 20];
const CALLS: [u32; 5] = [60, 15, 8, 7, 10];
const SIGN_IN: [u32; 5] = [45, 20, 10, 10, 15];

fn draw(r: &mut Rng, weights: &[u32; 5], created: i64, anchor: i64) -> u32 {
    let ago = match RECENCIES[r.weighted(weights)] {
        Recency::Week => r.below(7 * DAY as u64) as i64,
        Recency::Month => 7 * DAY + r.below(23 * DAY as u64) as i64,
        Recency::Quarter => 30 * DAY + r.below(60 * DAY as u64) as i64,
        Recency::Year => 90 * DAY + r.below(275 * DAY as u64) as i64,
        Recency::Never => return 0,
    };
    let mut t = anchor - ago;
    if t < created {
        // A young account cannot have been active before it existed.
        t = created + r.below((anchor - created).max(1) as u64) as i64;
    }
    // Every event has ended by "today" (the longest lasts two hours), so the truth never
    // names a meeting that the vendor, which omits running ones, would not report.
    t.min(anchor - 3 * 3600) as u32
}

impl Tenant {
    pub fn generate(vendor: Vendor, n: usize, seed: u64, anchor: i64) -> Tenant {
        let company = COMPANIES[(mix(seed) % COMPANIES.len() as u64) as usize];
        let domain = format!("{company}{}.example.com", seed % 1000);
        let salt = match vendor {
            Vendor::Zoom => 0x200,
            Vendor::GoTo => 0x300,
            Vendor::Aha => 0x400,
        };
        let mut users = Vec::with_capacity(n);
        let mut by_status: [Vec<u32>; 3] = Default::default();
        let mut holders = [0u32; 8];
        for idx in 0..n {
            let u = generate_user(
                vendor,
                &mut Rng::new(hash3(seed, idx as u64, salt)),
                idx,
                anchor,
            );
            by_status[status_index(u.status)].push(idx as u32);
            for (bit, h) in holders.iter_mut().enumerate() {
                *h += u32::from(u.licenses >> bit & 1);
            }
            users.push(u);
        }
        let seats = holders.map(|h| h + (h / 20).max(1));
        Tenant {
            vendor,
            seed,
            anchor,
            company,
            domain,
            ids: Ids::new(seed, n as u32),
            users,
            by_status,
            holders,
            seats,
            limits: [None; 8],
            foreign: None,
            reclaims: Vec::new(),
            recorded: Default::default(),
        }
    }
}

fn generate_user(vendor: Vendor, r: &mut Rng, idx: usize, anchor: i64) -> User {
    let role = match idx {
        0 => UserRole::Owner,
        1 => UserRole::Admin,
        _ if r.chance(0.01) => UserRole::Admin,
        _ => UserRole::Member,
    };
    let privileged = role != UserRole::Member;
    let new_account = !privileged && r.chance(0.05);
    let created = if new_account {
        anchor - r.below(30 * DAY as u64) as i64
    } else {
        anchor - 60 * DAY - r.below(5 * 365 * DAY as u64) as i64
    };
    let recency = if new_account {
        &NEW_ACCOUNT
    } else {
        &ESTABLISHED
    };
    let mut u = User {
        created: created as u32,
        updated: created as u32,
        last: [0; STREAMS],
        first: r.below(FIRST.len() as u64) as u8,
        surname: r.below(LAST.len() as u64) as u8,
        role,
        status: UserStatus::Active,
        licenses: 0,
        flags: 0,
        roles: 0,
    };
    match vendor {
        Vendor::Zoom => zoom_user(&mut u, r, recency, anchor),
        Vendor::GoTo => goto_user(&mut u, r, recency, anchor),
        Vendor::Aha => aha_user(&mut u, r, recency, anchor),
    }
    u.updated = u.updated.max(u.created);
    u
}

fn bit(p: Product) -> u8 {
    1 << p.bit()
}

fn zoom_user(u: &mut User, r: &mut Rng, recency: &[u32; 5], anchor: i64) {
    let created = i64::from(u.created);
    let privileged = u.role != UserRole::Member;
    if !privileged {
        u.status = match r.below(100) {
            0..=2 => UserStatus::Inactive,
            3..=4 => UserStatus::Pending,
            _ => UserStatus::Active,
        };
    }
    if u.status == UserStatus::Pending {
        // Invited, never joined: Basic, no activity.
        return;
    }
    let licensed = u.status == UserStatus::Active && (privileged || r.chance(0.7));
    if licensed {
        u.licenses |= bit(Product::ZoomMeetings);
        if r.chance(0.03) && !privileged {
            u.flags |= BUNDLE;
        }
        if u.role == UserRole::Owner || r.chance(0.12) {
            u.licenses |= bit(Product::ZoomWebinar);
            u.last[1] = draw(r, &WEBINAR, created, anchor);
        }
    } else if u.status == UserStatus::Active {
        match r.below(100) {
            0 => u.flags |= TYPE_4,
            1 => u.flags |= TYPE_99,
            _ => {}
        }
    }
    // Basic users host meetings too (40-minute limit); only holders' activity is truth.
    u.last[0] = draw(r, recency, created, anchor);
    let signed_in = draw(r, &SIGN_IN, created, anchor);
    u.last[2] = signed_in.max(u.last[0]).max(u.last[1]);
}

fn goto_user(u: &mut User, r: &mut Rng, recency: &[u32; 5], anchor: i64) {
    let created = i64::from(u.created);
    let owner = u.role == UserRole::Owner;
    if owner || r.chance(0.7) {
        u.licenses |= bit(Product::GoToMeeting);
        u.last[0] = draw(r, recency, created, anchor);
        if r.chance(0.15) {
            u.licenses |= bit(Product::OpenVoice);
        }
    }
    if owner || r.chance(0.2) {
        u.licenses |= bit(Product::GoToWebinar);
        u.last[1] = draw(r, &WEBINAR, created, anchor);
    }
    if owner || r.chance(0.3) {
        u.licenses |= bit(Product::GoToConnect);
        u.last[2] = draw(r, &CALLS, created, anchor);
    }
    if r.chance(0.05) {
        u.licenses |= bit(Product::GoToTraining);
    }
    if r.chance(0.05) {
        u.licenses |= bit(Product::GoToAssist);
    }
}

/// Aha! roles: index into `aha::ROLES` (1 Owner, 2 Contributor, 3 Developer, 4 Reviewer,
/// 5 Viewer); weights below.
const ROLE_WEIGHTS: [u32; 5] = [10, 45, 5, 20, 20];

pub(crate) fn aha_paid(roles: u16, role: UserRole, status: UserStatus) -> bool {
    let paid_role = (0..WORKSPACES.len()).any(|w| matches!(roles >> (4 * w) & 0xF, 1..=3));
    status == UserStatus::Active && (role != UserRole::Member || paid_role)
}

fn aha_user(u: &mut User, r: &mut Rng, recency: &[u32; 5], anchor: i64) {
    let privileged = u.role != UserRole::Member;
    if !privileged && r.chance(0.05) {
        u.status = UserStatus::Inactive;
    }
    let count = 1 + r.below(3) as usize;
    let start = r.below(WORKSPACES.len() as u64) as usize;
    for k in 0..count {
        let w = (start + k) % WORKSPACES.len();
        let role = if privileged && k == 0 {
            1
        } else {
            1 + r.weighted(&ROLE_WEIGHTS) as u16
        };
        u.roles |= role << (4 * w);
    }
    if aha_paid(u.roles, u.role, u.status) {
        u.licenses |= bit(Product::AhaRoadmaps);
    }
    u.last[0] = draw(r, recency, i64::from(u.created), anchor);
    u.updated = u.last[0].max(u.created + (anchor as u32 - u.created) / 3);
}
