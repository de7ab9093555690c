//! `/v2/report/*`: hosts' activity, a user's past meetings and webinars, and the sign-in
//! log, each limited to a window of at most one month within the last six months.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use chrono::{Days, Months, NaiveDate};
use serde::Serialize;
use serde_json::json;

use super::users::find;
use super::wire::user_type;
use super::{authenticate, error, next_token, page_count, page_size, page_start};
use crate::clock::iso;
use crate::config::ZoomPlan;
use crate::http::{ApiError, ApiResult, Params, ok};
use crate::paging::query_hash;
use crate::state::Shared;
use crate::tenant::{Tenant, midnight, report_floor, status_index};
use crate::truth::UserStatus;

const LIST_REPORT_USERS: u8 = 2;
const LIST_MEETINGS: u8 = 3;
const LIST_ACTIVITIES: u8 = 4;

/// A validated `from`/`to` pair: whole UTC days, `to` inclusive.
struct Window {
    from: NaiveDate,
    to: NaiveDate,
}

impl Window {
    fn start(&self) -> i64 {
        midnight(self.from)
    }

    fn end(&self) -> i64 {
        midnight(self.to + Days::new(1))
    }

    fn key(&self) -> String {
        format!("{}:{}", self.from, self.to)
    }
}

fn bad(message: &str) -> ApiError {
    error(StatusCode::BAD_REQUEST, 300, message)
}

fn window(shared: &Shared, p: &Params) -> Result<Window, ApiError> {
    if shared.config.zoom_plan == ZoomPlan::Free {
        return Err(error(StatusCode::BAD_REQUEST, 200, "No permission."));
    }
    let date = |name: &str| -> Result<NaiveDate, ApiError> {
        let v = p
            .value(name)
            .ok_or_else(|| bad(&format!("Invalid parameter: {name}.")))?;
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| bad(&format!("Invalid parameter: {name}.")))
    };
    let (from, to) = (date("from")?, date("to")?);
    if to < from {
        return Err(bad("The 'to' date must be later than the 'from' date."));
    }
    if from
        .checked_add_months(Months::new(1))
        .is_some_and(|limit| to > limit)
    {
        return Err(bad("The date range must be within one month."));
    }
    if midnight(from) < report_floor(shared.now()) {
        return Err(bad("Only provide report in recent 6 months."));
    }
    Ok(Window { from, to })
}

#[derive(Serialize)]
struct ReportUser {
    id: String,
    email: String,
    user_name: String,
    dept: &'static str,
    #[serde(rename = "type")]
    kind: u8,
    meetings: u32,
    meeting_minutes: u32,
    participants: u32,
    custom_attributes: [u8; 0],
}

/// `GET /report/users?type=active|inactive`: active hosts hosted at least one meeting in
/// the window (webinars do not count); inactive ones none. Active-status users only.
pub(super) async fn users(shared: web::Data<Shared>, req: HttpRequest) -> ApiResult {
    authenticate(&shared, &req)?;
    let p = Params::query(&req);
    let active = match p.value("type").unwrap_or("active") {
        "active" => true,
        "inactive" => false,
        _ => return Err(super::invalid_field("type")),
    };
    let w = window(&shared, &p)?;
    let size = page_size(&p)?;
    let kind = if active { "active" } else { "inactive" };
    let query = query_hash(&["report_users", kind, &w.key()]);
    let (offset, page) = page_start(&shared, &p, LIST_REPORT_USERS, query, size)?;
    let rows: Arc<Vec<[u32; 4]>> = {
        let t = shared.read();
        shared
            .lists
            .get_or_build(format!("zoom-report-users:{kind}:{}", w.key()), || {
                host_rows(&t, &w, active)
            })
    };
    let totals = rows.iter().fold([0u64; 3], |acc, r| {
        [
            acc[0] + u64::from(r[1]),
            acc[1] + u64::from(r[2]),
            acc[2] + u64::from(r[3]),
        ]
    });
    let t = shared.read();
    let end = (offset + size).min(rows.len());
    let users: Vec<ReportUser> = rows[offset.min(end)..end]
        .iter()
        .map(|r| ReportUser {
            id: t.ids.zoom(r[0]),
            email: t.email(r[0]),
            user_name: t.name(r[0]),
            dept: t.dept(r[0]),
            kind: user_type(&t, r[0]),
            meetings: r[1],
            meeting_minutes: r[2],
            participants: r[3],
            custom_attributes: [],
        })
        .collect();
    Ok(ok(&json!({
        "from": w.from.to_string(),
        "to": w.to.to_string(),
        "page_count": page_count(rows.len(), size),
        "page_size": size,
        "total_records": rows.len(),
        "next_page_token": next_token(&shared, LIST_REPORT_USERS, query, page, offset, size, rows.len()),
        "users": users,
        "total_meetings": totals[0],
        "total_meeting_minutes": totals[1],
        "total_participants": totals[2],
    })))
}

fn host_rows(t: &Tenant, w: &Window, active: bool) -> Vec<[u32; 4]> {
    t.by_status[status_index(UserStatus::Active)]
        .iter()
        .filter_map(|idx| {
            let mut row = [*idx, 0, 0, 0];
            for e in t
                .events(*idx, 0)
                .take_while(|e| e.start >= w.start())
                .filter(|e| e.start < w.end())
            {
                row[1] += 1;
                row[2] += e.minutes;
                row[3] += e.participants;
            }
            ((row[1] > 0) == active).then_some(row)
        })
        .collect()
}

/// Zoom meeting types: 1 instant, 2 scheduled, 8 recurring; webinars 5, 6 or 9.
fn meeting_type(webinar: bool, kind: u32) -> u8 {
    match (webinar, kind % 10) {
        (false, 0..=2) => 1,
        (false, 3..=7) => 2,
        (false, _) => 8,
        (true, 0..=6) => 5,
        (true, 7..=8) => 9,
        (true, _) => 6,
    }
}

/// `GET /report/users/{userId}/meetings`: meetings and webinars the user hosted in the
/// window, oldest first. Every generated meeting has at least two participants, so all of
/// them are reportable.
pub(super) async fn meetings(
    shared: web::Data<Shared>,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult {
    authenticate(&shared, &req)?;
    let p = Params::query(&req);
    let t = shared.read();
    let idx = find(&t, &id)?;
    let w = window(&shared, &p)?;
    let size = page_size(&p)?;
    let kind = p.value("type").unwrap_or("past");
    if !matches!(kind, "past" | "pastOne" | "pastJoined") {
        return Err(super::invalid_field("type"));
    }
    let query = query_hash(&["meetings", &id, kind, &w.key()]);
    let (offset, page) = page_start(&shared, &p, LIST_MEETINGS, query, size)?;
    let mut events: Vec<(bool, crate::tenant::activity::Event)> = t
        .events_between(idx, 0, w.start(), w.end())
        .into_iter()
        .map(|e| (false, e))
        .chain(
            t.events_between(idx, 1, w.start(), w.end())
                .into_iter()
                .map(|e| (true, e)),
        )
        .collect();
    events.sort_by_key(|(_, e)| e.start);
    let end = (offset + size).min(events.len());
    let host_id = t.ids.zoom(idx);
    let email = t.email(idx);
    let name = t.name(idx);
    let items: Vec<serde_json::Value> = events[offset.min(end)..end]
        .iter()
        .map(|(webinar, e)| {
            let stream = usize::from(*webinar);
            json!({
                "uuid": t.ids.event_uuid(idx, stream, e.seq),
                "id": t.ids.event(idx, stream, e.seq),
                "host_id": host_id,
                "type": meeting_type(*webinar, e.kind),
                "topic": if *webinar { format!("{} webinar", t.dept(idx)) } else { format!("{}'s meeting", t.first_name(idx)) },
                "user_name": name,
                "user_email": email,
                "start_time": iso(e.start),
                "end_time": iso(e.start + i64::from(e.minutes) * 60),
                "duration": e.minutes,
                "total_minutes": e.minutes * e.participants.min(12),
                "participants_count": e.participants,
                "source": "Zoom",
                "has_recording": e.kind % 4 == 0,
                "has_screen_share": e.kind % 3 == 0,
            })
        })
        .collect();
    Ok(ok(&json!({
        "from": w.from.to_string(),
        "to": w.to.to_string(),
        "page_count": page_count(events.len(), size),
        "page_size": size,
        "total_records": events.len(),
        "next_page_token": next_token(&shared, LIST_MEETINGS, query, page, offset, size, events.len()),
        "meetings": items,
    })))
}

/// `GET /report/activities`: sign-ins and sign-outs in the window, newest first.
pub(super) async fn activities(shared: web::Data<Shared>, req: HttpRequest) -> ApiResult {
    authenticate(&shared, &req)?;
    let p = Params::query(&req);
    let w = window(&shared, &p)?;
    let size = page_size(&p)?;
    let query = query_hash(&["activities", &w.key()]);
    let (offset, page) = page_start(&shared, &p, LIST_ACTIVITIES, query, size)?;
    let rows = {
        let t = shared.read();
        shared
            .lists
            .get_or_build(format!("zoom-activities:{}", w.key()), || sign_ins(&t, &w))
    };
    let t = shared.read();
    let end = (offset + size).min(rows.len());
    let logs: Vec<serde_json::Value> = rows[offset.min(end)..end]
        .iter()
        .map(|r| {
            let client = t.pick(r[0], 6, 0, 3) as usize;
            let (client_type, version) =
                [("Mac", "6.2.0"), ("Windows", "6.1.11"), ("iOS", "6.0.12")][client];
            json!({
                "email": t.email(r[0]),
                "time": iso(i64::from(r[1])),
                "type": if r[2] == 0 { "Sign in" } else { "Sign out" },
                "ip_address": format!("203.0.113.{}", t.pick(r[0], 7, 1, 254)),
                "client_type": client_type,
                "version": version,
            })
        })
        .collect();
    Ok(ok(&json!({
        "from": w.from.to_string(),
        "to": w.to.to_string(),
        "page_size": size,
        "total_records": rows.len(),
        "next_page_token": next_token(&shared, LIST_ACTIVITIES, query, page, offset, size, rows.len()),
        "activity_logs": logs,
    })))
}

/// Rows `[user, time, 0 = sign in | 1 = sign out, seq]`, newest first.
fn sign_ins(t: &Tenant, w: &Window) -> Vec<[u32; 4]> {
    let mut rows = Vec::new();
    for idx in 0..t.len() as u32 {
        for e in t.events(idx, 2).take_while(|e| e.start >= w.start()) {
            let out = e.start + i64::from(e.minutes) * 60;
            if e.start < w.end() {
                rows.push([idx, e.start as u32, 0, e.seq]);
            }
            // The latest session may still be open at "now": no sign-out yet. A recorded
            // sign-in's session is taken to be still open.
            if out < w.end() && out <= t.anchor && !e.recorded() {
                rows.push([idx, out as u32, 1, e.seq]);
            }
        }
    }
    rows.sort_unstable_by(|a, b| b[1].cmp(&a[1]).then(a[0].cmp(&b[0])));
    rows
}
