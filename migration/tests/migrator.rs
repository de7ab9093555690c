//! Runs every migration up, up again, and down on a fresh SQLite file and a fresh PostgreSQL
//! database, and checks that the entities agree with the tables they map.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeZone, Utc};
use entity::enums::{ActivityKind, ProfileStatus, Vendor};
use entity::{
    activity_event, connection_alias, integration_profile, software_model, software_subscription,
    vendor_user,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, Database, DatabaseConnection,
    DbBackend, EntityTrait, ModelTrait, Set, SqlErr, Statement,
};

/// Every table the migrations create.
const TABLES: [&str; 18] = [
    "activity_event",
    "api_token",
    "audit_log",
    "connection_alias",
    "entitlement",
    "integration_profile",
    "job_run",
    "license_position",
    "reclamation_rule",
    "removal_candidate",
    "scheduled_job",
    "software_model",
    "software_subscription",
    "subscription_identifier",
    "subscription_identifier_exclusion",
    "subscription_user_exclusion",
    "unrecognized_identifier",
    "vendor_user",
];

/// Tables keyed by something other than an `id` (activity events are their own key).
const KEYED_OTHERWISE: [&str; 1] = ["activity_event"];

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{}_{nanos}", std::process::id())
}

/// Removes the temporary directory even when the test panics.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn table_names(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        DbBackend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY table_name"
        }
        other => panic!("unsupported backend {other:?}"),
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("list tables")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name column"))
        .collect()
}

/// Asserts that `table.id` is a 64-bit auto-increment primary key on this backend.
async fn assert_id_autoincrements(db: &DatabaseConnection, table: &str) {
    let backend = db.get_database_backend();
    match backend {
        DbBackend::Sqlite => {
            // `integer PRIMARY KEY` makes `id` the rowid (64-bit); AUTOINCREMENT keeps ids
            // from being reused after the highest row is deleted.
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                    [table.into()],
                ))
                .await
                .expect("read DDL")
                .expect("table exists");
            let ddl: String = row.try_get("", "sql").expect("sql column");
            assert!(
                ddl.contains(r#""id" integer NOT NULL PRIMARY KEY AUTOINCREMENT"#),
                "{table}: {ddl}"
            );
        }
        DbBackend::Postgres => {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT data_type::text AS data_type, is_identity::text AS is_identity, \
                     coalesce(column_default::text, '') AS column_default \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 \
                     AND column_name = 'id'",
                    [table.into()],
                ))
                .await
                .expect("read column")
                .expect("id column exists");
            let data_type: String = row.try_get("", "data_type").unwrap();
            let is_identity: String = row.try_get("", "is_identity").unwrap();
            let default: String = row.try_get("", "column_default").unwrap();
            assert_eq!(data_type, "bigint", "{table}.id");
            assert!(
                is_identity == "YES" || default.starts_with("nextval("),
                "{table}.id is neither identity nor serial"
            );
        }
        other => panic!("unsupported backend {other:?}"),
    }
}

fn at(secs: i64) -> DateTime<Utc> {
    // Whole seconds: PostgreSQL keeps microseconds, so `Utc::now()` would not round-trip.
    Utc.timestamp_opt(1_790_000_000 + secs, 0).unwrap()
}

fn subscription(profile_id: i64, model_id: i64) -> software_subscription::ActiveModel {
    software_subscription::ActiveModel {
        id: NotSet,
        profile_id: Set(profile_id),
        software_model_id: Set(Some(model_id)),
        identifier: Set("1".into()),
        external_user_id: Set("u-123".into()),
        user_principal_name: Set("ada@example.com".into()),
        display_name: Set(Some("Ada Lovelace".into())),
        external_created_at: Set(Some(at(1))),
        assigned_at: Set(None),
        last_activity_at: Set(Some(at(2))),
        active: Set(true),
        is_privileged: Set(false),
        excluded_from_cost: Set(false),
        excluded_from_reclaim: Set(false),
        first_seen_at: Set(at(3)),
        last_seen_at: Set(at(4)),
        closed_at: Set(None),
        content_hash: Set(i64::MIN + 7),
        updated_at: Set(at(4)),
    }
}

/// Inserts an alias, a profile, a model and a subscription through the entities, reads them
/// back, and checks the unique key and the cascade from profile to subscription.
async fn entities_round_trip(db: &DatabaseConnection) {
    let alias = connection_alias::ActiveModel {
        id: NotSet,
        name: Set("zoom-main".into()),
        vendor: Set(Vendor::Zoom),
        parent_id: Set(None),
        base_url: Set(Some("https://api.zoom.us/v2".into())),
        token_url: Set(None),
        authorize_url: Set(None),
        client_id: Set(Some("client".into())),
        client_secret_enc: Set(Some(vec![0, 1, 2, 255])),
        account_id: Set(Some("acct".into())),
        redirect_url: Set(None),
        access_token_enc: Set(None),
        refresh_token_enc: Set(None),
        token_expires_at: Set(None),
        scopes: Set(None),
        created_at: Set(at(0)),
        updated_at: Set(at(0)),
    }
    .insert(db)
    .await
    .expect("insert alias");
    assert_eq!(alias.client_secret_enc, Some(vec![0, 1, 2, 255]));

    let profile = integration_profile::ActiveModel {
        id: NotSet,
        display_name: Set("Zoom".into()),
        vendor: Set(Vendor::Zoom),
        status: Set(ProfileStatus::Draft),
        alias_id: Set(Some(alias.id)),
        download_activity: Set(true),
        reclaim: Set(true),
        activity_look_back_days: Set(180),
        validated_at: Set(None),
        last_validation: Set(Some(serde_json::json!({"download": "ok"}))),
        published_at: Set(None),
        created_at: Set(at(0)),
        updated_at: Set(at(0)),
    }
    .insert(db)
    .await
    .expect("insert profile");

    let model = software_model::ActiveModel {
        id: NotSet,
        publisher: Set("Zoom".into()),
        product: Set("Zoom Meetings".into()),
        edition: Set("Licensed".into()),
        vendor: Set(Vendor::Zoom),
        display_name: Set("Zoom Meetings Licensed".into()),
        created_at: Set(at(0)),
    }
    .insert(db)
    .await
    .expect("insert model");

    let inserted = subscription(profile.id, model.id)
        .insert(db)
        .await
        .expect("insert subscription");
    assert!(inserted.id > 0);
    let read = software_subscription::Entity::find_by_id(inserted.id)
        .one(db)
        .await
        .expect("select subscription")
        .expect("subscription exists");
    assert_eq!(read, inserted);
    let read_profile = read
        .find_related(integration_profile::Entity)
        .one(db)
        .await
        .expect("select profile")
        .expect("profile exists");
    assert_eq!(read_profile, profile);

    let duplicate = subscription(profile.id, model.id).insert(db).await;
    let err = duplicate.expect_err("(profile, external user, identifier) is unique");
    assert!(
        matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        "{err:?}"
    );

    // Another identifier for the same user is a separate row with the next id.
    let mut other = subscription(profile.id, model.id);
    other.identifier = Set("2".into());
    let other = other.insert(db).await.expect("insert second subscription");
    assert!(other.id > inserted.id);

    // Foreign keys are enforced (SQLite needs `PRAGMA foreign_keys`, which sqlx turns on).
    let orphan = subscription(profile.id + 1000, model.id).insert(db).await;
    let err = orphan.expect_err("profile must exist");
    assert!(
        matches!(
            err.sql_err(),
            Some(SqlErr::ForeignKeyConstraintViolation(_))
        ),
        "{err:?}"
    );

    profile.delete(db).await.expect("delete profile");
    let left = software_subscription::Entity::find()
        .all(db)
        .await
        .expect("select subscriptions");
    assert!(left.is_empty(), "subscriptions cascade with their profile");
}

/// Up, checks, up again (a no-op), entity round trip, down.
async fn migrate_up_again_and_down(db: &DatabaseConnection) {
    Migrator::up(db, None).await.expect("migrate up");
    let tables = table_names(db).await;
    for table in TABLES {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing: {tables:?}"
        );
        if !KEYED_OTHERWISE.contains(&table) {
            assert_id_autoincrements(db, table).await;
        }
    }
    let applied = Migrator::get_applied_migrations(db).await.unwrap();
    assert_eq!(applied.len(), Migrator::migrations().len());
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );

    Migrator::up(db, None).await.expect("migrate up again");
    assert_eq!(
        table_names(db).await,
        tables,
        "second up changed the schema"
    );
    assert_eq!(
        Migrator::get_applied_migrations(db).await.unwrap().len(),
        applied.len()
    );

    entities_round_trip(db).await;

    Migrator::down(db, None).await.expect("migrate down");
    let after = table_names(db).await;
    for table in TABLES {
        assert!(!after.iter().any(|t| t == table), "{table} left: {after:?}");
    }
    assert!(
        Migrator::get_applied_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Events stored in the first layout survive the move to the compact one (and back down):
/// user, email, kind and time to the millisecond.
async fn events_carry_over(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    Migrator::up(db, Some(18)).await.expect("migrate up to 18");
    let profile = integration_profile::ActiveModel {
        id: NotSet,
        display_name: Set("Zoom".into()),
        vendor: Set(Vendor::Zoom),
        status: Set(ProfileStatus::Draft),
        alias_id: Set(None),
        download_activity: Set(true),
        reclaim: Set(true),
        activity_look_back_days: Set(180),
        validated_at: Set(None),
        last_validation: Set(None),
        published_at: Set(None),
        created_at: Set(at(0)),
        updated_at: Set(at(0)),
    }
    .insert(db)
    .await
    .expect("insert profile");
    let when = at(5) + chrono::Duration::milliseconds(250);
    let insert = match backend {
        DbBackend::Postgres => {
            "INSERT INTO activity_event (profile_id, external_user_id, user_principal_name, kind, \
             occurred_at, source, external_ref, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        }
        _ => {
            "INSERT INTO activity_event (profile_id, external_user_id, user_principal_name, kind, \
             occurred_at, source, external_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        }
    };
    for (kind, at) in [("WEBINAR_HOSTED", when), ("CALL_MADE", at(9))] {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            insert,
            [
                profile.id.into(),
                "u-1".into(),
                "ada@example.com".into(),
                kind.into(),
                at.into(),
                "zoom:report/users/meetings".into(),
                "m-1".into(),
                when.into(),
            ],
        ))
        .await
        .expect("insert a first-layout event");
    }

    Migrator::up(db, None).await.expect("migrate up");
    let users = vendor_user::Entity::find().all(db).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].profile_id, users[0].external_user_id.as_str()),
        (profile.id, "u-1")
    );
    assert_eq!(
        users[0].user_principal_name.as_deref(),
        Some("ada@example.com")
    );
    let mut events = activity_event::Entity::find().all(db).await.unwrap();
    events.sort_by_key(|e| e.occurred_at_ms);
    let got: Vec<_> = events
        .iter()
        .map(|e| (e.vendor_user_id, e.activity_kind(), e.occurred_at_ms))
        .collect();
    assert_eq!(
        got,
        [
            (
                users[0].id,
                Some(ActivityKind::WebinarHosted),
                when.timestamp_millis()
            ),
            (
                users[0].id,
                Some(ActivityKind::CallMade),
                at(9).timestamp_millis()
            ),
        ]
    );
    assert_eq!(events[0].source, "zoom:report/users/meetings");

    Migrator::down(db, Some(1))
        .await
        .expect("migrate the compact layout down");
    let back = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT external_user_id, kind, occurred_at FROM activity_event ORDER BY occurred_at",
        ))
        .await
        .unwrap();
    let back: Vec<(String, String, DateTime<Utc>)> = back
        .iter()
        .map(|r| {
            (
                r.try_get("", "external_user_id").unwrap(),
                r.try_get("", "kind").unwrap(),
                r.try_get("", "occurred_at").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        back,
        [
            ("u-1".to_owned(), "WEBINAR_HOSTED".to_owned(), when),
            ("u-1".to_owned(), "CALL_MADE".to_owned(), at(9)),
        ]
    );
    Migrator::down(db, None).await.expect("migrate down");
}

#[tokio::test]
async fn migrations_apply_repeat_and_revert_on_sqlite() {
    let dir = TempDir(std::env::temp_dir().join(format!("sk_mig_{}", unique_suffix())));
    std::fs::create_dir_all(&dir.0).expect("create temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.0.join("seatkeeper.db").display()
    );
    let db = Database::connect(url).await.expect("open SQLite");

    migrate_up_again_and_down(&db).await;
    events_carry_over(&db).await;
    db.close().await.expect("close SQLite");
}

/// `base` with its database name replaced by `name`, keeping any query string.
fn with_database(base: &str, name: &str) -> String {
    let (url, query) = match base.split_once('?') {
        Some((url, query)) => (url, format!("?{query}")),
        None => (base, String::new()),
    };
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let server = match url[scheme_end..].find('/') {
        Some(i) => &url[..scheme_end + i],
        None => url,
    };
    format!("{server}/{name}{query}")
}

#[tokio::test]
async fn migrations_apply_repeat_and_revert_on_postgres() {
    let admin_url = std::env::var("SEATKEEPER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let admin = Database::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL (set SEATKEEPER_TEST_POSTGRES_URL)");
    let name = format!("sk_mig_{}", unique_suffix());
    admin
        .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
        .await
        .expect("create test database");

    let url = with_database(&admin_url, &name);
    // Run in a task so the database is dropped even when an assertion fails.
    let outcome = tokio::spawn(async move {
        let db = Database::connect(url)
            .await
            .expect("connect to test database");
        migrate_up_again_and_down(&db).await;
        events_carry_over(&db).await;
        db.close().await.expect("close test database");
    })
    .await;

    admin
        .execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
        .await
        .expect("drop test database");
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

#[test]
fn database_name_is_replaced_in_the_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@db/postgres?sslmode=disable", "x"),
        "postgres://u:p@db/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://db:5432", "x"),
        "postgres://db:5432/x"
    );
}
