//! The licence summary reads every seat rollup row grouped by profile and model, and every
//! model's latest position, on each request: a covering index gives the rollup rows already
//! grouped (no sort, no table reads), and the latest positions come from an index.

use sea_orm_migration::prelude::*;

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_activity_rollup_profile")
                    .table(Alias::new("activity_rollup"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_rollup_grouped")
                    .table(Alias::new("activity_rollup"))
                    .col(Alias::new("profile_id"))
                    .col(Alias::new("software_model_id"))
                    .col(Alias::new("last_active_on"))
                    .col(Alias::new("seats"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_license_position_latest")
                    .table(Alias::new("license_position"))
                    .col(Alias::new("is_latest"))
                    .col(Alias::new("software_model_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (index, table) in [
            ("ix_license_position_latest", "license_position"),
            ("ix_activity_rollup_grouped", "activity_rollup"),
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_rollup_profile")
                    .table(Alias::new("activity_rollup"))
                    .col(Alias::new("profile_id"))
                    .to_owned(),
            )
            .await
    }
}
