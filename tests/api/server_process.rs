//! Real `seatkeeper serve` processes for the tests that stop one (SIGKILL, SIGTERM): the
//! test binary's own server binary, on a database the test made, reached over HTTP only.

use std::collections::VecDeque;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::helpers::{ADMIN_TOKEN, GqlResponse, MASTER_KEY};

const POLL: Duration = Duration::from_millis(200);
const STARTUP: Duration = Duration::from_secs(60);
const LOG_TAIL: usize = 200;

/// A `seatkeeper serve` process, killed with SIGKILL when dropped (on a panic too), which
/// then prints the tail of its log.
pub struct Server {
    name: &'static str,
    child: Child,
    pub address: String,
    client: reqwest::Client,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Server {
    pub async fn start(name: &'static str, database_url: &str, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatkeeper"));
        cmd.arg("serve");
        for (key, _) in std::env::vars() {
            if key.starts_with("SEATKEEPER_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("SEATKEEPER_DATABASE_URL", database_url)
            .env("SEATKEEPER_LISTEN", "127.0.0.1:0")
            .env("SEATKEEPER_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("SEATKEEPER_MASTER_KEY", MASTER_KEY)
            .env("SEATKEEPER_HTTP_WORKERS", "1")
            .env("SEATKEEPER_DB_MAX_CONNECTIONS", "4")
            .env("RUST_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            cmd.env(key, value);
        }
        let mut child = cmd.spawn().expect("the seatkeeper binary starts");
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (found, listening) = tokio::sync::oneshot::channel();
        let mut found = Some(found);
        tokio::spawn(keep_tail(child.stderr.take().unwrap(), log.clone(), None));
        tokio::spawn(keep_tail(
            child.stdout.take().unwrap(),
            log.clone(),
            Some(Box::new(move |line: &str| {
                if let Some(url) = line
                    .strip_prefix("Seatkeeper listening on ")
                    .and_then(|rest| rest.split_whitespace().next())
                    && let Some(found) = found.take()
                {
                    let _ = found.send(url.to_owned());
                }
            })),
        ));
        let mut server = Server {
            name,
            child,
            address: String::new(),
            client: reqwest::Client::new(),
            log,
        };
        match tokio::time::timeout(STARTUP, listening).await {
            Ok(Ok(address)) => server.address = address,
            _ => panic!("the {name} server did not start listening within {STARTUP:?}"),
        }
        server
    }

    /// Sends SIGTERM, as a deploy or `systemctl stop` would; the process goes on until its
    /// shutdown ends (see `exited`).
    pub fn terminate(&self) {
        let pid = self.child.id().expect("the process runs");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    /// Waits for the process to exit, within `limit`.
    pub async fn exited(mut self, limit: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("the {} server did not exit within {limit:?}", self.name))
            .expect("the process is reaped")
    }

    /// A connection alias pointing at the simulator, with its client credentials (an API
    /// key still has to be set for Aha!); returns the alias id.
    pub async fn create_alias(&self, sim: &seatkeeper_sim::Simulator) -> Value {
        let name = match sim.vendor() {
            seatkeeper_sim::Vendor::Zoom => "ZOOM",
            seatkeeper_sim::Vendor::GoTo => "GOTO",
            seatkeeper_sim::Vendor::Aha => "AHA",
        };
        let creds = sim.credentials();
        let alias = self
            .gql(
                "mutation($input: ConnectionAliasInput!) { createConnectionAlias(input: $input) { id } }",
                json!({ "input": { "name": format!("{name} sim"), "vendor": name, "baseUrl": sim.base_url() } }),
            )
            .await["createConnectionAlias"]["id"]
            .clone();
        self.gql(
            "mutation($a: ID!, $id: String, $secret: String, $account: String) { setConnectionCredentials(aliasId: $a, clientId: $id, clientSecret: $secret, accountId: $account) { id } }",
            json!({ "a": alias, "id": creds.client_id, "secret": creds.client_secret, "account": creds.account_id }),
        )
        .await;
        alias
    }

    /// SIGKILL, as a crash or the OOM killer would: no shutdown code runs.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("the signal is sent");
        let status = self.child.wait().await.expect("the process is reaped");
        assert_eq!(status.signal(), Some(9), "{}: {status:?}", self.name);
    }

    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let resp = self
            .client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = resp.status().as_u16();
        let body = resp.json().await.expect("JSON body");
        GqlResponse { status, body }.data().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Already reaped after `kill`: the error is expected then.
        let _ = self.child.start_kill();
        if std::thread::panicking() {
            let log = self.log.lock().unwrap();
            eprintln!(
                "--- last {} log lines of the {} server ---",
                log.len(),
                self.name
            );
            for line in log.iter() {
                eprintln!("{line}");
            }
        }
    }
}

type OnLine = Box<dyn FnMut(&str) + Send>;

/// Keeps the last lines of a child's output (draining it, so the child never blocks).
async fn keep_tail(
    out: impl AsyncRead + Unpin,
    log: Arc<Mutex<VecDeque<String>>>,
    mut on_line: Option<OnLine>,
) {
    let mut lines = BufReader::new(out).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(f) = on_line.as_mut() {
            f(&line);
        }
        let mut log = log.lock().unwrap();
        if log.len() == LOG_TAIL {
            log.pop_front();
        }
        log.push_back(line);
    }
}

/// Calls `check` every `POLL` until it gives a value; fails after `limit`. The runs span
/// processes, so there is no one event stream to wait on: the API is the shared view.
pub async fn poll<T>(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what} within {limit:?}");
        tokio::time::sleep(POLL).await;
    }
}
