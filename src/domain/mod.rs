//! Every business rule lives here; GraphQL resolvers and job handlers only call in.

pub mod aliases;
pub mod audit;
pub mod connections;
pub mod db_errors;
pub mod entitlements;
pub mod exclusions;
pub mod identifiers;
pub mod job_attempts;
pub mod job_runs;
pub mod jobs;
pub mod lifecycle;
pub mod lookup;
pub mod money;
pub mod notices;
pub mod oauth;
pub mod page;
pub mod profiles;
pub mod reclamation;
pub mod reclamation_rules;
pub mod reconciliation;
pub mod run_errors;
pub mod software_models;
pub mod subscriptions;
pub mod sync;
pub mod tokens;
pub mod validate;
