//! What every catalog mutation shares: only admins may run them, each is audited, and
//! `node(id:)` finds every catalog object.

use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::catalog::{
    CREATE_ENTITLEMENT, CREATE_MODEL, DELETE_ENTITLEMENT, UPDATE_ENTITLEMENT, UPDATE_MODEL,
    create_entitlement, create_model, entitlement_input,
};
use crate::db_test;
use crate::helpers::TestApp;
use seatkeeper::graphql::relay::{global_id, parse_global_id};

/// One valid call of every catalog mutation, given ids of existing objects.
fn every_mutation(ids: &Value) -> Vec<(&'static str, String, Value)> {
    let m = |name: &'static str, q: &str, v: Value| (name, q.to_owned(), v);
    vec![
        m(
            "createSoftwareModel",
            CREATE_MODEL,
            json!({ "input": { "publisher": "GoTo", "product": "GoToMeeting", "vendor": "GOTO" } }),
        ),
        m(
            "updateSoftwareModel",
            UPDATE_MODEL,
            json!({ "id": ids["model"], "input": { "edition": "Business" } }),
        ),
        m(
            "createEntitlement",
            CREATE_ENTITLEMENT,
            json!({ "input": entitlement_input(ids["model"].as_str().unwrap(), json!({})) }),
        ),
        m(
            "updateEntitlement",
            UPDATE_ENTITLEMENT,
            json!({ "id": ids["entitlement"], "input": { "name": "renamed" } }),
        ),
        m(
            "deleteEntitlement",
            DELETE_ENTITLEMENT,
            json!({ "id": ids["entitlement"] }),
        ),
        m(
            "createReclamationRule",
            "mutation($input: CreateReclamationRuleInput!) { createReclamationRule(input: $input) { id } }",
            json!({ "input": { "softwareModelId": ids["model"] } }),
        ),
        m(
            "updateReclamationRule",
            "mutation($id: ID!) { updateReclamationRule(id: $id, input: { inactivityThresholdDays: 90 }) { id } }",
            json!({ "id": ids["rule"] }),
        ),
        m(
            "deleteReclamationRule",
            "mutation($id: ID!) { deleteReclamationRule(id: $id) }",
            json!({ "id": ids["rule"] }),
        ),
        m(
            "createSubscriptionIdentifierExclusion",
            "mutation { createSubscriptionIdentifierExclusion(input: { vendor: ZOOM, identifier: \"2\" }) { id } }",
            json!({}),
        ),
        m(
            "updateSubscriptionIdentifierExclusion",
            "mutation($id: ID!) { updateSubscriptionIdentifierExclusion(id: $id, input: { reason: \"why\" }) { id } }",
            json!({ "id": ids["identifierExclusion"] }),
        ),
        m(
            "deleteSubscriptionIdentifierExclusion",
            "mutation($id: ID!) { deleteSubscriptionIdentifierExclusion(id: $id) }",
            json!({ "id": ids["identifierExclusion"] }),
        ),
        m(
            "createSubscriptionUserExclusion",
            "mutation { createSubscriptionUserExclusion(input: { userPrincipalName: \"*@example.com\" }) { id } }",
            json!({}),
        ),
        m(
            "updateSubscriptionUserExclusion",
            "mutation($id: ID!) { updateSubscriptionUserExclusion(id: $id, input: { active: false }) { id } }",
            json!({ "id": ids["userExclusion"] }),
        ),
        m(
            "deleteSubscriptionUserExclusion",
            "mutation($id: ID!) { deleteSubscriptionUserExclusion(id: $id) }",
            json!({ "id": ids["userExclusion"] }),
        ),
    ]
}

/// Creates one object of each kind and returns their global ids.
async fn seed_one_of_each(app: &TestApp) -> Value {
    let model = create_model(app, "Zoom", "Zoom Meetings", "Licensed").await;
    let ruled = create_model(app, "Zoom", "Zoom Webinar", "").await;
    let entitlement =
        create_entitlement(app, &model, json!({})).await.data()["createEntitlement"]["id"].clone();
    let rule = app
        .gql(
            "mutation($m: ID!) { createReclamationRule(input: { softwareModelId: $m }) { id } }",
            json!({ "m": ruled }),
        )
        .await
        .data()["createReclamationRule"]["id"]
        .clone();
    let identifier_exclusion = app
        .gql("mutation { createSubscriptionIdentifierExclusion(input: { vendor: GOTO, identifier: \"G2M\" }) { id } }", json!({}))
        .await
        .data()["createSubscriptionIdentifierExclusion"]["id"]
        .clone();
    let user_exclusion = app
        .gql("mutation { createSubscriptionUserExclusion(input: { userPrincipalName: \"ceo@example.com\" }) { id } }", json!({}))
        .await
        .data()["createSubscriptionUserExclusion"]["id"]
        .clone();
    json!({
        "model": model,
        "entitlement": entitlement,
        "rule": rule,
        "identifierExclusion": identifier_exclusion,
        "userExclusion": user_exclusion,
    })
}

async fn viewers_and_integrators_cannot_change_the_catalog(app: TestApp) {
    let ids = seed_one_of_each(&app).await;
    for role in ["VIEWER", "INTEGRATOR", "RECLAIMER"] {
        let token = app.token_with(role).await;
        for (name, query, vars) in every_mutation(&ids) {
            let resp = app.gql_as(Some(&token), &query, vars).await;
            assert_eq!(
                resp.error_code(),
                "FORBIDDEN",
                "{role} ran {name}: {}",
                resp.body
            );
        }
        let resp = app
            .gql_as(
                Some(&token),
                "{ softwareModels { totalCount } entitlements { totalCount } reclamationRules { totalCount } subscriptionIdentifierExclusions { totalCount } subscriptionUserExclusions { totalCount } licensePositions { totalCount } }",
                json!({}),
            )
            .await;
        let data = resp.data();
        assert_eq!(data["softwareModels"]["totalCount"], 2, "{role} can read");
        assert_eq!(data["entitlements"]["totalCount"], 1);
        assert_eq!(data["reclamationRules"]["totalCount"], 1);
    }
    let audited = entity::audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let catalog: Vec<_> = audited
        .iter()
        .filter(|r| r.operation != "createApiToken")
        .collect();
    assert_eq!(catalog.len(), 6, "refused mutations changed nothing");
}
db_test!(viewers_and_integrators_cannot_change_the_catalog);

async fn every_catalog_mutation_is_audited(app: TestApp) {
    let ids = seed_one_of_each(&app).await;
    let before = entity::audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .len();
    let calls = every_mutation(&ids);
    for (name, query, vars) in &calls {
        let resp = app.gql(query, vars.clone()).await;
        assert!(resp.body.get("errors").is_none(), "{name}: {}", resp.body);
    }
    let rows = entity::audit_log::Entity::find()
        .order_by_asc(entity::audit_log::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let operations: Vec<&str> = rows[before..]
        .iter()
        .map(|r| r.operation.as_str())
        .collect();
    let expected: Vec<&str> = calls.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(operations, expected);
    assert!(
        rows[before..]
            .iter()
            .all(|r| r.target_id.is_some() && r.token_id.is_some())
    );
}
db_test!(every_catalog_mutation_is_audited);

async fn node_fetches_every_catalog_object(app: TestApp) {
    let ids = seed_one_of_each(&app).await;
    let model_id = parse_global_id(&ids["model"].as_str().unwrap().to_owned().into())
        .unwrap()
        .1;
    let position = seatkeeper::domain::reconciliation::reconcile_model(
        &app.state.db,
        model_id,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let mut expected = vec![
        (ids["model"].clone(), "SoftwareModel"),
        (ids["entitlement"].clone(), "Entitlement"),
        (ids["rule"].clone(), "ReclamationRule"),
        (
            ids["identifierExclusion"].clone(),
            "SubscriptionIdentifierExclusion",
        ),
        (ids["userExclusion"].clone(), "SubscriptionUserExclusion"),
    ];
    expected.push((
        json!(global_id("LicensePosition", position.id).to_string()),
        "LicensePosition",
    ));
    let viewer = app.token_with("VIEWER").await;
    for (id, typename) in expected {
        let resp = app
            .gql_as(
                Some(&viewer),
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            resp.data()["node"],
            json!({ "__typename": typename, "id": id })
        );
        let (_, raw) = parse_global_id(&id.as_str().unwrap().to_owned().into()).unwrap();
        let missing = global_id(typename, raw + 1000).to_string();
        let resp = app
            .gql(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": missing }),
            )
            .await;
        assert_eq!(resp.data()["node"], Value::Null, "{typename}");
    }
    let resp = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on SoftwareModel { reclamationRule { id } } } }",
            json!({ "id": ids["model"] }),
        )
        .await;
    assert_eq!(resp.data()["node"]["reclamationRule"], Value::Null);
}
db_test!(node_fetches_every_catalog_object);
