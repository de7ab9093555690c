//! GoTo grants scopes per OAuth client: with `goto_connect_client` Connect's call history
//! belongs to a second client, and each API refuses a token without its scope.

use std::time::Duration;

use reqwest::StatusCode;
use seatkeeper_sim::{Fault, Simulator, Vendor};
use serde_json::Value;

use crate::common::{call, client, config, query_param, start};

const REDIRECT: &str = "http://localhost:7777/cb";
const MAIN_SCOPES: &str = "identity: collab:";
const CONNECT_SCOPES: &str = "cr.v1.read call-events-report.v1.read users.v1.lines.read";
const ALL_SCOPES: &str =
    "identity: collab: cr.v1.read call-events-report.v1.read users.v1.lines.read";

/// An OAuth client of the simulator: id and secret.
#[derive(Clone)]
struct App {
    id: String,
    secret: String,
}

fn main_app(sim: &Simulator) -> App {
    let c = sim.credentials();
    App {
        id: c.client_id,
        secret: c.client_secret,
    }
}

fn connect_app(sim: &Simulator) -> App {
    let c = sim.credentials();
    App {
        id: c.connect_client_id.expect("a Connect client"),
        secret: c.connect_client_secret.expect("a Connect secret"),
    }
}

async fn connect_sim() -> Simulator {
    start(config(Vendor::GoTo, 20).goto_connect_client(true)).await
}

/// A code from `/oauth/authorize` for `client_id`.
async fn authorize(sim: &Simulator, client_id: &str) -> String {
    let res = client()
        .get(format!("{}/oauth/authorize", sim.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    query_param(res.headers()["location"].to_str().unwrap(), "code").unwrap()
}

/// `POST /oauth/token` with `app`'s Basic credentials.
async fn token_call(sim: &Simulator, app: &App, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let (status, _, body) = call(
        client()
            .post(format!("{}/oauth/token", sim.base_url()))
            .basic_auth(&app.id, Some(&app.secret))
            .form(form),
    )
    .await;
    (status, body)
}

/// Redeems `code` with `app`'s credentials.
async fn redeem(sim: &Simulator, app: &App, code: &str) -> (StatusCode, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    token_call(sim, app, &form).await
}

async fn refresh(sim: &Simulator, app: &App, refresh_token: &str) -> (StatusCode, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    token_call(sim, app, &form).await
}

/// The whole code flow for `app`: the token response.
async fn code_flow(sim: &Simulator, app: &App) -> Value {
    let code = authorize(sim, &app.id).await;
    let (status, body) = redeem(sim, app, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn access(body: &Value) -> String {
    body["access_token"].as_str().unwrap().to_string()
}

/// The account key, read with a token carrying every scope.
async fn account_key(sim: &Simulator) -> String {
    let (_, _, me) = call(
        client()
            .get(format!("{}/admin/rest/v1/me", sim.base_url()))
            .bearer_auth(sim.access_token()),
    )
    .await;
    me["accountKey"].as_str().unwrap().to_string()
}

/// The GoTo APIs one token can reach.
struct Probe {
    me: StatusCode,
    users: StatusCode,
    meetings: StatusCode,
    sessions: StatusCode,
    calls: StatusCode,
}

async fn probe(sim: &Simulator, token: &str) -> (Probe, Vec<Value>) {
    let base = sim.base_url();
    let http = client();
    let account = account_key(sim).await;
    let owner = sim.truth().users[0].id.clone();
    let requests = [
        http.get(format!("{base}/admin/rest/v1/me")),
        http.get(format!("{base}/admin/rest/v1/accounts/{account}/users")),
        http.get(format!(
            "{base}/G2M/rest/organizers/{owner}/historicalMeetings"
        ))
        .query(&[
            ("startDate", "2026-08-01T00:00:00Z"),
            ("endDate", "2026-09-01T00:00:00Z"),
        ]),
        http.get(format!("{base}/G2W/rest/v2/organizers/{owner}/sessions"))
            .query(&[
                ("fromTime", "2026-08-01T00:00:00Z"),
                ("toTime", "2026-09-01T00:00:00Z"),
            ]),
        http.get(format!("{base}/call-history/v1/calls")).query(&[
            ("accountKey", account.as_str()),
            ("startTime", "2026-08-15T00:00:00Z"),
            ("endTime", "2026-09-14T00:00:00Z"),
        ]),
    ];
    let mut statuses = Vec::new();
    let mut bodies = Vec::new();
    for req in requests {
        let (status, _, body) = call(req.bearer_auth(token)).await;
        statuses.push(status);
        bodies.push(body);
    }
    let probe = Probe {
        me: statuses[0],
        users: statuses[1],
        meetings: statuses[2],
        sessions: statuses[3],
        calls: statuses[4],
    };
    (probe, bodies)
}

fn assert_insufficient(body: &Value, scope: &str) {
    assert_eq!(body["errorCode"], "AUTHZ_INSUFFICIENT_SCOPE", "{body}");
    assert_eq!(
        body["message"],
        format!("The access token lacks the scope {scope}.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_client_lists_users_but_is_refused_call_history() {
    let sim = connect_sim().await;
    let body = code_flow(&sim, &main_app(&sim)).await;
    assert_eq!(body["scope"], MAIN_SCOPES);
    let (p, bodies) = probe(&sim, &access(&body)).await;
    assert_eq!(
        (p.me, p.users, p.meetings, p.sessions),
        (
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK
        )
    );
    assert!(!bodies[1]["results"].as_array().unwrap().is_empty());
    assert_eq!(p.calls, StatusCode::FORBIDDEN);
    assert_insufficient(&bodies[4], "cr.v1.read");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connect_client_reads_call_history_but_not_the_admin_api() {
    let sim = connect_sim().await;
    let body = code_flow(&sim, &connect_app(&sim)).await;
    assert_eq!(body["scope"], CONNECT_SCOPES);
    assert!(body["refresh_token"].is_string());
    let (p, bodies) = probe(&sim, &access(&body)).await;
    assert_eq!(p.calls, StatusCode::OK, "{}", bodies[4]);
    assert!(bodies[4]["items"].is_array(), "{}", bodies[4]);
    assert_eq!(
        (p.me, p.users),
        (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
    );
    assert_insufficient(&bodies[0], "identity:");
    assert_eq!(
        (p.meetings, p.sessions),
        (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
    );
    assert_insufficient(&bodies[2], "collab:");
    assert_insufficient(&bodies[3], "collab:");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_redeemed_only_by_the_client_it_was_issued_to() {
    let sim = connect_sim().await;
    let (main, connect) = (main_app(&sim), connect_app(&sim));
    let code = authorize(&sim, &connect.id).await;
    let (status, body) = redeem(&sim, &main, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    // One client's id with the other's secret authenticates nobody.
    let mixed = App {
        id: connect.id.clone(),
        secret: main.secret.clone(),
    };
    let (status, body) = redeem(&sim, &mixed, &code).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    // The refused attempts did not use the code up.
    let (status, body) = redeem(&sim, &connect, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], CONNECT_SCOPES);
    let (status, _) = redeem(&sim, &connect, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "each code works once");

    // And the other way round.
    let code = authorize(&sim, &main.id).await;
    let (status, body) = redeem(&sim, &connect, &code).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_works_per_client_and_keeps_its_scopes() {
    let sim = connect_sim().await;
    let (main, connect) = (main_app(&sim), connect_app(&sim));
    let main_rt = code_flow(&sim, &main).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let connect_rt = code_flow(&sim, &connect).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();

    // A refresh token belongs to its client.
    let (status, body) = refresh(&sim, &main, &connect_rt).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    let (status, body) = refresh(&sim, &connect, &main_rt).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );

    let (status, body) = refresh(&sim, &connect, &connect_rt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], CONNECT_SCOPES);
    let (p, _) = probe(&sim, &access(&body)).await;
    assert_eq!((p.calls, p.me), (StatusCode::OK, StatusCode::FORBIDDEN));

    let (status, body) = refresh(&sim, &main, &main_rt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], MAIN_SCOPES);
    let (p, _) = probe(&sim, &access(&body)).await;
    assert_eq!((p.calls, p.me), (StatusCode::FORBIDDEN, StatusCode::OK));

    // Past 60% of its life a refresh token is replaced; the new one keeps client and scopes.
    sim.advance_clock(Duration::from_secs(19 * 86_400));
    let (status, body) = refresh(&sim, &connect, &connect_rt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let next = body["refresh_token"].as_str().unwrap().to_string();
    let (status, _) = refresh(&sim, &main, &next).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = refresh(&sim, &connect, &next).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], CONNECT_SCOPES);
    let (p, _) = probe(&sim, &access(&body)).await;
    assert_eq!((p.calls, p.me), (StatusCode::OK, StatusCode::FORBIDDEN));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_reaches_every_clients_tokens() {
    let sim = connect_sim().await;
    let (main, connect) = (main_app(&sim), connect_app(&sim));
    let m = code_flow(&sim, &main).await;
    let c = code_flow(&sim, &connect).await;
    let url = format!("{}/admin/rest/v1/me", sim.base_url());
    let calls = format!("{}/call-history/v1/calls", sim.base_url());

    // Access tokens revoked mid-sync: both clients get 401, and both recover by refreshing.
    sim.set_fault(Fault::RevokeTokens { after: 0 }).unwrap();
    let (status, _, body) = call(client().get(&url).bearer_auth(access(&m))).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("AUTHN_INVALID_TOKEN"))
    );
    let (status, _, body) = call(client().get(&calls).bearer_auth(access(&c))).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("AUTHN_INVALID_TOKEN")),
        "a revoked token is refused before its scopes are looked at"
    );
    for (app, body) in [(&main, &m), (&connect, &c)] {
        let (status, _) = refresh(&sim, app, body["refresh_token"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
    }

    // Every grant withdrawn: no client's refresh token works any more.
    sim.revoke_grants();
    for (app, body) in [(&main, &m), (&connect, &c)] {
        let (status, body) = refresh(&sim, app, body["refresh_token"].as_str().unwrap()).await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::BAD_REQUEST, &"invalid_grant".into())
        );
    }
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_token_and_the_helper_token_carry_every_scope() {
    let sim = connect_sim().await;
    let (_, _, body) = call(client().post(format!("{}/token", sim.control_url()))).await;
    for token in [access(&body), sim.access_token()] {
        let (p, _) = probe(&sim, &token).await;
        assert_eq!(
            [p.me, p.users, p.meetings, p.sessions, p.calls],
            [StatusCode::OK; 5]
        );
    }
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_show_a_connect_client_only_when_configured() {
    let sim = connect_sim().await;
    let (_, _, creds) = call(client().get(format!("{}/credentials", sim.control_url()))).await;
    let id = creds["connect_client_id"].as_str().unwrap();
    let secret = creds["connect_client_secret"].as_str().unwrap();
    assert_ne!(id, creds["client_id"].as_str().unwrap());
    assert_ne!(secret, creds["client_secret"].as_str().unwrap());
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "a UUID like GoTo's client ids");
    assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
    // Derived from the seed: a second simulator with the same config has the same pair.
    let twin = connect_sim().await;
    assert_eq!(twin.credentials(), sim.credentials());
    twin.stop().await;
    sim.stop().await;

    for vendor in [Vendor::GoTo, Vendor::Zoom, Vendor::Aha] {
        let sim = start(config(vendor, 10)).await;
        let (_, _, creds) = call(client().get(format!("{}/credentials", sim.control_url()))).await;
        assert!(creds["connect_client_id"].is_null(), "{creds}");
        assert!(creds["connect_client_secret"].is_null(), "{creds}");
        sim.stop().await;
    }
    // Only GoTo has a Connect client, whatever the flag says.
    let sim = start(config(Vendor::Zoom, 10).goto_connect_client(true)).await;
    assert_eq!(sim.credentials().connect_client_id, None);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_connect_client_one_client_reads_everything() {
    let sim = start(config(Vendor::GoTo, 20)).await;
    let body = code_flow(&sim, &main_app(&sim)).await;
    assert_eq!(body["scope"], ALL_SCOPES);
    let (p, _) = probe(&sim, &access(&body)).await;
    assert_eq!(
        [p.me, p.users, p.meetings, p.sessions, p.calls],
        [StatusCode::OK; 5]
    );
    let (status, body) = refresh(
        &sim,
        &main_app(&sim),
        body["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, &body["scope"]),
        (StatusCode::OK, &ALL_SCOPES.into())
    );
    // No second client to authorize.
    let twin = connect_sim().await;
    let res = client()
        .get(format!("{}/oauth/authorize", sim.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", connect_app(&twin).id.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    twin.stop().await;
    sim.stop().await;
}
