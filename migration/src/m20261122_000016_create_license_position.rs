//! Creates `license_position`. License positions: reconciliation results per software model.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `license_position` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LicensePosition::Table)
                    .if_not_exists()
                    .col(big_pk_auto(LicensePosition::Id))
                    .col(big_integer(LicensePosition::SoftwareModelId))
                    .col(timestamp_with_time_zone(LicensePosition::ComputedAt))
                    .col(boolean(LicensePosition::IsLatest))
                    .col(big_integer(LicensePosition::RightsOwned))
                    .col(big_integer(LicensePosition::RightsUsed))
                    .col(big_integer(LicensePosition::RightsAvailable))
                    .col(big_integer(LicensePosition::Unlicensed))
                    .col(big_integer(LicensePosition::TrueUpCostMinor))
                    .col(big_integer(LicensePosition::OverLicensedMinor))
                    .col(big_integer(LicensePosition::PotentialSavingsMinor))
                    .col(big_integer(LicensePosition::ActualSavingsMinor))
                    .col(string_len(LicensePosition::Currency, 3))
                    .col(string_len(LicensePosition::ComplianceStatus, 32))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_license_position_software_model_id")
                            .from(LicensePosition::Table, LicensePosition::SoftwareModelId)
                            .to(SoftwareModel::Table, SoftwareModel::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_license_position_software_model_id_is_latest")
                    .table(LicensePosition::Table)
                    .col(LicensePosition::SoftwareModelId)
                    .col(LicensePosition::IsLatest)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LicensePosition::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LicensePosition {
    Table,
    Id,
    SoftwareModelId,
    ComputedAt,
    IsLatest,
    RightsOwned,
    RightsUsed,
    RightsAvailable,
    Unlicensed,
    TrueUpCostMinor,
    OverLicensedMinor,
    PotentialSavingsMinor,
    ActualSavingsMinor,
    Currency,
    ComplianceStatus,
}

#[derive(DeriveIden)]
enum SoftwareModel {
    Table,
    Id,
}
