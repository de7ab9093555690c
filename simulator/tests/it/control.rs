use reqwest::StatusCode;
use seatkeeper_sim::{Product, SimConfig, Simulator, Truth, UserRole, Vendor};
use serde_json::{Value, json};

use crate::common::{call, client, config, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_exposes_truth_faults_log_reset_and_clock() {
    let sim = start(config(Vendor::Zoom, 300)).await;
    let http = client();
    let ctl = sim.control_url();

    let (_, _, minted) = call(http.post(format!("{ctl}/token"))).await;
    let token = minted["access_token"].as_str().unwrap().to_string();
    let users = format!("{}/v2/users", sim.base_url());
    assert_eq!(
        call(http.get(&users).bearer_auth(&token)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(http.get(&users).bearer_auth("bad")).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Faults as JSON or in the CLI syntax.
    let (status, _, list) = call(
        http.post(format!("{ctl}/faults"))
            .json(&json!({"kind": "server_error", "status": 503, "times": 1})),
    )
    .await;
    assert_eq!(
        (status, list.as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    assert_eq!(
        call(http.get(&users).bearer_auth(&token)).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let (status, _, _) = call(http.post(format!("{ctl}/faults")).body("429x5")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(http.post(format!("{ctl}/faults")).body("nonsense")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        call(http.get(&users).bearer_auth(&token)).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        call(http.delete(format!("{ctl}/faults"))).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, _, list) = call(http.get(format!("{ctl}/faults"))).await;
    assert_eq!(list, json!([]));

    // Every request, with method, path and status; control calls are not logged.
    let (_, _, log) = call(http.get(format!("{ctl}/requests"))).await;
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 401, 503, 429]);
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/v2/users");
    let since = log[1]["seq"].as_u64().unwrap();
    let (_, _, tail) = call(http.get(format!("{ctl}/requests?since={since}"))).await;
    assert_eq!(tail.as_array().unwrap().len(), 2);

    // Inactive licensed users, the same numbers as the typed truth.
    let (_, _, inactive) = call(http.get(format!("{ctl}/truth/inactive?days=60&ids=true"))).await;
    let truth = sim.truth();
    for p in inactive["products"].as_array().unwrap() {
        let product: Product = serde_json::from_value(p["product"].clone()).unwrap();
        let want: Vec<String> = truth
            .inactive(product, 60)
            .iter()
            .map(|u| u.id.clone())
            .collect();
        assert_eq!(p["inactive_ids"], json!(want));
        assert_eq!(
            p["licensed"].as_u64().unwrap() as usize,
            truth.holders(product).count()
        );
    }

    // Reclaim, see it in the truth, reset brings the licence back.
    let member = truth
        .users
        .iter()
        .find(|u| {
            u.role == UserRole::Member
                && u.subscription(Product::ZoomMeetings).is_some()
                && u.subscription(Product::ZoomWebinar).is_none()
        })
        .unwrap();
    let (status, _, _) = call(
        http.patch(format!("{}/v2/users/{}", sim.base_url(), member.id))
            .bearer_auth(&token)
            .json(&json!({"type": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, reclaimed) = call(http.get(format!("{ctl}/reclaimed"))).await;
    assert_eq!(reclaimed[0]["user_id"], member.id.as_str());
    assert_eq!(reclaimed[0]["product"], "zoom_meetings");
    let (_, _, t) = call(http.get(format!("{ctl}/truth?requests=false"))).await;
    assert_eq!(t["reclaimed"].as_array().unwrap().len(), 1);
    assert_eq!(t["requests"], json!([]));
    assert_eq!(
        call(http.post(format!("{ctl}/reset"))).await.0,
        StatusCode::NO_CONTENT
    );
    let after = sim.truth();
    assert!(after.reclaimed.is_empty() && after.requests.is_empty());
    assert!(
        after
            .user(&member.id)
            .unwrap()
            .subscription(Product::ZoomMeetings)
            .is_some()
    );
    assert_eq!(
        call(http.get(&users).bearer_auth(&token)).await.0,
        StatusCode::OK,
        "tokens survive reset"
    );

    // The clock moves and tokens expire.
    let (_, _, moved) = call(http.post(format!("{ctl}/clock/advance?secs=7200"))).await;
    assert!(moved["now"].is_string());
    assert_eq!(
        call(http.get(&users).bearer_auth(&token)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, _, creds) = call(http.get(format!("{ctl}/credentials"))).await;
    assert_eq!(creds["client_id"], sim.credentials().client_id.as_str());
    sim.stop().await;
}

fn users_only(t: Truth) -> Value {
    serde_json::to_value(t.users).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_deterministic_per_seed_and_sizes_are_checked() {
    for vendor in Vendor::ALL {
        let a = start(config(vendor, 2_000)).await;
        let b = start(config(vendor, 2_000)).await;
        assert_eq!(users_only(a.truth()), users_only(b.truth()), "{vendor:?}");
        assert_eq!(a.credentials(), b.credentials());
        let c = start(config(vendor, 2_000).seed(8)).await;
        assert_ne!(users_only(a.truth()), users_only(c.truth()));
    }
    assert!(
        Simulator::start(SimConfig::new(Vendor::Zoom).users(9))
            .await
            .is_err()
    );
    assert!(
        Simulator::start(SimConfig::new(Vendor::Zoom).users(1_000_001))
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_have_a_realistic_mix() {
    let sim = start(config(Vendor::Zoom, 20_000)).await;
    let t = sim.truth();
    let n = t.users.len() as f64;
    let licensed = t.holders(Product::ZoomMeetings).count() as f64 / n;
    let webinar = t.holders(Product::ZoomWebinar).count() as f64 / n;
    assert!((0.55..0.75).contains(&licensed), "{licensed}");
    assert!((0.05..0.15).contains(&webinar), "{webinar}");
    let week = t.inactive(Product::ZoomMeetings, 7).len() as f64
        / t.holders(Product::ZoomMeetings).count() as f64;
    let never = t
        .holders(Product::ZoomMeetings)
        .filter(|u| u.subscriptions[0].last_activity.is_none())
        .count();
    assert!(
        (0.5..0.8).contains(&week),
        "{week} not active in the last week"
    );
    assert!(never > 1_000);
    let new_accounts = t
        .users
        .iter()
        .filter(|u| t.now - u.created_at < chrono::Duration::days(30))
        .count();
    assert!(new_accounts > 500);
    assert_eq!(
        t.users.iter().filter(|u| u.role == UserRole::Owner).count(),
        1
    );
    assert!(t.users.iter().filter(|u| u.role == UserRole::Admin).count() > 100);
    // A year of activity, no more.
    let oldest = t
        .users
        .iter()
        .flat_map(|u| u.subscriptions.iter().filter_map(|s| s.last_activity))
        .min()
        .unwrap();
    assert!(t.now - oldest <= chrono::Duration::days(366));
    sim.stop().await;
}
