//! Which users an activity pull asks per user, within the budget, and from when: the
//! expensive calls go where an answer can change a verdict first.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::enums::ActivityKind;

use crate::connectors::UserRef;

/// Re-read this much before where a user's exact history ended, so nothing is missed.
pub(super) const OVERLAP: Duration = Duration::days(2);

/// An open subscription, as the pull needs it.
pub(super) struct OpenSub {
    pub id: i64,
    pub external_user_id: String,
    pub user_principal_name: String,
    pub identifier: String,
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// Each vendor user's exact history (`exact_activity_from`, `_to`), by external id.
pub type Histories = HashMap<String, (Option<DateTime<Utc>>, DateTime<Utc>)>;

/// Where a user's per-user calls start: where their exact history ends (less the overlap),
/// or, for a user never asked per user, the look-back (their whole history); `None` when
/// that is the query's own start.
fn own_start(
    exact: &Histories,
    user: &str,
    look_back: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let start = exact
        .get(user)
        .map_or(look_back, |(_, to)| (*to - OVERLAP).max(look_back));
    (start < since).then_some(start)
}

/// How soon a user is asked: lower first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Urgency {
    /// Never asked per user: no exact evidence at all.
    NeverAsked,
    /// Their latest known use is newer than their exact history, so it came from a coarse
    /// source (an account report's window): their verdict rests on a window until they
    /// are asked, which holds a flag back by up to its width.
    RestsOnAWindow,
    /// Asked before; the longest ago first.
    Asked,
}

/// Users holding a product with activity, within the budget: those never asked per user
/// first, then those whose latest use is known only through a coarse window (the least
/// recently active first: their verdict is nearest), then those asked longest ago, then
/// the least recently active. Each starts where their exact history ends (within the
/// look-back), so it stays without a gap.
pub(super) fn users_to_ask(
    subs: &[OpenSub],
    kinds: &HashMap<&str, &[ActivityKind]>,
    exact: &Histories,
    since: DateTime<Utc>,
    look_back: DateTime<Utc>,
    budget: usize,
) -> Vec<UserRef> {
    let mut by_user: HashMap<&str, (UserRef, Option<DateTime<Utc>>)> = HashMap::new();
    for s in subs.iter().filter(|s| {
        kinds
            .get(s.identifier.as_str())
            .is_some_and(|k| !k.is_empty())
    }) {
        let entry = by_user.entry(&s.external_user_id).or_insert_with(|| {
            let user = UserRef {
                external_user_id: s.external_user_id.clone(),
                user_principal_name: s.user_principal_name.clone(),
                identifiers: Vec::new(),
                since: own_start(exact, &s.external_user_id, look_back, since),
            };
            (user, s.last_activity_at)
        });
        entry.0.identifiers.push(s.identifier.clone());
        entry.1 = entry.1.min(s.last_activity_at);
    }
    let asked = |u: &UserRef| exact.get(u.external_user_id.as_str()).map(|(_, to)| *to);
    let urgency = |(u, last): &(UserRef, Option<DateTime<Utc>>)| match asked(u) {
        None => (Urgency::NeverAsked, None),
        Some(to) if last.is_some_and(|t| t > to) => (Urgency::RestsOnAWindow, None),
        Some(to) => (Urgency::Asked, Some(to)),
    };
    let mut users: Vec<_> = by_user.into_values().collect();
    // Within a rank: None sorts first (never seen active), then the least recently active.
    users.sort_by(|a, b| {
        urgency(a)
            .cmp(&urgency(b))
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.0.external_user_id.cmp(&b.0.external_user_id))
    });
    users.into_iter().take(budget).map(|(u, _)| u).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(user: &str, last_days_ago: Option<i64>, now: DateTime<Utc>) -> OpenSub {
        OpenSub {
            id: 0,
            external_user_id: user.into(),
            user_principal_name: format!("{user}@x"),
            identifier: "P".into(),
            last_activity_at: last_days_ago.map(|d| now - Duration::days(d)),
        }
    }

    #[test]
    fn users_whose_use_rests_on_a_window_are_asked_right_after_the_never_asked() {
        let now = Utc::now();
        let kinds: HashMap<&str, &[ActivityKind]> =
            HashMap::from([("P", &[ActivityKind::MeetingHosted][..])]);
        let subs = [
            sub("asked-long-ago", Some(100), now),
            sub("window-recent", Some(5), now),
            sub("never", Some(40), now),
            sub("window-old", Some(50), now),
            sub("asked-lately", Some(200), now),
        ];
        let exact: Histories = HashMap::from([
            (
                "asked-long-ago".to_owned(),
                (None, now - Duration::days(30)),
            ),
            ("window-recent".to_owned(), (None, now - Duration::days(20))),
            ("window-old".to_owned(), (None, now - Duration::days(60))),
            ("asked-lately".to_owned(), (None, now - Duration::days(1))),
        ]);
        let order = |budget| {
            users_to_ask(
                &subs,
                &kinds,
                &exact,
                now,
                now - Duration::days(365),
                budget,
            )
            .into_iter()
            .map(|u| u.external_user_id)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            order(10),
            [
                "never",
                "window-old",
                "window-recent",
                "asked-long-ago",
                "asked-lately"
            ]
        );
        assert_eq!(order(2), ["never", "window-old"]);
    }
}
