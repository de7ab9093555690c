//! GoTo wire → shared records.

use chrono::{DateTime, Utc};
use entity::enums::ActivityKind;

use super::wire::{Product, User};
use crate::connectors::{ActivityRecord, SubscriptionRecord};

/// The subscription identifier of a product code: the code itself, normalised.
pub(super) fn identifier(product: &Product) -> String {
    match product {
        Product::Meeting => "G2M".into(),
        Product::Webinar => "G2W".into(),
        Product::Connect => "G2C".into(),
        Product::Training => "G2T".into(),
        Product::Assist => "G2A".into(),
        Product::OpenVoice => "OPENVOICE".into(),
        Product::Other(code) => code.clone(),
    }
}

/// One record per product the user holds. Any admin role makes the user privileged.
pub(super) fn records(user: &User) -> Vec<SubscriptionRecord> {
    let name = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut seen = Vec::new();
    user.products
        .iter()
        .map(identifier)
        .filter(|id| {
            let fresh = !seen.contains(id);
            seen.push(id.clone());
            fresh
        })
        .map(|identifier| SubscriptionRecord {
            external_user_id: user.key.clone(),
            user_principal_name: user.email.clone(),
            display_name: (!name.is_empty()).then(|| name.clone()),
            identifier,
            external_created_at: None,
            assigned_at: None,
            active: true,
            privileged: !user.admin_roles.is_empty(),
            last_activity_hint: None,
        })
        .collect()
}

/// An activity event of one organizer.
pub(super) fn event(
    user: &str,
    email: &str,
    kind: ActivityKind,
    at: Option<DateTime<Utc>>,
    source: &str,
    external_ref: &str,
) -> Option<ActivityRecord> {
    Some(ActivityRecord {
        external_user_id: user.to_owned(),
        user_principal_name: (!email.is_empty()).then(|| email.to_owned()),
        kind,
        occurred_at: at?,
        source: source.to_owned(),
        external_ref: (!external_ref.is_empty()).then(|| external_ref.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::goto::wire::{CallItem, HistoricalMeeting, Session, SessionsPage};

    #[test]
    fn products_become_identifiers_and_unknown_codes_pass_through() {
        let u: User = serde_json::from_str(
            r#"{"key":7120000000000123456,"email":"li@example.com","firstName":"Li","lastName":"Chen",
            "products":["G2M","G2W","OpenVoice","JIVE","G2C","NEWTHING"],"licenseKeys":["9"],"adminRoles":[]}"#,
        )
        .unwrap();
        let r = records(&u);
        let ids: Vec<&str> = r.iter().map(|r| r.identifier.as_str()).collect();
        assert_eq!(ids, ["G2M", "G2W", "OPENVOICE", "G2C", "NEWTHING"]);
        assert_eq!(r[0].external_user_id, "7120000000000123456");
        assert_eq!(r[0].display_name.as_deref(), Some("Li Chen"));
        assert!(!r[0].privileged && r[0].active);
    }

    #[test]
    fn admins_are_privileged() {
        let u: User = serde_json::from_str(
            r#"{"key":"1","email":"a@x","products":["G2T"],"adminRoles":["MANAGE_USERS"]}"#,
        )
        .unwrap();
        assert!(records(&u)[0].privileged);
    }

    #[test]
    fn activity_wire_items_become_events() {
        let m: HistoricalMeeting = serde_json::from_str(
            r#"{"meetingInstanceKey":123,"startTime":"2026-05-01T10:00:00Z"}"#,
        )
        .unwrap();
        let e = event(
            "1",
            "a@x",
            ActivityKind::MeetingHosted,
            m.start_time,
            "goto:g2m",
            &m.meeting_instance_key,
        )
        .unwrap();
        assert_eq!(e.external_ref.as_deref(), Some("123"));
        assert_eq!(e.occurred_at.to_rfc3339(), "2026-05-01T10:00:00+00:00");
        let empty: SessionsPage = serde_json::from_str(
            r#"{"page":{"size":200,"totalElements":0,"totalPages":0,"number":0}}"#,
        )
        .unwrap();
        assert!(empty.embedded.is_none());
        let s: Session =
            serde_json::from_str(r#"{"sessionKey":"9","startTime":"2026-05-01T10:00:00Z"}"#)
                .unwrap();
        assert!(
            event(
                "1",
                "",
                ActivityKind::WebinarHosted,
                s.start_time,
                "goto:g2w",
                &s.session_key
            )
            .is_some()
        );
        let missed: CallItem =
            serde_json::from_str(r#"{"direction":"INBOUND","startTime":"2026-11-02T10:00:00Z"}"#)
                .unwrap();
        assert!(
            !missed.shows_use(),
            "a missed incoming call is no use of the line"
        );
        let answered: CallItem = serde_json::from_str(
            r#"{"direction":"INBOUND","startTime":"2026-11-02T10:00:00Z","answerTime":"2026-11-02T10:00:04Z"}"#,
        )
        .unwrap();
        assert!(answered.shows_use());
        let placed: CallItem =
            serde_json::from_str(r#"{"direction":"OUTBOUND","startTime":"2026-11-02T10:00:00Z"}"#)
                .unwrap();
        assert!(placed.shows_use(), "a call placed counts, answered or not");
        let c: CallItem = serde_json::from_str(r#"{"direction":"INBOUND"}"#).unwrap();
        assert!(
            event(
                "1",
                "",
                ActivityKind::CallMade,
                c.start_time,
                "goto:g2c",
                ""
            )
            .is_none()
        );
    }
}
