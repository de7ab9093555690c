//! Rows that later issues' jobs will write (subscriptions, candidates, scheduled jobs),
//! inserted directly so the read side can be tested now.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{CandidateState, JobKind, ProfileStatus, Vendor};
use entity::{integration_profile, removal_candidate, scheduled_job, software_subscription};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

pub async fn profile(
    db: &DatabaseConnection,
    vendor: Vendor,
    status: ProfileStatus,
) -> integration_profile::Model {
    let now = Utc::now();
    integration_profile::ActiveModel {
        display_name: Set(format!("{vendor} tenant")),
        vendor: Set(vendor),
        status: Set(status),
        alias_id: Set(None),
        download_activity: Set(true),
        reclaim: Set(true),
        activity_look_back_days: Set(60),
        validated_at: Set(None),
        last_validation: Set(None),
        published_at: Set((status == ProfileStatus::Published).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

pub struct Sub<'a> {
    pub upn: &'a str,
    pub last_activity_days_ago: Option<i64>,
    pub excluded: bool,
    pub closed: bool,
}

pub async fn subscription(
    db: &DatabaseConnection,
    profile_id: i64,
    sub: Sub<'_>,
) -> software_subscription::Model {
    let now = Utc::now();
    let days_ago = |d: i64| -> DateTime<Utc> { now - Duration::days(d) };
    software_subscription::ActiveModel {
        profile_id: Set(profile_id),
        software_model_id: Set(None),
        identifier: Set("2".into()),
        external_user_id: Set(format!("ext-{}", sub.upn)),
        user_principal_name: Set(sub.upn.into()),
        display_name: Set(None),
        external_created_at: Set(Some(days_ago(400))),
        assigned_at: Set(None),
        last_activity_at: Set(sub.last_activity_days_ago.map(days_ago)),
        active: Set(true),
        is_privileged: Set(false),
        excluded_from_cost: Set(false),
        excluded_from_reclaim: Set(sub.excluded),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
        closed_at: Set(sub.closed.then_some(now)),
        content_hash: Set(0),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

pub async fn candidate(
    db: &DatabaseConnection,
    profile_id: i64,
    subscription_id: i64,
    state: CandidateState,
) -> removal_candidate::Model {
    let now = Utc::now();
    removal_candidate::ActiveModel {
        subscription_id: Set(Some(subscription_id)),
        profile_id: Set(Some(profile_id)),
        software_model_id: Set(None),
        rule_id: Set(None),
        user_principal_name: Set("someone@example.com".into()),
        state: Set(state),
        last_activity_at: Set(None),
        threshold_days: Set(60),
        evidence: Set(serde_json::json!({ "window": 60 })),
        potential_savings_minor: Set(1500),
        currency: Set("USD".into()),
        opened_at: Set(now),
        notified_at: Set(None),
        closed_at: Set(state.is_closed().then_some(now)),
        idle_since: Set(now),
        close_reason: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

pub async fn scheduled(
    db: &DatabaseConnection,
    profile_id: i64,
    kind: JobKind,
) -> scheduled_job::Model {
    scheduled_job::ActiveModel {
        profile_id: Set(profile_id),
        kind: Set(kind),
        cron: Set("0 0 3 * * *".into()),
        active: Set(true),
        next_run_at: Set(None),
        last_run_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}
