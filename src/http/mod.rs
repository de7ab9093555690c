//! The HTTP surface: `/graphql` (POST, GET, WebSocket), GraphiQL (`graphiql`: the page a
//! browser gets from `GET /graphql` and its assets under `/graphiql/`, all from the
//! binary), the CSV exports, the notice pages, health, readiness and metrics.

pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod negotiate;
pub mod notice;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::Data;
use async_graphql_actix_web::GraphQLSubscription;
use tracing::Instrument;

use crate::domain::tokens;
use crate::error::AppError;
use crate::graphql::AppSchema;
use crate::state::AppState;

/// Mounts every route; `state` and `schema` must be in the app data.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
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
    .route("/graphiql/{file}", web::get().to(graphiql::asset))
    .route("/export/{kind}", web::get().to(export::download))
    .route("/oauth/callback", web::get().to(oauth_callback))
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz))
    .route("/metrics", web::get().to(metrics));
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .finish()
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
        websocket(state, schema, req, payload).await
    } else {
        Ok(graphql::get(state, schema, req).await)
    }
}

/// The token a `connection_init` payload carries: `{"authorization": "Bearer …"}` or
/// `{"token": "…"}` (keys in any letter case).
fn init_token(payload: &serde_json::Value) -> Option<String> {
    let map = payload.as_object()?;
    map.iter().find_map(|(k, v)| {
        let v = v.as_str()?;
        if k.eq_ignore_ascii_case("authorization") {
            graphql::bearer(v).map(str::to_owned)
        } else if k.eq_ignore_ascii_case("token") {
            Some(v.trim().to_owned()).filter(|t| !t.is_empty())
        } else {
            None
        }
    })
}

async fn websocket(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    // A non-browser client may also authenticate the upgrade request itself.
    let header_token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(graphql::bearer)
        .map(str::to_owned);
    let state = state.get_ref().clone();
    GraphQLSubscription::new(AppSchema::clone(&schema))
        .on_connection_init(move |init| async move {
            let raw = init_token(&init)
                .or(header_token)
                .ok_or(AppError::Unauthenticated)?;
            let principal = tokens::authenticate(&state.db, &state.tokens, &raw).await?;
            let mut data = Data::default();
            data.insert(principal);
            Ok(data)
        })
        .start(&req, payload)
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

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(
            state
                .metrics
                .render(&state.db, state.jobs.events.subscribers()),
        )
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
