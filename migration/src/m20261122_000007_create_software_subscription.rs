//! Creates `software_subscription`. Software subscriptions: one per (profile, external user, identifier).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `software_subscription` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SoftwareSubscription::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SoftwareSubscription::Id))
                    .col(big_integer(SoftwareSubscription::ProfileId))
                    .col(big_integer_null(SoftwareSubscription::SoftwareModelId))
                    .col(string(SoftwareSubscription::Identifier))
                    .col(string(SoftwareSubscription::ExternalUserId))
                    .col(string(SoftwareSubscription::UserPrincipalName))
                    .col(string_null(SoftwareSubscription::DisplayName))
                    .col(timestamp_with_time_zone_null(
                        SoftwareSubscription::ExternalCreatedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        SoftwareSubscription::AssignedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        SoftwareSubscription::LastActivityAt,
                    ))
                    .col(boolean(SoftwareSubscription::Active))
                    .col(boolean(SoftwareSubscription::IsPrivileged))
                    .col(boolean(SoftwareSubscription::ExcludedFromCost))
                    .col(boolean(SoftwareSubscription::ExcludedFromReclaim))
                    .col(timestamp_with_time_zone(SoftwareSubscription::FirstSeenAt))
                    .col(timestamp_with_time_zone(SoftwareSubscription::LastSeenAt))
                    .col(timestamp_with_time_zone_null(
                        SoftwareSubscription::ClosedAt,
                    ))
                    .col(big_integer(SoftwareSubscription::ContentHash))
                    .col(timestamp_with_time_zone(SoftwareSubscription::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_software_subscription_profile_id")
                            .from(SoftwareSubscription::Table, SoftwareSubscription::ProfileId)
                            .to(IntegrationProfile::Table, IntegrationProfile::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_software_subscription_software_model_id")
                            .from(
                                SoftwareSubscription::Table,
                                SoftwareSubscription::SoftwareModelId,
                            )
                            .to(SoftwareModel::Table, SoftwareModel::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_software_subscription_profile_user_identifier")
                    .table(SoftwareSubscription::Table)
                    .col(SoftwareSubscription::ProfileId)
                    .col(SoftwareSubscription::ExternalUserId)
                    .col(SoftwareSubscription::Identifier)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_software_subscription_profile_id_id")
                    .table(SoftwareSubscription::Table)
                    .col(SoftwareSubscription::ProfileId)
                    .col(SoftwareSubscription::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_software_subscription_software_model_id_id")
                    .table(SoftwareSubscription::Table)
                    .col(SoftwareSubscription::SoftwareModelId)
                    .col(SoftwareSubscription::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_software_subscription_user_principal_name")
                    .table(SoftwareSubscription::Table)
                    .col(SoftwareSubscription::UserPrincipalName)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_software_subscription_last_activity_at")
                    .table(SoftwareSubscription::Table)
                    .col(SoftwareSubscription::LastActivityAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_software_subscription_active_id")
                    .table(SoftwareSubscription::Table)
                    .col(SoftwareSubscription::Active)
                    .col(SoftwareSubscription::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SoftwareSubscription::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SoftwareSubscription {
    Table,
    Id,
    ProfileId,
    SoftwareModelId,
    Identifier,
    ExternalUserId,
    UserPrincipalName,
    DisplayName,
    ExternalCreatedAt,
    AssignedAt,
    LastActivityAt,
    Active,
    IsPrivileged,
    ExcludedFromCost,
    ExcludedFromReclaim,
    FirstSeenAt,
    LastSeenAt,
    ClosedAt,
    ContentHash,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntegrationProfile {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SoftwareModel {
    Table,
    Id,
}
