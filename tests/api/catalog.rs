//! The catalog and commercial side: software models, entitlements, license positions, and
//! what every catalog mutation shares (roles, `node`, the audit log).

use chrono::{Duration, Utc};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{GqlResponse, TestApp};
use seatkeeper::graphql::relay::{global_id, parse_global_id};

pub const CREATE_MODEL: &str = "mutation($input: CreateSoftwareModelInput!) { createSoftwareModel(input: $input) { id publisher product edition vendor displayName createdAt } }";
pub const UPDATE_MODEL: &str = "mutation($id: ID!, $input: UpdateSoftwareModelInput!) { updateSoftwareModel(id: $id, input: $input) { id publisher product edition vendor displayName } }";
pub const CREATE_ENTITLEMENT: &str = "mutation($input: CreateEntitlementInput!) { createEntitlement(input: $input) { id name purchasedRights unitCost { amount currency } totalCost { amount currency } periodStart periodEnd active softwareModel { id displayName } } }";
pub const UPDATE_ENTITLEMENT: &str = "mutation($id: ID!, $input: UpdateEntitlementInput!) { updateEntitlement(id: $id, input: $input) { id name purchasedRights unitCost { amount } totalCost { amount currency } periodStart periodEnd active } }";
pub const DELETE_ENTITLEMENT: &str = "mutation($id: ID!) { deleteEntitlement(id: $id) }";

/// Creates a Zoom model and returns its global id.
pub async fn create_model(app: &TestApp, publisher: &str, product: &str, edition: &str) -> String {
    let input =
        json!({ "publisher": publisher, "product": product, "edition": edition, "vendor": "ZOOM" });
    let resp = app.gql(CREATE_MODEL, json!({ "input": input })).await;
    resp.data()["createSoftwareModel"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A valid entitlement input for `model`, with `overrides` laid over it.
pub fn entitlement_input(model: &str, overrides: Value) -> Value {
    let today = Utc::now().date_naive();
    let mut input = json!({
        "softwareModelId": model,
        "name": "Zoom 2026 order",
        "purchasedRights": 10,
        "unitCost": "12.50",
        "currency": "USD",
        "periodStart": (today - Duration::days(30)).to_string(),
        "periodEnd": (today + Duration::days(335)).to_string(),
    });
    for (k, v) in overrides.as_object().unwrap() {
        input[k] = v.clone();
    }
    input
}

pub async fn create_entitlement(app: &TestApp, model: &str, overrides: Value) -> GqlResponse {
    let input = entitlement_input(model, overrides);
    app.gql(CREATE_ENTITLEMENT, json!({ "input": input })).await
}

/// Asserts `resp` failed with `BAD_USER_INPUT` naming `field`.
#[track_caller]
pub fn assert_bad_input(resp: &GqlResponse, field: &str) {
    assert_eq!(resp.error_code(), "BAD_USER_INPUT", "{}", resp.body);
    assert_eq!(resp.error_field(), field, "{}", resp.body);
}

async fn software_models_are_created_updated_and_listed(app: TestApp) {
    let input = json!({ "publisher": " Zoom ", "product": "Zoom Meetings", "edition": "Licensed", "vendor": "ZOOM" });
    let resp = app.gql(CREATE_MODEL, json!({ "input": input })).await;
    let created = &resp.data()["createSoftwareModel"];
    assert_eq!(created["publisher"], "Zoom", "names are trimmed");
    assert_eq!(created["displayName"], "Zoom Meetings Licensed");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        parse_global_id(&id.clone().into()).unwrap().0,
        "SoftwareModel"
    );

    let input = json!({ "publisher": "Aha!", "product": "Roadmaps", "vendor": "AHA" });
    let resp = app.gql(CREATE_MODEL, json!({ "input": input })).await;
    assert_eq!(resp.data()["createSoftwareModel"]["edition"], "");
    assert_eq!(
        resp.data()["createSoftwareModel"]["displayName"],
        "Aha! Roadmaps"
    );
    create_model(&app, "GoTo", "GoToWebinar", "100%").await;

    let resp = app
        .gql(
            UPDATE_MODEL,
            json!({ "id": id, "input": { "edition": "Pro" } }),
        )
        .await;
    let updated = &resp.data()["updateSoftwareModel"];
    assert_eq!(updated["product"], "Zoom Meetings", "omitted fields stay");
    assert_eq!(updated["displayName"], "Zoom Meetings Pro");

    let list = |vars: Value| {
        let app = &app;
        async move {
            let resp = app
                .gql(
                    "query($vendor: Vendor, $search: String) { softwareModels(vendor: $vendor, search: $search) { totalCount edges { node { displayName } } } }",
                    vars,
                )
                .await;
            let names: Vec<String> = resp.data()["softwareModels"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["displayName"].as_str().unwrap().to_owned())
                .collect();
            names
        }
    };
    assert_eq!(list(json!({})).await.len(), 3);
    assert_eq!(list(json!({ "vendor": "AHA" })).await, ["Aha! Roadmaps"]);
    assert_eq!(
        list(json!({ "search": "MEETINGS" })).await,
        ["Zoom Meetings Pro"]
    );
    assert_eq!(
        list(json!({ "search": "%" })).await,
        ["GoToWebinar 100%"],
        "% is literal"
    );
    assert!(
        list(json!({ "search": "_" })).await.is_empty(),
        "_ is literal"
    );
}
db_test!(software_models_are_created_updated_and_listed);

async fn a_software_model_needs_a_publisher_and_a_product(app: TestApp) {
    for (field, input) in [
        (
            "publisher",
            json!({ "publisher": "  ", "product": "Meetings", "vendor": "ZOOM" }),
        ),
        (
            "product",
            json!({ "publisher": "Zoom", "product": "", "vendor": "ZOOM" }),
        ),
        (
            "edition",
            json!({ "publisher": "Zoom", "product": "Meetings", "edition": "x".repeat(201), "vendor": "ZOOM" }),
        ),
    ] {
        let resp = app.gql(CREATE_MODEL, json!({ "input": input })).await;
        assert_bad_input(&resp, field);
    }
    let id = create_model(&app, "Zoom", "Meetings", "").await;
    let resp = app
        .gql(
            UPDATE_MODEL,
            json!({ "id": id, "input": { "product": " " } }),
        )
        .await;
    assert_bad_input(&resp, "product");
    let missing = global_id("SoftwareModel", 999).to_string();
    let resp = app
        .gql(
            UPDATE_MODEL,
            json!({ "id": missing, "input": { "product": "x" } }),
        )
        .await;
    assert_eq!(resp.error_code(), "NOT_FOUND");
}
db_test!(a_software_model_needs_a_publisher_and_a_product);

async fn a_duplicate_software_model_is_a_conflict(app: TestApp) {
    create_model(&app, "Zoom", "Zoom Meetings", "Licensed").await;
    let input = json!({ "publisher": "Zoom", "product": "Zoom Meetings", "edition": "Licensed", "vendor": "ZOOM" });
    let resp = app.gql(CREATE_MODEL, json!({ "input": input })).await;
    assert_eq!(resp.error_code(), "CONFLICT");

    let other = create_model(&app, "Zoom", "Zoom Meetings", "Basic").await;
    let resp = app
        .gql(
            UPDATE_MODEL,
            json!({ "id": other, "input": { "edition": "Licensed" } }),
        )
        .await;
    assert_eq!(resp.error_code(), "CONFLICT");
    // The failed write left nothing behind, not even an audit entry.
    let audited = entity::audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 2);
}
db_test!(a_duplicate_software_model_is_a_conflict);

async fn entitlements_are_created_updated_deleted_and_listed(app: TestApp) {
    let model = create_model(&app, "Zoom", "Zoom Meetings", "Licensed").await;
    let resp = create_entitlement(&app, &model, json!({ "unitCost": "12.5" })).await;
    let created = resp.data()["createEntitlement"].clone();
    assert_eq!(
        created["unitCost"],
        json!({ "amount": "12.50", "currency": "USD" })
    );
    assert_eq!(
        created["totalCost"],
        json!({ "amount": "125.00", "currency": "USD" })
    );
    assert_eq!(created["active"], true);
    assert_eq!(created["softwareModel"]["id"], model.as_str());
    let id = created["id"].as_str().unwrap().to_owned();

    let resp = app
        .gql(
            UPDATE_ENTITLEMENT,
            json!({ "id": id, "input": { "purchasedRights": 4, "periodStart": "2020-01-01", "periodEnd": "2020-12-31" } }),
        )
        .await;
    let updated = &resp.data()["updateEntitlement"];
    assert_eq!(updated["name"], "Zoom 2026 order", "omitted fields stay");
    assert_eq!(updated["totalCost"]["amount"], "50.00");
    assert_eq!(updated["active"], false, "a past period is not active");

    let current = create_entitlement(&app, &model, json!({ "name": "current" })).await;
    current.data();
    let other_model = create_model(&app, "Aha!", "Roadmaps", "").await;
    create_entitlement(&app, &other_model, json!({ "name": "aha" }))
        .await
        .data();

    let names = |resp: GqlResponse, path: &str| -> Vec<String> {
        resp.data()[path]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    const LIST: &str = "query($m: ID, $d: Date) { entitlements(softwareModelId: $m, activeOn: $d) { totalCount edges { node { name } } } }";
    let all = app.gql(LIST, json!({})).await;
    assert_eq!(all.data()["entitlements"]["totalCount"], 3);
    let of_model = app.gql(LIST, json!({ "m": model })).await;
    assert_eq!(
        names(of_model, "entitlements"),
        ["Zoom 2026 order", "current"]
    );
    let in_2020 = app.gql(LIST, json!({ "d": "2020-12-31" })).await;
    assert_eq!(names(in_2020, "entitlements"), ["Zoom 2026 order"]);
    let bad_date = app.gql(LIST, json!({ "d": "31/12/2020" })).await;
    assert!(bad_date.body["errors"].is_array());

    let nested = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on SoftwareModel { entitlements { name } } } }",
            json!({ "id": model }),
        )
        .await;
    assert_eq!(
        nested.data()["node"]["entitlements"],
        json!([{ "name": "Zoom 2026 order" }, { "name": "current" }])
    );

    let resp = app.gql(DELETE_ENTITLEMENT, json!({ "id": id })).await;
    assert_eq!(resp.data()["deleteEntitlement"], id.as_str());
    let resp = app.gql(DELETE_ENTITLEMENT, json!({ "id": id })).await;
    assert_eq!(resp.error_code(), "NOT_FOUND");
    let resp = app
        .gql(
            UPDATE_ENTITLEMENT,
            json!({ "id": id, "input": { "name": "x" } }),
        )
        .await;
    assert_eq!(resp.error_code(), "NOT_FOUND");
    assert_eq!(
        app.gql(LIST, json!({})).await.data()["entitlements"]["totalCount"],
        2
    );
}
db_test!(entitlements_are_created_updated_deleted_and_listed);

async fn entitlement_input_is_validated_field_by_field(app: TestApp) {
    let model = create_model(&app, "Zoom", "Zoom Meetings", "Licensed").await;
    let cases = [
        ("purchasedRights", json!({ "purchasedRights": -1 })),
        (
            "periodEnd",
            json!({ "periodStart": "2026-02-01", "periodEnd": "2026-01-31" }),
        ),
        ("currency", json!({ "currency": "usd" })),
        ("currency", json!({ "currency": "USDD" })),
        ("currency", json!({ "currency": "U5D" })),
        ("unitCost", json!({ "unitCost": "1.234" })),
        ("unitCost", json!({ "unitCost": "-1.00" })),
        ("unitCost", json!({ "unitCost": "12,50" })),
        ("unitCost", json!({ "unitCost": "" })),
        ("unitCost", json!({ "unitCost": "99999999999999999999" })),
        ("name", json!({ "name": " " })),
        (
            "softwareModelId",
            json!({ "softwareModelId": global_id("SoftwareModel", 999).to_string() }),
        ),
        (
            "softwareModelId",
            json!({ "softwareModelId": global_id("Entitlement", 1).to_string() }),
        ),
    ];
    for (field, overrides) in cases {
        let resp = create_entitlement(&app, &model, overrides.clone()).await;
        assert_eq!(resp.error_code(), "BAD_USER_INPUT", "{overrides}");
        assert_eq!(resp.error_field(), field, "{overrides}");
    }
    // Zero seats and a one-day period are fine.
    let resp = create_entitlement(
        &app,
        &model,
        json!({ "purchasedRights": 0, "unitCost": "0", "periodStart": "2026-03-01", "periodEnd": "2026-03-01" }),
    )
    .await;
    let id = resp.data()["createEntitlement"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An update is checked against the stored values it does not change.
    let resp = app
        .gql(
            UPDATE_ENTITLEMENT,
            json!({ "id": id, "input": { "periodEnd": "2026-02-28" } }),
        )
        .await;
    assert_bad_input(&resp, "periodEnd");
    let resp = app
        .gql(
            UPDATE_ENTITLEMENT,
            json!({ "id": id, "input": { "purchasedRights": -5 } }),
        )
        .await;
    assert_bad_input(&resp, "purchasedRights");
    let resp = app
        .gql(UPDATE_ENTITLEMENT, json!({ "id": id, "input": { "softwareModelId": global_id("SoftwareModel", 999).to_string() } }))
        .await;
    assert_bad_input(&resp, "softwareModelId");
    let count = entity::entitlement::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count.len(), 1, "no rejected input was stored");
}
db_test!(entitlement_input_is_validated_field_by_field);

async fn entitlements_page_forward_by_cursor(app: TestApp) {
    let model = create_model(&app, "Zoom", "Zoom Meetings", "Licensed").await;
    for i in 0..7 {
        create_entitlement(&app, &model, json!({ "name": format!("order {i}") }))
            .await
            .data();
    }
    const PAGE: &str = "query($after: String) { entitlements(first: 3, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { name } } } }";
    let mut after = Value::Null;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let resp = app.gql(PAGE, json!({ "after": after })).await;
        let conn = resp.data()["entitlements"].clone();
        assert_eq!(conn["totalCount"], 7);
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 0);
        let edges = conn["edges"].as_array().unwrap();
        assert_eq!(edges.len(), [3, 3, 1][pages]);
        seen.extend(
            edges
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned()),
        );
        assert_eq!(
            conn["pageInfo"]["endCursor"],
            edges.last().unwrap()["cursor"]
        );
        pages += 1;
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).map(|i| format!("order {i}")).collect();
    assert_eq!(seen, expected);

    let resp = app
        .gql(
            "{ entitlements(first: 2, last: 2) { totalCount } }",
            json!({}),
        )
        .await;
    assert_bad_input(&resp, "first");
    let resp = app
        .gql(
            "{ entitlements(after: \"bogus\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_bad_input(&resp, "after");
}
db_test!(entitlements_page_forward_by_cursor);
