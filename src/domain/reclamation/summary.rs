//! Where reclamation stands: candidates per state and the savings, potential and
//! realised, per currency (never summed across currencies).

use chrono::{Datelike, TimeZone, Utc};
use entity::enums::CandidateState;
use entity::removal_candidate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Select};

use crate::error::Result;

/// Counts and savings, of one profile or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub by_state: Vec<(CandidateState, i64)>,
    /// Monthly saving of the open candidates, per currency.
    pub potential: Vec<(String, i64)>,
    /// Monthly saving of the seats reclaimed, per currency: all time and this year.
    pub realised: Vec<(String, i64)>,
    pub realised_this_year: Vec<(String, i64)>,
}

fn scoped(profile_id: Option<i64>) -> Select<removal_candidate::Entity> {
    let select = removal_candidate::Entity::find();
    match profile_id {
        Some(id) => select.filter(removal_candidate::Column::ProfileId.eq(id)),
        None => select,
    }
}

/// Sum of `column` per currency over `select` (cast: PostgreSQL sums BIGINT as NUMERIC).
async fn per_currency(
    db: &DatabaseConnection,
    select: Select<removal_candidate::Entity>,
    column: &str,
) -> Result<Vec<(String, i64)>> {
    use removal_candidate::Column as C;
    let mut rows: Vec<(String, i64)> = select
        .select_only()
        .column(C::Currency)
        .column_as(
            Expr::cust(format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)")),
            "total",
        )
        .filter(C::Currency.ne(""))
        .group_by(C::Currency)
        .into_tuple()
        .all(db)
        .await?;
    rows.sort();
    Ok(rows)
}

pub async fn summary(db: &DatabaseConnection, profile_id: Option<i64>) -> Result<Summary> {
    use removal_candidate::Column as C;
    let mut by_state: Vec<(CandidateState, i64)> = scoped(profile_id)
        .select_only()
        .column(C::State)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(C::State)
        .into_tuple()
        .all(db)
        .await?;
    by_state.sort_by_key(|(s, _)| s.as_str());
    let year_start = Utc
        .with_ymd_and_hms(Utc::now().year(), 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let complete = scoped(profile_id).filter(C::State.eq(CandidateState::ClosedComplete));
    Ok(Summary {
        by_state,
        potential: per_currency(
            db,
            scoped(profile_id).filter(C::ClosedAt.is_null()),
            "potential_savings_minor",
        )
        .await?,
        realised: per_currency(db, complete.clone(), "realised_savings_minor").await?,
        realised_this_year: per_currency(
            db,
            complete.filter(C::ReclaimedAt.gte(year_start)),
            "realised_savings_minor",
        )
        .await?,
    })
}
