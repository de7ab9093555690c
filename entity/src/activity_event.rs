//! `activity_event`: one raw thing a vendor user did, as pulled from the vendor. Compact on
//! purpose (a big tenant stores millions): the user is a `vendor_user` row, the kind a
//! small code, the time epoch milliseconds, and the row is its key.

use sea_orm::entity::prelude::*;

use crate::enums::ActivityKind;

/// One activity event, keyed by (vendor user, kind code, time).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "activity_event")]
pub struct Model {
    /// The user who did it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub vendor_user_id: i64,
    /// What they did, as [`ActivityKind::code`].
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: i16,
    /// When it happened, milliseconds since the Unix epoch.
    #[sea_orm(primary_key, auto_increment = false)]
    pub occurred_at_ms: i64,
    /// Which vendor API reported it, e.g. "zoom:report/users".
    pub source: String,
    /// The vendor's id for it (meeting id, call id), if any.
    pub external_ref: Option<String>,
}

impl Model {
    /// The kind, when the code is one this build knows.
    pub fn activity_kind(&self) -> Option<ActivityKind> {
        ActivityKind::from_code(self.kind)
    }
}

/// Relations of `activity_event`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user who did it. No database constraint (checked per row it doubled the cost
    /// of storing events): a profile's deletion removes its events itself.
    #[sea_orm(
        belongs_to = "super::vendor_user::Entity",
        from = "Column::VendorUserId",
        to = "super::vendor_user::Column::Id"
    )]
    VendorUser,
}

impl Related<super::vendor_user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VendorUser.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
