//! Zoom's JSON, as far as Seatkeeper reads it. Private to the Zoom connector.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::connectors::checks::lenient_time;

/// `GET /users`.
#[derive(Debug, Deserialize)]
pub(super) struct UsersPage {
    /// `""` on the last page.
    #[serde(default)]
    pub next_page_token: String,
    pub page_count: Option<u64>,
    pub total_records: Option<u64>,
    #[serde(default)]
    pub users: Vec<User>,
}

#[derive(Debug, Deserialize)]
pub(super) struct User {
    /// Pending users may have none yet.
    pub id: Option<String>,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: UserType,
    pub status: Option<UserStatus>,
    /// "0" owner, "1" admin, "2" member; custom roles have other ids.
    pub role_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub user_created_at: Option<DateTime<Utc>>,
    /// Deprecated for `user_created_at`; the time of the call for pending users.
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
}

/// User `type`. A number Zoom adds later arrives as `Other` and is passed on as an
/// unrecognized identifier rather than dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(from = "u16")]
pub(super) enum UserType {
    Basic,
    Licensed,
    /// Old specs only.
    OnPrem,
    /// "Unassigned without Meetings Basic".
    Unassigned,
    /// SSO-created users without a license.
    NoMeetings,
    Other(u16),
}

impl From<u16> for UserType {
    fn from(n: u16) -> Self {
        match n {
            1 => UserType::Basic,
            2 => UserType::Licensed,
            3 => UserType::OnPrem,
            4 => UserType::Unassigned,
            99 => UserType::NoMeetings,
            other => UserType::Other(other),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum UserStatus {
    Active,
    Inactive,
    Pending,
    #[serde(other)]
    Unknown,
}

/// `GET /users/{id}/settings`, only the add-on flags.
#[derive(Debug, Deserialize)]
pub(super) struct Settings {
    pub feature: Option<Feature>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Feature {
    pub webinar: Option<bool>,
}

/// `GET /report/users?type=active`.
#[derive(Debug, Deserialize)]
pub(super) struct ReportUsersPage {
    #[serde(default)]
    pub next_page_token: String,
    #[serde(default)]
    pub users: Vec<ReportUser>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ReportUser {
    pub id: Option<String>,
    pub email: Option<String>,
    /// Meetings hosted in the window.
    #[serde(default)]
    pub meetings: u64,
}

/// `GET /report/users/{id}/meetings`.
#[derive(Debug, Deserialize)]
pub(super) struct MeetingsPage {
    #[serde(default)]
    pub next_page_token: String,
    #[serde(default)]
    pub meetings: Vec<Meeting>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Meeting {
    pub uuid: Option<String>,
    #[serde(rename = "type")]
    pub kind: MeetingType,
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_time: Option<DateTime<Utc>>,
}

/// Meeting `type` in reports: meetings 1-4, 8, 10; webinars 5, 6, 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(from = "u16")]
pub(super) enum MeetingType {
    Instant,
    Scheduled,
    RecurringNoFixedTime,
    PersonalMeetingId,
    Webinar,
    RecurringWebinarNoFixedTime,
    RecurringFixedTime,
    RecurringWebinarFixedTime,
    ScreenShareOnly,
    Other(u16),
}

impl From<u16> for MeetingType {
    fn from(n: u16) -> Self {
        match n {
            1 => MeetingType::Instant,
            2 => MeetingType::Scheduled,
            3 => MeetingType::RecurringNoFixedTime,
            4 => MeetingType::PersonalMeetingId,
            5 => MeetingType::Webinar,
            6 => MeetingType::RecurringWebinarNoFixedTime,
            8 => MeetingType::RecurringFixedTime,
            9 => MeetingType::RecurringWebinarFixedTime,
            10 => MeetingType::ScreenShareOnly,
            other => MeetingType::Other(other),
        }
    }
}
