//! Creates `subscription_user_exclusion`. Exclusions by user principal name (lowercased email or `*@domain` pattern).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `subscription_user_exclusion` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SubscriptionUserExclusion::Table)
                    .if_not_exists()
                    .col(big_pk_auto(SubscriptionUserExclusion::Id))
                    .col(string(SubscriptionUserExclusion::UserPrincipalName))
                    .col(boolean(SubscriptionUserExclusion::ExcludeFromCost))
                    .col(boolean(SubscriptionUserExclusion::ExcludeFromReclaim))
                    .col(string_null(SubscriptionUserExclusion::Reason))
                    .col(timestamp_with_time_zone_null(
                        SubscriptionUserExclusion::ExpiresAt,
                    ))
                    .col(boolean(SubscriptionUserExclusion::Active))
                    .col(timestamp_with_time_zone(
                        SubscriptionUserExclusion::CreatedAt,
                    ))
                    .col(timestamp_with_time_zone(
                        SubscriptionUserExclusion::UpdatedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_subscription_user_exclusion_user_principal_name")
                    .table(SubscriptionUserExclusion::Table)
                    .col(SubscriptionUserExclusion::UserPrincipalName)
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
                    .table(SubscriptionUserExclusion::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SubscriptionUserExclusion {
    Table,
    Id,
    UserPrincipalName,
    ExcludeFromCost,
    ExcludeFromReclaim,
    Reason,
    ExpiresAt,
    Active,
    CreatedAt,
    UpdatedAt,
}
