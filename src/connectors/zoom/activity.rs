//! Exact Zoom activity of one user: their meeting report (meetings and webinars, with
//! start times) over every allowed window.

use super::client::Client;
use super::{MEETINGS, WEBINAR, mapping};
use crate::connectors::checks::unless_gone;
use crate::connectors::{ActivityQuery, ActivityRecord, ConnectorError, UserRef};

/// A user's exact activity is only worth asking for when they hold a Zoom product (or the
/// caller did not say what they hold).
pub(super) fn wants_events(user: &UserRef) -> bool {
    user.identifiers.is_empty()
        || user
            .identifiers
            .iter()
            .any(|i| i == MEETINGS || i == WEBINAR)
}

/// Every meeting and webinar the user hosted in the query's window. A user Zoom no longer
/// knows has none.
pub(super) async fn user_events(
    client: &Client,
    user: &UserRef,
    query: &ActivityQuery,
) -> Result<Vec<ActivityRecord>, ConnectorError> {
    let since = user.since.unwrap_or(query.since).min(query.since);
    let id = if user.external_user_id.is_empty() {
        &user.user_principal_name
    } else {
        &user.external_user_id
    };
    let mut events = Vec::new();
    for (from, to) in mapping::report_windows(since, query.until) {
        let mut token: Option<String> = None;
        loop {
            let page = client.user_meetings(id, from, to, token.as_deref()).await;
            let Some(page) = unless_gone(page)? else {
                return Ok(events);
            };
            events.extend(
                page.meetings
                    .iter()
                    .filter_map(|m| {
                        mapping::meeting_event(&user.external_user_id, &user.user_principal_name, m)
                    })
                    .filter(|e| e.occurred_at >= since && e.occurred_at <= query.until),
            );
            if page.next_page_token.is_empty() {
                break;
            }
            token = Some(page.next_page_token);
        }
    }
    Ok(events)
}
