//! Reconciliation (issue 11) on both databases, against positions worked out by hand for a
//! small tenant: an over-licensed model (a holder of two subscriptions, a cost-excluded, a
//! closed and an inactive one), an under-licensed one (draft and expired entitlements, the
//! last-assigned holders unlicensed, holders matched regardless of letter case), an exactly
//! licensed one bought in two currencies, and one without entitlement whose candidates'
//! savings count; a second run keeps the first as history.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::enums::{CandidateState, JobState, ProfileStatus, Vendor};
use entity::{removal_candidate, software_subscription};
use sea_orm::{ActiveModelTrait, Set};
use seatkeeper::graphql::relay::{expect_id, parse_global_id};
use serde_json::{Value, json};

use crate::catalog::create_model;
use crate::helpers::TestApp;
use crate::jobs_support::wait_final;

/// One subscription of `model` held by `upn`.
pub(crate) struct Held<'a> {
    pub upn: &'a str,
    pub identifier: &'a str,
    pub assigned_days_ago: i64,
    pub active: bool,
    pub excluded_from_cost: bool,
    pub closed: bool,
    /// Days since its last activity; `None` for never.
    pub last_active_days_ago: Option<i64>,
}

pub(crate) fn held(upn: &str, assigned_days_ago: i64) -> Held<'_> {
    Held {
        upn,
        identifier: "LICENSED",
        assigned_days_ago,
        active: true,
        excluded_from_cost: false,
        closed: false,
        last_active_days_ago: None,
    }
}

pub(crate) async fn subscribe(app: &TestApp, profile: i64, model: i64, h: Held<'_>) {
    let now = Utc::now();
    software_subscription::ActiveModel {
        profile_id: Set(profile),
        software_model_id: Set(Some(model)),
        identifier: Set(h.identifier.into()),
        external_user_id: Set(format!("{}-{}", h.upn, h.identifier)),
        user_principal_name: Set(h.upn.into()),
        display_name: Set(None),
        external_created_at: Set(Some(now - Duration::days(400))),
        assigned_at: Set(Some(now - Duration::days(h.assigned_days_ago))),
        last_activity_at: Set(h.last_active_days_ago.map(|d| now - Duration::days(d))),
        active: Set(h.active),
        is_privileged: Set(false),
        excluded_from_cost: Set(h.excluded_from_cost),
        excluded_from_reclaim: Set(false),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
        closed_at: Set(h.closed.then_some(now)),
        content_hash: Set(0),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn candidate(
    app: &TestApp,
    model: i64,
    state: CandidateState,
    savings: i64,
    reclaimed_at: Option<DateTime<Utc>>,
) {
    let now = Utc::now();
    let closed = state.is_closed().then_some(now);
    removal_candidate::ActiveModel {
        software_model_id: Set(Some(model)),
        user_principal_name: Set(format!("cand{savings}@example.com")),
        state: Set(state),
        threshold_days: Set(60),
        evidence: Set(json!({})),
        potential_savings_minor: Set(savings),
        currency: Set("USD".into()),
        opened_at: Set(now),
        updated_at: Set(now),
        idle_since: Set(now - Duration::days(90)),
        closed_at: Set(closed),
        realised_savings_minor: Set(reclaimed_at.map(|_| savings)),
        reclaimed_at: Set(reclaimed_at),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

pub(crate) async fn entitle(app: &TestApp, model: &str, input: Value) {
    let mut full = crate::catalog::entitlement_input(model, json!({}));
    for (k, v) in input.as_object().unwrap() {
        full[k] = v.clone();
    }
    let resp = app
        .gql(
            "mutation($input: CreateEntitlementInput!) { createEntitlement(input: $input) { id } }",
            json!({ "input": full }),
        )
        .await;
    resp.data();
}

pub(crate) async fn reconcile(app: &TestApp) {
    let resp = app
        .gql("mutation { runReconciliation { id kind } }", json!({}))
        .await;
    let run = &resp.data()["runReconciliation"];
    assert_eq!(run["kind"], "RECONCILE");
    let id = expect_id(&run["id"].as_str().unwrap().into(), "JobRun", "id").unwrap();
    let done = wait_final(&app.state, id).await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
}

const POSITION: &str = "softwareModel { id } isLatest rightsOwned rightsUsed subscriptionsUsed rightsAvailable unlicensed complianceStatus amounts { currency rightsOwned pricePerRight { amount } annualSpend { amount } trueUpCost { amount } overLicensed { amount } potentialSavings { amount } actualSavings { amount } actualSavingsThisYear { amount } } unlicensedSubscriptions { userPrincipalName }";

fn money(
    currency: &str,
    rights: i64,
    price: &str,
    spend: &str,
    true_up: &str,
    over: &str,
    savings: [&str; 3],
) -> Value {
    json!({
        "currency": currency, "rightsOwned": rights,
        "pricePerRight": { "amount": price }, "annualSpend": { "amount": spend },
        "trueUpCost": { "amount": true_up }, "overLicensed": { "amount": over },
        "potentialSavings": { "amount": savings[0] }, "actualSavings": { "amount": savings[1] },
        "actualSavingsThisYear": { "amount": savings[2] },
    })
}

async fn positions_match_the_hand_worked_figures(app: TestApp) {
    let profile = crate::fixtures::profile(&app.state.db, Vendor::Zoom, ProfileStatus::Published)
        .await
        .id;
    let over = create_model(&app, "Zoom", "Over", "").await;
    let under = create_model(&app, "Zoom", "Under", "").await;
    let exact = create_model(&app, "Zoom", "Exact", "").await;
    let none = create_model(&app, "Zoom", "None", "").await;
    let raw = |id: &str| parse_global_id(&id.to_owned().into()).unwrap().1;
    let today = Utc::now().date_naive();

    // Over: 10 rights at 120.00 a year; 4 holders (ada holds two subscriptions), the
    // cost-excluded, closed and inactive ones do not count.
    entitle(
        &app,
        &over,
        json!({ "purchasedRights": 10, "unitCost": "120.00", "periodType": "ANNUAL" }),
    )
    .await;
    for h in [
        held("ada@example.com", 30),
        Held {
            identifier: "WEBINAR",
            ..held("ada@example.com", 30)
        },
        held("bob@example.com", 30),
        held("cyd@example.com", 30),
        held("dan@example.com", 30),
        Held {
            excluded_from_cost: true,
            ..held("eve@example.com", 30)
        },
        Held {
            closed: true,
            ..held("fay@example.com", 30)
        },
        Held {
            active: false,
            ..held("gus@example.com", 30)
        },
    ] {
        subscribe(&app, profile, raw(&over), h).await;
    }

    // Under: 2 rights at 10.00 a month; a draft and an expired entitlement do not count;
    // 5 holders, so the 3 who got the licence last have none. H1 in capitals is h1.
    entitle(
        &app,
        &under,
        json!({ "purchasedRights": 2, "unitCost": "10.00", "periodType": "MONTHLY" }),
    )
    .await;
    entitle(&app, &under, json!({ "purchasedRights": 3, "unitCost": "10.00", "periodType": "MONTHLY", "state": "DRAFT" })).await;
    entitle(
        &app,
        &under,
        json!({ "purchasedRights": 5, "unitCost": "10.00", "periodType": "MONTHLY",
                "periodStart": (today - Duration::days(60)).to_string(),
                "periodEnd": (today - Duration::days(1)).to_string() }),
    )
    .await;
    for (i, upn) in ["h1", "h2", "h3", "h4", "h5"].iter().enumerate() {
        subscribe(
            &app,
            profile,
            raw(&under),
            held(&format!("{upn}@example.com"), 10 - i as i64),
        )
        .await;
    }
    subscribe(
        &app,
        profile,
        raw(&under),
        Held {
            identifier: "WEBINAR",
            ..held("H1@Example.com", 10)
        },
    )
    .await;

    // Exact: 3 rights at 50.00 EUR a year and 2 at 100.00 USD for a 365-day term.
    entitle(&app, &exact, json!({ "purchasedRights": 3, "unitCost": "50.00", "currency": "EUR", "periodType": "ANNUAL" })).await;
    entitle(
        &app,
        &exact,
        json!({ "purchasedRights": 2, "unitCost": "100.00", "currency": "USD", "periodType": "WHOLE_TERM",
                "periodStart": (today - Duration::days(100)).to_string(),
                "periodEnd": (today + Duration::days(264)).to_string() }),
    )
    .await;
    for upn in ["e1", "e2", "e3", "e4", "e5"] {
        subscribe(
            &app,
            profile,
            raw(&exact),
            held(&format!("{upn}@example.com"), 5),
        )
        .await;
    }

    // None: no entitlement; its candidates' savings still count.
    subscribe(&app, profile, raw(&none), held("solo@example.com", 5)).await;
    let last_year = Utc
        .with_ymd_and_hms(Utc::now().year(), 1, 1, 0, 0, 0)
        .unwrap()
        - Duration::days(1);
    candidate(&app, raw(&none), CandidateState::Ready, 1_500, None).await;
    candidate(
        &app,
        raw(&none),
        CandidateState::ClosedComplete,
        2_000,
        Some(Utc::now()),
    )
    .await;
    candidate(
        &app,
        raw(&none),
        CandidateState::ClosedComplete,
        700,
        Some(last_year),
    )
    .await;
    candidate(&app, raw(&none), CandidateState::ClosedSkipped, 900, None).await;

    reconcile(&app).await;
    let resp = app
        .gql(
            &format!("{{ licensePositions(first: 10) {{ totalCount edges {{ node {{ {POSITION} }} }} }} }}"),
            json!({}),
        )
        .await;
    let data = resp.data();
    assert_eq!(data["licensePositions"]["totalCount"], 4);
    let of = |model: &str| {
        data["licensePositions"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .find(|n| n["softwareModel"]["id"] == model)
            .unwrap()
    };
    let zero = ["0.00", "0.00", "0.00"];

    let p = of(&over);
    assert_eq!(
        (
            &p["rightsOwned"],
            &p["rightsUsed"],
            &p["subscriptionsUsed"],
            &p["rightsAvailable"],
            &p["unlicensed"]
        ),
        (&json!(10), &json!(4), &json!(5), &json!(6), &json!(0)),
        "{p}"
    );
    assert_eq!(p["complianceStatus"], "OVER_LICENSED");
    assert_eq!(
        p["amounts"],
        json!([money(
            "USD", 10, "120.00", "1200.00", "0.00", "720.00", zero
        )])
    );
    assert_eq!(p["unlicensedSubscriptions"], json!([]));

    let p = of(&under);
    assert_eq!(
        (
            &p["rightsOwned"],
            &p["rightsUsed"],
            &p["subscriptionsUsed"],
            &p["rightsAvailable"],
            &p["unlicensed"]
        ),
        (&json!(2), &json!(5), &json!(6), &json!(0), &json!(3)),
        "{p}"
    );
    assert_eq!(p["complianceStatus"], "UNDER_LICENSED");
    assert_eq!(
        p["amounts"],
        json!([money("USD", 2, "120.00", "240.00", "360.00", "0.00", zero)])
    );
    let mut unlicensed: Vec<&str> = p["unlicensedSubscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["userPrincipalName"].as_str().unwrap())
        .collect();
    unlicensed.sort();
    assert_eq!(
        unlicensed,
        ["h3@example.com", "h4@example.com", "h5@example.com"]
    );

    let p = of(&exact);
    assert_eq!(
        (&p["rightsOwned"], &p["rightsUsed"]),
        (&json!(5), &json!(5))
    );
    assert_eq!(p["complianceStatus"], "COMPLIANT");
    // 100.00 for 365 days is 100.06 a year (365.25-day years).
    assert_eq!(
        p["amounts"],
        json!([
            money("EUR", 3, "50.00", "150.00", "0.00", "0.00", zero),
            money("USD", 2, "100.06", "200.12", "0.00", "0.00", zero)
        ])
    );

    let p = of(&none);
    assert_eq!(p["complianceStatus"], "NO_ENTITLEMENT");
    assert_eq!(
        (&p["rightsOwned"], &p["unlicensed"]),
        (&json!(0), &json!(1))
    );
    assert_eq!(
        p["amounts"],
        json!([money(
            "USD",
            0,
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            ["15.00", "27.00", "20.00"]
        )])
    );

    // A second run: the first stays as history, newest first.
    reconcile(&app).await;
    let resp = app
        .gql(
            "query($m: ID!) { licensePositionHistory(softwareModelId: $m) { isLatest rightsUsed } all: licensePositions(latestOnly: false) { totalCount } }",
            json!({ "m": over }),
        )
        .await;
    assert_eq!(
        resp.data()["licensePositionHistory"],
        json!([{ "isLatest": true, "rightsUsed": 4 }, { "isLatest": false, "rightsUsed": 4 }])
    );
    assert_eq!(resp.data()["all"]["totalCount"], 8);
}
crate::db_test!(positions_match_the_hand_worked_figures);

/// A download reconciles its vendor's models by itself.
async fn a_download_reconciles_its_models(db: crate::helpers::Db) {
    let (app, _sim, profile, _) = crate::reclamation::synced(db, seatkeeper_sim::Vendor::Aha).await;
    let mut last = Value::Null;
    for _ in 0..100 {
        let resp = app
            .gql(
                "query($p: ID!) { jobRuns(profileId: $p, kind: RECONCILE) { edges { node { state } } } licensePositions(vendor: AHA) { totalCount edges { node { complianceStatus rightsUsed } } } }",
                json!({ "p": profile }),
            )
            .await;
        last = resp.data().clone();
        let done = last["jobRuns"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["state"] == "SUCCEEDED");
        if done && last["licensePositions"]["totalCount"].as_i64() > Some(0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let positions = last["licensePositions"]["edges"].as_array().unwrap();
    assert!(!positions.is_empty(), "{last}");
    assert!(
        positions
            .iter()
            .any(|p| p["node"]["complianceStatus"] == "NO_ENTITLEMENT"
                && p["node"]["rightsUsed"].as_i64() > Some(0)),
        "{last}"
    );
}
crate::db_kind_test!(a_download_reconciles_its_models);
