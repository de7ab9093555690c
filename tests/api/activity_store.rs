//! Activity events as stored: once per (user, kind, time) whatever the batches repeat, a
//! vendor user row per user met, and a subscription's last activity moving forward only.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{ActivityKind, ProfileStatus, Vendor};
use entity::{activity_event, software_subscription, vendor_user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use seatkeeper::connectors::ActivityRecord;
use seatkeeper::domain::sync;
use seatkeeper::graphql::relay::global_id;
use serde_json::json;

use crate::db_test;
use crate::fixtures::{self, Sub};
use crate::helpers::TestApp;

fn event(user: &str, kind: ActivityKind, at: DateTime<Utc>, reference: &str) -> ActivityRecord {
    ActivityRecord {
        external_user_id: user.to_owned(),
        user_principal_name: Some(format!("{user}@example.com")),
        kind,
        occurred_at: at,
        source: "zoom:report/users/meetings".to_owned(),
        external_ref: Some(reference.to_owned()),
    }
}

/// Ingests one batch; returns (fetched, created, unchanged, subscriptions moved).
async fn ingest(db: &DatabaseConnection, profile: i64, batch: Vec<ActivityRecord>) -> [i64; 4] {
    let c = sync::ingest_activity(db, profile, [batch])
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    [c.fetched, c.created, c.unchanged, c.updated]
}

async fn last_activity(db: &DatabaseConnection, subscription: i64) -> Option<DateTime<Utc>> {
    software_subscription::Entity::find_by_id(subscription)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .last_activity_at
}

async fn events_are_stored_once_and_last_activity_only_moves_forward(app: TestApp) {
    let db = &app.state.db;
    let profile = fixtures::profile(db, Vendor::Zoom, ProfileStatus::Published).await;
    let sub = fixtures::subscription(
        db,
        profile.id,
        Sub {
            upn: "ada@example.com",
            last_activity_days_ago: Some(30),
            excluded: false,
            closed: false,
        },
    )
    .await;
    let mut meetings: software_subscription::ActiveModel = sub.clone().into();
    meetings.identifier = Set("ZOOM_MEETINGS_LICENSED".into());
    meetings.update(db).await.unwrap();
    let ada = sub.external_user_id.as_str();
    // Milliseconds are what is kept.
    let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let days_ago = |d: i64| now - Duration::days(d) + Duration::milliseconds(123);

    let first = vec![
        event(
            ada,
            ActivityKind::MeetingHosted,
            days_ago(3),
            "m1\t'\"{ü}\\N\n\r",
        ),
        event(
            ada,
            ActivityKind::MeetingHosted,
            days_ago(3),
            "m1\t'\"{ü}\\N\n\r",
        ),
        // A kind the Meetings licence does not count, with no vendor reference.
        ActivityRecord {
            external_ref: None,
            ..event(ada, ActivityKind::CallMade, days_ago(1), "")
        },
        event("bob", ActivityKind::MeetingHosted, days_ago(2), "m2"),
    ];
    assert_eq!(ingest(db, profile.id, first).await, [4, 3, 1, 1]);
    assert_eq!(last_activity(db, sub.id).await, Some(days_ago(3)));

    let users = vendor_user::Entity::find()
        .filter(vendor_user::Column::ProfileId.eq(profile.id))
        .all(db)
        .await
        .unwrap();
    let mut met: Vec<_> = users
        .iter()
        .map(|u| {
            (
                u.external_user_id.as_str(),
                u.user_principal_name.as_deref(),
            )
        })
        .collect();
    met.sort();
    let ada_upn = format!("{ada}@example.com");
    assert_eq!(
        met,
        [
            ("bob", Some("bob@example.com")),
            (ada, Some(ada_upn.as_str()))
        ]
    );
    let ada_row = users.iter().find(|u| u.external_user_id == ada).unwrap();
    let mut stored: Vec<_> = activity_event::Entity::find()
        .filter(activity_event::Column::VendorUserId.eq(ada_row.id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.activity_kind(), e.occurred_at_ms, e.external_ref))
        .collect();
    stored.sort_by_key(|e| e.1);
    assert_eq!(
        stored,
        [
            (
                Some(ActivityKind::MeetingHosted),
                days_ago(3).timestamp_millis(),
                Some("m1\t'\"{ü}\\N\n\r".to_owned())
            ),
            (
                Some(ActivityKind::CallMade),
                days_ago(1).timestamp_millis(),
                None
            ),
        ]
    );

    // Again, with an older meeting: one new event, nothing moved back, no new user.
    let second = vec![
        event(ada, ActivityKind::MeetingHosted, days_ago(3), "m1"),
        event(ada, ActivityKind::MeetingHosted, days_ago(10), "m0"),
    ];
    assert_eq!(ingest(db, profile.id, second).await, [2, 1, 1, 0]);
    assert_eq!(last_activity(db, sub.id).await, Some(days_ago(3)));
    assert_eq!(activity_event::Entity::find().count(db).await.unwrap(), 4);
    assert_eq!(vendor_user::Entity::find().count(db).await.unwrap(), 2);

    // Deleting the profile takes its users and their events with it.
    app.gql(
        "mutation($id: ID!) { deleteIntegrationProfile(id: $id) }",
        json!({ "id": global_id("IntegrationProfile", profile.id) }),
    )
    .await
    .data();
    assert_eq!(vendor_user::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(activity_event::Entity::find().count(db).await.unwrap(), 0);
}

db_test!(events_are_stored_once_and_last_activity_only_moves_forward);

/// A profile deleted while its events are on their way in: the write is refused (the
/// events carry no foreign key, so the ingest itself must check) and nothing is stored.
async fn an_ingest_into_a_profile_deleted_meanwhile_stores_nothing(app: TestApp) {
    let db = app.state.db.clone();
    let profile = fixtures::profile(&db, Vendor::Zoom, ProfileStatus::Published).await;
    let now = Utc::now();
    let mut batches = vec![vec![event("ada", ActivityKind::MeetingHosted, now, "m1")]].into_iter();
    let deleter = db.clone();
    // The batches come from a source that sees the profile deleted after the first one.
    let source = std::iter::from_fn(move || {
        let next = batches.next();
        if next.is_none() {
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    entity::integration_profile::Entity::delete_by_id(profile.id)
                        .exec(&deleter)
                        .await
                        .unwrap();
                })
            });
        }
        next
    });
    let err = sync::ingest_activity(&db, profile.id, source)
        .await
        .expect_err("the profile is gone");
    assert_eq!(err.message(), "the integration profile no longer exists");
    assert_eq!(activity_event::Entity::find().count(&db).await.unwrap(), 0);
    assert_eq!(vendor_user::Entity::find().count(&db).await.unwrap(), 0);
}

db_test!(an_ingest_into_a_profile_deleted_meanwhile_stores_nothing);
