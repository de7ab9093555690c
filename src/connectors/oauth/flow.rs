//! The parts of OAuth that go through the `oauth2` crate: the authorize URL with `state`
//! and PKCE, the code exchange and the refresh grant, carried over our own reqwest client
//! (no redirects, our timeouts, every request counted).

use std::sync::Arc;

use entity::enums::Vendor;
use oauth2::basic::{BasicClient, BasicErrorResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, TokenResponse, TokenUrl,
};

use super::{client_credentials, expiry};
use crate::connectors::http::Stats;
use crate::connectors::{ConnectionConfig, ConnectorError, StoredTokens};
use crate::secret::Secret;

type App = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// The refresh grant; the answer may carry no new refresh token.
pub(super) async fn refresh(
    config: &ConnectionConfig,
    client: &reqwest::Client,
    stats: &Arc<Stats>,
    refresh: &Secret,
) -> Result<StoredTokens, ConnectorError> {
    let call = TokenHttp {
        client: client.clone(),
        stats: stats.clone(),
    };
    let answer = app(config)?
        .exchange_refresh_token(&RefreshToken::new(refresh.expose().to_owned()))
        .request_async(&call)
        .await
        .map_err(token_error)?;
    Ok(stored(&answer))
}

fn stored(answer: &oauth2::basic::BasicTokenResponse) -> StoredTokens {
    StoredTokens {
        access_token: Secret::new(answer.access_token().secret().clone()),
        refresh_token: answer
            .refresh_token()
            .map(|t| Secret::new(t.secret().clone())),
        expires_at: expiry(answer.expires_in()),
    }
}

fn bad_url(what: &str) -> impl Fn(url::ParseError) -> ConnectorError + '_ {
    move |e| ConnectorError::NotConfigured(format!("the {what} is not a valid URL: {e}"))
}

/// The `oauth2` client for a connection. Zoom and GoTo authenticate the client with Basic;
/// Aha! documents form fields.
fn app(config: &ConnectionConfig) -> Result<App, ConnectorError> {
    let (id, secret) = client_credentials(config)?;
    let mut app = BasicClient::new(ClientId::new(id.to_owned()))
        .set_client_secret(ClientSecret::new(secret.expose().to_owned()))
        .set_auth_uri(
            AuthUrl::new(config.urls.authorize_url.clone()).map_err(bad_url("authorize URL"))?,
        )
        .set_token_uri(TokenUrl::new(config.urls.token_url.clone()).map_err(bad_url("token URL"))?)
        .set_auth_type(match config.vendor {
            Vendor::Aha => AuthType::RequestBody,
            Vendor::Zoom | Vendor::GoTo => AuthType::BasicAuth,
        });
    if let Some(redirect) = &config.redirect_url {
        app = app
            .set_redirect_uri(RedirectUrl::new(redirect.clone()).map_err(bad_url("redirect URL"))?);
    }
    Ok(app)
}

#[derive(Debug, thiserror::Error)]
enum TokenHttpError {
    #[error("{0}")]
    Transport(String),
    #[error("the token endpoint answered HTTP {0}")]
    Status(u16),
}

/// Carries the `oauth2` crate's requests over our client (no redirects, our timeouts),
/// counts them, and turns a 5xx into a transport error rather than an unreadable body.
struct TokenHttp {
    client: reqwest::Client,
    stats: Arc<Stats>,
}

type TokenFuture<'c> = std::pin::Pin<
    Box<dyn Future<Output = Result<oauth2::HttpResponse, TokenHttpError>> + Send + Sync + 'c>,
>;

impl<'c> oauth2::AsyncHttpClient<'c> for TokenHttp {
    type Error = TokenHttpError;
    type Future = TokenFuture<'c>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            self.stats.token_request();
            let request = reqwest::Request::try_from(request)
                .map_err(|e| TokenHttpError::Transport(e.to_string()))?;
            let res = self
                .client
                .execute(request)
                .await
                .map_err(|e| TokenHttpError::Transport(e.to_string()))?;
            let status = res.status();
            if status.is_server_error() {
                return Err(TokenHttpError::Status(status.as_u16()));
            }
            let mut answer = oauth2::http::Response::builder().status(status.as_u16());
            for (name, value) in res.headers() {
                answer = answer.header(name.as_str(), value.as_bytes());
            }
            let body = res
                .bytes()
                .await
                .map_err(|e| TokenHttpError::Transport(e.to_string()))?;
            answer
                .body(body.to_vec())
                .map_err(|e| TokenHttpError::Transport(e.to_string()))
        })
    }
}

fn token_error(err: RequestTokenError<TokenHttpError, BasicErrorResponse>) -> ConnectorError {
    match err {
        RequestTokenError::ServerResponse(e) => ConnectorError::Unauthorized {
            message: e
                .error_description()
                .cloned()
                .unwrap_or_else(|| e.error().to_string()),
            vendor_code: Some(e.error().to_string()),
        },
        RequestTokenError::Request(e) => ConnectorError::Transient(e.to_string()),
        RequestTokenError::Parse(e, body) => ConnectorError::Malformed(format!(
            "token answer: {e} (in a body of {} bytes)",
            body.len()
        )),
        RequestTokenError::Other(m) => ConnectorError::Malformed(format!("token answer: {m}")),
    }
}

/// The start of an authorization-code flow: send the user to `url`; keep `state` and
/// `pkce_verifier` (encrypted) until the callback, then call [`exchange_code`].
#[derive(Debug, Clone)]
pub struct AuthorizationStart {
    pub url: String,
    pub state: String,
    pub pkce_verifier: Secret,
}

/// The vendor's authorize URL with `state`, PKCE (S256) and the alias's scopes.
pub fn start_authorization(
    config: &ConnectionConfig,
) -> Result<AuthorizationStart, ConnectorError> {
    if config.redirect_url.is_none() {
        return Err(ConnectorError::NotConfigured(
            "the redirect URL is not set".into(),
        ));
    }
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let scopes = config.scopes.as_deref().unwrap_or_default();
    let (url, state) = app(config)?
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.split_whitespace().map(|s| Scope::new(s.to_owned())))
        .set_pkce_challenge(challenge)
        .url();
    Ok(AuthorizationStart {
        url: url.to_string(),
        state: state.secret().clone(),
        pkce_verifier: Secret::new(verifier.secret().clone()),
    })
}

/// Exchanges the callback's `code` for tokens (to be stored on the alias).
pub async fn exchange_code(
    config: &ConnectionConfig,
    code: &str,
    pkce_verifier: &Secret,
    options: &crate::connectors::ConnectorOptions,
) -> Result<StoredTokens, ConnectorError> {
    let call = TokenHttp {
        client: crate::connectors::http::build_client(options)?,
        stats: Arc::new(Stats::default()),
    };
    let answer = app(config)?
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.expose().to_owned()))
        .request_async(&call)
        .await
        .map_err(token_error)?;
    Ok(stored(&answer))
}
