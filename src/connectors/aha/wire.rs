//! Aha!'s JSON for users. Private to the connector.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::connectors::checks::{id_string, lenient_time};

/// `GET /api/v1/users`.
#[derive(Debug, Deserialize)]
pub(super) struct UsersPage {
    #[serde(default)]
    pub users: Vec<User>,
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Pagination {
    pub total_pages: Option<u64>,
    pub current_page: Option<u64>,
}

/// A user, as listed and as `PUT /users/{id}` answers (unwrapped).
#[derive(Debug, Deserialize)]
pub(super) struct User {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub name: Option<String>,
    #[serde(default)]
    pub email: String,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    /// Null when the user never accessed Aha!: the last-activity signal.
    #[serde(default, deserialize_with = "lenient_time")]
    pub accessed_at: Option<DateTime<Utc>>,
    pub enabled: Option<bool>,
    #[serde(default)]
    pub paid_seat: bool,
    #[serde(default)]
    pub administrator: bool,
}

/// `GET /users/:id` wraps the user.
#[derive(Debug, Deserialize)]
pub(super) struct UserEnvelope {
    pub user: User,
}
