//! Reclamation end to end, per vendor and database, through GraphQL against the
//! simulators: after the sync the candidates equal the vendor's truth of idle licensed
//! members; reclaiming them changes exactly those users at the vendor, once.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use entity::enums::{CandidateState, JobState};
use entity::{removal_candidate, software_subscription as sub};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use seatkeeper::graphql::relay::{expect_id, global_id};
use seatkeeper_sim::{Product, Simulator, Truth, UserRole};
use serde_json::{Value, json};

use crate::connectors::identifier;
use crate::helpers::{Db, TestApp};
use crate::jobs_support::wait_final;
use crate::sync_e2e::{app_and_sim, connect, create_profile, publish_first_run, run_and_wait};

pub const THRESHOLD: i64 = 60;

/// A published profile whose download and first activity pull (and so its evaluation)
/// have run.
pub async fn synced(db: Db, vendor: seatkeeper_sim::Vendor) -> (TestApp, Simulator, String, i64) {
    let (app, sim) = app_and_sim(db, vendor).await;
    let alias = connect(&app, &sim).await;
    let profile = create_profile(&app, vendor, &alias).await;
    publish_and_sync(app, sim, profile).await
}

/// `synced` for a 40-user tenant, with extra server settings and a look-back of its own.
pub async fn synced_with(
    db: Db,
    vendor: seatkeeper_sim::Vendor,
    settings: &[(&str, &str)],
    look_back_days: i32,
) -> (TestApp, Simulator, String, i64) {
    let sim = Simulator::start(
        seatkeeper_sim::SimConfig::new(vendor)
            .users(40)
            .seed(5)
            .rate_limit(seatkeeper_sim::RateLimitMode::Off),
    )
    .await
    .unwrap();
    let mut env = vec![("SEATKEEPER_VENDOR_RATE_LIMIT", "off")];
    env.extend_from_slice(settings);
    let app = crate::helpers::spawn_app_with(db, &env).await;
    let alias = connect(&app, &sim).await;
    let name = match vendor {
        seatkeeper_sim::Vendor::Zoom => "ZOOM",
        seatkeeper_sim::Vendor::GoTo => "GOTO",
        seatkeeper_sim::Vendor::Aha => "AHA",
    };
    let created = app
        .gql(
            "mutation($a: ID!, $v: Vendor!, $d: Int!) { createIntegrationProfile(input: { displayName: \"sim\", vendor: $v, aliasId: $a, activityLookBackDays: $d }) { id } }",
            json!({ "a": alias, "v": name, "d": look_back_days }),
        )
        .await;
    let profile = created.data()["createIntegrationProfile"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    publish_and_sync(app, sim, profile).await
}

/// Validates and publishes `profile`, then waits for its download and activity pull.
pub async fn publish_and_sync(
    app: TestApp,
    sim: Simulator,
    profile: String,
) -> (TestApp, Simulator, String, i64) {
    let profile_id = expect_id(&profile.as_str().into(), "IntegrationProfile", "id").unwrap();
    assert_eq!(
        publish_first_run(&app, &profile).await.state,
        JobState::Succeeded
    );
    // Publishing queued the first pull right after the download; this finds it (or runs
    // another, which evaluates again and must change nothing).
    let pull = run_and_wait(&app, "runPullActivity", &profile).await;
    assert_eq!(pull.state, JobState::Succeeded, "{:?}", pull.error);
    (app, sim, profile, profile_id)
}

/// (vendor user, identifier) of the seats a 60-day rule must flag: licensed members whose
/// product saw no qualifying activity for 60 days and who are older than that.
pub fn idle_truth(truth: &Truth) -> BTreeSet<(String, String)> {
    let cutoff = truth.now - Duration::days(THRESHOLD);
    // GoTo reports no creation date: its accounts' age is how long Seatkeeper has known
    // them, which the GoTo test sets back (see `known_for_long`).
    let dated = truth.vendor != seatkeeper_sim::Vendor::GoTo;
    let mut idle = BTreeSet::new();
    for u in &truth.users {
        if u.role != UserRole::Member || (dated && u.created_at > cutoff) {
            continue;
        }
        for s in &u.subscriptions {
            let counted = match s.product {
                Product::GoToTraining | Product::GoToAssist | Product::OpenVoice => continue,
                // Hosting a webinar keeps the Meetings licence in use too.
                Product::ZoomMeetings => s.last_activity.max(
                    u.subscription(Product::ZoomWebinar)
                        .and_then(|w| w.last_activity),
                ),
                _ => s.last_activity,
            };
            if counted.is_none_or(|t| t < cutoff) {
                idle.insert((u.id.clone(), identifier(s.product).to_owned()));
            }
        }
    }
    idle
}

/// Open candidates as (vendor user, identifier) with their ids, from the database.
pub async fn candidates(
    app: &TestApp,
    profile_id: i64,
) -> Vec<(String, String, removal_candidate::Model)> {
    let rows = removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile_id))
        .find_also_related(sub::Entity)
        .all(&app.state.db)
        .await
        .unwrap();
    rows.into_iter()
        .map(|(c, s)| {
            let s = s.expect("a candidate keeps its subscription");
            (s.external_user_id, s.identifier, c)
        })
        .collect()
}

pub async fn reclaim(app: &TestApp, ids: &[i64]) -> Value {
    let ids: Vec<String> = ids
        .iter()
        .map(|id| global_id("RemovalCandidate", *id).to_string())
        .collect();
    let resp = app
        .gql(
            "mutation($ids: [ID!]!) { reclaimRemovalCandidates(ids: $ids) { id candidate { state reclaimRunId } error { code message } } }",
            json!({ "ids": ids }),
        )
        .await;
    resp.data()["reclaimRemovalCandidates"].clone()
}

/// As if the profile's seats had first been downloaded a year ago.
pub async fn known_for_long(app: &TestApp, profile_id: i64) {
    use sea_orm::sea_query::Expr;
    sub::Entity::update_many()
        .col_expr(
            sub::Column::FirstSeenAt,
            Expr::value(Utc::now() - Duration::days(365)),
        )
        .filter(sub::Column::ProfileId.eq(profile_id))
        .exec(&app.state.db)
        .await
        .unwrap();
}

async fn whole_reclaim(db: Db, vendor: seatkeeper_sim::Vendor) {
    let (app, sim, profile, profile_id) = synced(db, vendor).await;
    if vendor == seatkeeper_sim::Vendor::GoTo {
        // Accounts first seen today are too new to judge: nothing is flagged yet.
        assert!(candidates(&app, profile_id).await.is_empty());
        known_for_long(&app, profile_id).await;
        let eval = app
            .gql(
                "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { flagged } }",
                json!({ "p": profile }),
            )
            .await;
        assert!(
            eval.data()["evaluateReclamationRules"]["flagged"]
                .as_i64()
                .unwrap()
                > 0
        );
    }
    let truth = sim.truth();
    let expected = idle_truth(&truth);
    assert!(!expected.is_empty(), "the tenant has idle seats to find");

    let found = candidates(&app, profile_id).await;
    let got: BTreeSet<(String, String)> = found
        .iter()
        .map(|(u, i, _)| (u.clone(), i.clone()))
        .collect();
    if got != expected {
        let why = app
            .gql(
                "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { flagged alreadyOpen coverageGaps { identifier reason seats } } }",
                json!({ "p": profile }),
            )
            .await;
        panic!(
            "candidates {got:?} != truth {expected:?}; evaluation now: {}",
            why.body
        );
    }
    assert!(
        found
            .iter()
            .all(|(_, _, c)| c.state == CandidateState::Ready)
    );

    // Evaluating again flags nothing twice.
    let again = app
        .gql(
            "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { flagged alreadyOpen coverageGaps { identifier seats } } }",
            json!({ "p": profile }),
        )
        .await;
    let again = &again.data()["evaluateReclamationRules"];
    assert_eq!(again["flagged"], 0);
    assert_eq!(again["alreadyOpen"], expected.len());
    assert_eq!(candidates(&app, profile_id).await.len(), expected.len());

    // A preview of the same settings tells the open ones apart from new ones too.
    let model = found[0].2.software_model_id.unwrap();
    let preview = app
        .gql(
            "query($m: ID!, $t: Int!) { previewReclamationRule(input: { softwareModelId: $m, inactivityThresholdDays: $t, sample: 1 }) { result { flagged alreadyOpen potentialSavings { amount } } sample { userPrincipalName } } }",
            json!({ "m": global_id("SoftwareModel", model).to_string(), "t": THRESHOLD }),
        )
        .await;
    let preview = &preview.data()["previewReclamationRule"];
    assert_eq!(preview["result"]["flagged"], 0, "{preview}");
    assert_eq!(
        preview["result"]["alreadyOpen"],
        found
            .iter()
            .filter(|(_, _, c)| c.software_model_id == Some(model))
            .count(),
        "{preview}"
    );
    assert_eq!(preview["sample"], json!([]), "nothing new to show");
    assert_eq!(preview["result"]["potentialSavings"], json!([]));

    // Evidence is typed and says what was examined.
    let one = app
        .gql(
            "query($p: ID!) { removalCandidates(profileId: $p, first: 1) { edges { node { evidence { thresholdDays windowFrom windowTo activityKinds checks costBasis { monthlyPriceMinor note } } history { from to actor } } } } }",
            json!({ "p": profile }),
        )
        .await;
    let node = &one.data()["removalCandidates"]["edges"][0]["node"];
    assert_eq!(node["evidence"]["thresholdDays"], THRESHOLD);
    assert!(
        node["evidence"]["costBasis"]["note"].is_string(),
        "no entitlement: zero with a note"
    );
    assert_eq!(node["history"][0]["to"], "READY");
    assert!(node["history"][0]["from"].is_null());

    // The last activity behind each verdict names its kind and vendor report.
    let listed = app
        .gql(
            "query($p: ID!) { removalCandidates(profileId: $p, first: 100) { edges { node { lastActivityAt lastActivity { at kind source } evidence { activityKinds } } } } }",
            json!({ "p": profile }),
        )
        .await;
    let mut with_activity = 0;
    for edge in listed.data()["removalCandidates"]["edges"]
        .as_array()
        .unwrap()
    {
        let node = &edge["node"];
        if node["lastActivityAt"].is_null() {
            assert!(node["lastActivity"].is_null());
            continue;
        }
        let last = &node["lastActivity"];
        let at = |v: &Value| {
            v.as_str()
                .unwrap()
                .parse::<chrono::DateTime<Utc>>()
                .unwrap()
        };
        assert_eq!(at(&last["at"]), at(&node["lastActivityAt"]), "{node}");
        assert!(!last["source"].as_str().unwrap().is_empty());
        assert!(
            node["evidence"]["activityKinds"]
                .as_array()
                .unwrap()
                .contains(&last["kind"]),
            "{node}"
        );
        with_activity += 1;
    }
    assert!(
        with_activity > 0,
        "some idle seats were used once, long ago"
    );

    // Reclaim them all.
    let ids: Vec<i64> = found.iter().map(|(_, _, c)| c.id).collect();
    let answers = reclaim(&app, &ids).await;
    let runs: BTreeSet<String> = answers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert!(a["error"].is_null(), "{a}");
            a["candidate"]["reclaimRunId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(runs.len(), 1, "one run per profile");
    let run_id = expect_id(&runs.iter().next().unwrap().as_str().into(), "JobRun", "id").unwrap();
    // A second request for the same ids finds them claimed.
    let twice = reclaim(&app, &ids).await;
    for a in twice.as_array().unwrap() {
        assert_eq!(a["error"]["code"], "CONFLICT", "{a}");
    }
    let run = wait_final(&app.state, run_id).await;
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);
    // A refusal by the vendor (Zoom: no Basic licence left to downgrade to) needs a person
    // and carries the vendor's message; everything else closed complete.
    let closed = candidates(&app, profile_id).await;
    let refused: BTreeSet<(String, String)> = closed
        .iter()
        .filter(|(_, _, c)| c.state == CandidateState::AttentionRequired)
        .map(|(u, i, c)| {
            assert!(
                c.attention_reason
                    .as_deref()
                    .is_some_and(|r| r.contains("vendor")),
                "{c:?}"
            );
            assert!(c.vendor_code.is_some(), "the vendor's code is kept: {c:?}");
            (u.clone(), i.clone())
        })
        .collect();
    let done: BTreeSet<(String, String)> = expected.difference(&refused).cloned().collect();
    assert_eq!(run.errors as usize, refused.len());
    // A Zoom downgrade takes the webinar add-on with it: that candidate finds its seat gone.
    assert_eq!(
        (run.reclaimed + run.skipped) as usize,
        done.len(),
        "{run:?}"
    );
    assert_eq!(run.canceled, 0);

    // Exactly those seats changed at the vendor, each once.
    let reclaimed: Vec<(String, String)> = sim
        .reclaimed()
        .into_iter()
        .map(|r| (r.user_id, identifier(r.product).to_owned()))
        .collect();
    assert_eq!(reclaimed.len(), done.len(), "{reclaimed:?}");
    assert_eq!(reclaimed.into_iter().collect::<BTreeSet<_>>(), done);
    let after = sim.truth();
    for (user, ident) in &done {
        let u = after.user(user).unwrap();
        assert!(
            u.subscriptions
                .iter()
                .all(|s| identifier(s.product) != ident),
            "{user} still holds {ident}"
        );
    }
    for (u, i, c) in closed {
        if done.contains(&(u, i)) {
            assert_eq!(c.state, CandidateState::ClosedComplete);
            assert!(c.reclaimed_at.is_some());
        }
    }
    let open_subs = sub::Entity::find()
        .filter(sub::Column::ProfileId.eq(profile_id))
        .filter(sub::Column::ClosedAt.is_null())
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        open_subs
            .iter()
            .all(|s| !done.contains(&(s.external_user_id.clone(), s.identifier.clone())))
    );
    assert!(Utc::now() > run.started_at.unwrap());
}

macro_rules! vendor_reclaims {
    ($($name:ident: $vendor:expr),+ $(,)?) => {
        $(mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                whole_reclaim(Db::Sqlite, $vendor).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                whole_reclaim(Db::Postgres, $vendor).await;
            }
        })+
    };
}

vendor_reclaims! {
    zoom_idle_seats_are_flagged_and_reclaimed_once: seatkeeper_sim::Vendor::Zoom,
    goto_idle_seats_are_flagged_and_reclaimed_once: seatkeeper_sim::Vendor::GoTo,
    aha_idle_seats_are_flagged_and_reclaimed_once: seatkeeper_sim::Vendor::Aha,
}
