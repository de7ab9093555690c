//! Reclamation moves as a reclaimer meets them, on both databases against the simulators:
//! a reclaim-off profile and an excluded user are never touched, returning activity
//! cancels, concurrent reclaims of the same seats reclaim each once, a vendor outage lands
//! in ATTENTION_REQUIRED and `retry` succeeds once it is over, restore gives the seat back,
//! approval gates, and no verdict without evidence.

use std::collections::BTreeMap;

use entity::enums::{CandidateState, JobState};
use entity::removal_candidate;
use sea_orm::EntityTrait;
use seatkeeper::graphql::relay::{expect_id, global_id};
use seatkeeper_sim::{Fault, Product, Vendor};
use serde_json::{Value, json};

use crate::helpers::{Db, TestApp};
use crate::jobs_support::wait_final;
use crate::reclamation::{candidates, reclaim, synced, synced_with};
use crate::sync_e2e::run_and_wait;

fn gid(id: i64) -> String {
    global_id("RemovalCandidate", id).to_string()
}

async fn state_of(app: &TestApp, id: i64) -> removal_candidate::Model {
    removal_candidate::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// Calls a batch mutation on `ids` and returns its answers.
async fn batch(app: &TestApp, mutation: &str, ids: &[i64]) -> Vec<Value> {
    let ids: Vec<String> = ids.iter().map(|i| gid(*i)).collect();
    let resp = app
        .gql(
            &format!("mutation($ids: [ID!]!) {{ {mutation}(ids: $ids) {{ id candidate {{ state reclaimRunId }} error {{ code message }} }} }}"),
            json!({ "ids": ids }),
        )
        .await;
    resp.data()[mutation].as_array().unwrap().clone()
}

/// Turns every rule's cooldown off, so seats skipped here may be flagged again at once.
async fn no_cooldown(app: &TestApp) {
    let rules = app
        .gql(
            "{ reclamationRules(first: 50) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    for edge in rules.data()["reclamationRules"]["edges"]
        .as_array()
        .unwrap()
    {
        app.gql(
            "mutation($r: ID!) { updateReclamationRule(id: $r, input: { cooldownDays: 0 }) { id } }",
            json!({ "r": edge["node"]["id"] }),
        )
        .await
        .data();
    }
}

/// Waits for the reclaim run an answer names.
async fn wait_run(app: &TestApp, answer: &Value) -> entity::job_run::Model {
    let run = answer["candidate"]["reclaimRunId"].as_str().unwrap();
    let id = expect_id(&run.into(), "JobRun", "id").unwrap();
    wait_final(&app.state, id).await
}

async fn reclaim_off_exclusions_activity_concurrency_and_restore(db: Db) {
    let (app, sim, profile, profile_id) = synced(db, Vendor::Aha).await;
    let found = candidates(&app, profile_id).await;
    assert!(found.len() >= 5, "{} candidates", found.len());
    let ids: Vec<i64> = found.iter().map(|(_, _, c)| c.id).collect();
    let user_of: BTreeMap<i64, String> = found.iter().map(|(u, _, c)| (c.id, u.clone())).collect();

    // Reclaim switched off: tracked, but nothing reaches the vendor.
    let off = app
        .gql(
            "mutation($p: ID!) { updateIntegrationProfile(id: $p, input: { reclaim: false }) { reclaim } }",
            json!({ "p": profile }),
        )
        .await;
    assert_eq!(off.data()["updateIntegrationProfile"]["reclaim"], false);
    let refused = reclaim(&app, &ids[..1]).await;
    assert_eq!(refused[0]["error"]["code"], "CONFLICT");
    assert!(
        refused[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("switched off")
    );
    assert_eq!(state_of(&app, ids[0]).await.state, CandidateState::Ready);
    app.gql(
        "mutation($p: ID!) { updateIntegrationProfile(id: $p, input: { reclaim: true }) { reclaim } }",
        json!({ "p": profile }),
    )
    .await
    .data();

    // An exclusion from reclaim made after flagging closes the candidate.
    let excluded = &found[0].2;
    app.gql(
        "mutation($u: String!) { createSubscriptionUserExclusion(input: { userPrincipalName: $u, excludeFromCost: false }) { id } }",
        json!({ "u": excluded.user_principal_name }),
    )
    .await
    .data();
    let download = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
    assert_eq!(download.state, JobState::Succeeded, "{:?}", download.error);
    // Activity that comes back cancels.
    sim.record_activity(&user_of[&ids[1]], Product::AhaRoadmaps, sim.now())
        .unwrap();
    let pull = run_and_wait(&app, "runPullActivity", &profile).await;
    assert_eq!(pull.state, JobState::Succeeded, "{:?}", pull.error);
    let excluded = state_of(&app, ids[0]).await;
    assert_eq!(
        excluded.state,
        CandidateState::ClosedSkipped,
        "{excluded:?}"
    );
    assert!(excluded.close_reason.unwrap().contains("excluded"));
    let canceled = state_of(&app, ids[1]).await;
    assert_eq!(
        canceled.state,
        CandidateState::ClosedCanceled,
        "{canceled:?}"
    );

    // Two reclaims of the same seats at once: each seat is claimed and reclaimed once.
    let pair = [ids[2], ids[3]];
    let (a, b) = tokio::join!(reclaim(&app, &pair), reclaim(&app, &pair));
    let mut runs = Vec::new();
    for i in 0..2 {
        let answers = [&a[i], &b[i]];
        let won: Vec<_> = answers.iter().filter(|x| x["error"].is_null()).collect();
        assert_eq!(won.len(), 1, "exactly one claim per seat: {answers:?}");
        let lost = answers.iter().find(|x| !x["error"].is_null()).unwrap();
        assert_eq!(lost["error"]["code"], "CONFLICT");
        runs.push(wait_run(&app, won[0]).await);
    }
    assert!(runs.iter().all(|r| r.state == JobState::Succeeded));
    let reclaimed: Vec<String> = sim.reclaimed().into_iter().map(|r| r.user_id).collect();
    let mut expected = vec![user_of[&ids[2]].clone(), user_of[&ids[3]].clone()];
    expected.sort();
    let mut got = reclaimed.clone();
    got.sort();
    assert_eq!(got, expected, "only the claimed seats, each once");

    // Restore gives the seat back and reopens the subscription; a second restore is refused.
    let restored = app
        .gql(
            "mutation($c: ID!) { restoreReclaimedSubscription(candidateId: $c) { state realisedSavingsMinor history { from to actor } subscription { closedAt } } }",
            json!({ "c": gid(ids[2]) }),
        )
        .await;
    let r = &restored.data()["restoreReclaimedSubscription"];
    assert_eq!(r["state"], "CLOSED_SKIPPED");
    assert!(r["realisedSavingsMinor"].is_null());
    assert!(r["subscription"]["closedAt"].is_null(), "{r}");
    let moves: Vec<(Value, Value)> = r["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("READY")),
            (json!("READY"), json!("RECLAIMING")),
            (json!("RECLAIMING"), json!("CLOSED_COMPLETE")),
            (json!("CLOSED_COMPLETE"), json!("CLOSED_SKIPPED")),
        ]
    );
    let holder = sim.truth();
    let holder = holder.user(&user_of[&ids[2]]).unwrap();
    assert!(
        holder.subscription(Product::AhaRoadmaps).is_some(),
        "the seat is back"
    );
    let again = app
        .gql(
            "mutation($c: ID!) { restoreReclaimedSubscription(candidateId: $c) { state } }",
            json!({ "c": gid(ids[2]) }),
        )
        .await;
    assert_eq!(again.error_code(), "CONFLICT");
    // A vendor with no free seat refuses the restore: VENDOR_ERROR, nothing changes.
    let holders = sim.truth().holders(Product::AhaRoadmaps).count() as u32;
    sim.set_seat_limit(Product::AhaRoadmaps, Some(holders))
        .unwrap();
    let full = app
        .gql(
            "mutation($c: ID!) { restoreReclaimedSubscription(candidateId: $c) { state } }",
            json!({ "c": gid(ids[3]) }),
        )
        .await;
    assert_eq!(full.error_code(), "VENDOR_ERROR", "{}", full.body);
    assert_eq!(
        state_of(&app, ids[3]).await.state,
        CandidateState::ClosedComplete
    );
    sim.set_seat_limit(Product::AhaRoadmaps, None).unwrap();

    // Skip, then a move the state does not allow names the state.
    let skipped = batch(&app, "skipRemovalCandidates", &ids[4..5]).await;
    assert_eq!(skipped[0]["candidate"]["state"], "CLOSED_SKIPPED");
    let twice = batch(&app, "skipRemovalCandidates", &ids[4..5]).await;
    assert_eq!(twice[0]["error"]["code"], "CONFLICT");
    assert!(
        twice[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("CLOSED_SKIPPED")
    );

    // The excluded and the re-activated users were never touched at the vendor.
    for untouched in [&user_of[&ids[0]], &user_of[&ids[1]]] {
        assert!(!reclaimed.contains(untouched));
    }
}

async fn outage_then_retry_and_approval(db: Db) {
    // No vendor retries, so the outage reaches the candidate at once.
    let (app, sim, profile, profile_id) =
        synced_with(db, Vendor::Aha, &[("SEATKEEPER_VENDOR_RETRIES", "0")], 365).await;
    let ids: Vec<i64> = candidates(&app, profile_id)
        .await
        .iter()
        .map(|(_, _, c)| c.id)
        .collect();
    assert!(ids.len() >= 3);

    sim.set_fault(Fault::ServerError {
        status: 503,
        times: None,
    })
    .unwrap();
    let answer = reclaim(&app, &ids[..1]).await;
    assert_eq!(wait_run(&app, &answer[0]).await.errors, 1);
    let failed = state_of(&app, ids[0]).await;
    assert_eq!(failed.state, CandidateState::AttentionRequired);
    assert!(failed.attention_reason.unwrap().contains("unavailable"));
    assert!(sim.reclaimed().is_empty());
    // Reclaiming it again is refused until someone retries it.
    assert_eq!(
        reclaim(&app, &ids[..1]).await[0]["error"]["code"],
        "CONFLICT"
    );
    sim.clear_faults();
    let retried = batch(&app, "retryRemovalCandidates", &ids[..1]).await;
    assert_eq!(retried[0]["candidate"]["state"], "READY");
    let answer = reclaim(&app, &ids[..1]).await;
    assert_eq!(wait_run(&app, &answer[0]).await.reclaimed, 1);
    assert_eq!(
        state_of(&app, ids[0]).await.state,
        CandidateState::ClosedComplete
    );
    assert_eq!(sim.reclaimed().len(), 1);

    // A rule that requires approval: new candidates wait for an approver.
    let rule = app
        .gql(
            "{ reclamationRules(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let rule = rule.data()["reclamationRules"]["edges"][0]["node"]["id"].clone();
    app.gql(
        "mutation($r: ID!) { updateReclamationRule(id: $r, input: { requireApproval: true }) { requireApproval } }",
        json!({ "r": rule }),
    )
    .await
    .data();
    no_cooldown(&app).await;
    batch(&app, "skipRemovalCandidates", &ids[1..]).await;
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
            >= 2
    );
    let waiting: Vec<i64> = candidates(&app, profile_id)
        .await
        .iter()
        .filter(|(_, _, c)| c.state == CandidateState::AwaitingApproval)
        .map(|(_, _, c)| c.id)
        .collect();
    assert!(waiting.len() >= 2);
    let early = reclaim(&app, &waiting[..1]).await;
    assert!(
        early[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AWAITING_APPROVAL")
    );
    let approved = batch(&app, "approveRemovalCandidates", &waiting[..1]).await;
    assert_eq!(approved[0]["candidate"]["state"], "READY");
    let rejected = batch(&app, "rejectRemovalCandidates", &waiting[1..2]).await;
    assert_eq!(rejected[0]["candidate"]["state"], "CLOSED_SKIPPED");
}

async fn no_verdict_without_evidence(db: Db) {
    // 30 days of activity cannot support a 60-day verdict.
    let (app, _sim, profile, profile_id) = synced_with(db, Vendor::Zoom, &[], 30).await;
    assert!(candidates(&app, profile_id).await.is_empty());
    let eval = app
        .gql(
            "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { flagged coverageGaps { identifier reason seats } } }",
            json!({ "p": profile }),
        )
        .await;
    let eval = &eval.data()["evaluateReclamationRules"];
    assert_eq!(eval["flagged"], 0);
    let gaps = eval["coverageGaps"].as_array().unwrap();
    assert!(!gaps.is_empty());
    assert!(
        gaps.iter()
            .all(|g| g["reason"].as_str().unwrap().contains("60-day")),
        "{gaps:?}"
    );

    // A 20-day rule would be supported: the preview says what it would flag, writing nothing.
    let model = app
        .gql(
            "{ softwareModels(first: 10) { edges { node { id product } } } }",
            json!({}),
        )
        .await;
    let meetings = model.data()["softwareModels"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["product"] == "Zoom Meetings")
        .unwrap()["node"]["id"]
        .clone();
    let preview = app
        .gql(
            "query($m: ID!) { previewReclamationRule(input: { softwareModelId: $m, inactivityThresholdDays: 20, sample: 3 }) { result { flagged coverageGaps { identifier } } sample { userPrincipalName evidence { thresholdDays lastActivityAt } } } }",
            json!({ "m": meetings }),
        )
        .await;
    let p = &preview.data()["previewReclamationRule"];
    assert!(p["result"]["flagged"].as_i64().unwrap() > 0, "{p}");
    assert!(p["result"]["coverageGaps"].as_array().unwrap().is_empty());
    assert_eq!(p["sample"][0]["evidence"]["thresholdDays"], 20);
    assert!(
        candidates(&app, profile_id).await.is_empty(),
        "a preview writes nothing"
    );
    let bad = app
        .gql(
            "query($m: ID!) { previewReclamationRule(input: { softwareModelId: $m, inactivityThresholdDays: 0 }) { result { flagged } } }",
            json!({ "m": meetings }),
        )
        .await;
    assert_eq!(bad.error_code(), "BAD_USER_INPUT");
}

async fn savings_sorting_and_summary(db: Db) {
    let (app, _sim, profile, profile_id) = synced(db, Vendor::Aha).await;
    let first: Vec<i64> = candidates(&app, profile_id)
        .await
        .iter()
        .map(|(_, _, c)| c.id)
        .collect();
    assert!(first.len() >= 3);
    // A year's seat at 120.00 costs 10.00 a month.
    let models = app
        .gql(
            "{ softwareModels(first: 5) { edges { node { id vendor } } } }",
            json!({}),
        )
        .await;
    let model = models.data()["softwareModels"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["vendor"] == "AHA")
        .unwrap()["node"]["id"]
        .clone();
    let year = chrono::Utc::now().format("%Y").to_string();
    app.gql(
        "mutation($m: ID!, $s: Date!, $e: Date!) { createEntitlement(input: { softwareModelId: $m, name: \"seats\", purchasedRights: 100, unitCost: \"120.00\", currency: \"USD\", periodStart: $s, periodEnd: $e }) { id } }",
        json!({ "m": model, "s": format!("{year}-01-01"), "e": format!("{year}-12-31") }),
    )
    .await
    .data();
    no_cooldown(&app).await;
    batch(&app, "skipRemovalCandidates", &first).await;
    let eval = app
        .gql(
            "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { flagged potentialSavings { amount currency } } }",
            json!({ "p": profile }),
        )
        .await;
    let eval = &eval.data()["evaluateReclamationRules"];
    let open = eval["flagged"].as_i64().unwrap();
    assert_eq!(open as usize, first.len());
    assert_eq!(
        eval["potentialSavings"],
        json!([{ "amount": format!("{}.00", 10 * open), "currency": "USD" }])
    );

    // Idle the longest first, two at a time, each page continuing where the last ended.
    let page = |after: Option<String>| {
        let (app, profile) = (&app, &profile);
        async move {
            let resp = app
                .gql(
                    "query($p: ID!, $a: String) { removalCandidates(profileId: $p, states: [READY], orderBy: IDLE_DAYS, first: 2, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { idleSince idleDays potentialSavingsMinor evidence { costBasis { monthlyPriceMinor currency entitlements } } } } } }",
                    json!({ "p": profile, "a": after }),
                )
                .await;
            resp.data()["removalCandidates"].clone()
        }
    };
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let conn = page(after.clone()).await;
        assert_eq!(conn["totalCount"].as_i64().unwrap(), open);
        for e in conn["edges"].as_array().unwrap() {
            assert_eq!(e["node"]["potentialSavingsMinor"], 1000);
            assert_eq!(e["node"]["evidence"]["costBasis"]["currency"], "USD");
            seen.push(e["node"]["idleSince"].as_str().unwrap().to_owned());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len() as i64, open, "every candidate once");
    let parsed: Vec<chrono::DateTime<chrono::Utc>> =
        seen.iter().map(|s| s.parse().unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    let backwards = app
        .gql(
            "query($p: ID!) { removalCandidates(profileId: $p, orderBy: POTENTIAL_SAVINGS, last: 2) { totalCount } }",
            json!({ "p": profile }),
        )
        .await;
    assert_eq!(backwards.error_code(), "BAD_USER_INPUT");

    // Reclaim one: the summary moves it from potential to realised.
    let ready: Vec<i64> = candidates(&app, profile_id)
        .await
        .iter()
        .filter(|(_, _, c)| c.state == CandidateState::Ready)
        .map(|(_, _, c)| c.id)
        .collect();
    let answer = reclaim(&app, &ready[..1]).await;
    assert_eq!(wait_run(&app, &answer[0]).await.reclaimed, 1);
    let summary = app
        .gql(
            "query($p: ID) { reclamationSummary(profileId: $p) { byState { state count } potentialSavings { amount currency } realisedSavings { amount currency } realisedSavingsThisYear { amount } } }",
            json!({ "p": profile }),
        )
        .await;
    let s = &summary.data()["reclamationSummary"];
    let count = |state: &str| {
        s["byState"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == state)
            .map_or(0, |c| c["count"].as_i64().unwrap())
    };
    assert_eq!(count("READY"), open - 1);
    assert_eq!(count("CLOSED_COMPLETE"), 1);
    assert_eq!(count("CLOSED_SKIPPED"), first.len() as i64);
    assert_eq!(
        s["potentialSavings"],
        json!([{ "amount": format!("{}.00", 10 * (open - 1)), "currency": "USD" }])
    );
    assert_eq!(
        s["realisedSavings"],
        json!([{ "amount": "10.00", "currency": "USD" }])
    );
    assert_eq!(s["realisedSavingsThisYear"], json!([{ "amount": "10.00" }]));
}

async fn coarse_activity_never_makes_an_active_user_idle(db: Db) {
    // Ten users a pull get the exact per-user reports; the rest are known only through
    // the monthly account report (meetings, not webinars).
    let (app, sim, profile, profile_id) = synced_with(
        db,
        Vendor::Zoom,
        &[("SEATKEEPER_ACTIVITY_PER_USER_BUDGET", "10")],
        365,
    )
    .await;
    let truth = crate::reclamation::idle_truth(&sim.truth());
    let flagged = |found: &[(String, String, removal_candidate::Model)]| {
        found
            .iter()
            .map(|(u, i, _)| (u.clone(), i.clone()))
            .collect::<std::collections::BTreeSet<_>>()
    };

    let first = flagged(&candidates(&app, profile_id).await);
    assert!(
        first.is_subset(&truth),
        "never a seat in use: {:?}",
        first.difference(&truth)
    );
    let eval = app
        .gql(
            "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { coverageGaps { identifier reason seats } } }",
            json!({ "p": profile }),
        )
        .await;
    let gaps = eval.data()["evaluateReclamationRules"]["coverageGaps"].clone();
    let waiting: i64 = gaps
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["identifier"] == "ZOOM_WEBINAR")
        .map(|g| {
            assert!(
                g["reason"]
                    .as_str()
                    .unwrap()
                    .contains("waiting for exact activity"),
                "{g}"
            );
            g["seats"].as_i64().unwrap()
        })
        .sum();
    assert!(waiting > 0, "webinar holders not reached wait: {gaps}");
    // A report-only user's last activity reads as the end of its window, and says so.
    let listed = app
        .gql(
            "query($p: ID!) { removalCandidates(profileId: $p, first: 100) { edges { node { lastActivity { approximate source windowFrom at } } } } }",
            json!({ "p": profile }),
        )
        .await;
    for edge in listed.data()["removalCandidates"]["edges"]
        .as_array()
        .unwrap()
    {
        let last = &edge["node"]["lastActivity"];
        if last["approximate"] == true {
            assert_eq!(last["source"], "zoom:report/users");
            assert!(last["windowFrom"].as_str().unwrap() < last["at"].as_str().unwrap());
        }
    }

    // Users known only through the monthly report turn out to have met just inside the
    // threshold (a meeting the vendor reports late): once a pull reaches that meeting,
    // their Meetings candidates are canceled, and they are never flagged again.
    let cutoff = sim.now() - chrono::Duration::days(crate::reclamation::THRESHOLD);
    let report_only: Vec<removal_candidate::Model> = {
        let users = entity::vendor_user::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        let exact: std::collections::BTreeSet<String> = users
            .into_iter()
            .filter(|u| u.exact_activity_to.is_some())
            .map(|u| u.external_user_id)
            .collect();
        candidates(&app, profile_id)
            .await
            .into_iter()
            .filter(|(u, i, _)| i == "ZOOM_MEETINGS_LICENSED" && !exact.contains(u))
            .map(|(_, _, c)| c)
            .take(3)
            .collect()
    };
    assert!(
        !report_only.is_empty(),
        "some flagged seats rest on the report alone"
    );
    let sub_of = |c: &removal_candidate::Model| c.subscription_id.unwrap();
    let mut recorded = std::collections::BTreeSet::new();
    for c in &report_only {
        let s = entity::software_subscription::Entity::find_by_id(sub_of(c))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        sim.record_activity(
            &s.external_user_id,
            Product::ZoomMeetings,
            cutoff + chrono::Duration::hours(1),
        )
        .unwrap();
        recorded.insert((s.external_user_id, s.identifier));
    }
    // Flagged while idle, those seats are in use from now on.
    let truth = crate::reclamation::idle_truth(&sim.truth());

    // Each pull reaches ten more users; once every user has been reached, every idle
    // webinar seat is flagged and still no seat in use is (the seats used just now were
    // flagged before, once, and that candidate is canceled).
    for _ in 0..4 {
        let pull = run_and_wait(&app, "runPullActivity", &profile).await;
        assert_eq!(pull.state, JobState::Succeeded, "{:?}", pull.error);
        let found = candidates(&app, profile_id).await;
        let now = flagged(&found);
        let wrong: Vec<_> = now
            .difference(&truth)
            .filter(|p| !recorded.contains(*p))
            .collect();
        assert!(wrong.is_empty(), "{wrong:?}");
        for (user, ident) in &recorded {
            let theirs: Vec<_> = found
                .iter()
                .filter(|(u, i, _)| u == user && i == ident)
                .map(|(_, _, c)| c.state)
                .collect();
            // Flagged once, and open only until the pull reaches the meeting.
            assert_eq!(theirs.len(), 1, "{user}: {theirs:?}");
            assert!(
                matches!(
                    theirs[0],
                    CandidateState::Ready | CandidateState::ClosedCanceled
                ),
                "{user}: {theirs:?}"
            );
        }
    }
    let last = flagged(&candidates(&app, profile_id).await);
    let webinar = |set: &std::collections::BTreeSet<(String, String)>| {
        set.iter()
            .filter(|(_, i)| i == "ZOOM_WEBINAR")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(webinar(&last), webinar(&truth));
    for c in &report_only {
        let now = removal_candidate::Entity::find_by_id(c.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(now.state, CandidateState::ClosedCanceled, "{now:?}");
    }
}

crate::db_kind_test! {
    reclaim_off_exclusions_activity_concurrency_and_restore,
    outage_then_retry_and_approval,
    no_verdict_without_evidence,
    savings_sorting_and_summary,
    coarse_activity_never_makes_an_active_user_idle,
}
