//! Zoom wire → shared records.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use entity::enums::ActivityKind;

use super::wire::{Meeting, MeetingType, ReportUser, User, UserStatus, UserType};
use super::{MEETINGS, WEBINAR};
use crate::connectors::{ActivityRecord, SubscriptionRecord};

/// Owner ("0") and admins ("1") are never reclaimed automatically.
pub(super) fn privileged(role_id: Option<&str>) -> bool {
    matches!(role_id, Some("0" | "1"))
}

/// The license a user `type` stands for; `None` for the free and unassigned types.
pub(super) fn type_identifier(kind: UserType) -> Option<String> {
    match kind {
        UserType::Licensed => Some(MEETINGS.to_owned()),
        UserType::Basic | UserType::Unassigned | UserType::NoMeetings => None,
        UserType::OnPrem => Some("ZOOM_MEETINGS_ON_PREM".to_owned()),
        UserType::Other(n) => Some(format!("ZOOM_USER_TYPE_{n}")),
    }
}

/// Whether a user may hold add-ons, so their settings are worth a call.
pub(super) fn may_hold_addons(user: &User) -> bool {
    user.id.is_some() && user.kind == UserType::Licensed
}

/// The user's subscriptions: their license type, plus the webinar add-on when held.
pub(super) fn records(user: &User, webinar: bool) -> Vec<SubscriptionRecord> {
    let Some(id) = user.id.clone() else {
        // Pending users have no id yet and hold nothing that can be reclaimed.
        return Vec::new();
    };
    let active = match user.status {
        Some(UserStatus::Active) | None => true,
        Some(UserStatus::Inactive | UserStatus::Pending | UserStatus::Unknown) => false,
    };
    let display_name = user
        .display_name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| {
            let joined = [user.first_name.as_deref(), user.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        });
    let base = SubscriptionRecord {
        external_user_id: id,
        user_principal_name: user.email.clone(),
        display_name,
        identifier: String::new(),
        external_created_at: user.user_created_at.or(user.created_at),
        assigned_at: None,
        active,
        privileged: privileged(user.role_id.as_deref()),
        // Not `last_login_time`: the sync counts a hint as activity of the license, and a
        // sign-in is not a hosted meeting (it also lags by about three days).
        last_activity_hint: None,
    };
    let licensed = type_identifier(user.kind);
    let add_on = (webinar && user.kind == UserType::Licensed).then(|| WEBINAR.to_owned());
    licensed
        .into_iter()
        .chain(add_on)
        .map(|identifier| SubscriptionRecord {
            identifier,
            ..base.clone()
        })
        .collect()
}

/// What a reported meeting counts as; `None` for a type this connector does not know.
pub(super) fn meeting_kind(kind: MeetingType) -> Option<ActivityKind> {
    match kind {
        MeetingType::Instant
        | MeetingType::Scheduled
        | MeetingType::RecurringNoFixedTime
        | MeetingType::PersonalMeetingId
        | MeetingType::RecurringFixedTime
        | MeetingType::ScreenShareOnly => Some(ActivityKind::MeetingHosted),
        MeetingType::Webinar
        | MeetingType::RecurringWebinarNoFixedTime
        | MeetingType::RecurringWebinarFixedTime => Some(ActivityKind::WebinarHosted),
        MeetingType::Other(_) => None,
    }
}

/// An exact event from a user's meeting report.
pub(super) fn meeting_event(
    user_id: &str,
    email: &str,
    meeting: &Meeting,
) -> Option<ActivityRecord> {
    Some(ActivityRecord {
        external_user_id: user_id.to_owned(),
        user_principal_name: (!email.is_empty()).then(|| email.to_owned()),
        kind: meeting_kind(meeting.kind)?,
        occurred_at: meeting.start_time?,
        source: "zoom:report/users/meetings".to_owned(),
        external_ref: meeting.uuid.clone(),
    })
}

/// The coarse event from the account report: the host hosted at least one meeting in the
/// window, known no more precisely than the window's first day (a lower bound, so it never
/// makes a user look more recently active than they were).
/// The source of the account report's coarse records (stored at their window's start).
pub(super) const REPORT_SOURCE: &str = "zoom:report/users";

/// The last moment of the report window that starts at `start` (a month, `to` inclusive),
/// and never later than `until`.
pub(super) fn window_end(start: DateTime<Utc>, until: DateTime<Utc>) -> DateTime<Utc> {
    start
        .date_naive()
        .checked_add_months(Months::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc() - chrono::Duration::milliseconds(1))
        .unwrap_or(until)
        .min(until)
}

pub(super) fn host_event(host: &ReportUser, window_start: NaiveDate) -> Option<ActivityRecord> {
    if host.meetings == 0 {
        return None;
    }
    Some(ActivityRecord {
        external_user_id: host.id.clone()?,
        user_principal_name: host.email.clone(),
        kind: ActivityKind::MeetingHosted,
        occurred_at: window_start.and_hms_opt(0, 0, 0)?.and_utc(),
        source: REPORT_SOURCE.to_owned(),
        external_ref: None,
    })
}

/// Report windows of at most one month (`to` inclusive) covering `since..=until`, clipped
/// to the six months Zoom reports reach back, counted from `until`'s day.
pub(super) fn report_windows(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(NaiveDate, NaiveDate)> {
    let last = until.date_naive();
    let floor = last.checked_sub_months(Months::new(6)).unwrap_or(last);
    let mut from = since.date_naive().max(floor);
    let mut out = Vec::new();
    while from <= last {
        let to = from
            .checked_add_months(Months::new(1))
            .and_then(|d| d.checked_sub_days(Days::new(1)))
            .unwrap_or(last)
            .min(last);
        out.push((from, to));
        let Some(next) = to.checked_add_days(Days::new(1)) else {
            break;
        };
        from = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_window_stands_for_its_last_moment_never_past_the_pull() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            window_end(at("2026-10-05T00:00:00Z"), at("2026-12-04T12:00:00Z")),
            at("2026-11-04T23:59:59.999Z")
        );
        assert_eq!(
            window_end(at("2026-11-20T00:00:00Z"), at("2026-12-04T12:00:00Z")),
            at("2026-12-04T12:00:00Z")
        );
    }

    fn user(json: &str) -> User {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn licensed_users_map_to_meetings_and_webinar() {
        let u = user(
            r#"{"id":"KDcu","email":"ana@example.com","first_name":"Ana","last_name":"Ruiz",
            "type":2,"status":"active","role_id":"2","user_created_at":"2024-02-11T09:15:00Z",
            "last_login_time":"2026-08-30T14:02:11Z"}"#,
        );
        let r = records(&u, true);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].identifier, MEETINGS);
        assert_eq!(r[1].identifier, WEBINAR);
        assert_eq!(r[0].external_user_id, "KDcu");
        assert_eq!(r[0].display_name.as_deref(), Some("Ana Ruiz"));
        assert!(r[0].active && !r[0].privileged);
        assert_eq!(
            r[0].external_created_at.unwrap().to_rfc3339(),
            "2024-02-11T09:15:00+00:00"
        );
        assert!(
            r[0].last_activity_hint.is_none(),
            "a sign-in is not activity of the seat"
        );
        assert_eq!(records(&u, false).len(), 1);
    }

    #[test]
    fn free_pending_and_unknown_types() {
        let basic = user(r#"{"id":"a","email":"a@x","type":1,"status":"active","role_id":"0"}"#);
        assert!(
            records(&basic, true).is_empty(),
            "Basic holds no paid license, nor add-ons"
        );
        let pending = user(r#"{"email":"p@x","type":2,"status":"pending"}"#);
        assert!(records(&pending, false).is_empty());
        let future = user(r#"{"id":"f","email":"f@x","type":7,"status":"brand_new"}"#);
        let r = records(&future, false);
        assert_eq!(r[0].identifier, "ZOOM_USER_TYPE_7");
        assert!(!r[0].active);
        let owner = user(r#"{"id":"o","email":"o@x","type":2,"status":"inactive","role_id":"0"}"#);
        let r = records(&owner, false);
        assert!(r[0].privileged && !r[0].active);
        assert!(privileged(Some("1")) && !privileged(Some("2")) && !privileged(None));
    }

    #[test]
    fn meetings_and_webinars_become_events() {
        let m: Meeting =
            serde_json::from_str(r#"{"uuid":"u1","type":8,"start_time":"2026-05-01T10:00:00Z"}"#)
                .unwrap();
        let e = meeting_event("id", "a@x", &m).unwrap();
        assert_eq!(e.kind, ActivityKind::MeetingHosted);
        assert_eq!(e.external_ref.as_deref(), Some("u1"));
        let w: Meeting =
            serde_json::from_str(r#"{"type":9,"start_time":"2026-05-01T10:00:00Z"}"#).unwrap();
        assert_eq!(
            meeting_event("id", "", &w).unwrap().kind,
            ActivityKind::WebinarHosted
        );
        let odd: Meeting =
            serde_json::from_str(r#"{"type":77,"start_time":"2026-05-01T10:00:00Z"}"#).unwrap();
        assert!(meeting_event("id", "", &odd).is_none());
    }

    #[test]
    fn active_hosts_are_dated_at_the_window_start() {
        let h: ReportUser =
            serde_json::from_str(r#"{"id":"h","email":"h@x","meetings":3}"#).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let e = host_event(&h, day).unwrap();
        assert_eq!(e.occurred_at.to_rfc3339(), "2026-04-01T00:00:00+00:00");
        let idle: ReportUser = serde_json::from_str(r#"{"id":"h","meetings":0}"#).unwrap();
        assert!(host_event(&idle, day).is_none());
    }

    #[test]
    fn windows_are_a_month_at_most_and_six_months_back() {
        let until = DateTime::parse_from_rfc3339("2026-09-15T12:00:00Z")
            .unwrap()
            .to_utc();
        let w = report_windows(until - chrono::Duration::days(365), until);
        assert_eq!(w[0].0, NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
        assert_eq!(w.last().unwrap().1, until.date_naive());
        for (from, to) in &w {
            assert!(*to <= from.checked_add_months(Months::new(1)).unwrap() && from <= to);
        }
        assert!(w.windows(2).all(|p| p[0].1.succ_opt() == Some(p[1].0)));
        assert_eq!(
            report_windows(until - chrono::Duration::days(2), until).len(),
            1
        );
    }
}
