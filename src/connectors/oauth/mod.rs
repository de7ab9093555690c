//! Access tokens, written once for every vendor: Zoom's `account_credentials` grant (Basic
//! client auth), and authorization code + PKCE and refresh through the `oauth2` crate. New
//! tokens are saved through the `TokenSink`; a refresh that returns no refresh token (GoTo,
//! usually) keeps the old one.

mod flow;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::enums::Vendor;

use super::http::{Stats, backoff, decode, vendor_error};
use super::options::RetryPolicy;
use super::{ConnectionConfig, ConnectorError, CredentialSet, StoredTokens, TokenSink};
use crate::secret::Secret;

pub use flow::{AuthorizationStart, exchange_code, start_authorization};

/// Renew this long before the vendor's expiry, so a token does not lapse mid-request.
const EXPIRY_SKEW: chrono::Duration = chrono::Duration::seconds(60);

/// How a connector gets a fresh access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grant {
    /// Zoom Server-to-Server OAuth: ask again with the client credentials.
    ZoomAccount { account_id: String },
    /// Tokens from an authorization, renewed with the refresh token.
    Refresh,
    /// A token that cannot be renewed (an Aha! API key).
    Fixed,
}

struct TokenState {
    access: Option<Secret>,
    refresh: Option<Secret>,
    expires_at: Option<DateTime<Utc>>,
    /// Bumped on every renewal, so concurrent 401s renew once.
    generation: u64,
}

/// The tokens of one connector.
pub(crate) struct Auth {
    grant: Grant,
    /// Which of the alias's clients these tokens belong to.
    set: CredentialSet,
    config: ConnectionConfig,
    client: reqwest::Client,
    sink: Arc<dyn TokenSink>,
    stats: Arc<Stats>,
    retry: RetryPolicy,
    state: tokio::sync::Mutex<TokenState>,
}

impl Auth {
    pub fn new(
        config: &ConnectionConfig,
        set: CredentialSet,
        client: reqwest::Client,
        sink: Arc<dyn TokenSink>,
        stats: Arc<Stats>,
        retry: RetryPolicy,
    ) -> Result<Auth, ConnectorError> {
        let tokens = config.tokens.clone();
        let grant = match (&config.account_id, &tokens) {
            (Some(account_id), _) if config.vendor == Vendor::Zoom => {
                if config.client_id.is_none() || config.client_secret.is_none() {
                    return Err(ConnectorError::NotConfigured(
                        "Zoom Server-to-Server OAuth needs a client id and secret".into(),
                    ));
                }
                Grant::ZoomAccount {
                    account_id: account_id.clone(),
                }
            }
            (_, Some(t)) if t.refresh_token.is_some() => Grant::Refresh,
            (_, Some(_)) => Grant::Fixed,
            // GoTo Connect's client before its authorization: the other calls still work,
            // call history says what is missing.
            (_, None) if set == CredentialSet::GoToConnect => Grant::Fixed,
            (_, None) => {
                return Err(ConnectorError::NotConfigured(
                    "no tokens yet: authorize the connection first".into(),
                ));
            }
        };
        Ok(Auth {
            grant,
            set,
            config: config.clone(),
            client,
            sink,
            stats,
            retry,
            state: tokio::sync::Mutex::new(TokenState {
                access: tokens.as_ref().map(|t| t.access_token.clone()),
                refresh: tokens.as_ref().and_then(|t| t.refresh_token.clone()),
                expires_at: tokens.and_then(|t| t.expires_at),
                generation: 0,
            }),
        })
    }

    fn can_renew(&self, s: &TokenState) -> bool {
        match self.grant {
            Grant::ZoomAccount { .. } => true,
            Grant::Refresh => s.refresh.is_some(),
            Grant::Fixed => false,
        }
    }

    /// The token to send, renewed first when missing or about to expire.
    pub async fn bearer(&self) -> Result<(Secret, u64), ConnectorError> {
        let mut s = self.state.lock().await;
        let stale = s.access.is_none()
            || s.expires_at
                .is_some_and(|at| at - EXPIRY_SKEW <= Utc::now());
        if stale && self.can_renew(&s) {
            self.renew(&mut s).await?;
        }
        match &s.access {
            Some(token) => Ok((token.clone(), s.generation)),
            None => Err(ConnectorError::NotConfigured(match self.set {
                CredentialSet::Primary => "no access token: authorize the connection first".into(),
                CredentialSet::GoToConnect => "GoTo Connect's client has no access token: \
                    authorize it (startOAuthAuthorization with credentials: GOTO_CONNECT)"
                    .into(),
            })),
        }
    }

    /// After a 401 with the token of `generation`: renews it unless another call already
    /// did. `false` when it cannot be renewed.
    pub async fn renew_after_401(&self, generation: u64) -> Result<bool, ConnectorError> {
        let mut s = self.state.lock().await;
        if s.generation != generation {
            return Ok(true);
        }
        if !self.can_renew(&s) {
            return Ok(false);
        }
        self.renew(&mut s).await?;
        Ok(true)
    }

    async fn renew(&self, s: &mut TokenState) -> Result<(), ConnectorError> {
        let fresh = match &self.grant {
            Grant::ZoomAccount { account_id } => self.zoom_account_token(account_id).await?,
            Grant::Refresh => {
                let refresh = s.refresh.clone().ok_or_else(|| {
                    ConnectorError::NotConfigured("no refresh token: authorize again".into())
                })?;
                flow::refresh(&self.config, &self.client, &self.stats, &refresh).await?
            }
            Grant::Fixed => return Err(ConnectorError::NotConfigured("token is fixed".into())),
        };
        s.access = Some(fresh.access_token.clone());
        // GoTo usually sends no new refresh token: the old one stays valid.
        if fresh.refresh_token.is_some() {
            s.refresh = fresh.refresh_token.clone();
        }
        s.expires_at = fresh.expires_at;
        s.generation += 1;
        let saved = StoredTokens {
            access_token: fresh.access_token,
            refresh_token: s.refresh.clone(),
            expires_at: fresh.expires_at,
        };
        if let Err(reason) = self.sink.save(self.set, &saved).await {
            tracing::warn!(vendor = %self.config.vendor, %reason, "new vendor tokens could not be saved");
        }
        Ok(())
    }

    /// `POST /oauth/token` with `grant_type=account_credentials`: not a grant the `oauth2`
    /// crate knows, so sent by hand; transient failures are retried like API calls.
    async fn zoom_account_token(&self, account_id: &str) -> Result<StoredTokens, ConnectorError> {
        let mut retries = 0;
        loop {
            let err = match self.zoom_account_attempt(account_id).await {
                Ok(tokens) => return Ok(tokens),
                Err(err) if err.is_retryable() && retries < self.retry.max_retries => err,
                Err(err) => return Err(err),
            };
            tracing::debug!(%err, "retrying the Zoom token request");
            tokio::time::sleep(backoff(&self.retry, retries)).await;
            retries += 1;
        }
    }

    async fn zoom_account_attempt(&self, account_id: &str) -> Result<StoredTokens, ConnectorError> {
        #[derive(serde::Deserialize)]
        struct Answer {
            access_token: String,
            expires_in: Option<u64>,
        }
        let (id, secret) = client_credentials(&self.config)?;
        self.stats.token_request();
        let res = self
            .client
            .post(&self.config.urls.token_url)
            .basic_auth(id, Some(secret.expose()))
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", account_id),
            ])
            .send()
            .await
            .map_err(|e| ConnectorError::Transient(format!("token request failed: {e}")))?;
        let status = res.status();
        let body = res
            .bytes()
            .await
            .map_err(|e| ConnectorError::Transient(format!("token request failed: {e}")))?;
        if status.is_server_error() {
            return Err(ConnectorError::Transient(format!(
                "the token endpoint answered HTTP {}",
                status.as_u16()
            )));
        }
        if !status.is_success() {
            let (code, message) = vendor_error(status, &body);
            return Err(ConnectorError::Unauthorized {
                message,
                vendor_code: code,
            });
        }
        let answer: Answer = decode(&body)?;
        Ok(StoredTokens {
            access_token: Secret::new(answer.access_token),
            refresh_token: None,
            expires_at: expiry(answer.expires_in.map(Duration::from_secs)),
        })
    }
}

pub(super) fn client_credentials(
    config: &ConnectionConfig,
) -> Result<(&str, &Secret), ConnectorError> {
    match (&config.client_id, &config.client_secret) {
        (Some(id), Some(secret)) => Ok((id, secret)),
        _ => Err(ConnectorError::NotConfigured(
            "the client id and secret are not set".into(),
        )),
    }
}

pub(super) fn expiry(expires_in: Option<Duration>) -> Option<DateTime<Utc>> {
    expires_in
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| Utc::now() + d)
}
