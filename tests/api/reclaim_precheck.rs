//! The last check before a reclaim asks the vendor's exact per-user history, whatever the
//! verdict rested on: a seat used since the judged window began is not taken, even when
//! Seatkeeper's own activity has not caught up with it yet.

use chrono::Duration;
use entity::enums::{CandidateState, JobState};
use seatkeeper::graphql::relay::expect_id;
use seatkeeper_sim::{Product, Vendor};

use crate::connectors::identifier;
use crate::helpers::Db;
use crate::jobs_support::wait_final;
use crate::reclamation::{candidates, reclaim, synced};

async fn use_at_the_vendor_since_the_window_cancels_the_reclaim(db: Db) {
    let (app, sim, _profile, profile_id) = synced(db, Vendor::Zoom).await;
    let meetings = identifier(Product::ZoomMeetings);
    let found: Vec<_> = candidates(&app, profile_id)
        .await
        .into_iter()
        .filter(|(_, ident, _)| ident == meetings)
        .collect();
    assert!(found.len() >= 2, "{} Meetings candidates", found.len());
    let (used_user, _, used) = &found[0];
    let (idle_user, _, idle) = &found[1];

    // The user hosted a meeting yesterday; no activity pull has run since.
    sim.record_activity(
        used_user,
        Product::ZoomMeetings,
        sim.now() - Duration::days(1),
    )
    .unwrap();
    let answers = reclaim(&app, &[used.id, idle.id]).await;
    let run = answers[0]["candidate"]["reclaimRunId"].as_str().unwrap();
    let run = wait_final(&app.state, expect_id(&run.into(), "JobRun", "id").unwrap()).await;
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);
    assert_eq!(run.canceled, 1, "{run:?}");

    let after = candidates(&app, profile_id).await;
    let state = |id: i64| after.iter().find(|(_, _, c)| c.id == id).unwrap().2.clone();
    let canceled = state(used.id);
    assert_eq!(
        canceled.state,
        CandidateState::ClosedCanceled,
        "{canceled:?}"
    );
    assert!(
        canceled
            .close_reason
            .as_deref()
            .is_some_and(|r| r.contains("the vendor reports use")),
        "{canceled:?}"
    );
    let reclaimed: Vec<String> = sim.reclaimed().into_iter().map(|r| r.user_id).collect();
    assert!(!reclaimed.contains(used_user), "{reclaimed:?}");
    // The other seat was judged the same way and is idle at the vendor too: it goes.
    assert_ne!(state(idle.id).state, CandidateState::ClosedCanceled);
    assert!(
        reclaimed.contains(idle_user) || state(idle.id).state == CandidateState::AttentionRequired,
        "{reclaimed:?}"
    );
}

crate::db_kind_test!(use_at_the_vendor_since_the_window_cancels_the_reclaim);
