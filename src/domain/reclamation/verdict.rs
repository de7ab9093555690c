//! The verdict on one seat under a rule: idle with its evidence, or kept; why a product
//! cannot be judged yet (no verdict without evidence); and the state a new candidate
//! starts in.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{CandidateState, Vendor};

use super::cost::CostBasis;
use super::evidence::{Facts, VERSION};
use super::rule_settings::RuleSettings;
use super::seats::{Coverage, Seat};
use crate::connectors::{ActivitySignal, ProductInfo, known_products};

/// A verdict on one seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    Idle(Box<Facts>),
    /// In use, too young, excluded, privileged or outside the rule's condition.
    Keep,
}

/// Why a product cannot be judged with this rule now, if it cannot. For event sources the
/// verdict is taken as of the end of the pulled history, which must reach back over the
/// whole threshold.
pub(super) fn gap(
    product: &ProductInfo,
    coverage: Coverage,
    threshold_days: i32,
    now: DateTime<Utc>,
) -> Option<String> {
    match product.signal {
        ActivitySignal::None => Some("the vendor exposes no activity for this product".into()),
        ActivitySignal::LastUse => None,
        ActivitySignal::PerUser if coverage.to.is_none() => Some(
            "waiting for exact activity: the per-user pull has not reached this user yet".into(),
        ),
        ActivitySignal::PerUser => {
            let (Some(from), Some(to)) = (coverage.from, coverage.to) else {
                return Some("no activity pull has succeeded yet".into());
            };
            let cutoff = to.min(now) - Duration::days(i64::from(threshold_days));
            (from > cutoff).then(|| {
                format!(
                    "waiting for exact activity: this user's is known for too short a time for a {threshold_days}-day rule"
                )
            })
        }
        ActivitySignal::Events => match (coverage.from, coverage.to) {
            (Some(from), Some(to)) => {
                let cutoff = to.min(now) - Duration::days(i64::from(threshold_days));
                (from > cutoff).then(|| {
                    format!(
                        "activity is known from {} only; a {threshold_days}-day rule needs it from {}",
                        from.format("%Y-%m-%d"),
                        cutoff.format("%Y-%m-%d")
                    )
                })
            }
            _ => Some("no activity pull has succeeded yet".into()),
        },
    }
}

/// The verdict on one seat under `rule`, as of `now`.
pub(super) fn judge(
    seat: &Seat,
    product: &ProductInfo,
    rule: &RuleSettings,
    coverage: Coverage,
    cost: &CostBasis,
    now: DateTime<Utc>,
) -> Verdict {
    let threshold = Duration::days(i64::from(rule.threshold_days));
    // Evidence runs to when the activity was last read: the end of the pulled history, or
    // the download that carried a last-use date.
    let read_at = match product.signal {
        ActivitySignal::LastUse => seat.last_seen_at,
        ActivitySignal::Events | ActivitySignal::PerUser | ActivitySignal::None => {
            coverage.to.unwrap_or(now)
        }
    }
    .min(now);
    let cutoff = read_at - threshold;
    let born = seat.born();
    let idle = seat.last_activity_at.is_none_or(|t| t < cutoff);
    if !idle
        || born > cutoff
        || seat.privileged
        || seat.excluded_from_reclaim
        || !rule.condition.admits(&seat.email, &seat.identifier)
    {
        return Verdict::Keep;
    }
    Verdict::Idle(Box::new(Facts {
        version: VERSION,
        rule_id: rule.rule_id,
        rule_name: rule.name.clone(),
        threshold_days: rule.threshold_days,
        window_from: cutoff,
        window_to: read_at,
        last_activity_at: seat.last_activity_at,
        activity_kinds: product.activity.to_vec(),
        signal: product.signal.into(),
        born: born.date_naive(),
        condition: !rule.condition.is_empty(),
        account_created_at: seat.external_created_at,
        assigned_at: seat.assigned_at,
        monthly_price_minor: cost.monthly_price_minor,
        currency: cost.currency.clone(),
        entitlements: cost.entitlements,
        other_currencies: cost.other_currencies,
    }))
}

/// The state a new candidate starts in.
pub(super) fn first_state(product: &ProductInfo, rule: &RuleSettings) -> CandidateState {
    if product.reclaim.is_none() {
        CandidateState::AwaitingRevocation
    } else if rule.notify_user {
        // The holder answers first; keeping the seat (or, under an approval rule, silence)
        // goes to an approver.
        CandidateState::AwaitingUser
    } else if rule.require_approval {
        CandidateState::AwaitingApproval
    } else {
        CandidateState::Ready
    }
}

/// The product each identifier of the vendor is, keyed by the software model it maps to
/// (so that an identifier an admin re-mapped still finds its rule).
pub(super) fn product_of(vendor: Vendor, identifier: &str) -> Option<&'static ProductInfo> {
    known_products(vendor)
        .iter()
        .find(|p| p.identifier == identifier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reclamation::cost;
    use crate::domain::reclamation::rule_settings::Condition;

    fn seat(last: Option<i64>, born_days_ago: i64) -> Seat {
        let now = Utc::now();
        Seat {
            id: 1,
            external_user_id: "u1".into(),
            identifier: "ZOOM_MEETINGS_LICENSED".into(),
            software_model_id: Some(1),
            email: "ada@example.com".into(),
            external_created_at: Some(now - Duration::days(born_days_ago)),
            assigned_at: None,
            first_seen_at: now,
            last_seen_at: now,
            last_activity_at: last.map(|d| now - Duration::days(d)),
            privileged: false,
            excluded_from_reclaim: false,
        }
    }

    fn rule() -> RuleSettings {
        RuleSettings {
            rule_id: Some(1),
            name: "idle".into(),
            software_model_id: 1,
            threshold_days: 60,
            notify_user: false,
            require_approval: false,
            auto_reclaim: false,
            condition: Condition::default(),
            cooldown_days: 90,
            approver: None,
        }
    }

    fn covered(days: i64) -> Coverage {
        let now = Utc::now();
        Coverage {
            from: Some(now - Duration::days(days)),
            to: Some(now),
        }
    }

    fn zoom() -> &'static ProductInfo {
        product_of(Vendor::Zoom, "ZOOM_MEETINGS_LICENSED").unwrap()
    }

    fn idle(s: &Seat, r: &RuleSettings) -> bool {
        let cost = cost::basis(&[], Utc::now().date_naive());
        matches!(
            judge(s, zoom(), r, covered(90), &cost, Utc::now()),
            Verdict::Idle(_)
        )
    }

    #[test]
    fn a_seat_is_idle_only_past_the_threshold_and_older_than_it() {
        assert!(idle(&seat(Some(61), 400), &rule()));
        assert!(!idle(&seat(Some(59), 400), &rule()));
        assert!(
            idle(&seat(None, 400), &rule()),
            "never active counts from assignment"
        );
        assert!(!idle(&seat(None, 30), &rule()), "too young to judge");
    }

    #[test]
    fn admins_exclusions_and_conditions_keep_a_seat() {
        let mut s = seat(None, 400);
        s.privileged = true;
        assert!(!idle(&s, &rule()));
        let mut s = seat(None, 400);
        s.excluded_from_reclaim = true;
        assert!(!idle(&s, &rule()));
        let mut r = rule();
        r.condition.email_domains_not_in = vec!["example.com".into()];
        assert!(!idle(&seat(None, 400), &r));
        r.condition = Condition {
            email_domains_in: vec!["example.com".into()],
            ..Condition::default()
        };
        assert!(idle(&seat(None, 400), &r));
    }

    #[test]
    fn no_verdict_without_coverage_of_the_whole_threshold() {
        let now = Utc::now();
        assert!(
            gap(zoom(), covered(30), 60, now)
                .unwrap()
                .contains("60-day")
        );
        assert!(gap(zoom(), covered(61), 60, now).is_none());
        let none = Coverage {
            from: None,
            to: None,
        };
        assert!(gap(zoom(), none, 60, now).is_some());
        let training = product_of(Vendor::GoTo, "G2T").unwrap();
        assert!(gap(training, covered(400), 60, now).is_some());
        let aha = product_of(Vendor::Aha, "AHA_PAID_SEAT").unwrap();
        assert!(
            gap(aha, none, 60, now).is_none(),
            "a last-use date is its own evidence"
        );
    }

    #[test]
    fn the_first_state_follows_the_product_and_the_rule() {
        let training = product_of(Vendor::GoTo, "G2T").unwrap();
        assert_eq!(
            first_state(training, &rule()),
            CandidateState::AwaitingRevocation
        );
        assert_eq!(first_state(zoom(), &rule()), CandidateState::Ready);
        let mut r = rule();
        r.notify_user = true;
        assert_eq!(first_state(zoom(), &r), CandidateState::AwaitingUser);
        r.require_approval = true;
        assert_eq!(
            first_state(zoom(), &r),
            CandidateState::AwaitingUser,
            "told first"
        );
        r.notify_user = false;
        assert_eq!(first_state(zoom(), &r), CandidateState::AwaitingApproval);
    }
}
