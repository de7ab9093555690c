//! Activity recorded while the simulator runs (`record_activity`, `POST /_sim/activity`)
//! shows in every activity endpoint and in the truth.

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use seatkeeper_sim::{Product, SimError, UserRole, Vendor};
use serde_json::{Value, json};

use crate::common::{call, client, config, start};

fn parse(t: &Value) -> DateTime<Utc> {
    t.as_str().unwrap().parse().unwrap()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// To the second, as the simulator keeps it.
fn second(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

/// Every page of a Zoom report, walked with `next_page_token`; the items under `key`.
async fn zoom_report(url: &str, token: &str, query: &[(&str, String)], key: &str) -> Vec<Value> {
    let http = client();
    let mut items = Vec::new();
    let mut next = String::new();
    loop {
        let mut q = query.to_vec();
        q.push(("next_page_token", next.clone()));
        let (status, _, page) = call(http.get(url).bearer_auth(token).query(&q)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        items.extend(page[key].as_array().unwrap().iter().cloned());
        next = page["next_page_token"].as_str().unwrap().to_string();
        if next.is_empty() {
            return items;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_zoom_meetings_and_webinars_show_in_every_report_and_the_truth() {
    let sim = start(config(Vendor::Zoom, 300)).await;
    let http = client();
    let token = sim.access_token();
    let base = sim.base_url();
    let today = sim.now().date_naive();
    let from = today - Days::new(6);
    let window = |size: &str| {
        vec![
            ("from", day(from)),
            ("to", day(today)),
            ("page_size", size.to_string()),
        ]
    };
    let week_ago = from.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let truth = sim.truth();
    // A webinar holder who hosted no meeting this week.
    let user = truth
        .holders(Product::ZoomWebinar)
        .find(|u| {
            u.role == UserRole::Member
                && u.subscription(Product::ZoomMeetings)
                    .and_then(|s| s.last_activity)
                    .is_none_or(|t| t < week_ago)
        })
        .unwrap();
    let hosts = format!("{base}/v2/report/users");
    let ids = |rows: &[Value]| -> Vec<String> {
        rows.iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut active_q = window("300");
    active_q.push(("type", "active".into()));
    let before = zoom_report(&hosts, &token, &active_q, "users").await;
    assert!(!ids(&before).contains(&user.id));
    let meetings_url = format!("{base}/v2/report/users/{}/meetings", user.id);
    let before = zoom_report(&meetings_url, &token, &window("300"), "meetings").await;

    let meeting_at = sim.now() - Duration::hours(1);
    sim.record_activity(&user.id, Product::ZoomMeetings, meeting_at)
        .unwrap();
    let (status, _, recorded) = call(
        http.post(format!("{}/activity", sim.control_url()))
            .json(&json!({"user_id": user.id, "product": "zoom_webinar"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{recorded}");
    let webinar_at = parse(&recorded["at"]);
    assert!(webinar_at > meeting_at, "at defaults to the clock's now");

    // The per-user report, one item a page: both events, oldest first, nothing lost.
    let after = zoom_report(&meetings_url, &token, &window("1"), "meetings").await;
    assert_eq!(after.len(), before.len() + 2);
    let starts: Vec<DateTime<Utc>> = after.iter().map(|m| parse(&m["start_time"])).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    let found = |at: DateTime<Utc>, types: &[u64]| {
        after.iter().any(|m| {
            parse(&m["start_time"]) == second(at)
                && types.contains(&m["type"].as_u64().unwrap())
                && m["participants_count"].as_u64().unwrap() >= 2
                && m["user_email"] == user.email.as_str()
        })
    };
    assert!(found(meeting_at, &[1, 2, 8]), "the meeting");
    assert!(found(webinar_at, &[5, 6, 9]), "the webinar");

    // The host report counts the meeting (not the webinar), though it was cached before.
    let active = zoom_report(&hosts, &token, &active_q, "users").await;
    let row = active.iter().find(|u| u["id"] == user.id.as_str()).unwrap();
    assert_eq!(row["meetings"], 1);
    let mut inactive_q = window("300");
    inactive_q.push(("type", "inactive".into()));
    let inactive = zoom_report(&hosts, &token, &inactive_q, "users").await;
    assert!(!ids(&inactive).contains(&user.id));

    // Hosting signs the user in: the newest sign-in of the account, and last_login_time.
    let logs = zoom_report(
        &format!("{base}/v2/report/activities"),
        &token,
        &window("300"),
        "activity_logs",
    )
    .await;
    let newest = logs.iter().find(|l| l["type"] == "Sign in").unwrap();
    assert_eq!(
        (parse(&newest["time"]), newest["email"].as_str()),
        (webinar_at, Some(user.email.as_str()))
    );
    let (_, _, listed) = call(
        http.get(format!("{base}/v2/users/{}", user.id))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(parse(&listed["last_login_time"]), webinar_at);

    let truth = sim.truth();
    let now = truth.user(&user.id).unwrap();
    let last = |p| now.subscription(p).unwrap().last_activity;
    assert_eq!(last(Product::ZoomMeetings), Some(second(meeting_at)));
    assert_eq!(last(Product::ZoomWebinar), Some(webinar_at));
    let reportable = now
        .subscription(Product::ZoomWebinar)
        .unwrap()
        .reportable_last_activity;
    assert_eq!(reportable, Some(webinar_at));
    assert_eq!(now.last_login, Some(webinar_at));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_goto_meetings_sessions_and_answered_calls_are_reported_at_once() {
    let sim = start(config(Vendor::GoTo, 100)).await;
    let http = client();
    let token = sim.access_token();
    let base = sim.base_url();
    let ctl = sim.control_url();
    let truth = sim.truth();
    let owner = &truth.users[0];
    let (_, _, me) = call(
        http.get(format!("{base}/admin/rest/v1/me"))
            .bearer_auth(&token),
    )
    .await;
    let account = me["accountKey"].as_str().unwrap().to_string();
    let now = sim.now();
    let (from, to) = (now - Duration::days(30), now + Duration::hours(1));
    let calls = || async {
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut q = vec![
                ("accountKey", account.clone()),
                ("startTime", from.to_rfc3339()),
                ("endTime", to.to_rfc3339()),
                ("pageSize", "50".into()),
            ];
            q.extend(marker.clone().map(|m| ("pageMarker", m)));
            let (status, _, page) = call(
                http.get(format!("{base}/call-history/v1/calls"))
                    .bearer_auth(&token)
                    .query(&q),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            all.extend(page["items"].as_array().unwrap().iter().cloned());
            marker = page["nextPageMarker"].as_str().map(str::to_string);
            if marker.is_none() {
                return all;
            }
        }
    };
    let before = calls().await;

    // Recorded "now": already over, so the vendor's running-meeting rule hides nothing.
    let mut at = Vec::new();
    for product in ["go_to_meeting", "go_to_webinar", "go_to_connect"] {
        let (status, _, body) = call(
            http.post(format!("{ctl}/activity"))
                .json(&json!({"user_id": owner.id, "product": product})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        at.push(parse(&body["at"]));
    }

    let q = [
        ("startDate", (now - Duration::days(59)).to_rfc3339()),
        ("endDate", to.to_rfc3339()),
    ];
    let url = format!("{base}/G2M/rest/organizers/{}/historicalMeetings", owner.id);
    let (_, _, meetings) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
    let newest = meetings.as_array().unwrap().last().unwrap();
    assert_eq!(parse(&newest["startTime"]), at[0]);
    assert_eq!(newest["organizerKey"].to_string(), owner.id);

    let url = format!("{base}/G2W/rest/v2/organizers/{}/sessions", owner.id);
    let q = [
        ("fromTime", (now - Duration::days(300)).to_rfc3339()),
        ("toTime", to.to_rfc3339()),
        ("size", "200".into()),
    ];
    let (_, _, page) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
    let sessions = page["_embedded"]["sessionInfoResources"]
        .as_array()
        .unwrap();
    let newest = sessions.iter().map(|s| parse(&s["startTime"])).max();
    assert_eq!(newest, Some(at[1]));
    assert_eq!(
        sessions.last().unwrap()["creatingOrganizerKey"],
        owner.id.as_str()
    );

    // Account-wide call history, 50 a page, cached before: the new call once, answered.
    let after = calls().await;
    assert_eq!(after.len(), before.len() + 1);
    let starts: Vec<DateTime<Utc>> = after.iter().map(|c| parse(&c["startTime"])).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    let recorded: Vec<&Value> = after
        .iter()
        .filter(|c| c["userKey"] == owner.id.as_str() && parse(&c["startTime"]) == at[2])
        .collect();
    assert_eq!(recorded.len(), 1);
    assert!(
        parse(&recorded[0]["answerTime"]) >= at[2],
        "placed or answered"
    );

    let truth = sim.truth();
    let owner_now = truth.user(&owner.id).unwrap();
    let products = [
        Product::GoToMeeting,
        Product::GoToWebinar,
        Product::GoToConnect,
    ];
    for (p, at) in products.iter().zip(&at) {
        assert_eq!(
            owner_now.subscription(*p).unwrap().last_activity,
            Some(*at),
            "{p:?}"
        );
    }

    // An older meeting shows in its window and leaves a newer last activity alone.
    let member = truth
        .holders(Product::GoToMeeting)
        .find(|u| u.role == UserRole::Member)
        .unwrap();
    let old = now - Duration::days(10);
    sim.record_activity(&member.id, Product::GoToMeeting, old)
        .unwrap();
    let url = format!(
        "{base}/G2M/rest/organizers/{}/historicalMeetings",
        member.id
    );
    let q = [
        ("startDate", (old - Duration::days(1)).to_rfc3339()),
        ("endDate", (old + Duration::days(1)).to_rfc3339()),
    ];
    let (_, _, meetings) = call(http.get(&url).bearer_auth(&token).query(&q)).await;
    assert!(
        meetings
            .as_array()
            .unwrap()
            .iter()
            .any(|m| parse(&m["startTime"]) == second(old))
    );
    let was = member
        .subscription(Product::GoToMeeting)
        .unwrap()
        .last_activity;
    let is = sim
        .truth()
        .user(&member.id)
        .unwrap()
        .subscription(Product::GoToMeeting)
        .unwrap()
        .last_activity;
    assert_eq!(is, was.max(Some(second(old))));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_aha_access_sets_accessed_at() {
    let sim = start(config(Vendor::Aha, 200)).await;
    let http = client();
    let token = sim.access_token();
    let truth = sim.truth();
    let user = truth
        .holders(Product::AhaRoadmaps)
        .find(|u| {
            u.subscription(Product::AhaRoadmaps)
                .unwrap()
                .last_activity
                .is_none()
        })
        .unwrap();
    let (status, _, body) = call(http.post(format!("{}/activity", sim.control_url())).json(
        &json!({"user_id": user.id, "product": "aha_roadmaps", "at": "2026-09-14T08:30:00+02:00"}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, got) = call(
        http.get(format!("{}/api/v1/users/{}", sim.base_url(), user.id))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(got["user"]["accessed_at"], "2026-09-14T06:30:00.000Z");
    let (_, _, listed) = call(
        http.get(format!("{}/api/v1/users", sim.base_url()))
            .bearer_auth(&token)
            .query(&[("email", user.email.as_str())]),
    )
    .await;
    assert_eq!(
        listed["users"][0]["accessed_at"],
        "2026-09-14T06:30:00.000Z"
    );
    let last = sim
        .truth()
        .user(&user.id)
        .unwrap()
        .subscription(Product::AhaRoadmaps)
        .unwrap()
        .last_activity;
    assert_eq!(last, Some(parse(&json!("2026-09-14T06:30:00Z"))));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_for_an_unknown_user_or_a_foreign_product_is_refused() {
    let sim = start(config(Vendor::GoTo, 20)).await;
    let http = client();
    let url = format!("{}/activity", sim.control_url());
    let before = sim.truth().users[0].clone();
    let owner = before.id.clone();
    let post = |body: Value| call(http.post(&url).json(&body));

    let (status, _, _) = post(json!({"user_id": "123", "product": "go_to_meeting"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (body, why) in [
        (
            json!({"user_id": owner, "product": "zoom_meetings"}),
            "another vendor's product",
        ),
        (
            json!({"user_id": owner, "product": "go_to_training"}),
            "no activity API",
        ),
        (json!({"user_id": owner, "product": "g2m"}), "not a product"),
        (
            json!({"user_id": owner, "product": "go_to_meeting", "at": "2030-01-01T00:00:00Z"}),
            "in the future",
        ),
        (
            json!({"user_id": owner, "product": "go_to_meeting", "at": "2000-01-01T00:00:00Z"}),
            "before the user existed",
        ),
        (
            json!({"user_id": owner, "product": "go_to_meeting", "at": "yesterday"}),
            "not RFC 3339",
        ),
    ] {
        let (status, _, err) = post(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}");
        assert!(err["error"].is_string(), "{why}");
    }

    let now = sim.now();
    assert!(matches!(
        sim.record_activity("123", Product::GoToMeeting, now),
        Err(SimError::UnknownUser(_))
    ));
    assert!(matches!(
        sim.record_activity(&owner, Product::AhaRoadmaps, now),
        Err(SimError::InvalidActivity(_))
    ));
    // Nothing refused was recorded; a reset forgets what was.
    assert_eq!(sim.truth().users[0], before);
    sim.record_activity(&owner, Product::GoToMeeting, now)
        .unwrap();
    sim.reset();
    let last = sim.truth().users[0]
        .subscription(Product::GoToMeeting)
        .unwrap()
        .last_activity;
    assert!(last < Some(second(now)));
    sim.stop().await;
}
