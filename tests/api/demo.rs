//! `serve --demo`: three simulated tenants connected, published and downloaded.

use entity::enums::{JobKind, JobState};
use entity::job_run;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{Db, spawn_app_with};
use crate::jobs_support::wait_final;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_connects_publishes_and_downloads_three_vendors() {
    // As `serve --demo` does: its own notice inbox as the webhook.
    let inbox = seatkeeper::demo::inbox::Inbox::bind().unwrap();
    let hook = inbox.webhook();
    let app = spawn_app_with(
        Db::Sqlite,
        &[
            ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
            ("SEATKEEPER_NOTICE_WEBHOOK_URL", &hook.url),
            ("SEATKEEPER_NOTICE_WEBHOOK_SECRET", hook.secret.expose()),
        ],
    )
    .await;
    let demo = seatkeeper::demo::start(&app.state, Some(inbox))
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
        let count = |state: &str| {
            summary.data()["reclamationSummary"]["byState"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["state"] == state)
                .map_or(0, |c| c["count"].as_i64().unwrap())
        };
        match node["displayName"].as_str().unwrap() {
            "Demo GoTo tenant" => assert_eq!(count("READY"), 0),
            "Demo Aha! tenant" => {
                assert!(count("READY") > 0);
                assert_eq!(node["reclaim"], false);
            }
            _ => {
                // Zoom Meetings notifies its holders, Zoom Webinar waits for an approval.
                assert!(count("AWAITING_USER") > 0, "{}", summary.body);
                assert!(count("AWAITING_APPROVAL") > 0, "{}", summary.body);
                assert_eq!(node["reclaim"], true);
            }
        }
    }
    every_concept_has_an_example(&app).await;

    // The notices reached the demo inbox, with the links a holder would click.
    let (url, _) = demo.inbox.as_ref().unwrap();
    let mut notices = serde_json::Value::Null;
    for _ in 0..200 {
        notices = reqwest::get(url.as_str())
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if notices.as_array().is_some_and(|n| !n.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let first = &notices[0];
    assert_eq!(first["type"], "seatkeeper.notice", "{notices}");
    assert!(first["keepUrl"].as_str().unwrap().contains("/notice/"));

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

/// An entitlement per model, both kinds of exclusion, an identifier no model knows, a rule
/// that notifies and one that needs an approval.
async fn every_concept_has_an_example(app: &crate::helpers::TestApp) {
    let resp = app
        .gql(
            "{ softwareModels(first: 50) { edges { node { displayName entitlements { id } reclamationRule { notifyUser requireApproval } } } }
               unrecognizedSubscriptionIdentifiers { edges { node { vendor subscriptionIdentifier subscriptionCount } } }
               subscriptionIdentifierExclusions { edges { node { identifier excludeFromCost } } }
               subscriptionUserExclusions { edges { node { userPrincipalName excludeFromReclaim expiresAt } } } }",
            json!({}),
        )
        .await;
    let data = resp.data();
    let models = data["softwareModels"]["edges"].as_array().unwrap();
    assert!(models.len() >= 8, "{data}");
    for model in models {
        assert!(
            !model["node"]["entitlements"].as_array().unwrap().is_empty(),
            "{} has an entitlement",
            model["node"]["displayName"]
        );
    }
    let rules: Vec<&serde_json::Value> = models
        .iter()
        .map(|m| &m["node"]["reclamationRule"])
        .collect();
    assert!(rules.iter().any(|r| r["notifyUser"] == true));
    assert!(rules.iter().any(|r| r["requireApproval"] == true));
    assert_eq!(
        data["unrecognizedSubscriptionIdentifiers"]["edges"][0]["node"],
        json!({ "vendor": "GOTO", "subscriptionIdentifier": "G2R", "subscriptionCount": 12 })
    );
    assert_eq!(
        data["subscriptionIdentifierExclusions"]["edges"][0]["node"],
        json!({ "identifier": "OPENVOICE", "excludeFromCost": true })
    );
    let user = &data["subscriptionUserExclusions"]["edges"][0]["node"];
    assert_eq!(user["excludeFromReclaim"], true);
    assert!(user["expiresAt"].is_string());
}
