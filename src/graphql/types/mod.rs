//! GraphQL output types, converted from domain rows; never SeaORM models themselves.

pub mod candidate;
pub mod job;
pub mod node;
pub mod profile;
pub mod subscription;
pub mod token;

pub use candidate::RemovalCandidate;
pub use job::{AuditLogEntry, JobRun, ScheduledJob};
pub use node::Node;
pub use profile::{ConnectionAlias, IntegrationProfile};
pub use subscription::{SoftwareSubscription, UnrecognizedSubscriptionIdentifier};
pub use token::{ApiToken, CreatedApiToken, Viewer};
