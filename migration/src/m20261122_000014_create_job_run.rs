//! Creates `job_run`. Job runs: state, progress, counts and timings of each execution.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `job_run` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobRun::Table)
                    .if_not_exists()
                    .col(big_pk_auto(JobRun::Id))
                    .col(big_integer_null(JobRun::ProfileId))
                    .col(big_integer_null(JobRun::ScheduledJobId))
                    .col(string_len(JobRun::Kind, 32))
                    .col(string_len(JobRun::State, 32))
                    .col(string_null(JobRun::TaskId))
                    .col(big_integer(JobRun::ProgressDone))
                    .col(big_integer_null(JobRun::ProgressTotal))
                    .col(big_integer(JobRun::Fetched))
                    .col(big_integer(JobRun::Created))
                    .col(big_integer(JobRun::Updated))
                    .col(big_integer(JobRun::Closed))
                    .col(big_integer(JobRun::Unchanged))
                    .col(big_integer(JobRun::Unrecognized))
                    .col(big_integer(JobRun::Errors))
                    .col(big_integer(JobRun::RequestsMade))
                    .col(text_null(JobRun::Error))
                    .col(json_binary_null(JobRun::Detail))
                    .col(timestamp_with_time_zone(JobRun::QueuedAt))
                    .col(timestamp_with_time_zone_null(JobRun::StartedAt))
                    .col(timestamp_with_time_zone_null(JobRun::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_run_profile_id")
                            .from(JobRun::Table, JobRun::ProfileId)
                            .to(IntegrationProfile::Table, IntegrationProfile::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_run_scheduled_job_id")
                            .from(JobRun::Table, JobRun::ScheduledJobId)
                            .to(ScheduledJob::Table, ScheduledJob::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_run_profile_id_kind_state")
                    .table(JobRun::Table)
                    .col(JobRun::ProfileId)
                    .col(JobRun::Kind)
                    .col(JobRun::State)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_run_state_id")
                    .table(JobRun::Table)
                    .col(JobRun::State)
                    .col(JobRun::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_run_scheduled_job_id")
                    .table(JobRun::Table)
                    .col(JobRun::ScheduledJobId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobRun::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum JobRun {
    Table,
    Id,
    ProfileId,
    ScheduledJobId,
    Kind,
    State,
    TaskId,
    ProgressDone,
    ProgressTotal,
    Fetched,
    Created,
    Updated,
    Closed,
    Unchanged,
    Unrecognized,
    Errors,
    RequestsMade,
    Error,
    Detail,
    QueuedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum IntegrationProfile {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ScheduledJob {
    Table,
    Id,
}
