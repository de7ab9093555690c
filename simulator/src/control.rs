//! `/_sim/`: the ground truth, the request log, reset, clock and faults. Unauthenticated,
//! so it answers loopback peers only (anyone else gets the vendor's 404).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Scope, guard, web};
use serde::Serialize;

use crate::faults::Fault;
use crate::http::{Params, json, ok};
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

/// A valid access token without the OAuth dance, for tests of other things.
async fn token(shared: web::Data<Shared>) -> HttpResponse {
    let ttl = shared.config.token_ttl.as_secs();
    let token = shared.oauth().issue_access(shared.clock.now_ms(), ttl);
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
