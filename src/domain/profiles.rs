//! Integration profiles: one vendor tenant each. Created as drafts; validation and
//! publishing arrive with the connectors.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::enums::{CandidateState, JobKind, ProfileStatus, Vendor};
use entity::{
    activity_event, connection_alias, integration_profile, removal_candidate, scheduled_job,
    vendor_user,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;

use crate::domain::page::{self, Page, PageRequest};
use crate::domain::tokens::Principal;
use crate::domain::{audit, validate};
use crate::error::{AppError, Result};

/// Default look-back for activity, in days (the reference product's default).
pub const DEFAULT_LOOK_BACK_DAYS: i32 = 60;
/// Longest look-back accepted: a year of history is what is kept.
pub const MAX_LOOK_BACK_DAYS: i32 = 365;

/// Fields a client may set. `None` leaves a field unchanged on update.
#[derive(Debug, Default)]
pub struct ProfileInput {
    pub display_name: Option<String>,
    pub vendor: Option<Vendor>,
    pub alias_id: Option<i64>,
    pub download_activity: Option<bool>,
    pub reclaim: Option<bool>,
    pub activity_look_back_days: Option<i32>,
}

#[derive(Debug, Default)]
pub struct ProfileFilter {
    pub vendor: Option<Vendor>,
    pub status: Option<ProfileStatus>,
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<integration_profile::Model> {
    page::find::<integration_profile::Entity>(db, id, "IntegrationProfile").await
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &ProfileFilter,
    req: &PageRequest,
) -> Result<Page<integration_profile::Model>> {
    let mut select = integration_profile::Entity::find();
    if let Some(vendor) = filter.vendor {
        select = select.filter(integration_profile::Column::Vendor.eq(vendor));
    }
    if let Some(status) = filter.status {
        select = select.filter(integration_profile::Column::Status.eq(status));
    }
    page::keyset(db, select, integration_profile::Column::Id, req).await
}

async fn check_alias(db: &impl ConnectionTrait, alias_id: i64, vendor: Vendor) -> Result<()> {
    let alias = connection_alias::Entity::find_by_id(alias_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("aliasId", "no such connection alias"))?;
    if alias.vendor != vendor {
        return Err(AppError::bad_input(
            "aliasId",
            "the alias is for another vendor",
        ));
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Principal,
    input: ProfileInput,
) -> Result<integration_profile::Model> {
    let vendor = input
        .vendor
        .ok_or_else(|| AppError::bad_input("vendor", "is required"))?;
    let display_name = validate::name(
        "displayName",
        input.display_name.as_deref().unwrap_or_default(),
        200,
    )?;
    let look_back = validate::in_range(
        "activityLookBackDays",
        input
            .activity_look_back_days
            .unwrap_or(DEFAULT_LOOK_BACK_DAYS),
        1..=MAX_LOOK_BACK_DAYS,
    )?;
    let txn = db.begin_write().await?;
    if let Some(alias) = input.alias_id {
        check_alias(&txn, alias, vendor).await?;
    }
    let now = Utc::now();
    let row = integration_profile::ActiveModel {
        display_name: Set(display_name),
        vendor: Set(vendor),
        status: Set(ProfileStatus::Draft),
        alias_id: Set(input.alias_id),
        download_activity: Set(input.download_activity.unwrap_or(true)),
        reclaim: Set(input.reclaim.unwrap_or(true)),
        activity_look_back_days: Set(look_back),
        validated_at: Set(None),
        last_validation: Set(None),
        published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "createIntegrationProfile",
        "IntegrationProfile",
        Some(row.id),
        json!({ "vendor": vendor }),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Updates a profile. Turning activity off, or pointing a published profile at another
/// alias, sends it back to draft: it must be validated and published again.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    input: ProfileInput,
) -> Result<integration_profile::Model> {
    let txn = db.begin_write().await?;
    let current = get(&txn, id).await?;
    if input.vendor.is_some_and(|v| v != current.vendor) {
        return Err(AppError::bad_input(
            "vendor",
            "cannot be changed; create another profile",
        ));
    }
    let mut row: integration_profile::ActiveModel = current.clone().into();
    let mut back_to_draft = false;
    if let Some(name) = &input.display_name {
        row.display_name = Set(validate::name("displayName", name, 200)?);
    }
    if let Some(days) = input.activity_look_back_days {
        row.activity_look_back_days = Set(validate::in_range(
            "activityLookBackDays",
            days,
            1..=MAX_LOOK_BACK_DAYS,
        )?);
    }
    if let Some(alias) = input.alias_id
        && current.alias_id != Some(alias)
    {
        check_alias(&txn, alias, current.vendor).await?;
        row.alias_id = Set(Some(alias));
        row.validated_at = Set(None);
        back_to_draft = true;
    }
    if let Some(reclaim) = input.reclaim {
        row.reclaim = Set(reclaim);
    }
    if let Some(activity) = input.download_activity {
        row.download_activity = Set(activity);
        if current.download_activity && !activity {
            back_to_draft = true;
            scheduled_job::Entity::delete_many()
                .filter(scheduled_job::Column::ProfileId.eq(id))
                .filter(scheduled_job::Column::Kind.eq(JobKind::PullActivity))
                .exec(&txn)
                .await?;
        }
    }
    if back_to_draft && current.status == ProfileStatus::Published {
        row.status = Set(ProfileStatus::Draft);
        row.published_at = Set(None);
    }
    row.updated_at = Set(Utc::now());
    let row = row.update(&txn).await?;
    let details =
        json!({ "backToDraft": back_to_draft && current.status == ProfileStatus::Published });
    audit::record(
        &txn,
        actor,
        "updateIntegrationProfile",
        "IntegrationProfile",
        Some(id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes a profile: its subscriptions, scheduled jobs, runs and vendor users go with it
/// (foreign-key cascades), its activity events and its subscriptions' unlicensed marks are
/// deleted here (they carry no foreign key), its open removal candidates are closed as
/// skipped, its rules are kept.
pub async fn delete(db: &DatabaseConnection, actor: &Principal, id: i64) -> Result<i64> {
    let txn = db.begin_write().await?;
    get(&txn, id).await?;
    let open_states = [
        CandidateState::AttentionRequired,
        CandidateState::Ready,
        CandidateState::AwaitingUser,
        CandidateState::AwaitingApproval,
        CandidateState::AwaitingRevocation,
    ];
    let now = Utc::now();
    let closed = removal_candidate::Entity::update_many()
        .col_expr(
            removal_candidate::Column::State,
            Expr::value(CandidateState::ClosedSkipped),
        )
        .col_expr(removal_candidate::Column::ClosedAt, Expr::value(now))
        .col_expr(
            removal_candidate::Column::CloseReason,
            Expr::value("integration profile deleted"),
        )
        .col_expr(removal_candidate::Column::UpdatedAt, Expr::value(now))
        .filter(removal_candidate::Column::ProfileId.eq(id))
        .filter(removal_candidate::Column::State.is_in(open_states))
        .exec(&txn)
        .await?
        .rows_affected;
    activity_event::Entity::delete_many()
        .filter(
            activity_event::Column::VendorUserId.in_subquery(
                Query::select()
                    .column(vendor_user::Column::Id)
                    .from(vendor_user::Entity)
                    .and_where(vendor_user::Column::ProfileId.eq(id))
                    .to_owned(),
            ),
        )
        .exec(&txn)
        .await?;
    crate::domain::reconciliation::forget_marks_of_profile(&txn, id).await?;
    integration_profile::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "deleteIntegrationProfile",
        "IntegrationProfile",
        Some(id),
        json!({ "candidatesClosed": closed }),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}
