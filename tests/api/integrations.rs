//! Integration profiles and connection aliases.

use entity::enums::{CandidateState, JobKind, ProfileStatus, Vendor};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::db_test;
use crate::fixtures;
use crate::helpers::TestApp;
use seatkeeper::graphql::relay::global_id;

const CREATE_ALIAS: &str = "mutation($input: ConnectionAliasInput!) { createConnectionAlias(input: $input) { id name vendor hasClientSecret clientId isChild parent { name } } }";
const CREATE_PROFILE: &str = "mutation($input: CreateIntegrationProfileInput!) { createIntegrationProfile(input: $input) { id status vendor downloadSubscriptions downloadActivity reclaim activityLookBackDays alias { name } } }";

async fn create_alias(app: &TestApp, input: Value) -> Value {
    let resp = app.gql(CREATE_ALIAS, json!({ "input": input })).await;
    resp.data()["createConnectionAlias"].clone()
}

async fn secrets_are_write_only_and_encrypted_at_rest(app: TestApp) {
    let alias = create_alias(&app, json!({ "name": "zoom-main", "vendor": "ZOOM" })).await;
    assert_eq!(alias["hasClientSecret"], false);
    let set = app
        .gql(
            "mutation($id: ID!) { setConnectionCredentials(aliasId: $id, clientId: \"cid\", clientSecret: \"very-secret-value\", accountId: \"acc\") { hasClientSecret clientId } }",
            json!({ "id": alias["id"] }),
        )
        .await;
    assert_eq!(
        set.data()["setConnectionCredentials"]["hasClientSecret"],
        true
    );
    assert_eq!(set.data()["setConnectionCredentials"]["clientId"], "cid");
    // Credentials are set one way only: the alias input has no place for them.
    let refused = app
        .gql(
            CREATE_ALIAS,
            json!({ "input": { "name": "other", "vendor": "ZOOM", "clientSecret": "x" } }),
        )
        .await;
    assert!(
        refused.body.to_string().contains("clientSecret"),
        "{}",
        refused.body
    );
    let everything = app
        .gql("{ connectionAliases { edges { node { id name clientId hasClientSecret accountId } } } auditLog { edges { node { details } } } }", json!({}))
        .await;
    assert!(!everything.body.to_string().contains("very-secret-value"));
    let rows = entity::connection_alias::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let stored = rows[0].client_secret_enc.clone().unwrap();
    assert!(!stored.windows(17).any(|w| w == b"very-secret-value"));
    assert_eq!(
        app.state.cipher.decrypt(&stored).unwrap().expose(),
        "very-secret-value"
    );

    let cleared = app
        .gql(
            "mutation($id: ID!) { setConnectionCredentials(aliasId: $id, clear: true) { hasClientSecret clientId } }",
            json!({ "id": alias["id"] }),
        )
        .await;
    assert_eq!(
        cleared.data()["setConnectionCredentials"]["hasClientSecret"],
        false
    );
    assert_eq!(
        cleared.data()["setConnectionCredentials"]["clientId"],
        "cid"
    );
}
db_test!(secrets_are_write_only_and_encrypted_at_rest);

/// A job in flight when the secret is replaced obtains its token with the old one; that
/// token must not land on the alias after the new secret forgot the old tokens, or the
/// next run would go on with credentials the admin withdrew.
async fn a_token_minted_with_a_replaced_secret_is_not_stored(app: TestApp) {
    use seatkeeper::connectors::StoredTokens;
    use seatkeeper::secret::Secret;
    let alias = create_alias(&app, json!({ "name": "zoom-main", "vendor": "ZOOM" })).await;
    let set = |secret: &str| {
        format!(
            "mutation($id: ID!) {{ setConnectionCredentials(aliasId: $id, clientId: \"cid\", clientSecret: \"{secret}\", accountId: \"acc\") {{ id }} }}"
        )
    };
    app.gql(&set("old-secret"), json!({ "id": alias["id"] }))
        .await
        .data();
    let row = || async {
        entity::connection_alias::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
    };
    let token = |t: &str| StoredTokens {
        access_token: Secret::new(t.to_owned()),
        refresh_token: None,
        expires_at: None,
    };
    let in_flight = seatkeeper::domain::connections::token_sink(&app.state, &row().await);
    // While the secret stands, a token is stored.
    in_flight
        .save(entity::enums::CredentialSet::Primary, &token("first"))
        .await
        .unwrap();
    let stored = row().await.access_token_enc.expect("stored");
    assert_eq!(app.state.cipher.decrypt(&stored).unwrap().expose(), "first");

    app.gql(&set("new-secret"), json!({ "id": alias["id"] }))
        .await
        .data();
    assert!(row().await.access_token_enc.is_none(), "forgotten");
    in_flight
        .save(
            entity::enums::CredentialSet::Primary,
            &token("minted-by-old"),
        )
        .await
        .unwrap();
    assert!(row().await.access_token_enc.is_none(), "not stored");

    // A sink built from the new secret stores again.
    let current = seatkeeper::domain::connections::token_sink(&app.state, &row().await);
    current
        .save(entity::enums::CredentialSet::Primary, &token("second"))
        .await
        .unwrap();
    let stored = row().await.access_token_enc.expect("stored");
    assert_eq!(
        app.state.cipher.decrypt(&stored).unwrap().expose(),
        "second"
    );
}
db_test!(a_token_minted_with_a_replaced_secret_is_not_stored);

async fn child_aliases_belong_to_a_parent_of_the_same_vendor(app: TestApp) {
    let parent = create_alias(&app, json!({ "name": "goto", "vendor": "GOTO" })).await;
    let child = create_alias(
        &app,
        json!({ "name": "goto-emea", "vendor": "GOTO", "parentId": parent["id"] }),
    )
    .await;
    assert_eq!(child["isChild"], true);
    assert_eq!(child["parent"]["name"], "goto");

    let wrong_vendor = app
        .gql(
            CREATE_ALIAS,
            json!({ "input": { "name": "aha-x", "vendor": "AHA", "parentId": parent["id"] } }),
        )
        .await;
    assert_eq!(
        (wrong_vendor.error_code(), wrong_vendor.error_field()),
        ("BAD_USER_INPUT", "parentId")
    );
    let grandchild = app
        .gql(
            CREATE_ALIAS,
            json!({ "input": { "name": "goto-x", "vendor": "GOTO", "parentId": child["id"] } }),
        )
        .await;
    assert_eq!(grandchild.error_field(), "parentId");
    let duplicate = app
        .gql(
            CREATE_ALIAS,
            json!({ "input": { "name": "goto", "vendor": "GOTO" } }),
        )
        .await;
    assert_eq!(duplicate.error_code(), "CONFLICT");
    let bad_url = app
        .gql(
            CREATE_ALIAS,
            json!({ "input": { "name": "z", "vendor": "ZOOM", "baseUrl": "ftp://zoom" } }),
        )
        .await;
    assert_eq!(
        (bad_url.error_code(), bad_url.error_field()),
        ("BAD_USER_INPUT", "baseUrl")
    );

    let children = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on ConnectionAlias { children { name } } } }",
            json!({ "id": parent["id"] }),
        )
        .await;
    assert_eq!(
        children.data()["node"]["children"],
        json!([{ "name": "goto-emea" }])
    );
    let in_use = app
        .gql(
            "mutation($id: ID!) { deleteConnectionAlias(id: $id) }",
            json!({ "id": parent["id"] }),
        )
        .await;
    assert_eq!(in_use.error_code(), "CONFLICT");
    let gone = app
        .gql(
            "mutation($id: ID!) { deleteConnectionAlias(id: $id) }",
            json!({ "id": child["id"] }),
        )
        .await;
    assert_eq!(gone.data()["deleteConnectionAlias"], child["id"]);
}
db_test!(child_aliases_belong_to_a_parent_of_the_same_vendor);

async fn a_new_profile_is_a_draft_with_the_documented_defaults(app: TestApp) {
    let no_tenant = app
        .gql(
            CREATE_ALIAS,
            json!({ "input": { "name": "aha", "vendor": "AHA" } }),
        )
        .await;
    assert_eq!(
        (no_tenant.error_code(), no_tenant.error_field()),
        ("BAD_USER_INPUT", "baseUrl")
    );
    let alias = create_alias(
        &app,
        json!({ "name": "aha", "vendor": "AHA", "baseUrl": "https://acme.aha.io" }),
    )
    .await;
    let resp = app
        .gql(CREATE_PROFILE, json!({ "input": { "displayName": "Aha! prod", "vendor": "AHA", "aliasId": alias["id"] } }))
        .await;
    let profile = &resp.data()["createIntegrationProfile"];
    assert_eq!(profile["status"], "DRAFT");
    assert_eq!(profile["downloadSubscriptions"], true);
    assert_eq!(profile["downloadActivity"], true);
    assert_eq!(profile["reclaim"], true);
    assert_eq!(profile["activityLookBackDays"], 60);
    assert_eq!(profile["alias"]["name"], "aha");

    let other_vendor = app
        .gql(
            CREATE_PROFILE,
            json!({ "input": { "displayName": "x", "vendor": "ZOOM", "aliasId": alias["id"] } }),
        )
        .await;
    assert_eq!(other_vendor.error_field(), "aliasId");
    let too_far = app
        .gql(CREATE_PROFILE, json!({ "input": { "displayName": "x", "vendor": "ZOOM", "activityLookBackDays": 1000 } }))
        .await;
    assert_eq!(
        (too_far.error_code(), too_far.error_field()),
        ("BAD_USER_INPUT", "activityLookBackDays")
    );
    let blank = app
        .gql(
            CREATE_PROFILE,
            json!({ "input": { "displayName": "  ", "vendor": "ZOOM" } }),
        )
        .await;
    assert_eq!(blank.error_field(), "displayName");
    let unknown_vendor = app
        .gql(
            CREATE_PROFILE,
            json!({ "input": { "displayName": "x", "vendor": "ACME" } }),
        )
        .await;
    assert_eq!(
        (unknown_vendor.error_code(), unknown_vendor.error_field()),
        ("BAD_USER_INPUT", "vendor")
    );
}
db_test!(a_new_profile_is_a_draft_with_the_documented_defaults);

async fn turning_activity_off_sends_a_published_profile_back_to_draft(app: TestApp) {
    let db = &app.state.db;
    let profile = fixtures::profile(db, Vendor::Zoom, ProfileStatus::Published).await;
    fixtures::scheduled(db, profile.id, JobKind::DownloadSubscriptions).await;
    fixtures::scheduled(db, profile.id, JobKind::PullActivity).await;
    let id = global_id("IntegrationProfile", profile.id);
    let resp = app
        .gql(
            "mutation($id: ID!) { updateIntegrationProfile(id: $id, input: { downloadActivity: false }) { status downloadActivity } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        resp.data()["updateIntegrationProfile"],
        json!({ "status": "DRAFT", "downloadActivity": false })
    );
    let jobs = app
        .gql(
            "query($id: ID!) { scheduledJobs(profileId: $id) { edges { node { kind } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        jobs.data()["scheduledJobs"]["edges"],
        json!([{ "node": { "kind": "DOWNLOAD_SUBSCRIPTIONS" } }])
    );
}
db_test!(turning_activity_off_sends_a_published_profile_back_to_draft);

async fn deleting_a_profile_removes_its_data_and_skips_its_open_candidates(app: TestApp) {
    let db = &app.state.db;
    let profile = fixtures::profile(db, Vendor::GoTo, ProfileStatus::Published).await;
    let keep = fixtures::profile(db, Vendor::GoTo, ProfileStatus::Draft).await;
    let sub = fixtures::subscription(
        db,
        profile.id,
        fixtures::Sub {
            upn: "a@x.test",
            last_activity_days_ago: None,
            excluded: false,
            closed: false,
        },
    )
    .await;
    fixtures::subscription(
        db,
        keep.id,
        fixtures::Sub {
            upn: "b@x.test",
            last_activity_days_ago: None,
            excluded: false,
            closed: false,
        },
    )
    .await;
    let open = fixtures::candidate(db, profile.id, sub.id, CandidateState::Ready).await;
    let done = fixtures::candidate(db, profile.id, sub.id, CandidateState::ClosedComplete).await;
    fixtures::scheduled(db, profile.id, JobKind::DownloadSubscriptions).await;

    let resp = app
        .gql(
            "mutation($id: ID!) { deleteIntegrationProfile(id: $id) }",
            json!({ "id": global_id("IntegrationProfile", profile.id) }),
        )
        .await;
    resp.data();
    let subs = app
        .gql(
            "{ softwareSubscriptions { totalCount } scheduledJobs { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(subs.data()["softwareSubscriptions"]["totalCount"], 1);
    assert_eq!(subs.data()["scheduledJobs"]["totalCount"], 0);
    let rows = entity::removal_candidate::Entity::find()
        .all(db)
        .await
        .unwrap();
    let state_of = |id: i64| rows.iter().find(|r| r.id == id).unwrap().state;
    assert_eq!(state_of(open.id), CandidateState::ClosedSkipped);
    assert_eq!(state_of(done.id), CandidateState::ClosedComplete);
    let missing = app
        .gql(
            "mutation($id: ID!) { deleteIntegrationProfile(id: $id) }",
            json!({ "id": global_id("IntegrationProfile", profile.id) }),
        )
        .await;
    assert_eq!(missing.error_code(), "NOT_FOUND");
}
db_test!(deleting_a_profile_removes_its_data_and_skips_its_open_candidates);

async fn only_integrators_manage_profiles_and_aliases(app: TestApp) {
    for role in ["VIEWER", "RECLAIMER", "ADMIN"] {
        let token = app.token_with(role).await;
        let resp = app
            .gql_as(
                Some(&token),
                CREATE_PROFILE,
                json!({ "input": { "displayName": "x", "vendor": "ZOOM" } }),
            )
            .await;
        assert_eq!(resp.error_code(), "FORBIDDEN", "{role}");
        let list = app
            .gql_as(
                Some(&token),
                "{ integrationProfiles { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            list.data()["integrationProfiles"]["totalCount"],
            0,
            "{role} can read"
        );
    }
    let integrator = app.token_with("INTEGRATOR").await;
    let resp = app
        .gql_as(
            Some(&integrator),
            CREATE_PROFILE,
            json!({ "input": { "displayName": "x", "vendor": "ZOOM" } }),
        )
        .await;
    assert_eq!(resp.data()["createIntegrationProfile"]["status"], "DRAFT");
}
db_test!(only_integrators_manage_profiles_and_aliases);

const ALIAS_URLS: &str =
    "id cloud baseUrl redirectUrl endpoints { apiUrl tokenUrl authorizeUrl goToConnectUrl }";

async fn alias_urls(app: &TestApp, op: &str, vars: Value) -> crate::helpers::GqlResponse {
    app.gql(&op.replace("URLS", ALIAS_URLS), vars).await
}

/// Every URL of a vendor follows one setting: a named cloud (ZoomGov's OAuth stays on
/// zoomgov.com) or a root, with `baseUrl` meaning a host for every vendor.
async fn vendor_urls_follow_one_setting(app: TestApp) {
    let create =
        "mutation($input: ConnectionAliasInput!) { createConnectionAlias(input: $input) { URLS } }";
    let gov = alias_urls(
        &app,
        create,
        json!({ "input": { "name": "gov", "vendor": "ZOOM", "cloud": "ZOOM_GOV" } }),
    )
    .await;
    let gov = gov.data()["createConnectionAlias"].clone();
    assert_eq!(gov["cloud"], "ZOOM_GOV");
    assert_eq!(
        gov["endpoints"],
        json!({ "apiUrl": "https://api.zoomgov.com/v2", "tokenUrl": "https://zoomgov.com/oauth/token",
                "authorizeUrl": "https://zoomgov.com/oauth/authorize", "goToConnectUrl": null })
    );
    assert_eq!(
        gov["redirectUrl"],
        format!("{}/oauth/callback", app.address)
    );

    // A child without a setting of its own reaches the vendor where its parent does.
    let child = alias_urls(
        &app,
        create,
        json!({ "input": { "name": "gov-child", "vendor": "ZOOM", "parentId": gov["id"] } }),
    )
    .await;
    assert_eq!(
        child.data()["createConnectionAlias"]["endpoints"]["tokenUrl"],
        "https://zoomgov.com/oauth/token"
    );

    // A root is a host: Zoom's API path is dropped, and OAuth follows the root.
    let proxy = alias_urls(&app, create, json!({ "input": { "name": "proxy", "vendor": "ZOOM", "baseUrl": "http://proxy.local:9000/v2/" } })).await;
    let proxy = &proxy.data()["createConnectionAlias"];
    assert_eq!(proxy["baseUrl"], "http://proxy.local:9000");
    assert_eq!(proxy["cloud"], Value::Null);
    assert_eq!(proxy["endpoints"]["apiUrl"], "http://proxy.local:9000/v2");
    assert_eq!(
        proxy["endpoints"]["tokenUrl"],
        "http://proxy.local:9000/oauth/token"
    );

    let goto = alias_urls(
        &app,
        create,
        json!({ "input": { "name": "goto", "vendor": "GOTO" } }),
    )
    .await;
    let goto = &goto.data()["createConnectionAlias"]["endpoints"];
    assert_eq!(goto["apiUrl"], "https://api.getgo.com");
    assert_eq!(goto["goToConnectUrl"], "https://api.goto.com");
    assert_eq!(
        goto["tokenUrl"],
        "https://authentication.logmeininc.com/oauth/token"
    );

    // One setting, not two; and a cloud belongs to its vendor.
    let both = alias_urls(&app, create, json!({ "input": { "name": "both", "vendor": "ZOOM", "cloud": "ZOOM_GOV", "baseUrl": "http://proxy.local" } })).await;
    assert_eq!(both.error_code(), "BAD_USER_INPUT");
    assert_eq!(both.error_field(), "cloud");
    let foreign = alias_urls(
        &app,
        create,
        json!({ "input": { "name": "foreign", "vendor": "GOTO", "cloud": "ZOOM_GOV" } }),
    )
    .await;
    assert_eq!(foreign.error_code(), "BAD_USER_INPUT");
    assert_eq!(foreign.error_field(), "cloud");

    // An empty root returns to the public cloud; setting a root forgets the cloud.
    let update = "mutation($id: ID!, $input: ConnectionAliasInput!) { updateConnectionAlias(id: $id, input: $input) { URLS } }";
    let back = alias_urls(
        &app,
        update,
        json!({ "id": gov["id"], "input": { "baseUrl": "" } }),
    )
    .await;
    let back = &back.data()["updateConnectionAlias"];
    assert_eq!(back["cloud"], Value::Null);
    assert_eq!(back["endpoints"]["tokenUrl"], "https://zoom.us/oauth/token");
    let rooted = alias_urls(
        &app,
        update,
        json!({ "id": gov["id"], "input": { "cloud": "ZOOM_GOV" } }),
    )
    .await;
    assert_eq!(rooted.data()["updateConnectionAlias"]["cloud"], "ZOOM_GOV");
}
db_test!(vendor_urls_follow_one_setting);
