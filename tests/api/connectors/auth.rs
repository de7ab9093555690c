//! Tokens: the authorization-code flow with PKCE, Zoom's account grant, refresh on expiry,
//! a revoked token refreshed once, and `validate()` on good and bad credentials.

use std::sync::Arc;
use std::time::Duration;

use entity::enums::JobKind;
use seatkeeper::connectors::{self, ConnectionConfig, ConnectorError, DownloadHints, StoredTokens};
use seatkeeper_sim::{Fault, Vendor as SimVendor};

use super::{Saved, authorized, config, connector, download, fast_options, fixed, start};

/// Runs the vendor's authorize step (the simulator approves at once and redirects) and
/// exchanges the code, as the server's callback route will.
pub async fn authorize(config: &ConnectionConfig) -> StoredTokens {
    let start = connectors::start_authorization(config).expect("an authorize URL");
    assert!(
        start.url.contains("code_challenge_method=S256"),
        "PKCE is used"
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser.get(&start.url).send().await.unwrap();
    assert_eq!(res.status(), 302, "the vendor redirects back");
    let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    assert_eq!(param("state"), start.state);
    connectors::exchange_code(
        config,
        &param("code"),
        &start.pkce_verifier,
        &fast_options(),
    )
    .await
    .expect("the code is exchanged")
}

#[tokio::test]
async fn authorization_code_tokens_download_for_every_vendor() {
    for vendor in [SimVendor::Zoom, SimVendor::GoTo, SimVendor::Aha] {
        let sim = start(vendor, 50).await;
        let config = authorized(&sim).await;
        assert!(
            config.tokens.as_ref().unwrap().refresh_token.is_some(),
            "{vendor:?}"
        );
        let c = connector(config, fast_options());
        let (records, _) = download(c.as_ref(), &DownloadHints::default())
            .await
            .unwrap();
        assert!(!records.is_empty(), "{vendor:?}");
    }
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_goto_keeps_its_refresh_token() {
    let sim = start(SimVendor::GoTo, 30).await;
    let config = authorized(&sim).await;
    let refresh = config
        .tokens
        .as_ref()
        .unwrap()
        .refresh_token
        .clone()
        .unwrap();
    let saved = Arc::new(Saved::default());
    let c = connectors::build(config, saved.clone(), fast_options()).unwrap();
    download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    assert!(saved.all().is_empty(), "a valid token is used as is");

    // The simulator's clock moves past the token's hour; ours does not know.
    sim.advance_clock(Duration::from_secs(3_700));
    download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    let saved = saved.all();
    assert_eq!(saved.len(), 1, "one refresh");
    assert_eq!(
        saved[0]
            .refresh_token
            .as_ref()
            .map(|t| t.expose().to_owned()),
        Some(refresh.expose().to_owned()),
        "GoTo sent no new refresh token: the old one is kept"
    );
    let statuses: Vec<u16> = sim.requests(0).iter().map(|r| r.status).collect();
    assert!(statuses.contains(&401));
}

#[tokio::test]
async fn zoom_account_credentials_are_fetched_saved_and_fetched_again_after_expiry() {
    let sim = start(SimVendor::Zoom, 30).await;
    let saved = Arc::new(Saved::default());
    let c = connectors::build(config(&sim), saved.clone(), fast_options()).unwrap();
    download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    sim.advance_clock(Duration::from_secs(3_700));
    download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    assert_eq!(saved.all().len(), 2);
    assert!(
        saved
            .all()
            .iter()
            .all(|t| t.refresh_token.is_none() && t.expires_at.is_some())
    );
    let tokens = sim
        .requests(0)
        .iter()
        .filter(|r| r.path == "/oauth/token")
        .count();
    assert_eq!(tokens, 2);
    assert_eq!(c.stats().token_requests, 2);
    assert_eq!(
        c.requests_made(),
        sim.requests(0).len() as u64,
        "every request is counted"
    );
}

#[tokio::test]
async fn a_revoked_token_is_refreshed_once_then_unauthorized_if_it_stays_revoked() {
    let sim = start(SimVendor::Zoom, 30).await;
    let c = connector(authorized(&sim).await, fast_options());
    // Revoked once: one refresh and the download goes on.
    sim.set_fault(Fault::RevokeTokens { after: 0 }).unwrap();
    download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap();
    let before = sim.requests(0).len();

    // Revoked again right after the refresh: the vendor's refusal comes back.
    sim.set_fault(Fault::RevokeTokens { after: 0 }).unwrap();
    sim.set_fault(Fault::RevokeTokens { after: 1 }).unwrap();
    let err = download(c.as_ref(), &DownloadHints::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Unauthorized { vendor_code: Some(code), .. } if code == "124"),
        "{err:?}"
    );
    let tail = sim.requests(before as u64);
    let paths: Vec<&str> = tail.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/v2/users", "/oauth/token", "/v2/users"],
        "exactly one refresh"
    );
}

#[tokio::test]
async fn validate_succeeds_on_good_credentials_and_never_reclaims() {
    for vendor in [SimVendor::Zoom, SimVendor::GoTo, SimVendor::Aha] {
        let sim = start(vendor, 40).await;
        let mut cfg = config(&sim);
        if vendor != SimVendor::Zoom {
            cfg = authorized(&sim).await;
        }
        let checks = connector(cfg, fast_options()).validate().await;
        let processes: Vec<JobKind> = checks.iter().map(|c| c.process).collect();
        assert_eq!(
            processes,
            [JobKind::DownloadSubscriptions, JobKind::PullActivity]
        );
        assert!(
            checks.iter().all(|c| c.ok && c.vendor_code.is_none()),
            "{vendor:?}: {checks:?}"
        );
        assert!(
            sim.requests(0)
                .iter()
                .all(|r| r.method == "GET" || r.path.ends_with("/oauth/token")),
            "{vendor:?}: validation only reads"
        );
    }
}

#[tokio::test]
async fn validate_fails_with_the_vendor_code_on_bad_credentials() {
    let zoom = start(SimVendor::Zoom, 20).await;
    let mut cfg = config(&zoom);
    cfg.client_secret = Some(seatkeeper::secret::Secret::new("wrong"));
    let checks = connector(cfg, fast_options()).validate().await;
    for check in &checks {
        assert!(!check.ok);
        assert_eq!(
            check.vendor_code.as_deref(),
            Some("invalid_client"),
            "{check:?}"
        );
        assert!(
            check.message.contains("client id and secret"),
            "{}",
            check.message
        );
    }

    let goto = start(SimVendor::GoTo, 20).await;
    let mut cfg = config(&goto);
    cfg.tokens = fixed("not-a-token");
    let checks = connector(cfg, fast_options()).validate().await;
    assert!(
        checks
            .iter()
            .all(|c| !c.ok && c.vendor_code.as_deref() == Some("AUTHN_INVALID_TOKEN")),
        "{checks:?}"
    );

    let aha = start(SimVendor::Aha, 20).await;
    let mut cfg = config(&aha);
    cfg.tokens = fixed("not-a-key");
    let checks = connector(cfg, fast_options()).validate().await;
    assert!(
        checks
            .iter()
            .all(|c| !c.ok && c.vendor_code.as_deref() == Some("invalid_token")),
        "{checks:?}"
    );

    // A GoTo refresh token that the vendor no longer honours: refused with its OAuth code.
    let mut cfg = authorized(&goto).await;
    cfg.tokens = Some(StoredTokens {
        access_token: seatkeeper::secret::Secret::new("expired"),
        refresh_token: Some(seatkeeper::secret::Secret::new("revoked")),
        expires_at: None,
    });
    let checks = connector(cfg, fast_options()).validate().await;
    assert!(
        checks
            .iter()
            .all(|c| !c.ok && c.vendor_code.as_deref() == Some("invalid_grant")),
        "{checks:?}"
    );
}
