//! The integration test binary: the real server, real databases, simulated vendors.

mod fixtures;
mod helpers;
#[path = "../support/receivers.rs"]
mod receivers;

mod activity_store;
mod api_contract;
mod auth;
mod backup;
mod browser;
mod catalog;
mod catalog_access;
mod catalog_rules;
mod connectors;
mod console_browser;
mod decisions;
mod demo;
mod export;
mod goto_connect;
mod graceful_stop;
mod graphiql_browser;
mod http_protocol;
mod integrations;
mod jobs;
mod jobs_schedule;
mod jobs_support;
mod jobs_sync;
mod notices;
mod operations;
mod reclaim_crash;
mod reclaim_precheck;
mod reclamation;
mod reclamation_flow;
mod reconciliation;
mod replicas;
mod role_matrix;
mod run_errors;
mod schema_file;
mod server_process;
mod subscriptions;
mod summary;
mod sync_e2e;
mod sync_faults;
mod token_cli;
mod websocket;
mod worker_lost;
