//! `node(id:)`: any object by its global id.

use async_graphql::{Context, ID, Object};
use entity::api_token;
use entity::enums::Role;

use crate::domain::page::find;
use crate::graphql::context::{principal, state};
use crate::graphql::relay::parse_global_id;
use crate::graphql::types::Node;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; null when it does not exist.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let who = principal(ctx)?;
        let db = &state(ctx).db;
        let (kind, raw) = parse_global_id(&id)?;
        let found = match kind.as_str() {
            "ApiToken" => {
                who.require(Role::Admin)?;
                find::<api_token::Entity>(db, raw, "ApiToken")
                    .await
                    .ok()
                    .map(|m| Node::ApiToken(m.into()))
            }
            _ => None,
        };
        Ok(found)
    }
}
