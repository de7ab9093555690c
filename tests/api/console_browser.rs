//! The web console at `/`, as a person uses it: in Debian's headless Chromium against a
//! server synced with the Zoom simulator. Sign in with a token, read the overview and find
//! the API's figures on it, reclaim one idle seat and watch it close (and the seat leave
//! the vendor), watch a download's run move live, tune a rule's threshold against the
//! preview, and, as a viewer, not be offered what a viewer may not do; a revoked token
//! goes back to sign-in. Screenshots of each page at 1280×800 and at 420×900 are written
//! to `target/tmp/console-screenshots/` (or `SEATKEEPER_SCREENSHOTS`).

use seatkeeper_sim::Vendor;
use serde_json::json;

use crate::browser::{Session, in_browser};
use crate::connectors::truth_rows;
use crate::console_support::{WIDE, digits, open, shoot, sign_in};
use crate::helpers::{ADMIN_TOKEN, Db, TestApp};
use crate::jobs_support::{run_id, wait_final};
use crate::reclamation::synced;

async fn overview_matches_the_api(session: &Session<'_>, app: &TestApp) {
    let api = app
        .gql(
            "{ licenseSummary { total { assigned idle percentUnused amounts { currency annualSpend { amount } potentialSavings { amount } } } } }",
            json!({}),
        )
        .await;
    let total = &api.data()["licenseSummary"]["total"];
    assert!(
        total["idle"].as_i64() > Some(0),
        "the tenant has idle seats: {total}"
    );
    let shown = |figure: &str| format!("[data-figure={figure}] .tile-value");
    assert_eq!(
        digits(&session.text(&shown("assigned")).await),
        total["assigned"].to_string()
    );
    assert_eq!(
        digits(&session.text(&shown("idle")).await),
        total["idle"].to_string()
    );
    let unused = format!("{:.1}", total["percentUnused"].as_f64().unwrap());
    assert_eq!(
        digits(&session.text(&shown("percentUnused")).await),
        digits(&unused)
    );
    let amounts = total["amounts"].as_array().unwrap();
    assert!(!amounts.is_empty(), "the entitlement prices the estate");
    for figure in ["annualSpend", "potentialSavings"] {
        let text = session.text(&shown(figure)).await;
        for amount in amounts {
            let want = digits(amount[figure]["amount"].as_str().unwrap());
            assert!(
                digits(&text).contains(&want),
                "{figure}: {text} shows {amount}"
            );
        }
    }
    // The bucket chart says what it draws, for screen readers too.
    let chart = session
        .exec(
            "return document.querySelector('svg.chart').getAttribute('aria-label');",
            json!([]),
        )
        .await;
    // Each model's history arrives in a query of its own after the figures.
    session
        .wait_for(
            "the licence position over time",
            "document.querySelector('.trend-chart p')",
        )
        .await;
    assert!(
        chart.as_str().unwrap_or_default().contains("never"),
        "{chart}"
    );
}

/// Reclaims the first READY seat shown and waits for its row to close; returns its id.
async fn reclaim_one(session: &Session<'_>) -> String {
    open(
        session,
        "idle",
        "document.querySelector('#candidates tr[data-state=READY]')",
    )
    .await;
    let id = session
        .exec(
            "const row = document.querySelector('#candidates tr[data-state=READY]'); \
             row.querySelector('input[type=checkbox]').click(); return row.dataset.id;",
            json!([]),
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    session.click("[data-action=reclaim]").await;
    let asked = session.text("#confirm p").await;
    assert!(
        asked.contains("1 seat"),
        "the confirmation says how many: {asked}"
    );
    assert!(asked.contains("saving"), "and how much money: {asked}");
    shoot(session, "reclaim-confirm").await;
    session.resize(WIDE.0, WIDE.1).await;
    session.click("#confirm-ok").await;
    session
        .wait_for(
            "the reclaimed row to close",
            &format!("document.querySelector('#candidates tr[data-id=\"{id}\"][data-state=CLOSED_COMPLETE]')"),
        )
        .await;
    id
}

/// Skips the first READY seat shown with a reason; the API then has the reason.
async fn skip_one(session: &Session<'_>, app: &TestApp) {
    let id = session
        .exec(
            "const row = document.querySelector('#candidates tr[data-state=READY]'); \
             row.querySelector('input[type=checkbox]').click(); return row.dataset.id;",
            json!([]),
        )
        .await;
    session.click("[data-action=skip]").await;
    session
        .type_into("#confirm-note", "kept for the audit")
        .await;
    session.click("#confirm-ok").await;
    session
        .wait_for(
            "the skipped row to close",
            &format!(
                "document.querySelector('#candidates tr[data-id={id}][data-state=CLOSED_SKIPPED]')"
            ),
        )
        .await;
    let node = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on RemovalCandidate { state closeReason } } }",
            json!({ "id": id }),
        )
        .await;
    let node = &node.data()["node"];
    assert_eq!(node["state"], "CLOSED_SKIPPED");
    assert!(
        node["closeReason"]
            .as_str()
            .unwrap_or_default()
            .contains("kept for the audit"),
        "{node}"
    );
}

/// Starts a download from the jobs page and records every row the live table draws for
/// its run: (state, progress done).
async fn download_moves(session: &Session<'_>) -> Vec<(String, i64)> {
    open(
        session,
        "jobs",
        "document.querySelector('#profiles tr[data-profile] button')",
    )
    .await;
    // Every row drawn for a run, as the subscription delivers its updates.
    session
        .exec(
            "window.__seen = []; new MutationObserver((records) => records.forEach((r) => \
             r.addedNodes.forEach((n) => { if (n.dataset && n.dataset.run) { \
             const p = n.querySelector('progress'); \
             window.__seen.push([n.dataset.run, n.dataset.state, p ? Number(p.value) : -1, n.textContent]); } }))) \
             .observe(document.getElementById('runs'), { childList: true });",
            json!([]),
        )
        .await;
    session
        .click("#profiles tr[data-profile] button:not([disabled])")
        .await;
    let seen = session
        .wait_for(
            "the download's run to finish live",
            "(() => { const s = window.__seen.filter((x) => x[3].startsWith('Download')); \
             const last = s[s.length - 1]; \
             return last && last[1] === 'SUCCEEDED' ? s.filter((x) => x[0] === last[0]) : null; })()",
        )
        .await;
    seen.as_array()
        .unwrap()
        .iter()
        .map(|x| (x[1].as_str().unwrap().to_owned(), x[2].as_i64().unwrap()))
        .collect()
}

/// The first rule's preview at another threshold equals the API's.
async fn preview_follows_the_threshold(session: &Session<'_>, app: &TestApp) {
    open(
        session,
        "rules",
        "document.querySelector('.rule [data-figure=flagged]')",
    )
    .await;
    let model = session
        .exec(
            "return document.querySelector('.rule').dataset.rule;",
            json!([]),
        )
        .await;
    let rule = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on ReclamationRule { softwareModel { id } cooldownDays } } }",
            json!({ "id": model }),
        )
        .await;
    let rule = &rule.data()["node"];
    let api = app
        .gql(
            "query($m: ID!, $c: Int!) { previewReclamationRule(input: { softwareModelId: $m, inactivityThresholdDays: 7, cooldownDays: $c, sample: 0 }) { result { flagged } } }",
            json!({ "m": rule["softwareModel"]["id"], "c": rule["cooldownDays"] }),
        )
        .await;
    let flagged = api.data()["previewReclamationRule"]["result"]["flagged"].to_string();
    session
        .exec(
            "const input = document.querySelector('.rule input[type=number]'); input.value = '7'; \
             input.dispatchEvent(new Event('input'));",
            json!([]),
        )
        .await;
    session
        .wait_for(
            "the preview at 7 days",
            &format!(
                "document.querySelector('.rule [data-figure=flagged]').textContent.replace(/\\D/g, '') === '{flagged}' \
                 && !document.querySelector('.rule button.primary').disabled"
            ),
        )
        .await;
}

/// Everything an admin does; returns the reclaimed seat as (vendor user, identifier).
async fn as_admin(session: &Session<'_>, app: &TestApp) -> (String, String) {
    // A first visit names nothing but this server, and the sign-in form asks for a token.
    session.goto(&format!("{}/", app.address)).await;
    session
        .wait_for("the sign-in form", "document.querySelector('#sign-in')")
        .await;
    session
        .type_into("#token", "sk_not_a_token_of_this_server\u{E007}")
        .await;
    session
        .wait_for(
            "a wrong token refused",
            "document.querySelector('#sign-in-error').textContent.includes('not accepted')",
        )
        .await;
    shoot(session, "sign-in").await;
    sign_in(session, app, ADMIN_TOKEN).await;
    // The refused token's 401 is in the browser's log; from here on, nothing may be.
    session.console().await;
    let paint = session
        .exec(
            "const p = performance.getEntriesByName('first-contentful-paint')[0]; \
             return [p ? p.startTime : null, location.origin, \
             performance.getEntriesByType('resource').map((e) => e.name)];",
            json!([]),
        )
        .await;
    let origin = format!("{}/", paint[1].as_str().unwrap());
    for url in paint[2].as_array().unwrap() {
        let url = url.as_str().unwrap();
        assert!(
            url.starts_with(&origin) || url.starts_with("data:"),
            "{url} is not from {origin}"
        );
    }
    eprintln!(
        "console: first contentful paint {} ms, assets {} bytes",
        paint[0],
        seatkeeper::http::console::bundle_bytes()
    );

    overview_matches_the_api(session, app).await;
    shoot(session, "overview").await;
    session.resize(WIDE.0, WIDE.1).await;

    let id = reclaim_one(session).await;
    skip_one(session, app).await;
    shoot(session, "idle").await;
    session.resize(WIDE.0, WIDE.1).await;
    let candidate = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on RemovalCandidate { state subscription { externalUserId subscriptionIdentifier } } } }",
            json!({ "id": id }),
        )
        .await;
    let node = &candidate.data()["node"];
    assert_eq!(node["state"], "CLOSED_COMPLETE", "{node}");
    let seat = (
        node["subscription"]["externalUserId"]
            .as_str()
            .unwrap()
            .to_owned(),
        node["subscription"]["subscriptionIdentifier"]
            .as_str()
            .unwrap()
            .to_owned(),
    );

    let seen = download_moves(session).await;
    let states: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    assert!(
        states.contains(&"RUNNING"),
        "the run was seen running: {seen:?}"
    );
    let progress: Vec<i64> = seen.iter().map(|(_, p)| *p).filter(|p| *p >= 0).collect();
    assert!(
        progress.windows(2).all(|w| w[0] <= w[1]),
        "progress only moves forwards: {seen:?}"
    );
    shoot(session, "jobs").await;
    session.resize(WIDE.0, WIDE.1).await;

    preview_follows_the_threshold(session, app).await;
    shoot(session, "rules").await;

    session.assert_no_console_errors().await;
    seat
}

/// A viewer sees the figures and the seats but no action, no checkbox and no save; once
/// its token is revoked the console goes back to sign-in and says why.
async fn as_viewer(session: &Session<'_>, app: &TestApp, token: &str) {
    sign_in(session, app, token).await;
    open(
        session,
        "idle",
        "document.querySelector('#candidates tbody tr[data-id]')",
    )
    .await;
    let offered = session
        .exec(
            "return [document.querySelectorAll('[data-action]').length, \
             document.querySelectorAll('#candidates input[type=checkbox]').length];",
            json!([]),
        )
        .await;
    assert_eq!(offered, json!([0, 0]), "a viewer is offered no action");
    open(
        session,
        "rules",
        "document.querySelector('.rule [data-figure=flagged]')",
    )
    .await;
    let save = session
        .exec(
            "return [document.querySelectorAll('.rule button').length, \
             document.querySelector('.rule input[type=number]').readOnly];",
            json!([]),
        )
        .await;
    assert_eq!(save, json!([0, true]), "a viewer cannot save a rule");
    open(
        session,
        "jobs",
        "document.querySelector('#profiles tr[data-profile]')",
    )
    .await;
    let run = session
        .exec(
            "return document.querySelectorAll('#profiles button').length;",
            json!([]),
        )
        .await;
    assert_eq!(run, 0, "a viewer starts no run");
    shoot(session, "viewer-jobs").await;

    let tokens = app
        .gql("{ apiTokens { nodes { id name } } }", json!({}))
        .await;
    let id = tokens.data()["apiTokens"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "VIEWER test token")
        .map(|t| t["id"].clone())
        .expect("the viewer's token");
    app.gql(
        "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
        json!({ "id": id }),
    )
    .await;
    open(
        session,
        "overview",
        "document.querySelector('#sign-in-error')",
    )
    .await;
    let said = session.text("#sign-in-error").await;
    assert!(said.contains("no longer accepted"), "{said}");
    let kept = session
        .exec("return JSON.stringify(sessionStorage);", json!([]))
        .await;
    assert!(
        !kept.as_str().unwrap().contains(token),
        "the revoked token is forgotten"
    );
}

/// An entitlement in euros for Zoom Meetings, and the model reconciled with it: the
/// overview then has a spend to show, in a currency formatted by the browser's locale.
async fn priced(app: &TestApp) {
    let models = app
        .gql(
            "{ softwareModels(vendor: ZOOM, search: \"Meetings\") { nodes { id } } }",
            json!({}),
        )
        .await;
    let model = models.data()["softwareModels"]["nodes"][0]["id"].clone();
    let year = chrono::Utc::now().format("%Y").to_string();
    app.gql(
        "mutation($m: ID!, $s: Date!, $e: Date!) { createEntitlement(input: { softwareModelId: $m, name: \"meetings\", purchasedRights: 20, unitCost: \"149.90\", currency: \"EUR\", periodStart: $s, periodEnd: $e }) { id } }",
        json!({ "m": model, "s": format!("{year}-01-01"), "e": format!("{year}-12-31") }),
    )
    .await
    .data();
    let run = app
        .gql(
            "mutation($m: ID!) { runReconciliation(softwareModelId: $m) { id } }",
            json!({ "m": model }),
        )
        .await;
    wait_final(&app.state, run_id(&run.data()["runReconciliation"]["id"])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_reads_reclaims_and_watches_in_the_console() {
    let (app, sim, _, _) = synced(Db::Sqlite, Vendor::Zoom).await;
    priced(&app).await;
    let seats_before = truth_rows(&sim.truth()).len();
    let mut seat = None;
    in_browser("console_admin", async |session, _| {
        seat = Some(as_admin(session, &app).await);
    })
    .await;
    // The seat reclaimed in the browser left the vendor, and no other did.
    let (user, identifier) = seat.expect("a seat was reclaimed");
    let held = |rows: Vec<(String, String, bool)>| {
        rows.into_iter()
            .any(|(u, i, _)| u == user && i == identifier)
    };
    let after = truth_rows(&sim.truth());
    assert_eq!(after.len(), seats_before - 1);
    assert!(!held(after), "{user} still holds {identifier}");

    let viewer = app.token_with("VIEWER").await;
    in_browser("console_viewer", async |session, _| {
        as_viewer(session, &app, &viewer).await;
    })
    .await;
}
