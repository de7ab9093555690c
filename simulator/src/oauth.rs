//! OAuth state shared by the three vendors: client credentials, authorization codes, access
//! and refresh tokens, each remembering the client it was issued to and what it was granted.
//! Vendor modules decide how clients authenticate, which scopes a client gets and how answers
//! look.

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
    /// GoTo with `SimConfig::goto_connect_client`: the second OAuth client, the only one
    /// granted GoTo Connect's call history.
    pub connect_client_id: Option<String>,
    pub connect_client_secret: Option<String>,
}

/// Which of a simulator's OAuth clients a grant was issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Client {
    /// `client_id`/`client_secret`: every vendor's only client, and GoTo's admin client.
    Main,
    /// `connect_client_id`/`connect_client_secret`: GoTo Connect's own client.
    Connect,
}

/// The scopes a token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scopes {
    /// Every scope: Zoom and Aha! tokens, API keys and the test helper's tokens.
    All,
    /// Exactly these, space-separated as a token response reports them.
    Only(&'static str),
}

impl Scopes {
    /// Whether `scope` is among them.
    pub fn allows(self, scope: &str) -> bool {
        match self {
            Scopes::All => true,
            Scopes::Only(granted) => granted.split_ascii_whitespace().any(|s| s == scope),
        }
    }
}

/// What a code or token was issued for: the client and the scopes it was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grant {
    pub client: Client,
    pub scopes: Scopes,
}

impl Grant {
    /// The main client with every scope (test helper tokens, API keys).
    pub const ALL: Grant = Grant {
        client: Client::Main,
        scopes: Scopes::All,
    };

    /// What `client` is granted: per client on GoTo, every scope elsewhere.
    pub fn of(config: &SimConfig, client: Client) -> Grant {
        let scopes = match config.vendor {
            Vendor::GoTo => crate::goto::scopes(config, client),
            Vendor::Zoom | Vendor::Aha => Scopes::All,
        };
        Grant { client, scopes }
    }
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

const HEX: &[u8] = b"0123456789abcdef";

/// A GoTo client id: a lowercase UUID.
fn goto_client_id(seed: u64, salt: u64) -> String {
    let h = chars(seed, salt, 32, HEX);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl Credentials {
    pub(crate) fn generate(config: &SimConfig, company: &str) -> Self {
        let s = config.seed;
        let (client_id, client_secret) = match config.vendor {
            Vendor::Zoom => (chars(s, 1, 22, ALNUM), chars(s, 2, 32, ALNUM)),
            Vendor::GoTo => (goto_client_id(s, 1), chars(s, 2, 24, ALNUM)),
            Vendor::Aha => (chars(s, 1, 64, HEX), chars(s, 2, 64, HEX)),
        };
        let connect = config.vendor == Vendor::GoTo && config.goto_connect_client;
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
            api_key: (config.vendor == Vendor::Aha).then(|| chars(s, 4, 64, HEX)),
            redirect_uri: config.redirect_uri.clone(),
            connect_client_id: connect.then(|| goto_client_id(s, 5)),
            connect_client_secret: connect.then(|| chars(s, 6, 24, ALNUM)),
        }
    }

    /// The client `client_id` names, if any.
    pub(crate) fn client_by_id(&self, client_id: &str) -> Option<Client> {
        if client_id == self.client_id {
            Some(Client::Main)
        } else if self.connect_client_id.as_deref() == Some(client_id) {
            Some(Client::Connect)
        } else {
            None
        }
    }

    /// The client these credentials authenticate, if they match one.
    pub(crate) fn client(&self, client_id: &str, client_secret: &str) -> Option<Client> {
        let client = self.client_by_id(client_id)?;
        let secret = match client {
            Client::Main => Some(self.client_secret.as_str()),
            Client::Connect => self.connect_client_secret.as_deref(),
        };
        (secret == Some(client_secret)).then_some(client)
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
    grant: Grant,
    expires_ms: i64,
    revoked: bool,
    /// API keys survive a revocation fault: they are not OAuth tokens.
    permanent: bool,
}

struct Refresh {
    grant: Grant,
    issued: i64,
    expires: i64,
    valid: bool,
}

struct Code {
    grant: Grant,
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
    /// Issued to another client than the one redeeming it.
    WrongClient,
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
                grant: Grant::ALL,
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

    /// Whether `token` was granted `scope`; says nothing of whether it is still valid.
    pub fn allows(&self, token: Option<&str>, scope: &str) -> bool {
        token
            .and_then(|t| self.access.get(t))
            .is_some_and(|a| a.grant.scopes.allows(scope))
    }

    pub fn issue_access(&mut self, now_ms: i64, ttl_secs: u64, grant: Grant) -> String {
        let token = random_token("eyJzaW0iOiIxIn0.", 48);
        let expires_ms = now_ms.saturating_add(ttl_secs as i64 * 1000);
        self.access.insert(
            token.clone(),
            Access {
                grant,
                expires_ms,
                revoked: false,
                permanent: false,
            },
        );
        token
    }

    pub fn issue_refresh(&mut self, now: i64, ttl: i64, grant: Grant) -> String {
        let token = random_token("rt.", 48);
        self.refresh.insert(
            token.clone(),
            Refresh {
                grant,
                issued: now,
                expires: now + ttl,
                valid: true,
            },
        );
        token
    }

    pub fn issue_code(&mut self, redirect_uri: &str, now: i64, grant: Grant) -> String {
        let code = random_token("", 24);
        self.codes.insert(
            code.clone(),
            Code {
                grant,
                redirect_uri: redirect_uri.to_string(),
                issued: now,
                used: false,
            },
        );
        code
    }

    /// Each code works once, within five minutes, for the client it was issued to and with
    /// the same redirect URI; returns what it grants. A code offered by another client stays
    /// usable by its own.
    pub fn redeem_code(
        &mut self,
        code: &str,
        redirect_uri: Option<&str>,
        now: i64,
        client: Client,
    ) -> Result<Grant, CodeError> {
        let c = self.codes.get_mut(code).ok_or(CodeError::Invalid)?;
        if c.used {
            return Err(CodeError::Invalid);
        }
        if now - c.issued > CODE_TTL {
            return Err(CodeError::Expired);
        }
        if c.grant.client != client {
            return Err(CodeError::WrongClient);
        }
        if redirect_uri != Some(c.redirect_uri.as_str()) {
            return Err(CodeError::RedirectMismatch);
        }
        c.used = true;
        Ok(c.grant)
    }

    /// Validates a refresh token issued to `client`; returns what it grants and the refresh
    /// token to send back, if any. A new refresh token keeps the grant.
    pub fn refresh(
        &mut self,
        token: &str,
        now: i64,
        policy: RefreshPolicy,
        client: Client,
    ) -> Result<(Grant, Option<String>), ()> {
        let r = self.refresh.get_mut(token).ok_or(())?;
        if !r.valid || r.expires <= now || r.grant.client != client {
            return Err(());
        }
        let grant = r.grant;
        let next = match policy {
            RefreshPolicy::Rotate { ttl } => {
                r.valid = false;
                Some(self.issue_refresh(now, ttl, grant))
            }
            RefreshPolicy::KeepUntilOld { ttl } => {
                ((now - r.issued) * 10 >= ttl * 6).then(|| self.issue_refresh(now, ttl, grant))
            }
        };
        Ok((grant, next))
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
    let Some(client) = p
        .get("client_id")
        .and_then(|id| shared.creds.client_by_id(id))
    else {
        return error_page("Invalid client_id.");
    };
    let Some(redirect) = p
        .value("redirect_uri")
        .filter(|r| redirect_allowed(&shared.config, r))
    else {
        return error_page("Invalid redirect_uri.");
    };
    let state = p.get("state");
    let location = if p.get("response_type") == Some("code") {
        let grant = Grant::of(&shared.config, client);
        let code = shared.oauth().issue_code(redirect, shared.now(), grant);
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
