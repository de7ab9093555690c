//! Creates `activity_event`. Raw user activity events, kept for at least a year.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `activity_event` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActivityEvent::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ActivityEvent::Id))
                    .col(big_integer(ActivityEvent::ProfileId))
                    .col(string(ActivityEvent::ExternalUserId))
                    .col(string_null(ActivityEvent::UserPrincipalName))
                    .col(string_len(ActivityEvent::Kind, 32))
                    .col(timestamp_with_time_zone(ActivityEvent::OccurredAt))
                    .col(string(ActivityEvent::Source))
                    .col(string_null(ActivityEvent::ExternalRef))
                    .col(timestamp_with_time_zone(ActivityEvent::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_event_profile_id")
                            .from(ActivityEvent::Table, ActivityEvent::ProfileId)
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
                    .name("ux_activity_event_profile_user_kind_occurred_at")
                    .table(ActivityEvent::Table)
                    .col(ActivityEvent::ProfileId)
                    .col(ActivityEvent::ExternalUserId)
                    .col(ActivityEvent::Kind)
                    .col(ActivityEvent::OccurredAt)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activity_event_profile_id_occurred_at")
                    .table(ActivityEvent::Table)
                    .col(ActivityEvent::ProfileId)
                    .col(ActivityEvent::OccurredAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActivityEvent::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ActivityEvent {
    Table,
    Id,
    ProfileId,
    ExternalUserId,
    UserPrincipalName,
    Kind,
    OccurredAt,
    Source,
    ExternalRef,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IntegrationProfile {
    Table,
    Id,
}
