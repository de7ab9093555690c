//! Paging shared by the vendors: opaque, expiring cursor tokens (Zoom `next_page_token`,
//! GoTo Connect `pageMarker`), the page window under paging faults, and a small cache of
//! computed report lists so that paging through a report does not recompute it per page.

use std::ops::Range;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::faults::PagingFaults;
use crate::rng::{hash3, mix};

/// What a cursor token carries. The client sees only an opaque string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// Which list the token belongs to, so a token is not reusable across endpoints.
    pub list: u8,
    /// 1-based page number the token leads to.
    pub page: u32,
    pub offset: u32,
    /// Simulator seconds when issued (tokens expire).
    pub issued: i64,
    /// Hash of the query parameters that must stay unchanged while paging.
    pub query: u32,
}

pub(crate) fn query_hash(parts: &[&str]) -> u32 {
    parts.iter().fold(0x811C_9DC5u64, |h, p| mix(h ^ fnv(p))) as u32
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

pub(crate) fn encode(secret: u64, c: &Cursor) -> String {
    let mut b = [0u8; 21];
    b[0] = c.list;
    b[1..5].copy_from_slice(&c.page.to_be_bytes());
    b[5..9].copy_from_slice(&c.offset.to_be_bytes());
    b[9..13].copy_from_slice(&(c.issued as u32).to_be_bytes());
    b[13..17].copy_from_slice(&c.query.to_be_bytes());
    let mac = hash3(
        secret,
        u64::from_be_bytes(b[1..9].try_into().unwrap_or_default()),
        u64::from_be_bytes(b[9..17].try_into().unwrap_or_default()) ^ u64::from(c.list),
    ) as u32;
    b[17..21].copy_from_slice(&mac.to_be_bytes());
    URL_SAFE_NO_PAD.encode(b)
}

/// `None` for anything that was not issued by this simulator.
pub(crate) fn decode(secret: u64, token: &str) -> Option<Cursor> {
    let b = URL_SAFE_NO_PAD.decode(token).ok()?;
    if b.len() != 21 {
        return None;
    }
    let word = |r: Range<usize>| u32::from_be_bytes(b[r].try_into().unwrap_or_default());
    let c = Cursor {
        list: b[0],
        page: word(1..5),
        offset: word(5..9),
        issued: i64::from(word(9..13)),
        query: word(13..17),
    };
    (encode(secret, &c) == token).then_some(c)
}

/// Rows of one page: `[offset, offset + size)` clipped to `total`, reshaped by the paging
/// faults. The next page always starts at `offset + size`, so a fault never hides users
/// beyond the page it hits.
pub(crate) fn window(
    total: usize,
    offset: usize,
    size: usize,
    page: u32,
    faults: &PagingFaults,
) -> Range<usize> {
    let end = offset.saturating_add(size).min(total);
    let mut start = offset.min(end);
    if faults.empty_page == Some(page) {
        return start..start;
    }
    if let Some((p, count)) = faults.drop
        && p == page
    {
        start = (start + count as usize).min(end);
    }
    if page > 1 && faults.duplicate > 0 {
        start = start.saturating_sub(faults.duplicate as usize);
    }
    start..end
}

/// Keeps the last few computed lists (report rows for a window, say), keyed by query.
pub(crate) struct ListCache<T> {
    entries: Mutex<Vec<(String, Arc<Vec<T>>)>>,
}

impl<T> Default for ListCache<T> {
    fn default() -> Self {
        ListCache {
            entries: Mutex::new(Vec::new()),
        }
    }
}

const CACHED_LISTS: usize = 8;

impl<T> ListCache<T> {
    pub fn get_or_build(&self, key: String, build: impl FnOnce() -> Vec<T>) -> Arc<Vec<T>> {
        if let Some(hit) = self
            .lock()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
        {
            return hit;
        }
        // Built outside the lock: two racing builders waste work but never block each other.
        let built = Arc::new(build());
        let mut entries = self.lock();
        if entries.len() >= CACHED_LISTS {
            entries.remove(0);
        }
        entries.push((key, built.clone()));
        built
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, Arc<Vec<T>>)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let c = Cursor {
            list: 1,
            page: 3,
            offset: 600,
            issued: 1_780_000_000,
            query: 42,
        };
        let t = encode(9, &c);
        assert_eq!(decode(9, &t), Some(c));
        assert_eq!(decode(10, &t), None);
        assert_eq!(decode(9, "Wnx3bFh3Y2Zh"), None);
    }

    #[test]
    fn faults_shape_the_window() {
        let none = PagingFaults::default();
        assert_eq!(window(10, 8, 5, 2, &none), 8..10);
        let empty = PagingFaults {
            empty_page: Some(2),
            ..none
        };
        assert_eq!(window(10, 5, 5, 2, &empty), 5..5);
        let dropped = PagingFaults {
            drop: Some((1, 2)),
            ..none
        };
        assert_eq!(window(10, 0, 5, 1, &dropped), 2..5);
        let dup = PagingFaults {
            duplicate: 2,
            ..none
        };
        assert_eq!(window(10, 5, 5, 2, &dup), 3..10);
        assert_eq!(window(10, 0, 5, 1, &dup), 0..5);
    }
}
