//! Reconciliation's shape: an entitlement's period type, state, contract reference and note;
//! a position per model with its money per currency (`license_position_amount`, never
//! summed across currencies) in place of one currency's columns; verdicts that say which way
//! a model is off (`NOT_COMPLIANT` becomes `UNDER_LICENSED`); and the subscriptions beyond
//! the rights owned marked `unlicensed`.

use sea_orm_migration::{prelude::*, schema::*};

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

const MONEY_COLUMNS: [&str; 5] = [
    "true_up_cost_minor",
    "over_licensed_minor",
    "potential_savings_minor",
    "actual_savings_minor",
    "currency",
];

fn add(table: &str, column: ColumnDef) -> TableAlterStatement {
    Table::alter()
        .table(Alias::new(table))
        .add_column(column)
        .to_owned()
}

fn drop(table: &str, column: &str) -> TableAlterStatement {
    Table::alter()
        .table(Alias::new(table))
        .drop_column(Alias::new(column))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for alter in [
            add(
                "entitlement",
                string_len(Alias::new("period_type"), 16)
                    .default("WHOLE_TERM")
                    .to_owned(),
            ),
            add(
                "entitlement",
                string_len(Alias::new("state"), 16)
                    .default("ACTIVE")
                    .to_owned(),
            ),
            add(
                "entitlement",
                string_null(Alias::new("contract_reference")).to_owned(),
            ),
            add("entitlement", text_null(Alias::new("note")).to_owned()),
            add(
                "license_position",
                big_integer(Alias::new("subscriptions_used"))
                    .default(0)
                    .to_owned(),
            ),
            add(
                "software_subscription",
                boolean(Alias::new("unlicensed")).default(false).to_owned(),
            ),
        ] {
            manager.alter_table(alter).await?;
        }
        for column in MONEY_COLUMNS {
            manager
                .alter_table(drop("license_position", column))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Amount::Table)
                    .col(big_pk_auto(Amount::Id))
                    .col(big_integer(Amount::PositionId))
                    .col(string_len(Amount::Currency, 3))
                    .col(big_integer(Amount::RightsOwned))
                    .col(big_integer(Amount::PricePerRightMinor))
                    .col(big_integer(Amount::AnnualSpendMinor))
                    .col(big_integer(Amount::TrueUpCostMinor))
                    .col(big_integer(Amount::OverLicensedMinor))
                    .col(big_integer(Amount::PotentialSavingsMinor))
                    .col(big_integer(Amount::ActualSavingsMinor))
                    .col(big_integer(Amount::ActualSavingsYearMinor))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_license_position_amount_position_id")
                            .from(Amount::Table, Amount::PositionId)
                            .to(Alias::new("license_position"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_license_position_amount_position")
                    .table(Amount::Table)
                    .col(Amount::PositionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_software_subscription_model_unlicensed")
                    .table(Alias::new("software_subscription"))
                    .col(Alias::new("software_model_id"))
                    .col(Alias::new("unlicensed"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE license_position SET compliance_status = 'UNDER_LICENSED' \
                 WHERE compliance_status = 'NOT_COMPLIANT'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE license_position SET compliance_status = 'NOT_COMPLIANT' \
                 WHERE compliance_status IN ('UNDER_LICENSED', 'OVER_LICENSED')",
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_software_subscription_model_unlicensed")
                    .table(Alias::new("software_subscription"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Amount::Table).to_owned())
            .await?;
        for alter in [
            add(
                "license_position",
                big_integer(Alias::new("true_up_cost_minor"))
                    .default(0)
                    .to_owned(),
            ),
            add(
                "license_position",
                big_integer(Alias::new("over_licensed_minor"))
                    .default(0)
                    .to_owned(),
            ),
            add(
                "license_position",
                big_integer(Alias::new("potential_savings_minor"))
                    .default(0)
                    .to_owned(),
            ),
            add(
                "license_position",
                big_integer(Alias::new("actual_savings_minor"))
                    .default(0)
                    .to_owned(),
            ),
            add(
                "license_position",
                string_len(Alias::new("currency"), 3).default("").to_owned(),
            ),
        ] {
            manager.alter_table(alter).await?;
        }
        for (table, column) in [
            ("software_subscription", "unlicensed"),
            ("license_position", "subscriptions_used"),
            ("entitlement", "note"),
            ("entitlement", "contract_reference"),
            ("entitlement", "state"),
            ("entitlement", "period_type"),
        ] {
            manager.alter_table(drop(table, column)).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Amount {
    #[sea_orm(iden = "license_position_amount")]
    Table,
    Id,
    PositionId,
    Currency,
    RightsOwned,
    PricePerRightMinor,
    AnnualSpendMinor,
    TrueUpCostMinor,
    OverLicensedMinor,
    PotentialSavingsMinor,
    ActualSavingsMinor,
    ActualSavingsYearMinor,
}
