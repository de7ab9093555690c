//! The links of a notice: keep and release for the holder (expiring at the reclaim date),
//! approve and reject for the rule's approver. Signed with a key derived from the master
//! key, bound to one candidate and one action. A token is
//! `{candidate}.{k|r|a|x}.{expires unix}.{signature}`; nothing else is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    /// The holder keeps the seat (an approver decides).
    Keep,
    /// The holder gives the seat back now.
    Release,
    /// The approver lets the reclaim go ahead (now).
    Approve,
    /// The approver lets the holder keep the seat.
    Reject,
}

impl LinkAction {
    fn code(self) -> &'static str {
        match self {
            LinkAction::Keep => "k",
            LinkAction::Release => "r",
            LinkAction::Approve => "a",
            LinkAction::Reject => "x",
        }
    }

    /// Whether the holder (not an approver) follows it.
    pub fn is_holders(self) -> bool {
        matches!(self, LinkAction::Keep | LinkAction::Release)
    }
}

/// A verified link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub candidate_id: i64,
    pub action: LinkAction,
    pub expires_at: DateTime<Utc>,
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// Not a link this server signed (altered, truncated, or another server's).
    Forged,
    /// Signed, but past its reclaim date.
    Expired(DateTime<Utc>),
}

fn mac(key: &[u8; 32], purpose: &str, payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(payload.as_bytes());
    mac
}

/// The token of a link.
pub fn sign(
    key: &[u8; 32],
    candidate_id: i64,
    action: LinkAction,
    expires: DateTime<Utc>,
) -> String {
    let payload = format!("{candidate_id}.{}.{}", action.code(), expires.timestamp());
    let sig = B64.encode(mac(key, "link", &payload).finalize().into_bytes());
    format!("{payload}.{sig}")
}

/// Checks a token's signature, then its expiry as of `now`.
pub fn verify(key: &[u8; 32], token: &str, now: DateTime<Utc>) -> Result<Link, LinkError> {
    let (payload, sig) = token.rsplit_once('.').ok_or(LinkError::Forged)?;
    let sig = B64.decode(sig).map_err(|_| LinkError::Forged)?;
    mac(key, "link", payload)
        .verify_slice(&sig)
        .map_err(|_| LinkError::Forged)?;
    let mut parts = payload.split('.');
    let (Some(id), Some(action), Some(expires), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(LinkError::Forged);
    };
    let candidate_id = id.parse().map_err(|_| LinkError::Forged)?;
    let action = match action {
        "k" => LinkAction::Keep,
        "r" => LinkAction::Release,
        "a" => LinkAction::Approve,
        "x" => LinkAction::Reject,
        _ => return Err(LinkError::Forged),
    };
    let expires_at = expires
        .parse()
        .ok()
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .ok_or(LinkError::Forged)?;
    if now >= expires_at {
        return Err(LinkError::Expired(expires_at));
    }
    Ok(Link {
        candidate_id,
        action,
        expires_at,
    })
}

/// The anti-forgery value the link's page puts in its form; only that page's POST acts.
pub fn form_token(key: &[u8; 32], token: &str) -> String {
    B64.encode(mac(key, "form", token).finalize().into_bytes())
}

/// Whether `given` is the form token of `token`.
pub fn form_token_matches(key: &[u8; 32], token: &str, given: &str) -> bool {
    B64.decode(given)
        .is_ok_and(|sig| mac(key, "form", token).verify_slice(&sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_link_verifies_until_it_expires_and_not_after_any_change() {
        let now = Utc::now();
        let token = sign(&KEY, 42, LinkAction::Keep, now + Duration::days(3));
        let link = verify(&KEY, &token, now).unwrap();
        assert_eq!((link.candidate_id, link.action), (42, LinkAction::Keep));
        assert!(matches!(
            verify(&KEY, &token, now + Duration::days(4)),
            Err(LinkError::Expired(_))
        ));
        let other_action = token.replacen(".k.", ".r.", 1);
        assert_eq!(verify(&KEY, &other_action, now), Err(LinkError::Forged));
        let other_candidate = token.replacen("42.", "43.", 1);
        assert_eq!(verify(&KEY, &other_candidate, now), Err(LinkError::Forged));
        assert_eq!(verify(&[8; 32], &token, now), Err(LinkError::Forged));
        assert_eq!(verify(&KEY, "nonsense", now), Err(LinkError::Forged));
    }

    #[test]
    fn the_form_token_belongs_to_its_link() {
        let now = Utc::now();
        let a = sign(&KEY, 1, LinkAction::Release, now + Duration::days(1));
        let b = sign(&KEY, 2, LinkAction::Release, now + Duration::days(1));
        assert!(form_token_matches(&KEY, &a, &form_token(&KEY, &a)));
        assert!(!form_token_matches(&KEY, &a, &form_token(&KEY, &b)));
        assert!(!form_token_matches(&KEY, &a, "x"));
    }
}
