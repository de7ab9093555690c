//! The web console at `/`, as a person uses it: in Debian's headless Chromium against a
//! server synced with the Zoom simulator. Sign in with a token, read the overview and find
//! the API's figures on it, reclaim one idle seat and watch it close (and the seat leave
//! the vendor), watch a download's run move live, tune a rule's threshold against the
//! preview, and, as a viewer, not be offered what a viewer may not do; a revoked token
//! goes back to sign-in. Screenshots of each page at 1280×800 and at 420×900 are written
//! to `target/tmp/console-screenshots/` (or `SEATKEEPER_SCREENSHOTS`).

use std::path::PathBuf;

use seatkeeper_sim::Vendor;
use serde_json::{Value, json};

use crate::browser::{Session, in_browser};
use crate::connectors::truth_rows;
use crate::helpers::{ADMIN_TOKEN, Db, TestApp};
use crate::jobs_support::{run_id, wait_final};
use crate::reclamation::synced;

const WIDE: (u32, u32) = (1280, 800);
const NARROW: (u32, u32) = (420, 900);

fn screenshots() -> PathBuf {
    std::env::var_os("SEATKEEPER_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots"))
}

/// The digits of a figure as shown ("$8,717.00" → "871700"): the console formats numbers
/// by the browser's locale, the API answers plain ones.
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Controls without a name a screen reader can say, on the page now shown.
const UNNAMED: &str = "return [...document.querySelectorAll('input, select, button, a')] \
     .filter((el) => el.offsetParent !== null) \
     .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || \
       el.getAttribute('aria-labelledby') || el.textContent.trim())) \
     .map((el) => el.outerHTML);";

/// Both sizes of the page now shown, as `<name>-1280.png` and `<name>-420.png`, once every
/// control on it is named.
async fn shoot(session: &Session<'_>, name: &str) {
    let unnamed = session.exec(UNNAMED, json!([])).await;
    assert_eq!(unnamed, json!([]), "{name}: controls without a name");
    for (w, h) in [NARROW, WIDE] {
        session.resize(w, h).await;
        session
            .save_screenshot(&screenshots().join(format!("{name}-{w}.png")))
            .await;
    }
}

/// Signs in from the keyboard: the token typed into its field, then Enter.
async fn sign_in(session: &Session<'_>, app: &TestApp, token: &str) {
    session.goto(&format!("{}/", app.address)).await;
    session
        .type_into("#token", &format!("{token}\u{E007}"))
        .await;
    session
        .wait_for(
            "the overview",
            "document.querySelector('[data-figure=assigned] .tile-value')",
        )
        .await;
}

async fn open(session: &Session<'_>, view: &str, ready: &str) {
    session
        .exec(
            "location.hash = arguments[0];",
            json!([format!("#/{view}")]),
        )
        .await;
    session.wait_for(view, ready).await;
}

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

    let errors: Vec<Value> = session
        .console()
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(
        errors.is_empty(),
        "the browser console shows errors: {errors:?}"
    );
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

/// `/` is the console's page with its policy; every asset it names comes from the binary,
/// cached for good; anything else under `/console/` is a JSON 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_served_from_the_binary() {
    let app = crate::helpers::spawn_app(Db::Sqlite).await;
    let page = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .expect("the page loads");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.starts_with("default-src 'none'; script-src 'self';"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("://"), "the page names no other origin");
    let assets: Vec<String> = html
        .split("\"/console/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|file| format!("/console/{file}"))
        .collect();
    assert_eq!(assets.len(), 8, "{assets:?}");
    let mut bytes = 0;
    for url in &assets {
        let resp = app
            .client
            .get(format!("{}{url}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        assert!(
            resp.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        bytes += resp.bytes().await.unwrap().len();
    }
    assert_eq!(bytes, seatkeeper::http::console::bundle_bytes());
    let missing = app
        .client
        .get(format!("{}/console/console.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

/// `serve --demo` on a fresh directory prints a console link that signs in with the admin
/// token it generated; opened once the demo's first syncs are in, the console shows the
/// demo tenants' seats. The real binary, as a person starts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_prints_a_link_that_opens_the_console_on_its_data() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let dir = std::env::temp_dir().join(format!(
        "seatkeeper_demo_console_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_seatkeeper"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SEATKEEPER_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .args(["serve", "--demo"])
        .current_dir(&dir)
        .env("SEATKEEPER_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the seatkeeper binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let link = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("Demo mode: open the console at ") {
                return rest.trim().to_owned();
            }
        }
        panic!("the demo printed no console link");
    })
    .await
    .expect("the demo prints its console link");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let (base, token) = link
        .split_once("#token=")
        .expect("the link carries the token");

    // Until the demo's first runs are done, the figures are still coming in.
    let http = reqwest::Client::new();
    crate::server_process::poll("the demo's first syncs", std::time::Duration::from_secs(120), async || {
        let body: Value = http
            .post(format!("{base}graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": "{ q: jobRuns(state: QUEUED) { totalCount } r: jobRuns(state: RUNNING) { totalCount } s: licenseSummary { total { assigned } } }" }))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let d = &body["data"];
        (d["q"]["totalCount"] == 0 && d["r"]["totalCount"] == 0 && d["s"]["total"]["assigned"].as_i64() > Some(0))
            .then(|| d["s"]["total"]["assigned"].as_i64().unwrap())
    })
    .await;

    in_browser("console_demo", async |session, _| {
        session.goto(&link).await;
        session
            .wait_for(
                "the overview",
                "document.querySelector('[data-figure=assigned] .tile-value')",
            )
            .await;
        let assigned = digits(&session.text("[data-figure=assigned] .tile-value").await);
        assert!(
            assigned.parse::<u64>().unwrap() > 1_000,
            "the demo's seats: {assigned}"
        );
        let address = session.exec("return location.href;", json!([])).await;
        assert!(
            !address.as_str().unwrap().contains(token),
            "the token left the address bar: {address}"
        );
        shoot(session, "demo-overview").await;
    })
    .await;
    let _ = child.start_kill();
    let _ = std::fs::remove_dir_all(&dir);
}
