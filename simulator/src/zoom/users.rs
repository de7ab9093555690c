//! `/v2/users`: list, get, settings, and the two reclaim PATCHes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};

use super::wire::{self, User};
use super::{authenticate, error, invalid_field, next_token, page_count, page_size, page_start};
use crate::http::{ApiError, ApiResult, Params, ok};
use crate::paging::{query_hash, window};
use crate::state::Shared;
use crate::tenant::{BUNDLE, Tenant, status_index};
use crate::truth::{Product, UserRole, UserStatus};

pub(super) const LIST_USERS: u8 = 1;

#[derive(Serialize)]
struct UsersPage<'a> {
    next_page_token: String,
    page_count: usize,
    page_number: u32,
    page_size: usize,
    total_records: usize,
    users: Vec<User<'a>>,
}

pub(super) async fn list(shared: web::Data<Shared>, req: HttpRequest) -> ApiResult {
    authenticate(&shared, &req)?;
    let p = Params::query(&req);
    let status = match p.value("status").unwrap_or("active") {
        "active" => UserStatus::Active,
        "inactive" => UserStatus::Inactive,
        "pending" => UserStatus::Pending,
        _ => return Err(invalid_field("status")),
    };
    let size = page_size(&p)?;
    let query = query_hash(&[super::wire::status(status)]);
    let (offset, page) = page_start(&shared, &p, LIST_USERS, query, size)?;
    let faults = shared.faults().paging();
    let now = shared.now();
    let t = shared.read();
    let ids = &t.by_status[status_index(status)];
    let rows = window(ids.len(), offset, size, page, &faults);
    let body = UsersPage {
        next_page_token: next_token(&shared, LIST_USERS, query, page, offset, size, ids.len()),
        page_count: page_count(ids.len(), size),
        page_number: page,
        page_size: size,
        total_records: ids.len(),
        users: ids[rows]
            .iter()
            .map(|idx| wire::user(&t, *idx, now))
            .collect(),
    };
    Ok(ok(&body))
}

/// `{userId}`: an id, an email address, or `me` (the owner who authorised the app).
pub(super) fn find(t: &Tenant, id: &str) -> Result<u32, ApiError> {
    let found = if id == "me" {
        Some(0)
    } else if id.contains('@') {
        t.find_email(id)
    } else {
        t.ids
            .parse_zoom(id)
            .filter(|idx| t.user(*idx).status != UserStatus::Pending)
    };
    found.ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            1001,
            format!("User does not exist: {id}."),
        )
    })
}

pub(super) async fn get(
    shared: web::Data<Shared>,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult {
    authenticate(&shared, &req)?;
    let t = shared.read();
    let idx = find(&t, &id)?;
    let account_id = shared.creds.account_id.as_deref().unwrap_or_default();
    Ok(ok(&wire::detail(&t, idx, shared.now(), account_id)))
}

pub(super) async fn summary(shared: web::Data<Shared>, req: HttpRequest) -> ApiResult {
    authenticate(&shared, &req)?;
    let t = shared.read();
    let licensed = t.holders[Product::ZoomMeetings.bit()] as usize;
    let pending = t.by_status[status_index(UserStatus::Pending)].len();
    Ok(ok(&json!({
        "licensed_users_count": licensed,
        "basic_users_count": t.len() - licensed - pending,
        "on_prem_users_count": 0,
        "room_users_count": 0,
        "pending_users_count": pending,
        "join_only_users_count": 0,
        "total_users_count": t.len(),
    })))
}

pub(super) async fn settings(
    shared: web::Data<Shared>,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult {
    authenticate(&shared, &req)?;
    let t = shared.read();
    let idx = find(&t, &id)?;
    let licensed = t.has(idx, Product::ZoomMeetings);
    let mut feature = json!({
        "meeting_capacity": if licensed { 300 } else { 100 },
        "large_meeting": false,
        "webinar": t.has(idx, Product::ZoomWebinar),
        "zoom_phone": false,
        "zoom_events": false,
        "zoom_whiteboard": licensed,
        "concurrent_meeting": if licensed { "Basic" } else { "None" },
    });
    if t.has(idx, Product::ZoomWebinar) {
        feature["webinar_capacity"] = json!(if t.pick(idx, 5, 0, 2) == 0 { 500 } else { 1000 });
    }
    Ok(ok(&json!({
        "feature": feature,
        "schedule_meeting": {"host_video": true, "participants_video": false},
        "in_meeting": {"chat": true, "screen_sharing": true},
        "recording": {"local_recording": true, "cloud_recording": licensed},
    })))
}

fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                300,
                "Request Body should be a valid JSON object.",
            )
        })
}

/// Reclaim refused for the owner and admins (the task's rule; Zoom's code for a caller
/// without permission).
fn refuse_privileged(t: &Tenant, idx: u32) -> Result<(), ApiError> {
    match t.user(idx).role {
        UserRole::Member => Ok(()),
        UserRole::Admin | UserRole::Owner => Err(error(
            StatusCode::BAD_REQUEST,
            1108,
            "Only the account owner can change the license of an owner or admin.",
        )),
    }
}

/// 400 when no licence is left to assign. The reference lists 2033, 2034, 2038 and 3412 as
/// the seat-limit codes of `PATCH /users/{userId}` without saying which is which, and no
/// code for the settings PATCH: 2033 stands for the Licensed type, 3412 for the webinar
/// add-on, and the messages are ours. A connector should treat all four alike.
fn no_seats(product: Product) -> ApiError {
    let (code, message) = match product {
        Product::ZoomWebinar => (
            3412,
            "Not enough Webinar licenses to assign one to this user.",
        ),
        _ => (2033, "Not enough seats to assign a license."),
    };
    error(StatusCode::BAD_REQUEST, code, message)
}

/// `PATCH /users/{userId}` `{"type":1}` downgrades to Basic (the webinar add-on goes with
/// the licence); `{"type":2}` restores it. 204 and no body.
pub(super) async fn update(
    shared: web::Data<Shared>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult {
    authenticate(&shared, &req)?;
    let body = parse_body(&body)?;
    let request = format!("PATCH {}", req.path());
    let now = shared.now();
    let mut t = shared.write();
    let idx = find(&t, &id)?;
    let Some(kind) = body.get("type") else {
        return Ok(HttpResponse::NoContent().finish());
    };
    match kind.as_u64() {
        Some(1) => {
            if !t.has(idx, Product::ZoomMeetings) {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    1109,
                    "User is not a paid user.",
                ));
            }
            refuse_privileged(&t, idx)?;
            if t.user(idx).flags & BUNDLE != 0 {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    2039,
                    "Not enough Basic licenses to turn off Zoom One for this user.",
                ));
            }
            t.revoke(idx, Product::ZoomWebinar, now, &request);
            t.revoke(idx, Product::ZoomMeetings, now, &request);
        }
        Some(2) => {
            if !t.has(idx, Product::ZoomMeetings) && !t.seat_free(Product::ZoomMeetings) {
                return Err(no_seats(Product::ZoomMeetings));
            }
            if t.user(idx).status != UserStatus::Active {
                return Err(invalid_field("type"));
            }
            t.grant(idx, Product::ZoomMeetings, now);
        }
        Some(4 | 99) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                300,
                "Type 4 and 99 can only be set on user creation.",
            ));
        }
        _ => return Err(invalid_field("type")),
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `PATCH /users/{userId}/settings` `{"feature":{"webinar":false}}` removes the webinar
/// add-on. 204 (the reference leaves the status unconfirmed).
pub(super) async fn update_settings(
    shared: web::Data<Shared>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> ApiResult {
    authenticate(&shared, &req)?;
    let body = parse_body(&body)?;
    let request = format!("PATCH {}", req.path());
    let now = shared.now();
    let mut t = shared.write();
    let idx = find(&t, &id)?;
    match body.pointer("/feature/webinar") {
        // Turning off an add-on the user does not have changes nothing.
        None => {}
        Some(Value::Bool(false)) if !t.has(idx, Product::ZoomWebinar) => {}
        Some(Value::Bool(false)) => {
            refuse_privileged(&t, idx)?;
            t.revoke(idx, Product::ZoomWebinar, now, &request);
        }
        Some(Value::Bool(true)) => {
            if !t.has(idx, Product::ZoomMeetings) {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    1109,
                    "User is not a paid user.",
                ));
            }
            if !t.has(idx, Product::ZoomWebinar) && !t.seat_free(Product::ZoomWebinar) {
                return Err(no_seats(Product::ZoomWebinar));
            }
            t.grant(idx, Product::ZoomWebinar, now);
        }
        Some(_) => return Err(invalid_field("feature.webinar")),
    }
    Ok(HttpResponse::NoContent().finish())
}
