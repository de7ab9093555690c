//! Creates `job_run_attempt`: each execution of a job run, with how it ended, so re-runs
//! after a crash or a stop are visible and bounded.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `job_run_attempt` table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attempt::Table)
                    .col(big_pk_auto(Attempt::Id))
                    .col(big_integer(Attempt::RunId))
                    .col(integer(Attempt::Number))
                    .col(string_null(Attempt::TaskId))
                    .col(timestamp_with_time_zone(Attempt::StartedAt))
                    .col(timestamp_with_time_zone_null(Attempt::EndedAt))
                    .col(string_len_null(Attempt::Outcome, 32))
                    .col(text_null(Attempt::Error))
                    .col(json_binary_null(Attempt::Counts))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_run_attempt_run_id")
                            .from(Attempt::Table, Attempt::RunId)
                            .to(Alias::new("job_run"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_job_run_attempt_run_number")
                    .table(Attempt::Table)
                    .col(Attempt::RunId)
                    .col(Attempt::Number)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attempt::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Attempt {
    #[sea_orm(iden = "job_run_attempt")]
    Table,
    Id,
    RunId,
    Number,
    TaskId,
    StartedAt,
    EndedAt,
    Outcome,
    Error,
    Counts,
}
