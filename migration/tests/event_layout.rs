//! The move from the first `activity_event` layout to the compact one (migration 19) and
//! the compact table's foreign key dropped (migration 20): stored events survive them, and
//! their way down, on SQLite and PostgreSQL.

mod support;

use chrono::{DateTime, Utc};
use entity::enums::{ActivityKind, ProfileStatus, Vendor};
use entity::{activity_event, vendor_user};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, QuerySelect,
    Statement,
};
use support::{at, on_fresh_postgres, on_fresh_sqlite};

struct ProfileId {
    id: i64,
}

/// Events stored in the first layout survive the move to the compact one (and back down):
/// user, email, kind and time to the millisecond.
async fn events_carry_over(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    Migrator::up(db, Some(18)).await.expect("migrate up to 18");
    // Raw: the entity describes the latest schema, not the one at migration 18.
    let columns = "display_name, vendor, status, download_activity, reclaim, \
                   activity_look_back_days, created_at, updated_at";
    let values = match backend {
        DbBackend::Postgres => "$1, $2, $3, $4, $5, $6, $7, $8",
        _ => "?, ?, ?, ?, ?, ?, ?, ?",
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("INSERT INTO integration_profile ({columns}) VALUES ({values})"),
        [
            "Zoom".into(),
            Vendor::Zoom.as_str().into(),
            ProfileStatus::Draft.as_str().into(),
            true.into(),
            true.into(),
            180.into(),
            at(0).into(),
            at(0).into(),
        ],
    ))
    .await
    .expect("insert profile");
    let profile = ProfileId { id: 1 };
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

    // Up to 20: the layouts under test, not what later migrations add.
    Migrator::up(db, Some(2)).await.expect("migrate up to 20");
    // Only the columns of migration 20's `vendor_user`: later ones add more.
    let users: Vec<(i64, i64, String, Option<String>)> = vendor_user::Entity::find()
        .select_only()
        .columns([
            vendor_user::Column::Id,
            vendor_user::Column::ProfileId,
            vendor_user::Column::ExternalUserId,
            vendor_user::Column::UserPrincipalName,
        ])
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!((users[0].1, users[0].2.as_str()), (profile.id, "u-1"));
    assert_eq!(users[0].3.as_deref(), Some("ada@example.com"));
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
                users[0].0,
                Some(ActivityKind::WebinarHosted),
                when.timestamp_millis()
            ),
            (
                users[0].0,
                Some(ActivityKind::CallMade),
                at(9).timestamp_millis()
            ),
        ]
    );
    assert_eq!(events[0].source, "zoom:report/users/meetings");

    Migrator::down(db, Some(1))
        .await
        .expect("put the events' foreign key back");
    assert_eq!(activity_event::Entity::find().count(db).await.unwrap(), 2);
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
async fn events_carry_over_on_sqlite() {
    on_fresh_sqlite(|db| async move {
        events_carry_over(&db).await;
        db
    })
    .await;
}

#[tokio::test]
async fn events_carry_over_on_postgres() {
    on_fresh_postgres(|db| async move {
        events_carry_over(&db).await;
        db
    })
    .await;
}
