//! Creates `removal_candidate`. Removal candidates; their links are SET NULL on delete so the record and its savings outlive them.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the `removal_candidate` table with its indexes and foreign keys.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RemovalCandidate::Table)
                    .if_not_exists()
                    .col(big_pk_auto(RemovalCandidate::Id))
                    .col(big_integer_null(RemovalCandidate::SubscriptionId))
                    .col(big_integer_null(RemovalCandidate::ProfileId))
                    .col(big_integer_null(RemovalCandidate::SoftwareModelId))
                    .col(big_integer_null(RemovalCandidate::RuleId))
                    .col(string(RemovalCandidate::UserPrincipalName))
                    .col(string_len(RemovalCandidate::State, 32))
                    .col(timestamp_with_time_zone_null(
                        RemovalCandidate::LastActivityAt,
                    ))
                    .col(integer(RemovalCandidate::ThresholdDays))
                    .col(json_binary(RemovalCandidate::Evidence))
                    .col(big_integer(RemovalCandidate::PotentialSavingsMinor))
                    .col(string_len(RemovalCandidate::Currency, 3))
                    .col(timestamp_with_time_zone(RemovalCandidate::OpenedAt))
                    .col(timestamp_with_time_zone_null(RemovalCandidate::NotifiedAt))
                    .col(timestamp_with_time_zone_null(RemovalCandidate::ClosedAt))
                    .col(string_null(RemovalCandidate::CloseReason))
                    .col(timestamp_with_time_zone(RemovalCandidate::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_removal_candidate_subscription_id")
                            .from(RemovalCandidate::Table, RemovalCandidate::SubscriptionId)
                            .to(SoftwareSubscription::Table, SoftwareSubscription::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_removal_candidate_profile_id")
                            .from(RemovalCandidate::Table, RemovalCandidate::ProfileId)
                            .to(IntegrationProfile::Table, IntegrationProfile::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_removal_candidate_software_model_id")
                            .from(RemovalCandidate::Table, RemovalCandidate::SoftwareModelId)
                            .to(SoftwareModel::Table, SoftwareModel::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_removal_candidate_rule_id")
                            .from(RemovalCandidate::Table, RemovalCandidate::RuleId)
                            .to(ReclamationRule::Table, ReclamationRule::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_removal_candidate_state_id")
                    .table(RemovalCandidate::Table)
                    .col(RemovalCandidate::State)
                    .col(RemovalCandidate::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_removal_candidate_profile_id_id")
                    .table(RemovalCandidate::Table)
                    .col(RemovalCandidate::ProfileId)
                    .col(RemovalCandidate::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_removal_candidate_subscription_id")
                    .table(RemovalCandidate::Table)
                    .col(RemovalCandidate::SubscriptionId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_removal_candidate_software_model_id")
                    .table(RemovalCandidate::Table)
                    .col(RemovalCandidate::SoftwareModelId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_removal_candidate_rule_id")
                    .table(RemovalCandidate::Table)
                    .col(RemovalCandidate::RuleId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RemovalCandidate::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RemovalCandidate {
    Table,
    Id,
    SubscriptionId,
    ProfileId,
    SoftwareModelId,
    RuleId,
    UserPrincipalName,
    State,
    LastActivityAt,
    ThresholdDays,
    Evidence,
    PotentialSavingsMinor,
    Currency,
    OpenedAt,
    NotifiedAt,
    ClosedAt,
    CloseReason,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SoftwareSubscription {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum IntegrationProfile {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SoftwareModel {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ReclamationRule {
    Table,
    Id,
}
