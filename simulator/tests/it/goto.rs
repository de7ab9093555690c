use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use seatkeeper_sim::{Product, RateLimitMode, Simulator, UserRole, Vendor};
use serde_json::{Value, json};

use crate::common::{call, client, config, query_param, start, today};

async fn account_key(sim: &Simulator, token: &str) -> String {
    let (status, _, me) = call(
        client()
            .get(format!("{}/admin/rest/v1/me", sim.base_url()))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        me["adminRoles"]
            .as_array()
            .unwrap()
            .contains(&json!("SUPER_USER"))
    );
    me["accountKey"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offset_walk_returns_every_goto_user_exactly_once() {
    let sim = start(config(Vendor::GoTo, 10_000)).await;
    let token = sim.access_token();
    let account = account_key(&sim, &token).await;
    let http = client();
    let url = format!("{}/admin/rest/v1/accounts/{account}/users", sim.base_url());
    let mut seen = HashSet::new();
    let mut offset = 0;
    loop {
        let q = [
            ("pageSize", "1000".to_string()),
            ("offset", offset.to_string()),
        ];
        let (status, _, page) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
        assert_eq!(status, StatusCode::OK);
        let rows = page["results"].as_array().unwrap();
        for u in rows {
            assert!(seen.insert(u["key"].as_str().unwrap().to_string()));
        }
        if rows.len() < 1000 {
            break;
        }
        offset += 1000;
    }
    let truth = sim.truth();
    assert_eq!(seen.len(), 10_000);
    assert!(truth.users.iter().all(|u| seen.contains(&u.id)));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_and_licence_keys_match_the_truth() {
    let sim = start(config(Vendor::GoTo, 200)).await;
    let token = sim.access_token();
    let account = account_key(&sim, &token).await;
    let http = client();
    let (_, _, page) = call(
        http.get(format!(
            "{}/admin/rest/v1/accounts/{account}/users?pageSize=200",
            sim.base_url()
        ))
        .bearer_auth(&token),
    )
    .await;
    let truth = sim.truth();
    for u in page["results"].as_array().unwrap() {
        let t = truth.user(u["key"].as_str().unwrap()).unwrap();
        let codes: Vec<&str> = t.subscriptions.iter().map(|s| s.product.code()).collect();
        let keys: Vec<&str> = t
            .subscriptions
            .iter()
            .map(|s| s.license_key.as_deref().unwrap())
            .collect();
        assert_eq!(u["products"], json!(codes));
        assert_eq!(u["licenseKeys"], json!(keys));
    }
    let (_, _, licenses) = call(
        http.get(format!(
            "{}/admin/rest/v1/accounts/{account}/licenses",
            sim.base_url()
        ))
        .bearer_auth(&token),
    )
    .await;
    let g2m = licenses["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["products"] == json!(["G2M"]))
        .unwrap();
    let holders = truth.holders(Product::GoToMeeting).count() as u64;
    assert_eq!(
        g2m["seats"].as_u64().unwrap() - g2m["remaining"].as_u64().unwrap(),
        holders
    );
    let filtered = format!("email eq \"{}\"", truth.users[5].email);
    let (_, _, one) = call(
        http.get(format!(
            "{}/admin/rest/v1/accounts/{account}/users",
            sim.base_url()
        ))
        .bearer_auth(&token)
        .query(&[("filter", filtered)]),
    )
    .await;
    assert_eq!(one["results"][0]["key"], truth.users[5].id.as_str());
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_grant_then_refresh_without_a_new_refresh_token() {
    let sim = start(config(Vendor::GoTo, 10)).await;
    let http = client();
    let creds = sim.credentials();
    let redirect = "http://localhost:7777/cb";
    let q = [
        ("response_type", "code"),
        ("client_id", creds.client_id.as_str()),
        ("redirect_uri", redirect),
    ];
    let res = http
        .get(format!("{}/oauth/authorize", sim.base_url()))
        .query(&q)
        .send()
        .await
        .unwrap();
    let code = query_param(res.headers()["location"].to_str().unwrap(), "code").unwrap();
    let url = format!("{}/oauth/token", sim.base_url());
    let basic =
        |r: reqwest::RequestBuilder| r.basic_auth(&creds.client_id, Some(&creds.client_secret));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
    ];
    // Client credentials in the form are not enough: GoTo wants Basic.
    let (status, _, _) = call(http.post(&url).form(&form)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, body) = call(basic(http.post(&url)).form(&form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["principal"].as_str().unwrap().contains('@'));
    let refresh = body["refresh_token"].as_str().unwrap().to_string();

    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, _, body) = call(basic(http.post(&url)).form(&form)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.get("refresh_token").is_none(),
        "usually no new refresh token"
    );
    // Near the end of its life (past 60% of ~30 days) a new one comes back.
    sim.advance_clock(Duration::from_secs(19 * 86_400));
    let (_, _, body) = call(basic(http.post(&url)).form(&form)).await;
    assert!(body["refresh_token"].is_string());
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_and_expired_tokens_get_goto_401s() {
    let sim = start(config(Vendor::GoTo, 10)).await;
    let http = client();
    let url = format!("{}/admin/rest/v1/me", sim.base_url());
    let (status, _, body) = call(http.get(&url).bearer_auth("nope")).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("AUTHN_INVALID_TOKEN"))
    );
    let token = sim.access_token();
    sim.advance_clock(Duration::from_secs(3600));
    let (status, _, body) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("AUTHN_EXPIRED_TOKEN"))
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_requests_per_second_per_api_then_429() {
    let sim = start(config(Vendor::GoTo, 10).rate_limit(RateLimitMode::Vendor)).await;
    let http = client();
    let token = sim.access_token();
    let url = format!("{}/admin/rest/v1/me", sim.base_url());
    let mut statuses = Vec::new();
    for _ in 0..25 {
        let (status, headers, body) = call(http.get(&url).bearer_auth(&token)).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["errorCode"], "TOO_MANY_REQUESTS");
            assert!(
                headers.get("retry-after").is_none(),
                "GoTo documents no headers"
            );
        }
        statuses.push(status);
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    // 25 quick requests span at most two one-second windows.
    assert!((10..=20).contains(&ok), "{ok} allowed");
    // Another API has its own budget.
    let sessions = format!(
        "{}/G2W/rest/v2/organizers/{}/sessions",
        sim.base_url(),
        sim.truth().users[0].id
    );
    let q = [
        ("fromTime", "2026-09-01T00:00:00Z"),
        ("toTime", "2026-09-15T00:00:00Z"),
    ];
    let (status, _, _) = call(http.get(&sessions).bearer_auth(&token).query(&q)).await;
    assert_eq!(status, StatusCode::OK);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_reclaim_forms_work_and_administrators_are_refused() {
    let sim = start(config(Vendor::GoTo, 300)).await;
    let http = client();
    let token = sim.access_token();
    let account = account_key(&sim, &token).await;
    let truth = sim.truth();
    let base = format!("{}/admin/rest/v1/accounts/{account}", sim.base_url());
    let members: Vec<_> = truth
        .users
        .iter()
        .filter(|u| {
            u.role == UserRole::Member
                && u.subscription(Product::GoToMeeting).is_some()
                && u.subscriptions.len() >= 2
        })
        .take(2)
        .collect();

    // Form 1: PUT the user with the licence keys to keep.
    let keep: Vec<&str> = members[0]
        .subscriptions
        .iter()
        .filter(|s| s.product != Product::GoToMeeting)
        .map(|s| s.license_key.as_deref().unwrap())
        .collect();
    let url = format!("{base}/users/{}", members[0].id);
    let (status, _, _) = call(
        http.put(&url)
            .bearer_auth(&token)
            .json(&json!({"licenseKeys": keep})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, user) = call(http.get(&url).bearer_auth(&token)).await;
    assert!(!user["products"].as_array().unwrap().contains(&json!("G2M")));
    assert_eq!(user["licenseKeys"], json!(keep));

    // Form 2: DELETE the user from a licence.
    let g2m_key = members[1]
        .subscription(Product::GoToMeeting)
        .unwrap()
        .license_key
        .clone()
        .unwrap();
    let url = format!("{base}/licenses/{g2m_key}/users");
    let (status, _, _) = call(
        http.delete(&url)
            .bearer_auth(&token)
            .json(&json!({"userKeys": [members[1].id]})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let reclaimed = sim.reclaimed();
    assert_eq!(reclaimed.len(), 2);
    assert!(
        reclaimed.iter().all(|r| r.product == Product::GoToMeeting
            && r.license_key.as_deref() == Some(g2m_key.as_str()))
    );
    assert!(
        reclaimed[0].request.starts_with("PUT ") && reclaimed[1].request.starts_with("DELETE ")
    );

    // The super user and admins keep their licences.
    let owner = &truth.users[0];
    let (status, _, body) = call(
        http.delete(&url)
            .bearer_auth(&token)
            .query(&[("userKeys", owner.id.as_str())]),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::FORBIDDEN, Some("AUTHZ_INSUFFICIENT_SCOPE"))
    );
    let (status, _, _) = call(
        http.put(format!("{base}/users/{}", owner.id))
            .bearer_auth(&token)
            .json(&json!({"licenseKeys": []})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(
        http.put(format!("{base}/users/{}", owner.id))
            .bearer_auth(&token)
            .json(&json!({"licenseKeys": ["1"]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown licence key");
    assert_eq!(sim.reclaimed().len(), 2);
    sim.stop().await;
}

fn parse(t: &Value) -> DateTime<Utc> {
    t.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_endpoints_reproduce_the_truths_last_activity() {
    let sim = start(config(Vendor::GoTo, 40)).await;
    let http = client();
    let token = sim.access_token();
    let account = account_key(&sim, &token).await;
    let truth = sim.truth();
    let end = today();
    let base = sim.base_url();
    // Windows back over a year: G2M ≤ 60 days, Connect ≤ 31 days.
    let windows = |len: i64| {
        (0..(366 / len + 1)).map(move |i| {
            (
                end - chrono::Duration::days(len * (i + 1)),
                end - chrono::Duration::days(len * i),
            )
        })
    };
    for user in &truth.users {
        if let Some(sub) = user.subscription(Product::GoToMeeting) {
            let mut last = None;
            for (from, to) in windows(60) {
                let url = format!("{base}/G2M/rest/organizers/{}/historicalMeetings", user.id);
                let q = [
                    ("startDate", from.to_rfc3339()),
                    ("endDate", to.to_rfc3339()),
                ];
                let (status, _, list) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
                assert_eq!(status, StatusCode::OK, "{list}");
                last = list
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| parse(&m["startTime"]))
                    .max()
                    .max(last);
            }
            assert_eq!(last, sub.last_activity, "G2M {}", user.email);
        }
        if let Some(sub) = user.subscription(Product::GoToWebinar) {
            let url = format!("{base}/G2W/rest/v2/organizers/{}/sessions", user.id);
            let q = [
                ("fromTime", (end - chrono::Duration::days(400)).to_rfc3339()),
                ("toTime", end.to_rfc3339()),
                ("size", "200".into()),
            ];
            let (_, _, page) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
            let sessions = page["_embedded"]["sessionInfoResources"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert_eq!(
                sessions.len() as u64,
                page["page"]["totalElements"].as_u64().unwrap()
            );
            let last = sessions.iter().map(|s| parse(&s["startTime"])).max();
            assert_eq!(last, sub.last_activity, "G2W {}", user.email);
        }
        if let Some(sub) = user.subscription(Product::GoToConnect) {
            let mut last = None;
            for (from, to) in windows(31) {
                let mut marker: Option<String> = None;
                loop {
                    let mut q = vec![
                        ("accountKey", account.clone()),
                        ("userKey", user.id.clone()),
                        ("startTime", from.to_rfc3339()),
                        ("endTime", to.to_rfc3339()),
                        ("pageSize", "10".into()),
                    ];
                    q.extend(marker.clone().map(|m| ("pageMarker", m)));
                    let (status, _, page) = call(
                        http.get(format!("{base}/call-history/v1/calls"))
                            .bearer_auth(&token)
                            .query(&q),
                    )
                    .await;
                    assert_eq!(status, StatusCode::OK, "{page}");
                    last = page["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| parse(&c["startTime"]))
                        .max()
                        .max(last);
                    marker = page["nextPageMarker"].as_str().map(str::to_string);
                    if marker.is_none() {
                        break;
                    }
                }
            }
            assert_eq!(last, sub.last_activity, "G2C {}", user.email);
        }
    }
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_endpoints_enforce_their_shapes_and_windows() {
    let sim = start(config(Vendor::GoTo, 10)).await;
    let http = client();
    let token = sim.access_token();
    let owner = sim.truth().users[0].id.clone();
    let base = sim.base_url();
    let url = format!("{base}/G2W/rest/v2/organizers/{owner}/sessions");
    let (status, _, _) = call(http.get(&url).bearer_auth(&token).query(&[
        ("fromTime", "2026-01-01T00:00:00Z"),
        ("toTime", "2026-09-01T00:00:00Z"),
        ("size", "201"),
    ]))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "size above 200");
    let (status, _, page) = call(http.get(&url).bearer_auth(&token).query(&[
        ("fromTime", "2020-01-01T00:00:00Z"),
        ("toTime", "2020-02-01T00:00:00Z"),
    ]))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.get("_embedded").is_none(),
        "no _embedded on an empty page"
    );
    assert_eq!(page["page"]["totalElements"], 0);
    let (status, _, _) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "fromTime and toTime are required"
    );

    let url = format!("{base}/G2M/rest/organizers/{owner}/historicalMeetings");
    let (status, _, body) = call(http.get(&url).bearer_auth(&token).query(&[
        ("startDate", "2026-01-01T00:00:00Z"),
        ("endDate", "2026-06-01T00:00:00Z"),
    ]))
    .await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::BAD_REQUEST, Some("BAD_REQUEST"))
    );
    let (status, _, _) = call(
        http.get(format!("{base}/G2M/rest/organizers/123/historicalMeetings"))
            .bearer_auth(&token)
            .query(&[
                ("startDate", "2026-08-01T00:00:00Z"),
                ("endDate", "2026-09-01T00:00:00Z"),
            ]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sim.stop().await;
}
