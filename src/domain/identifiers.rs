//! Mapping an unrecognized subscription identifier to a software model: the identifier is
//! remembered for later downloads and its existing subscriptions are re-pointed at once.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::{
    integration_profile, software_model, software_subscription as sub, unrecognized_identifier,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

use crate::domain::audit;
use crate::domain::tokens::Principal;
use crate::error::{AppError, Result};

/// Maps the identifier and returns it with the number of subscriptions re-pointed.
pub async fn map_unrecognized(
    db: &DatabaseConnection,
    actor: &Principal,
    identifier_id: i64,
    model_id: i64,
) -> Result<(unrecognized_identifier::Model, u64)> {
    let txn = db.begin_write().await?;
    let row = unrecognized_identifier::Entity::find_by_id(identifier_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("UnrecognizedSubscriptionIdentifier"))?;
    let model = software_model::Entity::find_by_id(model_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("softwareModelId", "no such software model"))?;
    if model.vendor != row.vendor {
        return Err(AppError::bad_input(
            "softwareModelId",
            "the software model is for another vendor",
        ));
    }
    let profiles: Vec<i64> = integration_profile::Entity::find()
        .select_only()
        .column(integration_profile::Column::Id)
        .filter(integration_profile::Column::Vendor.eq(row.vendor))
        .into_tuple()
        .all(&txn)
        .await?;
    let now = Utc::now();
    let repointed = sub::Entity::update_many()
        .col_expr(sub::Column::SoftwareModelId, Expr::value(model.id))
        .col_expr(sub::Column::UpdatedAt, Expr::value(now))
        .filter(sub::Column::Identifier.eq(row.code.as_str()))
        .filter(sub::Column::ProfileId.is_in(profiles.clone()))
        .exec(&txn)
        .await?
        .rows_affected;
    let mut active: unrecognized_identifier::ActiveModel = row.into();
    active.mapped_model_id = Set(Some(model.id));
    active.mapped_at = Set(Some(now));
    let row = active.update(&txn).await?;
    let details = json!({ "softwareModelId": model.id, "subscriptionsRepointed": repointed });
    audit::record(
        &txn,
        actor,
        "mapUnrecognizedSubscriptionIdentifier",
        "UnrecognizedSubscriptionIdentifier",
        Some(row.id),
        details,
    )
    .await?;
    txn.commit().await?;
    // The seats now count under the model they were mapped to.
    for profile in profiles {
        crate::domain::reconciliation::refresh_seats(db, profile, Utc::now().date_naive()).await?;
    }
    Ok((row, repointed))
}
