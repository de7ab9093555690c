//! What the download remembers about add-on licenses that cost a call per user to learn
//! (Zoom's Webinar add-on sits in each user's settings): when each user was last asked and
//! what they held. A daily download of a big tenant then asks only the users whose answer
//! has gone stale, a few thousand a day, instead of tens of thousands of calls every day.

use chrono::{DateTime, Duration, Utc};
use entity::vendor_user;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use super::{Fnv, SyncError};
use crate::connectors::{AddonCheck, DownloadHints};

/// Users per upsert statement at most; fewer on PostgreSQL, see `rows_per_statement`.
const CHUNK: usize = 256;

/// How long one user's answer stands: between half of `days` and `days`, fixed per user
/// (from a hash of the id), so that after a first download that asked everyone the
/// re-checks spread over several days instead of all falling due at once.
fn stands_for(external_user_id: &str, days: u32) -> Duration {
    let mut h = Fnv::default();
    h.field(external_user_id.as_bytes());
    let share = (h.finish() % 1_000) as i64; // 0..1000 → 50 %..100 %
    Duration::seconds(i64::from(days) * 86_400 * (1_000 + share) / 2_000)
}

/// The hints for a download at `now`: users checked within their standing time.
pub(super) async fn load_hints(
    db: &impl ConnectionTrait,
    profile_id: i64,
    now: DateTime<Utc>,
    recheck_days: u32,
) -> Result<DownloadHints, SyncError> {
    let mut hints = DownloadHints::default();
    if recheck_days == 0 {
        return Ok(hints);
    }
    let oldest = now - Duration::days(i64::from(recheck_days));
    let rows: Vec<(String, DateTime<Utc>, Option<String>)> = vendor_user::Entity::find()
        .select_only()
        .columns([
            vendor_user::Column::ExternalUserId,
            vendor_user::Column::AddonsCheckedAt,
            vendor_user::Column::KnownAddons,
        ])
        .filter(vendor_user::Column::ProfileId.eq(profile_id))
        .filter(vendor_user::Column::AddonsCheckedAt.gt(oldest))
        .into_tuple()
        .all(db)
        .await?;
    for (user, checked_at, addons) in rows {
        if now - checked_at >= stands_for(&user, recheck_days) || checked_at > now {
            continue;
        }
        let addons: Vec<String> = addons
            .unwrap_or_default()
            .split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        hints.known_addons.insert(user.clone(), addons);
        hints.addons_checked_recently.insert(user);
    }
    Ok(hints)
}

/// Records the checks a page made, in the page's transaction.
pub(super) async fn record_checks(
    db: &impl ConnectionTrait,
    profile_id: i64,
    now: DateTime<Utc>,
    checks: &[AddonCheck],
) -> Result<(), SyncError> {
    let widest = checks
        .iter()
        .map(|c| {
            let upn = c.user_principal_name.as_deref().unwrap_or_default();
            super::row_bytes(6, &[&c.external_user_id, upn, &c.addons.join(",")])
        })
        .max()
        .unwrap_or(1);
    let per_statement = super::rows_per_statement(db.get_database_backend(), CHUNK, widest);
    for chunk in checks.chunks(per_statement) {
        let rows = chunk.iter().map(|c| vendor_user::ActiveModel {
            profile_id: Set(profile_id),
            external_user_id: Set(c.external_user_id.clone()),
            user_principal_name: Set(c.user_principal_name.clone()),
            addons_checked_at: Set(Some(now)),
            known_addons: Set(Some(c.addons.join(","))),
            created_at: Set(now),
            ..Default::default()
        });
        let conflict = OnConflict::columns([
            vendor_user::Column::ProfileId,
            vendor_user::Column::ExternalUserId,
        ])
        .update_columns([
            vendor_user::Column::AddonsCheckedAt,
            vendor_user::Column::KnownAddons,
        ])
        // The vendor's current email, kept when this answer has none.
        .value(
            vendor_user::Column::UserPrincipalName,
            Expr::cust("COALESCE(excluded.user_principal_name, vendor_user.user_principal_name)"),
        )
        .to_owned();
        vendor_user::Entity::insert_many(rows)
            .on_conflict(conflict)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_stands_between_half_the_period_and_the_period_spread_per_user() {
        let week = Duration::days(7);
        let spans: Vec<Duration> = (0..1_000)
            .map(|i| stands_for(&format!("user-{i}"), 7))
            .collect();
        assert!(spans.iter().all(|d| *d >= week / 2 && *d <= week));
        // Spread: the shortest and longest differ by most of the half-week range.
        let min = spans.iter().min().unwrap();
        let max = spans.iter().max().unwrap();
        assert!(*max - *min > Duration::days(3), "{min} .. {max}");
        // Fixed per user.
        assert_eq!(stands_for("user-1", 7), stands_for("user-1", 7));
        assert_eq!(stands_for("user-1", 0), Duration::zero());
    }
}
