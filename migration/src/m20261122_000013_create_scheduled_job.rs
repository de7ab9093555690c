//! Creates `scheduled_job`. Scheduled jobs: one per (profile, kind).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `scheduled_job` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScheduledJob::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ScheduledJob::Id))
                    .col(big_integer(ScheduledJob::ProfileId))
                    .col(string_len(ScheduledJob::Kind, 32))
                    .col(string(ScheduledJob::Cron))
                    .col(boolean(ScheduledJob::Active))
                    .col(timestamp_with_time_zone_null(ScheduledJob::NextRunAt))
                    .col(timestamp_with_time_zone_null(ScheduledJob::LastRunAt))
                    .col(timestamp_with_time_zone(ScheduledJob::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scheduled_job_profile_id")
                            .from(ScheduledJob::Table, ScheduledJob::ProfileId)
                            .to(IntegrationProfile::Table, IntegrationProfile::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_scheduled_job_profile_id_kind")
                    .table(ScheduledJob::Table)
                    .col(ScheduledJob::ProfileId)
                    .col(ScheduledJob::Kind)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ScheduledJob::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ScheduledJob {
    Table,
    Id,
    ProfileId,
    Kind,
    Cron,
    Active,
    NextRunAt,
    LastRunAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IntegrationProfile {
    Table,
    Id,
}
