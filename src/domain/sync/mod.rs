//! Keeping a profile's subscriptions and activity current: the download and activity
//! runs a job executes. Job handlers call `download_subscriptions` and `pull_activity`;
//! everything they decide lives here.

mod activity;
pub(crate) mod catalog;
mod download;
mod exclusions;

pub use activity::{ingest_activity, pull_activity};
pub use download::download_subscriptions;

use chrono::{DateTime, Utc};
use entity::software_subscription as sub;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use crate::connectors::ConnectorError;
use crate::error::AppError;

/// What a run counted; stored on the job run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunCounts {
    pub fetched: i64,
    pub created: i64,
    pub updated: i64,
    pub closed: i64,
    pub unchanged: i64,
    pub unrecognized: i64,
    pub errors: i64,
    pub requests_made: i64,
}

/// Progress of a run: how many units (vendor pages) are done, of how many.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: i64,
    pub total: Option<i64>,
    pub counts: RunCounts,
}

/// Where a run reports progress (the job layer records it and publishes an event).
#[async_trait::async_trait]
pub trait ProgressSink: Send + Sync {
    async fn report(&self, progress: &Progress);
}

/// Why a run failed. The message is what the job run shows.
#[derive(Debug)]
pub enum SyncError {
    /// The vendor failed (after the connector's bounded retries).
    Vendor(ConnectorError),
    /// The run refused to apply its result (e.g. a download far smaller than the last).
    Guard(String),
    /// The profile cannot run this (deleted, draft without credentials, activity off…).
    Precondition(String),
    /// Anything else, already logged.
    App(AppError),
}

impl SyncError {
    pub fn message(&self) -> String {
        match self {
            SyncError::Vendor(err) => err.to_string(),
            SyncError::Guard(m) | SyncError::Precondition(m) => m.clone(),
            SyncError::App(err) => err.message(),
        }
    }

    /// Whether running again later may succeed (the job layer's bounded retry).
    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Vendor(err) if err.is_retryable())
    }
}

impl From<AppError> for SyncError {
    fn from(err: AppError) -> Self {
        SyncError::App(err)
    }
}

impl From<sea_orm::DbErr> for SyncError {
    fn from(err: sea_orm::DbErr) -> Self {
        SyncError::App(err.into())
    }
}

impl From<ConnectorError> for SyncError {
    fn from(err: ConnectorError) -> Self {
        SyncError::Vendor(err)
    }
}

/// Sets a subscription's last activity to `at` unless it already knows a later one.
pub(crate) async fn move_last_activity_forward(
    db: &impl ConnectionTrait,
    subscription_id: i64,
    at: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let moved = sub::Entity::update_many()
        .col_expr(sub::Column::LastActivityAt, Expr::value(at))
        .filter(sub::Column::Id.eq(subscription_id))
        .filter(
            Condition::any()
                .add(sub::Column::LastActivityAt.is_null())
                .add(sub::Column::LastActivityAt.lt(at)),
        )
        .exec(db)
        .await?;
    Ok(moved.rows_affected > 0)
}
