//! How far back each vendor user's activity is known exactly (from per-user calls), so a
//! product whose only activity source is per-user is judged per user, never from a profile
//! whose pull reached only some of its users.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `vendor_user.exact_activity_from` and `exact_activity_to`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 2] = ["exact_activity_from", "exact_activity_to"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("vendor_user"))
                        .add_column(timestamp_with_time_zone_null(Alias::new(column)))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS.iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("vendor_user"))
                        .drop_column(Alias::new(*column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
