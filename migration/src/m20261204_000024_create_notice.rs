//! Creates the notice outbox (`notice`) and its delivery log (`notice_attempt`), and gives a
//! candidate its reclaim date (`decide_by`): a notice is written in the same transaction
//! as the candidate it tells about, then delivered by a job.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `notice` and `notice_attempt`; adds `removal_candidate.decide_by`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notice::Table)
                    .col(big_pk_auto(Notice::Id))
                    .col(big_integer(Notice::CandidateId))
                    .col(big_integer_null(Notice::ProfileId))
                    .col(string_len(Notice::Channel, 32))
                    .col(string_len(Notice::State, 32))
                    .col(integer(Notice::Attempts).default(0))
                    .col(timestamp_with_time_zone(Notice::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Notice::ReclaimAt))
                    .col(string(Notice::DeliveryId))
                    .col(text_null(Notice::LastError))
                    .col(timestamp_with_time_zone(Notice::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notice::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notice_candidate_id")
                            .from(Notice::Table, Notice::CandidateId)
                            .to(Alias::new("removal_candidate"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notice_state_next")
                    .table(Notice::Table)
                    .col(Notice::State)
                    .col(Notice::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notice_candidate")
                    .table(Notice::Table)
                    .col(Notice::CandidateId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoticeAttempt::Table)
                    .col(big_pk_auto(NoticeAttempt::Id))
                    .col(big_integer(NoticeAttempt::NoticeId))
                    .col(integer(NoticeAttempt::Number))
                    .col(timestamp_with_time_zone(NoticeAttempt::At))
                    .col(boolean(NoticeAttempt::Delivered))
                    .col(text_null(NoticeAttempt::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notice_attempt_notice_id")
                            .from(NoticeAttempt::Table, NoticeAttempt::NoticeId)
                            .to(Notice::Table, Notice::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notice_attempt_notice")
                    .table(NoticeAttempt::Table)
                    .col(NoticeAttempt::NoticeId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Candidate::Table)
                    .add_column(timestamp_with_time_zone_null(Candidate::DecideBy))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Candidate::Table)
                    .drop_column(Candidate::DecideBy)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(NoticeAttempt::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Notice::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Notice {
    #[sea_orm(iden = "notice")]
    Table,
    Id,
    CandidateId,
    ProfileId,
    Channel,
    State,
    Attempts,
    NextAttemptAt,
    ReclaimAt,
    DeliveryId,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum NoticeAttempt {
    #[sea_orm(iden = "notice_attempt")]
    Table,
    Id,
    NoticeId,
    Number,
    At,
    Delivered,
    Error,
}

#[derive(DeriveIden)]
enum Candidate {
    #[sea_orm(iden = "removal_candidate")]
    Table,
    DecideBy,
}
