//! Software models: publisher + product + edition, the unit rules and entitlements apply to.
//! Downloads create them from known subscription identifiers; admins may record one earlier.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::enums::Vendor;
use entity::software_model;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use crate::domain::audit;
use crate::domain::db_errors::ConflictOnUnique;
use crate::domain::page::{Page, PageRequest, find, keyset};
use crate::domain::tokens::Principal;
use crate::domain::validate;
use crate::error::{AppError, Result};

/// Longest publisher, product, edition or name accepted.
pub const MAX_NAME_LEN: usize = 200;

const DUPLICATE: &str = "a software model with this publisher, product and edition already exists";

/// A model to record.
#[derive(Debug, Clone)]
pub struct NewSoftwareModel {
    pub publisher: String,
    pub product: String,
    /// `None` or blank when the product has no editions.
    pub edition: Option<String>,
    pub vendor: Vendor,
}

/// Changes to a model; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SoftwareModelPatch {
    pub publisher: Option<String>,
    pub product: Option<String>,
    pub edition: Option<String>,
    pub vendor: Option<Vendor>,
}

/// The name users see: the product, prefixed with the publisher unless the product already
/// starts with it ("Zoom Meetings", not "Zoom Zoom Meetings"), then the edition.
pub fn display_name(publisher: &str, product: &str, edition: &str) -> String {
    let mut name = if product
        .to_lowercase()
        .starts_with(&publisher.to_lowercase())
    {
        product.to_owned()
    } else {
        format!("{publisher} {product}")
    };
    if !edition.is_empty() {
        name.push(' ');
        name.push_str(edition);
    }
    name
}

/// Trims `value` and checks it is at most `MAX_NAME_LEN` characters; blank stays `""`
/// (an edition that does not exist), unlike `validate::optional_text`.
fn optional_text(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > MAX_NAME_LEN {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {MAX_NAME_LEN} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A case-insensitive "contains" filter on `column`, with `%` and `_` in `needle` taken
/// literally (LIKE is case-sensitive on PostgreSQL, so both sides are lower-cased).
pub(crate) fn contains_ci(column: impl ColumnTrait, needle: &str) -> Expr {
    let escaped: String = needle
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Expr::expr(Func::lower(Expr::col(column.as_column_ref())))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// The model with this id; `NOT_FOUND` otherwise.
pub async fn get(db: &DatabaseConnection, id: i64) -> Result<software_model::Model> {
    find::<software_model::Entity>(db, id, "software model").await
}

/// Models, oldest first, optionally of one vendor and matching `search` in any name part.
pub async fn list(
    db: &DatabaseConnection,
    vendor: Option<Vendor>,
    search: Option<&str>,
    req: &PageRequest,
) -> Result<Page<software_model::Model>> {
    let mut select = software_model::Entity::find();
    if let Some(vendor) = vendor {
        select = select.filter(software_model::Column::Vendor.eq(vendor));
    }
    if let Some(needle) = search.map(str::trim).filter(|s| !s.is_empty()) {
        use software_model::Column as C;
        select = select.filter(
            contains_ci(C::DisplayName, needle)
                .or(contains_ci(C::Publisher, needle))
                .or(contains_ci(C::Product, needle))
                .or(contains_ci(C::Edition, needle)),
        );
    }
    keyset(db, select, software_model::Column::Id, req).await
}

/// Records a model; a duplicate (publisher, product, edition) is `CONFLICT`.
pub async fn create(
    db: &impl ConnectionTrait,
    input: &NewSoftwareModel,
) -> Result<software_model::Model> {
    let publisher = validate::name("publisher", &input.publisher, MAX_NAME_LEN)?;
    let product = validate::name("product", &input.product, MAX_NAME_LEN)?;
    let edition = optional_text("edition", input.edition.as_deref().unwrap_or_default())?;
    software_model::ActiveModel {
        display_name: Set(display_name(&publisher, &product, &edition)),
        publisher: Set(publisher),
        product: Set(product),
        edition: Set(edition),
        vendor: Set(input.vendor),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .conflict_on_unique(DUPLICATE)
}

/// Changes a model; the display name follows its parts.
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    patch: &SoftwareModelPatch,
) -> Result<software_model::Model> {
    let row = find::<software_model::Entity>(db, id, "software model").await?;
    let publisher = match &patch.publisher {
        Some(p) => validate::name("publisher", p, MAX_NAME_LEN)?,
        None => row.publisher.clone(),
    };
    let product = match &patch.product {
        Some(p) => validate::name("product", p, MAX_NAME_LEN)?,
        None => row.product.clone(),
    };
    let edition = match &patch.edition {
        Some(e) => optional_text("edition", e)?,
        None => row.edition.clone(),
    };
    let vendor = patch.vendor.unwrap_or(row.vendor);
    let mut active: software_model::ActiveModel = row.into();
    active.display_name = Set(display_name(&publisher, &product, &edition));
    active.publisher = Set(publisher);
    active.product = Set(product);
    active.edition = Set(edition);
    active.vendor = Set(vendor);
    active.update(db).await.conflict_on_unique(DUPLICATE)
}

/// `create`, recorded in the audit log in the same transaction.
pub async fn create_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    input: &NewSoftwareModel,
) -> Result<software_model::Model> {
    let txn = db.begin_write().await?;
    let row = create(&txn, input).await?;
    let details = serde_json::json!({ "displayName": row.display_name, "vendor": row.vendor });
    audit::record(
        &txn,
        actor,
        "createSoftwareModel",
        "SoftwareModel",
        Some(row.id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// `update`, recorded in the audit log in the same transaction.
pub async fn update_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    patch: &SoftwareModelPatch,
) -> Result<software_model::Model> {
    let txn = db.begin_write().await?;
    let row = update(&txn, id, patch).await?;
    let changed: Vec<&str> = [
        ("publisher", patch.publisher.is_some()),
        ("product", patch.product.is_some()),
        ("edition", patch.edition.is_some()),
        ("vendor", patch.vendor.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    audit::record(
        &txn,
        actor,
        "updateSoftwareModel",
        "SoftwareModel",
        Some(id),
        serde_json::json!({ "changed": changed }),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_do_not_repeat_the_publisher() {
        assert_eq!(
            display_name("Zoom", "Zoom Meetings", "Licensed"),
            "Zoom Meetings Licensed"
        );
        assert_eq!(display_name("Aha!", "Roadmaps", ""), "Aha! Roadmaps");
        assert_eq!(display_name("GoTo", "GoToWebinar", ""), "GoToWebinar");
    }

    #[test]
    fn a_blank_edition_means_none_and_a_long_one_is_refused() {
        assert_eq!(optional_text("edition", " ").unwrap(), "");
        assert_eq!(optional_text("edition", " Pro ").unwrap(), "Pro");
        assert!(optional_text("edition", &"x".repeat(MAX_NAME_LEN + 1)).is_err());
    }
}
