//! Profile lifecycle: validate the connection (download and activity APIs, never reclaim),
//! then publish: schedules, default reclamation rules and the first download.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::enums::{JobKind, ProfileStatus};
use entity::{integration_profile, job_run, reclamation_rule};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::connectors::ProcessCheck;
use crate::domain::sync::{SyncError, catalog};
use crate::domain::tokens::Principal;
use crate::domain::{audit, connections, jobs, profiles};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Default inactivity threshold of the rules publishing creates (days).
pub const DEFAULT_THRESHOLD_DAYS: i32 = 60;

/// The result of validating a profile's connection.
#[derive(Debug, Clone)]
pub struct Validation {
    pub ok: bool,
    pub checks: Vec<ProcessCheck>,
    pub profile: integration_profile::Model,
}

fn failed_check(process: JobKind, message: String, vendor_code: Option<String>) -> ProcessCheck {
    ProcessCheck {
        process,
        ok: false,
        message,
        vendor_code,
    }
}

/// Tests the download API (and the activity API when activity is on) and records the
/// outcome on the profile. A failure is a result, not an error.
pub async fn validate(state: &AppState, actor: &Principal, profile_id: i64) -> Result<Validation> {
    let profile = profiles::get(&state.db, profile_id).await?;
    let checks = match connections::connector_for(state, &profile).await {
        Ok(connector) => connector.validate().await,
        Err(err) => {
            let code = match &err {
                SyncError::Vendor(e) => e.vendor_code().map(str::to_owned),
                _ => None,
            };
            vec![failed_check(
                JobKind::DownloadSubscriptions,
                err.message(),
                code,
            )]
        }
    };
    let checks: Vec<ProcessCheck> = checks
        .into_iter()
        .filter(|c| profile.download_activity || c.process != JobKind::PullActivity)
        .collect();
    let ok = !checks.is_empty() && checks.iter().all(|c| c.ok);
    let now = Utc::now();
    let record = json!({
        "at": now,
        "ok": ok,
        "checks": checks.iter().map(|c| json!({
            "process": c.process, "ok": c.ok, "message": c.message, "vendorCode": c.vendor_code,
        })).collect::<Vec<_>>(),
    });
    let txn = state.db.begin_write().await?;
    let mut row: integration_profile::ActiveModel = profile.into();
    row.last_validation = Set(Some(record));
    row.validated_at = Set(ok.then_some(now));
    row.updated_at = Set(now);
    let profile = row.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "validateConnection",
        "IntegrationProfile",
        Some(profile_id),
        json!({ "ok": ok }),
    )
    .await?;
    txn.commit().await?;
    Ok(Validation {
        ok,
        checks,
        profile,
    })
}

/// Publishes a validated profile: its schedules, a reclamation rule for each of its
/// vendor's known software models with an activity source that has none, and its first
/// download (whose success queues the first activity pull).
pub async fn publish(
    state: &AppState,
    actor: &Principal,
    profile_id: i64,
) -> Result<(integration_profile::Model, Option<job_run::Model>)> {
    let profile = profiles::get(&state.db, profile_id).await?;
    if profile.validated_at.is_none() {
        return Err(AppError::bad_input(
            "profileId",
            "validate the connection first (validateConnection), then publish",
        ));
    }
    let txn = state.db.begin_write().await?;
    let now = Utc::now();
    let was_published = profile.status == ProfileStatus::Published;
    let mut row: integration_profile::ActiveModel = profile.clone().into();
    row.status = Set(ProfileStatus::Published);
    if !was_published {
        row.published_at = Set(Some(now));
    }
    row.updated_at = Set(now);
    let profile = row.update(&txn).await?;
    jobs::ensure_profile_schedule(&txn, profile_id, profile.download_activity).await?;
    let connector = connections::connector_for(state, &profile)
        .await
        .map_err(into_app_error)?;
    let map = catalog::ensure_models(&txn, profile.vendor, connector.products()).await?;
    // A product with no activity source is never judged idle, so it gets no rule.
    let models: std::collections::BTreeSet<i64> = connector
        .products()
        .iter()
        .filter(|p| p.signal != crate::connectors::ActivitySignal::None)
        .filter_map(|p| map.get(p.identifier).copied())
        .collect();
    let mut rules = 0;
    for model in models {
        let created = reclamation_rule::Entity::insert(reclamation_rule::ActiveModel {
            software_model_id: Set(model),
            name: Set(format!("Unused for {DEFAULT_THRESHOLD_DAYS} days")),
            inactivity_threshold_days: Set(DEFAULT_THRESHOLD_DAYS),
            notify_user: Set(false),
            notify_wait_days: Set(0),
            require_approval: Set(false),
            active: Set(true),
            auto_reclaim: Set(false),
            condition: Set(None),
            cooldown_days: Set(crate::domain::reclamation_rules::DEFAULT_COOLDOWN_DAYS),
            reminder_count: Set(0),
            reminder_interval_days: Set(3),
            approver_email: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(reclamation_rule::Column::SoftwareModelId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        rules += created;
    }
    audit::record(
        &txn,
        actor,
        "publishIntegrationProfile",
        "IntegrationProfile",
        Some(profile_id),
        json!({ "rulesCreated": rules }),
    )
    .await?;
    txn.commit().await?;
    let first = if was_published {
        None
    } else {
        Some(
            crate::jobs::enqueue(
                state,
                Some(actor),
                Some(profile_id),
                JobKind::DownloadSubscriptions,
                None,
            )
            .await?,
        )
    };
    Ok((profile, first))
}

/// Deletes a profile after ending its queued and running job runs as CANCELED, so their
/// subscribers see them end before the cascade removes them.
pub async fn delete(state: &AppState, actor: &Principal, profile_id: i64) -> Result<i64> {
    profiles::get(&state.db, profile_id).await?;
    crate::jobs::cancel_profile_runs(state, profile_id).await?;
    profiles::delete(&state.db, actor, profile_id).await
}

/// After a successful download: a profile whose activity was never pulled gets its first
/// pull now, so a new tenant is not shown as "never active" until the next daily run.
pub async fn after_download(state: &AppState, profile_id: i64) {
    let Ok(profile) = profiles::get(&state.db, profile_id).await else {
        return;
    };
    if !profile.download_activity || profile.activity_covered_to.is_some() {
        return;
    }
    if let Err(err) =
        crate::jobs::enqueue(state, None, Some(profile_id), JobKind::PullActivity, None).await
    {
        tracing::warn!(
            profile = profile_id,
            "first activity pull not queued: {}",
            err.message()
        );
    }
}

fn into_app_error(err: SyncError) -> AppError {
    match err {
        SyncError::App(app) => app,
        SyncError::Vendor(e) => AppError::Vendor {
            message: e.to_string(),
            vendor_code: e.vendor_code().map(str::to_owned),
        },
        SyncError::Guard(m) | SyncError::Precondition(m) => AppError::bad_input("profileId", m),
    }
}
