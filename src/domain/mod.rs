//! Every business rule lives here; GraphQL resolvers and job handlers only call in.

pub mod audit;
pub mod lookup;
pub mod page;
pub mod tokens;
