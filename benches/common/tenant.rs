//! The tenants the reconciliation and export benches build: a profile, software models,
//! open subscriptions with activity spread over a year, entitlements and candidates,
//! written straight to the database.

use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use entity::enums::{CandidateState, EntitlementPeriod, EntitlementState, ProfileStatus, Vendor};
use entity::{
    entitlement, integration_profile, removal_candidate, software_model,
    software_subscription as sub,
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait};
use seatkeeper::domain::reconciliation;
use seatkeeper::domain::sync::{Progress, ProgressSink};
use seatkeeper::state::AppState;
use serde_json::json;

/// Entitlements per model (a tenth in EUR, some drafts, some expired).
pub const ENTITLEMENTS_PER_MODEL: i64 = 10;

/// The dashboard tenant: 100,000 subscriptions of 20 models, 15,000 open candidates.
pub const DASH_MODELS: i64 = 20;
pub const DASH_SUBS: i64 = 100_000;
pub const DASH_CANDIDATES: i64 = 15_000;

pub struct NoProgress;

#[async_trait::async_trait]
impl ProgressSink for NoProgress {
    async fn report(&self, _progress: &Progress) {}
}

/// What the download run that would have loaded the seats does after a bulk load:
/// refreshes the planner's statistics (PostgreSQL).
pub async fn loaded(state: &AppState) {
    seatkeeper::db::refresh_statistics(&state.db, &["software_subscription"])
        .await
        .unwrap();
}

/// Builds the dashboard tenant, counts its seats and reconciles it: its profile, its
/// models, and how long counting the seats took.
pub async fn dashboard(state: &AppState) -> (i64, Vec<i64>, Duration) {
    let profile = profile(&state.db).await;
    let models = models(&state.db, DASH_MODELS).await;
    subscriptions(&state.db, profile, &models, DASH_SUBS / DASH_MODELS).await;
    entitlements(&state.db, &models).await;
    candidates(&state.db, profile, &models, DASH_CANDIDATES, 1_000).await;
    loaded(state).await;
    let started = Instant::now();
    reconciliation::refresh_seats(&state.db, profile, Utc::now().date_naive())
        .await
        .unwrap();
    let refresh = started.elapsed();
    reconciliation::reconcile_run(state, None, &NoProgress)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    (profile, models, refresh)
}

pub async fn profile(db: &DatabaseConnection) -> i64 {
    let now = Utc::now();
    integration_profile::ActiveModel {
        display_name: Set("bench".into()),
        vendor: Set(Vendor::Zoom),
        status: Set(ProfileStatus::Published),
        alias_id: Set(None),
        download_activity: Set(true),
        reclaim: Set(true),
        activity_look_back_days: Set(60),
        validated_at: Set(None),
        last_validation: Set(None),
        published_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

pub async fn models(db: &DatabaseConnection, n: i64) -> Vec<i64> {
    let now = Utc::now();
    let rows = (0..n).map(|i| software_model::ActiveModel {
        publisher: Set("Bench".into()),
        product: Set(format!("Product {i}")),
        edition: Set(String::new()),
        vendor: Set(Vendor::Zoom),
        display_name: Set(format!("Bench Product {i}")),
        created_at: Set(now),
        ..Default::default()
    });
    let txn = db.begin().await.unwrap();
    for chunk in rows.collect::<Vec<_>>().chunks(500) {
        software_model::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let mut ids: Vec<i64> = software_model::Entity::find()
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// `per_model` open subscriptions of each model; holder `u{j}` of model `m`, where every
/// 50th holder also holds a second subscription (a holder uses one right).
pub async fn subscriptions(db: &DatabaseConnection, profile: i64, models: &[i64], per_model: i64) {
    let now = Utc::now();
    let txn = db.begin().await.unwrap();
    let mut batch = Vec::with_capacity(1_000);
    for (mi, model) in models.iter().enumerate() {
        for j in 0..per_model {
            let holder = if j % 50 == 49 { j - 1 } else { j };
            let n = mi as i64 * per_model + j;
            batch.push(sub::ActiveModel {
                profile_id: Set(profile),
                software_model_id: Set(Some(*model)),
                identifier: Set(format!("P{mi}")),
                external_user_id: Set(format!("x{n}")),
                user_principal_name: Set(format!("u{holder}.m{mi}@example.com")),
                display_name: Set(Some(format!("User {n}"))),
                external_created_at: Set(Some(now - Days::days(400))),
                assigned_at: Set(Some(now - Days::days(300 - (n % 290)))),
                last_activity_at: Set((n % 7 != 0).then(|| now - Days::days(n % 365))),
                active: Set(true),
                is_privileged: Set(false),
                excluded_from_cost: Set(n % 97 == 0),
                excluded_from_reclaim: Set(false),
                first_seen_at: Set(now),
                last_seen_at: Set(now),
                closed_at: Set(None),
                content_hash: Set(n),
                updated_at: Set(now),
                ..Default::default()
            });
            if batch.len() == 1_000 {
                sub::Entity::insert_many(std::mem::take(&mut batch))
                    .exec_without_returning(&txn)
                    .await
                    .unwrap();
            }
        }
    }
    if !batch.is_empty() {
        sub::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}

/// Ten entitlements per model: eight active (one in EUR), a draft and an expired one.
/// Returns the rights that count, per model (all models alike).
pub async fn entitlements(db: &DatabaseConnection, models: &[i64]) -> i64 {
    let now = Utc::now();
    let today = now.date_naive();
    let mut counted = 0;
    let mut rows = Vec::new();
    for (mi, model) in models.iter().enumerate() {
        for k in 0..ENTITLEMENTS_PER_MODEL {
            let rights = 80 + (mi as i64 % 60);
            let (state, end) = match k {
                8 => (EntitlementState::Draft, today + Days::days(200)),
                9 => (EntitlementState::Active, today - Days::days(1)),
                _ => (EntitlementState::Active, today + Days::days(30 + k * 40)),
            };
            if mi == 0 && k < 8 {
                counted += rights;
            }
            rows.push(entitlement::ActiveModel {
                software_model_id: Set(*model),
                name: Set(format!("order {mi}-{k}")),
                purchased_rights: Set(rights),
                unit_cost_minor: Set(1_000 + k * 100),
                currency: Set(if k == 3 { "EUR" } else { "USD" }.into()),
                period_start: Set(today - Days::days(300)),
                period_end: Set(end),
                period_type: Set(EntitlementPeriod::Monthly),
                state: Set(state),
                contract_reference: Set(None),
                note: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
    }
    let txn = db.begin().await.unwrap();
    for chunk in rows.chunks(1_000) {
        entitlement::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    counted
}

/// Open candidates and reclaimed ones, spread over the models (the triggers count them).
pub async fn candidates(
    db: &DatabaseConnection,
    profile: i64,
    models: &[i64],
    open: i64,
    done: i64,
) {
    let now = Utc::now();
    let txn = db.begin().await.unwrap();
    let mut batch = Vec::with_capacity(1_000);
    for i in 0..open + done {
        let reclaimed = i >= open;
        batch.push(removal_candidate::ActiveModel {
            profile_id: Set(Some(profile)),
            software_model_id: Set(Some(models[i as usize % models.len()])),
            user_principal_name: Set(format!("c{i}@example.com")),
            state: Set(if reclaimed {
                CandidateState::ClosedComplete
            } else {
                CandidateState::Ready
            }),
            threshold_days: Set(60),
            evidence: Set(json!({})),
            potential_savings_minor: Set(1_000),
            currency: Set("USD".into()),
            opened_at: Set(now),
            updated_at: Set(now),
            idle_since: Set(now - Days::days(90)),
            closed_at: Set(reclaimed.then_some(now)),
            realised_savings_minor: Set(reclaimed.then_some(1_000)),
            reclaimed_at: Set(reclaimed.then_some(now)),
            ..Default::default()
        });
        if batch.len() == 1_000 {
            removal_candidate::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&txn)
                .await
                .unwrap();
        }
    }
    if !batch.is_empty() {
        removal_candidate::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}
