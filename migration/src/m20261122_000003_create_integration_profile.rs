//! Creates `integration_profile`. Integration profiles: one per vendor tenant.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `integration_profile` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IntegrationProfile::Table)
                    .if_not_exists()
                    .col(big_pk_auto(IntegrationProfile::Id))
                    .col(string(IntegrationProfile::DisplayName))
                    .col(string_len(IntegrationProfile::Vendor, 32))
                    .col(string_len(IntegrationProfile::Status, 32))
                    .col(big_integer_null(IntegrationProfile::AliasId))
                    .col(boolean(IntegrationProfile::DownloadActivity))
                    .col(boolean(IntegrationProfile::Reclaim))
                    .col(integer(IntegrationProfile::ActivityLookBackDays))
                    .col(timestamp_with_time_zone_null(
                        IntegrationProfile::ValidatedAt,
                    ))
                    .col(json_binary_null(IntegrationProfile::LastValidation))
                    .col(timestamp_with_time_zone_null(
                        IntegrationProfile::PublishedAt,
                    ))
                    .col(timestamp_with_time_zone(IntegrationProfile::CreatedAt))
                    .col(timestamp_with_time_zone(IntegrationProfile::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_integration_profile_alias_id")
                            .from(IntegrationProfile::Table, IntegrationProfile::AliasId)
                            .to(ConnectionAlias::Table, ConnectionAlias::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_integration_profile_vendor_status")
                    .table(IntegrationProfile::Table)
                    .col(IntegrationProfile::Vendor)
                    .col(IntegrationProfile::Status)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_integration_profile_alias_id")
                    .table(IntegrationProfile::Table)
                    .col(IntegrationProfile::AliasId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IntegrationProfile::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IntegrationProfile {
    Table,
    Id,
    DisplayName,
    Vendor,
    Status,
    AliasId,
    DownloadActivity,
    Reclaim,
    ActivityLookBackDays,
    ValidatedAt,
    LastValidation,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConnectionAlias {
    Table,
    Id,
}
