//! `software_model`: publisher + product + edition, the unit rules and entitlements apply to.

use sea_orm::entity::prelude::*;

use crate::enums::Vendor;

/// One software model; (publisher, product, edition) is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "software_model")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Publisher, e.g. "Zoom".
    pub publisher: String,
    /// Product, e.g. "Zoom Meetings".
    pub product: String,
    /// Edition, e.g. "Licensed"; `""` when the product has none.
    pub edition: String,
    /// Vendor whose connector finds it.
    pub vendor: Vendor,
    /// Name shown to users.
    pub display_name: String,
    /// When the model was created.
    pub created_at: DateTimeUtc,
}

/// Relations of `software_model`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Vendor license codes that map to it.
    #[sea_orm(has_many = "super::subscription_identifier::Entity")]
    SubscriptionIdentifier,
    /// Unrecognized codes an admin mapped to it.
    #[sea_orm(has_many = "super::unrecognized_identifier::Entity")]
    UnrecognizedIdentifier,
    /// Subscriptions of this model.
    #[sea_orm(has_many = "super::software_subscription::Entity")]
    SoftwareSubscription,
    /// Its reclamation rule (at most one).
    #[sea_orm(has_one = "super::reclamation_rule::Entity")]
    ReclamationRule,
    /// Removal candidates of this model.
    #[sea_orm(has_many = "super::removal_candidate::Entity")]
    RemovalCandidate,
    /// What was bought of it.
    #[sea_orm(has_many = "super::entitlement::Entity")]
    Entitlement,
    /// Its reconciliation results.
    #[sea_orm(has_many = "super::license_position::Entity")]
    LicensePosition,
}

impl Related<super::subscription_identifier::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubscriptionIdentifier.def()
    }
}

impl Related<super::unrecognized_identifier::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UnrecognizedIdentifier.def()
    }
}

impl Related<super::software_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SoftwareSubscription.def()
    }
}

impl Related<super::reclamation_rule::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReclamationRule.def()
    }
}

impl Related<super::removal_candidate::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RemovalCandidate.def()
    }
}

impl Related<super::entitlement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Entitlement.def()
    }
}

impl Related<super::license_position::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LicensePosition.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
