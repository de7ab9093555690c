//! GoTo API calls. Each API (Admin, G2M, G2W, Connect) has its own 10/s budget, so each has
//! its own rate label.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;

use super::wire::{CallsPage, HistoricalMeeting, License, Me, Results, SessionsPage, User};
use crate::connectors::ConnectorError;
use crate::connectors::http::{Call, Http};

const ADMIN: &str = "admin";
const MEETING: &str = "meeting";
const WEBINAR: &str = "webinar";
const CONNECT: &str = "connect";

/// G8 pages with 1000; the real maximum is unconfirmed (a smaller cap is detected).
pub(super) const MAX_PAGE_SIZE: u32 = 1000;
/// G2W sessions take at most 200 per page.
const SESSIONS_PAGE: u32 = 200;
/// Call history's documented default page.
const CALLS_PAGE: u32 = 100;

pub(super) struct Client {
    pub http: Http,
    /// GoTo Connect's own client, when the alias has one.
    connect_http: Option<Http>,
    base: String,
    connect_base: String,
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Client {
    pub fn new(http: Http, connect_http: Option<Http>, base: &str, connect_base: &str) -> Client {
        Client {
            http,
            connect_http,
            base: base.trim_end_matches('/').to_owned(),
            connect_base: connect_base.trim_end_matches('/').to_owned(),
        }
    }

    fn admin(&self, path: &str) -> String {
        format!("{}/admin/rest/v1{path}", self.base)
    }

    pub async fn me(&self) -> Result<Me, ConnectorError> {
        self.http.json(&Call::get(self.admin("/me"), ADMIN)).await
    }

    pub async fn users(
        &self,
        account: &str,
        offset: usize,
        size: u32,
    ) -> Result<Vec<User>, ConnectorError> {
        let call = Call::get(self.admin(&format!("/accounts/{account}/users")), ADMIN)
            .query("pageSize", size)
            .query("offset", offset);
        let page: Results<User> = self.http.json(&call).await?;
        Ok(page.results)
    }

    pub async fn user(&self, account: &str, user: &str) -> Result<User, ConnectorError> {
        let call = Call::get(
            self.admin(&format!("/accounts/{account}/users/{user}")),
            ADMIN,
        );
        self.http.json(&call).await
    }

    pub async fn licenses(&self, account: &str) -> Result<Vec<License>, ConnectorError> {
        let call = Call::get(self.admin(&format!("/accounts/{account}/licenses")), ADMIN);
        let page: Results<License> = self.http.json(&call).await?;
        Ok(page.results)
    }

    /// Replaces the user's licenses with `keep`.
    pub async fn set_license_keys(
        &self,
        account: &str,
        user: &str,
        keep: &[String],
    ) -> Result<(), ConnectorError> {
        let url = self.admin(&format!("/accounts/{account}/users/{user}"));
        let call = Call::new(Method::PUT, url, ADMIN).json(json!({"licenseKeys": keep}));
        self.http.send(&call).await.map(drop)
    }

    pub async fn remove_from_license(
        &self,
        account: &str,
        license: &str,
        user: &str,
    ) -> Result<(), ConnectorError> {
        let url = self.admin(&format!("/accounts/{account}/licenses/{license}/users"));
        let call = Call::new(Method::DELETE, url, ADMIN).json(json!({"userKeys": [user]}));
        self.http.send(&call).await.map(drop)
    }

    pub async fn historical_meetings(
        &self,
        organizer: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<HistoricalMeeting>, ConnectorError> {
        let url = format!(
            "{}/G2M/rest/organizers/{organizer}/historicalMeetings",
            self.base
        );
        let call = Call::get(url, MEETING)
            .query("startDate", iso(from))
            .query("endDate", iso(to));
        self.http.json(&call).await
    }

    pub async fn sessions(
        &self,
        organizer: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: u64,
    ) -> Result<SessionsPage, ConnectorError> {
        let url = format!("{}/G2W/rest/v2/organizers/{organizer}/sessions", self.base);
        let call = Call::get(url, WEBINAR)
            .query("fromTime", iso(from))
            .query("toTime", iso(to))
            .query("page", page)
            .query("size", SESSIONS_PAGE);
        self.http.json(&call).await
    }

    pub async fn calls(
        &self,
        account: &str,
        user: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        marker: Option<&str>,
    ) -> Result<CallsPage, ConnectorError> {
        let mut call = Call::get(
            format!("{}/call-history/v1/calls", self.connect_base),
            CONNECT,
        )
        .query("accountKey", account)
        .query("userKey", user)
        .query("startTime", iso(from))
        .query("endTime", iso(to))
        .query("pageSize", CALLS_PAGE);
        if let Some(marker) = marker {
            call = call.query("pageMarker", marker);
        }
        self.connect_http
            .as_ref()
            .unwrap_or(&self.http)
            .json(&call)
            .await
    }
}
