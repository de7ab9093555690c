//! What reclamation needs beyond the tables it started with: a rule's condition and
//! whether it reclaims by itself; a candidate's reclaim claim, vendor outcome and realised
//! saving, with at most one open candidate per subscription; each candidate's history; a
//! reclaim run's counts; and how far back a profile's pulled activity reaches.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the reclamation columns, the open-candidate index and `removal_candidate_event`.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// New columns, as (table, column definition); one `ALTER TABLE` each (SQLite takes one).
fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        (
            "reclamation_rule",
            json_binary_null(Alias::new("condition")).to_owned(),
        ),
        (
            "reclamation_rule",
            boolean(Alias::new("auto_reclaim"))
                .default(false)
                .to_owned(),
        ),
        (
            "removal_candidate",
            big_integer_null(Alias::new("reclaim_run_id")).to_owned(),
        ),
        (
            "removal_candidate",
            timestamp_with_time_zone_null(Alias::new("vendor_call_at")).to_owned(),
        ),
        (
            "removal_candidate",
            text_null(Alias::new("attention_reason")).to_owned(),
        ),
        (
            "removal_candidate",
            string_len_null(Alias::new("vendor_code"), 64).to_owned(),
        ),
        (
            "removal_candidate",
            big_integer_null(Alias::new("realised_savings_minor")).to_owned(),
        ),
        (
            "removal_candidate",
            timestamp_with_time_zone_null(Alias::new("reclaimed_at")).to_owned(),
        ),
        (
            "removal_candidate",
            // A constant default: SQLite adds no column with CURRENT_TIMESTAMP. Every row
            // gets its real value below, and every new row is written with one.
            timestamp_with_time_zone(Alias::new("idle_since"))
                .default("1970-01-01 00:00:00+00:00")
                .to_owned(),
        ),
        (
            "job_run",
            big_integer(Alias::new("reclaimed")).default(0).to_owned(),
        ),
        (
            "job_run",
            big_integer(Alias::new("skipped")).default(0).to_owned(),
        ),
        (
            "job_run",
            big_integer(Alias::new("canceled")).default(0).to_owned(),
        ),
        (
            "integration_profile",
            timestamp_with_time_zone_null(Alias::new("activity_covered_from")).to_owned(),
        ),
        (
            "integration_profile",
            timestamp_with_time_zone_null(Alias::new("activity_covered_to")).to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // Idle since the last activity, else since it was flagged (older rows keep no
        // assignment date).
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE removal_candidate SET idle_since = COALESCE(last_activity_at, opened_at)",
            )
            .await?;
        // Older data may hold several open candidates of one subscription: keep the newest.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE removal_candidate SET state = 'CLOSED_SKIPPED', closed_at = updated_at, \
                 close_reason = 'superseded by a newer candidate of the same subscription' \
                 WHERE closed_at IS NULL AND subscription_id IS NOT NULL AND id NOT IN \
                 (SELECT MAX(id) FROM removal_candidate WHERE closed_at IS NULL \
                  AND subscription_id IS NOT NULL GROUP BY subscription_id)",
            )
            .await?;
        // Partial unique index: the same statement on both databases.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_removal_candidate_open_subscription \
                 ON removal_candidate (subscription_id) WHERE closed_at IS NULL",
            )
            .await?;
        for (name, column) in [
            ("idx_removal_candidate_savings", "potential_savings_minor"),
            ("idx_removal_candidate_idle_since", "idle_since"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new("removal_candidate"))
                        .col(Alias::new(column))
                        .col(Alias::new("id"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_removal_candidate_reclaim_run")
                    .table(Alias::new("removal_candidate"))
                    .col(Alias::new("reclaim_run_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Event::Table)
                    .col(big_pk_auto(Event::Id))
                    .col(big_integer(Event::CandidateId))
                    .col(string_len_null(Event::FromState, 32))
                    .col(string_len(Event::ToState, 32))
                    .col(string(Event::Actor))
                    .col(text_null(Event::Reason))
                    .col(big_integer_null(Event::RunId))
                    .col(timestamp_with_time_zone(Event::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_removal_candidate_event_candidate_id")
                            .from(Event::Table, Event::CandidateId)
                            .to(Alias::new("removal_candidate"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_removal_candidate_event_candidate")
                    .table(Event::Table)
                    .col(Event::CandidateId)
                    .col(Event::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Event::Table).to_owned())
            .await?;
        for name in [
            "ux_removal_candidate_open_subscription",
            "idx_removal_candidate_reclaim_run",
            "idx_removal_candidate_savings",
            "idx_removal_candidate_idle_since",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Alias::new("removal_candidate"))
                        .to_owned(),
                )
                .await?;
        }
        for (table, column) in columns().into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Event {
    #[sea_orm(iden = "removal_candidate_event")]
    Table,
    Id,
    CandidateId,
    FromState,
    ToState,
    Actor,
    Reason,
    RunId,
    At,
}
