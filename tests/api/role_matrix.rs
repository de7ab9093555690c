//! Every mutation against every role: the ones a role may not run answer `FORBIDDEN`, the
//! ones it may run get past the guard. A mutation missing from the table fails the test,
//! so a new mutation cannot ship without a decision on who may run it.

use serde_json::json;

use crate::db_test;
use crate::helpers::TestApp;

const MODEL: &str = r#"{ publisher: "P", product: "Q", vendor: ZOOM }"#;

/// (mutation, role that may run it, an operation calling it).
fn table() -> Vec<(&'static str, &'static str, String)> {
    let id = r#"id: "eA""#;
    vec![
        ("createApiToken", "ADMIN", r#"createApiToken(name: "m", role: VIEWER) { token }"#.into()),
        ("revokeApiToken", "ADMIN", format!("revokeApiToken({id}) {{ name }}")),
        ("createIntegrationProfile", "INTEGRATOR", r#"createIntegrationProfile(input: { displayName: "p", vendor: ZOOM }) { id }"#.into()),
        ("updateIntegrationProfile", "INTEGRATOR", format!("updateIntegrationProfile({id}, input: {{}}) {{ id }}")),
        ("deleteIntegrationProfile", "INTEGRATOR", format!("deleteIntegrationProfile({id})")),
        ("createConnectionAlias", "INTEGRATOR", r#"createConnectionAlias(input: { vendor: ZOOM }) { id }"#.into()),
        ("updateConnectionAlias", "INTEGRATOR", format!("updateConnectionAlias({id}, input: {{}}) {{ id }}")),
        ("setConnectionCredentials", "INTEGRATOR", r#"setConnectionCredentials(aliasId: "eA") { id }"#.into()),
        ("deleteConnectionAlias", "INTEGRATOR", format!("deleteConnectionAlias({id})")),
        ("startOAuthAuthorization", "INTEGRATOR", r#"startOAuthAuthorization(aliasId: "eA")"#.into()),
        ("validateConnection", "INTEGRATOR", r#"validateConnection(profileId: "eA") { ok }"#.into()),
        ("publishIntegrationProfile", "INTEGRATOR", r#"publishIntegrationProfile(profileId: "eA") { firstRun { id } }"#.into()),
        (
            "mapUnrecognizedSubscriptionIdentifier",
            "ADMIN",
            r#"mapUnrecognizedSubscriptionIdentifier(id: "eA", softwareModelId: "eA") { subscriptionsRepointed }"#.into(),
        ),
        ("createSoftwareModel", "ADMIN", format!("createSoftwareModel(input: {MODEL}) {{ id }}")),
        ("updateSoftwareModel", "ADMIN", format!("updateSoftwareModel({id}, input: {{}}) {{ id }}")),
        (
            "createEntitlement",
            "ADMIN",
            r#"createEntitlement(input: { softwareModelId: "eA", name: "e", purchasedRights: 1, unitCost: "1.00", currency: "USD", periodStart: "2026-01-01", periodEnd: "2026-12-31" }) { id }"#.into(),
        ),
        ("updateEntitlement", "ADMIN", format!("updateEntitlement({id}, input: {{}}) {{ id }}")),
        ("deleteEntitlement", "ADMIN", format!("deleteEntitlement({id})")),
        ("createReclamationRule", "ADMIN", r#"createReclamationRule(input: { softwareModelId: "eA" }) { id }"#.into()),
        ("updateReclamationRule", "ADMIN", format!("updateReclamationRule({id}, input: {{}}) {{ id }}")),
        ("deleteReclamationRule", "ADMIN", format!("deleteReclamationRule({id})")),
        (
            "createSubscriptionIdentifierExclusion",
            "ADMIN",
            r#"createSubscriptionIdentifierExclusion(input: { vendor: ZOOM, identifier: "x" }) { id }"#.into(),
        ),
        ("updateSubscriptionIdentifierExclusion", "ADMIN", format!("updateSubscriptionIdentifierExclusion({id}, input: {{}}) {{ id }}")),
        ("deleteSubscriptionIdentifierExclusion", "ADMIN", format!("deleteSubscriptionIdentifierExclusion({id})")),
        (
            "createSubscriptionUserExclusion",
            "ADMIN",
            r#"createSubscriptionUserExclusion(input: { userPrincipalName: "vip@example.com" }) { id }"#.into(),
        ),
        ("updateSubscriptionUserExclusion", "ADMIN", format!("updateSubscriptionUserExclusion({id}, input: {{}}) {{ id }}")),
        ("deleteSubscriptionUserExclusion", "ADMIN", format!("deleteSubscriptionUserExclusion({id})")),
        ("runDownloadSubscriptions", "INTEGRATOR|ADMIN", r#"runDownloadSubscriptions(profileId: "eA") { id }"#.into()),
        ("runPullActivity", "INTEGRATOR|ADMIN", r#"runPullActivity(profileId: "eA") { id }"#.into()),
        ("runReconciliation", "ADMIN", "runReconciliation { id }".into()),
        ("evaluateReclamationRules", "RECLAIMER|ADMIN", r#"evaluateReclamationRules(profileId: "eA") { flagged }"#.into()),
        ("reclaimRemovalCandidates", "RECLAIMER", r#"reclaimRemovalCandidates(ids: ["eA"]) { id }"#.into()),
        ("approveRemovalCandidates", "RECLAIMER", r#"approveRemovalCandidates(ids: ["eA"]) { id }"#.into()),
        ("rejectRemovalCandidates", "RECLAIMER", r#"rejectRemovalCandidates(ids: ["eA"]) { id }"#.into()),
        ("skipRemovalCandidates", "RECLAIMER", r#"skipRemovalCandidates(ids: ["eA"]) { id }"#.into()),
        ("completeRemovalCandidates", "RECLAIMER", r#"completeRemovalCandidates(ids: ["eA"]) { id }"#.into()),
        ("retryRemovalCandidates", "RECLAIMER", r#"retryRemovalCandidates(ids: ["eA"]) { id }"#.into()),
        ("restoreReclaimedSubscription", "RECLAIMER", r#"restoreReclaimedSubscription(candidateId: "eA") { id }"#.into()),
    ]
}

/// Whether `holder` includes `needed` (admin includes reclaimer; every role includes viewer);
/// `needed` may list alternatives: `INTEGRATOR|ADMIN`.
fn grants(holder: &str, needed: &str) -> bool {
    needed.split('|').any(|needed| {
        holder == needed || needed == "VIEWER" || (holder == "ADMIN" && needed == "RECLAIMER")
    })
}

async fn every_role_meets_every_mutation(app: TestApp) {
    let schema = app
        .gql(
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let mut declared: Vec<String> = schema.data()["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    declared.sort();
    let table = table();
    let mut covered: Vec<String> = table
        .iter()
        .map(|(name, _, _)| (*name).to_owned())
        .collect();
    covered.sort();
    assert_eq!(
        covered, declared,
        "the role matrix must list every mutation"
    );

    for role in ["VIEWER", "RECLAIMER", "ADMIN", "INTEGRATOR"] {
        let token = app.token_with(role).await;
        for (name, needed, call) in &table {
            let resp = app
                .gql_as(Some(&token), &format!("mutation {{ {call} }}"), json!({}))
                .await;
            let code = resp.body["errors"][0]["extensions"]["code"].as_str();
            if grants(role, needed) {
                assert!(
                    !matches!(code, Some("FORBIDDEN") | Some("UNAUTHENTICATED")),
                    "{role} may run {name}: {}",
                    resp.body
                );
                assert_ne!(code, Some("INTERNAL"), "{role} {name}: {}", resp.body);
            } else {
                assert_eq!(
                    code,
                    Some("FORBIDDEN"),
                    "{role} may not run {name}: {}",
                    resp.body
                );
            }
        }
    }
}
db_test!(every_role_meets_every_mutation);
