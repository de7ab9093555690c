//! Removal candidates: subscriptions a reclamation rule flagged.

use entity::enums::CandidateState;
use entity::removal_candidate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::page::{self, Page, PageRequest};
use crate::error::Result;

#[derive(Debug, Default)]
pub struct CandidateFilter {
    pub states: Option<Vec<CandidateState>>,
    pub profile_id: Option<i64>,
    pub software_model_id: Option<i64>,
}

pub async fn list(
    db: &DatabaseConnection,
    filter: &CandidateFilter,
    req: &PageRequest,
) -> Result<Page<removal_candidate::Model>> {
    use removal_candidate::Column as C;
    let mut select = removal_candidate::Entity::find();
    if let Some(states) = &filter.states {
        select = select.filter(C::State.is_in(states.iter().copied()));
    }
    if let Some(id) = filter.profile_id {
        select = select.filter(C::ProfileId.eq(id));
    }
    if let Some(id) = filter.software_model_id {
        select = select.filter(C::SoftwareModelId.eq(id));
    }
    page::keyset(db, select, C::Id, req).await
}

pub async fn get(db: &DatabaseConnection, id: i64) -> Result<removal_candidate::Model> {
    page::find::<removal_candidate::Entity>(db, id, "RemovalCandidate").await
}
