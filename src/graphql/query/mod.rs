//! Query root: one object per area, merged.

mod catalog;
mod dashboard;
mod integrations;
mod inventory;
mod node;
mod reclamation;
mod tokens;

use async_graphql::MergedObject;

/// The root of all queries.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    node::NodeQuery,
    tokens::TokenQuery,
    integrations::IntegrationQuery,
    inventory::InventoryQuery,
    catalog::CatalogQuery,
    dashboard::DashboardQuery,
    reclamation::ReclamationQuery,
);
