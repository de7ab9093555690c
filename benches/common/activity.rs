//! Activity events for the benches: Zoom hosting events over a profile's open seats, made
//! batch by batch so the bench's own memory stays out of the server's figures, and the
//! process's resident memory.

use chrono::{DateTime, Utc};
use entity::enums::ActivityKind;
use entity::software_subscription as sub;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use seatkeeper::connectors::ActivityRecord;

/// Events per stored batch: what one connector batch would hand the pull.
pub const EVENT_BATCH: usize = 1_000;
const MEETINGS: &str = "ZOOM_MEETINGS_LICENSED";
const WEBINAR: &str = "ZOOM_WEBINAR";

/// (vendor user, user principal name, what they host) of the profile's open Zoom Meetings
/// and Webinar seats.
pub async fn zoom_holders(
    db: &DatabaseConnection,
    profile: i64,
) -> Vec<(String, String, ActivityKind)> {
    let holders = sub::Entity::find()
        .select_only()
        .columns([
            sub::Column::ExternalUserId,
            sub::Column::UserPrincipalName,
            sub::Column::Identifier,
        ])
        .filter(sub::Column::ProfileId.eq(profile))
        .filter(sub::Column::ClosedAt.is_null())
        .into_tuple::<(String, String, String)>();
    let holders = seatkeeper::db::all_streamed(holders, db).await.unwrap();
    holders
        .into_iter()
        .filter_map(|(user, upn, id)| match id.as_str() {
            MEETINGS => Some((user, upn, ActivityKind::MeetingHosted)),
            WEBINAR => Some((user, upn, ActivityKind::WebinarHosted)),
            _ => None,
        })
        .collect()
}

/// `count` events over `holders` in batches of [`EVENT_BATCH`]: per holder a run of
/// distinct hosted meetings or webinars at pseudo-random times within the year before
/// `now` (whole seconds, as vendors report). The same arguments give the same events.
pub fn zoom_events(
    holders: &[(String, String, ActivityKind)],
    count: usize,
    now: DateTime<Utc>,
    seed: u64,
) -> impl Iterator<Item = Vec<ActivityRecord>> + '_ {
    let mut x: u64 = seed | 1;
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= count {
            return None;
        }
        let end = (i + EVENT_BATCH).min(count);
        let mut batch = Vec::with_capacity(end - i);
        while i < end {
            let (user, upn, kind) = &holders[i % holders.len()];
            // xorshift: spread over a year, to the second; (user, kind, time) stays unique.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let round = (i / holders.len()) as i64;
            assert!(round < 32, "too few holders for distinct event times");
            let secs = (x % (364 * 86_400 / 32)) as i64 * 32 + round;
            batch.push(ActivityRecord {
                external_user_id: user.clone(),
                user_principal_name: Some(upn.clone()),
                kind: *kind,
                occurred_at: now - chrono::Duration::seconds(secs),
                source: "bench".into(),
                external_ref: Some(format!("m{i}")),
            });
            i += 1;
        }
        Some(batch)
    })
}

/// Now, to the whole second.
pub fn now_in_seconds() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap()
}

/// (current, peak) resident memory of this process in MiB, from /proc/self/status.
pub fn rss_mib() -> (u64, u64) {
    let path = "/proc/self/status";
    (status_mib(path, "VmRSS:"), status_mib(path, "VmHWM:"))
}

/// A memory field of a /proc/…/status file in MiB (0 when unreadable).
pub fn status_mib(path: &str, field: &str) -> u64 {
    let status = std::fs::read_to_string(path).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

/// Starts a new peak (the kernel resets VmHWM to the current RSS on "5" > clear_refs) and
/// returns the current RSS.
pub fn reset_peak() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    rss_mib().0
}

pub fn print_peak(part: &str, before: u64) {
    println!(
        "  peak RSS during {part}: {} MiB (the bench process: the server and, for an ingest, the holders the bench makes events for; {before} MiB before it)",
        rss_mib().1
    );
}
