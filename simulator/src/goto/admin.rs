//! Admin API: the caller, the account's users (offset paging, `results`), licences, and
//! the two reclaim forms: PUT the user with the licence keys to keep, or DELETE users from
//! a licence.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Scope, account_key, authenticate, bad_request, check_account, error, find, not_found};
use crate::http::{ApiError, ApiResult, Params, ok};
use crate::paging::window;
use crate::state::Shared;
use crate::tenant::Tenant;
use crate::truth::{Product, UserRole};

const DEFAULT_PAGE_SIZE: usize = 20;
/// G8 pages with 1000; larger requests are clamped to it (the real maximum is unknown).
const MAX_PAGE_SIZE: usize = 1000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct User<'a> {
    key: String,
    email: String,
    first_name: &'a str,
    last_name: &'a str,
    products: Vec<&'a str>,
    license_keys: Vec<String>,
    admin_roles: &'static [&'static str],
}

fn admin_roles(role: UserRole) -> &'static [&'static str] {
    match role {
        UserRole::Owner => &[
            "SUPER_USER",
            "MANAGE_USERS",
            "MANAGE_SEATS",
            "MANAGE_SETTINGS",
            "MANAGE_GROUPS",
            "RUN_REPORTS",
            "MANAGE_ACCOUNT",
        ],
        UserRole::Admin => &["MANAGE_USERS", "MANAGE_SEATS", "RUN_REPORTS"],
        UserRole::Member => &[],
    }
}

fn wire_user(t: &Tenant, idx: u32) -> User<'_> {
    let held: Vec<&Product> = Product::of(t.vendor)
        .iter()
        .filter(|p| t.has(idx, **p))
        .collect();
    let mut products: Vec<&str> = held.iter().map(|p| p.code()).collect();
    let mut license_keys: Vec<String> = held
        .iter()
        .map(|p| t.ids.license(p.bit()).to_string())
        .collect();
    if let Some(foreign) = t.foreign.as_ref().filter(|f| f.holds(idx)) {
        products.push(&foreign.code);
        license_keys.push(foreign.key.to_string());
    }
    User {
        key: t.ids.goto(idx).to_string(),
        email: t.email(idx),
        first_name: t.first_name(idx),
        last_name: t.last_name(idx),
        products,
        license_keys,
        admin_roles: admin_roles(t.user(idx).role),
    }
}

pub(super) async fn me(shared: web::Data<Shared>, req: HttpRequest) -> ApiResult {
    authenticate(&shared, &req, Scope::Admin)?;
    let t = shared.read();
    let mut body = serde_json::to_value(wire_user(&t, 0)).unwrap_or_default();
    body["accountKey"] = json!(account_key(&t));
    body["locale"] = json!("en_US");
    body["accounts"] = json!([{"key": account_key(&t), "name": t.company}]);
    Ok(ok(&body))
}

pub(super) async fn users(
    shared: web::Data<Shared>,
    req: HttpRequest,
    account: web::Path<String>,
) -> ApiResult {
    authenticate(&shared, &req, Scope::Admin)?;
    let p = Params::query(&req);
    let number = |name: &str, default: usize| -> Result<usize, ApiError> {
        p.value(name).map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| bad_request(format!("{name} must be a non-negative integer")))
        })
    };
    let size = number("pageSize", DEFAULT_PAGE_SIZE)?.clamp(1, MAX_PAGE_SIZE);
    let offset = number("offset", 0)?;
    let t = shared.read();
    check_account(&t, &account)?;
    if let Some(filter) = p.value("filter") {
        let email = filter
            .strip_prefix("email eq \"")
            .and_then(|f| f.strip_suffix('"'))
            .ok_or_else(|| bad_request("Unsupported filter"))?;
        let results: Vec<User> = t
            .find_email(email)
            .map(|idx| wire_user(&t, idx))
            .into_iter()
            .collect();
        return Ok(ok(&json!({"results": results})));
    }
    let page = (offset / size) as u32 + 1;
    let rows = window(t.len(), offset, size, page, &shared.faults().paging());
    let results: Vec<User> = rows.map(|idx| wire_user(&t, idx as u32)).collect();
    Ok(ok(&json!({"results": results})))
}

pub(super) async fn user(
    shared: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult {
    authenticate(&shared, &req, Scope::Admin)?;
    let t = shared.read();
    check_account(&t, &path.0)?;
    let idx = find(&t, &path.1)?;
    Ok(ok(&wire_user(&t, idx)))
}

pub(super) async fn licenses(
    shared: web::Data<Shared>,
    req: HttpRequest,
    account: web::Path<String>,
) -> ApiResult {
    authenticate(&shared, &req, Scope::Admin)?;
    let t = shared.read();
    check_account(&t, &account)?;
    let mut results: Vec<Value> = Product::of(t.vendor)
        .iter()
        .map(|p| {
            let bit = p.bit();
            json!({
                "key": t.ids.license(bit).to_string(),
                "name": license_name(*p),
                "description": format!("{} licence", license_name(*p)),
                "products": [p.code()],
                "seats": t.seats_of(*p),
                "remaining": t.seats_of(*p).saturating_sub(t.holders[bit]),
                "enabled": true,
                "type": "PAID",
                "sku": format!("{}-STD", p.code().to_ascii_uppercase()),
            })
        })
        .collect();
    if let Some(foreign) = &t.foreign {
        let held = foreign.holders.len() as u32;
        results.push(json!({
            "key": foreign.key.to_string(),
            "name": foreign.name,
            "description": format!("{} licence", foreign.name),
            "products": [foreign.code],
            "seats": foreign.seats,
            "remaining": foreign.seats.saturating_sub(held),
            "enabled": true,
            "type": "PAID",
            "sku": format!("{}-STD", foreign.code.to_ascii_uppercase()),
        }));
    }
    Ok(ok(&json!({"results": results})))
}

fn license_name(p: Product) -> &'static str {
    match p {
        Product::GoToMeeting => "GoTo Meeting Business",
        Product::GoToWebinar => "GoTo Webinar Pro",
        Product::GoToConnect => "GoTo Connect Standard",
        Product::GoToTraining => "GoTo Training",
        Product::GoToAssist => "GoTo Assist",
        Product::OpenVoice => "OpenVoice Integrated",
        Product::ZoomMeetings | Product::ZoomWebinar | Product::AhaRoadmaps => "",
    }
}

/// Licences of the super user and admins are not reclaimable (the task's rule, GoTo's
/// insufficient-scope answer).
fn refuse_privileged(t: &Tenant, idx: u32) -> Result<(), ApiError> {
    match t.user(idx).role {
        UserRole::Member => Ok(()),
        UserRole::Admin | UserRole::Owner => Err(error(
            StatusCode::FORBIDDEN,
            "AUTHZ_INSUFFICIENT_SCOPE",
            "Licenses of an account administrator cannot be removed through the API.",
        )),
    }
}

fn product_of_license(t: &Tenant, key: &Value) -> Result<Product, ApiError> {
    key_text(key)
        .and_then(|k| t.ids.parse_license(&k))
        .and_then(|bit| Product::of(t.vendor).get(bit).copied())
        .ok_or_else(|| bad_request("Unknown license key"))
}

/// `PUT …/users/{userKey}`: `licenseKeys` replaces the user's licences (removals are
/// reclaims; additions need a free seat). Other fields are accepted and ignored. 204.
pub(super) async fn update_user(
    shared: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> ApiResult {
    authenticate(&shared, &req, Scope::Admin)?;
    let body: Value =
        serde_json::from_slice(&body).map_err(|_| bad_request("Malformed JSON body"))?;
    let now = shared.now();
    let request = format!("PUT {}", req.path());
    let mut t = shared.write();
    check_account(&t, &path.0)?;
    let idx = find(&t, &path.1)?;
    let Some(keys) = body.get("licenseKeys") else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let keys = keys
        .as_array()
        .ok_or_else(|| bad_request("licenseKeys must be an array"))?;
    let foreign_key = t.foreign.as_ref().map(|f| f.key.to_string());
    let is_foreign = |k: &Value| foreign_key.is_some() && key_text(k) == foreign_key;
    let wants_foreign = keys.iter().any(is_foreign);
    let wanted = keys
        .iter()
        .filter(|k| !is_foreign(k))
        .map(|k| product_of_license(&t, k))
        .collect::<Result<Vec<_>, _>>()?;
    let foreign_change = t
        .foreign
        .as_ref()
        .map(|f| (f.holds(idx), wants_foreign))
        .filter(|(holds, wants)| holds != wants);
    let products = Product::of(t.vendor);
    let removed: Vec<Product> = products
        .iter()
        .copied()
        .filter(|p| t.has(idx, *p) && !wanted.contains(p))
        .collect();
    let added: Vec<Product> = products
        .iter()
        .copied()
        .filter(|p| !t.has(idx, *p) && wanted.contains(p))
        .collect();
    if !removed.is_empty() || foreign_change == Some((true, false)) {
        refuse_privileged(&t, idx)?;
    }
    if foreign_change == Some((false, true))
        && t.foreign
            .as_ref()
            .is_some_and(|f| f.holders.len() as u32 >= f.seats)
    {
        return Err(error(
            StatusCode::CONFLICT,
            "BAD_REQUEST",
            "No seats remaining on the license".to_owned(),
        ));
    }
    // The reference documents no error for a licence without free seats: GoTo's general
    // shape with a 409 and a message of our own.
    if let Some(full) = added.iter().find(|p| !t.seat_free(**p)) {
        return Err(error(
            StatusCode::CONFLICT,
            "BAD_REQUEST",
            format!("No seats remaining on the {} license", full.code()),
        ));
    }
    for p in removed {
        t.revoke(idx, p, now, &request);
    }
    for p in added {
        t.grant(idx, p, now);
    }
    if let (Some(foreign), Some((_, wants))) = (t.foreign.as_mut(), foreign_change) {
        if wants {
            foreign.holders.insert(idx);
        } else {
            foreign.holders.remove(&idx);
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A licence key as text, whether it came as a JSON string or number.
fn key_text(key: &Value) -> Option<String> {
    key.as_str()
        .map(str::to_string)
        .or_else(|| key.as_u64().map(|k| k.to_string()))
}

/// `DELETE …/licenses/{licenseKey}/users` with `{"userKeys":[…]}` or `?userKeys=a,b`: all
/// or nothing; users without the licence are skipped. 204.
pub(super) async fn remove_license_users(
    shared: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> ApiResult {
    authenticate(&shared, &req, Scope::Admin)?;
    let mut keys: Vec<String> = Params::query(&req)
        .value("userKeys")
        .map(|v| v.split(',').map(|k| k.trim().to_string()).collect())
        .unwrap_or_default();
    if !body.is_empty() {
        let body: Value =
            serde_json::from_slice(&body).map_err(|_| bad_request("Malformed JSON body"))?;
        let listed = body
            .get("userKeys")
            .and_then(Value::as_array)
            .ok_or_else(|| bad_request("userKeys is required"))?;
        keys.extend(listed.iter().filter_map(|k| {
            k.as_str()
                .map(str::to_string)
                .or_else(|| k.as_u64().map(|n| n.to_string()))
        }));
    }
    if keys.is_empty() {
        return Err(bad_request("userKeys is required"));
    }
    let now = shared.now();
    let request = format!("DELETE {}", req.path());
    let mut t = shared.write();
    check_account(&t, &path.0)?;
    if t.foreign
        .as_ref()
        .is_some_and(|f| f.key.to_string() == path.1)
    {
        let users = keys
            .iter()
            .map(|k| find(&t, k))
            .collect::<Result<Vec<_>, _>>()?;
        let held: Vec<u32> = users
            .into_iter()
            .filter(|idx| t.foreign.as_ref().is_some_and(|f| f.holds(*idx)))
            .collect();
        for idx in &held {
            refuse_privileged(&t, *idx)?;
        }
        if let Some(foreign) = t.foreign.as_mut() {
            for idx in held {
                foreign.holders.remove(&idx);
            }
        }
        return Ok(HttpResponse::NoContent().finish());
    }
    let product = t
        .ids
        .parse_license(&path.1)
        .and_then(|bit| Product::of(t.vendor).get(bit).copied())
        .ok_or_else(|| not_found("License"))?;
    let users = keys
        .iter()
        .map(|k| find(&t, k))
        .collect::<Result<Vec<_>, _>>()?;
    for idx in users.iter().filter(|idx| t.has(**idx, product)) {
        refuse_privileged(&t, *idx)?;
    }
    for idx in users {
        t.revoke(idx, product, now, &request);
    }
    Ok(HttpResponse::NoContent().finish())
}
