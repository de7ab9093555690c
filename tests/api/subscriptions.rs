//! Reading software subscriptions: filters and keyset pages.

use entity::enums::{ProfileStatus, Vendor};
use serde_json::json;

use crate::db_test;
use crate::fixtures::{self, Sub};
use crate::helpers::TestApp;
use seatkeeper::graphql::relay::global_id;

const LIST: &str = "query($f: Boolean, $upn: String, $days: Int, $ex: Boolean, $closed: Boolean!, $profile: ID) {
  softwareSubscriptions(active: $f, userPrincipalName: $upn, inactiveForDays: $days, excluded: $ex, includeClosed: $closed, profileId: $profile, first: 100) {
    totalCount edges { node { userPrincipalName inactiveDays profile { displayName } } } } }";

async fn upns(app: &TestApp, vars: serde_json::Value) -> Vec<String> {
    let mut vars = vars;
    vars.as_object_mut()
        .unwrap()
        .entry("closed")
        .or_insert(json!(false));
    let resp = app.gql(LIST, vars).await;
    let mut out: Vec<String> = resp.data()["softwareSubscriptions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["userPrincipalName"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

async fn subscriptions_filter_by_user_activity_exclusion_and_profile(app: TestApp) {
    let db = &app.state.db;
    let zoom = fixtures::profile(db, Vendor::Zoom, ProfileStatus::Published).await;
    let aha = fixtures::profile(db, Vendor::Aha, ProfileStatus::Published).await;
    let rows = [
        (
            zoom.id,
            Sub {
                upn: "Alice@Example.com",
                last_activity_days_ago: Some(3),
                excluded: false,
                closed: false,
            },
        ),
        (
            zoom.id,
            Sub {
                upn: "bob@example.com",
                last_activity_days_ago: Some(90),
                excluded: false,
                closed: false,
            },
        ),
        (
            zoom.id,
            Sub {
                upn: "carol_x@example.com",
                last_activity_days_ago: None,
                excluded: true,
                closed: false,
            },
        ),
        (
            aha.id,
            Sub {
                upn: "dave@other.test",
                last_activity_days_ago: Some(61),
                excluded: false,
                closed: false,
            },
        ),
        (
            aha.id,
            Sub {
                upn: "gone@other.test",
                last_activity_days_ago: None,
                excluded: false,
                closed: true,
            },
        ),
    ];
    for (profile, sub) in rows {
        fixtures::subscription(db, profile, sub).await;
    }
    assert_eq!(
        upns(&app, json!({ "upn": "ALICE" })).await,
        ["Alice@Example.com"]
    );
    assert_eq!(
        upns(&app, json!({ "upn": "_" })).await,
        ["carol_x@example.com"],
        "underscore is literal"
    );
    assert_eq!(
        upns(&app, json!({ "days": 60 })).await,
        ["bob@example.com", "carol_x@example.com", "dave@other.test"]
    );
    assert_eq!(
        upns(&app, json!({ "ex": true })).await,
        ["carol_x@example.com"]
    );
    assert_eq!(
        upns(
            &app,
            json!({ "profile": global_id("IntegrationProfile", aha.id) })
        )
        .await,
        ["dave@other.test"]
    );
    assert_eq!(
        upns(
            &app,
            json!({ "profile": global_id("IntegrationProfile", aha.id), "closed": true })
        )
        .await
        .len(),
        2
    );
    let resp = app
        .gql(LIST, json!({ "upn": "bob", "closed": false }))
        .await;
    let node = &resp.data()["softwareSubscriptions"]["edges"][0]["node"];
    assert_eq!(node["inactiveDays"], 90);
    assert_eq!(node["profile"]["displayName"], "ZOOM tenant");
    let bad = app.gql(LIST, json!({ "days": -1, "closed": false })).await;
    assert_eq!(
        (bad.error_code(), bad.error_field()),
        ("BAD_USER_INPUT", "inactiveForDays")
    );
    let wrong_id = app
        .gql(
            LIST,
            json!({ "profile": global_id("ApiToken", 1), "closed": false }),
        )
        .await;
    assert_eq!(wrong_id.error_field(), "profileId");
}
db_test!(subscriptions_filter_by_user_activity_exclusion_and_profile);

async fn keyset_pages_walk_forwards_and_backwards_without_gaps(app: TestApp) {
    let db = &app.state.db;
    let profile = fixtures::profile(db, Vendor::Zoom, ProfileStatus::Published).await;
    let names: Vec<String> = (0..7).map(|i| format!("user{i}@example.com")).collect();
    for name in &names {
        fixtures::subscription(
            db,
            profile.id,
            Sub {
                upn: name,
                last_activity_days_ago: None,
                excluded: false,
                closed: false,
            },
        )
        .await;
    }
    let app = &app;
    let page = |vars: serde_json::Value| async move {
        let q = "query($first: Int, $after: String, $last: Int, $before: String) { softwareSubscriptions(first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { userPrincipalName } } } }";
        app.gql(q, vars).await.data()["softwareSubscriptions"].clone()
    };
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let p = page(json!({ "first": 3, "after": after })).await;
        assert_eq!(p["totalCount"], 7);
        for e in p["edges"].as_array().unwrap() {
            seen.push(e["node"]["userPrincipalName"].as_str().unwrap().to_owned());
        }
        if p["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, names);
    let last = page(json!({ "last": 2 })).await;
    assert_eq!(last["pageInfo"]["hasPreviousPage"], true);
    let tail: Vec<_> = last["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["userPrincipalName"].clone())
        .collect();
    assert_eq!(tail, [json!(names[5]), json!(names[6])]);
    let before = page(json!({ "last": 2, "before": last["pageInfo"]["startCursor"] })).await;
    let prev: Vec<_> = before["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["userPrincipalName"].clone())
        .collect();
    assert_eq!(prev, [json!(names[3]), json!(names[4])]);
    let bad = app
        .gql(
            "{ softwareSubscriptions(after: \"bogus\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (bad.error_code(), bad.error_field()),
        ("BAD_USER_INPUT", "after")
    );
}
db_test!(keyset_pages_walk_forwards_and_backwards_without_gaps);

async fn node_fetches_any_object_and_null_for_missing_ones(app: TestApp) {
    let db = &app.state.db;
    let profile = fixtures::profile(db, Vendor::Aha, ProfileStatus::Draft).await;
    let sub = fixtures::subscription(
        db,
        profile.id,
        Sub {
            upn: "n@x.test",
            last_activity_days_ago: None,
            excluded: false,
            closed: false,
        },
    )
    .await;
    let q = "query($id: ID!) { node(id: $id) { id __typename ... on SoftwareSubscription { userPrincipalName } } }";
    let resp = app
        .gql(
            q,
            json!({ "id": global_id("SoftwareSubscription", sub.id) }),
        )
        .await;
    assert_eq!(resp.data()["node"]["userPrincipalName"], "n@x.test");
    let resp = app
        .gql(
            q,
            json!({ "id": global_id("IntegrationProfile", profile.id) }),
        )
        .await;
    assert_eq!(resp.data()["node"]["__typename"], "IntegrationProfile");
    let resp = app.gql(q, json!({ "id": global_id("JobRun", 999) })).await;
    assert_eq!(resp.data()["node"], serde_json::Value::Null);
    let resp = app.gql(q, json!({ "id": "!!" })).await;
    assert_eq!(resp.error_code(), "BAD_USER_INPUT");
}
db_test!(node_fetches_any_object_and_null_for_missing_ones);
