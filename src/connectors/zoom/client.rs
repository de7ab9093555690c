//! Zoom API calls, each with its rate label (Light, Medium, Heavy per the reference).

use chrono::NaiveDate;
use reqwest::Method;
use serde_json::json;

use super::wire::{MeetingsPage, ReportUsersPage, Settings, User, UsersPage};
use crate::connectors::ConnectorError;
use crate::connectors::http::{Call, Http};

const LIGHT: &str = "light";
const MEDIUM: &str = "medium";
const HEAVY: &str = "heavy";

/// Zoom's documented page maximum (a 2000 claim is unconfirmed).
pub(super) const MAX_PAGE_SIZE: u32 = 300;

pub(super) struct Client {
    pub http: Http,
    base: String,
    page_size: u32,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `{userId}` is an id or an email; path-escape it either way.
fn segment(user: &str) -> String {
    url::form_urlencoded::byte_serialize(user.as_bytes()).collect()
}

impl Client {
    pub fn new(http: Http, base: &str, page_size: Option<u32>) -> Client {
        Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            page_size: page_size.unwrap_or(MAX_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn users_page(
        &self,
        status: &'static str,
        token: Option<&str>,
        size: Option<u32>,
    ) -> Result<UsersPage, ConnectorError> {
        let mut call = Call::get(self.url("/users"), MEDIUM)
            .query("status", status)
            .query("page_size", size.unwrap_or(self.page_size));
        if let Some(token) = token {
            call = call.query("next_page_token", token);
        }
        self.http.json(&call).await
    }

    pub async fn user(&self, user: &str) -> Result<User, ConnectorError> {
        let call = Call::get(self.url(&format!("/users/{}", segment(user))), LIGHT);
        self.http.json(&call).await
    }

    /// Whether the user holds the webinar add-on.
    pub async fn has_webinar(&self, user: &str) -> Result<bool, ConnectorError> {
        let call = Call::get(
            self.url(&format!("/users/{}/settings", segment(user))),
            MEDIUM,
        );
        let settings: Settings = self.http.json(&call).await?;
        Ok(settings.feature.and_then(|f| f.webinar).unwrap_or(false))
    }

    pub async fn report_users(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        token: Option<&str>,
        size: Option<u32>,
    ) -> Result<ReportUsersPage, ConnectorError> {
        let mut call = Call::get(self.url("/report/users"), HEAVY)
            .query("type", "active")
            .query("from", day(from))
            .query("to", day(to))
            .query("page_size", size.unwrap_or(MAX_PAGE_SIZE));
        if let Some(token) = token {
            call = call.query("next_page_token", token);
        }
        self.http.json(&call).await
    }

    pub async fn user_meetings(
        &self,
        user: &str,
        from: NaiveDate,
        to: NaiveDate,
        token: Option<&str>,
    ) -> Result<MeetingsPage, ConnectorError> {
        let path = format!("/report/users/{}/meetings", segment(user));
        let mut call = Call::get(self.url(&path), HEAVY)
            .query("type", "past")
            .query("from", day(from))
            .query("to", day(to))
            .query("page_size", MAX_PAGE_SIZE);
        if let Some(token) = token {
            call = call.query("next_page_token", token);
        }
        self.http.json(&call).await
    }

    /// Licensed → Basic; answers 204.
    pub async fn downgrade(&self, user: &str) -> Result<(), ConnectorError> {
        let url = self.url(&format!("/users/{}", segment(user)));
        let call = Call::new(Method::PATCH, url, LIGHT).json(json!({"type": 1}));
        self.http.send(&call).await.map(drop)
    }

    /// Basic → Licensed (a restore); answers 204.
    pub async fn upgrade(&self, user: &str) -> Result<(), ConnectorError> {
        let url = self.url(&format!("/users/{}", segment(user)));
        let call = Call::new(Method::PATCH, url, LIGHT).json(json!({"type": 2}));
        self.http.send(&call).await.map(drop)
    }

    pub async fn add_webinar(&self, user: &str) -> Result<(), ConnectorError> {
        let url = self.url(&format!("/users/{}/settings", segment(user)));
        let call = Call::new(Method::PATCH, url, LIGHT).json(json!({"feature": {"webinar": true}}));
        self.http.send(&call).await.map(drop)
    }

    pub async fn remove_webinar(&self, user: &str) -> Result<(), ConnectorError> {
        let url = self.url(&format!("/users/{}/settings", segment(user)));
        let call =
            Call::new(Method::PATCH, url, LIGHT).json(json!({"feature": {"webinar": false}}));
        self.http.send(&call).await.map(drop)
    }
}
