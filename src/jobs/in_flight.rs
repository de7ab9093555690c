//! The runs this process is executing, so a planned stop can let them finish within the
//! grace, and hand back at once the ones that cannot (queued again for another worker)
//! instead of leaving them to an orphan timeout. Runs execute on their own tasks: the
//! queue's worker stopping does not cut them off.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// Runs in flight in this process.
#[derive(Default)]
pub struct InFlight {
    runs: Mutex<HashMap<i64, AbortHandle>>,
    changed: Notify,
    draining: AtomicBool,
}

impl InFlight {
    /// Whether the process is stopping: no run starts any more.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn add(&self, run_id: i64, task: AbortHandle) {
        self.lock().insert(run_id, task);
    }

    pub fn remove(&self, run_id: i64) {
        self.lock().remove(&run_id);
        self.changed.notify_waiters();
    }

    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Waits until no run is in flight or `grace` has passed; returns the runs still in
    /// flight then, aborted.
    pub async fn settle(&self, grace: Duration) -> Vec<i64> {
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let changed = self.changed.notified();
            if self.count() == 0 {
                return Vec::new();
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                break;
            }
        }
        let left: Vec<(i64, AbortHandle)> = self.lock().drain().collect();
        for (_, task) in &left {
            task.abort();
        }
        left.into_iter().map(|(id, _)| id).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, AbortHandle>> {
        self.runs.lock().unwrap_or_else(|p| p.into_inner())
    }
}
