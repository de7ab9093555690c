//! Downloading who holds which license.

use super::{ProgressSink, RunCounts, SyncError};
use crate::state::AppState;

/// Downloads every subscription of the profile into the database, page by page.
pub async fn download_subscriptions(
    _state: &AppState,
    _profile_id: i64,
    _progress: &dyn ProgressSink,
) -> Result<RunCounts, SyncError> {
    Err(SyncError::Precondition("download is being built in this session".into()))
}
