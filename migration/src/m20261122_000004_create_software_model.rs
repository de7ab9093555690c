//! Creates `software_model`. Software models: publisher + product + edition (`""` when none).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `software_model` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SoftwareModel::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SoftwareModel::Id))
                    .col(string(SoftwareModel::Publisher))
                    .col(string(SoftwareModel::Product))
                    .col(string(SoftwareModel::Edition))
                    .col(string_len(SoftwareModel::Vendor, 32))
                    .col(string(SoftwareModel::DisplayName))
                    .col(timestamp_with_time_zone(SoftwareModel::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_software_model_publisher_product_edition")
                    .table(SoftwareModel::Table)
                    .col(SoftwareModel::Publisher)
                    .col(SoftwareModel::Product)
                    .col(SoftwareModel::Edition)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SoftwareModel::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SoftwareModel {
    Table,
    Id,
    Publisher,
    Product,
    Edition,
    Vendor,
    DisplayName,
    CreatedAt,
}
