//! Why a seat was flagged: the facts a verdict rests on, as a candidate row keeps them, and
//! the evidence people read, with its texts made from those facts.
//!
//! A first evaluation of a big tenant writes tens of thousands of candidates. With every
//! text in every row, the evidence was ~650 bytes a row, two thirds of the table, and
//! writing it was a third of the evaluation's time. The facts alone take ~180 bytes; the
//! figures that have columns of their own (threshold, last activity, price, currency) are
//! not repeated in them. Candidates flagged before keep the full form, read as it was.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::ActivityKind;
use serde::{Deserialize, Serialize};

use super::cost::{self, CostBasis};
use crate::connectors::ActivitySignal;

/// Why a seat was flagged, as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub rule_id: Option<i64>,
    pub rule_name: String,
    pub threshold_days: i32,
    /// The window examined: no qualifying activity from `window_from` to `window_to`.
    pub window_from: DateTime<Utc>,
    pub window_to: DateTime<Utc>,
    /// The last qualifying activity known when flagged; `None`: never seen active.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The activity kinds the connector counts for this product.
    pub activity_kinds: Vec<ActivityKind>,
    /// Where that activity comes from, e.g. "vendor activity reports (events)".
    pub activity_source: String,
    /// What was checked and passed: account age, admin role, exclusions, the rule's
    /// condition.
    pub checks: Vec<String>,
    pub account_created_at: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub cost_basis: CostBasis,
}

/// The facts of an idle verdict. Serialized, they are what a candidate row keeps; the
/// fields marked `skip` come from the row's own columns when it is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Facts {
    /// The stored form's version: tells it apart from the full form of older rows.
    #[serde(rename = "v")]
    pub(super) version: u8,
    #[serde(rename = "r")]
    pub(super) rule_id: Option<i64>,
    #[serde(rename = "n")]
    pub(super) rule_name: String,
    #[serde(skip)]
    pub(super) threshold_days: i32,
    #[serde(rename = "f", with = "chrono::serde::ts_milliseconds")]
    pub(super) window_from: DateTime<Utc>,
    #[serde(rename = "w", with = "chrono::serde::ts_milliseconds")]
    pub(super) window_to: DateTime<Utc>,
    #[serde(skip)]
    pub(super) last_activity_at: Option<DateTime<Utc>>,
    #[serde(rename = "k")]
    pub(super) activity_kinds: Vec<ActivityKind>,
    #[serde(rename = "s")]
    pub(super) signal: Signal,
    /// When the seat began (assigned, else created, else first seen): the age check.
    #[serde(rename = "b")]
    pub(super) born: NaiveDate,
    /// Whether the rule's condition narrowed it (and this seat was within it).
    #[serde(rename = "c", default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) condition: bool,
    #[serde(
        rename = "ca",
        with = "chrono::serde::ts_seconds_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) account_created_at: Option<DateTime<Utc>>,
    #[serde(
        rename = "aa",
        with = "chrono::serde::ts_seconds_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) assigned_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub(super) monthly_price_minor: i64,
    #[serde(skip)]
    pub(super) currency: String,
    /// Entitlements that went into the price.
    #[serde(rename = "e")]
    pub(super) entitlements: i64,
    /// Currencies of other entitlements left out of the price.
    #[serde(rename = "o", default, skip_serializing_if = "is_zero")]
    pub(super) other_currencies: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// The stored form's current version.
pub(super) const VERSION: u8 = 2;

/// Where a product's activity comes from, as the facts name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Signal {
    #[serde(rename = "n")]
    None,
    #[serde(rename = "e")]
    Events,
    #[serde(rename = "u")]
    PerUser,
    #[serde(rename = "l")]
    LastUse,
}

impl From<ActivitySignal> for Signal {
    fn from(signal: ActivitySignal) -> Self {
        match signal {
            ActivitySignal::None => Signal::None,
            ActivitySignal::Events => Signal::Events,
            ActivitySignal::PerUser => Signal::PerUser,
            ActivitySignal::LastUse => Signal::LastUse,
        }
    }
}

impl Signal {
    fn text(self) -> &'static str {
        match self {
            Signal::None => "none: the vendor exposes no activity for this product",
            Signal::Events => "the vendor's account activity reports, pulled without a gap",
            Signal::PerUser => "the vendor's per-user activity, pulled for this user without a gap",
            Signal::LastUse => "the last-use date the vendor keeps on the user",
        }
    }
}

impl Facts {
    /// The cost basis the facts were judged with.
    pub(super) fn cost_basis(&self) -> CostBasis {
        CostBasis {
            monthly_price_minor: self.monthly_price_minor,
            currency: self.currency.clone(),
            entitlements: self.entitlements,
            other_currencies: self.other_currencies,
            note: cost::note(self.entitlements, self.other_currencies),
        }
    }

    /// The evidence as people read it.
    pub(super) fn evidence(&self) -> Evidence {
        let mut checks = vec![
            format!(
                "account older than the threshold (since {})",
                self.born.format("%Y-%m-%d")
            ),
            "not a vendor admin or owner".to_owned(),
            "no user or identifier exclusion from reclaim".to_owned(),
        ];
        if self.condition {
            checks.push("within the rule's condition".to_owned());
        }
        Evidence {
            rule_id: self.rule_id,
            rule_name: self.rule_name.clone(),
            threshold_days: self.threshold_days,
            window_from: self.window_from,
            window_to: self.window_to,
            last_activity_at: self.last_activity_at,
            activity_kinds: self.activity_kinds.clone(),
            activity_source: self.signal.text().to_owned(),
            checks,
            account_created_at: self.account_created_at,
            assigned_at: self.assigned_at,
            cost_basis: self.cost_basis(),
        }
    }
}

/// A candidate row's evidence: its stored facts completed from the row's columns, or the
/// full form older rows keep; `None` for rows flagged before evidence had a shape.
pub(super) fn read(row: &entity::removal_candidate::Model) -> Option<Evidence> {
    let stored = &row.evidence;
    if stored.get("v").and_then(serde_json::Value::as_u64) == Some(u64::from(VERSION)) {
        let mut facts = Facts::deserialize(stored).ok()?;
        facts.threshold_days = row.threshold_days;
        facts.last_activity_at = row.last_activity_at;
        facts.monthly_price_minor = row.potential_savings_minor;
        facts.currency = row.currency.clone();
        return Some(facts.evidence());
    }
    Evidence::deserialize(stored).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts() -> Facts {
        let at = |d| Utc.with_ymd_and_hms(2026, 1, d, 8, 30, 15).unwrap();
        Facts {
            version: VERSION,
            rule_id: Some(7),
            rule_name: "Unused for 60 days".into(),
            threshold_days: 60,
            window_from: at(2),
            window_to: at(3),
            last_activity_at: Some(at(1)),
            activity_kinds: vec![ActivityKind::MeetingHosted],
            signal: Signal::Events,
            born: NaiveDate::from_ymd_opt(2022, 11, 17).unwrap(),
            condition: true,
            account_created_at: Some(at(4)),
            assigned_at: None,
            monthly_price_minor: 1_499,
            currency: "USD".into(),
            entitlements: 2,
            other_currencies: 1,
        }
    }

    fn row(evidence: serde_json::Value) -> entity::removal_candidate::Model {
        entity::removal_candidate::Model {
            id: 1,
            subscription_id: Some(1),
            profile_id: Some(1),
            software_model_id: Some(1),
            rule_id: Some(7),
            user_principal_name: "ada@example.com".into(),
            state: entity::enums::CandidateState::Ready,
            last_activity_at: facts().last_activity_at,
            threshold_days: 60,
            evidence,
            potential_savings_minor: 1_499,
            currency: "USD".into(),
            opened_at: Utc::now(),
            notified_at: None,
            closed_at: None,
            close_reason: None,
            updated_at: Utc::now(),
            reclaim_run_id: None,
            vendor_call_at: None,
            attention_reason: None,
            vendor_code: None,
            realised_savings_minor: None,
            reclaimed_at: None,
            idle_since: Utc::now(),
            decide_by: None,
        }
    }

    #[test]
    fn stored_facts_read_back_as_the_evidence_they_were_judged_with() {
        let facts = facts();
        let stored = serde_json::to_value(&facts).unwrap();
        assert!(
            stored.get("n").is_some() && stored.get("threshold_days").is_none(),
            "{stored}"
        );
        let read = read(&row(stored)).expect("the stored form reads back");
        assert_eq!(read, facts.evidence());
        assert_eq!(read.threshold_days, 60);
        assert_eq!(read.cost_basis.monthly_price_minor, 1_499);
        assert!(read.checks.iter().any(|c| c.contains("since 2022-11-17")));
        assert!(read.checks.iter().any(|c| c.contains("condition")));
        assert!(read.cost_basis.note.unwrap().contains("1 other currencies"));
        assert_eq!(read.activity_source, Signal::Events.text());
    }

    #[test]
    fn rows_flagged_before_keep_their_full_evidence() {
        let full = facts().evidence();
        let read = read(&row(serde_json::to_value(&full).unwrap()));
        assert_eq!(read, Some(full));
        assert_eq!(read_none(), None);
    }

    fn read_none() -> Option<Evidence> {
        read(&row(serde_json::json!({ "window": 60 })))
    }

    #[test]
    fn the_stored_form_is_a_fraction_of_the_full_one() {
        let facts = facts();
        let stored = serde_json::to_string(&facts).unwrap().len();
        let full = serde_json::to_string(&facts.evidence()).unwrap().len();
        assert!(stored * 2 < full, "{stored} bytes stored, {full} in full");
    }
}
