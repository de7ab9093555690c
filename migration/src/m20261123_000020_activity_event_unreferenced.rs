//! Drops `activity_event`'s foreign key to `vendor_user`. Checked per row, it doubled the
//! cost of storing events on PostgreSQL (and cost SQLite a fifth): an activity ingest
//! instead holds its profile for each batch it writes, the profile's deletion removes its
//! events itself, and every event is written with a `vendor_user` id read in the same
//! transaction. SQLite cannot drop a constraint, so its table is rebuilt (rows carried).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Drops the foreign key (and back).
#[derive(DeriveMigrationName)]
pub struct Migration;

const FK: &str = "fk_activity_event_vendor_user_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "ALTER TABLE activity_event DROP CONSTRAINT IF EXISTS {FK}"
                ))
                .await?;
                Ok(())
            }
            _ => rebuild_sqlite(manager, false).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Events whose user is gone could not be kept under the constraint.
        db.execute_unprepared(
            "DELETE FROM activity_event WHERE vendor_user_id NOT IN (SELECT id FROM vendor_user)",
        )
        .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "ALTER TABLE activity_event ADD CONSTRAINT {FK} FOREIGN KEY (vendor_user_id) \
                     REFERENCES vendor_user (id) ON DELETE CASCADE"
                ))
                .await?;
                Ok(())
            }
            _ => rebuild_sqlite(manager, true).await,
        }
    }
}

/// Rebuilds SQLite's `activity_event` with or without the foreign key, rows carried over.
async fn rebuild_sqlite(manager: &SchemaManager<'_>, with_fk: bool) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(Rebuilt::Table)
        .col(big_integer(Event::VendorUserId))
        .col(small_integer(Event::Kind))
        .col(big_integer(Event::OccurredAtMs))
        .col(string(Event::Source))
        .col(string_null(Event::ExternalRef))
        .primary_key(
            Index::create()
                .col(Event::VendorUserId)
                .col(Event::Kind)
                .col(Event::OccurredAtMs),
        )
        .extra("WITHOUT ROWID");
    if with_fk {
        table.foreign_key(
            ForeignKey::create()
                .name(FK)
                .from(Rebuilt::Table, Event::VendorUserId)
                .to(VendorUser::Table, VendorUser::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::NoAction),
        );
    }
    manager.create_table(table.to_owned()).await?;
    manager
        .get_connection()
        .execute_unprepared(
            "INSERT INTO activity_event_rebuilt \
             (vendor_user_id, kind, occurred_at_ms, source, external_ref) \
             SELECT vendor_user_id, kind, occurred_at_ms, source, external_ref FROM activity_event",
        )
        .await?;
    manager
        .drop_table(Table::drop().table(Event::Table).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(Rebuilt::Table, Event::Table)
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum Event {
    #[sea_orm(iden = "activity_event")]
    Table,
    VendorUserId,
    Kind,
    OccurredAtMs,
    Source,
    ExternalRef,
}

#[derive(DeriveIden)]
enum Rebuilt {
    #[sea_orm(iden = "activity_event_rebuilt")]
    Table,
}

#[derive(DeriveIden)]
enum VendorUser {
    Table,
    Id,
}
