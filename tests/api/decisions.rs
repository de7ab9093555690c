//! Decisions stick (issue 15), on both databases with the clock moved forward: a seat
//! skipped by a person is held back from flagging for its rule's cooldown (and says so),
//! flagged again after it, and at once when it changes holder; reminders arrive through the
//! loopback SMTP server at the planned times and stop after an answer.

use std::time::Duration;

use chrono::Utc;
use entity::enums::CandidateState;
use entity::{reclamation_rule, removal_candidate, software_subscription as sub};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use seatkeeper::graphql::relay::global_id;
use seatkeeper_sim::Vendor;
use serde_json::{Value, json};

use crate::helpers::{Db, TestApp};
use crate::notices::{open_in, until};
use crate::receivers::SmtpSink;
use crate::reclamation::synced_with;

async fn evaluate(app: &TestApp, profile: &str) -> Value {
    app.gql(
        "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { flagged heldBack alreadyOpen } }",
        json!({ "p": profile }),
    )
    .await
    .data()["evaluateReclamationRules"]
        .clone()
}

async fn held_back(app: &TestApp, subscription: i64) -> Value {
    app.gql(
        "query($id: ID!) { node(id: $id) { ... on SoftwareSubscription { heldBack { until reason } } } }",
        json!({ "id": global_id("SoftwareSubscription", subscription).to_string() }),
    )
    .await
    .data()["node"]["heldBack"]
        .clone()
}

async fn a_skipped_seat_is_held_back_for_the_cooldown(db: Db) {
    let (app, _sim, profile, profile_id) = synced_with(db, Vendor::Aha, &[], 90).await;
    let ready = open_in(&app, profile_id, CandidateState::Ready).await;
    assert!(ready.len() >= 3, "{} candidates", ready.len());
    let (kept, moved) = (&ready[0], &ready[1]);
    let ids: Vec<String> = [kept.id, moved.id]
        .iter()
        .map(|id| global_id("RemovalCandidate", *id).to_string())
        .collect();
    app.gql(
        "mutation($ids: [ID!]!) { skipRemovalCandidates(ids: $ids, reason: \"needed for the audit\") { error { code } } }",
        json!({ "ids": ids }),
    )
    .await
    .data();

    // Idle still, but held back: not flagged again, and the seat says until when and why.
    let eval = evaluate(&app, &profile).await;
    assert_eq!(eval["flagged"], 0, "{eval}");
    assert_eq!(eval["heldBack"], 2, "{eval}");
    let hold = held_back(&app, kept.subscription_id.unwrap()).await;
    let until: chrono::DateTime<Utc> = hold["until"].as_str().unwrap().parse().unwrap();
    assert!(
        (until - (Utc::now() + chrono::Duration::days(90)))
            .num_minutes()
            .abs()
            < 5
    );
    assert!(
        hold["reason"]
            .as_str()
            .unwrap()
            .contains("needed for the audit"),
        "{hold}"
    );
    let model = reclamation_rule::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()[0]
        .software_model_id;
    let preview = |cooldown: i64| {
        let app = &app;
        async move {
            app.gql(
                "query($m: ID!, $c: Int!) { previewReclamationRule(input: { softwareModelId: $m, cooldownDays: $c, sample: 0 }) { result { flagged heldBack } } }",
                json!({ "m": global_id("SoftwareModel", model).to_string(), "c": cooldown }),
            )
            .await
            .data()["previewReclamationRule"]["result"]
                .clone()
        }
    };
    let with = preview(90).await;
    let without = preview(0).await;
    assert_eq!(with["heldBack"], 2, "{with}");
    assert_eq!(without["heldBack"], 0);
    assert_eq!(
        without["flagged"].as_i64().unwrap(),
        with["flagged"].as_i64().unwrap() + 2,
        "without a cooldown the two would be flagged"
    );

    // The seat changes holder (as a download brings after the vendor reassigns it): the
    // decision was about someone else, so it is flagged at once.
    sub::Entity::update_many()
        .col_expr(
            sub::Column::UserPrincipalName,
            Expr::value("new.holder@example.com"),
        )
        .filter(sub::Column::Id.eq(moved.subscription_id.unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert!(
        held_back(&app, moved.subscription_id.unwrap())
            .await
            .is_null()
    );
    let eval = evaluate(&app, &profile).await;
    assert_eq!(
        (eval["flagged"].as_i64(), eval["heldBack"].as_i64()),
        (Some(1), Some(1)),
        "{eval}"
    );

    // After the cooldown the kept seat is flagged again (with the seats that went idle
    // meanwhile).
    app.state.clock.advance(chrono::Duration::days(91));
    assert!(
        held_back(&app, kept.subscription_id.unwrap())
            .await
            .is_null()
    );
    let eval = evaluate(&app, &profile).await;
    assert_eq!(eval["heldBack"], 0, "{eval}");
    assert!(eval["flagged"].as_i64().unwrap() >= 1, "{eval}");
    let again = open_in(&app, profile_id, CandidateState::Ready).await;
    assert!(
        again
            .iter()
            .any(|c| c.subscription_id == kept.subscription_id)
    );
}

/// An Aha! tenant synced with loopback SMTP and a one-second scheduler, whose candidates
/// from the sync are skipped (so the test's rule settings flag afresh).
async fn mailing_with_nothing_flagged(
    db: Db,
) -> (SmtpSink, TestApp, seatkeeper_sim::Simulator, String, i64) {
    let smtp = SmtpSink::start().await;
    let port = smtp.port.to_string();
    let (app, sim, profile, profile_id) = synced_with(
        db,
        Vendor::Aha,
        &[
            ("SEATKEEPER_SMTP_HOST", "127.0.0.1"),
            ("SEATKEEPER_SMTP_PORT", &port),
            ("SEATKEEPER_SMTP_TLS", "none"),
            ("SEATKEEPER_SMTP_FROM", "licences@example.com"),
            ("SEATKEEPER_SCHEDULER_INTERVAL_SECS", "1"),
        ],
        90,
    )
    .await;
    let ready = open_in(&app, profile_id, CandidateState::Ready).await;
    let ids: Vec<String> = ready
        .iter()
        .map(|c| global_id("RemovalCandidate", c.id).to_string())
        .collect();
    app.gql(
        "mutation($ids: [ID!]!) { skipRemovalCandidates(ids: $ids) { error { code } } }",
        json!({ "ids": ids }),
    )
    .await
    .data();
    (smtp, app, sim, profile, profile_id)
}

async fn reminders_arrive_on_time_and_stop_after_an_answer(db: Db) {
    let (smtp, app, _sim, profile, profile_id) = mailing_with_nothing_flagged(db).await;
    for rule in reclamation_rule::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
    {
        // Two reminders, three days apart, need the last a day before the reclaim date.
        let id = global_id("ReclamationRule", rule.id).to_string();
        let refused = app
            .gql(
                "mutation($id: ID!) { updateReclamationRule(id: $id, input: { notifyUser: true, notifyWaitDays: 6, reminderCount: 2, reminderIntervalDays: 3, cooldownDays: 0 }) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
        assert_eq!(refused.error_field(), "reminderCount");
        let set = app
            .gql(
                "mutation($id: ID!) { updateReclamationRule(id: $id, input: { notifyUser: true, notifyWaitDays: 7, reminderCount: 2, reminderIntervalDays: 3, cooldownDays: 0 }) { reminderCount reminderIntervalDays cooldownDays } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            set.data()["updateReclamationRule"],
            json!({ "reminderCount": 2, "reminderIntervalDays": 3, "cooldownDays": 0 })
        );
    }
    let eval = evaluate(&app, &profile).await;
    let n = eval["flagged"].as_u64().unwrap() as usize;
    assert!(n >= 3, "{eval}");
    let waiting = open_in(&app, profile_id, CandidateState::AwaitingUser).await;
    assert_eq!(waiting.len(), n);
    until("the first notices", async || smtp.messages().len() >= n).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), n, "no reminder before its time");

    // Day 3: the first reminder to everyone.
    app.state
        .clock
        .advance(chrono::Duration::days(3) + chrono::Duration::minutes(1));
    until("the first reminders", async || {
        smtp.messages().len() >= 2 * n
    })
    .await;
    let reminders: Vec<Value> = smtp.messages()[n..].to_vec();
    for r in &reminders {
        assert!(
            r["subject"].as_str().unwrap().starts_with("Reminder: "),
            "{r}"
        );
    }
    let mut to: Vec<&str> = reminders
        .iter()
        .map(|r| r["to"][0].as_str().unwrap())
        .collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), n, "one reminder per holder");

    // One holder answers; day 6: the second reminder to the others only.
    let answered = &waiting[0];
    let skip = app
        .gql(
            "mutation($ids: [ID!]!) { skipRemovalCandidates(ids: $ids, reason: \"the holder asked to keep it\") { candidate { state } } }",
            json!({ "ids": [global_id("RemovalCandidate", answered.id).to_string()] }),
        )
        .await;
    assert_eq!(
        skip.data()["skipRemovalCandidates"][0]["candidate"]["state"],
        "CLOSED_SKIPPED"
    );
    app.state.clock.advance(chrono::Duration::days(3));
    until("the second reminders", async || {
        smtp.messages().len() >= 3 * n - 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let all = smtp.messages();
    assert_eq!(all.len(), 3 * n - 1, "nobody reminded after answering");
    assert!(
        all[2 * n..]
            .iter()
            .all(|m| m["to"][0] != answered.user_principal_name.as_str())
    );
    let notices = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on RemovalCandidate { notices { kind state } } } }",
            json!({ "id": global_id("RemovalCandidate", answered.id).to_string() }),
        )
        .await;
    let kinds: Vec<(String, String)> = notices.data()["node"]["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("NOTICE".to_owned(), "SENT".to_owned()),
            ("REMINDER".to_owned(), "SENT".to_owned()),
            ("REMINDER".to_owned(), "DROPPED".to_owned())
        ]
    );
}

crate::db_kind_test!(
    a_skipped_seat_is_held_back_for_the_cooldown,
    reminders_arrive_on_time_and_stop_after_an_answer,
);

/// A kept seat goes to the rule's approver by email; the approver's links decide it once.
async fn an_approver_decides_kept_seats_through_links(db: Db) {
    use crate::notices::{form_token, get, history, link_for, submit};
    let (smtp, app, _sim, profile, profile_id) = mailing_with_nothing_flagged(db).await;
    for rule in reclamation_rule::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
    {
        let id = global_id("ReclamationRule", rule.id).to_string();
        // No webhook is configured: it cannot be the approver.
        let refused = app
            .gql(
                "mutation($id: ID!) { updateReclamationRule(id: $id, input: { approver: \"webhook\" }) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(refused.error_field(), "approver", "{:?}", refused.body);
        let set = app
            .gql(
                "mutation($id: ID!) { updateReclamationRule(id: $id, input: { notifyUser: true, notifyWaitDays: 3, cooldownDays: 0, approver: \"Boss@Example.com\" }) { approver } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            set.data()["updateReclamationRule"]["approver"],
            "boss@example.com"
        );
    }
    evaluate(&app, &profile).await;
    let waiting = open_in(&app, profile_id, CandidateState::AwaitingUser).await;
    let n = waiting.len();
    until("the notices", async || smtp.messages().len() >= n).await;
    let mail_of = |holder: &str| {
        smtp.messages()
            .into_iter()
            .find(|m| m["to"][0] == holder)
            .unwrap_or_else(|| panic!("mail to {holder}"))
    };

    // Two holders keep their seats, with reasons.
    for (cand, reason) in [(&waiting[0], "board reports"), (&waiting[1], "on leave")] {
        let keep = link_for(
            mail_of(&cand.user_principal_name)["text"].as_str().unwrap(),
            "k",
        );
        let (_, page) = get(&keep).await;
        let (status, _) = submit(
            &keep,
            &[("form_token", &form_token(&page)), ("reason", reason)],
        )
        .await;
        assert_eq!(status, 200);
    }
    until("two approval requests", async || {
        smtp.messages()
            .iter()
            .filter(|m| m["to"][0] == "boss@example.com")
            .count()
            == 2
    })
    .await;
    let requests: Vec<Value> = smtp
        .messages()
        .into_iter()
        .filter(|m| m["to"][0] == "boss@example.com")
        .collect();
    let request_for = |cand: &removal_candidate::Model| {
        requests
            .iter()
            .find(|m| {
                m["subject"]
                    .as_str()
                    .unwrap()
                    .contains(&cand.user_principal_name)
            })
            .unwrap()
            .clone()
    };

    // The first: the approver lets the holder keep it. The page shows why it waits.
    let first = request_for(&waiting[0]);
    let text = first["text"].as_str().unwrap();
    assert!(text.contains("board reports"), "{text}");
    let reject = link_for(text, "x");
    let (status, page) = get(&reject).await;
    assert_eq!(status, 200);
    assert!(page.contains("board reports") && page.contains("Let them keep it"));
    assert_eq!(
        open_in(&app, profile_id, CandidateState::AwaitingApproval)
            .await
            .len(),
        2,
        "reading the page changed nothing"
    );
    let token = form_token(&page);
    let (status, page) = submit(&reject, &[("form_token", &token)]).await;
    assert_eq!(status, 200, "{page}");
    let closed = removal_candidate::Entity::find_by_id(waiting[0].id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.state, CandidateState::ClosedSkipped);
    let moves = history(&app, waiting[0].id).await;
    let last = moves.last().unwrap();
    assert!(
        last["actor"]
            .as_str()
            .unwrap()
            .contains("boss@example.com (approver"),
        "{last}"
    );
    // Deciding again, or the other way, changes nothing.
    assert_eq!(submit(&reject, &[("form_token", &token)]).await.0, 409);
    assert_eq!(get(&link_for(text, "a")).await.0, 409);

    // The second: the approver approves, and the seat is reclaimed.
    let second = request_for(&waiting[1]);
    let approve = link_for(second["text"].as_str().unwrap(), "a");
    let (_, page) = get(&approve).await;
    let (status, page) = submit(&approve, &[("form_token", &form_token(&page))]).await;
    assert_eq!(status, 200, "{page}");
    until("the approved seat is reclaimed", async || {
        removal_candidate::Entity::find_by_id(waiting[1].id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .state
            == CandidateState::ClosedComplete
    })
    .await;
}
crate::db_kind_test!(an_approver_decides_kept_seats_through_links);
