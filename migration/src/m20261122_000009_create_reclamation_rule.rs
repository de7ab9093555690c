//! Creates `reclamation_rule`. Reclamation rules: at most one per software model.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `reclamation_rule` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReclamationRule::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ReclamationRule::Id))
                    .col(big_integer(ReclamationRule::SoftwareModelId))
                    .col(string(ReclamationRule::Name))
                    .col(integer(ReclamationRule::InactivityThresholdDays))
                    .col(boolean(ReclamationRule::NotifyUser))
                    .col(integer(ReclamationRule::NotifyWaitDays))
                    .col(boolean(ReclamationRule::RequireApproval))
                    .col(boolean(ReclamationRule::Active))
                    .col(timestamp_with_time_zone(ReclamationRule::CreatedAt))
                    .col(timestamp_with_time_zone(ReclamationRule::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reclamation_rule_software_model_id")
                            .from(ReclamationRule::Table, ReclamationRule::SoftwareModelId)
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
                    .name("ux_reclamation_rule_software_model_id")
                    .table(ReclamationRule::Table)
                    .col(ReclamationRule::SoftwareModelId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReclamationRule::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ReclamationRule {
    Table,
    Id,
    SoftwareModelId,
    Name,
    InactivityThresholdDays,
    NotifyUser,
    NotifyWaitDays,
    RequireApproval,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SoftwareModel {
    Table,
    Id,
}
