//! Creates `entitlement`. Entitlements: rights bought for a software model over a period.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `entitlement` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Entitlement::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Entitlement::Id))
                    .col(big_integer(Entitlement::SoftwareModelId))
                    .col(string(Entitlement::Name))
                    .col(big_integer(Entitlement::PurchasedRights))
                    .col(big_integer(Entitlement::UnitCostMinor))
                    .col(string_len(Entitlement::Currency, 3))
                    .col(date(Entitlement::PeriodStart))
                    .col(date(Entitlement::PeriodEnd))
                    .col(timestamp_with_time_zone(Entitlement::CreatedAt))
                    .col(timestamp_with_time_zone(Entitlement::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_entitlement_software_model_id")
                            .from(Entitlement::Table, Entitlement::SoftwareModelId)
                            .to(SoftwareModel::Table, SoftwareModel::Id)
                            .on_delete(ForeignKeyAction::Restrict)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_entitlement_software_model_id")
                    .table(Entitlement::Table)
                    .col(Entitlement::SoftwareModelId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Entitlement::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Entitlement {
    Table,
    Id,
    SoftwareModelId,
    Name,
    PurchasedRights,
    UnitCostMinor,
    Currency,
    PeriodStart,
    PeriodEnd,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SoftwareModel {
    Table,
    Id,
}
