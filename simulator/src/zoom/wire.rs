//! Zoom's JSON shapes, built from borrowed tenant data and serialized once per response.

use serde::Serialize;

use crate::clock::iso;
use crate::tenant::names::CLIENT_VERSIONS;
use crate::tenant::{BUNDLE, TYPE_4, TYPE_99, Tenant};
use crate::truth::{Product, UserRole, UserStatus};

#[derive(Serialize)]
pub(super) struct LicenseInfo {
    pub license_type: &'static str,
    pub subscription_id: String,
}

/// A user as `GET /users` lists it.
#[derive(Serialize)]
pub(super) struct User<'a> {
    /// Pending users may have no id yet (Z9).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub display_name: String,
    pub email: String,
    #[serde(rename = "type")]
    pub kind: u8,
    pub pmi: u64,
    pub timezone: &'a str,
    pub verified: u8,
    pub dept: &'a str,
    pub user_created_at: String,
    /// Deprecated; for pending users it is the time of the API call (Z7).
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_client_version: Option<&'a str>,
    pub language: &'a str,
    pub status: &'a str,
    pub role_id: &'a str,
    pub group_ids: [&'a str; 0],
    pub im_group_ids: [&'a str; 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_united_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub license_info_list: Vec<LicenseInfo>,
}

/// `GET /users/{userId}` adds account and login details.
#[derive(Serialize)]
pub(super) struct UserDetail<'a> {
    #[serde(flatten)]
    pub user: User<'a>,
    pub role_name: &'a str,
    pub account_id: &'a str,
    pub account_number: u64,
    pub login_types: [u8; 1],
    pub zoom_one_type: u32,
    pub job_title: &'a str,
    pub location: &'a str,
    pub phone_numbers: [u8; 0],
    pub cluster: &'a str,
    pub jid: String,
    pub personal_meeting_url: String,
}

pub(super) fn user_type(t: &Tenant, idx: u32) -> u8 {
    let u = t.user(idx);
    if t.has(idx, Product::ZoomMeetings) {
        2
    } else if u.flags & TYPE_4 != 0 {
        4
    } else if u.flags & TYPE_99 != 0 {
        99
    } else {
        1
    }
}

pub(super) fn status(s: UserStatus) -> &'static str {
    match s {
        UserStatus::Active => "active",
        UserStatus::Inactive => "inactive",
        UserStatus::Pending => "pending",
    }
}

fn role_id(r: UserRole) -> &'static str {
    match r {
        UserRole::Owner => "0",
        UserRole::Admin => "1",
        UserRole::Member => "2",
    }
}

pub(super) fn user(t: &Tenant, idx: u32, now: i64) -> User<'_> {
    let u = t.user(idx);
    let pending = u.status == UserStatus::Pending;
    let bundle = u.flags & BUNDLE != 0 && t.has(idx, Product::ZoomMeetings);
    let mut licenses = Vec::new();
    if t.has(idx, Product::ZoomMeetings) {
        let kind = if bundle {
            "ZOOM_WORKPLACE_BUNDLE"
        } else {
            "MEETING"
        };
        licenses.push(LicenseInfo {
            license_type: kind,
            subscription_id: format!("{:016X}", t.seed ^ 0xA11CE),
        });
    }
    let created = iso(i64::from(u.created));
    let last_login = t.last_activity(idx, 2);
    User {
        id: (!pending).then(|| t.ids.zoom(idx)),
        first_name: t.first_name(idx),
        last_name: t.last_name(idx),
        display_name: t.name(idx),
        email: t.email(idx),
        kind: user_type(t, idx),
        pmi: t.pick(idx, 3, 2_000_000_000, 7_000_000_000),
        timezone: t.timezone(idx),
        verified: u8::from(!pending),
        dept: t.dept(idx),
        created_at: if pending { iso(now) } else { created.clone() },
        user_created_at: created,
        last_login_time: (last_login != 0).then(|| iso(i64::from(last_login))),
        last_client_version: (last_login != 0)
            .then(|| CLIENT_VERSIONS[t.pick(idx, 4, 0, CLIENT_VERSIONS.len() as u64) as usize]),
        language: "en-US",
        status: status(u.status),
        role_id: role_id(u.role),
        group_ids: [],
        im_group_ids: [],
        plan_united_type: bundle.then_some("1"),
        license_info_list: licenses,
    }
}

pub(super) fn detail<'a>(t: &'a Tenant, idx: u32, now: i64, account_id: &'a str) -> UserDetail<'a> {
    let u = t.user(idx);
    let user = user(t, idx, now);
    let bundle = user.plan_united_type.is_some();
    let pmi = user.pmi;
    UserDetail {
        role_name: match u.role {
            UserRole::Owner => "Owner",
            UserRole::Admin => "Admin",
            UserRole::Member => "Member",
        },
        account_id,
        account_number: 10_000_000 + t.seed % 90_000_000,
        login_types: [100],
        zoom_one_type: if bundle { 16 } else { 0 },
        job_title: "",
        location: "",
        phone_numbers: [],
        cluster: "us05",
        jid: format!(
            "{}@xmpp.zoom.us",
            user.id.clone().unwrap_or_default().to_ascii_lowercase()
        ),
        personal_meeting_url: format!("https://us05web.zoom.us/j/{pmi}"),
        user,
    }
}
