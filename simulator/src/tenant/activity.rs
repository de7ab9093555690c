//! Activity events (meetings, webinars, sign-ins, calls) are never stored: each user's
//! events are replayed from a generator seeded by (seed, user, stream), newest first, ending
//! exactly at the user's stored last activity. A year of events for 1M users would not fit
//! the one-copy memory budget; replaying a user's month costs a few hundred nanoseconds.
//! Activity a test records while the simulator runs is the exception: those few events are
//! stored per user and stream and merged into the replay, so every endpoint serves them.

use std::iter::Peekable;

use super::Tenant;
use crate::config::Vendor;
use crate::rng::{Rng, hash3};

const DAY: f64 = 86_400.0;
const YEAR: i64 = 365 * 86_400;
/// Recorded events number their `seq` from here, far above any replayed position, so that
/// their meeting, webinar and session ids never repeat a replayed event's.
const RECORDED_SEQ: u32 = 1 << 30;
/// The Zoom sign-in stream.
const SIGN_IN: usize = 2;

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

impl Event {
    /// Recorded through `Tenant::record_use` rather than replayed.
    pub fn recorded(&self) -> bool {
        self.seq >= RECORDED_SEQ
    }
}

/// A GoTo Connect call with this `kind` was answered (about one in eight is missed).
pub(crate) fn answered(kind: u32) -> bool {
    kind % 8 != 7
}

/// A GoTo Connect call with this `kind` was placed by the user (the others came in).
pub(crate) fn outbound(kind: u32) -> bool {
    kind.is_multiple_of(2)
}

/// A GoTo Connect call that shows the line in use: one the user placed or answered. A
/// missed incoming call says nothing about the user.
pub(crate) fn placed_or_answered(kind: u32) -> bool {
    outbound(kind) || answered(kind)
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

/// Two newest-first event streams merged into one.
struct Merged<A: Iterator<Item = Event>, B: Iterator<Item = Event>> {
    replayed: Peekable<A>,
    recorded: Peekable<B>,
}

impl<A: Iterator<Item = Event>, B: Iterator<Item = Event>> Iterator for Merged<A, B> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        let newer_recorded = match (self.replayed.peek(), self.recorded.peek()) {
            (Some(a), Some(b)) => b.start > a.start,
            (None, _) => true,
            (Some(_), None) => false,
        };
        if newer_recorded {
            self.recorded.next()
        } else {
            self.replayed.next()
        }
    }
}

impl Tenant {
    /// The user's events on `stream`, replayed and recorded, newest first; empty when
    /// never active.
    pub fn events(&self, idx: u32, stream: usize) -> impl Iterator<Item = Event> + '_ {
        let recorded = self
            .recorded
            .get(&(idx, stream))
            .map_or(&[][..], Vec::as_slice);
        Merged {
            replayed: self.replayed(idx, stream).peekable(),
            recorded: recorded.iter().copied().peekable(),
        }
    }

    /// The newest event on `stream` (Unix seconds, 0 = never), recorded ones included.
    pub fn last_activity(&self, idx: u32, stream: usize) -> u32 {
        let recorded = self
            .recorded
            .get(&(idx, stream))
            .and_then(|v| v.first())
            .map_or(0, |e| e.start as u32);
        self.user(idx).last[stream].max(recorded)
    }

    /// Records that the user was active on `stream` at `at` (Unix seconds, at most `now`).
    /// A Zoom meeting or webinar also records a sign-in, because hosting needs a signed-in
    /// client and a generated user's last sign-in is never older than their last meeting.
    pub fn record_use(&mut self, idx: u32, stream: usize, at: i64, now: i64) {
        self.record_event(idx, stream, at, now);
        if self.vendor == Vendor::Zoom && stream != SIGN_IN {
            self.record_event(idx, SIGN_IN, at, now);
        }
    }

    fn record_event(&mut self, idx: u32, stream: usize, at: i64, now: i64) {
        let shape = shape(self.vendor, stream);
        let list = self.recorded.entry((idx, stream)).or_default();
        let n = list.len() as u32;
        let mut rng = Rng::new(hash3(
            self.seed ^ 0x4EC0_4D00,
            u64::from(idx),
            (stream as u64) << 32 | u64::from(n),
        ));
        let minutes = shape.minutes.0 + rng.below(u64::from(shape.minutes.1)) as u32;
        let participants = shape.participants.0 + rng.below(u64::from(shape.participants.1)) as u32;
        let mut kind = rng.below(1000) as u32;
        if !answered(kind) {
            // A recorded call is one the user placed or answered: a missed call is no use.
            kind -= 1;
        }
        let event = Event {
            start: at,
            // It has happened by the time it is recorded, so the endpoints that leave out
            // running meetings (GoTo's) report it at once, as they do every replayed event.
            minutes: minutes.min(((now - at).max(0) / 60) as u32),
            participants,
            seq: RECORDED_SEQ + n,
            kind,
        };
        let at_or_after = list.partition_point(|e| e.start >= at);
        list.insert(at_or_after, event);
    }

    /// The user's replayed (generated) events on `stream`, newest first.
    fn replayed(&self, idx: u32, stream: usize) -> Events {
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
    use super::answered;
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

    #[test]
    fn recorded_events_merge_into_the_replay_newest_first() {
        let mut t = Tenant::generate(Vendor::GoTo, 200, 7, 1_780_000_000);
        let idx = (0..200u32).find(|i| t.user(*i).last[2] != 0).unwrap();
        let last = i64::from(t.user(idx).last[2]);
        let replayed: Vec<i64> = t.events(idx, 2).map(|e| e.start).collect();
        for at in [last - 3_600, t.anchor, last - 86_400 * 2] {
            t.record_use(idx, 2, at, t.anchor);
        }
        let merged: Vec<_> = t.events(idx, 2).collect();
        assert_eq!(merged.len(), replayed.len() + 3);
        assert!(merged.windows(2).all(|w| w[0].start >= w[1].start));
        assert_eq!(merged[0].start, t.anchor);
        assert_eq!(merged[0].minutes, 0, "recorded at now: already over");
        assert_eq!(t.last_activity(idx, 2), t.anchor as u32);
        assert!(
            merged
                .iter()
                .filter(|e| e.recorded())
                .all(|e| answered(e.kind))
        );
        let replayed_again: Vec<i64> = merged
            .iter()
            .filter(|e| !e.recorded())
            .map(|e| e.start)
            .collect();
        assert_eq!(replayed_again, replayed, "the replay is untouched");
    }
}
