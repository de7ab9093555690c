//! The candidate rollup (kept by triggers: per row on SQLite, per statement on
//! PostgreSQL) always equals what the candidates add up to, after single-row writes and
//! after statements that move many candidates at once, including ones that touch no
//! watched column.

use std::collections::BTreeMap;

use chrono::{Datelike, Utc};
use entity::enums::{CandidateState, ProfileStatus, Vendor};
use entity::removal_candidate::{self, Column as C};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

use crate::fixtures::{self, Sub};
use crate::helpers::TestApp;

type Key = (i64, i64, String, i32);

/// The rollup's rows that hold anything (a group emptied out may leave a zero row).
async fn rollup(app: &TestApp) -> BTreeMap<Key, (i64, i64)> {
    let db = &app.state.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT profile_key, model_key, currency, reclaim_year, candidates, savings_minor \
             FROM candidate_rollup",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                (
                    r.try_get::<i64>("", "profile_key").unwrap(),
                    r.try_get::<i64>("", "model_key").unwrap(),
                    r.try_get::<String>("", "currency").unwrap(),
                    r.try_get::<i32>("", "reclaim_year").unwrap(),
                ),
                (
                    r.try_get::<i64>("", "candidates").unwrap(),
                    r.try_get::<i64>("", "savings_minor").unwrap(),
                ),
            )
        })
        .filter(|(_, v)| *v != (0, 0))
        .collect()
}

/// What the candidates add up to, worked out here.
async fn truth(app: &TestApp) -> BTreeMap<Key, (i64, i64)> {
    let mut out: BTreeMap<Key, (i64, i64)> = BTreeMap::new();
    for c in removal_candidate::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
    {
        let (p, m) = (c.profile_id.unwrap_or(0), c.software_model_id.unwrap_or(0));
        if c.closed_at.is_none() {
            let e = out.entry((p, m, c.currency.clone(), 0)).or_default();
            e.0 += 1;
            e.1 += c.potential_savings_minor;
        }
        if let (CandidateState::ClosedComplete, Some(amount), Some(at)) =
            (c.state, c.realised_savings_minor, c.reclaimed_at)
        {
            let e = out
                .entry((p, m, c.currency.clone(), at.year()))
                .or_default();
            e.0 += 1;
            e.1 += amount;
        }
    }
    out
}

async fn check(app: &TestApp, after: &str) {
    assert_eq!(rollup(app).await, truth(app).await, "after {after}");
}

async fn the_candidate_rollup_adds_up_after_bulk_moves(app: TestApp) {
    let db = &app.state.db;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let profile = fixtures::profile(db, Vendor::Zoom, ProfileStatus::Published).await;
        for i in 0..20 {
            let upn = format!("p{}-u{i}@example.com", profile.id);
            let sub = fixtures::subscription(
                db,
                profile.id,
                Sub {
                    upn: &upn,
                    last_activity_days_ago: None,
                    excluded: false,
                    closed: false,
                },
            )
            .await;
            let c = fixtures::candidate(db, profile.id, sub.id, CandidateState::Ready).await;
            ids.push(c.id);
        }
    }
    check(&app, "single-row inserts").await;
    assert_eq!(rollup(&app).await.len(), 2, "one open group per profile");

    // A reclaim closes a third of them with their realised saving, in one statement.
    let now = Utc::now();
    let third: Vec<i64> = ids.iter().copied().step_by(3).collect();
    removal_candidate::Entity::update_many()
        .col_expr(C::State, Expr::value(CandidateState::ClosedComplete))
        .col_expr(C::ClosedAt, Expr::value(now))
        .col_expr(C::ReclaimedAt, Expr::value(now))
        .col_expr(C::RealisedSavingsMinor, Expr::value(1200))
        .filter(C::Id.is_in(third.clone()))
        .exec(db)
        .await
        .unwrap();
    check(&app, "closing many").await;

    // Notices go out: no watched column changes, nothing moves.
    let before = rollup(&app).await;
    removal_candidate::Entity::update_many()
        .col_expr(C::NotifiedAt, Expr::value(now))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(
        rollup(&app).await,
        before,
        "an unwatched update moves nothing"
    );

    // Prices change currency for some open and some closed ones.
    removal_candidate::Entity::update_many()
        .col_expr(C::Currency, Expr::value("EUR"))
        .col_expr(C::PotentialSavingsMinor, Expr::value(999))
        .filter(C::Id.is_in(ids.iter().copied().step_by(2).collect::<Vec<_>>()))
        .exec(db)
        .await
        .unwrap();
    check(&app, "moving between currencies").await;

    // A profile deleted: its candidates lose the link (key 0), savings stay.
    let first_profile = removal_candidate::Entity::find_by_id(ids[0])
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .profile_id;
    removal_candidate::Entity::update_many()
        .col_expr(C::ProfileId, Expr::value(Option::<i64>::None))
        .filter(C::ProfileId.eq(first_profile))
        .exec(db)
        .await
        .unwrap();
    check(&app, "losing the profile").await;

    // Deleted in bulk, open and closed alike.
    removal_candidate::Entity::delete_many()
        .filter(C::Id.is_in(ids.iter().copied().step_by(5).collect::<Vec<_>>()))
        .exec(db)
        .await
        .unwrap();
    check(&app, "deleting many").await;
    assert!(!rollup(&app).await.is_empty());
}
crate::db_test!(the_candidate_rollup_adds_up_after_bulk_moves);
