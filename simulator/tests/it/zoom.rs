use std::collections::HashSet;

use seatkeeper_sim::Vendor;
use serde_json::Value;

use crate::common::{client, config, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_walk_returns_every_zoom_user_exactly_once() {
    let sim = start(config(Vendor::Zoom, 10_000)).await;
    let token = sim.access_token();
    let http = client();
    let mut seen = HashSet::new();
    for status in ["active", "inactive", "pending"] {
        let mut next = String::new();
        loop {
            let page: Value = http
                .get(format!("{}/v2/users", sim.base_url()))
                .bearer_auth(&token)
                .query(&[("status", status), ("page_size", "300"), ("next_page_token", &next)])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for u in page["users"].as_array().unwrap() {
                assert!(seen.insert(u["email"].as_str().unwrap().to_string()), "duplicate {u}");
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
