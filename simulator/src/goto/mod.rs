//! GoTo: the authentication host (`/oauth/*`), the Admin API (`/admin/rest/v1`), GoTo
//! Meeting (`/G2M/rest`), GoTo Webinar v2 (`/G2W/rest/v2`) and GoTo Connect
//! (`/call-history/v1`) on one listener. Error bodies use the GoTo Connect shape
//! `{"errorCode":"…","message":"…"}` everywhere, the only one the reference documents.
//!
//! GoTo grants scopes per OAuth client: each endpoint checks its token carries the scope its
//! API needs, and with `SimConfig::goto_connect_client` Connect's scopes belong to a second
//! client only.

mod activity;
mod admin;
mod oauth;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use serde_json::json;

use crate::config::SimConfig;
use crate::http::{ApiError, bearer};
use crate::oauth::{Client, Scopes, TokenCheck};
use crate::server::Route;
use crate::state::Shared;
use crate::tenant::Tenant;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/authorize", web::get().to(oauth::authorize))
        .route("/oauth/token", web::post().to(oauth::token))
        .route("/admin/rest/v1/me", web::get().to(admin::me))
        .route(
            "/admin/rest/v1/accounts/{account}/users",
            web::get().to(admin::users),
        )
        .route(
            "/admin/rest/v1/accounts/{account}/users/{user}",
            web::get().to(admin::user),
        )
        .route(
            "/admin/rest/v1/accounts/{account}/users/{user}",
            web::put().to(admin::update_user),
        )
        .route(
            "/admin/rest/v1/accounts/{account}/licenses",
            web::get().to(admin::licenses),
        )
        .route(
            "/admin/rest/v1/accounts/{account}/licenses/{license}/users",
            web::delete().to(admin::remove_license_users),
        )
        .route(
            "/G2M/rest/organizers/{organizer}/historicalMeetings",
            web::get().to(activity::historical_meetings),
        )
        .route(
            "/G2W/rest/v2/organizers/{organizer}/sessions",
            web::get().to(activity::sessions),
        )
        .route("/call-history/v1/calls", web::get().to(activity::calls));
}

/// 10 requests/s per API: one bucket each for Admin, G2M, G2W and Connect.
pub(crate) fn classify(path: &str) -> Route {
    let bucket = if path.starts_with("/oauth/") {
        return Route {
            api: false,
            bucket: None,
        };
    } else if path.starts_with("/admin/") {
        Some(0)
    } else if path.starts_with("/G2M/") {
        Some(1)
    } else if path.starts_with("/G2W/") {
        Some(2)
    } else if path.starts_with("/call-history/") {
        Some(3)
    } else {
        None
    };
    Route { api: true, bucket }
}

pub(crate) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::json(
        status,
        &json!({"errorCode": code, "message": message.into()}),
    )
}

pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
    error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

pub(crate) fn not_found(what: &str) -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("{what} not found"),
    )
}

pub(crate) fn status_error(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => not_found("Resource"),
        _ => error(status, "UNKNOWN_ERROR", "An unexpected error occurred."),
    }
}

/// GoTo documents no rate-limit headers, so none are sent: clients must back off unaided.
pub(crate) fn rate_limited() -> ApiError {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "TOO_MANY_REQUESTS",
        "Rate limit exceeded. Try again later.",
    )
}

/// Every scope the simulator knows: the main client's when it is the only one.
const ALL_SCOPES: &str =
    "identity: collab: cr.v1.read call-events-report.v1.read users.v1.lines.read";
/// The main client's beside a Connect client: Admin API, GoTo Meeting and Webinar.
const MAIN_SCOPES: &str = "identity: collab:";
/// GoTo Connect's own client: call history, call reports and lines.
const CONNECT_SCOPES: &str = "cr.v1.read call-events-report.v1.read users.v1.lines.read";

/// What `client` is granted. The Connect client exists only with `goto_connect_client`.
pub(crate) fn scopes(config: &SimConfig, client: Client) -> Scopes {
    Scopes::Only(match (config.goto_connect_client, client) {
        (false, _) => ALL_SCOPES,
        (true, Client::Main) => MAIN_SCOPES,
        (true, Client::Connect) => CONNECT_SCOPES,
    })
}

/// The scope a GoTo API needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The Admin API (`/admin/rest/v1`): `identity:`.
    Admin,
    /// GoTo Meeting and GoTo Webinar: `collab:`.
    Collab,
    /// GoTo Connect call history: `cr.v1.read`.
    CallHistory,
}

impl Scope {
    /// The scope's name as tokens carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Admin => "identity:",
            Scope::Collab => "collab:",
            Scope::CallHistory => "cr.v1.read",
        }
    }
}

/// A valid bearer token that carries `scope`. Bad tokens get 401, a valid one without the
/// scope 403 `AUTHZ_INSUFFICIENT_SCOPE`.
pub(crate) fn authenticate(
    shared: &Shared,
    req: &HttpRequest,
    scope: Scope,
) -> Result<(), ApiError> {
    let store = shared.oauth();
    let token = bearer(req);
    match store.check(token, shared.clock.now_ms()) {
        TokenCheck::Valid if store.allows(token, scope.as_str()) => Ok(()),
        TokenCheck::Valid => Err(error(
            StatusCode::FORBIDDEN,
            "AUTHZ_INSUFFICIENT_SCOPE",
            format!("The access token lacks the scope {}.", scope.as_str()),
        )),
        TokenCheck::Expired => Err(error(
            StatusCode::UNAUTHORIZED,
            "AUTHN_EXPIRED_TOKEN",
            "The access token has expired.",
        )),
        TokenCheck::Missing | TokenCheck::Invalid | TokenCheck::Revoked => Err(error(
            StatusCode::UNAUTHORIZED,
            "AUTHN_INVALID_TOKEN",
            "The access token is invalid.",
        )),
    }
}

/// The account key, derived from the seed.
pub(crate) fn account_key(t: &Tenant) -> String {
    (3_000_000_000_000_000_000u64 + t.seed % 1_000_000_000).to_string()
}

pub(crate) fn check_account(t: &Tenant, key: &str) -> Result<(), ApiError> {
    if key == account_key(t) {
        Ok(())
    } else {
        Err(not_found("Account"))
    }
}

/// A user by userKey/organizerKey.
pub(crate) fn find(t: &Tenant, key: &str) -> Result<u32, ApiError> {
    t.ids.parse_goto(key).ok_or_else(|| not_found("User"))
}

/// ISO-8601 instant as GoTo takes it (`2026-01-01T00:00:00Z`, offsets allowed).
pub(crate) fn instant(p: &crate::http::Params, name: &str) -> Result<i64, ApiError> {
    let v = p
        .value(name)
        .ok_or_else(|| bad_request(format!("{name} is required")))?;
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| t.timestamp())
        .map_err(|_| bad_request(format!("{name} must be an ISO-8601 date-time")))
}
