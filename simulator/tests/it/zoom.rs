use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use seatkeeper_sim::{Product, Vendor};
use serde_json::{Value, json};

use crate::common::{call, client, config, query_param, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_walk_returns_every_zoom_user_exactly_once() {
    let sim = start(config(Vendor::Zoom, 10_000)).await;
    let token = sim.access_token();
    let http = client();
    let mut seen = HashSet::new();
    for status in ["active", "inactive", "pending"] {
        let mut next = String::new();
        loop {
            let url = format!("{}/v2/users", sim.base_url());
            let query = [
                ("status", status),
                ("page_size", "300"),
                ("next_page_token", &next),
            ];
            let (code, _, page) = call(http.get(url).bearer_auth(&token).query(&query)).await;
            assert_eq!(code, StatusCode::OK);
            for u in page["users"].as_array().unwrap() {
                assert!(
                    seen.insert(u["email"].as_str().unwrap().to_string()),
                    "duplicate {u}"
                );
                assert_eq!(
                    u["id"].is_null(),
                    status == "pending",
                    "pending users have no id"
                );
            }
            next = page["next_page_token"].as_str().unwrap().to_string();
            if next.is_empty() {
                break;
            }
        }
    }
    assert_eq!(seen.len(), 10_000);
    let truth = sim.truth();
    assert!(truth.users.iter().all(|u| seen.contains(&u.email)));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_licences_match_the_truth() {
    let sim = start(config(Vendor::Zoom, 500)).await;
    let token = sim.access_token();
    let http = client();
    let (_, _, page) = call(
        http.get(format!("{}/v2/users?page_size=300", sim.base_url()))
            .bearer_auth(&token),
    )
    .await;
    let truth = sim.truth();
    for u in page["users"].as_array().unwrap() {
        let t = truth.user(u["id"].as_str().unwrap()).unwrap();
        assert_eq!(
            u["type"] == 2,
            t.subscription(Product::ZoomMeetings).is_some(),
            "{u}"
        );
    }
    // The webinar add-on shows in settings.
    let holder = truth.holders(Product::ZoomWebinar).next().unwrap();
    let url = format!("{}/v2/users/{}/settings", sim.base_url(), holder.email);
    let (_, _, settings) = call(http.get(url).bearer_auth(&token)).await;
    assert_eq!(settings["feature"]["webinar"], true);
    assert!(settings["feature"]["webinar_capacity"].as_u64().unwrap() >= 500);
    sim.stop().await;
}

fn basic(req: reqwest::RequestBuilder, sim: &seatkeeper_sim::Simulator) -> reqwest::RequestBuilder {
    let c = sim.credentials();
    req.basic_auth(c.client_id, Some(c.client_secret))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_to_server_tokens_need_the_right_client_and_account() {
    let sim = start(config(Vendor::Zoom, 10)).await;
    let http = client();
    let account = sim.credentials().account_id.unwrap();
    let url = format!("{}/oauth/token", sim.base_url());
    let form = [
        ("grant_type", "account_credentials"),
        ("account_id", account.as_str()),
    ];
    let (status, _, body) = call(basic(http.post(&url), &sim).form(&form)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("refresh_token").is_none());
    let token = body["access_token"].as_str().unwrap();
    let (status, _, _) = call(
        http.get(format!("{}/v2/users/me", sim.base_url()))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (status, _, body) = call(http.post(&url).basic_auth("nobody", Some("x")).form(&form)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let wrong = [
        ("grant_type", "account_credentials"),
        ("account_id", "other"),
    ];
    let (status, _, _) = call(basic(http.post(&url), &sim).form(&wrong)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, body) =
        call(basic(http.post(&url), &sim).form(&[("grant_type", "password")])).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_code_and_refresh_rotation() {
    let sim = start(config(Vendor::Zoom, 10)).await;
    let http = client();
    let creds = sim.credentials();
    let redirect = "http://127.0.0.1:9/callback";
    let authorize = format!("{}/oauth/authorize", sim.base_url());
    let query = [
        ("response_type", "code"),
        ("client_id", &creds.client_id),
        ("redirect_uri", redirect),
        ("state", "xyz"),
    ];
    let res = http.get(&authorize).query(&query).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(redirect));
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
    let code = query_param(&location, "code").unwrap();

    let url = format!("{}/oauth/token", sim.base_url());
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", redirect),
    ];
    let (status, _, body) = call(basic(http.post(&url), &sim).form(&exchange)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    // A code works once.
    let (status, _, body) = call(basic(http.post(&url), &sim).form(&exchange)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let (status, _, body) = call(
        basic(http.post(&url), &sim)
            .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rotated = body["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, refresh);
    // The old refresh token is spent.
    let (status, _, _) = call(
        basic(http.post(&url), &sim)
            .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A redirect URI that is not loopback is refused without redirecting.
    let bad = [
        ("response_type", "code"),
        ("client_id", &creds.client_id),
        ("redirect_uri", "https://evil.example/cb"),
    ];
    let res = http.get(&authorize).query(&bad).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_and_expired_tokens_get_zoom_401s() {
    let sim = start(config(Vendor::Zoom, 10)).await;
    let http = client();
    let url = format!("{}/v2/users", sim.base_url());
    let (status, _, body) = call(http.get(&url).bearer_auth("nope")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"code": 124, "message": "Invalid access token."})
    );
    let (status, _, _) = call(http.get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let token = sim.access_token();
    sim.advance_clock(Duration::from_secs(3601));
    let (status, _, body) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"code": 124, "message": "Access token is expired."})
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_size_is_clamped_and_page_tokens_expire() {
    let sim = start(config(Vendor::Zoom, 1_000)).await;
    let http = client();
    let token = sim.access_token();
    let url = format!("{}/v2/users", sim.base_url());
    let (_, _, page) = call(
        http.get(&url)
            .bearer_auth(&token)
            .query(&[("page_size", "1000")]),
    )
    .await;
    assert_eq!(page["page_size"], 300);
    assert_eq!(page["users"].as_array().unwrap().len(), 300);
    let (_, _, page) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(page["page_size"], 30, "default page size");
    let next = page["next_page_token"].as_str().unwrap().to_string();

    sim.advance_clock(Duration::from_secs(16 * 60));
    let token = sim.access_token();
    let (status, _, body) = call(
        http.get(&url)
            .bearer_auth(&token)
            .query(&[("next_page_token", &next)]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], 300);
    let (status, _, _) = call(
        http.get(&url)
            .bearer_auth(&token)
            .query(&[("next_page_token", "Wnx3bFh3Y2Zh")]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    sim.stop().await;
}

/// Walking every allowed one-month window of `/report/users/{id}/meetings` finds exactly the
/// truth's reportable last activity, for meetings (types 1/2/8) and webinars (5/6/9).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downgrades_and_webinar_removal_are_reclaims_and_admins_are_refused() {
    let sim = start(config(Vendor::Zoom, 300)).await;
    let http = client();
    let token = sim.access_token();
    let truth = sim.truth();
    let member = truth
        .users
        .iter()
        .find(|u| {
            u.role == seatkeeper_sim::UserRole::Member
                && u.subscription(Product::ZoomWebinar).is_some()
        })
        .unwrap();
    let base = sim.base_url();
    let patch = |path: String, body: Value| {
        call(
            http.patch(format!("{base}{path}"))
                .bearer_auth(&token)
                .json(&body),
        )
    };

    let (status, _, body) = patch(
        format!("/v2/users/{}/settings", member.id),
        json!({"feature": {"webinar": false}}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, _, body) = patch(format!("/v2/users/{}", member.email), json!({"type": 1})).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (_, _, user) = call(
        http.get(format!("{base}/v2/users/{}", member.id))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(user["type"], 1);
    let (status, _, body) = patch(format!("/v2/users/{}", member.id), json!({"type": 1})).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(1109)),
        "already Basic"
    );

    let reclaimed = sim.reclaimed();
    let products: Vec<Product> = reclaimed.iter().map(|r| r.product).collect();
    assert_eq!(products, [Product::ZoomWebinar, Product::ZoomMeetings]);
    assert!(reclaimed.iter().all(|r| r.user_id == member.id));
    assert!(
        sim.truth()
            .user(&member.id)
            .unwrap()
            .subscriptions
            .is_empty()
    );

    let owner = &truth.users[0];
    let (status, _, body) = patch(format!("/v2/users/{}", owner.id), json!({"type": 1})).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(1108))
    );
    let admin = truth
        .users
        .iter()
        .find(|u| u.role == seatkeeper_sim::UserRole::Admin)
        .unwrap();
    let (status, _, _) = patch(format!("/v2/users/{}", admin.id), json!({"type": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, body) = patch("/v2/users/nobody@nowhere.test".into(), json!({"type": 1})).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::NOT_FOUND, Some(1001))
    );
    let (status, _, body) = patch(format!("/v2/users/{}", member.id), json!({"type": 3})).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(300))
    );
    assert_eq!(sim.reclaimed().len(), 2);
    sim.stop().await;
}
