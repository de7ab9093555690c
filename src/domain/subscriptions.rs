//! Software subscriptions (who holds which license) and the identifiers no model knows yet.

use chrono::{Duration, Utc};
use entity::enums::Vendor;
use entity::{software_subscription, unrecognized_identifier};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::page::{self, Page, PageRequest};
use crate::domain::software_models::contains_ci;
use crate::error::{AppError, Result};

/// Filters for the subscription list; all optional, combined with AND.
#[derive(Debug, Default)]
pub struct SubscriptionFilter {
    pub profile_id: Option<i64>,
    pub software_model_id: Option<i64>,
    /// Case-insensitive substring of the user principal name.
    pub user_principal_name: Option<String>,
    pub active: Option<bool>,
    /// No activity for at least this many days (or never).
    pub inactive_for_days: Option<i32>,
    /// Excluded from cost or from reclaim.
    pub excluded: Option<bool>,
    /// Rows the vendor no longer returns are hidden unless asked for.
    pub include_closed: bool,
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &SubscriptionFilter,
    req: &PageRequest,
) -> Result<Page<software_subscription::Model>> {
    use software_subscription::Column as C;
    let mut select = software_subscription::Entity::find();
    if let Some(id) = filter.profile_id {
        select = select.filter(C::ProfileId.eq(id));
    }
    if let Some(id) = filter.software_model_id {
        select = select.filter(C::SoftwareModelId.eq(id));
    }
    if let Some(needle) = filter
        .user_principal_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if needle.len() > 320 {
            return Err(AppError::bad_input(
                "userPrincipalName",
                "at most 320 characters",
            ));
        }
        select = select.filter(contains_ci(C::UserPrincipalName, needle));
    }
    if let Some(active) = filter.active {
        select = select.filter(C::Active.eq(active));
    }
    if let Some(days) = filter.inactive_for_days {
        if !(0..=36_500).contains(&days) {
            return Err(AppError::bad_input(
                "inactiveForDays",
                "must be between 0 and 36500",
            ));
        }
        let cutoff = Utc::now() - Duration::days(i64::from(days));
        select = select.filter(
            Condition::any()
                .add(C::LastActivityAt.is_null())
                .add(C::LastActivityAt.lte(cutoff)),
        );
    }
    if let Some(excluded) = filter.excluded {
        let any_exclusion = Condition::any()
            .add(C::ExcludedFromCost.eq(true))
            .add(C::ExcludedFromReclaim.eq(true));
        select = select.filter(if excluded {
            any_exclusion
        } else {
            any_exclusion.not()
        });
    }
    if !filter.include_closed {
        select = select.filter(C::ClosedAt.is_null());
    }
    page::keyset(db, select, C::Id, req).await
}

pub async fn get(db: &DatabaseConnection, id: i64) -> Result<software_subscription::Model> {
    page::find::<software_subscription::Entity>(db, id, "SoftwareSubscription").await
}

pub async fn list_unrecognized(
    db: &DatabaseConnection,
    vendor: Option<Vendor>,
    mapped: Option<bool>,
    req: &PageRequest,
) -> Result<Page<unrecognized_identifier::Model>> {
    use unrecognized_identifier::Column as C;
    let mut select = unrecognized_identifier::Entity::find();
    if let Some(vendor) = vendor {
        select = select.filter(C::Vendor.eq(vendor));
    }
    match mapped {
        Some(true) => select = select.filter(C::MappedModelId.is_not_null()),
        Some(false) => select = select.filter(C::MappedModelId.is_null()),
        None => {}
    }
    page::keyset(db, select, C::Id, req).await
}

pub async fn get_unrecognized(
    db: &DatabaseConnection,
    id: i64,
) -> Result<unrecognized_identifier::Model> {
    page::find::<unrecognized_identifier::Entity>(db, id, "UnrecognizedSubscriptionIdentifier")
        .await
}
