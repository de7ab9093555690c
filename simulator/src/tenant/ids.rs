//! Vendor ids computed from a user's index, and back, so a lookup by id needs no map and the
//! tenant holds a single copy of the users.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::rng::mix;

const ZOOM_MUL: u64 = 0xD6E8_FEB8_6659_FD93;

/// Multiplicative inverse modulo 2^64 (Newton's iteration doubles the correct bits each step).
const fn inverse(m: u64) -> u64 {
    let mut inv = m;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m.wrapping_mul(inv)));
        i += 1;
    }
    inv
}

const ZOOM_INV: u64 = inverse(ZOOM_MUL);
const GOTO_BASE: u64 = 7_120_000_000_000_000_000;
const AHA_BASE: u64 = 6_776_000_000_000_000_000;
const LICENSE_BASE: u64 = 9_000_000_000_000_000_000;

#[derive(Clone, Copy)]
pub(crate) struct Ids {
    seed: u64,
    n: u32,
}

impl Ids {
    pub fn new(seed: u64, n: u32) -> Self {
        Ids { seed, n }
    }

    /// A 22-character URL-safe id like Zoom's: 8 bytes that invert to the index and 8 bytes
    /// of checksum so that a made-up id is rejected.
    pub fn zoom(&self, idx: u32) -> String {
        let x = (u64::from(idx) ^ mix(self.seed)).wrapping_mul(ZOOM_MUL);
        let check = mix(x ^ self.seed);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&x.to_be_bytes());
        bytes[8..].copy_from_slice(&check.to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn parse_zoom(&self, id: &str) -> Option<u32> {
        if id.len() != 22 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
        let x = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let check = u64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?);
        if check != mix(x ^ self.seed) {
            return None;
        }
        let idx = x.wrapping_mul(ZOOM_INV) ^ mix(self.seed);
        self.in_range(idx)
    }

    fn in_range(&self, idx: u64) -> Option<u32> {
        u32::try_from(idx).ok().filter(|i| *i < self.n)
    }

    fn offset(&self) -> u64 {
        (self.seed % 100_000) * 10_000_000
    }

    /// GoTo userKey (also the organizerKey): a large integer, sequential like the vendor's.
    pub fn goto(&self, idx: u32) -> u64 {
        GOTO_BASE + self.offset() + u64::from(idx)
    }

    pub fn parse_goto(&self, key: &str) -> Option<u32> {
        let v: u64 = key.parse().ok()?;
        self.in_range(v.checked_sub(GOTO_BASE + self.offset())?)
    }

    /// Aha! user id: a long numeric string.
    pub fn aha(&self, idx: u32) -> u64 {
        AHA_BASE + self.offset() + u64::from(idx) * 7
    }

    pub fn parse_aha(&self, id: &str) -> Option<u32> {
        let v: u64 = id.parse().ok()?;
        let d = v.checked_sub(AHA_BASE + self.offset())?;
        if d % 7 != 0 {
            return None;
        }
        self.in_range(d / 7)
    }

    /// GoTo license key for the product at `bit`.
    pub fn license(&self, bit: usize) -> u64 {
        LICENSE_BASE + (self.seed % 1000) * 1000 + bit as u64 + 1
    }

    pub fn parse_license(&self, key: &str) -> Option<usize> {
        let v: u64 = key.parse().ok()?;
        let bit = v.checked_sub(LICENSE_BASE + (self.seed % 1000) * 1000 + 1)?;
        usize::try_from(bit).ok().filter(|b| *b < 8)
    }

    /// Zoom meeting/webinar or GoTo session id, unique per user, stream and sequence.
    pub fn event(&self, idx: u32, stream: usize, seq: u32) -> u64 {
        80_000_000_000
            + (mix(self.seed ^ (u64::from(idx) << 20) ^ ((stream as u64) << 56) ^ u64::from(seq))
                % 9_000_000_000)
    }

    pub fn event_uuid(&self, idx: u32, stream: usize, seq: u32) -> String {
        let a = mix(self.seed ^ u64::from(idx) ^ ((stream as u64) << 40) ^ (u64::from(seq) << 8));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&mix(a).to_be_bytes());
        // Zoom meeting UUIDs are standard base64 and end in "==".
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_forgeries() {
        let ids = Ids::new(42, 100_000);
        for idx in [0u32, 1, 99_999, 12_345] {
            assert_eq!(ids.parse_zoom(&ids.zoom(idx)), Some(idx));
            assert_eq!(ids.parse_goto(&ids.goto(idx).to_string()), Some(idx));
            assert_eq!(ids.parse_aha(&ids.aha(idx).to_string()), Some(idx));
        }
        let mut forged = ids.zoom(5).into_bytes();
        forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(ids.parse_zoom(std::str::from_utf8(&forged).unwrap()), None);
        assert_eq!(ids.parse_goto(&ids.goto(100_000).to_string()), None);
        assert_eq!(ids.parse_license(&ids.license(3).to_string()), Some(3));
    }
}
