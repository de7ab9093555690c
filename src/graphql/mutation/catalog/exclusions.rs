//! Identifier and user exclusions.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use entity::enums::{Role, Vendor};

use crate::domain::exclusions::identifiers::{
    self, IdentifierExclusionPatch, NewIdentifierExclusion,
};
use crate::domain::exclusions::users::{self, NewUserExclusion, UserExclusionPatch};
use crate::domain::exclusions::{ExclusionTerms, TermsPatch};
use crate::graphql::context::{RoleGuard, principal, state};
use crate::graphql::relay::{expect_id, global_id};
use crate::graphql::types::{SubscriptionIdentifierExclusion, SubscriptionUserExclusion};

/// A vendor license code to leave out of cost, reclaim or both.
#[derive(InputObject)]
pub struct CreateSubscriptionIdentifierExclusionInput {
    /// The vendor the code belongs to.
    pub vendor: Vendor,
    /// The vendor's license code, 1 to 200 characters.
    pub identifier: String,
    /// Leave matching subscriptions out of cost and compliance.
    #[graphql(default = true)]
    pub exclude_from_cost: bool,
    /// Never reclaim matching subscriptions.
    #[graphql(default = true)]
    pub exclude_from_reclaim: bool,
    /// Why, for the audit trail.
    pub reason: Option<String>,
    /// When it stops applying; must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it applies.
    #[graphql(default = true)]
    pub active: bool,
}

/// Changes to an identifier exclusion; omitted fields stay as they are, null clears.
#[derive(InputObject)]
pub struct UpdateSubscriptionIdentifierExclusionInput {
    /// New vendor.
    pub vendor: Option<Vendor>,
    /// New license code.
    pub identifier: Option<String>,
    /// Leave matching subscriptions out of cost and compliance.
    pub exclude_from_cost: Option<bool>,
    /// Never reclaim matching subscriptions.
    pub exclude_from_reclaim: Option<bool>,
    /// New reason; null clears it.
    pub reason: MaybeUndefined<String>,
    /// New expiry, in the future; null makes it permanent.
    pub expires_at: MaybeUndefined<DateTime<Utc>>,
    /// Whether it applies.
    pub active: Option<bool>,
}

/// A user, or every user of a domain, to leave out of cost, reclaim or both.
#[derive(InputObject)]
pub struct CreateSubscriptionUserExclusionInput {
    /// An email (`name@example.com`) or a domain pattern (`*@example.com`); stored
    /// lower-cased.
    pub user_principal_name: String,
    /// Leave the user's subscriptions out of cost and compliance.
    #[graphql(default = true)]
    pub exclude_from_cost: bool,
    /// Never reclaim the user's subscriptions.
    #[graphql(default = true)]
    pub exclude_from_reclaim: bool,
    /// Why, for the audit trail.
    pub reason: Option<String>,
    /// When it stops applying; must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it applies.
    #[graphql(default = true)]
    pub active: bool,
}

/// Changes to a user exclusion; omitted fields stay as they are, null clears.
#[derive(InputObject)]
pub struct UpdateSubscriptionUserExclusionInput {
    /// New email or domain pattern.
    pub user_principal_name: Option<String>,
    /// Leave the user's subscriptions out of cost and compliance.
    pub exclude_from_cost: Option<bool>,
    /// Never reclaim the user's subscriptions.
    pub exclude_from_reclaim: Option<bool>,
    /// New reason; null clears it.
    pub reason: MaybeUndefined<String>,
    /// New expiry, in the future; null makes it permanent.
    pub expires_at: MaybeUndefined<DateTime<Utc>>,
    /// Whether it applies.
    pub active: Option<bool>,
}

fn patch(
    exclude_from_cost: Option<bool>,
    exclude_from_reclaim: Option<bool>,
    reason: MaybeUndefined<String>,
    expires_at: MaybeUndefined<DateTime<Utc>>,
    active: Option<bool>,
) -> TermsPatch {
    TermsPatch {
        exclude_from_cost,
        exclude_from_reclaim,
        reason: reason.into(),
        expires_at: expires_at.into(),
        active,
    }
}

#[derive(Default)]
pub struct ExclusionMutation;

#[Object]
impl ExclusionMutation {
    /// Excludes a vendor license code; a second exclusion of the same vendor and code is
    /// `CONFLICT`.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_subscription_identifier_exclusion(
        &self,
        ctx: &Context<'_>,
        input: CreateSubscriptionIdentifierExclusionInput,
    ) -> async_graphql::Result<SubscriptionIdentifierExclusion> {
        let new = NewIdentifierExclusion {
            vendor: input.vendor,
            identifier: input.identifier,
            terms: ExclusionTerms {
                exclude_from_cost: input.exclude_from_cost,
                exclude_from_reclaim: input.exclude_from_reclaim,
                reason: input.reason,
                expires_at: input.expires_at,
                active: input.active,
            },
        };
        let row = identifiers::create_audited(&state(ctx).db, principal(ctx)?, &new).await?;
        Ok(row.into())
    }

    /// Changes an identifier exclusion.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_subscription_identifier_exclusion(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSubscriptionIdentifierExclusionInput,
    ) -> async_graphql::Result<SubscriptionIdentifierExclusion> {
        let id = expect_id(&id, "SubscriptionIdentifierExclusion", "id")?;
        let changes = IdentifierExclusionPatch {
            vendor: input.vendor,
            identifier: input.identifier,
            terms: patch(
                input.exclude_from_cost,
                input.exclude_from_reclaim,
                input.reason,
                input.expires_at,
                input.active,
            ),
        };
        let row =
            identifiers::update_audited(&state(ctx).db, principal(ctx)?, id, &changes).await?;
        Ok(row.into())
    }

    /// Deletes an identifier exclusion and returns its id.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_subscription_identifier_exclusion(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        let row_id = expect_id(&id, "SubscriptionIdentifierExclusion", "id")?;
        identifiers::delete_audited(&state(ctx).db, principal(ctx)?, row_id).await?;
        Ok(global_id("SubscriptionIdentifierExclusion", row_id))
    }

    /// Excludes a user or a whole email domain in every profile; a second exclusion of the
    /// same name or pattern is `CONFLICT`.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_subscription_user_exclusion(
        &self,
        ctx: &Context<'_>,
        input: CreateSubscriptionUserExclusionInput,
    ) -> async_graphql::Result<SubscriptionUserExclusion> {
        let new = NewUserExclusion {
            user_principal_name: input.user_principal_name,
            terms: ExclusionTerms {
                exclude_from_cost: input.exclude_from_cost,
                exclude_from_reclaim: input.exclude_from_reclaim,
                reason: input.reason,
                expires_at: input.expires_at,
                active: input.active,
            },
        };
        let row = users::create_audited(&state(ctx).db, principal(ctx)?, &new).await?;
        Ok(row.into())
    }

    /// Changes a user exclusion.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_subscription_user_exclusion(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSubscriptionUserExclusionInput,
    ) -> async_graphql::Result<SubscriptionUserExclusion> {
        let id = expect_id(&id, "SubscriptionUserExclusion", "id")?;
        let changes = UserExclusionPatch {
            user_principal_name: input.user_principal_name,
            terms: patch(
                input.exclude_from_cost,
                input.exclude_from_reclaim,
                input.reason,
                input.expires_at,
                input.active,
            ),
        };
        let row = users::update_audited(&state(ctx).db, principal(ctx)?, id, &changes).await?;
        Ok(row.into())
    }

    /// Deletes a user exclusion and returns its id.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_subscription_user_exclusion(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        let row_id = expect_id(&id, "SubscriptionUserExclusion", "id")?;
        users::delete_audited(&state(ctx).db, principal(ctx)?, row_id).await?;
        Ok(global_id("SubscriptionUserExclusion", row_id))
    }
}
