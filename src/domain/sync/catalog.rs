//! Subscription identifiers and the software models they belong to: known identifiers
//! create their model on first sight; unknown ones are recorded for an admin to map.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::Vendor;
use entity::{software_model, subscription_identifier, unrecognized_identifier};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::connectors::ProductInfo;
use crate::domain::software_models::display_name;
use crate::error::Result;

/// Identifier → software model id, for one vendor.
pub type ModelMap = HashMap<String, i64>;

/// Makes sure every known product has its software model and identifier row, and returns
/// the identifier map, including identifiers an admin mapped by hand.
pub async fn ensure_models(
    db: &impl ConnectionTrait,
    vendor: Vendor,
    products: &[ProductInfo],
) -> Result<ModelMap> {
    let now = Utc::now();
    for p in products {
        software_model::Entity::insert(software_model::ActiveModel {
            publisher: Set(p.publisher.to_owned()),
            product: Set(p.product.to_owned()),
            edition: Set(p.edition.to_owned()),
            vendor: Set(vendor),
            display_name: Set(display_name(p.publisher, p.product, p.edition)),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                software_model::Column::Publisher,
                software_model::Column::Product,
                software_model::Column::Edition,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        let model = software_model::Entity::find()
            .filter(software_model::Column::Publisher.eq(p.publisher))
            .filter(software_model::Column::Product.eq(p.product))
            .filter(software_model::Column::Edition.eq(p.edition))
            .one(db)
            .await?
            .ok_or_else(|| {
                crate::error::AppError::internal("software model vanished after upsert")
            })?;
        subscription_identifier::Entity::insert(subscription_identifier::ActiveModel {
            vendor: Set(vendor),
            code: Set(p.identifier.to_owned()),
            software_model_id: Set(model.id),
            description: Set(Some(model.display_name.clone())),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                subscription_identifier::Column::Vendor,
                subscription_identifier::Column::Code,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    let mut map: ModelMap = subscription_identifier::Entity::find()
        .filter(subscription_identifier::Column::Vendor.eq(vendor))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.code, row.software_model_id))
        .collect();
    for row in unrecognized_identifier::Entity::find()
        .filter(unrecognized_identifier::Column::Vendor.eq(vendor))
        .filter(unrecognized_identifier::Column::MappedModelId.is_not_null())
        .all(db)
        .await?
    {
        if let Some(model) = row.mapped_model_id {
            map.entry(row.code).or_insert(model);
        }
    }
    Ok(map)
}

/// Records identifiers no model knows, with how many subscriptions carried them this run.
pub async fn record_unrecognized(
    db: &impl ConnectionTrait,
    vendor: Vendor,
    seen: &HashMap<String, i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    for (code, count) in seen {
        let existing = unrecognized_identifier::Entity::find()
            .filter(unrecognized_identifier::Column::Vendor.eq(vendor))
            .filter(unrecognized_identifier::Column::Code.eq(code.as_str()))
            .one(db)
            .await?;
        match existing {
            Some(row) => {
                let mut active: unrecognized_identifier::ActiveModel = row.into();
                active.subscription_count = Set(*count);
                active.last_seen_at = Set(now);
                sea_orm::ActiveModelTrait::update(active, db).await?;
            }
            None => {
                unrecognized_identifier::Entity::insert(unrecognized_identifier::ActiveModel {
                    vendor: Set(vendor),
                    code: Set(code.clone()),
                    subscription_count: Set(*count),
                    first_seen_at: Set(now),
                    last_seen_at: Set(now),
                    mapped_model_id: Set(None),
                    mapped_at: Set(None),
                    ..Default::default()
                })
                .exec_without_returning(db)
                .await?;
            }
        }
    }
    Ok(())
}
