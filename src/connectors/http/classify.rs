//! What a failed answer means: the class of a status, the vendor's code and message from
//! its error body, how long `Retry-After` says to wait, and the backoff otherwise.

use std::time::Duration;

use reqwest::StatusCode;

use crate::connectors::options::RetryPolicy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Unauthorized,
    NotFound,
    RateLimited,
    Transient,
    Permanent,
}

/// What a non-2xx status means for the caller.
pub(crate) fn classify(status: StatusCode) -> Class {
    match status.as_u16() {
        401 => Class::Unauthorized,
        404 => Class::NotFound,
        429 => Class::RateLimited,
        408 | 500..=599 => Class::Transient,
        _ => Class::Permanent,
    }
}

/// The vendor's code and message from an error body. Zoom `{"code":124,"message"}` and its
/// OAuth `{"error","reason"}`, GoTo `{"errorCode","message"}`, Aha!/Doorkeeper
/// `{"error","error_description"}` or `{"message"}`; anything else (HTML from a gateway,
/// nothing) gives the status text.
pub(crate) fn vendor_error(status: StatusCode, body: &[u8]) -> (Option<String>, String) {
    let fallback = || {
        format!(
            "HTTP {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_owned()
    };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
        return (None, fallback());
    };
    let text = |key: &str| match map.get(key) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let code = text("errorCode")
        .or_else(|| text("code"))
        .or_else(|| text("error"));
    let message = text("message")
        .or_else(|| text("error_description"))
        .or_else(|| text("reason"))
        .unwrap_or_else(fallback);
    (code, message)
}

/// `Retry-After`: delay seconds, an HTTP date, or (Zoom's daily cap) an ISO-8601 instant.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value)
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(value))
        .ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Exponential backoff with "equal jitter": half fixed, half random, so clients that failed
/// together do not retry together.
pub(crate) fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    use rand::Rng;
    let exp = policy
        .base_delay
        .saturating_mul(2u32.saturating_pow(retry.min(16)));
    let capped = exp.min(policy.max_delay);
    let half = capped / 2;
    half + half.mul_f64(rand::thread_rng().gen_range(0.0..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_by_what_to_do() {
        let c = |s: u16| classify(StatusCode::from_u16(s).unwrap());
        assert_eq!(c(401), Class::Unauthorized);
        assert_eq!(c(404), Class::NotFound);
        assert_eq!(c(429), Class::RateLimited);
        assert_eq!(c(503), Class::Transient);
        assert_eq!(c(500), Class::Transient);
        assert_eq!(c(400), Class::Permanent);
        assert_eq!(c(403), Class::Permanent);
    }

    #[test]
    fn vendor_error_bodies_give_code_and_message() {
        let s = StatusCode::UNAUTHORIZED;
        let zoom = br#"{"code":124,"message":"Invalid access token."}"#;
        assert_eq!(
            vendor_error(s, zoom),
            (Some("124".into()), "Invalid access token.".into())
        );
        let goto = br#"{"errorCode":"AUTHN_INVALID_TOKEN","message":"bad"}"#;
        assert_eq!(
            vendor_error(s, goto).0.as_deref(),
            Some("AUTHN_INVALID_TOKEN")
        );
        let aha = br#"{"error":"forbidden","error_description":"no"}"#;
        assert_eq!(
            vendor_error(s, aha),
            (Some("forbidden".into()), "no".into())
        );
        let zoom_oauth =
            br#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#;
        assert_eq!(
            vendor_error(s, zoom_oauth),
            (
                Some("invalid_client".into()),
                "Invalid client_id or client_secret".into()
            )
        );
        let html = b"<html><body>502 Bad Gateway</body></html>";
        assert_eq!(
            vendor_error(StatusCode::BAD_GATEWAY, html),
            (None, "HTTP 502 Bad Gateway".into())
        );
        assert_eq!(vendor_error(s, b"").1, "HTTP 401 Unauthorized");
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        let soon = chrono::Utc::now() + chrono::Duration::seconds(90);
        let http_date = soon.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let d = parse_retry_after(&http_date).unwrap();
        assert!(d > Duration::from_secs(80) && d <= Duration::from_secs(90));
        let iso = soon.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        assert!(parse_retry_after(&iso).unwrap() > Duration::from_secs(80));
        assert_eq!(
            parse_retry_after("2000-01-01T00:00:00Z"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_retries: 9,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
        };
        for n in 0..10 {
            let d = backoff(&p, n);
            let full = (Duration::from_millis(100) * 2u32.pow(n)).min(Duration::from_secs(1));
            assert!(d >= full / 2 && d <= full, "{n}: {d:?}");
        }
    }
}
