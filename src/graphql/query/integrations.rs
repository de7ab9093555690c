//! Integration profiles and connection aliases.

use async_graphql::{Context, ID, Object};
use entity::enums::{ProfileStatus, Vendor};

use crate::domain::{aliases, profiles};
use crate::graphql::context::{principal, state};
use crate::graphql::relay::{Conn, PageArgs, connection, expect_id};
use crate::graphql::types::{ConnectionAlias, IntegrationProfile};

#[derive(Default)]
pub struct IntegrationQuery;

#[Object]
impl IntegrationQuery {
    /// Integration profiles, oldest first.
    #[graphql(complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn integration_profiles(
        &self,
        ctx: &Context<'_>,
        vendor: Option<Vendor>,
        status: Option<ProfileStatus>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<Conn<IntegrationProfile>> {
        principal(ctx)?;
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let filter = profiles::ProfileFilter { vendor, status };
        let page = profiles::list(&st.db, &filter, &req).await?;
        Ok(connection(page, |m| m.id, IntegrationProfile::from))
    }

    /// Connection aliases, oldest first. Secrets are never shown.
    #[graphql(complexity = "crate::graphql::limits::page_weight(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn connection_aliases(
        &self,
        ctx: &Context<'_>,
        vendor: Option<Vendor>,
        #[graphql(desc = "Only the children of this alias.")] parent_id: Option<ID>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> async_graphql::Result<Conn<ConnectionAlias>> {
        principal(ctx)?;
        let st = state(ctx);
        let req =
            PageArgs::new(after, before, first, last).into_request(st.settings.max_page_size)?;
        let parent_id = parent_id
            .map(|id| expect_id(&id, "ConnectionAlias", "parentId"))
            .transpose()?;
        let page = aliases::list(&st.db, &aliases::AliasFilter { vendor, parent_id }, &req).await?;
        Ok(connection(page, |m| m.id, ConnectionAlias::from))
    }
}
