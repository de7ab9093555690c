//! GoTo's JSON (Admin API, G2M, G2W v2, Connect call history). Private to the connector.
//! Keys are "long integers" that arrive as strings or numbers, so they are read as text.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::connectors::checks::{id_string, id_strings, lenient_time};

/// `GET /admin/rest/v1/me`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Me {
    #[serde(default, deserialize_with = "id_string")]
    pub key: String,
    #[serde(default, deserialize_with = "id_string")]
    pub account_key: String,
    #[serde(default)]
    pub accounts: Vec<Account>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Account {
    #[serde(deserialize_with = "id_string")]
    pub key: String,
}

/// `{"results":[…]}`, the Admin API's list envelope.
#[derive(Debug, Deserialize)]
pub(super) struct Results<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct User {
    #[serde(deserialize_with = "id_string")]
    pub key: String,
    #[serde(default)]
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(default)]
    pub products: Vec<Product>,
    #[serde(default, deserialize_with = "id_strings")]
    pub license_keys: Vec<String>,
    #[serde(default)]
    pub admin_roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct License {
    #[serde(deserialize_with = "id_string")]
    pub key: String,
    #[serde(default)]
    pub products: Vec<Product>,
}

/// A product code in `products[]`. A code not listed here is kept as it came, so the sync
/// records it as an unrecognized identifier.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub(super) enum Product {
    Meeting,
    Webinar,
    /// `G2C`, sold before as Jive (`JIVE`).
    Connect,
    Training,
    Assist,
    OpenVoice,
    Other(String),
}

impl From<String> for Product {
    fn from(code: String) -> Self {
        match code.to_ascii_uppercase().as_str() {
            "G2M" => Product::Meeting,
            "G2W" => Product::Webinar,
            "G2C" | "JIVE" => Product::Connect,
            "G2T" => Product::Training,
            "G2A" => Product::Assist,
            "OPENVOICE" => Product::OpenVoice,
            _ => Product::Other(code),
        }
    }
}

/// `GET /G2M/rest/organizers/{key}/historicalMeetings`: a plain array.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HistoricalMeeting {
    #[serde(default, deserialize_with = "id_string")]
    pub meeting_instance_key: String,
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_time: Option<DateTime<Utc>>,
}

/// `GET /G2W/rest/v2/organizers/{key}/sessions`: Spring HATEOAS paging; `_embedded` is
/// absent on an empty page.
#[derive(Debug, Deserialize)]
pub(super) struct SessionsPage {
    #[serde(rename = "_embedded")]
    pub embedded: Option<Sessions>,
    pub page: Option<PageInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Sessions {
    #[serde(default)]
    pub session_info_resources: Vec<Session>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Session {
    #[serde(default, deserialize_with = "id_string")]
    pub session_key: String,
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PageInfo {
    #[serde(default)]
    pub total_pages: u64,
    #[serde(default)]
    pub number: u64,
}

/// `GET /call-history/v1/calls`: cursor paging, `nextPageMarker` absent on the last page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CallsPage {
    #[serde(default)]
    pub items: Vec<CallItem>,
    pub next_page_marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CallItem {
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_time: Option<DateTime<Utc>>,
    /// `OUTBOUND` (placed by the user) or `INBOUND`.
    #[serde(default)]
    pub direction: Option<String>,
    /// Absent when the call was not answered.
    #[serde(default, deserialize_with = "lenient_time")]
    pub answer_time: Option<DateTime<Utc>>,
}

impl CallItem {
    /// A call the user placed or answered; a missed incoming call says nothing about them.
    pub fn shows_use(&self) -> bool {
        self.direction.as_deref() == Some("OUTBOUND") || self.answer_time.is_some()
    }
}
