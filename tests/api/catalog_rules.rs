//! Reclamation rules and exclusion rules.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::catalog::{assert_bad_input, create_model};
use crate::db_test;
use crate::helpers::{Db, GqlResponse, TestApp, spawn_app_with};
use seatkeeper::graphql::relay::global_id;

const RULE_FIELDS: &str = "id name inactivityThresholdDays notifyUser notifyWaitDays requireApproval active softwareModel { id }";

async fn create_rule(app: &TestApp, input: Value) -> GqlResponse {
    let query = format!(
        "mutation($input: CreateReclamationRuleInput!) {{ createReclamationRule(input: $input) {{ {RULE_FIELDS} }} }}"
    );
    app.gql(&query, json!({ "input": input })).await
}

async fn update_rule(app: &TestApp, id: &Value, input: Value) -> GqlResponse {
    let query = format!(
        "mutation($id: ID!, $input: UpdateReclamationRuleInput!) {{ updateReclamationRule(id: $id, input: $input) {{ {RULE_FIELDS} }} }}"
    );
    app.gql(&query, json!({ "id": id, "input": input })).await
}

/// A server with a notice channel, so rules may notify users (the webhook is never called:
/// these tests flag nothing).
async fn with_a_channel(db: Db) -> TestApp {
    spawn_app_with(
        db,
        &[
            ("SEATKEEPER_NOTICE_WEBHOOK_URL", "http://127.0.0.1:9/hooks"),
            (
                "SEATKEEPER_NOTICE_WEBHOOK_SECRET",
                "a-webhook-secret-for-tests",
            ),
        ],
    )
    .await
}

async fn reclamation_rules_are_created_updated_deleted_and_listed(db: Db) {
    let app = with_a_channel(db).await;
    let model = create_model(&app, "Zoom", "Zoom Meetings", "Licensed").await;
    let resp = create_rule(&app, json!({ "softwareModelId": model })).await;
    let rule = resp.data()["createReclamationRule"].clone();
    assert_eq!(
        rule["name"], "Zoom Meetings Licensed",
        "named after the model"
    );
    assert_eq!(rule["inactivityThresholdDays"], 60);
    assert_eq!(
        (rule["notifyUser"].clone(), rule["notifyWaitDays"].clone()),
        (json!(false), json!(0))
    );
    assert_eq!(rule["requireApproval"], false);
    assert_eq!(rule["active"], true);
    assert_eq!(rule["softwareModel"]["id"], model.as_str());

    let resp = update_rule(
        &app,
        &rule["id"],
        json!({ "notifyUser": true, "notifyWaitDays": 7, "inactivityThresholdDays": 90, "name": "Meetings" }),
    )
    .await;
    let updated = &resp.data()["updateReclamationRule"];
    assert_eq!(updated["notifyWaitDays"], 7);
    assert_eq!(updated["inactivityThresholdDays"], 90);
    assert_eq!(updated["name"], "Meetings");
    assert_eq!(updated["requireApproval"], false, "omitted fields stay");

    let other = create_model(&app, "Aha!", "Roadmaps", "").await;
    let resp = create_rule(
        &app,
        json!({ "softwareModelId": other, "name": "Aha seats", "active": false, "requireApproval": true }),
    )
    .await;
    assert_eq!(
        resp.data()["createReclamationRule"]["requireApproval"],
        true
    );

    const LIST: &str = "query($m: ID, $a: Boolean) { reclamationRules(softwareModelId: $m, active: $a) { totalCount edges { node { name } } } }";
    let total = |resp: GqlResponse| resp.data()["reclamationRules"]["totalCount"].clone();
    assert_eq!(total(app.gql(LIST, json!({})).await), 2);
    assert_eq!(total(app.gql(LIST, json!({ "a": false })).await), 1);
    assert_eq!(total(app.gql(LIST, json!({ "m": model })).await), 1);
    let resp = app.gql(LIST, json!({ "a": true })).await;
    assert_eq!(
        resp.data()["reclamationRules"]["edges"][0]["node"]["name"],
        "Meetings"
    );

    let resp = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on SoftwareModel { reclamationRule { id } } } }",
            json!({ "id": model }),
        )
        .await;
    assert_eq!(resp.data()["node"]["reclamationRule"]["id"], rule["id"]);

    const DELETE: &str = "mutation($id: ID!) { deleteReclamationRule(id: $id) }";
    let resp = app.gql(DELETE, json!({ "id": rule["id"] })).await;
    assert_eq!(resp.data()["deleteReclamationRule"], rule["id"]);
    let resp = app.gql(DELETE, json!({ "id": rule["id"] })).await;
    assert_eq!(resp.error_code(), "NOT_FOUND");
    let resp = update_rule(&app, &rule["id"], json!({ "active": false })).await;
    assert_eq!(resp.error_code(), "NOT_FOUND");
    // With its rule gone, the model may have a new one.
    create_rule(&app, json!({ "softwareModelId": model }))
        .await
        .data();
}

async fn a_second_rule_for_a_model_is_a_conflict(app: TestApp) {
    let model = create_model(&app, "Zoom", "Zoom Meetings", "Licensed").await;
    create_rule(&app, json!({ "softwareModelId": model }))
        .await
        .data();
    let resp = create_rule(&app, json!({ "softwareModelId": model, "name": "again" })).await;
    assert_eq!(resp.error_code(), "CONFLICT");
}
db_test!(a_second_rule_for_a_model_is_a_conflict);

async fn reclamation_rule_timing_is_validated(db: Db) {
    let app = with_a_channel(db).await;
    let model = create_model(&app, "Zoom", "Zoom Meetings", "Licensed").await;
    let with = |extra: Value| {
        let mut input = json!({ "softwareModelId": model });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    for (field, extra) in [
        (
            "inactivityThresholdDays",
            json!({ "inactivityThresholdDays": 0 }),
        ),
        (
            "inactivityThresholdDays",
            json!({ "inactivityThresholdDays": 3651 }),
        ),
        (
            "notifyWaitDays",
            json!({ "notifyUser": true, "notifyWaitDays": 366 }),
        ),
        (
            "notifyWaitDays",
            json!({ "notifyUser": true, "notifyWaitDays": -1 }),
        ),
        (
            "notifyWaitDays",
            json!({ "notifyUser": false, "notifyWaitDays": 5 }),
        ),
        ("name", json!({ "name": "  " })),
        (
            "softwareModelId",
            json!({ "softwareModelId": global_id("SoftwareModel", 999).to_string() }),
        ),
    ] {
        let resp = create_rule(&app, with(extra.clone())).await;
        assert_eq!(resp.error_field(), field, "{extra}: {}", resp.body);
        assert_eq!(resp.error_code(), "BAD_USER_INPUT");
    }
    let resp = create_rule(
        &app,
        with(json!({ "inactivityThresholdDays": 3650, "notifyUser": true, "notifyWaitDays": 365 })),
    )
    .await;
    let id = resp.data()["createReclamationRule"]["id"].clone();
    // Switching the notice off while a wait is set leaves a wait nobody is told about.
    let resp = update_rule(&app, &id, json!({ "notifyUser": false })).await;
    assert_bad_input(&resp, "notifyWaitDays");
    let resp = update_rule(
        &app,
        &id,
        json!({ "notifyUser": false, "notifyWaitDays": 0 }),
    )
    .await;
    assert_eq!(resp.data()["updateReclamationRule"]["notifyUser"], false);
    let resp = update_rule(&app, &id, json!({ "inactivityThresholdDays": 0 })).await;
    assert_bad_input(&resp, "inactivityThresholdDays");
}
crate::db_kind_test!(
    reclamation_rules_are_created_updated_deleted_and_listed,
    reclamation_rule_timing_is_validated,
);

const ID_EXCLUSION_FIELDS: &str =
    "id vendor identifier excludeFromCost excludeFromReclaim reason expiresAt active effective";

async fn create_id_exclusion(app: &TestApp, input: Value) -> GqlResponse {
    let query = format!(
        "mutation($input: CreateSubscriptionIdentifierExclusionInput!) {{ createSubscriptionIdentifierExclusion(input: $input) {{ {ID_EXCLUSION_FIELDS} }} }}"
    );
    app.gql(&query, json!({ "input": input })).await
}

async fn update_id_exclusion(app: &TestApp, id: &Value, input: Value) -> GqlResponse {
    let query = format!(
        "mutation($id: ID!, $input: UpdateSubscriptionIdentifierExclusionInput!) {{ updateSubscriptionIdentifierExclusion(id: $id, input: $input) {{ {ID_EXCLUSION_FIELDS} }} }}"
    );
    app.gql(&query, json!({ "id": id, "input": input })).await
}

async fn identifier_exclusions_are_created_updated_deleted_and_listed(app: TestApp) {
    let tomorrow = (Utc::now() + Duration::days(1)).to_rfc3339();
    let resp = create_id_exclusion(
        &app,
        json!({ "vendor": "ZOOM", "identifier": " 99 ", "excludeFromCost": false, "reason": "test accounts", "expiresAt": tomorrow }),
    )
    .await;
    let created = resp.data()["createSubscriptionIdentifierExclusion"].clone();
    assert_eq!(created["identifier"], "99");
    assert_eq!(created["excludeFromCost"], false);
    assert_eq!(created["excludeFromReclaim"], true, "defaults to both");
    assert_eq!(created["effective"], true);
    assert!(created["expiresAt"].is_string());

    let resp = update_id_exclusion(
        &app,
        &created["id"],
        json!({ "reason": null, "expiresAt": null, "active": false }),
    )
    .await;
    let updated = &resp.data()["updateSubscriptionIdentifierExclusion"];
    assert_eq!(updated["reason"], Value::Null, "null clears");
    assert_eq!(updated["expiresAt"], Value::Null);
    assert_eq!(
        (updated["active"].clone(), updated["effective"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(updated["excludeFromReclaim"], true, "omitted fields stay");

    // The same code at another vendor is another exclusion.
    create_id_exclusion(&app, json!({ "vendor": "GOTO", "identifier": "99" }))
        .await
        .data();
    const LIST: &str = "query($v: Vendor, $a: Boolean) { subscriptionIdentifierExclusions(vendor: $v, active: $a) { totalCount edges { node { vendor } } } }";
    let total =
        |resp: GqlResponse| resp.data()["subscriptionIdentifierExclusions"]["totalCount"].clone();
    assert_eq!(total(app.gql(LIST, json!({})).await), 2);
    assert_eq!(total(app.gql(LIST, json!({ "v": "GOTO" })).await), 1);
    assert_eq!(total(app.gql(LIST, json!({ "a": false })).await), 1);
    assert_eq!(total(app.gql(LIST, json!({ "v": "AHA" })).await), 0);

    const DELETE: &str = "mutation($id: ID!) { deleteSubscriptionIdentifierExclusion(id: $id) }";
    let resp = app.gql(DELETE, json!({ "id": created["id"] })).await;
    assert_eq!(
        resp.data()["deleteSubscriptionIdentifierExclusion"],
        created["id"]
    );
    assert_eq!(
        app.gql(DELETE, json!({ "id": created["id"] }))
            .await
            .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(total(app.gql(LIST, json!({})).await), 1);
}
db_test!(identifier_exclusions_are_created_updated_deleted_and_listed);

async fn identifier_exclusions_are_validated(app: TestApp) {
    let past = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    for (field, input) in [
        (
            "identifier",
            json!({ "vendor": "ZOOM", "identifier": "  " }),
        ),
        (
            "identifier",
            json!({ "vendor": "ZOOM", "identifier": "x".repeat(201) }),
        ),
        (
            "excludeFromCost",
            json!({ "vendor": "ZOOM", "identifier": "1", "excludeFromCost": false, "excludeFromReclaim": false }),
        ),
        (
            "expiresAt",
            json!({ "vendor": "ZOOM", "identifier": "1", "expiresAt": past }),
        ),
        (
            "reason",
            json!({ "vendor": "ZOOM", "identifier": "1", "reason": "x".repeat(501) }),
        ),
    ] {
        let resp = create_id_exclusion(&app, input).await;
        assert_bad_input(&resp, field);
    }
    let first = create_id_exclusion(&app, json!({ "vendor": "ZOOM", "identifier": "1" })).await;
    let id = first.data()["createSubscriptionIdentifierExclusion"]["id"].clone();
    let resp = create_id_exclusion(
        &app,
        json!({ "vendor": "ZOOM", "identifier": "1", "reason": "again" }),
    )
    .await;
    assert_eq!(resp.error_code(), "CONFLICT");
    let second = create_id_exclusion(&app, json!({ "vendor": "ZOOM", "identifier": "2" })).await;
    let second = second.data()["createSubscriptionIdentifierExclusion"]["id"].clone();
    let resp = update_id_exclusion(&app, &second, json!({ "identifier": "1" })).await;
    assert_eq!(resp.error_code(), "CONFLICT");
    let resp = update_id_exclusion(
        &app,
        &id,
        json!({ "excludeFromReclaim": false, "excludeFromCost": false }),
    )
    .await;
    assert_bad_input(&resp, "excludeFromCost");
    let resp = update_id_exclusion(&app, &id, json!({ "expiresAt": past })).await;
    assert_bad_input(&resp, "expiresAt");
}
db_test!(identifier_exclusions_are_validated);

const USER_EXCLUSION_FIELDS: &str =
    "id userPrincipalName excludeFromCost excludeFromReclaim reason expiresAt active effective";

async fn create_user_exclusion(app: &TestApp, input: Value) -> GqlResponse {
    let query = format!(
        "mutation($input: CreateSubscriptionUserExclusionInput!) {{ createSubscriptionUserExclusion(input: $input) {{ {USER_EXCLUSION_FIELDS} }} }}"
    );
    app.gql(&query, json!({ "input": input })).await
}

async fn update_user_exclusion(app: &TestApp, id: &Value, input: Value) -> GqlResponse {
    let query = format!(
        "mutation($id: ID!, $input: UpdateSubscriptionUserExclusionInput!) {{ updateSubscriptionUserExclusion(id: $id, input: $input) {{ {USER_EXCLUSION_FIELDS} }} }}"
    );
    app.gql(&query, json!({ "id": id, "input": input })).await
}

async fn user_exclusions_are_created_updated_deleted_and_listed(app: TestApp) {
    let resp = create_user_exclusion(
        &app,
        json!({ "userPrincipalName": " CEO@Example.com ", "excludeFromCost": false, "reason": "board" }),
    )
    .await;
    let ceo = resp.data()["createSubscriptionUserExclusion"].clone();
    assert_eq!(
        ceo["userPrincipalName"], "ceo@example.com",
        "stored lower-cased"
    );
    assert_eq!(ceo["reason"], "board");
    let resp = create_user_exclusion(
        &app,
        json!({ "userPrincipalName": "*@Contractors.Example.com", "active": false }),
    )
    .await;
    let domain = resp.data()["createSubscriptionUserExclusion"].clone();
    assert_eq!(domain["userPrincipalName"], "*@contractors.example.com");
    assert_eq!(domain["effective"], false);

    let resp = update_user_exclusion(
        &app,
        &ceo["id"],
        json!({ "userPrincipalName": "CFO@example.com", "excludeFromCost": true }),
    )
    .await;
    let updated = &resp.data()["updateSubscriptionUserExclusion"];
    assert_eq!(updated["userPrincipalName"], "cfo@example.com");
    assert_eq!(updated["excludeFromCost"], true);
    assert_eq!(updated["reason"], "board", "omitted fields stay");

    const LIST: &str = "query($s: String, $a: Boolean) { subscriptionUserExclusions(search: $s, active: $a) { totalCount edges { node { userPrincipalName } } } }";
    let names = |resp: GqlResponse| -> Vec<String> {
        resp.data()["subscriptionUserExclusions"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["userPrincipalName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(app.gql(LIST, json!({})).await).len(), 2);
    assert_eq!(
        names(app.gql(LIST, json!({ "s": "CONTRACTORS" })).await),
        ["*@contractors.example.com"]
    );
    assert_eq!(
        names(app.gql(LIST, json!({ "a": true })).await),
        ["cfo@example.com"]
    );
    assert!(names(app.gql(LIST, json!({ "s": "nobody" })).await).is_empty());

    const DELETE: &str = "mutation($id: ID!) { deleteSubscriptionUserExclusion(id: $id) }";
    let resp = app.gql(DELETE, json!({ "id": domain["id"] })).await;
    assert_eq!(resp.data()["deleteSubscriptionUserExclusion"], domain["id"]);
    assert_eq!(
        app.gql(DELETE, json!({ "id": domain["id"] }))
            .await
            .error_code(),
        "NOT_FOUND"
    );
    let resp = update_user_exclusion(&app, &domain["id"], json!({ "active": true })).await;
    assert_eq!(resp.error_code(), "NOT_FOUND");
}
db_test!(user_exclusions_are_created_updated_deleted_and_listed);

async fn user_exclusions_are_validated(app: TestApp) {
    for bad in [
        "not-an-email",
        "ann@",
        "@example.com",
        "ann@example",
        "*ann@example.com",
        "*@*",
        "a b@example.com",
        "ann@@example.com",
    ] {
        let resp = create_user_exclusion(&app, json!({ "userPrincipalName": bad })).await;
        assert_eq!(
            resp.error_field(),
            "userPrincipalName",
            "{bad}: {}",
            resp.body
        );
        assert_eq!(resp.error_code(), "BAD_USER_INPUT");
    }
    let past = (Utc::now() - Duration::days(1)).to_rfc3339();
    let resp = create_user_exclusion(
        &app,
        json!({ "userPrincipalName": "ann@example.com", "expiresAt": past }),
    )
    .await;
    assert_bad_input(&resp, "expiresAt");
    let resp = create_user_exclusion(
        &app,
        json!({ "userPrincipalName": "ann@example.com", "excludeFromCost": false, "excludeFromReclaim": false }),
    )
    .await;
    assert_bad_input(&resp, "excludeFromCost");

    let resp = create_user_exclusion(&app, json!({ "userPrincipalName": "ann@example.com" })).await;
    let id = resp.data()["createSubscriptionUserExclusion"]["id"].clone();
    let resp = create_user_exclusion(&app, json!({ "userPrincipalName": "ANN@example.com" })).await;
    assert_eq!(resp.error_code(), "CONFLICT", "duplicates ignore case");
    let resp = create_user_exclusion(&app, json!({ "userPrincipalName": "*@example.com" })).await;
    let domain = resp.data()["createSubscriptionUserExclusion"]["id"].clone();
    let resp = update_user_exclusion(
        &app,
        &domain,
        json!({ "userPrincipalName": "Ann@Example.com" }),
    )
    .await;
    assert_eq!(resp.error_code(), "CONFLICT");
    let resp = update_user_exclusion(&app, &id, json!({ "userPrincipalName": "ann" })).await;
    assert_bad_input(&resp, "userPrincipalName");
}
db_test!(user_exclusions_are_validated);
