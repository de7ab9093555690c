//! The catalog and commercial side (admin): software models, entitlements, reclamation
//! rules and exclusions. Each change is audited by the domain in its own transaction.

mod exclusions;
mod models;
pub(crate) mod rules;

use async_graphql::MergedObject;

pub use rules::RuleConditionInput;

/// Every catalog mutation.
#[derive(MergedObject, Default)]
pub struct CatalogMutation(
    models::ModelMutation,
    rules::RuleMutation,
    exclusions::ExclusionMutation,
);
