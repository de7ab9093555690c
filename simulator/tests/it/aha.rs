use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use seatkeeper_sim::{AhaErrorStyle, Product, RateLimitMode, UserRole, Vendor};
use serde_json::json;

use crate::common::{call, client, config, query_param, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_walk_returns_every_aha_user_exactly_once() {
    let sim = start(config(Vendor::Aha, 10_000)).await;
    let token = sim.access_token();
    let http = client();
    let url = format!("{}/api/v1/users", sim.base_url());
    let mut seen = HashSet::new();
    let mut page = 1;
    loop {
        let q = [("page", page.to_string()), ("per_page", "200".into())];
        let (status, _, body) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
        assert_eq!(status, StatusCode::OK);
        for u in body["users"].as_array().unwrap() {
            assert!(seen.insert(u["id"].as_str().unwrap().to_string()));
        }
        let p = &body["pagination"];
        assert_eq!(p["current_page"], page);
        assert_eq!(p["total_records"], 10_000);
        if page >= p["total_pages"].as_u64().unwrap() {
            break;
        }
        page += 1;
    }
    assert_eq!(seen.len(), 10_000);
    let truth = sim.truth();
    assert!(truth.users.iter().all(|u| seen.contains(&u.id)));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seats_and_access_match_the_truth_and_per_page_is_clamped() {
    let sim = start(config(Vendor::Aha, 300)).await;
    let token = sim.access_token();
    let http = client();
    let (_, _, body) = call(
        http.get(format!("{}/api/v1/users?per_page=500", sim.base_url()))
            .bearer_auth(&token),
    )
    .await;
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 200);
    assert_eq!(body["pagination"]["total_pages"], 2);
    let truth = sim.truth();
    for u in users {
        let t = truth.user(u["id"].as_str().unwrap()).unwrap();
        let seat = t.subscription(Product::AhaRoadmaps);
        assert_eq!(u["paid_seat"], seat.is_some());
        let accessed = u["accessed_at"]
            .as_str()
            .map(|s| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
        if let Some(seat) = seat {
            assert_eq!(accessed, seat.last_activity);
        }
        assert_eq!(u["administrator"], t.role != UserRole::Member);
    }
    assert!(
        users.iter().any(|u| u["accessed_at"].is_null()),
        "never-active users"
    );
    assert!(users.iter().any(|u| u["enabled"] == false));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_comes_from_the_path_the_header_or_the_host() {
    let sim = start(config(Vendor::Aha, 10)).await;
    let token = sim.access_token();
    let sub = sim.credentials().subdomain.unwrap();
    let http = client();
    let root = format!("{}/api/v1/users", sim.root_url());
    let (status, _, _) = call(
        http.get(format!("{}/api/v1/users", sim.base_url()))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "path prefix");
    let (status, _, _) = call(
        http.get(&root)
            .bearer_auth(&token)
            .header("X-AHA-ACCOUNT", &sub),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "header");
    let (status, _, _) = call(
        http.get(&root)
            .bearer_auth(&token)
            .header("Host", format!("{sub}.aha.io")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "host");
    let (status, _, _) = call(http.get(&root).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no tenant named");
    let (status, _, _) = call(
        http.get(format!("{}/other/api/v1/users", sim.root_url()))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_code_flow_with_form_credentials_and_doorkeeper_401s() {
    let sim = start(config(Vendor::Aha, 10)).await;
    let http = client();
    let c = sim.credentials();
    let redirect = "http://127.0.0.1:1/cb";
    let q = [
        ("response_type", "code"),
        ("client_id", c.client_id.as_str()),
        ("redirect_uri", redirect),
    ];
    let res = http
        .get(format!("{}/oauth/authorize", sim.base_url()))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let code = query_param(res.headers()["location"].to_str().unwrap(), "code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.client_secret.as_str()),
    ];
    let (status, _, body) = call(
        http.post(format!("{}/oauth/token", sim.base_url()))
            .form(&form),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let users = format!("{}/api/v1/users", sim.base_url());
    assert_eq!(
        call(http.get(&users).bearer_auth(token)).await.0,
        StatusCode::OK
    );

    let (status, headers, body) = call(http.get(&users).bearer_auth("nope")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    sim.advance_clock(Duration::from_secs(3600));
    let (status, _, body) = call(http.get(&users).bearer_auth(token)).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("The access token expired"))
    );
    // The API key does not expire.
    assert_eq!(
        call(http.get(&users).bearer_auth(c.api_key.unwrap()))
            .await
            .0,
        StatusCode::OK
    );
    sim.stop().await;

    let mut plain = config(Vendor::Aha, 10);
    plain.aha_error_style = AhaErrorStyle::Message;
    let sim = start(plain).await;
    let (_, _, body) = call(
        http.get(format!("{}/api/v1/users", sim.base_url()))
            .bearer_auth("nope"),
    )
    .await;
    assert_eq!(body, json!({"message": "The access token is invalid"}));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_frees_the_seat_and_administrators_are_refused() {
    let sim = start(config(Vendor::Aha, 200)).await;
    let token = sim.access_token();
    let http = client();
    let truth = sim.truth();
    let member = truth
        .users
        .iter()
        .find(|u| u.role == UserRole::Member && u.subscription(Product::AhaRoadmaps).is_some())
        .unwrap();
    let url = format!("{}/api/v1/users/{}", sim.base_url(), member.id);
    let (status, _, body) = call(
        http.put(&url)
            .bearer_auth(&token)
            .json(&json!({"user": {"enabled": false}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("user").is_none(), "the answer is unwrapped");
    assert_eq!(
        (body["enabled"].as_bool(), body["paid_seat"].as_bool()),
        (Some(false), Some(false))
    );
    let (_, _, wrapped) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(wrapped["user"]["paid_seat"], false, "GET wraps in user");
    let reclaimed = sim.reclaimed();
    assert_eq!(
        (reclaimed.len(), reclaimed[0].user_id.as_str()),
        (1, member.id.as_str())
    );

    let admin = truth
        .users
        .iter()
        .find(|u| u.role == UserRole::Admin)
        .unwrap();
    let url = format!("{}/api/v1/users/{}", sim.base_url(), admin.id);
    let (status, _, _) = call(
        http.put(&url)
            .bearer_auth(&token)
            .json(&json!({"user": {"enabled": false}})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(
        http.put(&url)
            .bearer_auth(&token)
            .json(&json!({"enabled": false})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the body must be wrapped in user"
    );
    let (status, _, _) = call(
        http.get(format!("{}/api/v1/users/42", sim.base_url()))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(sim.reclaimed().len(), 1);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_requests_per_second_then_429_with_retry_after() {
    let sim = start(config(Vendor::Aha, 10).rate_limit(RateLimitMode::Vendor)).await;
    let token = sim.access_token();
    let http = client();
    let url = format!("{}/api/v1/users", sim.base_url());
    let mut ok = 0;
    let mut limited = None;
    for _ in 0..45 {
        let (status, headers, body) = call(http.get(&url).bearer_auth(&token)).await;
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => limited = Some((headers, body)),
            other => panic!("{other}"),
        }
    }
    assert!((20..=40).contains(&ok), "{ok} allowed");
    let (headers, body) = limited.unwrap();
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(body["error"], "rate_limited");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_requests_per_minute() {
    let limits = seatkeeper_sim::Limits {
        per_second: None,
        per_minute: Some(300),
        per_day: None,
    };
    let sim = start(config(Vendor::Aha, 10).rate_limit(RateLimitMode::Custom(limits))).await;
    let token = sim.access_token();
    let http = client();
    let url = format!(
        "{}/api/v1/users/{}",
        sim.base_url(),
        sim.truth().users[0].id
    );
    // Start at the top of a simulated minute so the burst stays inside one window.
    let into_minute = sim.now().timestamp_millis().rem_euclid(60_000) as u64;
    sim.advance_clock(Duration::from_millis(60_000 - into_minute));
    for _ in 0..300 {
        assert_eq!(
            call(http.get(&url).bearer_auth(&token)).await.0,
            StatusCode::OK
        );
    }
    let (status, headers, _) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 1
    );
    sim.stop().await;
}
