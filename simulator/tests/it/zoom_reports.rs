//! Zoom reports (windows, truth of last activity) and rate limits.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use reqwest::StatusCode;
use seatkeeper_sim::{Limits, Product, RateLimitMode, Vendor, ZoomPlan};
use serde_json::Value;

use crate::common::{call, client, config, start, today};

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_windows_follow_the_vendor_rules() {
    let sim = start(config(Vendor::Zoom, 50)).await;
    let http = client();
    let token = sim.access_token();
    let today = sim.now().date_naive();
    let url = format!("{}/v2/report/users", sim.base_url());
    let get = |from: String, to: String| {
        call(
            http.get(&url)
                .bearer_auth(&token)
                .query(&[("from", from), ("to", to)]),
        )
    };

    let month_ago = today.checked_sub_months(Months::new(1)).unwrap();
    let (status, _, body) = get(day(month_ago), day(today)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = get(day(month_ago - Days::new(1)), day(today)).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(300)),
        "over a month"
    );
    let old = today.checked_sub_months(Months::new(7)).unwrap();
    let (status, _, body) = get(day(old), day(old + Days::new(5))).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("Only provide report in recent 6 months.")
        )
    );
    let (status, _, _) = get(day(today), day(month_ago)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "to before from");
    let (status, _, _) = call(
        http.get(&url)
            .bearer_auth(&token)
            .query(&[("from", "2026-09-01")]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "to missing");
    let (status, _, _) = get("09/01/2026".into(), day(today)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not yyyy-mm-dd");
    sim.stop().await;

    let mut free = config(Vendor::Zoom, 10);
    free.zoom_plan = ZoomPlan::Free;
    let sim = start(free).await;
    let url = format!("{}/v2/report/activities", sim.base_url());
    let q = [("from", day(today - Days::new(3))), ("to", day(today))];
    let (status, _, body) = call(http.get(&url).bearer_auth(sim.access_token()).query(&q)).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(200))
    );
    sim.stop().await;
}

fn parse(t: &Value) -> DateTime<Utc> {
    t.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meeting_reports_reproduce_the_truths_last_activity() {
    let sim = start(config(Vendor::Zoom, 60)).await;
    let http = client();
    let token = sim.access_token();
    let truth = sim.truth();
    let today = today().date_naive();
    let floor = today.checked_sub_months(Months::new(6)).unwrap();
    let mut windows = Vec::new();
    let mut to = today;
    while to >= floor {
        let from = to.checked_sub_months(Months::new(1)).unwrap().max(floor);
        windows.push((from, to));
        to = from - Days::new(1);
    }
    let mut checked = 0;
    for user in truth.users.iter().filter(|u| !u.subscriptions.is_empty()) {
        let (mut meeting, mut webinar): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
            (None, None);
        for (from, to) in &windows {
            let url = format!("{}/v2/report/users/{}/meetings", sim.base_url(), user.id);
            let mut next = String::new();
            loop {
                let q = [
                    ("from", day(*from)),
                    ("to", day(*to)),
                    ("page_size", "300".into()),
                    ("next_page_token", next.clone()),
                ];
                let (status, _, page) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
                assert_eq!(status, StatusCode::OK, "{page}");
                for m in page["meetings"].as_array().unwrap() {
                    let start = parse(&m["start_time"]);
                    let slot = if matches!(m["type"].as_u64(), Some(5 | 6 | 9)) {
                        &mut webinar
                    } else {
                        &mut meeting
                    };
                    *slot = (*slot).max(Some(start));
                }
                next = page["next_page_token"].as_str().unwrap().to_string();
                if next.is_empty() {
                    break;
                }
            }
        }
        let want = |p| {
            user.subscription(p)
                .and_then(|s| s.reportable_last_activity)
        };
        assert_eq!(meeting, want(Product::ZoomMeetings), "{}", user.email);
        if user.subscription(Product::ZoomWebinar).is_some() {
            assert_eq!(webinar, want(Product::ZoomWebinar), "{}", user.email);
        }
        checked += 1;
    }
    assert!(checked > 20);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_report_and_sign_in_log_agree_with_the_truth() {
    let sim = start(config(Vendor::Zoom, 300)).await;
    let http = client();
    let token = sim.access_token();
    let truth = sim.truth();
    let today = today().date_naive();
    let from = today - Days::new(6);
    let q = [
        ("from", day(from)),
        ("to", day(today)),
        ("page_size", "300".into()),
    ];
    let url = format!("{}/v2/report/users", sim.base_url());
    let (_, _, active) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
    let hosts: HashSet<&str> = active["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts.len() as u64,
        active["total_records"].as_u64().unwrap()
    );
    let start = from.and_hms_opt(0, 0, 0).unwrap().and_utc();
    for u in truth.holders(Product::ZoomMeetings) {
        let recent = u
            .subscription(Product::ZoomMeetings)
            .unwrap()
            .last_activity
            .is_some_and(|t| t >= start);
        assert_eq!(hosts.contains(u.id.as_str()), recent, "{}", u.email);
    }
    let url = format!("{}/v2/report/activities", sim.base_url());
    let (_, _, log) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
    let logs = log["activity_logs"].as_array().unwrap();
    let times: Vec<DateTime<Utc>> = logs.iter().map(|l| parse(&l["time"])).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let first_sign_in = logs.iter().find(|l| l["type"] == "Sign in").unwrap();
    let latest = truth
        .users
        .iter()
        .filter_map(|u| u.last_login)
        .max()
        .unwrap();
    assert_eq!(parse(&first_sign_in["time"]), latest);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_second_and_daily_limits_answer_429_with_zoom_headers() {
    let limits = Limits {
        per_second: Some(3),
        per_minute: None,
        per_day: None,
    };
    let sim = start(config(Vendor::Zoom, 10).rate_limit(RateLimitMode::Custom(limits))).await;
    let http = client();
    let token = sim.access_token();
    let url = format!("{}/v2/users/me", sim.base_url());
    let mut limited = None;
    for _ in 0..12 {
        let (status, headers, body) = call(http.get(&url).bearer_auth(&token)).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((headers, body));
            break;
        }
        assert_eq!(headers["x-ratelimit-category"], "Light");
        assert_eq!(headers["x-ratelimit-type"], "QPS");
    }
    let (headers, body) = limited.expect("the fourth request in a second is refused");
    assert_eq!(body["code"], 429);
    assert!(body["message"].as_str().unwrap().contains("per-second"));
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(
        headers.get("retry-after").is_none(),
        "per-second 429s carry no Retry-After"
    );
    sim.stop().await;

    let limits = Limits {
        per_second: None,
        per_minute: None,
        per_day: Some(2),
    };
    let sim = start(config(Vendor::Zoom, 10).rate_limit(RateLimitMode::Custom(limits))).await;
    let token = sim.access_token();
    let url = format!("{}/v2/users", sim.base_url());
    for _ in 0..2 {
        let (status, headers, _) = call(http.get(&url).bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["x-ratelimit-type"], "Daily-limit");
    }
    let (status, headers, body) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body["message"].as_str().unwrap().contains("daily"));
    let retry: DateTime<Utc> = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(
        retry,
        (sim.now().date_naive() + Days::new(1))
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
    );
    // Other labels have their own counters.
    let (status, _, _) = call(http.get(format!("{url}/me")).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::OK);
    sim.advance_clock(Duration::from_secs(86_400));
    let token = sim.access_token();
    let (status, _, _) = call(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::OK, "a new day");
    sim.stop().await;
}
