//! Zoom: `zoom.us/oauth/*` and `api.zoom.us/v2/*` on one listener.

mod oauth;
mod reports;
mod users;
mod wire;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, web};
use serde_json::json;

use crate::clock::iso;
use crate::http::{ApiError, bearer};
use crate::oauth::TokenCheck;
use crate::ratelimit::{Info, Window};
use crate::server::Route;
use crate::state::Shared;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/authorize", web::get().to(oauth::authorize))
        .route("/oauth/token", web::post().to(oauth::token))
        .route("/oauth/revoke", web::post().to(oauth::revoke))
        .route("/v2/users", web::get().to(users::list))
        .route("/v2/users/summary", web::get().to(users::summary))
        .route("/v2/users/{id}", web::get().to(users::get))
        .route("/v2/users/{id}", web::patch().to(users::update))
        .route("/v2/users/{id}/settings", web::get().to(users::settings))
        .route(
            "/v2/users/{id}/settings",
            web::patch().to(users::update_settings),
        )
        .route("/v2/report/users", web::get().to(reports::users))
        .route(
            "/v2/report/users/{id}/meetings",
            web::get().to(reports::meetings),
        )
        .route("/v2/report/activities", web::get().to(reports::activities));
}

const LIGHT: usize = 0;
const MEDIUM: usize = 1;
const HEAVY: usize = 2;

/// Rate labels per the reference table; PATCH settings is undocumented and taken as Light.
pub(crate) fn classify(method: &Method, path: &str) -> Route {
    let Some(rest) = path.strip_prefix("/v2/") else {
        return Route {
            api: false,
            bucket: None,
        };
    };
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let bucket = match (segments.as_slice(), method == Method::GET) {
        (["report", ..], _) => HEAVY,
        (["users"], true) | (["users", "summary"], true) | (["users", _, "settings"], true) => {
            MEDIUM
        }
        _ => LIGHT,
    };
    Route {
        api: true,
        bucket: Some(bucket),
    }
}

/// Zoom's API error body: `{"code":…,"message":"…"}`.
pub(crate) fn error(status: StatusCode, code: u32, message: impl Into<String>) -> ApiError {
    ApiError::json(status, &json!({"code": code, "message": message.into()}))
}

/// Validation failure (code 300) naming the field, as Zoom adds `errors[]`.
pub(crate) fn invalid_field(field: &str) -> ApiError {
    ApiError::json(
        StatusCode::BAD_REQUEST,
        &json!({"code": 300, "message": "Validation Failed.", "errors": [{"field": field, "message": "Invalid field."}]}),
    )
}

pub(crate) fn status_error(status: StatusCode) -> ApiError {
    let message = match status {
        StatusCode::NOT_FOUND => "Not Found",
        _ => "Internal Server Error",
    };
    error(status, u32::from(status.as_u16()), message)
}

const QPS_MESSAGE: &str =
    "You have reached the maximum per-second rate limit for this API. Try again later.";
const DAILY_MESSAGE: &str = "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.";

/// A per-second 429 carries no Retry-After (observed missing, and Z8's `X-RateLimit-Reset`
/// is unconfirmed), so clients must back off on their own; a daily 429 says when to return.
/// A storm fault (`info` = None) sends the body alone.
pub(crate) fn rate_limited(info: Option<Info>) -> ApiError {
    let daily = info.is_some_and(|i| i.window == Window::Day);
    let mut err = error(
        StatusCode::TOO_MANY_REQUESTS,
        429,
        if daily { DAILY_MESSAGE } else { QPS_MESSAGE },
    );
    if let Some(i) = info {
        err = err
            .header(HeaderName::from_static("x-ratelimit-category"), i.bucket)
            .header(
                HeaderName::from_static("x-ratelimit-type"),
                if daily { "Daily-limit" } else { "QPS" },
            )
            .header(
                HeaderName::from_static("x-ratelimit-limit"),
                i.limit.to_string(),
            )
            .header(HeaderName::from_static("x-ratelimit-remaining"), "0");
        if daily {
            err = err.header(RETRY_AFTER, iso(i.reset_at_ms.div_euclid(1000)));
        }
    }
    err
}

pub(crate) fn limit_headers(headers: &mut HeaderMap, info: &Info) {
    let kind = if info.window == Window::Day {
        "Daily-limit"
    } else {
        "QPS"
    };
    let pairs = [
        ("x-ratelimit-category", info.bucket.to_string()),
        ("x-ratelimit-type", kind.to_string()),
        ("x-ratelimit-limit", info.limit.to_string()),
        ("x-ratelimit-remaining", info.remaining.to_string()),
    ];
    for (name, value) in pairs {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
}

/// Bearer check with Zoom's code 124 answers.
pub(crate) fn authenticate(shared: &Shared, req: &HttpRequest) -> Result<(), ApiError> {
    match shared.oauth().check(bearer(req), shared.clock.now_ms()) {
        TokenCheck::Valid => Ok(()),
        TokenCheck::Expired => Err(error(
            StatusCode::UNAUTHORIZED,
            124,
            "Access token is expired.",
        )),
        TokenCheck::Missing | TokenCheck::Invalid | TokenCheck::Revoked => Err(error(
            StatusCode::UNAUTHORIZED,
            124,
            "Invalid access token.",
        )),
    }
}

/// `page_size`: default 30; above 300 clamped to 300 as Zoom does; not a number is a 300.
pub(crate) fn page_size(p: &crate::http::Params) -> Result<usize, ApiError> {
    match p.value("page_size") {
        None => Ok(30),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n < 1 => Ok(30),
            Ok(n) => Ok(n.min(300) as usize),
            Err(_) => Err(invalid_field("page_size")),
        },
    }
}

/// Where a page starts: from `next_page_token` (which must belong to this list and query
/// and be under 15 minutes old), else from the deprecated `page_number`, else the top.
pub(crate) fn page_start(
    shared: &Shared,
    p: &crate::http::Params,
    list: u8,
    query: u32,
    size: usize,
) -> Result<(usize, u32), ApiError> {
    if let Some(token) = p.value("next_page_token") {
        let cursor = crate::paging::decode(shared.secret, token)
            .filter(|c| c.list == list && c.query == query && shared.now() - c.issued <= 15 * 60);
        return match cursor {
            Some(c) => Ok((c.offset as usize, c.page)),
            None => Err(error(
                StatusCode::BAD_REQUEST,
                300,
                "The next page token is invalid or expired.",
            )),
        };
    }
    match p.value("page_number").map(str::parse::<u32>) {
        None => Ok((0, 1)),
        Some(Ok(n)) if n >= 1 => Ok(((n as usize - 1) * size, n)),
        Some(_) => Err(invalid_field("page_number")),
    }
}

/// The token for the page after `[offset, offset + size)`, or `""` on the last page.
pub(crate) fn next_token(
    shared: &Shared,
    list: u8,
    query: u32,
    page: u32,
    offset: usize,
    size: usize,
    total: usize,
) -> String {
    let next = offset.saturating_add(size);
    if next >= total {
        return String::new();
    }
    let cursor = crate::paging::Cursor {
        list,
        page: page + 1,
        offset: next as u32,
        issued: shared.now(),
        query,
    };
    crate::paging::encode(shared.secret, &cursor)
}

pub(crate) fn page_count(total: usize, size: usize) -> usize {
    total.div_ceil(size.max(1))
}
