//! The GraphQL API: thin resolvers over the domain, GraphQL types converted from domain rows.

pub mod argument_errors;
pub mod context;
pub mod field_order;
pub mod finish;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod relay;
pub mod schema;
pub mod subscription;
pub mod types;

pub use schema::{AppSchema, build_schema, sdl};
