//! Evaluation reads a profile's open seats idle since a date: a partial index of the open
//! seats by profile and last activity finds them without reading the profile's other
//! seats. It replaces the index on last activity alone, which no query used, so the
//! activity roll-up's writes keep the same number of indexes.

use sea_orm_migration::prelude::*;

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

const IDLE_INDEX: &str = "CREATE INDEX ix_software_subscription_idle \
     ON software_subscription (profile_id, last_activity_at) WHERE closed_at IS NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_software_subscription_last_activity_at")
                    .table(Alias::new("software_subscription"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(IDLE_INDEX)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_software_subscription_idle")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_software_subscription_last_activity_at")
                    .table(Alias::new("software_subscription"))
                    .col(Alias::new("last_activity_at"))
                    .to_owned(),
            )
            .await
    }
}
