//! Activity events (meetings, webinars, sign-ins, calls) are never stored: each user's
//! events are replayed from a generator seeded by (seed, user, stream), newest first, ending
//! exactly at the user's stored last activity. A year of events for 1M users would not fit
//! the one-copy memory budget; replaying a user's month costs a few hundred nanoseconds.

use super::Tenant;
use crate::config::Vendor;
use crate::rng::{Rng, hash3};

const DAY: f64 = 86_400.0;
const YEAR: i64 = 365 * 86_400;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    pub start: i64,
    pub minutes: u32,
    pub participants: u32,
    /// Position in the user's stream, newest = 0; feeds event ids.
    pub seq: u32,
    /// A small per-event number for varied fields (meeting type, call direction, ...).
    pub kind: u32,
}

/// Mean gap between events and the (min, span) of duration and participants per stream.
struct Shape {
    gap_days: f64,
    minutes: (u32, u32),
    participants: (u32, u32),
}

fn shape(vendor: Vendor, stream: usize) -> Shape {
    match (vendor, stream) {
        (Vendor::Zoom | Vendor::GoTo, 0) => Shape {
            gap_days: 4.0,
            minutes: (15, 75),
            participants: (2, 10),
        },
        (Vendor::Zoom | Vendor::GoTo, 1) => Shape {
            gap_days: 21.0,
            minutes: (45, 75),
            participants: (20, 380),
        },
        (Vendor::Zoom, _) => Shape {
            gap_days: 3.0,
            minutes: (30, 570),
            participants: (1, 1),
        },
        (_, _) => Shape {
            gap_days: 1.0,
            minutes: (1, 29),
            participants: (2, 1),
        },
    }
}

pub(crate) struct Events {
    rng: Rng,
    next: i64,
    floor: i64,
    seq: u32,
    shape: Shape,
}

impl Iterator for Events {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.next < self.floor {
            return None;
        }
        let s = &self.shape;
        let e = Event {
            start: self.next,
            minutes: s.minutes.0 + self.rng.below(u64::from(s.minutes.1)) as u32,
            participants: s.participants.0 + self.rng.below(u64::from(s.participants.1)) as u32,
            seq: self.seq,
            kind: self.rng.below(1000) as u32,
        };
        // At least an hour apart so that events never overlap.
        let gap = self.rng.exp(s.gap_days * DAY).max(3_600.0) as i64;
        self.next -= gap;
        self.seq += 1;
        Some(e)
    }
}

impl Tenant {
    /// The user's events on `stream`, newest first; empty when never active.
    pub fn events(&self, idx: u32, stream: usize) -> Events {
        let u = self.user(idx);
        let last = u.last[stream];
        let floor = i64::from(u.created).max(self.anchor - YEAR);
        Events {
            rng: Rng::new(hash3(self.seed ^ 0xE5E5, u64::from(idx), stream as u64)),
            next: if last == 0 { i64::MIN } else { i64::from(last) },
            floor: if last == 0 {
                i64::MAX
            } else {
                floor.min(i64::from(last))
            },
            seq: 0,
            shape: shape(self.vendor, stream),
        }
    }

    /// Events with `from <= start < to`, oldest first.
    pub fn events_between(&self, idx: u32, stream: usize, from: i64, to: i64) -> Vec<Event> {
        let mut v: Vec<Event> = self
            .events(idx, stream)
            .take_while(|e| e.start >= from)
            .filter(|e| e.start < to)
            .collect();
        v.reverse();
        v
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Vendor;
    use crate::tenant::Tenant;

    #[test]
    fn the_newest_event_is_the_stored_last_activity() {
        let t = Tenant::generate(Vendor::Zoom, 500, 7, 1_780_000_000);
        for idx in 0..500u32 {
            for stream in 0..3 {
                let first = t.events(idx, stream).next().map(|e| e.start as u32);
                let last = t.user(idx).last[stream];
                assert_eq!(first.unwrap_or(0), last, "user {idx} stream {stream}");
                let starts: Vec<i64> = t.events(idx, stream).map(|e| e.start).collect();
                assert!(starts.windows(2).all(|w| w[0] > w[1]));
                assert!(
                    starts
                        .iter()
                        .all(|s| *s >= t.anchor - 365 * 86_400 || starts.len() == 1)
                );
            }
        }
    }
}
