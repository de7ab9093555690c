//! A Zoom simulator in a process of its own, so that the bench process's memory is the
//! server's: the bench binary runs itself again with [`CHILD_FLAG`], the child serves the
//! simulator and prints one JSON line of what a client needs, and the parent reads the
//! simulator's request log over its control API.

use std::process::Stdio;

use seatkeeper_sim::{Credentials, RateLimitMode, RequestRecord, SimConfig, Simulator, Vendor};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The argument that makes a bench binary serve a simulator instead of benching.
pub const CHILD_FLAG: &str = "--serve-zoom-simulator";

/// What the child tells its parent.
#[derive(Serialize, Deserialize)]
struct Started {
    base_url: String,
    control_url: String,
    credentials: Credentials,
    /// Licences the tenant holds in the simulator's truth.
    licences: usize,
}

pub struct SimProcess {
    child: Child,
    started: Started,
    http: reqwest::Client,
}

impl SimProcess {
    /// Starts a Zoom tenant of `users` in a child process.
    pub async fn start(users: usize, seed: u64, rate_limit: &str) -> SimProcess {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                CHILD_FLAG,
                &users.to_string(),
                &seed.to_string(),
                rate_limit,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let line = BufReader::new(stdout)
            .lines()
            .next_line()
            .await
            .unwrap()
            .expect("the simulator process printed where it listens");
        SimProcess {
            child,
            started: serde_json::from_str(&line).unwrap(),
            // A fresh connection per call: one kept idle through a long download may be
            // closed by the simulator just as it is reused.
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.started.base_url
    }

    pub fn credentials(&self) -> &Credentials {
        &self.started.credentials
    }

    pub fn licences(&self) -> usize {
        self.started.licences
    }

    /// The requests the simulator logged after sequence number `since`.
    pub async fn requests(&self, since: u64) -> Vec<RequestRecord> {
        self.http
            .get(format!(
                "{}/requests?since={since}",
                self.started.control_url
            ))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The child's peak resident memory in MiB.
    pub fn peak_rss_mib(&self) -> u64 {
        let pid = self.child.id().unwrap_or_default();
        super::activity::status_mib(&format!("/proc/{pid}/status"), "VmHWM:")
    }

    pub async fn stop(mut self) {
        // The child stops when its stdin closes.
        drop(self.child.stdin.take());
        self.child.wait().await.unwrap();
    }
}

/// The child's side: serves the simulator until stdin closes. Returns false when this
/// process was not started as a simulator.
pub async fn serve_if_child() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let Some(at) = args.iter().position(|a| a == CHILD_FLAG) else {
        return false;
    };
    let arg = |i: usize| args[at + i].as_str();
    let rate: RateLimitMode = arg(3).parse().unwrap();
    let config = SimConfig::new(Vendor::Zoom)
        .users(arg(1).parse().unwrap())
        .seed(arg(2).parse().unwrap())
        .rate_limit(rate);
    let sim = Simulator::start(config).await.unwrap();
    let licences = sim
        .truth()
        .users
        .iter()
        .map(|u| u.subscriptions.len())
        .sum();
    let started = Started {
        base_url: sim.base_url(),
        control_url: sim.control_url(),
        credentials: sim.credentials(),
        licences,
    };
    println!("{}", serde_json::to_string(&started).unwrap());
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = stdin.next_line().await {}
    sim.stop().await;
    true
}
