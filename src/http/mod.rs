//! The HTTP surface: `/graphql` (POST, GET, WebSocket), the web console (`console`: `/`
//! and its assets under `/console/`), GraphiQL (`graphiql`: the page a browser gets from
//! `GET /graphql` and its assets under `/graphiql/`), all from the binary, the CSV
//! exports, the notice pages, health, readiness and metrics. Every error an API client
//! can meet is JSON with `extensions.code`, including those actix answers itself (unknown
//! route, wrong method, body too large): see [`json_errors`].

pub mod console;
mod embedded;
pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod negotiate;
pub mod notice;
pub mod websocket;

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tracing::Instrument;

use crate::graphql::AppSchema;
use crate::state::AppState;

/// The largest request body (and WebSocket message) accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Mounts every route; `state` and `schema` must be in the app data.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(get_or_upgrade))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/notice/{token}")
                .route(web::get().to(notice::show))
                .route(web::post().to(notice::submit)),
        )
        .service(web::resource("/").get(console::page))
        .service(web::resource("/console/{file}").get(console::asset))
        .service(web::resource("/graphiql/{file}").get(graphiql::asset))
        // Resources, not bare routes: another method gets 405 with `Allow`, not 404.
        .service(web::resource("/export/{kind}").get(export::download))
        .service(web::resource("/oauth/callback").get(oauth_callback))
        .service(web::resource("/healthz").get(healthz))
        .service(web::resource("/readyz").get(readyz))
        .service(web::resource("/metrics").get(metrics))
        .default_service(web::to(not_found));
}

fn json_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json; charset=utf-8")
        .json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    json_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("no such resource: {}", req.path()),
    )
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let mut resp = json_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        &format!(
            "{} is not allowed on /graphql: use GET or POST",
            req.method()
        ),
    );
    resp.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
    resp
}

fn is_websocket_upgrade(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("websocket"))
}

async fn get_or_upgrade(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    if is_websocket_upgrade(&req) {
        websocket::upgrade(state, schema, req, payload).await
    } else {
        Ok(graphql::get(state, schema, req).await)
    }
}

/// The vendor's redirect after the user approved (or refused) access: a plain page.
async fn oauth_callback(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let mut code = None;
    let mut flow_state = None;
    let mut vendor_error = None;
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => flow_state = Some(v.into_owned()),
            "error" => vendor_error = Some(v.into_owned()),
            _ => {}
        }
    }
    let page = |status: actix_web::http::StatusCode, title: &str, text: &str| {
        let body = format!(
            "<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1><p>{}</p>",
            escape_html(text)
        );
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body)
    };
    let (Some(code), Some(flow_state)) = (code, flow_state) else {
        let why = vendor_error.unwrap_or_else(|| "the vendor sent no authorization code".into());
        return page(
            actix_web::http::StatusCode::BAD_REQUEST,
            "Authorization failed",
            &why,
        );
    };
    match crate::domain::oauth::callback(&state, &code, &flow_state).await {
        Ok(alias) => page(
            actix_web::http::StatusCode::OK,
            "Connected",
            &format!(
                "The connection alias \"{alias}\" now has its tokens. You can close this page."
            ),
        ),
        Err(err) => page(
            actix_web::http::StatusCode::BAD_REQUEST,
            "Authorization failed",
            &err.message(),
        ),
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if crate::db::ping(&state.db).await {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unreachable\n")
    }
}

async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if let Some(expected) = &state.settings.metrics_token {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(graphql::bearer);
        // Compared as hashes, so the time taken says nothing about the token.
        let hash = crate::domain::tokens::hash_token;
        if sent.is_none_or(|sent| hash(sent) != hash(expected.expose().trim())) {
            let (code, message) = match sent {
                None => (
                    "UNAUTHENTICATED",
                    "send `Authorization: Bearer <SEATKEEPER_METRICS_TOKEN>`",
                ),
                Some(_) => ("UNAUTHENTICATED", "invalid token for /metrics"),
            };
            let mut resp = json_error(StatusCode::UNAUTHORIZED, code, message);
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            return resp;
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(
            state
                .metrics
                .render(&state.db, state.jobs.events.subscribers()),
        )
}

/// Errors actix answers on its own (an unknown route, a method a route does not take, a
/// body over [`MAX_BODY_BYTES`], a malformed request) come as an empty or plain-text body;
/// they become the same JSON every other error is, with the status kept. HTML pages (the
/// notice and OAuth pages) keep their own error pages.
pub async fn json_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return Ok(res.map_into_boxed_body());
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "PAYLOAD_TOO_LARGE",
            format!("the request body is larger than {MAX_BODY_BYTES} bytes (the limit)"),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "METHOD_NOT_ALLOWED",
            "this resource does not take that method".to_owned(),
        ),
        StatusCode::NOT_FOUND => ("NOT_FOUND", "no such resource".to_owned()),
        StatusCode::UNAUTHORIZED => ("UNAUTHENTICATED", "authentication required".to_owned()),
        StatusCode::SERVICE_UNAVAILABLE => (
            "UNAVAILABLE",
            "the service is not ready: its database is unreachable".to_owned(),
        ),
        s if s.is_server_error() => ("INTERNAL", "internal error".to_owned()),
        _ => ("BAD_REQUEST", "the request is malformed".to_owned()),
    };
    let (req, res) = res.into_parts();
    let mut out = json_error(status, code, &message);
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(v) = res.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    Ok(ServiceResponse::new(req, out))
}

/// A tracing span per request, and its route, status and latency in the metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let span = tracing::info_span!("request", method = %req.method(), route = %route);
    let res = next.call(req).instrument(span).await?;
    if let Some(metrics) = metrics {
        metrics.observe_request(&route, res.status().as_u16(), started.elapsed());
    }
    Ok(res)
}
