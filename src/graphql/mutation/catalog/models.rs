//! Recording software models and what was bought of them.

use async_graphql::{Context, ID, InputObject, Object};
use entity::enums::{Role, Vendor};

use crate::domain::entitlements::{self, EntitlementPatch, NewEntitlement};
use crate::domain::software_models::{self, NewSoftwareModel, SoftwareModelPatch};
use crate::graphql::context::{RoleGuard, principal, state};
use crate::graphql::relay::{expect_id, global_id};
use crate::graphql::types::{Date, Entitlement, SoftwareModel};
use entity::enums::{EntitlementPeriod, EntitlementState};

/// A software model to record before any download finds it.
#[derive(InputObject)]
pub struct CreateSoftwareModelInput {
    /// Publisher, e.g. "Zoom"; required.
    pub publisher: String,
    /// Product, e.g. "Zoom Meetings"; required.
    pub product: String,
    /// Edition, e.g. "Licensed"; omit when the product has none.
    pub edition: Option<String>,
    /// The vendor whose connector finds its subscriptions.
    pub vendor: Vendor,
}

/// Changes to a software model; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateSoftwareModelInput {
    /// New publisher; must not be empty.
    pub publisher: Option<String>,
    /// New product; must not be empty.
    pub product: Option<String>,
    /// New edition; empty for none.
    pub edition: Option<String>,
    /// New vendor.
    pub vendor: Option<Vendor>,
}

/// An entitlement to record.
#[derive(InputObject)]
pub struct CreateEntitlementInput {
    /// The software model the rights are for.
    pub software_model_id: ID,
    /// Name shown to people, e.g. a contract or order reference.
    pub name: String,
    /// Seats bought; 0 or more.
    pub purchased_rights: i64,
    /// Cost of one seat per `periodType`: a non-negative decimal with at most 2 decimals,
    /// e.g. "12.50".
    pub unit_cost: String,
    /// ISO 4217 code: three upper-case letters, e.g. "USD".
    pub currency: String,
    /// First day of the term.
    pub period_start: Date,
    /// Last day of the term (inclusive); not before `periodStart`.
    pub period_end: Date,
    /// What the unit cost pays for: a month, a quarter, a year, or the whole term.
    #[graphql(default_with = "EntitlementPeriod::WholeTerm")]
    pub period_type: EntitlementPeriod,
    /// `DRAFT` entitlements are ignored by reconciliation and cost.
    #[graphql(default_with = "EntitlementState::Active")]
    pub state: EntitlementState,
    /// The vendor contract it comes from.
    pub contract_reference: Option<String>,
    /// Free text, up to 2,000 characters.
    pub note: Option<String>,
}

/// Changes to an entitlement; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateEntitlementInput {
    /// Move the entitlement to another software model.
    pub software_model_id: Option<ID>,
    /// New name.
    pub name: Option<String>,
    /// New number of seats; 0 or more.
    pub purchased_rights: Option<i64>,
    /// New unit cost, e.g. "12.50".
    pub unit_cost: Option<String>,
    /// New ISO 4217 code.
    pub currency: Option<String>,
    /// New first day.
    pub period_start: Option<Date>,
    /// New last day; not before the (new or stored) first day.
    pub period_end: Option<Date>,
    /// New period type.
    pub period_type: Option<EntitlementPeriod>,
    /// New state (`ACTIVE` publishes a draft).
    pub state: Option<EntitlementState>,
    /// New contract reference; an empty string removes it.
    pub contract_reference: Option<String>,
    /// New note; an empty string removes it.
    pub note: Option<String>,
}

fn model_id(id: &ID) -> async_graphql::Result<i64> {
    Ok(expect_id(id, "SoftwareModel", "softwareModelId")?)
}

#[derive(Default)]
pub struct ModelMutation;

#[Object]
impl ModelMutation {
    /// Records a software model; a duplicate publisher, product and edition is `CONFLICT`.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_software_model(
        &self,
        ctx: &Context<'_>,
        input: CreateSoftwareModelInput,
    ) -> async_graphql::Result<SoftwareModel> {
        let new = NewSoftwareModel {
            publisher: input.publisher,
            product: input.product,
            edition: input.edition,
            vendor: input.vendor,
        };
        let row = software_models::create_audited(&state(ctx).db, principal(ctx)?, &new).await?;
        Ok(row.into())
    }

    /// Changes a software model; its display name follows.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_software_model(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSoftwareModelInput,
    ) -> async_graphql::Result<SoftwareModel> {
        let id = expect_id(&id, "SoftwareModel", "id")?;
        let patch = SoftwareModelPatch {
            publisher: input.publisher,
            product: input.product,
            edition: input.edition,
            vendor: input.vendor,
        };
        let row =
            software_models::update_audited(&state(ctx).db, principal(ctx)?, id, &patch).await?;
        Ok(row.into())
    }

    /// Records what was bought of a software model.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_entitlement(
        &self,
        ctx: &Context<'_>,
        input: CreateEntitlementInput,
    ) -> async_graphql::Result<Entitlement> {
        let new = NewEntitlement {
            software_model_id: model_id(&input.software_model_id)?,
            name: input.name,
            purchased_rights: input.purchased_rights,
            unit_cost: input.unit_cost,
            currency: input.currency,
            period_start: input.period_start.0,
            period_end: input.period_end.0,
            period_type: input.period_type,
            state: input.state,
            contract_reference: input.contract_reference,
            note: input.note,
        };
        let row = entitlements::create_audited(&state(ctx).db, principal(ctx)?, &new).await?;
        Ok(row.into())
    }

    /// Changes an entitlement.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_entitlement(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateEntitlementInput,
    ) -> async_graphql::Result<Entitlement> {
        let id = expect_id(&id, "Entitlement", "id")?;
        let patch = EntitlementPatch {
            software_model_id: input.software_model_id.as_ref().map(model_id).transpose()?,
            name: input.name,
            purchased_rights: input.purchased_rights,
            unit_cost: input.unit_cost,
            currency: input.currency,
            period_start: input.period_start.map(|d| d.0),
            period_end: input.period_end.map(|d| d.0),
            period_type: input.period_type,
            state: input.state,
            contract_reference: input.contract_reference,
            note: input.note,
        };
        let row = entitlements::update_audited(&state(ctx).db, principal(ctx)?, id, &patch).await?;
        Ok(row.into())
    }

    /// Deletes an entitlement and returns its id.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_entitlement(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let row_id = expect_id(&id, "Entitlement", "id")?;
        entitlements::delete_audited(&state(ctx).db, principal(ctx)?, row_id).await?;
        Ok(global_id("Entitlement", row_id))
    }
}
