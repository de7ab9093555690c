//! The notice settings: the SMTP server and webhook notices go through, their message
//! templates and retries, read from `SEATKEEPER_SMTP_*` and `SEATKEEPER_NOTICE_*`.

use super::{ConfigError, invalid, parse_number};
use crate::secret::Secret;

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network).
    None,
    /// Plain, upgraded with STARTTLS (required).
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

/// `SEATKEEPER_SMTP_*`: the mail server notices go through.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// With `password`: the login, when the server wants one.
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, e.g. `Seatkeeper <licences@example.com>`.
    pub from: String,
}

/// `SEATKEEPER_NOTICE_WEBHOOK_*`: where a signed JSON copy of each notice is posted.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub url: String,
    /// The HMAC-SHA256 key of the `Seatkeeper-Signature` header.
    pub secret: Secret,
}

/// Notice channels and their message.
#[derive(Debug, Clone, Default)]
pub struct NoticeSettings {
    pub smtp: Option<SmtpSettings>,
    pub webhook: Option<WebhookSettings>,
    /// `SEATKEEPER_NOTICE_SUBJECT`, `_TEXT`, `_HTML`: templates replacing the built-in
    /// ones (a value starting with `@` names a file to read).
    pub subject_template: Option<String>,
    pub text_template: Option<String>,
    pub html_template: Option<String>,
    /// `SEATKEEPER_NOTICE_RETRIES`: attempts after the first before a notice fails
    /// (default 5).
    pub retries: u32,
    /// `SEATKEEPER_NOTICE_RETRY_SECS`: wait before the first retry, doubling (default 30).
    pub retry_secs: u64,
}

impl NoticeSettings {
    /// Whether any channel is configured.
    pub fn any_channel(&self) -> bool {
        self.smtp.is_some() || self.webhook.is_some()
    }
}

pub(super) fn smtp_settings(
    host: Option<String>,
    port: Option<String>,
    tls: Option<String>,
    username: Option<String>,
    password: Option<String>,
    from: Option<String>,
) -> Result<Option<SmtpSettings>, ConfigError> {
    let Some(host) = host else {
        return Ok(None);
    };
    let tls = match tls.as_deref() {
        None | Some("starttls") => SmtpTls::StartTls,
        Some("none") => SmtpTls::None,
        Some("implicit") => SmtpTls::Implicit,
        Some(other) => {
            return Err(invalid(
                "SEATKEEPER_SMTP_TLS",
                format!("`{other}` is not none, starttls or implicit"),
            ));
        }
    };
    let default_port = match tls {
        SmtpTls::None => 25,
        SmtpTls::StartTls => 587,
        SmtpTls::Implicit => 465,
    };
    let port = parse_number("SEATKEEPER_SMTP_PORT", port, default_port, 1..=65_535)? as u16;
    let from = from.ok_or_else(|| {
        invalid(
            "SEATKEEPER_SMTP_FROM",
            "is required with SEATKEEPER_SMTP_HOST (the sender of notices)",
        )
    })?;
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(invalid(
            "SEATKEEPER_SMTP_FROM",
            format!("`{from}` is not an address like `Seatkeeper <licences@example.com>`"),
        ));
    }
    if username.is_some() != password.is_some() {
        return Err(invalid(
            "SEATKEEPER_SMTP_PASSWORD",
            "a login needs both SEATKEEPER_SMTP_USERNAME and SEATKEEPER_SMTP_PASSWORD",
        ));
    }
    Ok(Some(SmtpSettings {
        host,
        port,
        tls,
        username,
        password: password.map(Secret::new),
        from,
    }))
}

pub(super) fn webhook_settings(
    url: Option<String>,
    secret: Option<String>,
) -> Result<Option<WebhookSettings>, ConfigError> {
    let Some(url) = url else {
        return match secret {
            Some(_) => Err(invalid(
                "SEATKEEPER_NOTICE_WEBHOOK_URL",
                "is required with SEATKEEPER_NOTICE_WEBHOOK_SECRET",
            )),
            None => Ok(None),
        };
    };
    let url =
        crate::domain::validate::http_url("SEATKEEPER_NOTICE_WEBHOOK_URL", &url).map_err(|_| {
            invalid(
                "SEATKEEPER_NOTICE_WEBHOOK_URL",
                "must be an absolute http(s) URL",
            )
        })?;
    let secret = secret.filter(|s| s.len() >= 16).ok_or_else(|| {
        invalid(
            "SEATKEEPER_NOTICE_WEBHOOK_SECRET",
            "is required with a webhook URL, at least 16 characters (receivers check the signature with it)",
        )
    })?;
    Ok(Some(WebhookSettings {
        url,
        secret: Secret::new(secret),
    }))
}

/// A template given inline, or read from the file after `@`.
pub(super) fn template(name: &str, raw: Option<String>) -> Result<Option<String>, ConfigError> {
    match raw {
        Some(raw) => match raw.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .map(Some)
                .map_err(|e| invalid(name, format!("{path}: {e}"))),
            None => Ok(Some(raw)),
        },
        None => Ok(None),
    }
}
