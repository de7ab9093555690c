//! GraphQL output types, converted from domain rows; never SeaORM models themselves.

pub mod candidate;
pub mod date;
pub mod entitlement;
pub mod exclusion;
pub mod job;
pub mod license_position;
pub mod money;
pub mod node;
pub mod profile;
pub mod reclamation_rule;
pub mod software_model;
pub mod subscription;
pub mod summary;
pub mod token;

pub use candidate::RemovalCandidate;
pub use date::Date;
pub use entitlement::Entitlement;
pub use exclusion::{SubscriptionIdentifierExclusion, SubscriptionUserExclusion};
pub use job::{AuditLogEntry, JobRun, ScheduledJob};
pub use license_position::LicensePosition;
pub use money::Money;
pub use node::Node;
pub use profile::{ConnectionAlias, IntegrationProfile};
pub use reclamation_rule::ReclamationRule;
pub use software_model::SoftwareModel;
pub use subscription::{SoftwareSubscription, UnrecognizedSubscriptionIdentifier};
pub use summary::{LicenseSummary, Renewal};
pub use token::{ApiToken, CreatedApiToken, Viewer};
