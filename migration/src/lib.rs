#![forbid(unsafe_code)]
//! Seatkeeper's schema migrations, one file per table, applied in order by [`Migrator`].

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_api_token;
mod m20261122_000002_create_connection_alias;
mod m20261122_000003_create_integration_profile;
mod m20261122_000004_create_software_model;
mod m20261122_000005_create_subscription_identifier;
mod m20261122_000006_create_unrecognized_identifier;
mod m20261122_000007_create_software_subscription;
mod m20261122_000008_create_activity_event;
mod m20261122_000009_create_reclamation_rule;
mod m20261122_000010_create_removal_candidate;
mod m20261122_000011_create_subscription_identifier_exclusion;
mod m20261122_000012_create_subscription_user_exclusion;
mod m20261122_000013_create_scheduled_job;
mod m20261122_000014_create_job_run;
mod m20261122_000015_create_entitlement;
mod m20261122_000016_create_license_position;
mod m20261122_000017_create_audit_log;
mod m20261122_000018_create_oauth_state;
mod m20261122_000019_compact_activity_events;
mod m20261123_000020_activity_event_unreferenced;
mod m20261204_000021_reclamation;
mod m20261204_000022_exact_activity_coverage;
mod m20261204_000023_create_job_run_attempt;
mod m20261204_000024_create_notice;
mod m20261205_000025_rule_cooldown_and_reminders;
mod m20261205_000026_reconciliation;
mod m20261205_000027_summary_rollups;
mod m20261206_000028_vendor_urls_from_one_setting;
mod m20261206_000029_goto_connect_credentials;
mod m20261206_000030_summary_covering_indexes;
mod m20261207_000031_idle_seats_index;
mod m20261207_000032_candidate_rollup_per_statement;
mod m20261207_000033_activity_buckets;
mod m20261208_000034_unlicensed_seats;

/// Runs every Seatkeeper migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_api_token::Migration),
            Box::new(m20261122_000002_create_connection_alias::Migration),
            Box::new(m20261122_000003_create_integration_profile::Migration),
            Box::new(m20261122_000004_create_software_model::Migration),
            Box::new(m20261122_000005_create_subscription_identifier::Migration),
            Box::new(m20261122_000006_create_unrecognized_identifier::Migration),
            Box::new(m20261122_000007_create_software_subscription::Migration),
            Box::new(m20261122_000008_create_activity_event::Migration),
            Box::new(m20261122_000009_create_reclamation_rule::Migration),
            Box::new(m20261122_000010_create_removal_candidate::Migration),
            Box::new(m20261122_000011_create_subscription_identifier_exclusion::Migration),
            Box::new(m20261122_000012_create_subscription_user_exclusion::Migration),
            Box::new(m20261122_000013_create_scheduled_job::Migration),
            Box::new(m20261122_000014_create_job_run::Migration),
            Box::new(m20261122_000015_create_entitlement::Migration),
            Box::new(m20261122_000016_create_license_position::Migration),
            Box::new(m20261122_000017_create_audit_log::Migration),
            Box::new(m20261122_000018_create_oauth_state::Migration),
            Box::new(m20261122_000019_compact_activity_events::Migration),
            Box::new(m20261123_000020_activity_event_unreferenced::Migration),
            Box::new(m20261204_000021_reclamation::Migration),
            Box::new(m20261204_000022_exact_activity_coverage::Migration),
            Box::new(m20261204_000023_create_job_run_attempt::Migration),
            Box::new(m20261204_000024_create_notice::Migration),
            Box::new(m20261205_000025_rule_cooldown_and_reminders::Migration),
            Box::new(m20261205_000026_reconciliation::Migration),
            Box::new(m20261205_000027_summary_rollups::Migration),
            Box::new(m20261206_000028_vendor_urls_from_one_setting::Migration),
            Box::new(m20261206_000029_goto_connect_credentials::Migration),
            Box::new(m20261206_000030_summary_covering_indexes::Migration),
            Box::new(m20261207_000031_idle_seats_index::Migration),
            Box::new(m20261207_000032_candidate_rollup_per_statement::Migration),
            Box::new(m20261207_000033_activity_buckets::Migration),
            Box::new(m20261208_000034_unlicensed_seats::Migration),
        ]
    }
}
