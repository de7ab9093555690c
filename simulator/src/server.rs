//! The HTTP server and the gate every request passes: request log, faults, rate limits,
//! then the vendor's handler.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpResponse, HttpServer, ResponseError, web};

use crate::config::Vendor;
use crate::faults::{Mangle, Respond};
use crate::http::{ApiError, gateway_html};
use crate::ratelimit::{Info, Verdict};
use crate::state::Shared;
use crate::{aha, control, goto, zoom};

/// How the gate treats a path.
pub(crate) struct Route {
    /// API calls are faulted; OAuth calls are not.
    pub api: bool,
    /// Rate-limit bucket, if the call is limited.
    pub bucket: Option<usize>,
}

pub(crate) fn serve(shared: Arc<Shared>, listener: TcpListener) -> std::io::Result<Server> {
    let data = web::Data::from(shared.clone());
    let vendor = shared.config.vendor;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .service(control::scope())
            .configure(|cfg| match vendor {
                Vendor::Zoom => zoom::routes(cfg),
                Vendor::GoTo => goto::routes(cfg),
                Vendor::Aha => aha::routes(cfg),
            })
            .default_service(web::to(not_found))
            .wrap(from_fn(gate))
    })
    .workers(shared.config.workers.max(1))
    .disable_signals()
    .shutdown_timeout(0)
    .listen(listener)?
    .run();
    Ok(server)
}

async fn not_found(shared: web::Data<Shared>) -> HttpResponse {
    vendor_error(&shared, StatusCode::NOT_FOUND).error_response()
}

fn classify(vendor: Vendor, method: &Method, path: &str) -> Route {
    match vendor {
        Vendor::Zoom => zoom::classify(method, path),
        Vendor::GoTo => goto::classify(path),
        Vendor::Aha => aha::classify(path),
    }
}

/// The vendor's answer to a generic failure status.
fn vendor_error(shared: &Shared, status: StatusCode) -> ApiError {
    match shared.config.vendor {
        Vendor::Zoom => zoom::status_error(status),
        Vendor::GoTo => goto::status_error(status),
        Vendor::Aha => aha::status_error(&shared.config, status),
    }
}

fn rate_limited(shared: &Shared, info: Option<Info>) -> ApiError {
    match shared.config.vendor {
        Vendor::Zoom => zoom::rate_limited(info),
        Vendor::GoTo => goto::rate_limited(),
        Vendor::Aha => aha::rate_limited(&shared.config, info),
    }
}

async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(shared) = req.app_data::<web::Data<Shared>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if req.path().starts_with("/_sim") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let started = Instant::now();
    let (method, path, query) = (
        req.method().to_string(),
        req.path().to_string(),
        req.query_string().to_string(),
    );
    let route = classify(shared.config.vendor, req.method(), &path);
    let mut mangle = None;
    let mut shown_limit = None;
    let mut res = 'answer: {
        if !route.api {
            break 'answer next.call(req).await?.map_into_boxed_body();
        }
        let plan = shared.faults().plan();
        if plan.revoke_now {
            shared.oauth().revoke_all_access();
        }
        if let Some(delay) = plan.delay {
            tokio::time::sleep(delay).await;
        }
        match plan.respond {
            Some(Respond::RateLimited) => {
                break 'answer req.into_response(rate_limited(&shared, None).error_response());
            }
            Some(Respond::Status(code)) => {
                let status =
                    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let err = if code == 500 {
                    vendor_error(&shared, status)
                } else {
                    gateway_html(status)
                };
                break 'answer req.into_response(err.error_response());
            }
            Some(Respond::Hang) => {
                tokio::time::sleep(shared.config.hang).await;
                break 'answer req
                    .into_response(gateway_html(StatusCode::GATEWAY_TIMEOUT).error_response());
            }
            None => {}
        }
        mangle = plan.mangle;
        if let Some(bucket) = route.bucket {
            match shared.limiter().check(bucket, shared.clock.now_ms()) {
                Verdict::Denied(info) => {
                    break 'answer req
                        .into_response(rate_limited(&shared, Some(info)).error_response());
                }
                Verdict::Allowed(info) => shown_limit = info,
            }
        }
        next.call(req).await?.map_into_boxed_body()
    };
    if shared.config.vendor == Vendor::Zoom
        && let Some(info) = shown_limit
    {
        zoom::limit_headers(res.headers_mut(), &info);
    }
    if let Some(m) = mangle
        && res.status() == StatusCode::OK
    {
        res = break_body(res, m).await?;
    }
    let status = res.status().as_u16();
    let took = started.elapsed();
    tracing::debug!(vendor = shared.config.vendor.as_str(), %method, %path, status, micros = took.as_micros() as u64, "request");
    shared.record(method, path, query, status, took);
    Ok(res)
}

/// The malformed/truncated JSON faults: same status and headers, broken body.
async fn break_body(
    res: ServiceResponse<BoxBody>,
    how: Mangle,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?;
    let broken = match how {
        // A stray comma right after the opening brace: unparseable, same size.
        Mangle::Malformed => {
            let mut v = bytes.to_vec();
            if v.len() > 1 {
                v[1] = b',';
            }
            v
        }
        Mangle::Truncated => bytes[..bytes.len() / 2].to_vec(),
    };
    Ok(ServiceResponse::new(
        req,
        head.set_body(BoxBody::new(broken)),
    ))
}
