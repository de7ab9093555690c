//! A rule's settings as evaluation reads them, from a stored rule or a preview's draft, and
//! the condition that narrows a rule to some seats.

use entity::reclamation_rule;
use serde::{Deserialize, Serialize};

/// Narrows a rule to some seats; empty lists do not narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    /// Only holders whose email domain is one of these (lower case).
    pub email_domains_in: Vec<String>,
    /// Never holders whose email domain is one of these.
    pub email_domains_not_in: Vec<String>,
    /// Only these subscription identifiers.
    pub identifiers: Vec<String>,
}

impl Condition {
    pub(super) fn admits(&self, email: &str, identifier: &str) -> bool {
        let domain = email
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default();
        (self.email_domains_in.is_empty() || self.email_domains_in.contains(&domain))
            && !self.email_domains_not_in.contains(&domain)
            && (self.identifiers.is_empty() || self.identifiers.iter().any(|i| i == identifier))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.email_domains_in.is_empty()
            && self.email_domains_not_in.is_empty()
            && self.identifiers.is_empty()
    }
}

/// A rule's settings as evaluation uses them (a stored rule, or a preview's draft).
#[derive(Debug, Clone)]
pub struct RuleSettings {
    pub rule_id: Option<i64>,
    pub name: String,
    pub software_model_id: i64,
    pub threshold_days: i32,
    pub notify_user: bool,
    pub require_approval: bool,
    pub auto_reclaim: bool,
    pub condition: Condition,
    /// Days a decision not to reclaim holds a seat back.
    pub cooldown_days: i32,
    /// Who is asked to decide candidates awaiting approval (an address or `webhook`).
    pub approver: Option<String>,
}

impl From<&reclamation_rule::Model> for RuleSettings {
    fn from(r: &reclamation_rule::Model) -> Self {
        RuleSettings {
            rule_id: Some(r.id),
            name: r.name.clone(),
            software_model_id: r.software_model_id,
            threshold_days: r.inactivity_threshold_days,
            notify_user: r.notify_user,
            require_approval: r.require_approval,
            auto_reclaim: r.auto_reclaim,
            cooldown_days: r.cooldown_days,
            approver: r.approver_email.clone(),
            condition: r
                .condition
                .clone()
                .and_then(|c| serde_json::from_value(c).ok())
                .unwrap_or_default(),
        }
    }
}
