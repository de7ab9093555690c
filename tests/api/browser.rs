//! A real browser for the tests that look at pages as a person does: Debian's headless
//! Chromium, driven over the W3C WebDriver protocol through its `chromedriver`.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use futures_util::FutureExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long the browser may take to find an element or finish a waiting script.
const WAIT: Duration = Duration::from_secs(30);

/// A `chromedriver` on a port of its choosing, stopped on drop.
pub struct Driver {
    _child: Child,
    url: String,
    http: reqwest::Client,
}

impl Driver {
    pub async fn start() -> Driver {
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

    pub async fn session(&self, profile: &Path) -> Session<'_> {
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
pub struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}/session/{}/{path}", self.driver.url, self.id)
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        send(self.driver.http.post(self.url(path)), body).await
    }

    pub async fn get(&self, path: &str) -> Value {
        let http = &self.driver.http;
        let resp = http
            .get(self.url(path))
            .send()
            .await
            .expect("chromedriver answers");
        let body: Value = resp.json().await.expect("chromedriver answers JSON");
        body["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.post("url", json!({ "url": url })).await;
    }

    /// The element `css` selects, waiting for it to appear.
    pub async fn find(&self, css: &str) -> String {
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

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.post(&format!("element/{el}/value"), json!({ "text": text }))
            .await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.post(&format!("element/{el}/click"), json!({})).await;
    }

    pub async fn exec(&self, script: &str, args: Value) -> Value {
        self.post("execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Runs `script`, which calls its last argument once it has what it waits for.
    pub async fn exec_async(&self, script: &str, args: Value) -> Value {
        self.post("execute/async", json!({ "script": script, "args": args }))
            .await
    }

    /// Resizes the window, as a person on a laptop or a phone would see the page.
    pub async fn resize(&self, width: u32, height: u32) {
        self.post("window/rect", json!({ "width": width, "height": height }))
            .await;
    }

    /// Evaluates `expression` (JavaScript) until it is truthy, within the wait; returns it.
    pub async fn wait_for(&self, what: &str, expression: &str) -> Value {
        let script = format!(
            "const done = arguments[0]; const check = () => {{ let v; try {{ v = ({expression}); }} \
             catch (e) {{ v = null; }} if (v) done(v); else setTimeout(check, 50); }}; check();"
        );
        let value = self.exec_async(&script, json!([])).await;
        assert!(
            !value.is_null() && value != false,
            "{what}: {expression} never held"
        );
        value
    }

    /// The text of the element `css` selects, once it is on the page.
    pub async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        let text = self.get(&format!("element/{el}/text")).await;
        text.as_str().unwrap_or_default().to_owned()
    }

    /// Writes a screenshot to `path` and checks it is a PNG with something on it.
    pub async fn save_screenshot(&self, path: &Path) {
        let png = self.screenshot().await;
        assert!(png.len() > 10_000, "a screenshot of {} bytes", png.len());
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot is a PNG"
        );
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshot's directory");
        }
        std::fs::write(path, &png).expect("the screenshot is written");
    }

    pub async fn screenshot(&self) -> Vec<u8> {
        let b64 = self.get("screenshot").await;
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("a base64 screenshot"))
            .expect("valid base64")
    }

    /// The browser console's entries since the last call.
    pub async fn console(&self) -> Vec<Value> {
        let entries = self.post("se/log", json!({ "type": "browser" })).await;
        entries.as_array().cloned().unwrap_or_default()
    }

    /// No error in the browser console since its last read.
    pub async fn assert_no_console_errors(&self) {
        let errors: Vec<Value> = self
            .console()
            .await
            .into_iter()
            .filter(|e| e["level"] == "SEVERE")
            .collect();
        assert!(
            errors.is_empty(),
            "the browser console shows errors: {errors:?}"
        );
    }

    pub async fn close(self) {
        let url = format!("{}/session/{}", self.driver.url, self.id);
        let _ = self.driver.http.delete(url).send().await;
    }
}

/// Runs `drive` in a fresh browser window with a profile of its own, and closes the browser
/// even when an assertion fails (killing chromedriver would leave it running). `drive` gets
/// a scratch directory, removed afterwards.
pub async fn in_browser(tag: &str, drive: impl AsyncFnOnce(&Session<'_>, &Path)) {
    let driver = Driver::start().await;
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "seatkeeper_chromium_{}_{tag}_{}",
        std::process::id(),
        rand_suffix()
    ));
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).expect("a browser profile directory");
    let session = driver.session(&profile).await;
    let outcome = AssertUnwindSafe(drive(&session, &dir)).catch_unwind().await;
    session.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}
