//! Activity: GoTo Meeting history (plain array), GoTo Webinar v2 sessions (`_embedded` +
//! `page`, 0-based) and GoTo Connect call history (`pageMarker` cursor).

use actix_web::{HttpRequest, web};
use serde_json::{Value, json};

use super::{Scope, account_key, authenticate, bad_request, check_account, find, instant};
use crate::clock::iso;
use crate::http::{ApiResult, Params, ok};
use crate::paging::{Cursor, decode, encode, query_hash};
use crate::state::Shared;
use crate::tenant::activity::{answered, outbound};

const DAY: i64 = 86_400;
/// Old Citrix docs cap history searches at 60 days; the current cap is unknown, so the
/// stricter one holds.
const G2M_MAX_WINDOW: i64 = 60 * DAY;
/// The Connect reports take at most 31 days (G8); call history is held to the same.
const CONNECT_MAX_WINDOW: i64 = 31 * DAY;
const LIST_CALLS: u8 = 10;

fn meeting_type(kind: u32) -> &'static str {
    match kind % 10 {
        0..=5 => "scheduled",
        6..=7 => "recurring",
        _ => "immediate",
    }
}

/// `GET /G2M/rest/organizers/{organizerKey}/historicalMeetings?startDate&endDate`: the
/// organizer's ended meetings that started in the range, oldest first.
pub(super) async fn historical_meetings(
    shared: web::Data<Shared>,
    req: HttpRequest,
    organizer: web::Path<String>,
) -> ApiResult {
    authenticate(&shared, &req, Scope::Collab)?;
    let p = Params::query(&req);
    let (from, to) = (instant(&p, "startDate")?, instant(&p, "endDate")?);
    if to < from || to - from > G2M_MAX_WINDOW {
        return Err(bad_request(
            "endDate must follow startDate by at most 60 days",
        ));
    }
    let now = shared.now();
    let t = shared.read();
    let idx = find(&t, &organizer)?;
    let key = t.ids.goto(idx);
    let meetings: Vec<Value> = t
        .events_between(idx, 0, from, to)
        .iter()
        // Running meetings are excluded.
        .filter(|e| e.start + i64::from(e.minutes) * 60 <= now)
        .map(|e| {
            json!({
                "meetingInstanceKey": t.ids.event(idx, 0, e.seq) * 10 + 1,
                "meetingId": t.ids.event(idx, 0, e.seq) % 1_000_000_000,
                "subject": format!("{} sync", t.dept(idx)),
                "startTime": iso(e.start),
                "endTime": iso(e.start + i64::from(e.minutes) * 60),
                "duration": e.minutes,
                "numAttendees": e.participants,
                "organizerKey": key,
                "email": t.email(idx),
                "firstName": t.first_name(idx),
                "lastName": t.last_name(idx),
                "meetingType": meeting_type(e.kind),
            })
        })
        .collect();
    Ok(ok(&meetings))
}

/// `GET /G2W/rest/v2/organizers/{organizerKey}/sessions?fromTime&toTime&page&size`:
/// completed sessions. `size` above 200 is refused; `_embedded` is absent on an empty page,
/// as Spring HATEOAS renders it.
pub(super) async fn sessions(
    shared: web::Data<Shared>,
    req: HttpRequest,
    organizer: web::Path<String>,
) -> ApiResult {
    authenticate(&shared, &req, Scope::Collab)?;
    let p = Params::query(&req);
    let (from, to) = (instant(&p, "fromTime")?, instant(&p, "toTime")?);
    let number = |name: &str, default: usize| {
        p.value(name)
            .map_or(Some(default), |v| v.parse::<usize>().ok())
    };
    let size = number("size", 20)
        .filter(|s| (1..=200).contains(s))
        .ok_or_else(|| bad_request("size must be between 1 and 200"))?;
    let page =
        number("page", 0).ok_or_else(|| bad_request("page must be a non-negative integer"))?;
    let now = shared.now();
    let t = shared.read();
    let idx = find(&t, &organizer)?;
    let key = t.ids.goto(idx).to_string();
    let done: Vec<_> = t
        .events_between(idx, 1, from, to)
        .into_iter()
        .filter(|e| e.start + i64::from(e.minutes) * 60 <= now)
        .collect();
    let start = page.saturating_mul(size).min(done.len());
    let end = (start + size).min(done.len());
    let items: Vec<Value> = done[start..end]
        .iter()
        .map(|e| {
            let webinar = t.ids.event(idx, 1, e.seq);
            json!({
                "sessionKey": (webinar * 3 + 1).to_string(),
                "webinarKey": webinar.to_string(),
                "webinarName": format!("{} webinar", t.dept(idx)),
                "startTime": iso(e.start),
                "endTime": iso(e.start + i64::from(e.minutes) * 60),
                "registrantsAttended": e.participants,
                "registrantCount": e.participants + e.participants / 2,
                "creatingOrganizerKey": key,
                "startingOrganizerKey": key,
                "accountKey": account_key(&t),
            })
        })
        .collect();
    let mut body = json!({"page": {"size": size, "totalElements": done.len(), "totalPages": done.len().div_ceil(size), "number": page}});
    if !items.is_empty() {
        body["_embedded"] = json!({"sessionInfoResources": items});
    }
    Ok(ok(&body))
}

/// `GET /call-history/v1/calls?accountKey&userKey&startTime&endTime&pageSize&pageMarker`:
/// calls oldest first; `nextPageMarker` is absent on the last page.
pub(super) async fn calls(shared: web::Data<Shared>, req: HttpRequest) -> ApiResult {
    authenticate(&shared, &req, Scope::CallHistory)?;
    let p = Params::query(&req);
    let account = p
        .value("accountKey")
        .ok_or_else(|| bad_request("accountKey is required"))?;
    let (from, to) = (instant(&p, "startTime")?, instant(&p, "endTime")?);
    if to < from || to - from > CONNECT_MAX_WINDOW {
        return Err(bad_request(
            "endTime must follow startTime by at most 31 days",
        ));
    }
    let size = match p.value("pageSize") {
        None => 100,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or_else(|| bad_request("pageSize must be a positive integer"))?
            .min(1000),
    };
    let user_key = p.value("userKey").unwrap_or_default().to_string();
    let query = query_hash(&[&user_key, &from.to_string(), &to.to_string()]);
    let offset = match p.value("pageMarker") {
        None => 0,
        Some(m) => {
            decode(shared.secret, m)
                .filter(|c| c.list == LIST_CALLS && c.query == query)
                .ok_or_else(|| bad_request("Invalid pageMarker"))?
                .offset as usize
        }
    };
    let rows = {
        let t = shared.read();
        check_account(&t, account)?;
        let users: Vec<u32> = if user_key.is_empty() {
            (0..t.len() as u32).collect()
        } else {
            vec![find(&t, &user_key)?]
        };
        shared
            .lists
            .get_or_build(format!("goto-calls:{user_key}:{from}:{to}"), || {
                let mut rows: Vec<[u32; 4]> = users
                    .iter()
                    .flat_map(|idx| {
                        t.events_between(*idx, 2, from, to)
                            .into_iter()
                            .map(|e| [*idx, e.start as u32, e.minutes, e.kind])
                    })
                    .collect();
                rows.sort_unstable_by_key(|r| (r[1], r[0]));
                rows
            })
    };
    let t = shared.read();
    let end = (offset + size).min(rows.len());
    let items: Vec<Value> = rows[offset.min(end)..end]
        .iter()
        .map(|r| {
            let outbound = outbound(r[3]);
            let me = json!({"name": t.name(r[0]), "number": format!("+1555{:07}", r[0])});
            let other =
                json!({"name": "", "number": format!("+1800{:07}", r[3] * 7919 % 10_000_000)});
            let mut call = json!({
                "userKey": t.ids.goto(r[0]).to_string(),
                "direction": if outbound { "OUTBOUND" } else { "INBOUND" },
                "startTime": iso(i64::from(r[1])),
                "duration": r[2] * 60,
                "caller": if outbound { me.clone() } else { other.clone() },
                "callee": if outbound { other } else { me },
            });
            // About one call in eight goes unanswered: no answerTime then. A recorded call
            // can last under a minute, and is answered within it.
            if answered(r[3]) {
                call["answerTime"] = json!(iso(i64::from(r[1] + (r[2] * 60).min(5))));
            }
            call
        })
        .collect();
    let mut body = json!({"items": items});
    if end < rows.len() {
        let cursor = Cursor {
            list: LIST_CALLS,
            page: 0,
            offset: end as u32,
            issued: shared.now(),
            query,
        };
        body["nextPageMarker"] = json!(encode(shared.secret, &cursor));
    }
    Ok(ok(&body))
}
