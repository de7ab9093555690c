//! The caller and the API tokens.

use async_graphql::{Context, Object};
use entity::enums::Role;

use crate::domain::tokens as domain;
use crate::graphql::context::{RoleGuard, principal, state};
use crate::graphql::relay::{Conn, PageArgs, connection};
use crate::graphql::types::{ApiToken, Viewer};

#[derive(Default)]
pub struct TokenQuery;

#[Object]
impl TokenQuery {
    /// Who is calling, and with which roles.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        Ok(principal(ctx)?.into())
    }

    /// API tokens, oldest first (admin only).
    #[graphql(
        guard = "RoleGuard(Role::Admin)",
        complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity"
    )]
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(desc = "Include revoked tokens.", default = false)] include_revoked: bool,
    ) -> async_graphql::Result<Conn<ApiToken>> {
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let page = domain::list(&st.db, include_revoked, &req).await?;
        Ok(connection(page, |m| m.id, ApiToken::from))
    }
}
