//! GraphiQL served from the binary: its page and assets over HTTP, then the page in a real
//! browser: Debian's headless Chromium, driven over the W3C WebDriver protocol through its
//! `chromedriver`, loads `/graphql` from the server alone and runs a query and a
//! subscription with the token typed into the "API token" field.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use futures_util::FutureExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::db_test;
use crate::helpers::{ADMIN_TOKEN, Db, TestApp, spawn_app};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long the browser may take to find an element or finish a waiting script.
const WAIT: Duration = Duration::from_secs(30);

/// A `chromedriver` on a port of its choosing, stopped on drop.
struct Driver {
    _child: Child,
    url: String,
    http: reqwest::Client,
}

impl Driver {
    async fn start() -> Driver {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: install Debian's browser and driver with \
                 `apt-get install chromium chromium-driver` (.ci/run does)"
            );
        }
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        // It prints "ChromeDriver was started successfully on port 41234."
        let stdout = child.stdout.take().expect("chromedriver's stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(WAIT, async {
            while let Some(line) = lines.next_line().await.expect("chromedriver's output") {
                if let Some(rest) = line.split("successfully on port ").nth(1) {
                    return rest.trim_end_matches('.').trim().parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .expect("chromedriver reports its port in time")
        .expect("chromedriver reports its port");
        // Keep draining its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Driver {
            _child: child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        }
    }

    async fn session(&self, profile: &Path) -> Session<'_> {
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--disable-gpu", "--window-size=1280,800", "--no-first-run",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        } } });
        let value = send(self.http.post(format!("{}/session", self.url)), caps).await;
        let id = value["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        let session = Session { driver: self, id };
        let ms = WAIT.as_millis() as u64;
        session
            .post("timeouts", json!({ "implicit": ms, "script": ms }))
            .await;
        session
    }
}

/// One WebDriver command: its `value`, or a panic naming the driver's error.
async fn send(req: reqwest::RequestBuilder, body: Value) -> Value {
    let resp = req
        .json(&body)
        .timeout(WAIT * 2)
        .send()
        .await
        .expect("chromedriver answers");
    let status = resp.status();
    let body: Value = resp.json().await.expect("chromedriver answers JSON");
    assert!(status.is_success(), "WebDriver error {status}: {body}");
    body["value"].clone()
}

/// A browser window.
struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}/session/{}/{path}", self.driver.url, self.id)
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        send(self.driver.http.post(self.url(path)), body).await
    }

    async fn get(&self, path: &str) -> Value {
        let http = &self.driver.http;
        let resp = http
            .get(self.url(path))
            .send()
            .await
            .expect("chromedriver answers");
        let body: Value = resp.json().await.expect("chromedriver answers JSON");
        body["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.post("url", json!({ "url": url })).await;
    }

    /// The element `css` selects, waiting for it to appear.
    async fn find(&self, css: &str) -> String {
        let found = self
            .post("element", json!({ "using": "css selector", "value": css }))
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.post(&format!("element/{el}/value"), json!({ "text": text }))
            .await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.post(&format!("element/{el}/click"), json!({})).await;
    }

    async fn exec(&self, script: &str, args: Value) -> Value {
        self.post("execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Runs `script`, which calls its last argument once it has what it waits for.
    async fn exec_async(&self, script: &str, args: Value) -> Value {
        self.post("execute/async", json!({ "script": script, "args": args }))
            .await
    }

    async fn screenshot(&self) -> Vec<u8> {
        let b64 = self.get("screenshot").await;
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("a base64 screenshot"))
            .expect("valid base64")
    }

    /// The browser console's entries since the last call.
    async fn console(&self) -> Vec<Value> {
        let entries = self.post("se/log", json!({ "type": "browser" })).await;
        entries.as_array().cloned().unwrap_or_default()
    }

    async fn close(self) {
        let url = format!("{}/session/{}", self.driver.url, self.id);
        let _ = self.driver.http.delete(url).send().await;
    }
}

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

    let png = session.screenshot().await;
    std::fs::write(shot, &png).expect("the screenshot is written");
    let png = std::fs::read(shot).expect("the screenshot is read");
    assert!(png.len() > 10_000, "a screenshot of {} bytes", png.len());
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is a PNG"
    );

    // GraphiQL's dialogs add a <style>: the policy lets it in with the page's nonce.
    session
        .click("button[aria-label='Open settings dialog']")
        .await;
    session.find("[role='dialog']").await;
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
    let driver = Driver::start().await;
    let dir = std::env::temp_dir().join(format!(
        "seatkeeper_chromium_{}_{}",
        std::process::id(),
        app.address.rsplit(':').next().unwrap_or("0")
    ));
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).expect("a browser profile directory");
    // Set SEATKEEPER_GRAPHIQL_SCREENSHOT=/tmp/graphiql.png to keep the screenshot.
    let shot = std::env::var_os("SEATKEEPER_GRAPHIQL_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("graphiql.png"));
    let session = driver.session(&profile).await;
    // Close the browser even when an assertion fails: killing chromedriver leaves it running.
    let outcome = AssertUnwindSafe(drive(&session, &app, &shot))
        .catch_unwind()
        .await;
    session.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
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
