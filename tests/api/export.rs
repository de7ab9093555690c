//! CSV exports (issue 11) on both databases, read back with an independent CSV reader:
//! every open subscription of a real sync once, filters as in GraphQL, a table larger than
//! one streamed page in id order, formula-looking text defused, candidates and positions,
//! and every refusal as JSON with `extensions.code` before any CSV is sent.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use entity::enums::{ProfileStatus, Vendor};
use entity::software_subscription;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use seatkeeper::graphql::relay::global_id;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, TestApp};

/// GETs an export with `token`: status, content type and body.
pub(crate) async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String, String) {
    let mut req = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, resp.text().await.unwrap())
}

/// The rows of a CSV body as maps from its header.
pub(crate) fn rows(body: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a well-formed CSV record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

async fn exports_follow_a_real_sync(db: crate::helpers::Db) {
    let (app, _sim, profile, profile_id) =
        crate::reclamation::synced(db, seatkeeper_sim::Vendor::Aha).await;
    let (status, kind, body) = get(&app, "/export/subscriptions.csv", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(kind, "text/csv; charset=utf-8");
    let open: Vec<software_subscription::Model> = software_subscription::Entity::find()
        .filter(software_subscription::Column::ProfileId.eq(profile_id))
        .filter(software_subscription::Column::ClosedAt.is_null())
        .all(&app.state.db)
        .await
        .unwrap();
    let exported = rows(&body);
    assert_eq!(exported.len(), open.len());
    let ids: BTreeSet<String> = exported.iter().map(|r| r["id"].clone()).collect();
    let want: BTreeSet<String> = open
        .iter()
        .map(|s| global_id("SoftwareSubscription", s.id).to_string())
        .collect();
    assert_eq!(ids, want, "each open subscription once");
    let first = open.iter().min_by_key(|s| s.id).unwrap();
    let row = exported
        .iter()
        .find(|r| r["id"] == global_id("SoftwareSubscription", first.id).to_string())
        .unwrap();
    assert_eq!(row["userPrincipalName"], first.user_principal_name);
    assert_eq!(row["profileId"], profile);
    assert_eq!(row["active"], first.active.to_string());

    // The same filter as the GraphQL list, the same rows.
    let graphql = app
        .gql(
            "query($p: ID) { softwareSubscriptions(profileId: $p, inactiveForDays: 60) { totalCount } }",
            json!({ "p": profile }),
        )
        .await;
    let (_, _, idle) = get(
        &app,
        &format!("/export/subscriptions.csv?profileId={profile}&inactiveForDays=60"),
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(
        rows(&idle).len() as i64,
        graphql.data()["softwareSubscriptions"]["totalCount"]
            .as_i64()
            .unwrap()
    );

    // Candidates: the open ones of the profile; positions: one line per currency or none.
    let open_candidates = crate::reclamation::candidates(&app, profile_id)
        .await
        .into_iter()
        .filter(|c| c.2.closed_at.is_none())
        .count();
    let (status, _, body) = get(
        &app,
        &format!("/export/candidates.csv?profileId={profile}&state=READY"),
        Some(ADMIN_TOKEN),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ready = rows(&body);
    assert!(!ready.is_empty() && ready.len() <= open_candidates);
    assert!(ready.iter().all(|r| r["state"] == "READY"));
    let (status, _, body) = get(&app, "/export/positions.csv?vendor=AHA", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let positions = rows(&body);
    assert!(!positions.is_empty());
    assert!(positions.iter().all(|r| r["isLatest"] == "true"));
}
crate::db_kind_test!(exports_follow_a_real_sync);

/// Several streamed pages, in id order, each row once; text a spreadsheet would run is
/// defused; a viewer may export.
async fn a_large_export_streams_every_row_once(app: TestApp) {
    let profile = crate::fixtures::profile(&app.state.db, Vendor::Zoom, ProfileStatus::Published)
        .await
        .id;
    let now = Utc::now();
    let total = 4_500;
    let batch: Vec<software_subscription::ActiveModel> = (0..total)
        .map(|i| software_subscription::ActiveModel {
            profile_id: Set(profile),
            identifier: Set("LICENSED".into()),
            external_user_id: Set(format!("u{i}")),
            user_principal_name: Set(format!("user{i}@example.com")),
            display_name: Set(Some(if i == 7 {
                "=HYPERLINK(\"http://evil\",\"x\")".into()
            } else {
                format!("User, {i}")
            })),
            last_activity_at: Set(Some(now - Duration::days(i64::from(i % 100)))),
            active: Set(true),
            is_privileged: Set(false),
            excluded_from_cost: Set(false),
            excluded_from_reclaim: Set(false),
            first_seen_at: Set(now),
            last_seen_at: Set(now),
            content_hash: Set(0),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in batch.chunks(500) {
        software_subscription::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.state.db)
            .await
            .unwrap();
    }
    let viewer = app.token_with("VIEWER").await;
    let (status, _, body) = get(&app, "/export/subscriptions.csv", Some(&viewer)).await;
    assert_eq!(status, 200);
    let exported = rows(&body);
    assert_eq!(exported.len(), total as usize);
    let upns: Vec<String> = exported
        .iter()
        .map(|r| r["userPrincipalName"].clone())
        .collect();
    let want: Vec<String> = (0..total).map(|i| format!("user{i}@example.com")).collect();
    assert_eq!(upns, want, "in id order, each once");
    assert_eq!(exported[3]["displayName"], "User, 3");
    assert_eq!(
        exported[7]["displayName"],
        "'=HYPERLINK(\"http://evil\",\"x\")"
    );
    let count = software_subscription::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, total as u64);
}
crate::db_test!(a_large_export_streams_every_row_once);

fn code(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {body}"));
    v["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn refusals_are_typed_json(app: TestApp) {
    for (path, token, status, want) in [
        ("/export/subscriptions.csv", None, 401, "UNAUTHENTICATED"),
        (
            "/export/subscriptions.csv",
            Some("sk_not_a_token"),
            401,
            "UNAUTHENTICATED",
        ),
        ("/export/seats.csv", Some(ADMIN_TOKEN), 404, "NOT_FOUND"),
        (
            "/export/subscriptions.csv?colour=red",
            Some(ADMIN_TOKEN),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/export/subscriptions.csv?profileId=42",
            Some(ADMIN_TOKEN),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/export/subscriptions.csv?inactiveForDays=-1",
            Some(ADMIN_TOKEN),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/export/candidates.csv?state=SLEEPING",
            Some(ADMIN_TOKEN),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/export/renewals.csv?withinDays=99999",
            Some(ADMIN_TOKEN),
            400,
            "BAD_USER_INPUT",
        ),
    ] {
        let (got, kind, body) = get(&app, path, token).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(kind.starts_with("application/json"), "{path}: {kind}");
        assert_eq!(code(&body), want, "{path}");
    }
    // An empty export is its header line.
    let (status, _, body) = get(&app, "/export/renewals.csv", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 200);
    assert!(
        body.starts_with("entitlementId,") && body.lines().count() == 1,
        "{body}"
    );
}
crate::db_test!(refusals_are_typed_json);
