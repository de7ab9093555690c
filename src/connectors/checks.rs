//! Pieces every vendor module shares that are not HTTP: validation verdicts worded for a
//! person, lenient wire helpers, and how a stream of per-user work is run.

use chrono::{DateTime, Utc};
use entity::enums::{JobKind, Vendor};
use serde::{Deserialize, Deserializer};

use super::{ConnectorError, ProcessCheck};

pub(crate) fn passed(process: JobKind, message: impl Into<String>) -> ProcessCheck {
    ProcessCheck {
        process,
        ok: true,
        message: message.into(),
        vendor_code: None,
    }
}

/// A failed check: what went wrong, in the vendor's words and with its code, and what to
/// do about it at that vendor.
pub(crate) fn failed(
    vendor: Vendor,
    process: JobKind,
    what: &str,
    err: &ConnectorError,
) -> ProcessCheck {
    let code = err
        .vendor_code()
        .map(|c| format!(" (code {c})"))
        .unwrap_or_default();
    ProcessCheck {
        process,
        ok: false,
        message: format!(
            "{}: {what} failed{code}: {}. {}",
            vendor_name(vendor),
            err.to_string().trim_end_matches('.'),
            hint(vendor, err)
        ),
        vendor_code: err.vendor_code().map(str::to_owned),
    }
}

fn vendor_name(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Zoom => "Zoom",
        Vendor::GoTo => "GoTo",
        Vendor::Aha => "Aha!",
    }
}

/// What to check at this vendor for this kind of failure.
pub fn hint(vendor: Vendor, err: &ConnectorError) -> &'static str {
    match (err, vendor) {
        (ConnectorError::Unauthorized { .. }, Vendor::Zoom) => {
            "Check the Server-to-Server OAuth app's account id, client id and secret, and that the app is activated in the Zoom Marketplace."
        }
        (ConnectorError::Unauthorized { .. }, Vendor::GoTo) => {
            "Authorize the connection again (startOAuthAuthorization): GoTo refresh tokens expire and are revoked when the authorizing admin's password changes; check the client id and secret too."
        }
        (ConnectorError::Unauthorized { .. }, Vendor::Aha) => {
            "Check the API key (Settings → Personal → Developer → API key) or the OAuth application's client id and secret."
        }
        (ConnectorError::RateLimited { .. }, _) => {
            "The vendor is rate limiting this account; try again later."
        }
        (ConnectorError::NotFound { .. }, Vendor::Zoom) => {
            "Check the host: https://api.zoom.us for Zoom, https://api.zoomgov.com for ZoomGov."
        }
        (ConnectorError::NotFound { .. }, Vendor::GoTo) => {
            "Check the host (https://api.getgo.com) and that the authorizing user is an admin of the account."
        }
        (ConnectorError::NotFound { .. }, Vendor::Aha) => {
            "Check the tenant URL: https://<subdomain>.aha.io, with your account's subdomain."
        }
        (ConnectorError::Transient(_), _) => "The vendor could not be reached; try again later.",
        (ConnectorError::Permanent { .. }, Vendor::Zoom) => {
            "The app may lack a scope this call needs (user:read:admin, report:read:admin, user:update:admin)."
        }
        (ConnectorError::Permanent { vendor_code, .. }, Vendor::GoTo)
            if vendor_code.as_deref() == Some("AUTHZ_INSUFFICIENT_SCOPE") =>
        {
            "The OAuth client lacks a scope this call needs (Admin API identity:, GoTo Meeting and Webinar collab:, GoTo Connect call history cr.v1.read). GoTo grants scopes per client: give GoTo Connect a client of its own with setConnectionCredentials(credentials: GOTO_CONNECT) and startOAuthAuthorization(credentials: GOTO_CONNECT)."
        }
        (ConnectorError::NotConfigured(_), Vendor::GoTo) => {
            "Complete the connection's settings; a GoTo Connect client needs its own authorization (startOAuthAuthorization with credentials: GOTO_CONNECT)."
        }
        (ConnectorError::Permanent { .. }, Vendor::GoTo) => {
            "The authorizing user may lack the admin role (Manage users, Manage seats) or the app a scope."
        }
        (ConnectorError::Permanent { .. }, Vendor::Aha) => {
            "The API key's user may not be an account administrator."
        }
        (ConnectorError::Malformed(_), _) => {
            "The answer was not what the vendor documents; check the host or a proxy in between."
        }
        (ConnectorError::NotConfigured(_), _) => "Complete the connection's settings.",
    }
}

/// A timestamp that does not parse is treated as absent rather than failing the page.
pub(crate) fn lenient_time<'de, D>(d: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw = Option::<String>::deserialize(d)?;
    Ok(raw.and_then(|s| {
        DateTime::parse_from_rfc3339(&s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }))
}

/// An id sent as a JSON string or number (GoTo keys are "long integers", served either way).
pub(crate) fn id_string<'de, D>(d: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    })
}

/// A list of such ids.
pub(crate) fn id_strings<'de, D>(d: D) -> Result<Vec<String>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "id_string")] String);
    Ok(Option::<Vec<Wrapped>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|w| w.0)
        .collect())
}

/// `since..until` in consecutive windows of at most `step`.
pub(crate) fn windows(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    step: chrono::Duration,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut from = since;
    while from < until {
        let to = (from + step).min(until);
        out.push((from, to));
        from = to;
    }
    out
}

/// `Ok(None)` for a user the vendor no longer knows: their activity is simply absent.
pub(crate) fn unless_gone<T>(r: Result<T, ConnectorError>) -> Result<Option<T>, ConnectorError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ConnectorError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_range_without_gaps() {
        let since = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let until = since + chrono::Duration::days(100);
        let w = windows(since, until, chrono::Duration::days(31));
        assert_eq!(w.len(), 4);
        assert_eq!(w[0].0, since);
        assert_eq!(w[3].1, until);
        assert!(w.windows(2).all(|p| p[0].1 == p[1].0));
        assert!(windows(until, since, chrono::Duration::days(1)).is_empty());
    }

    #[test]
    fn ids_and_times_parse_leniently() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "id_string")]
            a: String,
            #[serde(default, deserialize_with = "id_strings")]
            b: Vec<String>,
            #[serde(default, deserialize_with = "lenient_time")]
            at: Option<DateTime<Utc>>,
        }
        let t: T =
            serde_json::from_str(r#"{"a":7120000000000123456,"b":["1",2],"at":"yesterday"}"#)
                .unwrap();
        assert_eq!(t.a, "7120000000000123456");
        assert_eq!(t.b, ["1", "2"]);
        assert_eq!(t.at, None);
        let t: T = serde_json::from_str(r#"{"a":"x","at":"2026-07-14T10:22:00.000Z"}"#).unwrap();
        assert!(t.b.is_empty() && t.at.is_some());
    }
}
