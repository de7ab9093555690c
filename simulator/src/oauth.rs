//! OAuth state shared by the three vendors: client credentials, authorization codes, access
//! and refresh tokens. Vendor modules decide how clients authenticate and how answers look.

use std::collections::HashMap;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::config::{SimConfig, Vendor};
use crate::rng::mix;

/// What a client needs to talk to a simulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    /// Zoom Server-to-Server OAuth `account_id`.
    pub account_id: Option<String>,
    /// Aha! tenant subdomain.
    pub subdomain: Option<String>,
    /// Aha! per-user API key: a bearer token that never expires.
    pub api_key: Option<String>,
    /// The registered redirect URI, when the config pins one.
    pub redirect_uri: Option<String>,
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn chars(seed: u64, salt: u64, len: usize, alphabet: &[u8]) -> String {
    (0..len)
        .map(|i| {
            alphabet[(mix(seed ^ salt.rotate_left(17) ^ (i as u64) << 40) % alphabet.len() as u64)
                as usize] as char
        })
        .collect()
}

impl Credentials {
    pub(crate) fn generate(config: &SimConfig, company: &str) -> Self {
        let s = config.seed;
        let hex = b"0123456789abcdef";
        let (client_id, client_secret) = match config.vendor {
            Vendor::Zoom => (chars(s, 1, 22, ALNUM), chars(s, 2, 32, ALNUM)),
            Vendor::GoTo => {
                let h = chars(s, 1, 32, hex);
                let id = format!(
                    "{}-{}-{}-{}-{}",
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                );
                (id, chars(s, 2, 24, ALNUM))
            }
            Vendor::Aha => (chars(s, 1, 64, hex), chars(s, 2, 64, hex)),
        };
        Credentials {
            client_id,
            client_secret,
            account_id: (config.vendor == Vendor::Zoom).then(|| chars(s, 3, 22, ALNUM)),
            subdomain: (config.vendor == Vendor::Aha).then(|| {
                config
                    .aha_subdomain
                    .clone()
                    .unwrap_or_else(|| format!("{company}{}", s % 1000))
            }),
            api_key: (config.vendor == Vendor::Aha).then(|| chars(s, 4, 64, hex)),
            redirect_uri: config.redirect_uri.clone(),
        }
    }
}

/// How a refresh answers: Zoom and Aha! rotate the refresh token on every use; GoTo keeps it
/// and sends a new one only once the old one has lived 60% of its 30 days.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshPolicy {
    Rotate { ttl: i64 },
    KeepUntilOld { ttl: i64 },
}

struct Access {
    expires_ms: i64,
    revoked: bool,
    /// API keys survive a revocation fault: they are not OAuth tokens.
    permanent: bool,
}

struct Refresh {
    issued: i64,
    expires: i64,
    valid: bool,
}

struct Code {
    redirect_uri: String,
    issued: i64,
    used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    Valid,
    Missing,
    Invalid,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeError {
    Invalid,
    Expired,
    RedirectMismatch,
}

/// Codes live five minutes (Zoom 4733).
const CODE_TTL: i64 = 300;

#[derive(Default)]
pub(crate) struct OAuthStore {
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    codes: HashMap<String, Code>,
}

fn random_token(prefix: &str, bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
    )
}

impl OAuthStore {
    pub fn add_api_key(&mut self, key: &str) {
        self.access.insert(
            key.to_string(),
            Access {
                expires_ms: i64::MAX,
                revoked: false,
                permanent: true,
            },
        );
    }

    pub fn check(&self, token: Option<&str>, now_ms: i64) -> TokenCheck {
        let Some(token) = token else {
            return TokenCheck::Missing;
        };
        match self.access.get(token) {
            None => TokenCheck::Invalid,
            Some(a) if a.revoked => TokenCheck::Revoked,
            Some(a) if a.expires_ms <= now_ms => TokenCheck::Expired,
            Some(_) => TokenCheck::Valid,
        }
    }

    pub fn issue_access(&mut self, now_ms: i64, ttl_secs: u64) -> String {
        let token = random_token("eyJzaW0iOiIxIn0.", 48);
        let expires_ms = now_ms.saturating_add(ttl_secs as i64 * 1000);
        self.access.insert(
            token.clone(),
            Access {
                expires_ms,
                revoked: false,
                permanent: false,
            },
        );
        token
    }

    pub fn issue_refresh(&mut self, now: i64, ttl: i64) -> String {
        let token = random_token("rt.", 48);
        self.refresh.insert(
            token.clone(),
            Refresh {
                issued: now,
                expires: now + ttl,
                valid: true,
            },
        );
        token
    }

    pub fn issue_code(&mut self, redirect_uri: &str, now: i64) -> String {
        let code = random_token("", 24);
        self.codes.insert(
            code.clone(),
            Code {
                redirect_uri: redirect_uri.to_string(),
                issued: now,
                used: false,
            },
        );
        code
    }

    /// Each code works once, within five minutes, with the same redirect URI.
    pub fn redeem_code(
        &mut self,
        code: &str,
        redirect_uri: Option<&str>,
        now: i64,
    ) -> Result<(), CodeError> {
        let c = self.codes.get_mut(code).ok_or(CodeError::Invalid)?;
        if c.used {
            return Err(CodeError::Invalid);
        }
        if now - c.issued > CODE_TTL {
            return Err(CodeError::Expired);
        }
        if redirect_uri != Some(c.redirect_uri.as_str()) {
            return Err(CodeError::RedirectMismatch);
        }
        c.used = true;
        Ok(())
    }

    /// Validates a refresh token; returns the refresh token to send back, if any.
    pub fn refresh(
        &mut self,
        token: &str,
        now: i64,
        policy: RefreshPolicy,
    ) -> Result<Option<String>, ()> {
        let r = self.refresh.get_mut(token).ok_or(())?;
        if !r.valid || r.expires <= now {
            return Err(());
        }
        match policy {
            RefreshPolicy::Rotate { ttl } => {
                r.valid = false;
                Ok(Some(self.issue_refresh(now, ttl)))
            }
            RefreshPolicy::KeepUntilOld { ttl } => {
                if (now - r.issued) * 10 >= ttl * 6 {
                    Ok(Some(self.issue_refresh(now, ttl)))
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// The "token revoked mid-sync" fault: every OAuth access token stops working; refresh
    /// tokens still do, so a client that refreshes recovers.
    pub fn revoke_all_access(&mut self) {
        for a in self.access.values_mut().filter(|a| !a.permanent) {
            a.revoked = true;
        }
    }

    /// Every grant withdrawn (the authorizing admin's password changed, the app's access
    /// was removed): access tokens stop working and refresh tokens are refused, so only a
    /// new authorization recovers.
    pub fn revoke_all_grants(&mut self) {
        self.revoke_all_access();
        for r in self.refresh.values_mut() {
            r.valid = false;
        }
    }

    pub fn revoke(&mut self, token: &str) {
        if let Some(a) = self.access.get_mut(token) {
            a.revoked = true;
        }
        if let Some(r) = self.refresh.get_mut(token) {
            r.valid = false;
        }
    }

    /// Drops what can no longer be used, so long runs do not grow without bound.
    pub fn prune(&mut self, now: i64) {
        if self.access.len() + self.codes.len() < 10_000 {
            return;
        }
        let now_ms = now * 1000;
        self.access
            .retain(|_, a| a.permanent || a.expires_ms > now_ms);
        self.codes
            .retain(|_, c| !c.used && now - c.issued <= CODE_TTL);
        self.refresh.retain(|_, r| r.valid && r.expires > now);
    }
}

/// Accepts the configured redirect URI, or any loopback http(s) URI when none is configured.
pub(crate) fn redirect_allowed(config: &SimConfig, uri: &str) -> bool {
    if let Some(registered) = &config.redirect_uri {
        return registered == uri;
    }
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https")
        && matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

/// `redirect_uri` with `code` and `state` appended.
pub(crate) fn callback(redirect_uri: &str, code: &str, state: Option<&str>) -> String {
    let mut url = url::Url::parse(redirect_uri).expect("checked by redirect_allowed");
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("code", code);
        if let Some(state) = state {
            q.append_pair("state", state);
        }
    }
    url.to_string()
}

fn error_page(message: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::BadRequest()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<html><body><h1>Authorization error</h1><p>{message}</p></body></html>"
        ))
}

/// `GET /oauth/authorize`: the user step is skipped (the tenant owner approves at once) and
/// the browser is sent back with `code` and `state`. A bad client or redirect URI gets an
/// error page and no redirect, as RFC 6749 §4.1.2.1 requires.
pub(crate) fn authorize(
    shared: &crate::state::Shared,
    req: &actix_web::HttpRequest,
) -> actix_web::HttpResponse {
    let p = crate::http::Params::query(req);
    if p.get("client_id") != Some(shared.creds.client_id.as_str()) {
        return error_page("Invalid client_id.");
    }
    let Some(redirect) = p
        .value("redirect_uri")
        .filter(|r| redirect_allowed(&shared.config, r))
    else {
        return error_page("Invalid redirect_uri.");
    };
    let state = p.get("state");
    let location = if p.get("response_type") == Some("code") {
        let code = shared.oauth().issue_code(redirect, shared.now());
        callback(redirect, &code, state)
    } else {
        let mut url = url::Url::parse(redirect).expect("checked by redirect_allowed");
        url.query_pairs_mut()
            .append_pair("error", "unsupported_response_type");
        if let Some(state) = state {
            url.query_pairs_mut().append_pair("state", state);
        }
        url.to_string()
    };
    actix_web::HttpResponse::Found()
        .insert_header(("location", location))
        .finish()
}
