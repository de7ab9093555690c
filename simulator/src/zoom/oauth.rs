//! `zoom.us/oauth/*`: Server-to-Server (`account_credentials`), authorization code and
//! refresh grants, all with HTTP Basic client authentication.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::http::{ApiError, ApiResult, Params, basic, ok};
use crate::oauth::{Client, CodeError, Grant, RefreshPolicy};
use crate::state::Shared;

const SCOPE: &str = "user:read:admin user:write:admin report:read:admin";
/// 90 days per Z9; Z8 says 15 years. The shorter one is the safer assumption.
const REFRESH_TTL: i64 = 90 * 86_400;

/// Zoom's token endpoint answers RFC 6749 style: `{"reason":"…","error":"…"}`.
fn oauth_error(status: StatusCode, error: &str, reason: &str) -> ApiError {
    ApiError::json(status, &json!({"reason": reason, "error": error}))
}

pub(super) async fn authorize(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    crate::oauth::authorize(&shared, &req)
}

pub(super) async fn token(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult {
    // Zoom's own examples put the grant in the query string; the form body works too.
    let p = Params::query(&req).merged(Params::parse(&body));
    let creds = &shared.creds;
    match basic(&req) {
        Some((id, secret)) if id == creds.client_id && secret == creds.client_secret => {}
        _ => {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Invalid client_id or client_secret",
            ));
        }
    }
    let now = shared.now();
    let ttl = shared.config.token_ttl.as_secs();
    let api_url = format!("http://{}", req.connection_info().host());
    // Zoom has one client, granted every scope.
    let main = Grant::of(&shared.config, Client::Main);
    let (grant, refresh_token) = match p.value("grant_type") {
        Some("account_credentials") => {
            if p.value("account_id") != creds.account_id.as_deref() {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Invalid account_id",
                ));
            }
            (main, None)
        }
        Some("authorization_code") => {
            let code = p.value("code").ok_or_else(|| {
                oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Invalid authorization code",
                )
            })?;
            let grant = shared
                .oauth()
                .redeem_code(code, p.value("redirect_uri"), now, Client::Main)
                .map_err(|e| match e {
                    CodeError::Invalid | CodeError::WrongClient => oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Invalid authorization code",
                    ),
                    CodeError::Expired => oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Authorization code has expired",
                    ),
                    CodeError::RedirectMismatch => oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "Redirect URI mismatch.",
                    ),
                })?;
            (
                grant,
                Some(shared.oauth().issue_refresh(now, REFRESH_TTL, grant)),
            )
        }
        Some("refresh_token") => {
            let rt = p.value("refresh_token").unwrap_or_default();
            let next = shared.oauth().refresh(
                rt,
                now,
                RefreshPolicy::Rotate { ttl: REFRESH_TTL },
                Client::Main,
            );
            match next {
                Ok((grant, Some(rt))) => (grant, Some(rt)),
                _ => {
                    return Err(oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Invalid Token!",
                    ));
                }
            }
        }
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type",
            ));
        }
    };
    let access = {
        let mut store = shared.oauth();
        store.prune(now);
        store.issue_access(shared.clock.now_ms(), ttl, grant)
    };
    let mut body = json!({"access_token": access, "token_type": "bearer", "expires_in": ttl, "scope": SCOPE, "api_url": api_url});
    if let Some(rt) = refresh_token {
        body["refresh_token"] = json!(rt);
    }
    Ok(ok(&body))
}

/// `POST /oauth/revoke?token=…` (Z9, third-party): the token stops working at once.
pub(super) async fn revoke(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult {
    let p = Params::query(&req).merged(Params::parse(&body));
    let creds = &shared.creds;
    match basic(&req) {
        Some((id, secret)) if id == creds.client_id && secret == creds.client_secret => {}
        _ => {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Invalid client_id or client_secret",
            ));
        }
    }
    let token = p
        .value("token")
        .ok_or_else(|| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Invalid token"))?;
    shared.oauth().revoke(token);
    Ok(ok(&json!({"status": "success"})))
}
