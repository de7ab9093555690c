//! Software models: what rules, entitlements and positions are about.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::Vendor;
use entity::software_model;

use super::{Entitlement, ReclamationRule};
use crate::domain::{entitlements, reclamation_rules};
use crate::error::AppError;
use crate::graphql::context::state;
use crate::graphql::loaders::load;
use crate::graphql::relay::global_id;

/// Most entitlements listed under one model; `entitlements(softwareModelId:)` pages further.
pub const MAX_MODEL_ENTITLEMENTS: i32 = 100;

/// A publisher's product in one edition: the unit rules, entitlements and compliance apply to.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct SoftwareModel {
    /// Global id.
    pub id: ID,
    /// Publisher, e.g. "Zoom".
    pub publisher: String,
    /// Product, e.g. "Zoom Meetings".
    pub product: String,
    /// Edition, e.g. "Licensed"; empty when the product has none.
    pub edition: String,
    /// The vendor whose connector finds its subscriptions.
    pub vendor: Vendor,
    /// Name shown to people, derived from publisher, product and edition.
    pub display_name: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    pub row_id: i64,
}

#[ComplexObject]
impl SoftwareModel {
    /// Its reclamation rule, if it has one.
    async fn reclamation_rule(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ReclamationRule>> {
        let rule = reclamation_rules::for_model(&state(ctx).db, self.row_id).await?;
        Ok(rule.map(Into::into))
    }

    /// What was bought of it, oldest first (at most 100; page through
    /// `entitlements(softwareModelId:)` for more).
    #[graphql(complexity = "(first.clamp(1, MAX_MODEL_ENTITLEMENTS) as usize) * child_complexity")]
    async fn entitlements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many to return, 1 to 100.", default = 100)] first: i32,
    ) -> async_graphql::Result<Vec<Entitlement>> {
        if !(1..=MAX_MODEL_ENTITLEMENTS).contains(&first) {
            return Err(AppError::bad_input("first", "must be from 1 to 100").into());
        }
        let rows = entitlements::for_model(&state(ctx).db, self.row_id, first as u64).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

impl From<software_model::Model> for SoftwareModel {
    fn from(m: software_model::Model) -> Self {
        SoftwareModel {
            id: global_id("SoftwareModel", m.id),
            publisher: m.publisher,
            product: m.product,
            edition: m.edition,
            vendor: m.vendor,
            display_name: m.display_name,
            created_at: m.created_at,
            row_id: m.id,
        }
    }
}

/// The model with this id, through the request's batched loader; it must exist (the
/// foreign keys see to that), so a miss is an internal error.
pub(crate) async fn load_model(ctx: &Context<'_>, id: i64) -> async_graphql::Result<SoftwareModel> {
    load::<software_model::Entity>(ctx, id)
        .await?
        .map(Into::into)
        .ok_or_else(|| AppError::internal(format_args!("software model {id} is missing")).into())
}
