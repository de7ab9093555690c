//! Minting and revoking API tokens (admin).

use async_graphql::{Context, ID, Object};
use entity::enums::Role;

use crate::domain::tokens as domain;
use crate::graphql::context::{RoleGuard, principal, state};
use crate::graphql::relay::expect_id;
use crate::graphql::types::{ApiToken, CreatedApiToken};

#[derive(Default)]
pub struct TokenMutation;

#[Object]
impl TokenMutation {
    /// Creates a token with one or more roles. Its value is returned only here.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        name: String,
        #[graphql(desc = "The main role.")] role: Role,
        #[graphql(desc = "Further roles.", default)] extra_roles: Vec<Role>,
    ) -> async_graphql::Result<CreatedApiToken> {
        let mut roles = vec![role];
        roles.extend(extra_roles);
        let (row, raw) =
            domain::create_audited(&state(ctx).db, principal(ctx)?, &name, &roles).await?;
        Ok(CreatedApiToken {
            api_token: row.into(),
            token: raw.expose().to_owned(),
        })
    }

    /// Revokes a token at once.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ApiToken> {
        let id = expect_id(&id, "ApiToken", "id")?;
        Ok(
            domain::revoke_audited(&state(ctx).db, &state(ctx).tokens, principal(ctx)?, id)
                .await?
                .into(),
        )
    }
}
