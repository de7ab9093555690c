//! The one HTTP client every connector goes through: rate limiting, bearer tokens with one
//! refresh on 401, bounded retries with backoff and jitter, `Retry-After`, and the
//! classification of failures into `ConnectorError`.

mod classify;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use self::classify::{Class, classify, parse_retry_after};
pub(crate) use self::classify::{backoff, vendor_error};
use super::oauth::Auth;
use super::options::{ConnectorOptions, RetryPolicy};
use super::ratelimit::Limiter;
use super::{CallStats, ConnectorError};

/// Counters behind `requests_made` and `Connector::stats`.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    token_requests: AtomicU64,
}

impl Stats {
    pub fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn token_request(&self) {
        self.request();
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> CallStats {
        CallStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            token_requests: self.token_requests.load(Ordering::Relaxed),
        }
    }
}

/// One API call to make: where, what, and which rate bucket pays for it.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: Method,
    pub url: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    pub label: &'static str,
}

impl Call {
    pub fn new(method: Method, url: String, label: &'static str) -> Call {
        Call {
            method,
            url,
            query: Vec::new(),
            body: None,
            label,
        }
    }

    pub fn get(url: String, label: &'static str) -> Call {
        Call::new(Method::GET, url, label)
    }

    pub fn query(mut self, name: &'static str, value: impl ToString) -> Call {
        self.query.push((name, value.to_string()));
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Call {
        self.body = Some(body);
        self
    }
}

/// The shared client of one connector.
pub(crate) struct Http {
    client: reqwest::Client,
    auth: Auth,
    limiter: Limiter,
    retry: RetryPolicy,
    stats: Arc<Stats>,
}

/// The reqwest client all vendor traffic uses: timeouts, no redirects (an OAuth endpoint
/// must not bounce a secret elsewhere), our user agent.
pub(crate) fn build_client(options: &ConnectorOptions) -> Result<reqwest::Client, ConnectorError> {
    reqwest::Client::builder()
        .timeout(options.request_timeout)
        .connect_timeout(options.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(options.user_agent.clone())
        .build()
        .map_err(|e| ConnectorError::NotConfigured(format!("HTTP client: {e}")))
}

enum Attempt {
    Done(Vec<u8>),
    Unauthorized(ConnectorError),
    Retry(ConnectorError, Option<Duration>),
    Fail(ConnectorError),
}

impl Http {
    pub fn new(
        client: reqwest::Client,
        auth: Auth,
        limiter: Limiter,
        retry: RetryPolicy,
        stats: Arc<Stats>,
    ) -> Http {
        Http {
            client,
            auth,
            limiter,
            retry,
            stats,
        }
    }

    /// The same client, rate budget and counters with another client's tokens (GoTo
    /// Connect's own OAuth client).
    pub fn with_auth(&self, auth: Auth) -> Http {
        Http {
            client: self.client.clone(),
            auth,
            limiter: self.limiter.clone(),
            retry: self.retry,
            stats: self.stats.clone(),
        }
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Sends the call until it succeeds, fails for good, or runs out of retries; returns
    /// the body of the 2xx answer.
    pub async fn send(&self, call: &Call) -> Result<Vec<u8>, ConnectorError> {
        let span = tracing::debug_span!("vendor_call", method = %call.method, label = call.label);
        self.send_inner(call).instrument(span).await
    }

    async fn send_inner(&self, call: &Call) -> Result<Vec<u8>, ConnectorError> {
        let mut retries = 0u32;
        let mut refreshed = false;
        loop {
            self.limiter.acquire(call.label).await;
            let (token, generation) = self.auth.bearer().await?;
            let outcome = self.attempt(call, token.expose()).await;
            let (err, wait) = match outcome {
                Attempt::Done(body) => return Ok(body),
                Attempt::Fail(err) => return Err(err),
                Attempt::Unauthorized(err) => {
                    // One refresh per call: a token that fails again right after is revoked
                    // for good, or the credentials are wrong.
                    if !refreshed && self.auth.renew_after_401(generation).await? {
                        refreshed = true;
                        continue;
                    }
                    return Err(err);
                }
                Attempt::Retry(err, wait) => (err, wait),
            };
            if retries >= self.retry.max_retries {
                return Err(err);
            }
            let wait = match wait {
                Some(after) if after > self.retry.max_retry_after => return Err(err),
                Some(after) => after,
                None => backoff(&self.retry, retries),
            };
            retries += 1;
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%err, wait_ms = wait.as_millis() as u64, retries, "retrying vendor call");
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, call: &Call, token: &str) -> Attempt {
        let mut req = self
            .client
            .request(call.method.clone(), &call.url)
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json");
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        self.stats.request();
        let res = match req.send().await {
            Ok(res) => res,
            Err(e) => return Attempt::Retry(transport_error(&e), None),
        };
        let status = res.status();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body: Vec<u8> = match res.bytes().await {
            Ok(body) => body.into(),
            Err(e) => return Attempt::Retry(transport_error(&e), None),
        };
        tracing::debug!(
            status = status.as_u16(),
            bytes = body.len(),
            "vendor answered"
        );
        if status.is_success() {
            return Attempt::Done(body);
        }
        let (code, message) = vendor_error(status, &body);
        match classify(status) {
            Class::Unauthorized => Attempt::Unauthorized(ConnectorError::Unauthorized {
                message,
                vendor_code: code,
            }),
            Class::NotFound => Attempt::Fail(ConnectorError::NotFound {
                message,
                vendor_code: code,
            }),
            Class::RateLimited => {
                self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                Attempt::Retry(ConnectorError::RateLimited { retry_after }, retry_after)
            }
            Class::Transient => Attempt::Retry(
                ConnectorError::Transient(format!("HTTP {}: {message}", status.as_u16())),
                retry_after,
            ),
            Class::Permanent => Attempt::Fail(ConnectorError::Permanent {
                message,
                vendor_code: code,
            }),
        }
    }

    /// `send`, then the body as `T`.
    pub async fn json<T: DeserializeOwned>(&self, call: &Call) -> Result<T, ConnectorError> {
        decode(&self.send(call).await?)
    }
}

fn transport_error(e: &reqwest::Error) -> ConnectorError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    ConnectorError::Transient(format!("{what}: {e}"))
}

/// A 2xx body as `T`; a body that does not parse is `Malformed` (never logged).
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ConnectorError> {
    serde_json::from_slice(body)
        .map_err(|e| ConnectorError::Malformed(format!("{e} (in a body of {} bytes)", body.len())))
}
