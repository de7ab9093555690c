//! `notice_attempt`: each delivery attempt of a notice and its outcome.

use sea_orm::entity::prelude::*;

/// One delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "notice_attempt")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The notice.
    pub notice_id: i64,
    /// 1 for the first attempt.
    pub number: i32,
    /// When it was made.
    pub at: DateTimeUtc,
    /// Whether the receiver accepted the notice.
    pub delivered: bool,
    /// The receiver's refusal or the transport error.
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
}

/// Relations of `notice_attempt`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The notice.
    #[sea_orm(
        belongs_to = "super::notice::Entity",
        from = "Column::NoticeId",
        to = "super::notice::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Notice,
}

impl Related<super::notice::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Notice.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
