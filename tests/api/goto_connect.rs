//! GoTo Connect's call history on a client of its own: GoTo grants scopes per OAuth client,
//! so an admin app often lacks `cr.v1.read`. The simulator grants Connect's scopes to a
//! second client only; an alias carries that client's credentials and tokens beside its own.

use entity::enums::{ActivityKind, JobState};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor as SimVendor};
use serde_json::{Value, json};

use crate::db_kind_test;
use crate::helpers::{Db, TestApp, spawn_app_with};
use crate::jobs_support::wait_final;
use crate::sync_e2e::{authorize_in_browser, connect, create_profile, run_and_wait};
use seatkeeper::graphql::relay::expect_id;

const VALIDATE: &str = "mutation($p: ID!) { validateConnection(profileId: $p) { ok checks { process ok message vendorCode } } }";

async fn activity_check(app: &TestApp, profile: &str) -> Value {
    let resp = app.gql(VALIDATE, json!({ "p": profile })).await;
    let checks = resp.data()["validateConnection"]["checks"]
        .as_array()
        .unwrap()
        .clone();
    checks
        .into_iter()
        .find(|c| c["process"] == "PULL_ACTIVITY")
        .expect("an activity check")
}

async fn call_history_uses_its_own_client(db: Db) {
    let sim = Simulator::start(
        SimConfig::new(SimVendor::GoTo)
            .users(60)
            .seed(11)
            .rate_limit(RateLimitMode::Off)
            .goto_connect_client(true),
    )
    .await
    .unwrap();
    let app = spawn_app_with(db, &[("SEATKEEPER_VENDOR_RATE_LIMIT", "off")]).await;
    let alias = connect(&app, &sim).await;
    let profile = create_profile(&app, SimVendor::GoTo, &alias).await;

    // The admin client reads users and meetings, but GoTo refuses it call history.
    let check = activity_check(&app, &profile).await;
    assert_eq!(check["ok"], false, "{check}");
    assert_eq!(check["vendorCode"], "AUTHZ_INSUFFICIENT_SCOPE");
    let message = check["message"].as_str().unwrap();
    assert!(message.contains("GoTo Connect call history"), "{message}");
    assert!(message.contains("GOTO_CONNECT"), "{message}");

    // Connect's own client: credentials first, then its own authorization.
    let creds = sim.credentials();
    let set = app
        .gql(
            "mutation($a: ID!, $id: String, $s: String) { setConnectionCredentials(aliasId: $a, credentials: GOTO_CONNECT, clientId: $id, clientSecret: $s) { hasAccessToken goToConnect { clientId hasClientSecret hasAccessToken } } }",
            json!({ "a": alias, "id": creds.connect_client_id, "s": creds.connect_client_secret }),
        )
        .await;
    let set = &set.data()["setConnectionCredentials"];
    assert_eq!(set["hasAccessToken"], true, "the alias's own token stays");
    assert_eq!(
        set["goToConnect"],
        json!({ "clientId": creds.connect_client_id, "hasClientSecret": true, "hasAccessToken": false })
    );
    let check = activity_check(&app, &profile).await;
    assert_eq!(check["ok"], false, "{check}");
    assert!(
        check["message"]
            .as_str()
            .unwrap()
            .contains("no access token"),
        "{check}"
    );

    authorize_in_browser(&app, &alias, "GOTO_CONNECT").await;
    let alias_now = app
        .gql(
            "query($a: ID!) { node(id: $a) { ... on ConnectionAlias { hasAccessToken goToConnect { hasAccessToken hasRefreshToken } } } }",
            json!({ "a": alias }),
        )
        .await;
    assert_eq!(
        alias_now.data()["node"],
        json!({ "hasAccessToken": true, "goToConnect": { "hasAccessToken": true, "hasRefreshToken": true } })
    );
    // Neither token is the other's: encrypted apart, and different.
    let row = entity::connection_alias::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let decrypt = |b: &Option<Vec<u8>>| app.state.cipher.decrypt(b.as_ref().unwrap()).unwrap();
    assert_ne!(
        decrypt(&row.access_token_enc).expose(),
        decrypt(&row.connect_access_token_enc).expose()
    );

    let check = activity_check(&app, &profile).await;
    assert_eq!(check["ok"], true, "{check}");
    let published = app
        .gql(
            "mutation($p: ID!) { publishIntegrationProfile(profileId: $p) { firstRun { id } } }",
            json!({ "p": profile }),
        )
        .await;
    let first = published.data()["publishIntegrationProfile"]["firstRun"]["id"]
        .as_str()
        .unwrap()
        .into();
    let first = expect_id(&first, "JobRun", "id").unwrap();
    let download = wait_final(&app.state, first).await;
    assert_eq!(download.state, JobState::Succeeded, "{:?}", download.error);
    let pull = run_and_wait(&app, "runPullActivity", &profile).await;
    assert_eq!(pull.state, JobState::Succeeded, "{:?}", pull.error);
    let calls = entity::activity_event::Entity::find()
        .filter(entity::activity_event::Column::Kind.eq(ActivityKind::CallMade.code()))
        .count(&app.state.db)
        .await
        .unwrap();
    assert!(calls > 0, "call history was read with Connect's own token");
}

async fn only_goto_aliases_have_a_connect_client(db: Db) {
    let app = spawn_app_with(db, &[]).await;
    let alias = app
        .gql(
            "mutation { createConnectionAlias(input: { name: \"z\", vendor: ZOOM }) { id } }",
            json!({}),
        )
        .await;
    let alias = alias.data()["createConnectionAlias"]["id"].clone();
    let refused = app
        .gql(
            "mutation($a: ID!) { setConnectionCredentials(aliasId: $a, credentials: GOTO_CONNECT, clientId: \"c\") { id } }",
            json!({ "a": alias }),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(refused.error_field(), "credentials");
    let refused = app
        .gql(
            "mutation($a: ID!) { startOAuthAuthorization(aliasId: $a, credentials: GOTO_CONNECT) }",
            json!({ "a": alias }),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(refused.error_field(), "credentials");
}
db_kind_test!(
    call_history_uses_its_own_client,
    only_goto_aliases_have_a_connect_client
);
