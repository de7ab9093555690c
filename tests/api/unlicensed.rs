//! The marks of the subscriptions used beyond a model's rights follow each reconciliation:
//! more rights leave only the holders who got the licence last marked, a holder who leaves
//! takes the marks with them, the CSV export says which rows are marked, and deleting the
//! profile deletes its marks.

use chrono::Utc;
use entity::enums::{ProfileStatus, Vendor};
use entity::software_subscription;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use seatkeeper::graphql::relay::{global_id, parse_global_id};
use serde_json::json;

use crate::catalog::create_model;
use crate::helpers::{ADMIN_TOKEN, TestApp};
use crate::reconciliation::{entitle, held, reconcile, subscribe};

/// The model's latest unlicensed count and the marked holders, sorted.
async fn marked(app: &TestApp, model: &str) -> (i64, Vec<String>) {
    let resp = app
        .gql(
            "{ licensePositions { edges { node { softwareModel { id } unlicensed unlicensedSubscriptions { userPrincipalName } } } } }",
            json!({}),
        )
        .await;
    let node = resp.data()["licensePositions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["softwareModel"]["id"] == model)
        .expect("a position");
    let mut upns: Vec<String> = node["unlicensedSubscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["userPrincipalName"].as_str().unwrap().to_owned())
        .collect();
    upns.sort();
    (node["unlicensed"].as_i64().unwrap(), upns)
}

/// The holders the subscriptions export marks unlicensed, sorted.
async fn exported(app: &TestApp) -> Vec<String> {
    let (status, _, body) =
        crate::export::get(app, "/export/subscriptions.csv", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let mut upns: Vec<String> = crate::export::rows(&body)
        .into_iter()
        .filter(|r| r["unlicensed"] == "true")
        .map(|r| r["userPrincipalName"].clone())
        .collect();
    upns.sort();
    upns
}

async fn marks_follow_the_rights(app: TestApp) {
    let profile = crate::fixtures::profile(&app.state.db, Vendor::Zoom, ProfileStatus::Published)
        .await
        .id;
    let model = create_model(&app, "Zoom", "Short", "").await;
    let raw = parse_global_id(&model.clone().into()).unwrap().1;
    let rights =
        |n: i64| json!({ "purchasedRights": n, "unitCost": "10.00", "periodType": "MONTHLY" });
    // h1 got the licence first (10 days ago), h5 last (6 days ago).
    for (i, upn) in ["h1", "h2", "h3", "h4", "h5"].iter().enumerate() {
        subscribe(
            &app,
            profile,
            raw,
            held(&format!("{upn}@example.com"), 10 - i as i64),
        )
        .await;
    }
    entitle(&app, &model, rights(2)).await;
    reconcile(&app).await;
    let three = ["h3", "h4", "h5"]
        .map(|h| format!("{h}@example.com"))
        .to_vec();
    assert_eq!(marked(&app, &model).await, (3, three.clone()));
    assert_eq!(exported(&app).await, three);

    // Two more rights: only the last holder is beyond them.
    entitle(&app, &model, rights(2)).await;
    reconcile(&app).await;
    let last = vec!["h5@example.com".to_owned()];
    assert_eq!(marked(&app, &model).await, (1, last.clone()));
    assert_eq!(exported(&app).await, last);

    // The vendor stops listing h2: four holders for four rights, nobody marked.
    software_subscription::Entity::update_many()
        .col_expr(
            software_subscription::Column::ClosedAt,
            Expr::value(Utc::now()),
        )
        .filter(software_subscription::Column::UserPrincipalName.eq("h2@example.com"))
        .exec(&app.state.db)
        .await
        .unwrap();
    reconcile(&app).await;
    assert_eq!(marked(&app, &model).await, (0, vec![]));
    assert_eq!(exported(&app).await, Vec::<String>::new());

    // A newcomer today is beyond the four rights; deleting the profile takes the mark.
    subscribe(&app, profile, raw, held("h6@example.com", 0)).await;
    reconcile(&app).await;
    assert_eq!(
        marked(&app, &model).await,
        (1, vec!["h6@example.com".to_owned()])
    );
    app.gql(
        "mutation($id: ID!) { deleteIntegrationProfile(id: $id) }",
        json!({ "id": global_id("IntegrationProfile", profile) }),
    )
    .await
    .data();
    let left = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM unlicensed_seat",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(left.try_get::<i64>("", "n").unwrap(), 0);
}
crate::db_test!(marks_follow_the_rights);
