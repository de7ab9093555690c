//! The first minutes of an operator: the generated admin token stands out of the start-up
//! output, and `seatkeeper token create` mints a new one on the server's own database when
//! it is lost. Both run the real binary.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::db_test;
use crate::helpers::{MASTER_KEY, TestApp};

/// The binary, with no `SEATKEEPER_*` from the environment and the test's database.
fn seatkeeper(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seatkeeper"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SEATKEEPER_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("SEATKEEPER_DATABASE_URL", database_url)
        .env("SEATKEEPER_MASTER_KEY", MASTER_KEY)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

async fn a_lost_admin_token_is_replaced_from_the_command_line(app: TestApp) {
    let url = app.state.settings.database_url.expose().to_owned();
    let out = seatkeeper(&url)
        .args([
            "token",
            "create",
            "--role",
            "viewer",
            "--role",
            "integrator",
        ])
        .args(["--name", "replacement for the lost one"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        token.starts_with("sk_") && !token.contains(' '),
        "only the token: {token}"
    );

    let viewer = app
        .gql_as(Some(&token), "{ viewer { roles name } }", json!({}))
        .await;
    assert_eq!(
        viewer.data()["viewer"]["roles"],
        json!(["INTEGRATOR", "VIEWER"])
    );
    assert_eq!(
        viewer.data()["viewer"]["name"],
        "replacement for the lost one"
    );

    let audit = app
        .gql(
            "{ auditLog(operation: \"createApiToken\") { edges { node { actor details } } } }",
            json!({}),
        )
        .await;
    let entries = audit.data()["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0]["node"]["actor"],
        "command line (seatkeeper token create)"
    );
    assert!(!entries[0]["node"]["details"].to_string().contains(&token));

    // A bad request creates nothing and says why, with a failing exit status.
    let out = seatkeeper(&url)
        .args(["token", "create", "--role", "admin", "--name", " "])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("name"));
    let count = app.gql("{ apiTokens { totalCount } }", json!({})).await;
    assert_eq!(count.data()["apiTokens"]["totalCount"], 2);
}
db_test!(a_lost_admin_token_is_replaced_from_the_command_line);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_admin_token_stands_out_of_a_first_start() {
    let dir = std::env::temp_dir().join(format!("seatkeeper_first_start_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/first.db?mode=rwc", dir.display());
    let mut child = seatkeeper(&url)
        .arg("serve")
        .env("SEATKEEPER_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let listening = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            let done = line.starts_with("Seatkeeper listening on ");
            printed.push(line);
            if done {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    child.start_kill().unwrap();
    let stderr = child.wait_with_output().await.unwrap().stderr;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(listening, "{printed:?}");
    let token_line = printed
        .iter()
        .position(|l| l.trim().starts_with("sk_"))
        .unwrap_or_else(|| panic!("the token on a line of its own: {printed:?}"));
    assert!(
        printed[..token_line]
            .iter()
            .any(|l| l.contains("Admin API token"))
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains("seatkeeper token create"))
    );
    // Migration chatter stays at debug: one line says the schema was migrated.
    let log = String::from_utf8_lossy(&stderr);
    assert!(log.contains("database schema migrated"), "{log}");
    assert!(
        !log.contains("Applying migration"),
        "each migration step is debug: {log}"
    );
}
