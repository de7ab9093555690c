//! The subscriptions reconciliation finds beyond a model's rights move from a flag on
//! `software_subscription` to a table of their own, `unlicensed_seat`. Marking a short
//! model's holders rewrote each of those subscription rows; on PostgreSQL an indexed flag
//! makes every such update a new row version with an entry in each of the table's indexes,
//! and the first reconciliation of a million seats spent two thirds of its time there. A
//! mark is now one narrow row, written and removed only when it changes.
//!
//! Like activity events, a mark carries no foreign key: checking one per row cost
//! PostgreSQL as much as writing the marks. Deleting a profile deletes its subscriptions'
//! marks (`profiles::delete`); a mark left behind by a subscription deleted while its
//! model was being reconciled names no subscription, so no reader shows it, and the
//! model's next reconciliation removes it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

const FLAG_INDEX: &str = "ix_software_subscription_model_unlicensed";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UnlicensedSeat::Table)
                    .col(big_integer(UnlicensedSeat::SubscriptionId).primary_key())
                    .col(big_integer(UnlicensedSeat::SoftwareModelId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_unlicensed_seat_model")
                    .table(UnlicensedSeat::Table)
                    .col(UnlicensedSeat::SoftwareModelId)
                    .col(UnlicensedSeat::SubscriptionId)
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO unlicensed_seat (subscription_id, software_model_id) \
                 SELECT id, software_model_id FROM software_subscription \
                 WHERE unlicensed = TRUE AND software_model_id IS NOT NULL",
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(FLAG_INDEX)
                    .table(Alias::new("software_subscription"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("software_subscription"))
                    .drop_column(Alias::new("unlicensed"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("software_subscription"))
                    .add_column(boolean(Alias::new("unlicensed")).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE software_subscription SET unlicensed = TRUE \
                 WHERE id IN (SELECT subscription_id FROM unlicensed_seat)",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(FLAG_INDEX)
                    .table(Alias::new("software_subscription"))
                    .col(Alias::new("software_model_id"))
                    .col(Alias::new("unlicensed"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(UnlicensedSeat::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UnlicensedSeat {
    Table,
    SubscriptionId,
    SoftwareModelId,
}
