#![forbid(unsafe_code)]
//! Seatkeeper: SaaS license management. Downloads who holds which seat, finds the unused
//! ones, reclaims them and reconciles usage against what was bought.

pub mod backup;
pub mod clock;
pub mod config;
pub mod connectors;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod secret;
pub mod startup;
pub mod state;
pub mod telemetry;
