//! What every request handler and job shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::jobs::Jobs;
use crate::metrics::Metrics;
use crate::secret::Cipher;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub cipher: Cipher,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub tokens: Arc<crate::domain::tokens::TokenCache>,
    /// The job queue and the job run events.
    pub jobs: Jobs,
    /// The one clock time-dependent steps read (tests move it).
    pub clock: crate::clock::Clock,
}
