//! How notices leave: SMTP through lettre (TLS none, STARTTLS or implicit; optional login)
//! and the signed webhook, with what counts as a permanent refusal and what may pass.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::enums::{NoticeChannel, NoticeKind};
use entity::notice;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::message::{self, Facts};
use crate::config::{NoticeSettings, SmtpSettings, SmtpTls, WebhookSettings};
use crate::domain::sync::SyncError;
use crate::error::AppError;

/// Longest a receiver may take to answer.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// A notice ready to go: the address (email), the message, and the webhook body.
pub(super) struct Claimed {
    pub(super) to: String,
    pub(super) msg: message::Message,
    pub(super) body: serde_json::Value,
}

/// Why one attempt failed; `permanent` when trying again cannot help.
#[derive(Debug)]
pub(super) struct SendError {
    pub(super) permanent: bool,
    pub(super) message: String,
}

impl SendError {
    fn permanent(message: impl Into<String>) -> Self {
        SendError {
            permanent: true,
            message: message.into(),
        }
    }

    fn transient(message: impl Into<String>) -> Self {
        SendError {
            permanent: false,
            message: message.into(),
        }
    }
}

/// The channels' clients, built once per run.
pub(super) struct Senders {
    smtp: Option<(lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, String)>,
    webhook: Option<(reqwest::Client, WebhookSettings)>,
}

fn smtp_transport(
    s: &SmtpSettings,
) -> std::result::Result<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, String> {
    use lettre::transport::smtp::authentication::Credentials;
    type T = lettre::AsyncSmtpTransport<lettre::Tokio1Executor>;
    let builder = match s.tls {
        SmtpTls::None => T::builder_dangerous(&s.host),
        SmtpTls::StartTls => T::starttls_relay(&s.host).map_err(|e| e.to_string())?,
        SmtpTls::Implicit => T::relay(&s.host).map_err(|e| e.to_string())?,
    };
    let mut builder = builder.port(s.port).timeout(Some(SEND_TIMEOUT));
    if let (Some(user), Some(password)) = (&s.username, &s.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
    }
    Ok(builder.build())
}

impl Senders {
    pub(super) fn new(settings: &NoticeSettings) -> std::result::Result<Self, SyncError> {
        let smtp = match &settings.smtp {
            Some(s) => Some((
                smtp_transport(s).map_err(|e| {
                    SyncError::Precondition(format!("the SMTP settings are unusable: {e}"))
                })?,
                s.from.clone(),
            )),
            None => None,
        };
        let webhook = match &settings.webhook {
            Some(w) => Some((
                reqwest::Client::builder()
                    .timeout(SEND_TIMEOUT)
                    .build()
                    .map_err(|e| SyncError::App(AppError::internal(e)))?,
                w.clone(),
            )),
            None => None,
        };
        Ok(Senders { smtp, webhook })
    }

    pub(super) async fn send(
        &self,
        n: &notice::Model,
        claimed: &Claimed,
        now: DateTime<Utc>,
    ) -> std::result::Result<(), SendError> {
        match n.channel {
            NoticeChannel::Email => {
                let Some((transport, from)) = &self.smtp else {
                    return Err(SendError::permanent(
                        "email notices are no longer configured (SEATKEEPER_SMTP_HOST)",
                    ));
                };
                send_mail(transport, from, &claimed.to, &n.delivery_id, &claimed.msg).await
            }
            NoticeChannel::Webhook => {
                let Some((client, hook)) = &self.webhook else {
                    return Err(SendError::permanent(
                        "webhook notices are no longer configured (SEATKEEPER_NOTICE_WEBHOOK_URL)",
                    ));
                };
                post_webhook(client, hook, &n.delivery_id, &claimed.body, now).await
            }
        }
    }
}

async fn send_mail(
    transport: &lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: &str,
    to: &str,
    delivery_id: &str,
    msg: &message::Message,
) -> std::result::Result<(), SendError> {
    use lettre::AsyncTransport;
    use lettre::message::{Mailbox, MultiPart};
    let to: Mailbox = to.parse().map_err(|_| {
        SendError::permanent(format!(
            "the seat holder has no usable email address (`{to}`)"
        ))
    })?;
    let from: Mailbox = from
        .parse()
        .map_err(|_| SendError::permanent("SEATKEEPER_SMTP_FROM is not a mailbox"))?;
    let mail = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(msg.subject.clone())
        .message_id(Some(format!("<{delivery_id}@seatkeeper>")))
        .multipart(MultiPart::alternative_plain_html(
            msg.text.clone(),
            msg.html.clone(),
        ))
        .map_err(|e| SendError::permanent(format!("the message could not be built: {e}")))?;
    match transport.send(mail).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(SendError::permanent(format!(
            "the mail server refused the message: {e}"
        ))),
        Err(e) => Err(SendError::transient(format!("the mail server failed: {e}"))),
    }
}

/// The `Seatkeeper-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 over
/// "<t>.<body>">`, so receivers check both the body and its age.
pub fn signature(secret: &str, at: DateTime<Utc>, body: &[u8]) -> String {
    let t = at.timestamp();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The webhook body of a notice to the holder.
pub(super) fn holder_body(
    n: &notice::Model,
    facts: &Facts,
    msg: &message::Message,
) -> serde_json::Value {
    let kind = match n.kind {
        NoticeKind::Reminder => "seatkeeper.reminder",
        NoticeKind::Notice | NoticeKind::Approval => "seatkeeper.notice",
    };
    serde_json::json!({
        "type": kind,
        "deliveryId": n.delivery_id,
        "candidateId": n.candidate_id,
        "holder": facts.holder,
        "product": facts.product,
        "tenant": facts.tenant,
        "lastActivityAt": facts.last_activity_at,
        "reclaimAt": facts.reclaim_at,
        "loses": facts.loses,
        "keepUrl": facts.keep_url,
        "releaseUrl": facts.release_url,
        "subject": msg.subject,
        "text": msg.text,
    })
}

/// The webhook body of an approval request.
pub(super) fn approval_body(
    n: &notice::Model,
    a: &message::ApprovalFacts,
    msg: &message::Message,
) -> serde_json::Value {
    serde_json::json!({
        "type": "seatkeeper.approval",
        "deliveryId": n.delivery_id,
        "candidateId": n.candidate_id,
        "holder": a.facts.holder,
        "product": a.facts.product,
        "tenant": a.facts.tenant,
        "lastActivityAt": a.facts.last_activity_at,
        "why": a.why,
        "loses": a.facts.loses,
        "approveUrl": a.approve_url,
        "rejectUrl": a.reject_url,
        "linksExpireAt": a.expires_at,
        "subject": msg.subject,
        "text": msg.text,
    })
}

async fn post_webhook(
    client: &reqwest::Client,
    hook: &WebhookSettings,
    delivery_id: &str,
    body: &serde_json::Value,
    now: DateTime<Utc>,
) -> std::result::Result<(), SendError> {
    let body = serde_json::to_vec(body).map_err(|e| SendError::permanent(e.to_string()))?;
    let answer = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("Seatkeeper-Delivery", delivery_id)
        .header(
            "Seatkeeper-Signature",
            signature(hook.secret.expose(), now, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| {
            SendError::transient(format!(
                "the webhook could not be reached: {}",
                without_url(&e)
            ))
        })?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    let message = format!("the webhook answered HTTP {}", status.as_u16());
    // A timeout or a busy or broken receiver may pass; any other refusal will not.
    if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(SendError::transient(message))
    } else {
        Err(SendError::permanent(message))
    }
}

/// A reqwest error without its URL (the URL may carry a token).
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused or unreachable".into()
    } else {
        "request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_time_and_the_body() {
        let at: DateTime<Utc> = "2026-12-05T10:00:00Z".parse().unwrap();
        let sig = signature("a-webhook-secret-123", at, b"{}");
        assert!(
            sig.starts_with(&format!("t={},v1=", at.timestamp())),
            "{sig}"
        );
        assert_ne!(sig, signature("a-webhook-secret-123", at, b"{ }"));
        assert_ne!(
            sig,
            signature(
                "a-webhook-secret-123",
                at + chrono::Duration::seconds(1),
                b"{}"
            )
        );
        assert_eq!(sig.len(), format!("t={},v1=", at.timestamp()).len() + 64);
    }
}
