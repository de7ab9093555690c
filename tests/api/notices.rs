//! Notices to seat holders (issue 10), on both databases, with a real SMTP server on
//! loopback (aiosmtpd, `tests/support/smtp_sink.py`) and a real HTTP receiver for the
//! webhook: each notice arrives once on each channel with both links and a valid
//! signature; the links work as a person uses them (GET the page, submit its form), and a
//! forged, expired or reused one is refused with a page; keeping goes to an approver;
//! silence past the waiting days reclaims; SMTP down then up delivers exactly once; a
//! refused mailbox needs attention and a retry sends again; a server SIGKILLed between the
//! state change and delivery loses no notice and sends none twice once restarted.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::enums::CandidateState;
use entity::{reclamation_rule, removal_candidate};
use hmac::{Hmac, Mac};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use seatkeeper::graphql::relay::global_id;
use seatkeeper_sim::Vendor;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{Db, TestApp, TestDatabase};
use crate::receivers::{SmtpSink, Webhook, free_port};
use crate::reclamation::synced_with;
use crate::server_process::{Server, poll};

const WEBHOOK_SECRET: &str = "a-webhook-secret-for-tests";
const WAIT_DAYS: i64 = 3;

/// Checks a `Seatkeeper-Signature` the way a receiver would: the HMAC over "t.body" with
/// the shared secret, and a timestamp no older than five minutes.
fn signature_is_valid(header: &str, body: &[u8], now: chrono::DateTime<Utc>) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&v1).is_ok() && (now.timestamp() - t).abs() < 300
}

/// Waits up to 30 s for `check` to hold.
pub async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn gid(id: i64) -> String {
    global_id("RemovalCandidate", id).to_string()
}

async fn candidate(app: &TestApp, id: i64) -> removal_candidate::Model {
    removal_candidate::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

pub async fn open_in(
    app: &TestApp,
    profile_id: i64,
    state: CandidateState,
) -> Vec<removal_candidate::Model> {
    removal_candidate::Entity::find()
        .filter(removal_candidate::Column::ProfileId.eq(profile_id))
        .filter(removal_candidate::Column::State.eq(state))
        .all(&app.state.db)
        .await
        .unwrap()
}

/// Skips the candidates flagged at sync, turns "notify user" on with a wait (and the
/// cooldown off, so the skipped seats may be flagged again), and evaluates
/// again: every idle seat is flagged afresh, now `AWAITING_USER`. Returns them.
async fn flag_with_notices(
    app: &TestApp,
    profile: &str,
    profile_id: i64,
) -> Vec<removal_candidate::Model> {
    let ready = open_in(app, profile_id, CandidateState::Ready).await;
    assert!(ready.len() >= 5, "{} candidates at sync", ready.len());
    let ids: Vec<String> = ready.iter().map(|c| gid(c.id)).collect();
    app.gql(
        "mutation($ids: [ID!]!) { skipRemovalCandidates(ids: $ids, reason: \"start over\") { error { code } } }",
        json!({ "ids": ids }),
    )
    .await
    .data();
    for rule in reclamation_rule::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
    {
        let resp = app
            .gql(
                "mutation($id: ID!, $d: Int!) { updateReclamationRule(id: $id, input: { notifyUser: true, notifyWaitDays: $d, cooldownDays: 0 }) { notifyUser } }",
                json!({ "id": global_id("ReclamationRule", rule.id).to_string(), "d": WAIT_DAYS }),
            )
            .await;
        assert_eq!(resp.data()["updateReclamationRule"]["notifyUser"], true);
    }
    let eval = app
        .gql(
            "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { flagged } }",
            json!({ "p": profile }),
        )
        .await;
    let flagged = eval.data()["evaluateReclamationRules"]["flagged"]
        .as_i64()
        .unwrap();
    assert_eq!(
        flagged as usize,
        ready.len(),
        "the same seats, flagged afresh"
    );
    let waiting = open_in(app, profile_id, CandidateState::AwaitingUser).await;
    assert_eq!(waiting.len(), ready.len());
    waiting
}

/// The keep and release links of a notice text.
fn links(text: &str) -> (String, String) {
    let found: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.contains("/notice/"))
        .collect();
    assert_eq!(found.len(), 2, "two links in {text}");
    let token = |url: &str| url.rsplit('/').next().unwrap().to_owned();
    let keep = found.iter().find(|u| token(u).contains(".k.")).unwrap();
    let release = found.iter().find(|u| token(u).contains(".r.")).unwrap();
    (
        keep.trim_matches(|c| c == '<' || c == '>').to_owned(),
        release.trim_matches(|c| c == '<' || c == '>').to_owned(),
    )
}

/// The link in `text` whose action code is `code` (`k`, `r`, `a`, `x`).
pub fn link_for(text: &str, code: &str) -> String {
    text.split_whitespace()
        .filter(|w| w.contains("/notice/"))
        .find(|w| w.rsplit('/').next().unwrap().contains(&format!(".{code}.")))
        .unwrap_or_else(|| panic!("a `{code}` link in {text}"))
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned()
}

/// GETs a link as a browser would: (status, page).
pub async fn get(url: &str) -> (u16, String) {
    let resp = reqwest::get(url).await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The hidden form token of a page.
pub fn form_token(page: &str) -> String {
    let at = page
        .find("name=form_token value=\"")
        .expect("the page has the form")
        + 23;
    page[at..].split('"').next().unwrap().to_owned()
}

/// Submits a link's page form: (status, page).
pub async fn submit(url: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

pub async fn history(app: &TestApp, id: i64) -> Vec<Value> {
    let resp = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on RemovalCandidate { history { from to actor reason } } } }",
            json!({ "id": gid(id) }),
        )
        .await;
    resp.data()["node"]["history"].as_array().unwrap().clone()
}

async fn email_and_webhook_links_approvals_and_silence(db: Db) {
    let smtp = SmtpSink::start().await;
    let hook = Webhook::start().await;
    let port = smtp.port.to_string();
    let (app, sim, profile, profile_id) = synced_with(
        db,
        Vendor::Aha,
        &[
            ("SEATKEEPER_SMTP_HOST", "127.0.0.1"),
            ("SEATKEEPER_SMTP_PORT", &port),
            ("SEATKEEPER_SMTP_TLS", "none"),
            ("SEATKEEPER_SMTP_FROM", "Seatkeeper <licences@example.com>"),
            ("SEATKEEPER_NOTICE_WEBHOOK_URL", &hook.url),
            ("SEATKEEPER_NOTICE_WEBHOOK_SECRET", WEBHOOK_SECRET),
            ("SEATKEEPER_SCHEDULER_INTERVAL_SECS", "1"),
        ],
        90,
    )
    .await;
    let waiting = flag_with_notices(&app, &profile, profile_id).await;
    let n = waiting.len();
    until("every notice on both channels", async || {
        smtp.messages().len() >= n && hook.requests().len() >= n
    })
    .await;
    // Nothing more arrives: each notice went out once per channel.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = smtp.messages();
    let hooks = hook.requests();
    assert_eq!(mails.len(), n, "one email per candidate");
    assert_eq!(hooks.len(), n, "one webhook call per candidate");

    let by_holder: BTreeMap<String, &removal_candidate::Model> = waiting
        .iter()
        .map(|c| (c.user_principal_name.clone(), c))
        .collect();
    let mut mail_links = BTreeMap::new();
    for mail in &mails {
        let to = mail["to"][0].as_str().unwrap().to_owned();
        let cand = by_holder
            .get(&to)
            .unwrap_or_else(|| panic!("mail to a holder: {mail}"));
        assert!(
            mail["subject"]
                .as_str()
                .unwrap()
                .contains("will be reclaimed"),
            "{mail}"
        );
        assert!(
            mail["from"]
                .as_str()
                .unwrap()
                .contains("licences@example.com")
        );
        let (text, html) = (
            mail["text"].as_str().unwrap(),
            mail["html"].as_str().unwrap(),
        );
        for part in [text, html] {
            assert!(part.contains("sim"), "the tenant is named: {part}");
            assert!(part.contains("/notice/"), "{part}");
        }
        let (keep, release) = links(text);
        assert!(keep.starts_with(&app.address), "{keep}");
        assert!(
            html.contains(&keep) && html.contains(&release),
            "both links in the HTML too"
        );
        mail_links.insert(cand.id, (keep, release));
    }
    assert_eq!(mail_links.len(), n, "each holder got their own notice");
    let now = Utc::now();
    for h in &hooks {
        assert!(signature_is_valid(&h.signature, &h.body, now), "{h:?}");
        let body: Value = serde_json::from_slice(&h.body).unwrap();
        assert_eq!(body["deliveryId"], h.delivery.as_str());
        let cand = body["candidateId"].as_i64().unwrap();
        let (keep, release) = &mail_links[&cand];
        assert_eq!(body["keepUrl"], keep.as_str());
        assert_eq!(body["releaseUrl"], release.as_str());
        assert_eq!(
            body["holder"],
            candidate(&app, cand).await.user_principal_name
        );
        // A replayed body under another timestamp does not verify.
        let forged = h.signature.replacen("t=", "t=1", 1);
        assert!(!signature_is_valid(&forged, &h.body, now));
    }

    // Every candidate shows its notices, their attempts and the reclaim date.
    let first = waiting[0].id;
    let resp = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on RemovalCandidate { state notifiedAt decideBy notices { channel state attempts sentAt deliveries { number delivered error } } } } }",
            json!({ "id": gid(first) }),
        )
        .await;
    let node = &resp.data()["node"];
    assert_eq!(node["state"], "AWAITING_USER");
    assert!(node["notifiedAt"].is_string());
    let decide_by: chrono::DateTime<Utc> = node["decideBy"].as_str().unwrap().parse().unwrap();
    let expected = Utc::now() + chrono::Duration::days(WAIT_DAYS);
    assert!(
        (decide_by - expected).num_minutes().abs() < 2,
        "{decide_by}"
    );
    let notices = node["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 2, "{node}");
    for notice in notices {
        assert_eq!(notice["state"], "SENT");
        assert_eq!(notice["attempts"], 1);
        assert_eq!(
            notice["deliveries"],
            json!([{ "number": 1, "delivered": true, "error": null }])
        );
    }

    // Keep: the GET page changes nothing (mail scanners fetch links); its form does.
    let kept = waiting[0].id;
    let (keep_url, _) = &mail_links[&kept];
    for _ in 0..2 {
        let (status, page) = get(keep_url).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Keep my seat") && page.contains("<form method=post>"));
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "nothing loads from elsewhere"
        );
    }
    assert_eq!(
        candidate(&app, kept).await.state,
        CandidateState::AwaitingUser
    );
    let (status, page) = get(keep_url).await;
    assert_eq!(status, 200);
    let token = form_token(&page);
    // A form posted without the page's token (another site's form) does nothing.
    let (status, _) = submit(keep_url, &[("form_token", "bm90IHRoZSB0b2tlbg")]).await;
    assert_eq!(status, 403);
    assert_eq!(
        candidate(&app, kept).await.state,
        CandidateState::AwaitingUser
    );
    let (status, page) = submit(
        keep_url,
        &[
            ("form_token", &token),
            ("reason", "I run the quarterly roadmap review"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You keep your seat"));
    assert_eq!(
        candidate(&app, kept).await.state,
        CandidateState::AwaitingApproval
    );
    // Acting twice, or with the other link, changes nothing and says so.
    let (status, page) = submit(keep_url, &[("form_token", &token)]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("already decided"));
    let (status, _) = get(&mail_links[&kept].1).await;
    assert_eq!(status, 409);
    assert_eq!(
        candidate(&app, kept).await.state,
        CandidateState::AwaitingApproval
    );
    // The approver decides; the history says who kept it, who approved it, and why.
    let reclaimer = app.token_with("RECLAIMER").await;
    let approved = app
        .gql_as(
            Some(&reclaimer),
            "mutation($ids: [ID!]!) { approveRemovalCandidates(ids: $ids, note: \"no review this quarter\") { candidate { state } error { code } } }",
            json!({ "ids": [gid(kept)] }),
        )
        .await;
    assert_eq!(
        approved.data()["approveRemovalCandidates"][0]["candidate"]["state"],
        "READY"
    );
    let moves = history(&app, kept).await;
    let kept_move = moves
        .iter()
        .find(|m| m["to"] == "AWAITING_APPROVAL")
        .unwrap();
    assert!(
        kept_move["actor"]
            .as_str()
            .unwrap()
            .contains(&waiting[0].user_principal_name)
    );
    assert!(
        kept_move["reason"]
            .as_str()
            .unwrap()
            .contains("quarterly roadmap review")
    );
    let approve_move = moves.iter().find(|m| m["to"] == "READY").unwrap();
    assert_eq!(approve_move["reason"], "no review this quarter");

    // Release: reclaimed at once through the vendor.
    let released = waiting[1].id;
    let (_, release_url) = &mail_links[&released];
    let (status, page) = get(release_url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Release it now"));
    let (status, page) = submit(release_url, &[("form_token", &form_token(&page))]).await;
    assert_eq!(status, 200, "{page}");
    until("the released seat is reclaimed", async || {
        candidate(&app, released).await.state == CandidateState::ClosedComplete
    })
    .await;

    // Forged links: another candidate's id under this signature, or a cut signature.
    let forged = release_url.replacen(
        &format!("/notice/{released}."),
        &format!("/notice/{}.", waiting[2].id),
        1,
    );
    assert_ne!(&forged, release_url);
    let (status, page) = get(&forged).await;
    assert_eq!(status, 403);
    assert!(page.contains("not valid"));
    let (status, _) = get(&release_url[..release_url.len() - 4]).await;
    assert_eq!(status, 403);

    // Activity coming back before the reclaim date cancels.
    let used = &waiting[2];
    let user = crate::reclamation::candidates(&app, profile_id)
        .await
        .into_iter()
        .find(|(_, _, c)| c.id == used.id)
        .unwrap()
        .0;
    sim.record_activity(&user, seatkeeper_sim::Product::AhaRoadmaps, sim.now())
        .unwrap();
    let pull = crate::sync_e2e::run_and_wait(&app, "runPullActivity", &profile).await;
    assert_eq!(pull.state, entity::enums::JobState::Succeeded);
    assert_eq!(
        candidate(&app, used.id).await.state,
        CandidateState::ClosedCanceled
    );

    // Silence: once the waiting days pass, the scheduler reclaims the rest, and their
    // links have expired.
    let silent: Vec<i64> = waiting[3..].iter().map(|c| c.id).collect();
    app.state
        .clock
        .advance(chrono::Duration::days(WAIT_DAYS) + chrono::Duration::minutes(5));
    let (status, page) = get(&mail_links[&silent[0]].0).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("expired"));
    until("silent seats are reclaimed", async || {
        let mut all = true;
        for id in &silent {
            all &= candidate(&app, *id).await.state == CandidateState::ClosedComplete;
        }
        all
    })
    .await;
    let moves = history(&app, silent[0]).await;
    assert!(
        moves
            .iter()
            .any(|m| m["reason"] == "no answer by the reclaim date"),
        "{moves:?}"
    );
    // Nobody was told twice.
    assert_eq!(smtp.messages().len(), n);
    assert_eq!(hook.requests().len(), n);
}

async fn smtp_down_then_up_and_a_refused_mailbox(db: Db) {
    let mut smtp = SmtpSink::down(free_port());
    let port = smtp.port.to_string();
    let (app, _sim, profile, profile_id) = synced_with(
        db,
        Vendor::Aha,
        &[
            ("SEATKEEPER_SMTP_HOST", "127.0.0.1"),
            ("SEATKEEPER_SMTP_PORT", &port),
            ("SEATKEEPER_SMTP_TLS", "none"),
            ("SEATKEEPER_SMTP_FROM", "licences@example.com"),
            ("SEATKEEPER_SCHEDULER_INTERVAL_SECS", "1"),
            ("SEATKEEPER_NOTICE_RETRY_SECS", "1"),
            ("SEATKEEPER_NOTICE_RETRIES", "8"),
        ],
        90,
    )
    .await;
    let waiting = flag_with_notices(&app, &profile, profile_id).await;
    let n = waiting.len();
    let refused = waiting[0].user_principal_name.clone();
    // The mail server is down: the first attempts fail and are retried later.
    until("a failed first attempt", async || {
        let resp = app
            .gql(
                "query($id: ID!) { node(id: $id) { ... on RemovalCandidate { notices { deliveries { error } } } } }",
                json!({ "id": gid(waiting[1].id) }),
            )
            .await;
        resp.data()["node"]["notices"][0]["deliveries"][0]["error"].is_string()
    })
    .await;
    assert_eq!(
        candidate(&app, waiting[1].id).await.state,
        CandidateState::AwaitingUser
    );
    // It comes back, refusing one mailbox for good.
    smtp.refuse(&[&refused]);
    smtp.up().await;
    until("every deliverable notice", async || {
        smtp.messages().len() >= n - 1
    })
    .await;
    until("the refused one needs attention", async || {
        candidate(&app, waiting[0].id).await.state == CandidateState::AttentionRequired
    })
    .await;
    let refused_cand = candidate(&app, waiting[0].id).await;
    let reason = refused_cand.attention_reason.unwrap();
    assert!(
        reason.contains("refused") && reason.contains("550"),
        "{reason}"
    );
    assert!(refused_cand.notified_at.is_none());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), n - 1, "each deliverable notice exactly once");
    let mut holders: Vec<&str> = mails.iter().map(|m| m["to"][0].as_str().unwrap()).collect();
    holders.sort();
    holders.dedup();
    assert_eq!(holders.len(), n - 1);
    for c in &waiting[1..] {
        let c = candidate(&app, c.id).await;
        assert_eq!(c.state, CandidateState::AwaitingUser);
        assert!(c.notified_at.is_some());
    }
    // The mailbox is fixed; a retry sends the notice again and the holder is asked.
    smtp.refuse(&[]);
    let retried = app
        .gql(
            "mutation($ids: [ID!]!) { retryRemovalCandidates(ids: $ids) { candidate { state } error { code message } } }",
            json!({ "ids": [gid(waiting[0].id)] }),
        )
        .await;
    assert_eq!(
        retried.data()["retryRemovalCandidates"][0]["candidate"]["state"],
        "AWAITING_USER",
        "{:?}",
        retried.body
    );
    until("the retried notice", async || smtp.messages().len() == n).await;
    assert_eq!(smtp.messages()[n - 1]["to"][0], refused.as_str());
    until("the holder is notified", async || {
        candidate(&app, waiting[0].id).await.notified_at.is_some()
    })
    .await;
}

async fn notify_rules_need_a_channel(db: Db) {
    let app = crate::helpers::spawn_app(db).await;
    let model = crate::catalog::create_model(&app, "Zoom", "Zoom Meetings", "Licensed").await;
    let resp = app
        .gql(
            "mutation($m: ID!) { createReclamationRule(input: { softwareModelId: $m, notifyUser: true, notifyWaitDays: 5 }) { id } }",
            json!({ "m": model }),
        )
        .await;
    assert_eq!(resp.error_code(), "BAD_USER_INPUT");
    assert_eq!(resp.error_field(), "notifyUser");
    let message = resp.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("SEATKEEPER_SMTP_HOST")
            && message.contains("SEATKEEPER_NOTICE_WEBHOOK_URL"),
        "{message}"
    );
}
crate::db_kind_test!(
    email_and_webhook_links_approvals_and_silence,
    smtp_down_then_up_and_a_refused_mailbox,
    notify_rules_need_a_channel,
);

/// Skips what the first evaluation flagged, turns on notices and evaluates again, all
/// through a server process's API. Returns the holders now waiting for a notice.
async fn notify_through(server: &Server, profile: &str) -> Vec<String> {
    let listed = server
        .gql(
            "query($p: ID!) { removalCandidates(profileId: $p, states: [READY], first: 100) { edges { node { id } } } }",
            json!({ "p": profile }),
        )
        .await;
    let ids: Vec<Value> = listed["removalCandidates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert!(ids.len() >= 5, "{} candidates", ids.len());
    server
        .gql(
            "mutation($ids: [ID!]!) { skipRemovalCandidates(ids: $ids) { error { code } } }",
            json!({ "ids": ids }),
        )
        .await;
    let rules = server
        .gql(
            "{ reclamationRules(first: 50) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    for edge in rules["reclamationRules"]["edges"].as_array().unwrap() {
        server
            .gql(
                "mutation($id: ID!) { updateReclamationRule(id: $id, input: { notifyUser: true, notifyWaitDays: 3, cooldownDays: 0 }) { id } }",
                json!({ "id": edge["node"]["id"] }),
            )
            .await;
    }
    server
        .gql(
            "mutation($p: ID!) { evaluateReclamationRules(profileId: $p) { flagged } }",
            json!({ "p": profile }),
        )
        .await;
    let waiting = server
        .gql(
            "query($p: ID!) { removalCandidates(profileId: $p, states: [AWAITING_USER], first: 100) { edges { node { userPrincipalName } } } }",
            json!({ "p": profile }),
        )
        .await;
    let holders: Vec<String> = waiting["removalCandidates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["userPrincipalName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(holders.len(), ids.len());
    holders
}

/// A server SIGKILLed after the candidates moved (and their notices were written) but
/// before any notice could be delivered: the next server delivers each once.
async fn a_restart_between_flagging_and_delivery(kind: Db) {
    use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator};
    let sim = Simulator::start(
        SimConfig::new(Vendor::Aha)
            .users(40)
            .seed(5)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let database = TestDatabase::new(kind).await;
    let mut smtp = SmtpSink::down(free_port());
    let port = smtp.port.to_string();
    let env = [
        ("SEATKEEPER_VENDOR_RATE_LIMIT", "off"),
        ("SEATKEEPER_SMTP_HOST", "127.0.0.1"),
        ("SEATKEEPER_SMTP_PORT", port.as_str()),
        ("SEATKEEPER_SMTP_TLS", "none"),
        ("SEATKEEPER_SMTP_FROM", "licences@example.com"),
        ("SEATKEEPER_SCHEDULER_INTERVAL_SECS", "1"),
        ("SEATKEEPER_NOTICE_RETRY_SECS", "1"),
        ("SEATKEEPER_NOTICE_RETRIES", "20"),
    ];
    let first = Server::start("first", &database.url, &env).await;
    let profile = crate::reclaim_crash::published_and_synced(&first, &sim).await;
    let holders = notify_through(&first, &profile).await;
    let db = sea_orm::Database::connect(&database.url).await.unwrap();
    // The mail server is down: every notice is tried and waits, none delivered.
    poll(
        "a failed attempt of every notice",
        Duration::from_secs(30),
        async || {
            let all = entity::notice::Entity::find().all(&db).await.unwrap();
            (all.len() == holders.len() && all.iter().all(|n| n.attempts >= 1)).then_some(())
        },
    )
    .await;
    first.kill().await;
    let unsent = entity::notice::Entity::find()
        .filter(entity::notice::Column::State.ne(entity::enums::NoticeState::Sent))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        unsent.len(),
        holders.len(),
        "nothing was delivered before the kill"
    );

    smtp.up().await;
    let second = Server::start("second", &database.url, &env).await;
    poll(
        "every notice after the restart",
        Duration::from_secs(60),
        async || (smtp.messages().len() >= holders.len()).then_some(()),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut got: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| m["to"][0].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut expected = holders.clone();
    expected.sort();
    assert_eq!(got, expected, "each holder exactly once");
    let sent = entity::notice::Entity::find()
        .filter(entity::notice::Column::State.eq(entity::enums::NoticeState::Sent))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(sent as usize, holders.len());
    drop(second);
}
crate::db_kind_test!(a_restart_between_flagging_and_delivery);
