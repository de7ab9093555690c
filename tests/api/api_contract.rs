//! The API as an integrator meets it: keys in the order asked, limits that refuse with
//! the limit they hit, and every error JSON with `extensions.code`.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{ADMIN_TOKEN, Db, TestApp, spawn_app, spawn_app_with};

/// The keys of a JSON object, in the order the body carried them.
fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object, got {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// The response body as text, parsed keeping key order (serde_json's `preserve_order`
/// is not enabled here, so the order is read off the text itself).
async fn raw(app: &TestApp, query: &str) -> String {
    app.client
        .post(app.graphql_url())
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Where each of `needles` first occurs in `text`, asserting they come in that order.
fn assert_in_order(text: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        let at = text[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} after byte {from} in {text}"));
        from += at + needle.len();
    }
}

async fn response_keys_follow_the_selection_set(app: TestApp) {
    // Root fields served by three different resolvers, the slow ones (counts) asked last
    // and first, aliases interleaved, a fragment and an inline fragment in the middle.
    let query = r#"
        query {
          tokensFirst: apiTokens(first: 1) { totalCount }
          viewer { roles role }
          ...Profiles
          ... on QueryRoot { aliasCount: connectionAliases(first: 1) { totalCount pageInfo { hasNextPage } } }
          me: viewer { role }
          apiTokens(first: 1) { totalCount edges { node { name id } cursor } }
        }
        fragment Profiles on QueryRoot {
          integrationProfiles(first: 1) { pageInfo { hasNextPage } totalCount }
        }"#;
    for _ in 0..5 {
        let text = raw(&app, query).await;
        assert!(!text.contains("\"errors\""), "{text}");
        assert_in_order(
            &text,
            &[
                "\"tokensFirst\"",
                "\"viewer\":{\"roles\"",
                "\"role\"",
                "\"integrationProfiles\":{\"pageInfo\"",
                "\"totalCount\"",
                "\"aliasCount\":{\"totalCount\"",
                "\"pageInfo\"",
                "\"me\"",
                "\"apiTokens\":{\"totalCount\"",
                "\"edges\":[{\"node\":{\"name\"",
                "\"id\"",
                "\"cursor\"",
            ],
        );
    }
    // The parsed form agrees at the root.
    let parsed: Value = serde_json::from_str(&raw(&app, "{ viewer { role } }").await).unwrap();
    assert_eq!(keys(&parsed["data"]), ["viewer"]);
}
db_test!(response_keys_follow_the_selection_set);

async fn a_thousand_aliased_counts_are_refused_before_they_run(app: TestApp) {
    let aliases: String = (0..1000)
        .map(|i| {
            format!(
                "a{i}: softwareSubscriptions(inactiveForDays: 60, userPrincipalName: \"e\") {{ totalCount }} "
            )
        })
        .collect();
    let resp = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(resp.error_code(), "TOO_MANY_ROOT_FIELDS", "{}", resp.body);
    let message = resp.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("1000") && message.contains("20"),
        "{message}"
    );
    assert!(resp.body.get("data").is_none());

    // Twenty are within the limit and run.
    let twenty: String = (0..20)
        .map(|i| format!("a{i}: softwareSubscriptions(userPrincipalName: \"e\") {{ totalCount }} "))
        .collect();
    let resp = app.gql(&format!("{{ {twenty} }}"), json!({})).await;
    assert_eq!(resp.data()["a19"]["totalCount"], 0);

    // Counts weigh what they cost: twenty counts over pages of 500 are refused as too
    // complex, with the limit in the message.
    let heavy: String = (0..20)
        .map(|i| format!("a{i}: softwareSubscriptions(first: 500) {{ totalCount }} "))
        .collect();
    let resp = app.gql(&format!("{{ {heavy} }}"), json!({})).await;
    assert_eq!(resp.error_code(), "QUERY_TOO_COMPLEX", "{}", resp.body);
    assert!(
        resp.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("50000")
    );
}
db_test!(a_thousand_aliased_counts_are_refused_before_they_run);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_operations_are_refused_at_the_documented_depth() {
    let app = spawn_app(Db::Sqlite).await;
    for (levels, refused) in [(15, false), (16, true), (50, true), (100, true)] {
        let query = introspection_chain(levels);
        let resp = app.gql(&query, json!({})).await;
        if refused {
            assert_eq!(
                resp.error_code(),
                "QUERY_TOO_DEEP",
                "{levels}: {}",
                resp.body
            );
            assert!(
                resp.body["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("15"),
                "{}",
                resp.body
            );
        } else {
            resp.data();
        }
    }
}

/// An introspection query nesting `levels` fields deep, its leaf included: `__schema {
/// types { fields { type { ofType { ofType … { name } } } } } }`.
fn introspection_chain(levels: usize) -> String {
    assert!(levels >= 5);
    let mut inner = String::from("name");
    for _ in 0..levels - 5 {
        inner = format!("ofType {{ {inner} }}");
    }
    format!("{{ __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}")
}

async fn oversized_pages_name_the_cap(app: TestApp) {
    for first in [501, 100_000] {
        let resp = app
            .gql(
                &format!("{{ softwareSubscriptions(first: {first}) {{ totalCount }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(
            resp.error_code(),
            "BAD_USER_INPUT",
            "{first}: {}",
            resp.body
        );
        assert_eq!(resp.error_field(), "first");
        assert!(
            resp.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("500"),
            "{}",
            resp.body
        );
    }
    // An Int literal out of range names its argument too.
    let resp = app
        .gql(
            "{ softwareSubscriptions(first: 99999999999) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(resp.error_code(), "BAD_USER_INPUT", "{}", resp.body);
    assert_eq!(resp.error_field(), "first", "{}", resp.body);
    // So does a variable out of range: the argument it was given to.
    let resp = app
        .gql(
            "query($n: Int) { softwareSubscriptions(first: $n) { totalCount } }",
            json!({ "n": 99_999_999_999_i64 }),
        )
        .await;
    assert_eq!(resp.error_code(), "BAD_USER_INPUT", "{}", resp.body);
    assert_eq!(resp.error_field(), "first", "{}", resp.body);
    // Ids of the wrong type say which type, with the right article.
    let resp = app
        .gql(
            "{ softwareSubscriptions(profileId: \"QXBpVG9rZW46MQ\") { totalCount } }",
            json!({}),
        )
        .await;
    let message = resp.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("an IntegrationProfile"), "{}", resp.body);
}
db_test!(oversized_pages_name_the_cap);

async fn status(resp: reqwest::Response) -> (u16, String, Value) {
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, ct, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_actix_answers_itself_are_json_too() {
    let app = spawn_app(Db::Sqlite).await;
    let big = format!(
        r#"{{"query":"{{ viewer {{ role }} }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(20 * 1024 * 1024)
    );
    let resp = app
        .client
        .post(app.graphql_url())
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let (code, ct, body) = status(resp).await;
    assert_eq!(code, 413);
    assert!(ct.starts_with("application/json"), "{ct}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");

    let resp = app
        .client
        .put(app.graphql_url())
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let allow = resp.headers()["allow"].to_str().unwrap().to_owned();
    let (code, ct, body) = status(resp).await;
    assert_eq!((code, allow.as_str()), (405, "GET, POST"));
    assert!(ct.starts_with("application/json"), "{ct}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );

    let resp = app
        .client
        .post(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let (code, _, body) = status(resp).await;
    assert_eq!(code, 405);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );

    let resp = app
        .client
        .get(format!("{}/no/such/thing", app.address))
        .send()
        .await
        .unwrap();
    let (code, _, body) = status(resp).await;
    assert_eq!(code, 404);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

async fn unknown_and_revoked_tokens_say_invalid_token(app: TestApp) {
    let missing = app.gql_as(None, "{ viewer { role } }", json!({})).await;
    assert_eq!(missing.status, 401);
    assert!(
        missing.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("authentication required")
    );

    let unknown = app
        .gql_as(
            Some("sk_not_a_token_at_all"),
            "{ viewer { role } }",
            json!({}),
        )
        .await;
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.error_code(), "UNAUTHENTICATED");
    assert!(
        unknown.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid token"),
        "{}",
        unknown.body
    );

    let created = app
        .gql(
            "mutation { createApiToken(name: \"short-lived\", role: VIEWER) { token apiToken { id } } }",
            json!({}),
        )
        .await;
    let token = created.data()["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = created.data()["createApiToken"]["apiToken"]["id"].clone();
    app.gql_as(Some(&token), "{ viewer { role } }", json!({}))
        .await
        .data();
    app.gql(
        "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .data();
    let revoked = app
        .client
        .post(app.graphql_url())
        .bearer_auth(&token)
        .json(&json!({ "query": "{ viewer { role } }" }))
        .send()
        .await
        .unwrap();
    let challenge = revoked.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(challenge, "Bearer error=\"invalid_token\"");
    let (code, _, body) = status(revoked).await;
    assert_eq!(code, 401);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid token"),
        "{body}"
    );
}
db_test!(unknown_and_revoked_tokens_say_invalid_token);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_require_a_scrape_token() {
    let open = spawn_app(Db::Sqlite).await;
    let resp = open
        .client
        .get(format!("{}/metrics", open.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "open by default");

    const SCRAPE: &str = "scrape-token-0123456789";
    let guarded = spawn_app_with(Db::Sqlite, &[("SEATKEEPER_METRICS_TOKEN", SCRAPE)]).await;
    let url = format!("{}/metrics", guarded.address);
    for token in [None, Some("wrong-token-0123456789"), Some(ADMIN_TOKEN)] {
        let mut req = guarded.client.get(&url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let (code, ct, body) = status(req.send().await.unwrap()).await;
        assert_eq!(code, 401, "{token:?}");
        assert!(ct.starts_with("application/json"));
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    let resp = guarded
        .client
        .get(&url)
        .bearer_auth(SCRAPE)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.contains("seatkeeper_"), "{text}");
}
