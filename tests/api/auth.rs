//! Bearer tokens and roles.

use sea_orm::{EntityTrait, QuerySelect};
use serde_json::json;

use crate::db_test;
use crate::helpers::{ADMIN_TOKEN, TestApp};

async fn requests_without_a_token_are_401_unauthenticated(app: TestApp) {
    let resp = app.gql_as(None, "{ viewer { role } }", json!({})).await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.error_code(), "UNAUTHENTICATED");
    let resp = app
        .gql_as(
            Some("sk_not_a_real_token"),
            "{ viewer { role } }",
            json!({}),
        )
        .await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.error_code(), "UNAUTHENTICATED");
}
db_test!(requests_without_a_token_are_401_unauthenticated);

async fn the_configured_admin_token_holds_every_role(app: TestApp) {
    let resp = app.gql("{ viewer { role roles } }", json!({})).await;
    assert_eq!(resp.data()["viewer"]["role"], "ADMIN");
    let mut roles: Vec<String> =
        serde_json::from_value(resp.data()["viewer"]["roles"].clone()).unwrap();
    roles.sort();
    assert_eq!(roles, ["ADMIN", "INTEGRATOR", "RECLAIMER", "VIEWER"]);
}
db_test!(the_configured_admin_token_holds_every_role);

async fn a_created_token_works_once_shown_and_stops_when_revoked(app: TestApp) {
    let resp = app
        .gql(
            "mutation { createApiToken(name: \"ci\", role: VIEWER) { token apiToken { id name roles } } }",
            json!({}),
        )
        .await;
    let created = &resp.data()["createApiToken"];
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["apiToken"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["apiToken"]["roles"], json!(["VIEWER"]));

    let me = app
        .gql_as(Some(&token), "{ viewer { role name } }", json!({}))
        .await;
    assert_eq!(me.data()["viewer"]["role"], "VIEWER");

    // The raw value is stored nowhere: only its hash.
    let rows = entity::api_token::Entity::find()
        .select_only()
        .column(entity::api_token::Column::TokenHash)
        .into_tuple::<String>()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(rows.iter().all(|h| h != &token && h != ADMIN_TOKEN));

    let listed = app
        .gql(
            "{ apiTokens { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed.data()["apiTokens"]["totalCount"], 2);
    assert!(!listed.body.to_string().contains(&token));

    let revoked = app
        .gql(
            "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert!(revoked.data()["revokeApiToken"]["revokedAt"].is_string());
    let after = app
        .gql_as(Some(&token), "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(after.status, 401);
}
db_test!(a_created_token_works_once_shown_and_stops_when_revoked);

async fn a_viewer_cannot_mint_tokens(app: TestApp) {
    let viewer = app.token_with("VIEWER").await;
    let resp = app
        .gql_as(
            Some(&viewer),
            "mutation { createApiToken(name: \"x\", role: ADMIN) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.error_code(), "FORBIDDEN");
    let resp = app
        .gql_as(Some(&viewer), "{ apiTokens { totalCount } }", json!({}))
        .await;
    assert_eq!(resp.error_code(), "FORBIDDEN");
}
db_test!(a_viewer_cannot_mint_tokens);

async fn every_mutation_is_recorded_in_the_audit_log(app: TestApp) {
    app.token_with("VIEWER").await;
    let rows = entity::audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].operation, "createApiToken");
    assert!(rows[0].actor.contains("SEATKEEPER_ADMIN_TOKEN"));
}
db_test!(every_mutation_is_recorded_in_the_audit_log);
