//! Creates `subscription_identifier_exclusion`. Exclusions by vendor license code.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `subscription_identifier_exclusion` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SubscriptionIdentifierExclusion::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SubscriptionIdentifierExclusion::Id))
                    .col(string_len(SubscriptionIdentifierExclusion::Vendor, 32))
                    .col(string(SubscriptionIdentifierExclusion::Identifier))
                    .col(boolean(SubscriptionIdentifierExclusion::ExcludeFromCost))
                    .col(boolean(SubscriptionIdentifierExclusion::ExcludeFromReclaim))
                    .col(string_null(SubscriptionIdentifierExclusion::Reason))
                    .col(timestamp_with_time_zone_null(
                        SubscriptionIdentifierExclusion::ExpiresAt,
                    ))
                    .col(boolean(SubscriptionIdentifierExclusion::Active))
                    .col(timestamp_with_time_zone(
                        SubscriptionIdentifierExclusion::CreatedAt,
                    ))
                    .col(timestamp_with_time_zone(
                        SubscriptionIdentifierExclusion::UpdatedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_subscription_identifier_exclusion_vendor_identifier")
                    .table(SubscriptionIdentifierExclusion::Table)
                    .col(SubscriptionIdentifierExclusion::Vendor)
                    .col(SubscriptionIdentifierExclusion::Identifier)
                    .unique()
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
                    .table(SubscriptionIdentifierExclusion::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SubscriptionIdentifierExclusion {
    Table,
    Id,
    Vendor,
    Identifier,
    ExcludeFromCost,
    ExcludeFromReclaim,
    Reason,
    ExpiresAt,
    Active,
    CreatedAt,
    UpdatedAt,
}
