//! Scheduled jobs and job runs, as the API reads them.

use entity::enums::{JobKind, JobState};
use entity::{job_run, scheduled_job};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::page::{self, Page, PageRequest};
use crate::error::Result;

#[derive(Debug, Default)]
pub struct JobRunFilter {
    pub profile_id: Option<i64>,
    pub kind: Option<JobKind>,
    pub state: Option<JobState>,
}

pub async fn list_runs(
    db: &DatabaseConnection,
    filter: &JobRunFilter,
    req: &PageRequest,
) -> Result<Page<job_run::Model>> {
    use job_run::Column as C;
    let mut select = job_run::Entity::find();
    if let Some(id) = filter.profile_id {
        select = select.filter(C::ProfileId.eq(id));
    }
    if let Some(kind) = filter.kind {
        select = select.filter(C::Kind.eq(kind));
    }
    if let Some(state) = filter.state {
        select = select.filter(C::State.eq(state));
    }
    page::keyset(db, select, C::Id, req).await
}

pub async fn get_run(db: &DatabaseConnection, id: i64) -> Result<job_run::Model> {
    page::find::<job_run::Entity>(db, id, "JobRun").await
}

pub async fn list_scheduled(
    db: &DatabaseConnection,
    profile_id: Option<i64>,
    req: &PageRequest,
) -> Result<Page<scheduled_job::Model>> {
    let mut select = scheduled_job::Entity::find();
    if let Some(id) = profile_id {
        select = select.filter(scheduled_job::Column::ProfileId.eq(id));
    }
    page::keyset(db, select, scheduled_job::Column::Id, req).await
}

pub async fn get_scheduled(db: &DatabaseConnection, id: i64) -> Result<scheduled_job::Model> {
    page::find::<scheduled_job::Entity>(db, id, "ScheduledJob").await
}
