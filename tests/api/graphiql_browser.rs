//! GraphiQL served from the binary: its page and assets over HTTP, then the page in a real
//! browser: Debian's headless Chromium, driven over the W3C WebDriver protocol through its
//! `chromedriver`, loads `/graphql` from the server alone and runs a query and a
//! subscription with the token typed into the "API token" field.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::browser::{Session, in_browser};
use crate::db_test;
use crate::helpers::{ADMIN_TOKEN, Db, TestApp, spawn_app};

/// Puts `arguments[0]` into the query editor (GraphiQL 3 edits with CodeMirror 5) and
/// returns once GraphiQL has parsed it: it does so 100 ms after a change, and until then
/// would run the previous operation's kind (a subscription over HTTP).
const SET_QUERY: &str = r#"
const [text, done] = arguments;
const editor = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
editor.setValue(text);
const parsed = () => editor.documentAST && editor.documentAST.loc.source.body === text;
const poll = () => (parsed() ? done(true) : setTimeout(poll, 20));
poll();
"#;

/// The result pane's text.
const READ_RESPONSE: &str = "const el = document.querySelector('.result-window .CodeMirror'); \
     return el ? el.CodeMirror.getValue() : '';";

/// Waits until the result pane shows a new response (other than `arguments[1]`) containing
/// `arguments[0]` or errors, then returns it.
const AWAIT_RESPONSE: &str = r#"
const [needle, before, done] = arguments;
const read = () => {
  const el = document.querySelector('.result-window .CodeMirror');
  return el ? el.CodeMirror.getValue() : '';
};
const check = () => {
  const text = read();
  const answered = text !== before && (text.includes(needle) || text.includes('"errors"'));
  if (answered) done(text);
  return answered;
};
if (!check()) {
  const seen = new MutationObserver(() => { if (check()) seen.disconnect(); });
  seen.observe(document.body, { subtree: true, childList: true, characterData: true });
}
"#;

async fn run(session: &Session<'_>, query: &str, expect: &str) -> String {
    session.exec_async(SET_QUERY, json!([query])).await;
    let before = session.exec(READ_RESPONSE, json!([])).await;
    session.click(".graphiql-execute-button").await;
    let text = session
        .exec_async(AWAIT_RESPONSE, json!([expect, before]))
        .await;
    text.as_str().unwrap_or_default().to_owned()
}

/// Everything the test checks in the browser; any failed assertion panics.
async fn drive(session: &Session<'_>, app: &TestApp, shot: &Path) {
    session.goto(&format!("{}/graphql", app.address)).await;
    session.find(".graphiql-execute-button").await;
    session.type_into("#token", ADMIN_TOKEN).await;
    // GraphiQL fetches the schema again with the token: the docs list the root types.
    session
        .click("button[aria-label='Show Documentation Explorer']")
        .await;
    session.find(".graphiql-doc-explorer-root-type").await;

    let text = run(session, "{ viewer { role } }", "\"role\"").await;
    assert!(
        text.contains("\"role\": \"ADMIN\""),
        "the result pane shows {text}"
    );
    // Over WebSocket, the token goes in connection_init.
    let query = "subscription { ping(count: 3, intervalMs: 10) }";
    let text = run(session, query, "\"ping\": 3").await;
    assert!(text.contains("\"ping\": 3"), "the result pane shows {text}");

    // Everything came from the server itself (`data:` URLs are the stylesheet's fonts).
    let loaded = session
        .exec(
            "return [location.origin, performance.getEntriesByType('resource').map(e => e.name)];",
            json!([]),
        )
        .await;
    let origin = format!("{}/", loaded[0].as_str().expect("the page's origin"));
    let urls: Vec<&str> = loaded[1]
        .as_array()
        .expect("resource entries")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        urls.len() >= 6,
        "the scripts and styles were loaded: {urls:?}"
    );
    for url in &urls {
        assert!(
            url.starts_with(&origin) || url.starts_with("data:"),
            "{url} is not from {origin}"
        );
    }

    session.save_screenshot(shot).await;

    // GraphiQL's dialogs add a <style>: the policy lets it in with the page's nonce.
    session
        .click("button[aria-label='Open settings dialog']")
        .await;
    session.find("[role='dialog']").await;
    session.assert_no_console_errors().await;

    // The token survives a reload of the tab, and only in sessionStorage.
    session.post("refresh", json!({})).await;
    session.find(".graphiql-execute-button").await;
    let kept = session
        .exec(
            "return [document.getElementById('token').value, \
             JSON.stringify(sessionStorage), JSON.stringify(localStorage)];",
            json!([]),
        )
        .await;
    assert_eq!(kept[0], ADMIN_TOKEN, "the field keeps the token");
    let in_session = kept[1].as_str().unwrap_or_default();
    assert!(
        in_session.contains(ADMIN_TOKEN),
        "sessionStorage: {in_session}"
    );
    let in_local = kept[2].as_str().unwrap_or_default();
    assert!(!in_local.contains(ADMIN_TOKEN), "localStorage: {in_local}");
}

async fn graphiql_runs_a_query_and_a_subscription_in_headless_chromium(app: TestApp) {
    in_browser("graphiql", async |session, dir| {
        // Set SEATKEEPER_GRAPHIQL_SCREENSHOT=/tmp/graphiql.png to keep the screenshot.
        let shot = std::env::var_os("SEATKEEPER_GRAPHIQL_SCREENSHOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| dir.join("graphiql.png"));
        drive(session, &app, &shot).await;
    })
    .await;
}

db_test!(graphiql_runs_a_query_and_a_subscription_in_headless_chromium);

/// The page's header and the asset URLs it names.
async fn load_page(app: &TestApp) -> (String, Vec<String>) {
    let page = app
        .client
        .get(app.graphql_url())
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("the page loads");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("an ASCII policy")
        .to_owned();
    let html = page.text().await.expect("the page's text");
    assert!(
        !html.contains("://"),
        "the page names no other origin: {html}"
    );
    let urls = html
        .split("\"/graphiql/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|file| format!("/graphiql/{file}"))
        .collect();
    let nonce = html
        .split("name=\"csp-nonce\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries its nonce");
    assert!(policy.contains(&format!("'nonce-{nonce}'")), "{policy}");
    (policy, urls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_assets_come_from_the_binary_and_are_cached_for_good() {
    let app = spawn_app(Db::Sqlite).await;
    let (policy, urls) = load_page(&app).await;
    assert!(
        policy.starts_with("default-src 'none'; script-src 'self';"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe"), "{policy}");
    let (again, _) = load_page(&app).await;
    assert_ne!(policy, again, "each page gets its own nonce");

    assert_eq!(urls.len(), 6, "{urls:?}");
    for url in &urls {
        let resp = app
            .client
            .get(format!("{}{url}", app.address))
            .send()
            .await
            .expect("the asset loads");
        assert_eq!(resp.status(), 200, "{url}");
        let header = |name: &str| resp.headers()[name].to_str().unwrap_or_default().to_owned();
        let kind = if url.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(
            header("content-type").starts_with(kind),
            "{url}: {}",
            header("content-type")
        );
        assert!(header("cache-control").contains("immutable"), "{url}");
        assert!(
            !resp.bytes().await.expect("the asset's body").is_empty(),
            "{url}"
        );
    }

    let resp = app
        .client
        .get(format!("{}/graphiql/graphiql.min.js", app.address))
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), 404, "a name without its hash is unknown");
    let body: Value = resp.json().await.expect("a JSON 404");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
}
