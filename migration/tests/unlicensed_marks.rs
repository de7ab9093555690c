//! Migration 34 moves the unlicensed flags of subscriptions into `unlicensed_seat` and back.

mod support;

use entity::{integration_profile, software_model, software_subscription};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, Statement,
};
use support::{draft_profile, on_fresh_postgres, on_fresh_sqlite, subscription, zoom_meetings};

/// The rows of a statement selecting two integer columns.
async fn ids(db: &DatabaseConnection, sql: &str) -> Vec<(i64, i64)> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect(sql)
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
            )
        })
        .collect()
}

/// A subscription flagged unlicensed before migration 34 keeps its mark as a row of
/// `unlicensed_seat`, and going back down flags it again.
async fn unlicensed_flags_move_to_their_table(db: &DatabaseConnection) {
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261208_000034_unlicensed_seats")
        .expect("migration 34 is registered");
    Migrator::up(db, Some(before as u32))
        .await
        .expect("up to 33");
    let profile = draft_profile(None)
        .insert(db)
        .await
        .expect("insert profile");
    let model = zoom_meetings().insert(db).await.expect("insert model");
    let marked = subscription(profile.id, model.id)
        .insert(db)
        .await
        .expect("insert subscription");
    software_subscription::ActiveModel {
        external_user_id: Set("u-456".into()),
        ..subscription(profile.id, model.id)
    }
    .insert(db)
    .await
    .expect("insert subscription");
    db.execute_unprepared(&format!(
        "UPDATE software_subscription SET unlicensed = TRUE WHERE id = {}",
        marked.id
    ))
    .await
    .expect("flag one");
    Migrator::up(db, None).await.expect("migrate up");
    assert_eq!(
        ids(
            db,
            "SELECT subscription_id, software_model_id FROM unlicensed_seat"
        )
        .await,
        [(marked.id, model.id)]
    );
    Migrator::down(db, Some(1)).await.expect("down one");
    assert_eq!(
        ids(
            db,
            "SELECT id, software_model_id FROM software_subscription WHERE unlicensed = TRUE"
        )
        .await,
        [(marked.id, model.id)]
    );
    Migrator::up(db, None).await.expect("migrate up again");
    db.execute_unprepared("DELETE FROM unlicensed_seat")
        .await
        .expect("clear marks");
    integration_profile::Entity::delete_by_id(profile.id)
        .exec(db)
        .await
        .expect("delete profile");
    software_model::Entity::delete_by_id(model.id)
        .exec(db)
        .await
        .expect("delete model");
}

#[tokio::test]
async fn unlicensed_flags_migrate_on_sqlite() {
    on_fresh_sqlite(|db| async move {
        unlicensed_flags_move_to_their_table(&db).await;
        db
    })
    .await;
}

#[tokio::test]
async fn unlicensed_flags_migrate_on_postgres() {
    on_fresh_postgres(|db| async move {
        unlicensed_flags_move_to_their_table(&db).await;
        db
    })
    .await;
}
