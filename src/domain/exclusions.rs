//! Exclusion rules: subscription identifiers (per vendor, dropped at download) and users
//! (by user principal name, across all profiles) to leave out of cost, reclaim or both.

pub mod identifiers;
pub mod users;

use chrono::{DateTime, Utc};

use crate::domain::software_models::MAX_NAME_LEN;
use crate::error::{AppError, Result};

/// Longest reason kept.
pub const MAX_REASON_LEN: usize = 500;

/// What an exclusion does, shared by both kinds.
#[derive(Debug, Clone)]
pub struct ExclusionTerms {
    pub exclude_from_cost: bool,
    pub exclude_from_reclaim: bool,
    pub reason: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub active: bool,
}

/// Changes to the terms. `reason` and `expires_at` are doubly optional: `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct TermsPatch {
    pub exclude_from_cost: Option<bool>,
    pub exclude_from_reclaim: Option<bool>,
    pub reason: Option<Option<String>>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub active: Option<bool>,
}

impl TermsPatch {
    /// Names of the fields the patch sets, for the audit log.
    pub(crate) fn changed(&self) -> Vec<&'static str> {
        [
            ("excludeFromCost", self.exclude_from_cost.is_some()),
            ("excludeFromReclaim", self.exclude_from_reclaim.is_some()),
            ("reason", self.reason.is_some()),
            ("expiresAt", self.expires_at.is_some()),
            ("active", self.active.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// Stored terms after validation.
pub(crate) struct CheckedTerms {
    pub exclude_from_cost: bool,
    pub exclude_from_reclaim: bool,
    pub reason: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub active: bool,
}

/// Validates new terms. An expiry must lie ahead: one in the past would never apply.
pub(crate) fn check_terms(terms: &ExclusionTerms, now: DateTime<Utc>) -> Result<CheckedTerms> {
    check_expiry(terms.expires_at, now)?;
    merge_terms(
        &CheckedTerms {
            exclude_from_cost: terms.exclude_from_cost,
            exclude_from_reclaim: terms.exclude_from_reclaim,
            reason: None,
            expires_at: terms.expires_at,
            active: terms.active,
        },
        &TermsPatch {
            reason: Some(terms.reason.clone()),
            ..Default::default()
        },
        now,
    )
}

/// Applies a patch to stored terms. Only a newly set expiry must lie ahead: a stored one
/// that has passed simply means the exclusion no longer applies.
pub(crate) fn merge_terms(
    stored: &CheckedTerms,
    patch: &TermsPatch,
    now: DateTime<Utc>,
) -> Result<CheckedTerms> {
    let exclude_from_cost = patch.exclude_from_cost.unwrap_or(stored.exclude_from_cost);
    let exclude_from_reclaim = patch
        .exclude_from_reclaim
        .unwrap_or(stored.exclude_from_reclaim);
    if !exclude_from_cost && !exclude_from_reclaim {
        return Err(AppError::bad_input(
            "excludeFromCost",
            "exclude from cost, from reclaim or both: excluding from neither does nothing",
        ));
    }
    let reason = match &patch.reason {
        Some(reason) => check_reason(reason.as_deref())?,
        None => stored.reason.clone(),
    };
    let expires_at = match patch.expires_at {
        Some(expires_at) => {
            check_expiry(expires_at, now)?;
            expires_at
        }
        None => stored.expires_at,
    };
    Ok(CheckedTerms {
        exclude_from_cost,
        exclude_from_reclaim,
        reason,
        expires_at,
        active: patch.active.unwrap_or(stored.active),
    })
}

fn check_reason(reason: Option<&str>) -> Result<Option<String>> {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if reason.chars().count() > MAX_REASON_LEN {
        return Err(AppError::bad_input(
            "reason",
            format!("must be at most {MAX_REASON_LEN} characters"),
        ));
    }
    Ok(Some(reason.to_owned()))
}

fn check_expiry(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<()> {
    match expires_at {
        Some(at) if at <= now => Err(AppError::bad_input("expiresAt", "must be in the future")),
        _ => Ok(()),
    }
}

/// Whether an exclusion applies at `now`: switched on and not expired.
pub fn is_effective(active: bool, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    active && expires_at.is_none_or(|at| at > now)
}

/// Checks and normalizes a user principal name pattern: an email (`name@example.com`) or a
/// whole domain (`*@example.com`), lower-cased.
pub fn normalize_user_pattern(raw: &str) -> Result<String> {
    let bad = || {
        AppError::bad_input(
            "userPrincipalName",
            "must be an email like name@example.com or a domain pattern like *@example.com",
        )
    };
    let upn = raw.trim().to_lowercase();
    if upn.len() > 254 {
        return Err(bad());
    }
    let (local, domain) = upn.split_once('@').ok_or_else(bad)?;
    let local_ok = local == "*"
        || (!local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'+-/=?^_`{|}~".contains(c)));
    if !local_ok || !is_domain(domain) {
        return Err(bad());
    }
    Ok(upn)
}

/// `example.com`, `mail.example.co.uk`: dot-separated labels of letters, digits and inner
/// hyphens, ending in an alphabetic top-level domain of two letters or more.
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

/// Whether a user exclusion's pattern covers `upn`, ignoring case: an email matches itself,
/// `*@example.com` matches every address at exactly that domain (not its subdomains).
pub fn user_exclusion_matches(pattern: &str, upn: &str) -> bool {
    let upn = upn.trim();
    match pattern.strip_prefix("*@") {
        Some(domain) => upn
            .rsplit_once('@')
            .is_some_and(|(local, d)| !local.is_empty() && d.eq_ignore_ascii_case(domain)),
        None => pattern.eq_ignore_ascii_case(upn),
    }
}

/// Checks a vendor license code: 1 to 200 characters, kept as the vendor spells it.
pub(crate) fn check_identifier(raw: &str) -> Result<String> {
    let identifier = raw.trim();
    if identifier.is_empty() || identifier.chars().count() > MAX_NAME_LEN {
        return Err(AppError::bad_input(
            "identifier",
            format!("must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    Ok(identifier.to_owned())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn an_email_matches_only_itself_ignoring_case() {
        assert!(user_exclusion_matches("ann@example.com", "ann@example.com"));
        assert!(user_exclusion_matches("ann@example.com", "Ann@Example.COM"));
        assert!(!user_exclusion_matches(
            "ann@example.com",
            "anna@example.com"
        ));
        assert!(!user_exclusion_matches(
            "ann@example.com",
            "ann@example.org"
        ));
    }

    #[test]
    fn a_domain_pattern_matches_every_user_of_exactly_that_domain() {
        let p = "*@example.com";
        assert!(user_exclusion_matches(p, "ann@example.com"));
        assert!(user_exclusion_matches(p, "BOB@EXAMPLE.COM"));
        assert!(!user_exclusion_matches(p, "ann@sub.example.com"));
        assert!(!user_exclusion_matches(p, "ann@notexample.com"));
        assert!(!user_exclusion_matches(p, "@example.com"));
        assert!(!user_exclusion_matches(p, "example.com"));
    }

    #[test]
    fn patterns_are_emails_or_domain_wildcards_lower_cased() {
        assert_eq!(
            normalize_user_pattern(" Ann.Lee+zoom@Example.COM ").unwrap(),
            "ann.lee+zoom@example.com"
        );
        assert_eq!(
            normalize_user_pattern("*@Mail.Example.co.uk").unwrap(),
            "*@mail.example.co.uk"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "a@b@example.com",
            "ann smith@example.com",
            "*ann@example.com",
            "a*@example.com",
            "*",
            "*@*",
            "*@*.example.com",
            ".ann@example.com",
            "ann..lee@example.com",
            "ann@-example.com",
            "ann@example..com",
            "ann@example.c0m",
            "ann@example.c",
        ] {
            assert!(normalize_user_pattern(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn an_exclusion_must_exclude_from_something_and_expire_ahead() {
        let now = Utc::now();
        let terms = |cost, reclaim, expires_at| ExclusionTerms {
            exclude_from_cost: cost,
            exclude_from_reclaim: reclaim,
            reason: Some("  ".into()),
            expires_at,
            active: true,
        };
        let field = |r: Result<CheckedTerms>| match r {
            Err(AppError::BadUserInput { field, .. }) => field,
            _ => panic!("expected BAD_USER_INPUT"),
        };
        let ok = check_terms(&terms(true, false, None), now).unwrap();
        assert_eq!(ok.reason, None);
        assert_eq!(
            field(check_terms(&terms(false, false, None), now)),
            "excludeFromCost"
        );
        let past = Some(now - Duration::seconds(1));
        assert_eq!(
            field(check_terms(&terms(true, true, past), now)),
            "expiresAt"
        );
        // A stored expiry that has passed does not block other edits.
        let stored = CheckedTerms {
            expires_at: past,
            ..check_terms(&terms(true, true, None), now).unwrap()
        };
        let patch = TermsPatch {
            active: Some(false),
            ..Default::default()
        };
        assert!(merge_terms(&stored, &patch, now).is_ok());
    }

    #[test]
    fn an_exclusion_applies_while_active_and_unexpired() {
        let now = Utc::now();
        assert!(is_effective(true, None, now));
        assert!(is_effective(true, Some(now + Duration::days(1)), now));
        assert!(!is_effective(true, Some(now), now));
        assert!(!is_effective(false, None, now));
    }
}
