//! Creates `unrecognized_identifier`. Vendor license codes seen at download with no known software model.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `unrecognized_identifier` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UnrecognizedIdentifier::Table)
                    .if_not_exists()
                    .col(big_pk_auto(UnrecognizedIdentifier::Id))
                    .col(string_len(UnrecognizedIdentifier::Vendor, 32))
                    .col(string(UnrecognizedIdentifier::Code))
                    .col(big_integer(UnrecognizedIdentifier::SubscriptionCount))
                    .col(timestamp_with_time_zone(
                        UnrecognizedIdentifier::FirstSeenAt,
                    ))
                    .col(timestamp_with_time_zone(UnrecognizedIdentifier::LastSeenAt))
                    .col(big_integer_null(UnrecognizedIdentifier::MappedModelId))
                    .col(timestamp_with_time_zone_null(
                        UnrecognizedIdentifier::MappedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unrecognized_identifier_mapped_model_id")
                            .from(
                                UnrecognizedIdentifier::Table,
                                UnrecognizedIdentifier::MappedModelId,
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
                    .name("ux_unrecognized_identifier_vendor_code")
                    .table(UnrecognizedIdentifier::Table)
                    .col(UnrecognizedIdentifier::Vendor)
                    .col(UnrecognizedIdentifier::Code)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_unrecognized_identifier_mapped_model_id")
                    .table(UnrecognizedIdentifier::Table)
                    .col(UnrecognizedIdentifier::MappedModelId)
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
                    .table(UnrecognizedIdentifier::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum UnrecognizedIdentifier {
    Table,
    Id,
    Vendor,
    Code,
    SubscriptionCount,
    FirstSeenAt,
    LastSeenAt,
    MappedModelId,
    MappedAt,
}

#[derive(DeriveIden)]
enum SoftwareModel {
    Table,
    Id,
}
