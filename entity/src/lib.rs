#![forbid(unsafe_code)]
//! Seatkeeper's SeaORM entities: one module per table, plus the shared enums.

pub mod enums;

pub mod activity_event;
pub mod api_token;
pub mod audit_log;
pub mod connection_alias;
pub mod entitlement;
pub mod integration_profile;
pub mod job_run;
pub mod job_run_attempt;
pub mod license_position;
pub mod license_position_amount;
pub mod notice;
pub mod notice_attempt;
pub mod oauth_state;
pub mod reclamation_rule;
pub mod removal_candidate;
pub mod removal_candidate_event;
pub mod scheduled_job;
pub mod software_model;
pub mod software_subscription;
pub mod subscription_identifier;
pub mod subscription_identifier_exclusion;
pub mod subscription_user_exclusion;
pub mod unrecognized_identifier;
pub mod vendor_user;

/// Every `Entity` under its table's name, e.g. `SoftwareSubscription`.
pub mod prelude {
    pub use super::activity_event::Entity as ActivityEvent;
    pub use super::api_token::Entity as ApiToken;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::connection_alias::Entity as ConnectionAlias;
    pub use super::entitlement::Entity as Entitlement;
    pub use super::integration_profile::Entity as IntegrationProfile;
    pub use super::job_run::Entity as JobRun;
    pub use super::job_run_attempt::Entity as JobRunAttempt;
    pub use super::license_position::Entity as LicensePosition;
    pub use super::license_position_amount::Entity as LicensePositionAmount;
    pub use super::notice::Entity as Notice;
    pub use super::notice_attempt::Entity as NoticeAttempt;
    pub use super::reclamation_rule::Entity as ReclamationRule;
    pub use super::removal_candidate::Entity as RemovalCandidate;
    pub use super::removal_candidate_event::Entity as RemovalCandidateEvent;
    pub use super::scheduled_job::Entity as ScheduledJob;
    pub use super::software_model::Entity as SoftwareModel;
    pub use super::software_subscription::Entity as SoftwareSubscription;
    pub use super::subscription_identifier::Entity as SubscriptionIdentifier;
    pub use super::subscription_identifier_exclusion::Entity as SubscriptionIdentifierExclusion;
    pub use super::subscription_user_exclusion::Entity as SubscriptionUserExclusion;
    pub use super::unrecognized_identifier::Entity as UnrecognizedIdentifier;
    pub use super::vendor_user::Entity as VendorUser;
}
