//! Pulling user activity and rolling up last activity.

use super::{ProgressSink, RunCounts, SyncError};
use crate::state::AppState;

/// Pulls activity since the profile's look-back (or the last pull) and moves each
/// subscription's last activity forward.
pub async fn pull_activity(
    _state: &AppState,
    _profile_id: i64,
    _progress: &dyn ProgressSink,
) -> Result<RunCounts, SyncError> {
    Err(SyncError::Precondition("activity is being built in this session".into()))
}
