//! The console as the binary serves it: `/` and its assets from the binary, and demo
//! mode's printed link opening the console on the demo's data (the real `seatkeeper serve
//! --demo`, in Debian's headless Chromium).

use serde_json::{Value, json};

use crate::browser::in_browser;
use crate::console_support::{digits, shoot};
use crate::helpers::Db;

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
