//! Decisions stick and notices remind: a rule's cooldown (a seat closed without a reclaim is
//! not flagged again for that many days), its reminders (how many, how far apart), and the
//! approver a kept seat is routed to; a notice says what it is (the first notice, a
//! reminder, an approval request) and, for an approver, to whom it goes.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the rule's `cooldown_days`, `reminder_count`, `reminder_interval_days` and
/// `approver_email`, and the notice's `kind` and `recipient`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rule = |column: ColumnDef| {
            Table::alter()
                .table(Alias::new("reclamation_rule"))
                .add_column(column)
                .to_owned()
        };
        let notice = |column: ColumnDef| {
            Table::alter()
                .table(Alias::new("notice"))
                .add_column(column)
                .to_owned()
        };
        for alter in [
            rule(integer(Alias::new("cooldown_days")).default(90).to_owned()),
            rule(integer(Alias::new("reminder_count")).default(0).to_owned()),
            rule(
                integer(Alias::new("reminder_interval_days"))
                    .default(3)
                    .to_owned(),
            ),
            rule(string_null(Alias::new("approver_email")).to_owned()),
            notice(
                string_len(Alias::new("kind"), 32)
                    .default("NOTICE")
                    .to_owned(),
            ),
            notice(string_null(Alias::new("recipient")).to_owned()),
        ] {
            manager.alter_table(alter).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("notice", "recipient"),
            ("notice", "kind"),
            ("reclamation_rule", "approver_email"),
            ("reclamation_rule", "reminder_interval_days"),
            ("reclamation_rule", "reminder_count"),
            ("reclamation_rule", "cooldown_days"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
