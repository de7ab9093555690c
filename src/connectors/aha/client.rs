//! Aha! API calls under the tenant's base URL. One rate label: 20/s and 300/min.

use reqwest::Method;
use serde_json::json;

use super::wire::{User, UserEnvelope, UsersPage};
use crate::connectors::ConnectorError;
use crate::connectors::http::{Call, Http};

const API: &str = "api";

/// Often said to be the `per_page` maximum (unconfirmed; larger values are clamped).
pub(super) const MAX_PAGE_SIZE: u32 = 200;

pub(super) struct Client {
    pub http: Http,
    base: String,
    per_page: u32,
}

impl Client {
    pub fn new(http: Http, base: &str, per_page: Option<u32>) -> Client {
        Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            per_page: per_page.unwrap_or(MAX_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE),
        }
    }

    /// Page `page` (1-based) of the account's users.
    pub async fn users(
        &self,
        page: u64,
        per_page: Option<u32>,
    ) -> Result<UsersPage, ConnectorError> {
        let call = Call::get(format!("{}/api/v1/users", self.base), API)
            .query("page", page)
            .query("per_page", per_page.unwrap_or(self.per_page));
        self.http.json(&call).await
    }

    pub fn per_page(&self) -> u32 {
        self.per_page
    }

    /// One user; the answer is wrapped as `{"user": {...}}`.
    pub async fn user(&self, id: &str) -> Result<User, ConnectorError> {
        let call = Call::get(format!("{}/api/v1/users/{id}", self.base), API);
        let wrapped: UserEnvelope = self.http.json(&call).await?;
        Ok(wrapped.user)
    }

    /// Enabling takes a paid seat again; the answer is the user, unwrapped.
    pub async fn enable(&self, id: &str) -> Result<User, ConnectorError> {
        let url = format!("{}/api/v1/users/{id}", self.base);
        let call = Call::new(Method::PUT, url, API).json(json!({"user": {"enabled": true}}));
        self.http.json(&call).await
    }

    /// Disabling frees the paid seat; the answer is the user, unwrapped.
    pub async fn disable(&self, id: &str) -> Result<User, ConnectorError> {
        let url = format!("{}/api/v1/users/{id}", self.base);
        let call = Call::new(Method::PUT, url, API).json(json!({"user": {"enabled": false}}));
        self.http.json(&call).await
    }
}
