//! Failures in the vendor's own words: a run refused by the vendor fails with a code to
//! group by, the vendor's code and message, and a hint for that vendor only; validation
//! names the vendor's code for a 404 too.

use entity::enums::JobState;
use seatkeeper::domain::job_runs::{error_code, vendor_error_code};
use seatkeeper::domain::run_errors::RunErrorCode;
use seatkeeper_sim::{Fault, Vendor as SimVendor};
use serde_json::json;

use crate::helpers::{Db, TestApp};
use crate::sync_e2e::run_and_wait;
use crate::sync_faults::published;

async fn alias_id(app: &TestApp) -> String {
    let resp = app
        .gql("{ connectionAliases { edges { node { id } } } }", json!({}))
        .await;
    resp.data()["connectionAliases"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Credentials the vendor refuses from now on: Zoom, a wrong client secret with the
/// access token revoked (the new token request fails); GoTo, every grant withdrawn (the
/// refresh fails: a new secret would only have sent the alias back to authorization);
/// Aha!, a wrong API key.
async fn break_credentials(app: &TestApp, sim: &seatkeeper_sim::Simulator) {
    let alias = alias_id(app).await;
    let set = |field: &str| {
        format!(
            "mutation($a: ID!) {{ setConnectionCredentials(aliasId: $a, {field}: \"not-it\") {{ id }} }}"
        )
    };
    match sim.vendor() {
        SimVendor::Zoom => {
            app.gql(&set("clientSecret"), json!({ "a": alias }))
                .await
                .data();
            sim.set_fault(Fault::RevokeTokens { after: 0 }).unwrap();
        }
        SimVendor::GoTo => sim.revoke_grants(),
        SimVendor::Aha => {
            app.gql(&set("accessToken"), json!({ "a": alias }))
                .await
                .data();
        }
    }
}

async fn refused_credentials_fail_the_run_in_the_vendors_words(db: Db) {
    let hints = [
        (SimVendor::Zoom, "Zoom Marketplace"),
        (SimVendor::GoTo, "startOAuthAuthorization"),
        (SimVendor::Aha, "Settings → Personal"),
    ];
    for (vendor, hint) in hints {
        let (app, sim, profile, _) = published(db, vendor, 60).await;
        break_credentials(&app, &sim).await;
        let run = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
        assert_eq!(run.state, JobState::Failed, "{vendor:?}");
        assert_eq!(
            error_code(&run),
            Some(RunErrorCode::Unauthorized),
            "{vendor:?}: {:?}",
            run.error
        );
        let message = run.error.clone().unwrap_or_default();
        assert!(
            vendor_error_code(&run).is_some(),
            "{vendor:?} sent a code: {message}"
        );
        assert!(
            !message.contains("HTTP 401"),
            "the vendor's words: {message}"
        );
        assert!(message.contains(hint), "{vendor:?}'s own hint: {message}");
        for (_, other) in hints.iter().filter(|(v, _)| *v != vendor) {
            assert!(
                !message.contains(other),
                "no other vendor's hint: {message}"
            );
        }

        // The API shows the same, as codes a dashboard can group by.
        let id = seatkeeper::graphql::relay::global_id("JobRun", run.id);
        let node = app
            .gql(
                "query($id: ID!) { node(id: $id) { ... on JobRun { errorCode vendorErrorCode error } } }",
                json!({ "id": id }),
            )
            .await;
        let node = &node.data()["node"];
        assert_eq!(node["errorCode"], "UNAUTHORIZED");
        assert_eq!(node["vendorErrorCode"], json!(vendor_error_code(&run)));
    }
}

async fn a_goto_not_found_at_validation_names_the_vendors_code(db: Db) {
    let (app, sim, profile, _) = published(db, SimVendor::GoTo, 60).await;
    let alias = alias_id(&app).await;
    let resp = app
        .gql(
            "mutation($a: ID!, $input: ConnectionAliasInput!) { updateConnectionAlias(id: $a, input: $input) { id } }",
            json!({ "a": alias, "input": { "baseUrl": format!("{}/moved", sim.base_url()) } }),
        )
        .await;
    resp.data();
    let check = app
        .gql(
            "mutation($p: ID!) { validateConnection(profileId: $p) { ok checks { ok message vendorCode } } }",
            json!({ "p": profile }),
        )
        .await;
    let checks = check.data()["validateConnection"]["checks"]
        .as_array()
        .unwrap()
        .clone();
    let failed = checks
        .iter()
        .find(|c| c["ok"] == false)
        .unwrap_or_else(|| panic!("a check failed: {checks:?}"));
    assert_eq!(failed["vendorCode"], "NOT_FOUND", "{failed}");
    let message = failed["message"].as_str().unwrap();
    assert!(message.starts_with("GoTo:"), "{message}");
    assert!(
        !message.contains("Aha!"),
        "no other vendor's hint: {message}"
    );
}

crate::db_kind_test!(
    refused_credentials_fail_the_run_in_the_vendors_words,
    a_goto_not_found_at_validation_names_the_vendors_code,
);
