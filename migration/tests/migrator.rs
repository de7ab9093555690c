//! Runs every migration up, up again, and down on a fresh SQLite file and a fresh PostgreSQL
//! database, and checks that the entities agree with the tables they map.

mod support;

use entity::enums::{Vendor, VendorCloud};
use entity::{connection_alias, integration_profile, software_subscription};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, ModelTrait, QueryOrder, Set, SqlErr, Statement,
};
use support::{
    at, draft_profile, on_fresh_postgres, on_fresh_sqlite, subscription, with_database,
    zoom_meetings,
};

/// Every table the migrations create.
const TABLES: [&str; 23] = [
    "activity_event",
    "api_token",
    "audit_log",
    "connection_alias",
    "entitlement",
    "integration_profile",
    "job_run",
    "job_run_attempt",
    "license_position",
    "license_position_amount",
    "notice",
    "notice_attempt",
    "reclamation_rule",
    "removal_candidate",
    "removal_candidate_event",
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

/// Inserts an alias, a profile, a model and a subscription through the entities, reads them
/// back, and checks the unique key and the cascade from profile to subscription.
async fn entities_round_trip(db: &DatabaseConnection) {
    let alias = connection_alias::ActiveModel {
        id: NotSet,
        name: Set("zoom-main".into()),
        vendor: Set(Vendor::Zoom),
        parent_id: Set(None),
        cloud: Set(Some(VendorCloud::ZoomGov)),
        base_url: Set(None),
        client_id: Set(Some("client".into())),
        client_secret_enc: Set(Some(vec![0, 1, 2, 255])),
        account_id: Set(Some("acct".into())),
        access_token_enc: Set(None),
        refresh_token_enc: Set(None),
        token_expires_at: Set(None),
        connect_client_id: Set(Some("connect-client".into())),
        connect_client_secret_enc: Set(None),
        connect_access_token_enc: Set(Some(vec![9, 9])),
        connect_refresh_token_enc: Set(None),
        connect_token_expires_at: Set(Some(at(3))),
        scopes: Set(None),
        created_at: Set(at(0)),
        updated_at: Set(at(0)),
    }
    .insert(db)
    .await
    .expect("insert alias");
    assert_eq!(alias.client_secret_enc, Some(vec![0, 1, 2, 255]));

    let profile = integration_profile::ActiveModel {
        last_validation: Set(Some(serde_json::json!({"download": "ok"}))),
        ..draft_profile(Some(alias.id))
    }
    .insert(db)
    .await
    .expect("insert profile");

    let model = zoom_meetings().insert(db).await.expect("insert model");

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

/// Aliases written before URLs derived from one setting come out of migration 28 with a
/// root (no `/v2`), ZoomGov as its named cloud, and the vendors' public API hosts as the
/// default.
async fn vendor_urls_move_to_one_setting(db: &DatabaseConnection) {
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261206_000028_vendor_urls_from_one_setting")
        .expect("migration 28 is registered");
    Migrator::up(db, Some(before as u32))
        .await
        .expect("up to 27");
    for (name, vendor, base, token) in [
        ("proxy", "ZOOM", Some("http://proxy.local:9000/v2/"), None),
        (
            "gov",
            "ZOOM",
            Some("https://api.zoomgov.com/v2"),
            Some("https://zoomgov.com/oauth/token"),
        ),
        ("public", "ZOOM", Some("https://api.zoom.us/v2"), None),
        ("goto", "GOTO", Some("https://api.getgo.com"), None),
        ("aha", "AHA", Some("https://acme.aha.io/"), None),
        ("plain", "GOTO", None, None),
    ] {
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                DbBackend::Postgres => "INSERT INTO connection_alias (name, vendor, base_url, token_url, created_at, updated_at) VALUES ($1, $2, $3, $4, now(), now())",
                _ => "INSERT INTO connection_alias (name, vendor, base_url, token_url, created_at, updated_at) VALUES (?, ?, ?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            },
            [name.into(), vendor.into(), base.into(), token.into()],
        ))
        .await
        .expect("insert an old alias");
    }
    Migrator::up(db, None).await.expect("migrate up");
    let rows = connection_alias::Entity::find()
        .order_by_asc(connection_alias::Column::Id)
        .all(db)
        .await
        .expect("read aliases");
    let moved: Vec<(&str, Option<VendorCloud>, Option<&str>)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.cloud, r.base_url.as_deref()))
        .collect();
    assert_eq!(
        moved,
        vec![
            ("proxy", None, Some("http://proxy.local:9000")),
            ("gov", Some(VendorCloud::ZoomGov), None),
            ("public", None, None),
            ("goto", None, None),
            ("aha", None, Some("https://acme.aha.io")),
            ("plain", None, None),
        ]
    );
    connection_alias::Entity::delete_many()
        .exec(db)
        .await
        .expect("clear aliases");
}

#[tokio::test]
async fn old_alias_urls_migrate_on_sqlite() {
    on_fresh_sqlite(|db| async move {
        vendor_urls_move_to_one_setting(&db).await;
        migrate_up_again_and_down(&db).await;
        db
    })
    .await;
}

#[tokio::test]
async fn old_alias_urls_migrate_on_postgres() {
    on_fresh_postgres(|db| async move {
        vendor_urls_move_to_one_setting(&db).await;
        db
    })
    .await;
}

#[tokio::test]
async fn migrations_apply_repeat_and_revert_on_sqlite() {
    on_fresh_sqlite(|db| async move {
        migrate_up_again_and_down(&db).await;
        db
    })
    .await;
}

#[tokio::test]
async fn migrations_apply_repeat_and_revert_on_postgres() {
    on_fresh_postgres(|db| async move {
        migrate_up_again_and_down(&db).await;
        db
    })
    .await;
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
