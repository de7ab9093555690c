//! Activity equals the truth's latest times for the users asked about; account-level
//! reports give everyone else a lower bound.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::enums::ActivityKind;
use seatkeeper::connectors::{ActivityQuery, ActivityRecord, UserRef};
use seatkeeper_sim::{Product, TruthUser, Vendor as SimVendor};

use super::{
    activity, api_requests, authorized, config, connector, fast_options, fixed, identifier, start,
};

fn user_ref(u: &TruthUser) -> UserRef {
    UserRef {
        external_user_id: u.id.clone(),
        user_principal_name: u.email.clone(),
        identifiers: u
            .subscriptions
            .iter()
            .map(|s| identifier(s.product).to_owned())
            .collect(),
        since: None,
    }
}

/// Latest event per (user, kind) among events from `source` (any source when `None`).
fn latest(
    events: &[ActivityRecord],
    source: Option<&str>,
) -> HashMap<(String, ActivityKind), DateTime<Utc>> {
    let mut out: HashMap<(String, ActivityKind), DateTime<Utc>> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| source.is_none_or(|s| e.source == s))
    {
        let slot = out
            .entry((e.external_user_id.clone(), e.kind))
            .or_insert(e.occurred_at);
        *slot = (*slot).max(e.occurred_at);
    }
    out
}

#[tokio::test]
async fn zoom_activity_equals_the_truth_for_the_users_asked_about() {
    let sim = start(SimVendor::Zoom, 2_000).await;
    let truth = sim.truth();
    let webinar: Vec<&TruthUser> = truth.holders(Product::ZoomWebinar).take(12).collect();
    let meetings_only = truth
        .holders(Product::ZoomMeetings)
        .filter(|u| u.subscription(Product::ZoomWebinar).is_none())
        .take(24);
    let asked: Vec<&TruthUser> = webinar.into_iter().chain(meetings_only).collect();
    let until = sim.now();
    let query = ActivityQuery {
        since: until - Duration::days(365),
        until,
        users: asked.iter().map(|u| user_ref(u)).collect(),
    };
    let c = connector(config(&sim), fast_options());
    let events = activity(c.as_ref(), &query).await.unwrap();

    let exact = latest(&events, Some("zoom:report/users/meetings"));
    for u in &asked {
        for (product, kind) in [
            (Product::ZoomMeetings, ActivityKind::MeetingHosted),
            (Product::ZoomWebinar, ActivityKind::WebinarHosted),
        ] {
            let Some(sub) = u.subscription(product) else {
                continue;
            };
            let found = exact.get(&(u.id.clone(), kind)).copied();
            assert_eq!(found, sub.reportable_last_activity, "{} {product:?}", u.id);
        }
    }

    // Everyone else is known from the active-hosts report, no later than the truth and
    // at most one window earlier.
    let ids: HashSet<&str> = asked.iter().map(|u| u.id.as_str()).collect();
    let coarse = latest(&events, Some("zoom:report/users"));
    assert!(coarse.keys().all(|(id, _)| !ids.contains(id.as_str())));
    let mut checked = 0;
    for u in truth
        .holders(Product::ZoomMeetings)
        .filter(|u| !ids.contains(u.id.as_str()))
    {
        let truth_at = u
            .subscription(Product::ZoomMeetings)
            .unwrap()
            .reportable_last_activity;
        let found = coarse
            .get(&(u.id.clone(), ActivityKind::MeetingHosted))
            .copied();
        match (truth_at, found) {
            (None, None) => {}
            (Some(t), Some(f)) => {
                assert!(
                    f <= t && t - f <= Duration::days(31),
                    "{}: {f} vs {t}",
                    u.id
                );
                checked += 1;
            }
            other => panic!("{}: {other:?}", u.id),
        }
    }
    assert!(checked > 100);

    let per_user: HashSet<String> = api_requests(&sim)
        .iter()
        .filter_map(|r| {
            r.path
                .strip_prefix("/v2/report/users/")?
                .strip_suffix("/meetings")
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        per_user.len(),
        asked.len(),
        "per-user reports only for the users asked about"
    );
}

#[tokio::test]
async fn goto_activity_equals_the_truth_for_the_users_asked_about() {
    let sim = start(SimVendor::GoTo, 2_000).await;
    let truth = sim.truth();
    let mut asked: Vec<&TruthUser> = Vec::new();
    for product in [
        Product::GoToMeeting,
        Product::GoToWebinar,
        Product::GoToConnect,
    ] {
        asked.extend(truth.holders(product).skip(3).take(8));
    }
    let silent: Vec<&TruthUser> = truth
        .users
        .iter()
        .filter(|u| {
            !u.subscriptions.is_empty()
                && u.subscriptions.iter().all(|s| {
                    matches!(
                        s.product,
                        Product::GoToTraining | Product::GoToAssist | Product::OpenVoice
                    )
                })
        })
        .take(3)
        .collect();
    assert!(!silent.is_empty());
    let until = sim.now();
    let query = ActivityQuery {
        since: until - Duration::days(366),
        until,
        users: asked.iter().chain(&silent).map(|u| user_ref(u)).collect(),
    };
    let c = connector(authorized(&sim).await, fast_options());
    let events = activity(c.as_ref(), &query).await.unwrap();
    let found = latest(&events, None);
    for u in &asked {
        for (product, kind) in [
            (Product::GoToMeeting, ActivityKind::MeetingHosted),
            (Product::GoToWebinar, ActivityKind::WebinarHosted),
            (Product::GoToConnect, ActivityKind::CallMade),
        ] {
            let expected = u.subscription(product).and_then(|s| s.last_activity);
            let got = found.get(&(u.id.clone(), kind)).copied();
            if u.subscription(product).is_some() {
                assert_eq!(got, expected, "{} {product:?}", u.id);
            }
        }
    }
    // Training, Assist and OpenVoice have no activity API: nothing is asked for them.
    let requests = api_requests(&sim);
    for u in &silent {
        assert!(
            requests
                .iter()
                .all(|r| !r.path.contains(&u.id) && !r.query.contains(&u.id)),
            "{} was asked about",
            u.id
        );
    }
}

#[tokio::test]
async fn aha_activity_is_last_access_and_equals_the_truth() {
    let sim = start(SimVendor::Aha, 2_000).await;
    let mut cfg = config(&sim);
    cfg.tokens = fixed(&sim.credentials().api_key.unwrap());
    let until = sim.now();
    let query = ActivityQuery {
        since: until - Duration::days(400),
        until,
        users: Vec::new(),
    };
    let events = activity(connector(cfg, fast_options()).as_ref(), &query)
        .await
        .unwrap();
    assert!(events.iter().all(|e| e.kind == ActivityKind::Login));
    let found = latest(&events, None);
    let truth = sim.truth();
    let mut with_access = 0;
    for u in truth.holders(Product::AhaRoadmaps) {
        let expected = u.subscription(Product::AhaRoadmaps).unwrap().last_activity;
        with_access += usize::from(expected.is_some());
        assert_eq!(
            found.get(&(u.id.clone(), ActivityKind::Login)).copied(),
            expected,
            "{}",
            u.id
        );
    }
    assert!(with_access > 1_000);
}
