//! Aha!: `https://<subdomain>.aha.io/oauth/*` and `/api/v1/*`. The tenant is chosen by, in
//! order: a path prefix (`/<subdomain>/api/v1/users`), the `X-AHA-ACCOUNT` header (the old
//! `secure.aha.io` form), or the first label of the Host header (`<subdomain>.aha.io`,
//! `<subdomain>.localhost`). A request naming no tenant, or another one, gets 404.

mod oauth;
mod users;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, web};
use serde_json::json;

use crate::config::{AhaErrorStyle, SimConfig};
use crate::http::{ApiError, bearer};
use crate::oauth::TokenCheck;
use crate::ratelimit::Info;
use crate::server::Route;
use crate::state::Shared;

fn tenant_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/authorize", web::get().to(oauth::authorize))
        .route("/oauth/token", web::post().to(oauth::token))
        .route("/api/v1/users", web::get().to(users::list))
        .route("/api/v1/users/{id}", web::get().to(users::get))
        .route("/api/v1/users/{id}", web::put().to(users::update));
}

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    tenant_routes(cfg);
    cfg.service(web::scope("/{subdomain}").configure(tenant_routes));
}

/// One bucket: 20/s and 300/min for the account.
pub(crate) fn classify(path: &str) -> Route {
    if path.contains("/api/v1/") {
        Route {
            api: true,
            bucket: Some(0),
        }
    } else {
        Route {
            api: false,
            bucket: None,
        }
    }
}

/// An error body in the configured style (Aha! does not document its own).
pub(crate) fn error(
    config: &SimConfig,
    status: StatusCode,
    code: &str,
    description: &str,
) -> ApiError {
    match config.aha_error_style {
        AhaErrorStyle::Doorkeeper => ApiError::json(
            status,
            &json!({"error": code, "error_description": description}),
        ),
        AhaErrorStyle::Message => ApiError::json(status, &json!({"message": description})),
        AhaErrorStyle::Empty => ApiError::raw(status, "application/json", Vec::new()),
    }
}

pub(crate) fn not_found(config: &SimConfig) -> ApiError {
    error(
        config,
        StatusCode::NOT_FOUND,
        "not_found",
        "Record not found",
    )
}

pub(crate) fn status_error(config: &SimConfig, status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => not_found(config),
        _ => error(
            config,
            status,
            "internal_server_error",
            "Something went wrong",
        ),
    }
}

/// 429 with `Retry-After` in seconds (aha-spec names a retry-after header).
pub(crate) fn rate_limited(config: &SimConfig, info: Option<Info>) -> ApiError {
    let wait = info.map_or(1, |i| (i.reset_in_ms.max(1) as u64).div_ceil(1000));
    let err = error(
        config,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Rate limit exceeded. Try again later.",
    )
    .header(RETRY_AFTER, wait.to_string());
    match info {
        Some(i) => err
            .header(
                HeaderName::from_static("x-ratelimit-limit"),
                i.limit.to_string(),
            )
            .header(HeaderName::from_static("x-ratelimit-remaining"), "0"),
        None => err,
    }
}

/// The subdomain this request addresses, checked against the tenant's.
pub(crate) fn check_tenant(shared: &Shared, req: &HttpRequest) -> Result<(), ApiError> {
    let expected = shared.creds.subdomain.as_deref().unwrap_or_default();
    let named = req
        .match_info()
        .get("subdomain")
        .map(str::to_string)
        .or_else(|| {
            req.headers()
                .get("x-aha-account")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .or_else(|| {
            let host = req.headers().get("host")?.to_str().ok()?;
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            let (first, rest) = host.split_once('.')?;
            (!rest.is_empty() && first.parse::<u8>().is_err()).then(|| first.to_string())
        });
    match named {
        Some(sub) if sub.eq_ignore_ascii_case(expected) => Ok(()),
        _ => Err(error(
            &shared.config,
            StatusCode::NOT_FOUND,
            "not_found",
            "Account not found",
        )),
    }
}

pub(crate) fn authenticate(shared: &Shared, req: &HttpRequest) -> Result<(), ApiError> {
    check_tenant(shared, req)?;
    let (code, description) = match shared.oauth().check(bearer(req), shared.clock.now_ms()) {
        TokenCheck::Valid => return Ok(()),
        TokenCheck::Expired => ("invalid_token", "The access token expired"),
        TokenCheck::Revoked => ("invalid_token", "The access token was revoked"),
        TokenCheck::Missing | TokenCheck::Invalid => {
            ("invalid_token", "The access token is invalid")
        }
    };
    let challenge = format!(
        "Bearer realm=\"Doorkeeper\", error=\"{code}\", error_description=\"{description}\""
    );
    Err(
        error(&shared.config, StatusCode::UNAUTHORIZED, code, description)
            .header(WWW_AUTHENTICATE, challenge),
    )
}
