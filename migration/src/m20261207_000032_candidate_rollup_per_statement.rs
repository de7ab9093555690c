//! PostgreSQL: the candidate rollup is kept per statement, not per row. A row trigger
//! upserts the same rollup row once per candidate, and within one transaction each upsert
//! of a row already updated must walk the chain of its earlier versions: a first
//! evaluation flagging 15,000 seats spent 2.5 s in the trigger, growing with the square of
//! the batch. A statement trigger reads the statement's transition tables and adds each
//! rollup row's net change once. (Transition tables allow no column list, so the update
//! trigger runs after every update and adds nothing when the watched columns stayed.)
//! SQLite keeps its row triggers: it updates a row in place.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// See the module documentation.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each row's contribution to the rollup (`sign` 1 adds, -1 takes away), as in migration 27.
fn contribution(rows: &str, sign: &str) -> String {
    format!(
        "SELECT COALESCE(profile_id, 0) AS p, COALESCE(software_model_id, 0) AS m, currency AS cur, \
           0 AS yr, {sign}1 AS n, {sign}potential_savings_minor AS amount \
         FROM {rows} WHERE closed_at IS NULL \
         UNION ALL \
         SELECT COALESCE(profile_id, 0), COALESCE(software_model_id, 0), currency, \
           CAST(EXTRACT(YEAR FROM reclaimed_at AT TIME ZONE 'UTC') AS INTEGER), {sign}1, \
           {sign}realised_savings_minor \
         FROM {rows} WHERE state = 'CLOSED_COMPLETE' AND realised_savings_minor IS NOT NULL \
           AND reclaimed_at IS NOT NULL"
    )
}

/// Adds the net change of `parts` (a `UNION ALL` of contributions) to the rollup.
fn apply(parts: &str) -> String {
    format!(
        "INSERT INTO candidate_rollup (profile_key, model_key, currency, reclaim_year, candidates, savings_minor) \
         SELECT p, m, cur, yr, CAST(SUM(n) AS BIGINT), CAST(SUM(amount) AS BIGINT) FROM ({parts}) AS d \
         GROUP BY p, m, cur, yr HAVING SUM(n) <> 0 OR SUM(amount) <> 0 \
         ON CONFLICT (profile_key, model_key, currency, reclaim_year) DO UPDATE SET \
         candidates = candidate_rollup.candidates + EXCLUDED.candidates, \
         savings_minor = candidate_rollup.savings_minor + EXCLUDED.savings_minor;"
    )
}

fn statement_triggers() -> Vec<String> {
    let old = contribution("old_rows", "-");
    let new = contribution("new_rows", "");
    vec![
        "DROP TRIGGER IF EXISTS candidate_rollup ON removal_candidate".to_owned(),
        "DROP FUNCTION IF EXISTS candidate_rollup_trigger()".to_owned(),
        format!(
            "CREATE OR REPLACE FUNCTION candidate_rollup_statement() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP = 'INSERT' THEN {} \
               ELSIF TG_OP = 'DELETE' THEN {} \
               ELSE {} \
               END IF; \
               RETURN NULL; \
             END $$",
            apply(&new),
            apply(&old),
            apply(&format!("{old} UNION ALL {new}")),
        ),
        "CREATE TRIGGER candidate_rollup_insert AFTER INSERT ON removal_candidate \
         REFERENCING NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION candidate_rollup_statement()"
            .to_owned(),
        "CREATE TRIGGER candidate_rollup_update AFTER UPDATE ON removal_candidate \
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION candidate_rollup_statement()"
            .to_owned(),
        "CREATE TRIGGER candidate_rollup_delete AFTER DELETE ON removal_candidate \
         REFERENCING OLD TABLE AS old_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION candidate_rollup_statement()"
            .to_owned(),
    ]
}

/// Migration 27's row trigger, as it was.
const ROW_TRIGGER: &str = "CREATE OR REPLACE FUNCTION candidate_rollup_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') THEN \
         IF OLD.closed_at IS NULL THEN \
           PERFORM candidate_rollup_add(COALESCE(OLD.profile_id, 0), COALESCE(OLD.software_model_id, 0), \
             OLD.currency, 0, -1, -OLD.potential_savings_minor); \
         END IF; \
         IF OLD.state = 'CLOSED_COMPLETE' AND OLD.realised_savings_minor IS NOT NULL \
            AND OLD.reclaimed_at IS NOT NULL THEN \
           PERFORM candidate_rollup_add(COALESCE(OLD.profile_id, 0), COALESCE(OLD.software_model_id, 0), \
             OLD.currency, CAST(EXTRACT(YEAR FROM OLD.reclaimed_at AT TIME ZONE 'UTC') AS INTEGER), \
             -1, -OLD.realised_savings_minor); \
         END IF; \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') THEN \
         IF NEW.closed_at IS NULL THEN \
           PERFORM candidate_rollup_add(COALESCE(NEW.profile_id, 0), COALESCE(NEW.software_model_id, 0), \
             NEW.currency, 0, 1, NEW.potential_savings_minor); \
         END IF; \
         IF NEW.state = 'CLOSED_COMPLETE' AND NEW.realised_savings_minor IS NOT NULL \
            AND NEW.reclaimed_at IS NOT NULL THEN \
           PERFORM candidate_rollup_add(COALESCE(NEW.profile_id, 0), COALESCE(NEW.software_model_id, 0), \
             NEW.currency, CAST(EXTRACT(YEAR FROM NEW.reclaimed_at AT TIME ZONE 'UTC') AS INTEGER), \
             1, NEW.realised_savings_minor); \
         END IF; \
       END IF; \
       RETURN NULL; \
     END $$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for sql in statement_triggers() {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for sql in [
            "DROP TRIGGER IF EXISTS candidate_rollup_insert ON removal_candidate",
            "DROP TRIGGER IF EXISTS candidate_rollup_update ON removal_candidate",
            "DROP TRIGGER IF EXISTS candidate_rollup_delete ON removal_candidate",
            "DROP FUNCTION IF EXISTS candidate_rollup_statement()",
            ROW_TRIGGER,
            "CREATE TRIGGER candidate_rollup AFTER INSERT OR DELETE OR UPDATE OF closed_at, state, \
             profile_id, software_model_id, currency, potential_savings_minor, \
             realised_savings_minor, reclaimed_at \
             ON removal_candidate FOR EACH ROW EXECUTE FUNCTION candidate_rollup_trigger()",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
