//! Pieces every vendor module shares that are not HTTP: validation verdicts worded for a
//! person, lenient wire helpers, and how a stream of per-user work is run.

use chrono::{DateTime, Utc};
use entity::enums::JobKind;
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

/// A failed check: what went wrong, in the vendor's words, and what to do about it.
pub(crate) fn failed(
    vendor: &str,
    process: JobKind,
    what: &str,
    err: &ConnectorError,
) -> ProcessCheck {
    let hint = match err {
        ConnectorError::Unauthorized { .. } => {
            "Check the client id and secret (and Zoom's account id), or authorize the connection again."
        }
        ConnectorError::RateLimited { .. } => {
            "The vendor is rate limiting this account; try again later."
        }
        ConnectorError::NotFound(_) => "Check the base URL (and the Aha! subdomain).",
        ConnectorError::Transient(_) => "The vendor could not be reached; try again later.",
        ConnectorError::Permanent { .. } => {
            "The app may lack a scope or an admin role this call needs."
        }
        ConnectorError::Malformed(_) => {
            "The answer was not what the vendor documents; check the base URL or a proxy in between."
        }
        ConnectorError::NotConfigured(_) => "Complete the connection's settings.",
    };
    let code = err
        .vendor_code()
        .map(|c| format!(" (code {c})"))
        .unwrap_or_default();
    ProcessCheck {
        process,
        ok: false,
        message: format!("{vendor}: {what} failed{code}: {err}. {hint}"),
        vendor_code: err.vendor_code().map(str::to_owned),
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
        Err(ConnectorError::NotFound(_)) => Ok(None),
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
