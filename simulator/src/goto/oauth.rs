//! `authentication.logmeininc.com/oauth/*`: authorization code and refresh grants with HTTP
//! Basic client authentication. A refresh normally returns no new refresh token. Codes and
//! refresh tokens are redeemed only by the client they were issued to, and tokens carry that
//! client's scopes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::http::{ApiError, ApiResult, Params, basic, ok};
use crate::oauth::{CodeError, RefreshPolicy, Scopes};
use crate::state::Shared;

/// About 30 days; a new one is issued once 60% of it has passed (G7).
const REFRESH_TTL: i64 = 30 * 86_400;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> ApiError {
    ApiError::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

pub(super) async fn authorize(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    crate::oauth::authorize(&shared, &req)
}

pub(super) async fn token(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult {
    let p = Params::parse(&body);
    let Some(client) = basic(&req).and_then(|(id, secret)| shared.creds.client(&id, &secret))
    else {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Bad client credentials",
        ));
    };
    let now = shared.now();
    let (grant, refresh_token) = match p.value("grant_type") {
        Some("authorization_code") => {
            let code = p.value("code").unwrap_or_default();
            let grant = shared
                .oauth()
                .redeem_code(code, p.value("redirect_uri"), now, client)
                .map_err(|e| match e {
                    CodeError::Invalid | CodeError::Expired => oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Invalid authorization code",
                    ),
                    CodeError::WrongClient => oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Authorization code was issued to another client",
                    ),
                    CodeError::RedirectMismatch => oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Redirect URI mismatch",
                    ),
                })?;
            let refresh = shared.oauth().issue_refresh(now, REFRESH_TTL, grant);
            (grant, Some(refresh))
        }
        Some("refresh_token") => {
            let rt = p.value("refresh_token").unwrap_or_default();
            let policy = RefreshPolicy::KeepUntilOld { ttl: REFRESH_TTL };
            shared
                .oauth()
                .refresh(rt, now, policy, client)
                .map_err(|()| {
                    oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Invalid refresh token",
                    )
                })?
        }
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type",
            ));
        }
    };
    let ttl = shared.config.token_ttl.as_secs();
    let access = {
        let mut store = shared.oauth();
        store.prune(now);
        store.issue_access(shared.clock.now_ms(), ttl, grant)
    };
    let scope = match grant.scopes {
        Scopes::Only(scope) => scope,
        Scopes::All => super::ALL_SCOPES,
    };
    let principal = shared.read().email(0);
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": scope,
        "principal": principal,
    });
    if let Some(rt) = refresh_token {
        body["refresh_token"] = json!(rt);
    }
    Ok(ok(&body))
}
