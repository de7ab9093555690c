//! Building the schema, with its limits; the SDL export that `schema.graphql` must equal.

use async_graphql::{Schema, SchemaBuilder};

pub use super::finish::AppSchema;
use super::limits::{MAX_COMPLEXITY, MAX_DEPTH, MAX_PARSE_NESTING};
use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;
use crate::state::AppState;

/// The schema itself; handlers run it through [`AppSchema`].
pub type RootSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_PARSE_NESTING)
}

/// The schema served by `seatkeeper serve`.
pub fn build_schema(state: AppState) -> AppSchema {
    let db = state.db.clone();
    AppSchema(
        crate::domain::lookup::register_loaders(builder(), &db)
            .data(state)
            .finish(),
    )
}

/// The SDL printed by `seatkeeper export-schema` and checked in as `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
