//! `seatkeeper backup` copies the SQLite database and its key file while the server runs;
//! a server started on the copy reads the same data and can decrypt its secrets. The
//! command is the real binary; PostgreSQL is refused with the way to back it up.

use std::os::unix::fs::PermissionsExt;

use entity::connection_alias;
use sea_orm::{Database, EntityTrait};
use seatkeeper::secret::Cipher;
use serde_json::json;

use crate::helpers::{Db, spawn_app_with};

fn backup_command(
    database_url: &str,
    output: &std::path::Path,
    extra: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_seatkeeper"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SEATKEEPER_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("backup")
        .arg("--output")
        .arg(output)
        .env("SEATKEEPER_DATABASE_URL", database_url)
        .envs(extra.iter().copied())
        .output()
        .expect("the seatkeeper binary runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_into_a_server_with_the_same_data() {
    let app = spawn_app_with(Db::Sqlite, &[]).await;
    let created = app
        .gql(
            "mutation { createConnectionAlias(input: { name: \"z\", vendor: ZOOM }) { id } }",
            json!({}),
        )
        .await;
    let alias = created.data()["createConnectionAlias"]["id"].clone();
    app.gql(
        "mutation($a: ID!) { setConnectionCredentials(aliasId: $a, clientId: \"id\", clientSecret: \"s3cret-value\", accountId: \"acct\") { id } }",
        json!({ "a": alias }),
    )
    .await
    .data();
    app.gql(
        "mutation($a: ID!) { createIntegrationProfile(input: { displayName: \"kept\", vendor: ZOOM, aliasId: $a }) { id } }",
        json!({ "a": alias }),
    )
    .await
    .data();

    let dir = std::env::temp_dir().join(format!("seatkeeper_backup_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("copy.db");
    let out = backup_command(app.state.settings.database_url.expose(), &copy, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = dir.join("copy.db.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // A second backup to the same file is refused, not overwritten.
    let again = backup_command(app.state.settings.database_url.expose(), &copy, &[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // The copy's key decrypts the copy's secrets.
    let url = format!("sqlite://{}?mode=rwc", copy.display());
    let db = Database::connect(&url).await.unwrap();
    let row = connection_alias::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let cipher = Cipher::load_or_create_key_file(&key).unwrap();
    let secret = cipher.decrypt(&row.client_secret_enc.unwrap()).unwrap();
    assert_eq!(secret.expose(), "s3cret-value");
    db.close().await.unwrap();

    // A server on the copy serves the same data.
    let restored = seatkeeper::startup::Application::build(
        seatkeeper::config::Settings::from_env_fn(|name| match name {
            "SEATKEEPER_DATABASE_URL" => Some(url.clone()),
            "SEATKEEPER_LISTEN" => Some("127.0.0.1:0".into()),
            "SEATKEEPER_ADMIN_TOKEN" => Some(crate::helpers::ADMIN_TOKEN.into()),
            _ => None,
        })
        .unwrap(),
    )
    .await
    .unwrap();
    let state = restored.state.clone();
    let profiles =
        seatkeeper::domain::profiles::list(&state.db, &Default::default(), &Default::default())
            .await
            .unwrap();
    assert_eq!(profiles.items.len(), 1);
    assert_eq!(profiles.items[0].display_name, "kept");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_postgresql_backup_points_to_pg_dump() {
    let dir = std::env::temp_dir().join(format!("seatkeeper_pgbackup_{}", std::process::id()));
    let out = backup_command(
        "postgres://postgres@127.0.0.1:5432/test",
        &dir.join("x.db"),
        &[("SEATKEEPER_MASTER_KEY", crate::helpers::MASTER_KEY)],
    );
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("pg_dump"), "{said}");
}
