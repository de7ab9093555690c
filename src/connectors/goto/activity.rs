//! GoTo activity of one organizer: Meeting history in windows of at most 60 days, Webinar
//! sessions page by page, Connect calls in windows of at most 31 days with a cursor.

use std::collections::HashSet;

use chrono::Duration;
use entity::enums::ActivityKind;

use super::client::Client;
use super::mapping::event;
use crate::connectors::checks::{unless_gone, windows};
use crate::connectors::{ActivityQuery, ActivityRecord, ConnectorError, UserRef};

/// The old Citrix cap on history searches; the current one is unconfirmed.
const MEETING_WINDOW: i64 = 60;
/// Call history takes at most 31 days (the simulator holds it to the reports' cap).
const CALL_WINDOW: i64 = 31;

fn wants(user: &UserRef, identifier: &str) -> bool {
    user.identifiers.is_empty()
        || user
            .identifiers
            .iter()
            .any(|i| i.eq_ignore_ascii_case(identifier))
}

/// Every event of the user's activity products in the query's window. A user GoTo no
/// longer knows has none.
pub(super) async fn user_events(
    client: &Client,
    account: &str,
    user: &UserRef,
    query: &ActivityQuery,
) -> Result<Vec<ActivityRecord>, ConnectorError> {
    let since = user.since.unwrap_or(query.since).min(query.since);
    let key = user.external_user_id.as_str();
    let email = user.user_principal_name.as_str();
    let mut events = Vec::new();
    if wants(user, "G2M") {
        for (from, to) in windows(since, query.until, Duration::days(MEETING_WINDOW)) {
            let Some(meetings) = unless_gone(client.historical_meetings(key, from, to).await)?
            else {
                break;
            };
            events.extend(meetings.iter().filter_map(|m| {
                event(
                    key,
                    email,
                    ActivityKind::MeetingHosted,
                    m.start_time,
                    "goto:g2m/historicalMeetings",
                    &m.meeting_instance_key,
                )
            }));
        }
    }
    if wants(user, "G2W") {
        let mut page = 0;
        loop {
            let Some(answer) = unless_gone(client.sessions(key, since, query.until, page).await)?
            else {
                break;
            };
            let sessions = answer
                .embedded
                .map(|e| e.session_info_resources)
                .unwrap_or_default();
            let empty = sessions.is_empty();
            events.extend(sessions.iter().filter_map(|s| {
                event(
                    key,
                    email,
                    ActivityKind::WebinarHosted,
                    s.start_time,
                    "goto:g2w/sessions",
                    &s.session_key,
                )
            }));
            let last = answer.page.is_none_or(|p| p.number + 1 >= p.total_pages);
            if empty || last {
                break;
            }
            page += 1;
        }
    }
    if wants(user, "G2C") {
        'windows: for (from, to) in windows(since, query.until, Duration::days(CALL_WINDOW)) {
            let mut marker: Option<String> = None;
            loop {
                let Some(page) = unless_gone(
                    client
                        .calls(account, key, from, to, marker.as_deref())
                        .await,
                )?
                else {
                    break 'windows;
                };
                events.extend(page.items.iter().filter(|c| c.shows_use()).filter_map(|c| {
                    event(
                        key,
                        email,
                        ActivityKind::CallMade,
                        c.start_time,
                        "goto:call-history",
                        "",
                    )
                }));
                match page.next_page_marker.filter(|m| !m.is_empty()) {
                    Some(next) => marker = Some(next),
                    None => break,
                }
            }
        }
    }
    // Windows meet at their edges: an event on an edge may come back twice.
    let mut seen = HashSet::new();
    events.retain(|e| {
        e.occurred_at >= since
            && e.occurred_at <= query.until
            && seen.insert((e.kind, e.occurred_at, e.external_ref.clone()))
    });
    Ok(events)
}
