//! The web console's first visit on the demo data: `seatkeeper serve --demo` (the release
//! binary, in a scratch directory) synced, then Debian's headless Chromium opening `/`
//! with a fresh profile (nothing cached) `VISITS` times. Prints the first contentful paint,
//! the moment the overview's figures are on screen (the console's own
//! `seatkeeper:overview` mark), and what the visit downloaded.
//!
//! `cargo bench --bench console` (needs `chromium` and `chromium-driver`).

#[allow(dead_code)]
#[path = "../tests/api/browser.rs"]
mod browser;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const TOKEN: &str = "sk_bench_admin_token_0123456789";
const VISITS: usize = 10;

/// The demo server; returns its address once it listens.
async fn demo(dir: &std::path::Path) -> (tokio::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seatkeeper"))
        .args(["serve", "--demo"])
        .current_dir(dir)
        .env("SEATKEEPER_LISTEN", "127.0.0.1:0")
        .env("SEATKEEPER_ADMIN_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the seatkeeper binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the server says where it listens");
        if let Some(rest) = line.strip_prefix("Seatkeeper listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, address)
}

async fn gql(http: &reqwest::Client, address: &str, query: &str) -> Value {
    let body: Value = http
        .post(format!("{address}/graphql"))
        .bearer_auth(TOKEN)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"].clone()
}

/// Waits until the demo's tenants are downloaded and no run is left queued or running.
async fn synced(address: &str) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let data = gql(
            &http,
            address,
            "{ q: jobRuns(state: QUEUED) { totalCount } r: jobRuns(state: RUNNING) { totalCount } \
             s: licenseSummary { total { assigned } } }",
        )
        .await;
        let busy = data["q"]["totalCount"].as_i64().unwrap_or(1)
            + data["r"]["totalCount"].as_i64().unwrap_or(1);
        if busy == 0 && data["s"]["total"]["assigned"].as_i64() > Some(0) {
            println!(
                "demo synced in {:.1} s: {} seats",
                started.elapsed().as_secs_f64(),
                data["s"]["total"]["assigned"]
            );
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the demo never settled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

const MEASURE: &str = "const paint = performance.getEntriesByName('first-contentful-paint')[0]; \
     const ready = performance.getEntriesByName('seatkeeper:overview')[0]; \
     const resources = performance.getEntriesByType('resource').filter((e) => !e.name.endsWith('/graphql')); \
     const page = performance.getEntriesByType('navigation')[0]; \
     return [paint ? paint.startTime : -1, ready.startTime, \
       resources.reduce((n, e) => n + e.transferSize, page.transferSize), resources.length + 1];";

fn summary(name: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<28} median {:>6.0} ms   p90 {:>6.0} ms   max {:>6.0} ms",
        at(0.5),
        at(0.9),
        values[values.len() - 1]
    );
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("seatkeeper_console_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (_server, address) = demo(&dir).await;
    synced(&address).await;

    let mut paints = Vec::new();
    let mut ready = Vec::new();
    let mut bytes = 0;
    let mut files = 0;
    for visit in 0..VISITS {
        browser::in_browser(&format!("bench{visit}"), async |session, _| {
            session.resize(1280, 800).await;
            session.goto(&format!("{address}/#token={TOKEN}")).await;
            session
                .wait_for(
                    "the overview's figures",
                    "performance.getEntriesByName('seatkeeper:overview').length",
                )
                .await;
            let m = session.exec(MEASURE, json!([])).await;
            paints.push(m[0].as_f64().unwrap());
            ready.push(m[1].as_f64().unwrap());
            bytes = m[2].as_u64().unwrap();
            files = m[3].as_u64().unwrap();
        })
        .await;
    }
    println!("{VISITS} first visits at 1280×800, nothing cached:");
    summary("first contentful paint", paints);
    summary("overview figures on screen", ready);
    println!("downloaded on a first visit: {bytes} bytes in {files} files (page, scripts, style)");
    let _ = std::fs::remove_dir_all(&dir);
}
