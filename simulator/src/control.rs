//! `/_sim/`: the ground truth, the request log, reset, clock, faults, recorded activity and
//! seat limits. Unauthenticated, so it answers loopback peers only (anyone else gets the
//! vendor's 404).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Scope, guard, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::faults::Fault;
use crate::http::{Params, json, ok};
use crate::oauth::Grant;
use crate::state::Shared;
use crate::truth::Product;

pub(crate) fn scope() -> Scope {
    web::scope("/_sim")
        .guard(guard::fn_guard(|ctx| {
            ctx.head().peer_addr.is_some_and(|a| a.ip().is_loopback())
        }))
        .route("/truth", web::get().to(truth))
        .route("/truth/inactive", web::get().to(inactive))
        .route("/reclaimed", web::get().to(reclaimed))
        .route("/requests", web::get().to(requests))
        .route("/credentials", web::get().to(credentials))
        .route("/reset", web::post().to(reset))
        .route("/clock/advance", web::post().to(advance))
        .route("/token", web::post().to(token))
        .route("/faults", web::get().to(faults))
        .route("/faults", web::post().to(add_fault))
        .route("/faults", web::delete().to(clear_faults))
        .route("/activity", web::post().to(record_activity))
        .route("/seats", web::get().to(seats))
        .route("/seats", web::post().to(set_seats))
}

fn flag(p: &Params, name: &str) -> bool {
    p.get(name) != Some("false")
}

async fn truth(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let p = Params::query(&req);
    let mut t = shared.truth();
    if !flag(&p, "users") {
        t.users.clear();
    }
    if !flag(&p, "requests") {
        t.requests.clear();
    }
    ok(&t)
}

#[derive(Serialize)]
struct ProductCount {
    product: Product,
    licensed: usize,
    inactive: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    inactive_ids: Option<Vec<String>>,
}

async fn inactive(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let p = Params::query(&req);
    let Some(days) = p.get("days").and_then(|d| d.parse::<i64>().ok()) else {
        return json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": "days=N is required"}),
        );
    };
    let with_ids = p.get("ids") == Some("true");
    let t = shared.truth();
    let products = Product::of(t.vendor)
        .iter()
        .map(|product| {
            let inactive = t.inactive(*product, days);
            ProductCount {
                product: *product,
                licensed: t.holders(*product).count(),
                inactive: inactive.len(),
                inactive_ids: with_ids.then(|| inactive.iter().map(|u| u.id.clone()).collect()),
            }
        })
        .collect::<Vec<_>>();
    ok(&serde_json::json!({"days": days, "now": t.now, "products": products}))
}

async fn reclaimed(shared: web::Data<Shared>) -> HttpResponse {
    ok(&shared.read().reclaims)
}

async fn requests(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let since = Params::query(&req)
        .get("since")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    ok(&shared.requests(since))
}

async fn credentials(shared: web::Data<Shared>) -> HttpResponse {
    ok(&shared.creds)
}

async fn reset(shared: web::Data<Shared>) -> HttpResponse {
    shared.reset();
    HttpResponse::NoContent().finish()
}

async fn advance(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    match Params::query(&req)
        .get("secs")
        .and_then(|s| s.parse::<u64>().ok())
    {
        Some(secs) => {
            shared.clock.advance(Duration::from_secs(secs));
            ok(&serde_json::json!({"now": shared.clock.now()}))
        }
        None => json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": "secs=N is required"}),
        ),
    }
}

/// A valid access token with every scope, without the OAuth dance, for tests of other things.
async fn token(shared: web::Data<Shared>) -> HttpResponse {
    let ttl = shared.config.token_ttl.as_secs();
    let token = shared
        .oauth()
        .issue_access(shared.clock.now_ms(), ttl, Grant::ALL);
    ok(&serde_json::json!({"access_token": token, "expires_in": ttl}))
}

async fn faults(shared: web::Data<Shared>) -> HttpResponse {
    ok(&shared.faults().list())
}

/// Takes a JSON fault (`{"kind":"server_error","status":503,"times":2}`) or the CLI syntax
/// as plain text (`503x2`).
async fn add_fault(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let parsed = serde_json::from_slice::<Fault>(&body)
        .map_err(|e| e.to_string())
        .or_else(|json_err| {
            std::str::from_utf8(&body)
                .map_err(|e| e.to_string())
                .and_then(|s| {
                    s.trim()
                        .parse::<Fault>()
                        .map_err(|e| format!("{json_err}; {e}"))
                })
        })
        .and_then(|f| f.validate().map(|()| f).map_err(|e| e.to_string()));
    match parsed {
        Ok(fault) => {
            shared.faults().set(fault);
            ok(&shared.faults().list())
        }
        Err(e) => json(StatusCode::BAD_REQUEST, &serde_json::json!({"error": e})),
    }
}

async fn clear_faults(shared: web::Data<Shared>) -> HttpResponse {
    shared.faults().clear();
    HttpResponse::NoContent().finish()
}

fn error(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    json(status, &serde_json::json!({"error": message.into()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Activity {
    user_id: String,
    product: Product,
    at: Option<DateTime<Utc>>,
}

/// `{"user_id","product","at"?}`: 200 with what was recorded, 404 for an unknown user, 400
/// for anything else wrong.
async fn record_activity(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let a = match serde_json::from_slice::<Activity>(&body) {
        Ok(a) => a,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match shared.record_activity(&a.user_id, a.product, a.at) {
        Ok(at) => ok(&serde_json::json!({"user_id": a.user_id, "product": a.product, "at": at})),
        Err(e @ SimError::UnknownUser(_)) => error(StatusCode::NOT_FOUND, e.to_string()),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

#[derive(Serialize)]
struct Seats {
    product: Product,
    /// The limit set, if any.
    limit: Option<u32>,
    /// What grants are checked against: the limit, else the generated purchase.
    seats: u32,
    holders: u32,
}

fn seat_list(shared: &Shared) -> Vec<Seats> {
    let t = shared.read();
    Product::of(t.vendor)
        .iter()
        .map(|p| Seats {
            product: *p,
            limit: t.limits[p.bit()],
            seats: t.seats_of(*p),
            holders: t.holders[p.bit()],
        })
        .collect()
}

async fn seats(shared: web::Data<Shared>) -> HttpResponse {
    ok(&seat_list(&shared))
}

/// `{"product","limit"}`, where `limit` is a seat count or null to remove the limit; the
/// key is required so that a typo does not silently lift a limit. Answers like `GET`.
async fn set_seats(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Limit {
        product: Product,
        limit: Option<u32>,
    }
    let present =
        serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v.get("limit").is_some());
    if !present {
        return error(
            StatusCode::BAD_REQUEST,
            "expected {\"product\": …, \"limit\": N or null}",
        );
    }
    let set = serde_json::from_slice::<Limit>(&body)
        .map_err(|e| e.to_string())
        .and_then(|l| {
            shared
                .set_seat_limit(l.product, l.limit)
                .map_err(|e| e.to_string())
        });
    match set {
        Ok(()) => ok(&seat_list(&shared)),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}
