//! The licence summary's aggregates, kept at write time so a dashboard over a big tenant
//! reads a few hundred rows instead of every subscription and candidate:
//! - `activity_rollup`: open seats per profile, software model and day of last activity
//!   (UTC, `NULL` for never), rewritten for a profile whenever a run changed its seats;
//! - `candidate_rollup`: candidates and their savings per profile, model and currency, open
//!   (`reclaim_year` 0, the potential saving) or reclaimed in a year (the realised saving),
//!   kept by triggers on `removal_candidate` so no path that moves a candidate can miss it.
//!
//! Rollup keys use 0 for a link that is gone (a deleted profile or model): savings outlive
//! what they were made on.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns whose change moves a candidate between rollup rows.
const WATCHED: &str = "closed_at, state, profile_id, software_model_id, currency, \
                       potential_savings_minor, realised_savings_minor, reclaimed_at";

/// The holders a model's reconciliation counts (open, vendor-active, not cost-excluded
/// subscriptions), with when each got the licence: reconciliation reads only this.
const HOLDERS_INDEX: &str = "CREATE INDEX ix_software_subscription_holders ON software_subscription \
     (software_model_id, LOWER(user_principal_name), COALESCE(assigned_at, first_seen_at)) \
     WHERE closed_at IS NULL AND active = TRUE AND excluded_from_cost = FALSE";

/// One SQLite upsert of a row's contribution (`sign` 1 adds, -1 takes away).
fn sqlite_apply(row: &str, sign: i8) -> String {
    let upsert = "ON CONFLICT (profile_key, model_key, currency, reclaim_year) DO UPDATE SET \
                  candidates = candidates + excluded.candidates, \
                  savings_minor = savings_minor + excluded.savings_minor;";
    format!(
        "INSERT INTO candidate_rollup (profile_key, model_key, currency, reclaim_year, candidates, savings_minor) \
         SELECT COALESCE({row}.profile_id, 0), COALESCE({row}.software_model_id, 0), {row}.currency, 0, \
         {sign}, {sign} * {row}.potential_savings_minor WHERE {row}.closed_at IS NULL {upsert} \
         INSERT INTO candidate_rollup (profile_key, model_key, currency, reclaim_year, candidates, savings_minor) \
         SELECT COALESCE({row}.profile_id, 0), COALESCE({row}.software_model_id, 0), {row}.currency, \
         CAST(substr({row}.reclaimed_at, 1, 4) AS INTEGER), {sign}, {sign} * {row}.realised_savings_minor \
         WHERE {row}.state = 'CLOSED_COMPLETE' AND {row}.realised_savings_minor IS NOT NULL \
         AND {row}.reclaimed_at IS NOT NULL {upsert}"
    )
}

fn sqlite_triggers() -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER candidate_rollup_insert AFTER INSERT ON removal_candidate BEGIN {} END",
            sqlite_apply("NEW", 1)
        ),
        format!(
            "CREATE TRIGGER candidate_rollup_update AFTER UPDATE OF {WATCHED} ON removal_candidate \
             BEGIN {} {} END",
            sqlite_apply("OLD", -1),
            sqlite_apply("NEW", 1)
        ),
        format!(
            "CREATE TRIGGER candidate_rollup_delete AFTER DELETE ON removal_candidate BEGIN {} END",
            sqlite_apply("OLD", -1)
        ),
    ]
}

fn postgres_triggers() -> Vec<String> {
    let part = |row: &str, sign: &str| {
        format!(
            "IF {row}.closed_at IS NULL THEN \
               PERFORM candidate_rollup_add(COALESCE({row}.profile_id, 0), COALESCE({row}.software_model_id, 0), \
                 {row}.currency, 0, {sign}1, {sign}{row}.potential_savings_minor); \
             END IF; \
             IF {row}.state = 'CLOSED_COMPLETE' AND {row}.realised_savings_minor IS NOT NULL \
                AND {row}.reclaimed_at IS NOT NULL THEN \
               PERFORM candidate_rollup_add(COALESCE({row}.profile_id, 0), COALESCE({row}.software_model_id, 0), \
                 {row}.currency, CAST(EXTRACT(YEAR FROM {row}.reclaimed_at AT TIME ZONE 'UTC') AS INTEGER), \
                 {sign}1, {sign}{row}.realised_savings_minor); \
             END IF;"
        )
    };
    vec![
        "CREATE OR REPLACE FUNCTION candidate_rollup_add(p BIGINT, m BIGINT, cur VARCHAR, yr INTEGER, n BIGINT, amount BIGINT) \
         RETURNS void LANGUAGE sql AS $$ \
         INSERT INTO candidate_rollup (profile_key, model_key, currency, reclaim_year, candidates, savings_minor) \
         VALUES (p, m, cur, yr, n, amount) \
         ON CONFLICT (profile_key, model_key, currency, reclaim_year) DO UPDATE SET \
         candidates = candidate_rollup.candidates + EXCLUDED.candidates, \
         savings_minor = candidate_rollup.savings_minor + EXCLUDED.savings_minor $$"
            .to_owned(),
        format!(
            "CREATE OR REPLACE FUNCTION candidate_rollup_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP IN ('UPDATE', 'DELETE') THEN {} END IF; \
               IF TG_OP IN ('INSERT', 'UPDATE') THEN {} END IF; \
               RETURN NULL; \
             END $$",
            part("OLD", "-"),
            part("NEW", "")
        ),
        format!(
            "CREATE TRIGGER candidate_rollup AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} \
             ON removal_candidate FOR EACH ROW EXECUTE FUNCTION candidate_rollup_trigger()"
        ),
    ]
}

/// Counts what is already there (the triggers count from now on).
fn backfill(backend: DbBackend) -> [String; 2] {
    let year = match backend {
        DbBackend::Postgres => {
            "CAST(EXTRACT(YEAR FROM reclaimed_at AT TIME ZONE 'UTC') AS INTEGER)"
        }
        _ => "CAST(substr(reclaimed_at, 1, 4) AS INTEGER)",
    };
    let columns = "profile_key, model_key, currency, reclaim_year, candidates, savings_minor";
    [
        format!(
            "INSERT INTO candidate_rollup ({columns}) \
             SELECT COALESCE(profile_id, 0), COALESCE(software_model_id, 0), currency, 0, \
             COUNT(*), SUM(potential_savings_minor) FROM removal_candidate WHERE closed_at IS NULL \
             GROUP BY COALESCE(profile_id, 0), COALESCE(software_model_id, 0), currency"
        ),
        format!(
            "INSERT INTO candidate_rollup ({columns}) \
             SELECT COALESCE(profile_id, 0), COALESCE(software_model_id, 0), currency, {year}, \
             COUNT(*), SUM(realised_savings_minor) FROM removal_candidate \
             WHERE state = 'CLOSED_COMPLETE' AND realised_savings_minor IS NOT NULL \
             AND reclaimed_at IS NOT NULL \
             GROUP BY COALESCE(profile_id, 0), COALESCE(software_model_id, 0), currency, {year}"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActivityRollup::Table)
                    .col(big_pk_auto(ActivityRollup::Id))
                    .col(big_integer(ActivityRollup::ProfileId))
                    .col(big_integer_null(ActivityRollup::SoftwareModelId))
                    .col(string_len_null(ActivityRollup::LastActiveOn, 10))
                    .col(big_integer(ActivityRollup::Seats))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_rollup_profile_id")
                            .from(ActivityRollup::Table, ActivityRollup::ProfileId)
                            .to(Alias::new("integration_profile"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_rollup_profile")
                    .table(ActivityRollup::Table)
                    .col(ActivityRollup::ProfileId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CandidateRollup::Table)
                    .col(big_pk_auto(CandidateRollup::Id))
                    .col(big_integer(CandidateRollup::ProfileKey))
                    .col(big_integer(CandidateRollup::ModelKey))
                    .col(string_len(CandidateRollup::Currency, 3))
                    .col(integer(CandidateRollup::ReclaimYear))
                    .col(big_integer(CandidateRollup::Candidates))
                    .col(big_integer(CandidateRollup::SavingsMinor))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_candidate_rollup_key")
                    .table(CandidateRollup::Table)
                    .col(CandidateRollup::ProfileKey)
                    .col(CandidateRollup::ModelKey)
                    .col(CandidateRollup::Currency)
                    .col(CandidateRollup::ReclaimYear)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_candidate_rollup_model")
                    .table(CandidateRollup::Table)
                    .col(CandidateRollup::ModelKey)
                    .to_owned(),
            )
            .await?;
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        // Reconciliation counts a model's distinct holders from this index alone.
        db.execute_unprepared(HOLDERS_INDEX).await?;
        for sql in backfill(backend) {
            db.execute_unprepared(&sql).await?;
        }
        let triggers = match backend {
            DbBackend::Postgres => postgres_triggers(),
            _ => sqlite_triggers(),
        };
        for sql in triggers {
            db.execute_unprepared(&sql).await?;
        }
        // The open seats' days of last activity, for every profile there is.
        db.execute_unprepared(&format!(
            "INSERT INTO activity_rollup (profile_id, software_model_id, last_active_on, seats) \
             SELECT profile_id, software_model_id, {day}, COUNT(*) FROM software_subscription \
             WHERE closed_at IS NULL GROUP BY profile_id, software_model_id, {day}",
            day = match backend {
                DbBackend::Postgres => {
                    "to_char(last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
                }
                _ => "substr(last_activity_at, 1, 10)",
            }
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_software_subscription_holders")
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for sql in [
                    "DROP TRIGGER IF EXISTS candidate_rollup ON removal_candidate",
                    "DROP FUNCTION IF EXISTS candidate_rollup_trigger()",
                    "DROP FUNCTION IF EXISTS candidate_rollup_add(BIGINT, BIGINT, VARCHAR, INTEGER, BIGINT, BIGINT)",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            _ => {
                for name in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS candidate_rollup_{name}"
                    ))
                    .await?;
                }
            }
        }
        manager
            .drop_table(Table::drop().table(CandidateRollup::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ActivityRollup::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ActivityRollup {
    Table,
    Id,
    ProfileId,
    SoftwareModelId,
    LastActiveOn,
    Seats,
}

#[derive(DeriveIden)]
enum CandidateRollup {
    Table,
    Id,
    ProfileKey,
    ModelKey,
    Currency,
    ReclaimYear,
    Candidates,
    SavingsMinor,
}
