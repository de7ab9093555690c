//! GraphQL output types, converted from domain rows; never SeaORM models themselves.

pub mod node;
pub mod token;

pub use node::Node;
pub use token::{ApiToken, CreatedApiToken, Viewer};
