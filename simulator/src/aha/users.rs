//! `/api/v1/users`: list (page/per_page with `pagination`), get (wrapped in `user`), and
//! update (`{"user":{"enabled":false}}` frees the paid seat; the answer is unwrapped).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use serde::Serialize;
use serde_json::{Value, json};

use super::{authenticate, error, not_found};
use crate::clock::iso_millis;
use crate::http::{ApiError, ApiResult, Params, ok};
use crate::paging::window;
use crate::state::Shared;
use crate::tenant::names::WORKSPACES;
use crate::tenant::{Tenant, aha_paid};
use crate::truth::{Product, UserRole, UserStatus};

const DEFAULT_PER_PAGE: usize = 30;
/// "Often said to be 200" (UNCONFIRMED): larger values are clamped, as Rails apps do.
const MAX_PER_PAGE: usize = 200;

/// Role code and description per stored role index (1-based).
const ROLES: [(u32, &str); 5] = [
    (20, "Owner"),
    (30, "Contributor"),
    (35, "Developer"),
    (40, "Reviewer"),
    (50, "Viewer"),
];

#[derive(Serialize)]
struct ProductRole {
    role: u32,
    role_description: &'static str,
    product_id: String,
    product_name: &'static str,
}

#[derive(Serialize)]
struct AdminRoles {
    administer_account: bool,
    administer_billing: bool,
    administer_configuration: bool,
}

#[derive(Serialize)]
struct User {
    id: String,
    name: String,
    email: String,
    created_at: String,
    updated_at: String,
    accessed_at: Option<String>,
    product_roles: Vec<ProductRole>,
    user_roles: [u8; 0],
    enabled: bool,
    paid_seat: bool,
    administrator: bool,
    administrator_roles: AdminRoles,
    identity_provider: Value,
}

fn user(t: &Tenant, idx: u32) -> User {
    let u = t.user(idx);
    let product_roles = (0..WORKSPACES.len())
        .filter_map(|w| {
            let role = (u.roles >> (4 * w) & 0xF) as usize;
            let (code, description) = *ROLES.get(role.checked_sub(1)?)?;
            Some(ProductRole {
                role: code,
                role_description: description,
                product_id: (131_000_000 + (t.seed % 1000) * 10 + w as u64).to_string(),
                product_name: WORKSPACES[w],
            })
        })
        .collect();
    let owner = u.role == UserRole::Owner;
    User {
        id: t.ids.aha(idx).to_string(),
        name: t.name(idx),
        email: t.email(idx),
        created_at: iso_millis(i64::from(u.created)),
        updated_at: iso_millis(i64::from(u.updated)),
        accessed_at: Some(t.last_activity(idx, 0))
            .filter(|t| *t != 0)
            .map(|t| iso_millis(i64::from(t))),
        product_roles,
        user_roles: [],
        enabled: u.status == UserStatus::Active,
        paid_seat: t.has(idx, Product::AhaRoadmaps),
        administrator: u.role != UserRole::Member,
        administrator_roles: AdminRoles {
            administer_account: owner,
            administer_billing: owner,
            administer_configuration: u.role != UserRole::Member,
        },
        identity_provider: json!({"type": if idx.is_multiple_of(3) { "saml" } else { "password" }}),
    }
}

fn user_id(req: &HttpRequest) -> &str {
    req.match_info().get("id").unwrap_or_default()
}

fn find(shared: &Shared, t: &Tenant, id: &str) -> Result<u32, ApiError> {
    t.ids.parse_aha(id).ok_or_else(|| not_found(&shared.config))
}

pub(super) async fn list(shared: web::Data<Shared>, req: HttpRequest) -> ApiResult {
    authenticate(&shared, &req)?;
    let p = Params::query(&req);
    let number = |name: &str| {
        p.value(name)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n >= 1)
    };
    let per_page = number("per_page")
        .unwrap_or(DEFAULT_PER_PAGE)
        .min(MAX_PER_PAGE);
    let page = number("page").unwrap_or(1);
    let t = shared.read();
    if let Some(email) = p.value("email") {
        let users: Vec<User> = t
            .find_email(email)
            .map(|idx| user(&t, idx))
            .into_iter()
            .collect();
        let total = users.len();
        return Ok(ok(
            &json!({"users": users, "pagination": {"total_records": total, "total_pages": total.min(1), "current_page": 1}}),
        ));
    }
    let offset = (page - 1).saturating_mul(per_page);
    let rows = window(
        t.len(),
        offset,
        per_page,
        page as u32,
        &shared.faults().paging(),
    );
    let users: Vec<User> = rows.map(|idx| user(&t, idx as u32)).collect();
    Ok(ok(&json!({
        "users": users,
        "pagination": {"total_records": t.len(), "total_pages": t.len().div_ceil(per_page), "current_page": page},
    })))
}

pub(super) async fn get(shared: web::Data<Shared>, req: HttpRequest) -> ApiResult {
    authenticate(&shared, &req)?;
    let t = shared.read();
    let idx = find(&shared, &t, user_id(&req))?;
    Ok(ok(&json!({"user": user(&t, idx)})))
}

/// Only `enabled` changes anything; the other documented fields are accepted and ignored.
pub(super) async fn update(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult {
    authenticate(&shared, &req)?;
    let config = &shared.config;
    let body: Value = serde_json::from_slice(&body).map_err(|_| {
        error(
            config,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Request body is not valid JSON",
        )
    })?;
    let fields = body.get("user").filter(|u| u.is_object()).ok_or_else(|| {
        error(
            config,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "param is missing or the value is empty: user",
        )
    })?;
    let now = shared.now();
    let request = format!("PUT {}", req.path());
    let mut t = shared.write();
    let idx = find(&shared, &t, user_id(&req))?;
    match fields.get("enabled") {
        None => {}
        Some(Value::Bool(false)) => {
            if t.user(idx).role != UserRole::Member {
                return Err(error(
                    config,
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "Account administrators cannot be disabled.",
                ));
            }
            t.users[idx as usize].status = UserStatus::Inactive;
            t.users[idx as usize].updated = now as u32;
            t.revoke(idx, Product::AhaRoadmaps, now, &request);
        }
        Some(Value::Bool(true)) => {
            let u = t.users[idx as usize];
            let takes_seat =
                aha_paid(u.roles, u.role, UserStatus::Active) && !t.has(idx, Product::AhaRoadmaps);
            if takes_seat && !t.seat_free(Product::AhaRoadmaps) {
                // Aha! documents no error for this (seats are bought in the Billing UI):
                // a Rails-style 422 in the configured error style, message our own.
                return Err(error(
                    config,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unprocessable_entity",
                    "No paid seats are available. Add seats in Billing settings to enable this user.",
                ));
            }
            t.users[idx as usize].status = UserStatus::Active;
            t.users[idx as usize].updated = now as u32;
            if takes_seat {
                t.grant(idx, Product::AhaRoadmaps, now);
            }
        }
        Some(_) => {
            return Err(error(
                config,
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable_entity",
                "enabled must be true or false",
            ));
        }
    }
    Ok(ok(&user(&t, idx)))
}
