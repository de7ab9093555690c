//! The dashboard queries of issue 11 on both databases: `licenseSummary` against figures
//! worked by hand (seats by last activity, idle seats, savings kept by the candidate
//! triggers through inserts, moves and deletes, spend from the latest positions, a vendor
//! filter), the same summary kept current by real runs against a simulator, `renewals`,
//! and `licensePositions` sorted by waste and true-up and filtered by profile.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::enums::{CandidateState, JobState, ProfileStatus, Vendor};
use entity::removal_candidate;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use seatkeeper::domain::reconciliation::refresh_seats;
use seatkeeper::graphql::relay::{expect_id, global_id, parse_global_id};
use serde_json::{Value, json};

use crate::catalog::create_model;
use crate::helpers::TestApp;
use crate::jobs_support::wait_final;
use crate::reconciliation::{Held, entitle, held, reconcile, subscribe};

const FIGURES: &str = "assigned idle percentUnused lastActivity { days0To30 days30To60 days60To90 days90Plus never } amounts { currency annualSpend { amount } trueUpCost { amount } overLicensed { amount } potentialSavings { amount } actualSavings { amount } actualSavingsThisYear { amount } }";

fn summary_query() -> String {
    format!(
        "query($v: Vendor) {{ licenseSummary(vendor: $v) {{ asOf total {{ {FIGURES} }} byProfile {{ profile {{ id }} figures {{ {FIGURES} }} }} bySoftwareModel {{ softwareModel {{ id }} complianceStatus rightsOwned unlicensed figures {{ {FIGURES} }} }} }} }}"
    )
}

async fn summary(app: &TestApp, vendor: Option<&str>) -> Value {
    app.gql(&summary_query(), json!({ "v": vendor }))
        .await
        .data()["licenseSummary"]
        .clone()
}

/// A candidate of `model` in `profile`, open or closed, priced in `currency`.
async fn candidate(
    app: &TestApp,
    profile: Option<i64>,
    model: i64,
    state: CandidateState,
    (savings, currency): (i64, &str),
    reclaimed_at: Option<DateTime<Utc>>,
) -> i64 {
    let now = Utc::now();
    removal_candidate::ActiveModel {
        profile_id: Set(profile),
        software_model_id: Set(Some(model)),
        user_principal_name: Set(format!("cand{savings}@example.com")),
        state: Set(state),
        threshold_days: Set(60),
        evidence: Set(json!({})),
        potential_savings_minor: Set(savings),
        currency: Set(currency.into()),
        opened_at: Set(now),
        updated_at: Set(now),
        idle_since: Set(now - Duration::days(90)),
        closed_at: Set(state.is_closed().then_some(now)),
        realised_savings_minor: Set(reclaimed_at.map(|_| savings)),
        reclaimed_at: Set(reclaimed_at),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id
}

fn buckets(b: [i64; 5]) -> Value {
    json!({ "days0To30": b[0], "days30To60": b[1], "days60To90": b[2], "days90Plus": b[3], "never": b[4] })
}

fn amount(currency: &str, m: [&str; 6]) -> Value {
    json!({
        "currency": currency, "annualSpend": { "amount": m[0] }, "trueUpCost": { "amount": m[1] },
        "overLicensed": { "amount": m[2] }, "potentialSavings": { "amount": m[3] },
        "actualSavings": { "amount": m[4] }, "actualSavingsThisYear": { "amount": m[5] },
    })
}

async fn the_summary_matches_the_hand_worked_figures(app: TestApp) {
    let zoom = crate::fixtures::profile(&app.state.db, Vendor::Zoom, ProfileStatus::Published)
        .await
        .id;
    let meetings = create_model(&app, "Zoom", "Meetings", "").await;
    let webinar = create_model(&app, "Zoom", "Webinar", "").await;
    let raw = |id: &str| parse_global_id(&id.to_owned().into()).unwrap().1;
    let (m, w) = (raw(&meetings), raw(&webinar));

    // Meetings: used 5, 35, 65 and 95 days ago, one never, and a closed seat that does not
    // count; Webinar: used yesterday and never.
    for (upn, days) in [
        ("a@x.com", Some(5)),
        ("b@x.com", Some(35)),
        ("c@x.com", Some(65)),
        ("d@x.com", Some(95)),
        ("e@x.com", None),
    ] {
        let h = Held {
            last_active_days_ago: days,
            ..held(upn, 200)
        };
        subscribe(&app, zoom, m, h).await;
    }
    subscribe(
        &app,
        zoom,
        m,
        Held {
            closed: true,
            ..held("f@x.com", 200)
        },
    )
    .await;
    for (upn, days) in [("a@x.com", Some(1)), ("g@x.com", None)] {
        let h = Held {
            identifier: "WEBINAR",
            last_active_days_ago: days,
            ..held(upn, 200)
        };
        subscribe(&app, zoom, w, h).await;
    }
    refresh_seats(&app.state.db, zoom, Utc::now().date_naive())
        .await
        .unwrap();

    // Meetings: 4 rights at 120.00 a year for 5 holders (one short); candidates open for
    // 10.00 and 15.00 a month, one reclaimed this year (7.00), one last year (3.00), one
    // skipped. Webinar: an open EUR candidate.
    entitle(
        &app,
        &meetings,
        json!({ "purchasedRights": 4, "unitCost": "120.00", "periodType": "ANNUAL" }),
    )
    .await;
    let now = Utc::now();
    let last_year = Utc.with_ymd_and_hms(now.year() - 1, 6, 1, 0, 0, 0).unwrap();
    let open = candidate(
        &app,
        Some(zoom),
        m,
        CandidateState::Ready,
        (1_000, "USD"),
        None,
    )
    .await;
    candidate(
        &app,
        Some(zoom),
        m,
        CandidateState::AwaitingApproval,
        (1_500, "USD"),
        None,
    )
    .await;
    candidate(
        &app,
        Some(zoom),
        m,
        CandidateState::ClosedComplete,
        (700, "USD"),
        Some(now),
    )
    .await;
    candidate(
        &app,
        Some(zoom),
        m,
        CandidateState::ClosedComplete,
        (300, "USD"),
        Some(last_year),
    )
    .await;
    candidate(
        &app,
        Some(zoom),
        m,
        CandidateState::ClosedSkipped,
        (900, "USD"),
        None,
    )
    .await;
    candidate(
        &app,
        Some(zoom),
        w,
        CandidateState::Ready,
        (400, "EUR"),
        None,
    )
    .await;
    reconcile(&app).await;

    let s = summary(&app, None).await;
    let usd = |potential: &str, actual: &str, year: &str| {
        amount("USD", ["480.00", "120.00", "0.00", potential, actual, year])
    };
    let eur = amount("EUR", ["0.00", "0.00", "0.00", "4.00", "0.00", "0.00"]);
    // 7 seats, 3 idle: 42.9% unused.
    assert_eq!(s["total"]["assigned"], 7, "{s}");
    assert_eq!(s["total"]["idle"], 3);
    assert_eq!(s["total"]["percentUnused"], 42.9);
    assert_eq!(s["total"]["lastActivity"], buckets([2, 1, 1, 1, 2]));
    assert_eq!(
        s["total"]["amounts"],
        json!([eur, usd("25.00", "10.00", "7.00")])
    );
    let profiles = s["byProfile"].as_array().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(
        profiles[0]["profile"]["id"],
        global_id("IntegrationProfile", zoom).to_string()
    );
    assert_eq!(profiles[0]["figures"]["assigned"], 7);
    let models = s["bySoftwareModel"].as_array().unwrap();
    let by = |id: &str| {
        models
            .iter()
            .find(|x| x["softwareModel"]["id"] == id)
            .unwrap()
    };
    assert_eq!(by(&meetings)["complianceStatus"], "UNDER_LICENSED");
    assert_eq!(
        (
            by(&meetings)["rightsOwned"].clone(),
            by(&meetings)["unlicensed"].clone()
        ),
        (json!(4), json!(1))
    );
    assert_eq!(
        by(&meetings)["figures"]["lastActivity"],
        buckets([1, 1, 1, 1, 1])
    );
    assert_eq!(by(&meetings)["figures"]["idle"], 2);
    assert_eq!(by(&meetings)["figures"]["percentUnused"], 40.0);
    assert_eq!(
        by(&webinar)["figures"]["lastActivity"],
        buckets([1, 0, 0, 0, 1])
    );
    assert_eq!(by(&webinar)["figures"]["amounts"], json!([eur]));

    // The triggers follow every write: the open candidate is reclaimed, then the EUR one
    // deleted; no recomputation is asked for.
    removal_candidate::ActiveModel {
        id: Set(open),
        state: Set(CandidateState::ClosedComplete),
        closed_at: Set(Some(now)),
        realised_savings_minor: Set(Some(1_000)),
        reclaimed_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    removal_candidate::Entity::delete_many()
        .filter(removal_candidate::Column::Currency.eq("EUR"))
        .exec(&app.state.db)
        .await
        .unwrap();
    let s = summary(&app, None).await;
    assert_eq!(s["total"]["idle"], 1);
    assert_eq!(
        s["total"]["amounts"],
        json!([usd("15.00", "20.00", "17.00")])
    );

    // Another vendor's view has none of it.
    let aha = summary(&app, Some("AHA")).await;
    assert_eq!(aha["total"]["assigned"], 0);
    assert_eq!(aha["total"]["amounts"], json!([]));
    assert_eq!(aha["byProfile"], json!([]));
    assert_eq!(aha["bySoftwareModel"], json!([]));
}
crate::db_test!(the_summary_matches_the_hand_worked_figures);

/// Buckets move with the calendar: seats counted on an earlier day (no run since) are
/// summed again from their days, so a seat used 30 days ago is in 30–60 today although it
/// was in 0–30 the day before, when its profile's buckets were stored.
async fn buckets_from_an_earlier_day_follow_the_calendar(app: TestApp) {
    let zoom = crate::fixtures::profile(&app.state.db, Vendor::Zoom, ProfileStatus::Published)
        .await
        .id;
    let meetings = create_model(&app, "Zoom", "Meetings", "").await;
    let m = parse_global_id(&meetings.clone().into()).unwrap().1;
    for (upn, days) in [
        ("a@x.com", Some(30)),
        ("b@x.com", Some(60)),
        ("c@x.com", None),
    ] {
        let h = Held {
            last_active_days_ago: days,
            ..held(upn, 200)
        };
        subscribe(&app, zoom, m, h).await;
    }
    let today = Utc::now().date_naive();
    refresh_seats(&app.state.db, zoom, today - Duration::days(1))
        .await
        .unwrap();
    let s = summary(&app, None).await;
    assert_eq!(s["total"]["lastActivity"], buckets([0, 1, 1, 0, 1]), "{s}");
    assert_eq!(
        s["byProfile"][0]["figures"]["lastActivity"],
        buckets([0, 1, 1, 0, 1])
    );
    assert_eq!(
        s["bySoftwareModel"][0]["figures"]["lastActivity"],
        buckets([0, 1, 1, 0, 1])
    );
    // Counted today, the stored buckets are read as they are: the same figures.
    refresh_seats(&app.state.db, zoom, today).await.unwrap();
    assert_eq!(
        summary(&app, None).await["total"]["lastActivity"],
        buckets([0, 1, 1, 0, 1])
    );
}
crate::db_test!(buckets_from_an_earlier_day_follow_the_calendar);

/// Real runs keep the summary current: after the sync it counts every open seat and
/// candidate; a reclaim run moves a seat from idle to saved before its end is told.
async fn runs_keep_the_summary_current(db: crate::helpers::Db) {
    let (app, _sim, _profile, profile_id) =
        crate::reclamation::synced(db, seatkeeper_sim::Vendor::Aha).await;
    let open_seats = entity::software_subscription::Entity::find()
        .filter(entity::software_subscription::Column::ProfileId.eq(profile_id))
        .filter(entity::software_subscription::Column::ClosedAt.is_null())
        .count(&app.state.db)
        .await
        .unwrap() as i64;
    let cands = crate::reclamation::candidates(&app, profile_id).await;
    let open: Vec<&removal_candidate::Model> = cands
        .iter()
        .map(|c| &c.2)
        .filter(|c| c.closed_at.is_none())
        .collect();
    assert!(!open.is_empty(), "the tenant has idle seats");
    let s = summary(&app, Some("AHA")).await;
    let total = &s["total"];
    assert_eq!(total["assigned"], open_seats, "{s}");
    assert_eq!(total["idle"], open.len() as i64);
    let b = &total["lastActivity"];
    let counted: i64 = [
        "days0To30",
        "days30To60",
        "days60To90",
        "days90Plus",
        "never",
    ]
    .iter()
    .map(|k| b[k].as_i64().unwrap())
    .sum();
    assert_eq!(counted, open_seats);

    let ready = open
        .iter()
        .find(|c| c.state == CandidateState::Ready)
        .expect("a candidate ready to reclaim");
    let answer = crate::reclamation::reclaim(&app, &[ready.id]).await;
    let run = answer[0]["candidate"]["reclaimRunId"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = expect_id(&run.into(), "JobRun", "id").unwrap();
    assert_eq!(wait_final(&app.state, run).await.state, JobState::Succeeded);
    let after = summary(&app, Some("AHA")).await;
    assert_eq!(after["total"]["assigned"], open_seats - 1, "{after}");
    assert_eq!(after["total"]["idle"], open.len() as i64 - 1);
    if !ready.currency.is_empty() {
        let saved = &after["total"]["amounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["currency"] == ready.currency.as_str())
            .unwrap()["actualSavingsThisYear"]["amount"];
        assert_ne!(saved, "0.00");
    }
}
crate::db_kind_test!(runs_keep_the_summary_current);

async fn renewals_say_what_to_drop(app: TestApp) {
    let zoom = crate::fixtures::profile(&app.state.db, Vendor::Zoom, ProfileStatus::Published)
        .await
        .id;
    let model = create_model(&app, "Zoom", "Meetings", "").await;
    let m = parse_global_id(&model.clone().into()).unwrap().1;
    let today = Utc::now().date_naive();
    let ending = |days: i64, rights: i64, state: &str| {
        json!({ "purchasedRights": rights, "unitCost": "10.00", "periodType": "MONTHLY",
                "state": state, "periodEnd": (today + Duration::days(days)).to_string() })
    };
    // 30 rights, 12 used: 18 unused, over renewals of 10 (in 10 days) and 15 (in 40);
    // one in 200 days is outside 60; a draft ending in 5 days does not count.
    entitle(&app, &model, ending(10, 10, "ACTIVE")).await;
    entitle(&app, &model, ending(40, 15, "ACTIVE")).await;
    entitle(&app, &model, ending(200, 5, "ACTIVE")).await;
    entitle(&app, &model, ending(5, 50, "DRAFT")).await;
    for i in 0..12 {
        subscribe(&app, zoom, m, held(&format!("u{i}@x.com"), 100)).await;
    }
    reconcile(&app).await;
    let resp = app
        .gql(
            "{ renewals(withinDays: 60) { endsOn daysLeft rights modelRightsOwned modelRightsUsed utilisationPercent rightsToDrop annualSaving { amount currency } entitlement { purchasedRights softwareModel { id } } } }",
            json!({}),
        )
        .await;
    let r = resp.data()["renewals"].as_array().unwrap().clone();
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0]["daysLeft"], 10);
    assert_eq!(r[0]["endsOn"], (today + Duration::days(10)).to_string());
    assert_eq!(
        (
            r[0]["modelRightsOwned"].clone(),
            r[0]["modelRightsUsed"].clone()
        ),
        (json!(30), json!(12))
    );
    assert_eq!(r[0]["utilisationPercent"], 40.0);
    assert_eq!(r[0]["rightsToDrop"], 10);
    assert_eq!(
        r[0]["annualSaving"],
        json!({ "amount": "1200.00", "currency": "USD" })
    );
    assert_eq!(r[1]["rightsToDrop"], 8);
    assert_eq!(r[1]["entitlement"]["purchasedRights"], 15);
    assert_eq!(r[1]["entitlement"]["softwareModel"]["id"], model.as_str());

    let bad = app
        .gql("{ renewals(withinDays: -1) { daysLeft } }", json!({}))
        .await;
    assert_eq!(bad.error_code(), "BAD_USER_INPUT");
}
crate::db_test!(renewals_say_what_to_drop);

async fn positions_sort_by_waste_and_true_up(app: TestApp) {
    let zoom = crate::fixtures::profile(&app.state.db, Vendor::Zoom, ProfileStatus::Published)
        .await
        .id;
    let other = crate::fixtures::profile(&app.state.db, Vendor::Zoom, ProfileStatus::Published)
        .await
        .id;
    // (rights owned, holders): 2 unused; 5 short; 9 unused; exact.
    let mut models = Vec::new();
    for (i, (owned, used)) in [(10, 8), (5, 10), (10, 1), (3, 3)].into_iter().enumerate() {
        let model = create_model(&app, "Zoom", &format!("P{i}"), "").await;
        let raw = parse_global_id(&model.clone().into()).unwrap().1;
        entitle(&app, &model, json!({ "purchasedRights": owned })).await;
        let profile = if i == 3 { other } else { zoom };
        for u in 0..used {
            subscribe(&app, profile, raw, held(&format!("u{u}m{i}@x.com"), 100)).await;
        }
        models.push(model);
    }
    refresh_seats(&app.state.db, zoom, Utc::now().date_naive())
        .await
        .unwrap();
    refresh_seats(&app.state.db, other, Utc::now().date_naive())
        .await
        .unwrap();
    reconcile(&app).await;
    let order = |by: &str, profile: Option<i64>| {
        let app = &app;
        let by = by.to_owned();
        async move {
            let p = profile.map(|p| global_id("IntegrationProfile", p).to_string());
            let resp = app
                .gql(
                    "query($o: PositionOrder!, $p: ID) { licensePositions(orderBy: $o, profileId: $p) { totalCount edges { node { softwareModel { id } } } } }",
                    json!({ "o": by, "p": p }),
                )
                .await;
            resp.data()["licensePositions"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    e["node"]["softwareModel"]["id"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect::<Vec<_>>()
        }
    };
    let m = &models;
    let ids = |i: &[usize]| i.iter().map(|i| m[*i].clone()).collect::<Vec<_>>();
    assert_eq!(order("MOST_WASTE", None).await, ids(&[2, 0, 1, 3]));
    assert_eq!(order("LARGEST_TRUE_UP", None).await, ids(&[1, 0, 2, 3]));
    assert_eq!(order("OLDEST_FIRST", Some(other)).await, ids(&[3]));
    assert_eq!(order("MOST_WASTE", Some(zoom)).await, ids(&[2, 0, 1]));

    // Pages follow the sort.
    let first = app
        .gql(
            "{ licensePositions(orderBy: MOST_WASTE, first: 2) { pageInfo { hasNextPage endCursor } edges { node { softwareModel { id } } } } }",
            json!({}),
        )
        .await;
    let page = &first.data()["licensePositions"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let cursor = page["pageInfo"]["endCursor"].as_str().unwrap();
    let next = app
        .gql(
            "query($c: String) { licensePositions(orderBy: MOST_WASTE, first: 2, after: $c) { pageInfo { hasNextPage hasPreviousPage } edges { node { softwareModel { id } } } } }",
            json!({ "c": cursor }),
        )
        .await;
    let page = &next.data()["licensePositions"];
    assert_eq!(
        page["edges"][0]["node"]["softwareModel"]["id"],
        m[1].as_str()
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);

    let bad = app
        .gql(
            "{ licensePositions(orderBy: MOST_WASTE, latestOnly: false) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(bad.error_code(), "BAD_USER_INPUT");
}
crate::db_test!(positions_sort_by_waste_and_true_up);
