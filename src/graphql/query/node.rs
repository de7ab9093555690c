//! `node(id:)`: any object by its global id.

use async_graphql::{Context, ID, Object};
use entity::enums::Role;

use crate::domain::exclusions::{identifiers, users};
use crate::domain::{aliases, jobs, profiles, reclamation, subscriptions, tokens};
use crate::domain::{entitlements, reclamation_rules, reconciliation, software_models};
use crate::error::{AppError, Result};
use crate::graphql::context::{principal, state};
use crate::graphql::relay::parse_global_id;
use crate::graphql::types::{Node, RemovalCandidate};

/// `NOT_FOUND` becomes null, as Relay expects; other failures stay errors.
fn found<M, T: From<M>>(result: Result<M>, wrap: impl FnOnce(T) -> Node) -> Result<Option<Node>> {
    match result {
        Ok(row) => Ok(Some(wrap(T::from(row)))),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; null when it does not exist.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let who = principal(ctx)?;
        let db = &state(ctx).db;
        let (kind, raw) = parse_global_id(&id)?;
        let node = match kind.as_str() {
            "ApiToken" => {
                who.require(Role::Admin)?;
                found(tokens::get(db, raw).await, Node::ApiToken)?
            }
            "IntegrationProfile" => found(profiles::get(db, raw).await, Node::IntegrationProfile)?,
            "ConnectionAlias" => found(aliases::get(db, raw).await, Node::ConnectionAlias)?,
            "SoftwareSubscription" => found(
                subscriptions::get(db, raw).await,
                Node::SoftwareSubscription,
            )?,
            "UnrecognizedSubscriptionIdentifier" => found(
                subscriptions::get_unrecognized(db, raw).await,
                Node::UnrecognizedSubscriptionIdentifier,
            )?,
            "RemovalCandidate" => found(reclamation::get(db, raw).await, |c: RemovalCandidate| {
                Node::RemovalCandidate(Box::new(c))
            })?,
            "JobRun" => found(jobs::get_run(db, raw).await, Node::JobRun)?,
            "ScheduledJob" => found(jobs::get_scheduled(db, raw).await, Node::ScheduledJob)?,
            "SoftwareModel" => found(software_models::get(db, raw).await, Node::SoftwareModel)?,
            "Entitlement" => found(entitlements::get(db, raw).await, Node::Entitlement)?,
            "ReclamationRule" => {
                found(reclamation_rules::get(db, raw).await, Node::ReclamationRule)?
            }
            "SubscriptionIdentifierExclusion" => found(
                identifiers::get(db, raw).await,
                Node::SubscriptionIdentifierExclusion,
            )?,
            "SubscriptionUserExclusion" => {
                found(users::get(db, raw).await, Node::SubscriptionUserExclusion)?
            }
            "LicensePosition" => found(reconciliation::get(db, raw).await, Node::LicensePosition)?,
            _ => None,
        };
        Ok(node)
    }
}
