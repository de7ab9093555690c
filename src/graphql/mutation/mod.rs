//! Mutation root: one object per area, merged.

mod catalog;
mod integrations;
mod jobs;
mod reclamation;
mod tokens;

use async_graphql::MergedObject;

pub use catalog::RuleConditionInput;

/// The root of all mutations.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    tokens::TokenMutation,
    integrations::IntegrationMutation,
    integrations::IdentifierMutation,
    integrations::LifecycleMutation,
    integrations::OAuthMutation,
    catalog::CatalogMutation,
    jobs::JobMutation,
    reclamation::ReclamationMutation,
);
