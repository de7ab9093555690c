use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use seatkeeper_sim::{Fault, Simulator, Vendor};

use crate::common::{call, client, config, start};

/// Walks Zoom's active users; returns (rows received, distinct emails, pages).
async fn zoom_walk(sim: &Simulator, size: usize) -> (usize, usize, usize) {
    let http = client();
    let token = sim.access_token();
    let (mut rows, mut seen, mut pages) = (0, HashSet::new(), 0);
    let mut next = String::new();
    loop {
        let q = [
            ("page_size", size.to_string()),
            ("next_page_token", next.clone()),
        ];
        let (status, _, page) = call(
            http.get(format!("{}/v2/users", sim.base_url()))
                .bearer_auth(&token)
                .query(&q),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        for u in page["users"].as_array().unwrap() {
            rows += 1;
            seen.insert(u["email"].as_str().unwrap().to_string());
        }
        next = page["next_page_token"].as_str().unwrap().to_string();
        if next.is_empty() {
            return (rows, seen.len(), pages);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_faults_empty_drop_and_duplicate_pages() {
    let sim = start(config(Vendor::Zoom, 1_000)).await;
    let (rows, distinct, pages) = zoom_walk(&sim, 100).await;
    assert_eq!(rows, distinct);
    let active = distinct;

    sim.set_fault(Fault::EmptyPage { page: 2 }).unwrap();
    let (rows, _, walked) = zoom_walk(&sim, 100).await;
    assert_eq!(
        (rows, walked),
        (active - 100, pages),
        "page 2 empty, paging goes on"
    );
    sim.clear_faults();

    sim.set_fault(Fault::DropUsers { page: 3, count: 7 })
        .unwrap();
    assert_eq!(zoom_walk(&sim, 100).await.1, active - 7);
    sim.clear_faults();

    sim.set_fault(Fault::DuplicateUsers { count: 3 }).unwrap();
    let (rows, distinct, pages) = zoom_walk(&sim, 100).await;
    assert_eq!((distinct, rows), (active, active + 3 * (pages - 1)));
    sim.clear_faults();

    // GoTo's offset paging stops at a short page: an empty page loses the rest.
    let sim = start(config(Vendor::GoTo, 500)).await;
    sim.set_fault(Fault::EmptyPage { page: 2 }).unwrap();
    let token = sim.access_token();
    let (_, _, me) = call(
        client()
            .get(format!("{}/admin/rest/v1/me", sim.base_url()))
            .bearer_auth(&token),
    )
    .await;
    let url = format!(
        "{}/admin/rest/v1/accounts/{}/users",
        sim.base_url(),
        me["accountKey"].as_str().unwrap()
    );
    let (_, _, page) = call(
        client()
            .get(&url)
            .bearer_auth(&token)
            .query(&[("pageSize", "100"), ("offset", "100")]),
    )
    .await;
    assert_eq!(page["results"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storms_and_server_errors_use_the_vendors_shapes_then_stop() {
    let sim = start(config(Vendor::GoTo, 10)).await;
    let http = client();
    let token = sim.access_token();
    let url = format!("{}/admin/rest/v1/me", sim.base_url());
    sim.set_fault(Fault::RateLimitStorm { times: Some(2) })
        .unwrap();
    for _ in 0..2 {
        let (status, _, body) = call(http.get(&url).bearer_auth(&token)).await;
        assert_eq!(
            (status, body["errorCode"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("TOO_MANY_REQUESTS"))
        );
    }
    assert_eq!(
        call(http.get(&url).bearer_auth(&token)).await.0,
        StatusCode::OK
    );
    assert!(sim.faults().is_empty(), "a counted fault is spent");

    sim.set_fault(Fault::ServerError {
        status: 500,
        times: Some(1),
    })
    .unwrap();
    let (status, _, body) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("UNKNOWN_ERROR"))
    );
    for code in [502u16, 503] {
        sim.set_fault(Fault::ServerError {
            status: code,
            times: Some(1),
        })
        .unwrap();
        let res = http.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status().as_u16(), code);
        assert_eq!(
            res.headers()["content-type"],
            "text/html",
            "gateways answer HTML"
        );
    }
    // OAuth is never faulted.
    sim.set_fault(Fault::ServerError {
        status: 503,
        times: None,
    })
    .unwrap();
    let res = http
        .post(format!("{}/oauth/token", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        sim.set_fault(Fault::ServerError {
            status: 418,
            times: None
        })
        .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_responses_and_timeouts() {
    let sim = start(config(Vendor::Aha, 10)).await;
    let token = sim.access_token();
    let url = format!("{}/api/v1/users", sim.base_url());
    sim.set_fault(Fault::Slow {
        delay_ms: 300,
        times: Some(1),
    })
    .unwrap();
    let started = Instant::now();
    assert_eq!(
        call(client().get(&url).bearer_auth(&token)).await.0,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(300));

    sim.set_fault(Fault::Timeout { times: Some(1) }).unwrap();
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = impatient
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(
        call(client().get(&url).bearer_auth(&token)).await.0,
        StatusCode::OK
    );
    let started = Instant::now();
    sim.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a held request does not block stop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_truncated_json() {
    let sim = start(config(Vendor::Zoom, 100)).await;
    let token = sim.access_token();
    let url = format!("{}/v2/users", sim.base_url());
    let whole = client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    for fault in [
        Fault::MalformedJson { times: Some(1) },
        Fault::TruncatedJson { times: Some(1) },
    ] {
        sim.set_fault(fault.clone()).unwrap();
        let res = client().get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.bytes().await.unwrap();
        assert!(
            serde_json::from_slice::<serde_json::Value>(&bytes).is_err(),
            "{fault:?}"
        );
        if matches!(fault, Fault::TruncatedJson { .. }) {
            assert_eq!(bytes.len(), whole.len() / 2);
        }
    }
    let bytes = client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_mid_sync_fails_until_a_new_one_is_fetched() {
    let sim = start(config(Vendor::Zoom, 100)).await;
    let http = client();
    let creds = sim.credentials();
    let token_url = format!("{}/oauth/token", sim.base_url());
    let form = [
        ("grant_type", "account_credentials"),
        ("account_id", creds.account_id.as_deref().unwrap()),
    ];
    let fetch = || async {
        let (_, _, body) = call(
            http.post(&token_url)
                .basic_auth(&creds.client_id, Some(&creds.client_secret))
                .form(&form),
        )
        .await;
        body["access_token"].as_str().unwrap().to_string()
    };
    let token = fetch().await;
    let url = format!("{}/v2/users", sim.base_url());
    sim.set_fault(Fault::RevokeTokens { after: 2 }).unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(call(http.get(&url).bearer_auth(&token)).await.0);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED
        ]
    );
    let (_, _, body) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(body["code"], 124);
    let fresh = fetch().await;
    assert_eq!(
        call(http.get(&url).bearer_auth(&fresh)).await.0,
        StatusCode::OK
    );
}
