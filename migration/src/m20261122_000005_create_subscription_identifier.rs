//! Creates `subscription_identifier`. Known vendor license codes and the software model each maps to.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `subscription_identifier` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SubscriptionIdentifier::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SubscriptionIdentifier::Id))
                    .col(string_len(SubscriptionIdentifier::Vendor, 32))
                    .col(string(SubscriptionIdentifier::Code))
                    .col(big_integer(SubscriptionIdentifier::SoftwareModelId))
                    .col(string_null(SubscriptionIdentifier::Description))
                    .col(timestamp_with_time_zone(SubscriptionIdentifier::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subscription_identifier_software_model_id")
                            .from(
                                SubscriptionIdentifier::Table,
                                SubscriptionIdentifier::SoftwareModelId,
                            )
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
                    .name("ux_subscription_identifier_vendor_code")
                    .table(SubscriptionIdentifier::Table)
                    .col(SubscriptionIdentifier::Vendor)
                    .col(SubscriptionIdentifier::Code)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_subscription_identifier_software_model_id")
                    .table(SubscriptionIdentifier::Table)
                    .col(SubscriptionIdentifier::SoftwareModelId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(SubscriptionIdentifier::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SubscriptionIdentifier {
    Table,
    Id,
    Vendor,
    Code,
    SoftwareModelId,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SoftwareModel {
    Table,
    Id,
}
