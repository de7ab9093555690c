//! Aha! wire → shared records.

use chrono::{DateTime, Utc};
use entity::enums::ActivityKind;

use super::PAID_SEAT;
use super::wire::{Pagination, User};
use crate::connectors::{ActivityRecord, SubscriptionRecord};

/// A paid seat is the only license; `accessed_at` rides along as the activity hint.
pub(super) fn record(user: &User) -> Option<SubscriptionRecord> {
    user.paid_seat.then(|| SubscriptionRecord {
        external_user_id: user.id.clone(),
        user_principal_name: user.email.clone(),
        display_name: user.name.clone().filter(|n| !n.is_empty()),
        identifier: PAID_SEAT.to_owned(),
        external_created_at: user.created_at,
        assigned_at: None,
        active: user.enabled.unwrap_or(true),
        privileged: user.administrator,
        last_activity_hint: user.accessed_at,
    })
}

/// The user's last access, when it falls in the window.
pub(super) fn login_event(
    user: &User,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Option<ActivityRecord> {
    let at = user.accessed_at.filter(|t| *t >= since && *t <= until)?;
    Some(ActivityRecord {
        external_user_id: user.id.clone(),
        user_principal_name: (!user.email.is_empty()).then(|| user.email.clone()),
        kind: ActivityKind::Login,
        occurred_at: at,
        source: "aha:users.accessed_at".to_owned(),
        external_ref: None,
    })
}

/// Whether page `page` was the last: by the pagination block, else by a short page.
pub(super) fn is_last(
    pagination: Option<&Pagination>,
    page: u64,
    rows: usize,
    per_page: u32,
) -> bool {
    match pagination.and_then(|p| p.total_pages) {
        Some(total) => {
            pagination.and_then(|p| p.current_page).unwrap_or(page) >= total || rows == 0
        }
        None => rows < per_page as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::aha::wire::UsersPage;

    const PAGE: &str = r#"{"users":[{"id":"689956296","name":"Henry Humpty","email":"henry@example.com",
      "created_at":"2025-01-01T00:00:00.000Z","updated_at":"2025-06-01T00:00:00.000Z",
      "accessed_at":"2026-07-14T10:22:00.000Z","product_roles":[{"role":30}],"enabled":true,
      "paid_seat":true,"administrator":false},
      {"id":2,"name":"Vera Viewer","email":"v@example.com","accessed_at":null,"enabled":true,
      "paid_seat":false,"administrator":false},
      {"id":"3","name":"Ada Admin","email":"a@example.com","enabled":true,"paid_seat":true,"administrator":true}],
     "pagination":{"total_records":3,"total_pages":1,"current_page":1}}"#;

    #[test]
    fn paid_seats_map_with_access_and_admin_flags() {
        let page: UsersPage = serde_json::from_str(PAGE).unwrap();
        let r: Vec<SubscriptionRecord> = page.users.iter().filter_map(record).collect();
        assert_eq!(r.len(), 2, "viewers hold no paid seat");
        assert_eq!(r[0].identifier, PAID_SEAT);
        assert_eq!(r[0].external_user_id, "689956296");
        assert_eq!(
            r[0].last_activity_hint.unwrap().to_rfc3339(),
            "2026-07-14T10:22:00+00:00"
        );
        assert!(!r[0].privileged && r[0].active);
        assert!(r[1].privileged && r[1].last_activity_hint.is_none());
        assert!(is_last(page.pagination.as_ref(), 1, 3, 200));
    }

    #[test]
    fn accesses_in_the_window_become_login_events() {
        let page: UsersPage = serde_json::from_str(PAGE).unwrap();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let e = login_event(
            &page.users[0],
            t("2026-07-01T00:00:00Z"),
            t("2026-08-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(e.kind, ActivityKind::Login);
        assert!(
            login_event(
                &page.users[0],
                t("2026-07-15T00:00:00Z"),
                t("2026-08-01T00:00:00Z")
            )
            .is_none()
        );
        assert!(
            login_event(
                &page.users[1],
                t("2000-01-01T00:00:00Z"),
                t("2030-01-01T00:00:00Z")
            )
            .is_none()
        );
    }

    #[test]
    fn paging_ends_by_pagination_or_a_short_page() {
        let p = Pagination {
            total_pages: Some(3),
            current_page: Some(2),
        };
        assert!(!is_last(Some(&p), 2, 200, 200));
        let p = Pagination {
            total_pages: Some(3),
            current_page: Some(3),
        };
        assert!(is_last(Some(&p), 3, 10, 200));
        assert!(is_last(None, 1, 10, 200));
        assert!(!is_last(None, 1, 200, 200));
    }
}
