//! A GoTo licence for a product outside Seatkeeper's catalog (`SimConfig::foreign_license`):
//! listed with the account's licences, in its holders' `products[]` and `licenseKeys`, and
//! kept or removed by the same calls as any licence.

use reqwest::StatusCode;
use seatkeeper_sim::{SimConfig, Simulator, Vendor};
use serde_json::{Value, json};

use crate::common::{call, client, config, start};

async fn get(sim: &Simulator, path: &str) -> Value {
    let (status, _, body) = call(
        client()
            .get(format!("{}/admin/rest/v1{path}", sim.base_url()))
            .bearer_auth(sim.access_token()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_licence_is_held_listed_and_reclaimed_like_any_other() {
    let sim = start(config(Vendor::GoTo, 100).foreign_license("G2R", "GoTo Resolve", 3)).await;
    let account = get(&sim, "/me").await["accountKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let licenses = get(&sim, &format!("/accounts/{account}/licenses")).await;
    let foreign = licenses["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["products"] == json!(["G2R"]))
        .cloned()
        .expect("the foreign licence is listed");
    assert_eq!(foreign["name"], "GoTo Resolve");
    let key = foreign["key"].as_str().unwrap().to_owned();

    let users = get(&sim, &format!("/accounts/{account}/users?pageSize=1000")).await;
    let holders: Vec<&Value> = users["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["products"].as_array().unwrap().contains(&json!("G2R")))
        .collect();
    assert_eq!(holders.len(), 3);
    assert!(
        holders
            .iter()
            .all(|u| u["licenseKeys"].as_array().unwrap().contains(&json!(key)))
    );

    // PUT without the key removes it; the other licences stay.
    let holder = holders[0].clone();
    let keep: Vec<Value> = holder["licenseKeys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| **k != json!(key))
        .cloned()
        .collect();
    let url = format!(
        "{}/admin/rest/v1/accounts/{account}/users/{}",
        sim.base_url(),
        holder["key"].as_str().unwrap()
    );
    let (status, _, body) = call(
        client()
            .put(&url)
            .bearer_auth(sim.access_token())
            .json(&json!({ "licenseKeys": keep })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let after = get(
        &sim,
        &format!(
            "/accounts/{account}/users/{}",
            holder["key"].as_str().unwrap()
        ),
    )
    .await;
    assert!(
        !after["products"]
            .as_array()
            .unwrap()
            .contains(&json!("G2R"))
    );
    assert_eq!(after["licenseKeys"].as_array().unwrap().len(), keep.len());
}

#[test]
fn a_foreign_licence_is_goto_only() {
    let zoom = SimConfig::new(Vendor::Zoom).foreign_license("X", "X", 1);
    assert!(
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(Simulator::start(zoom))
            .is_err()
    );
}
