//! `https://<subdomain>.aha.io/oauth/*`: authorization code and refresh grants. The client
//! authenticates with form fields (`client_id`, `client_secret`) as documented, or Basic,
//! which Doorkeeper also accepts. Refresh rotates the refresh token.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::check_tenant;
use crate::http::{ApiError, ApiResult, Params, basic, ok};
use crate::oauth::{Client, CodeError, RefreshPolicy};
use crate::state::Shared;

const REFRESH_TTL: i64 = 90 * 86_400;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> ApiError {
    ApiError::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

pub(super) async fn authorize(
    shared: web::Data<Shared>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    check_tenant(&shared, &req)?;
    Ok(crate::oauth::authorize(&shared, &req))
}

pub(super) async fn token(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult {
    check_tenant(&shared, &req)?;
    let p = Params::parse(&body);
    let client = basic(&req).or_else(|| {
        Some((
            p.value("client_id")?.to_string(),
            p.value("client_secret")?.to_string(),
        ))
    });
    let creds = &shared.creds;
    match client {
        Some((id, secret)) if id == creds.client_id && secret == creds.client_secret => {}
        _ => {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
            ));
        }
    }
    let now = shared.now();
    let invalid_grant = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
        )
    };
    // Aha! has one client, granted every scope.
    let (grant, refresh) = match p.value("grant_type") {
        Some("authorization_code") => {
            let code = p.value("code").unwrap_or_default();
            let grant = shared
                .oauth()
                .redeem_code(code, p.value("redirect_uri"), now, Client::Main)
                .map_err(|_: CodeError| invalid_grant())?;
            (grant, shared.oauth().issue_refresh(now, REFRESH_TTL, grant))
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
                Ok((grant, Some(rt))) => (grant, rt),
                _ => return Err(invalid_grant()),
            }
        }
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ));
        }
    };
    let ttl = shared.config.token_ttl.as_secs();
    let access = {
        let mut store = shared.oauth();
        store.prune(now);
        store.issue_access(shared.clock.now_ms(), ttl, grant)
    };
    Ok(ok(&json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": refresh,
        "scope": "",
        "created_at": now,
    })))
}
