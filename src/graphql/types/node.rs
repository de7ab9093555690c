//! The Relay `Node` interface: every object with a global id.

use async_graphql::{ID, Interface};

use super::{
    ApiToken, ConnectionAlias, IntegrationProfile, JobRun, RemovalCandidate, ScheduledJob,
    SoftwareSubscription, UnrecognizedSubscriptionIdentifier,
};
use super::{
    Entitlement, LicensePosition, ReclamationRule, SoftwareModel, SubscriptionIdentifierExclusion,
    SubscriptionUserExclusion,
};

/// An object that can be fetched by its global id with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "&ID", desc = "Global id."))]
pub enum Node {
    ApiToken(ApiToken),
    IntegrationProfile(IntegrationProfile),
    ConnectionAlias(ConnectionAlias),
    SoftwareSubscription(SoftwareSubscription),
    UnrecognizedSubscriptionIdentifier(UnrecognizedSubscriptionIdentifier),
    RemovalCandidate(Box<RemovalCandidate>),
    JobRun(JobRun),
    ScheduledJob(ScheduledJob),
    SoftwareModel(SoftwareModel),
    Entitlement(Entitlement),
    ReclamationRule(ReclamationRule),
    SubscriptionIdentifierExclusion(SubscriptionIdentifierExclusion),
    SubscriptionUserExclusion(SubscriptionUserExclusion),
    LicensePosition(LicensePosition),
}
