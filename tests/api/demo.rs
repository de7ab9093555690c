//! `serve --demo`: three simulated tenants connected, published and downloaded.

use entity::enums::{JobKind, JobState};
use entity::job_run;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{Db, spawn_app_with};
use crate::jobs_support::wait_final;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_connects_publishes_and_downloads_three_vendors() {
    let app = spawn_app_with(Db::Sqlite, &[("SEATKEEPER_VENDOR_RATE_LIMIT", "off")]).await;
    let _demo = seatkeeper::demo::start(&app.state)
        .await
        .expect("demo starts");
    let downloads = job_run::Entity::find()
        .filter(job_run::Column::Kind.eq(JobKind::DownloadSubscriptions))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(downloads.len(), 3);
    for run in downloads {
        let done = wait_final(&app.state, run.id).await;
        assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
        assert!(done.created > 0);
    }
    let resp = app
        .gql(
            "{ integrationProfiles(status: PUBLISHED) { edges { node { displayName vendor } } } }",
            json!({}),
        )
        .await;
    let names: Vec<_> = resp.data()["integrationProfiles"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["displayName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["Demo Zoom tenant", "Demo GoTo tenant", "Demo Aha! tenant"]
    );

    // Each download queued its first activity pull, whose success evaluated the rules:
    // idle seats are candidates within seconds (GoTo reports no account dates, so its
    // seats wait out the threshold first). The Aha! tenant tracks but never reclaims.
    let pulls = loop {
        let pulls = job_run::Entity::find()
            .filter(job_run::Column::Kind.eq(JobKind::PullActivity))
            .all(&app.state.db)
            .await
            .unwrap();
        if pulls.len() == 3 {
            break pulls;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    for run in pulls {
        let done = wait_final(&app.state, run.id).await;
        assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    }
    let resp = app
        .gql(
            "{ integrationProfiles(status: PUBLISHED) { edges { node { id displayName reclaim } } } }",
            json!({}),
        )
        .await;
    for edge in resp.data()["integrationProfiles"]["edges"]
        .as_array()
        .unwrap()
    {
        let node = &edge["node"];
        let summary = app
            .gql(
                "query($p: ID) { reclamationSummary(profileId: $p) { byState { state count } } }",
                json!({ "p": node["id"] }),
            )
            .await;
        let ready = summary.data()["reclamationSummary"]["byState"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == "READY")
            .map_or(0, |c| c["count"].as_i64().unwrap());
        match node["displayName"].as_str().unwrap() {
            "Demo GoTo tenant" => assert_eq!(ready, 0),
            "Demo Aha! tenant" => {
                assert!(ready > 0);
                assert_eq!(node["reclaim"], false);
            }
            _ => {
                assert!(ready > 0);
                assert_eq!(node["reclaim"], true);
            }
        }
    }

    // Positions show waste and savings: each pull's success reconciled its models, priced
    // by the entitlements the demo seeded.
    let mut last = serde_json::Value::Null;
    for _ in 0..200 {
        let resp = app
            .gql(
                "{ licensePositions(first: 50) { edges { node { complianceStatus amounts { currency overLicensed { amount } trueUpCost { amount } potentialSavings { amount } } } } } }",
                json!({}),
            )
            .await;
        last = resp.data().clone();
        let amounts: Vec<serde_json::Value> = last["licensePositions"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["node"]["amounts"].as_array().unwrap().clone())
            .collect();
        let positive = |field: &str| {
            amounts
                .iter()
                .any(|a| a[field]["amount"].as_str().unwrap().parse::<f64>().unwrap() > 0.0)
        };
        if positive("overLicensed") && positive("potentialSavings") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no waste and savings in the demo's positions: {last}");
}
