//! The exclusion rules in force during one run, loaded once.

use chrono::{DateTime, Utc};
use entity::enums::Vendor;
use entity::{
    subscription_identifier_exclusion as id_excl, subscription_user_exclusion as user_excl,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::exclusions::{is_effective, user_exclusion_matches};
use crate::error::Result;

/// What the rules say about one subscription.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    pub from_cost: bool,
    pub from_reclaim: bool,
}

impl Verdict {
    /// Excluded from both: the identifier is dropped at download.
    pub fn drops(self) -> bool {
        self.from_cost && self.from_reclaim
    }
}

/// Effective identifier exclusions of a vendor and user exclusions of all profiles.
pub struct Exclusions {
    identifiers: Vec<(String, Verdict)>,
    users: Vec<(String, Verdict)>,
}

impl Exclusions {
    pub async fn load(
        db: &impl ConnectionTrait,
        vendor: Vendor,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let identifiers = id_excl::Entity::find()
            .filter(id_excl::Column::Vendor.eq(vendor))
            .all(db)
            .await?
            .into_iter()
            .filter(|r| is_effective(r.active, r.expires_at, now))
            .map(|r| {
                (
                    r.identifier,
                    Verdict {
                        from_cost: r.exclude_from_cost,
                        from_reclaim: r.exclude_from_reclaim,
                    },
                )
            })
            .collect();
        let users = user_excl::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .filter(|r| is_effective(r.active, r.expires_at, now))
            .map(|r| {
                (
                    r.user_principal_name,
                    Verdict {
                        from_cost: r.exclude_from_cost,
                        from_reclaim: r.exclude_from_reclaim,
                    },
                )
            })
            .collect();
        Ok(Exclusions { identifiers, users })
    }

    /// The combined verdict for a subscription of `identifier` held by `upn`.
    pub fn verdict(&self, identifier: &str, upn: &str) -> Verdict {
        let mut v = Verdict::default();
        let rules = self
            .identifiers
            .iter()
            .filter(|(code, _)| code == identifier);
        let users = self
            .users
            .iter()
            .filter(|(pattern, _)| user_exclusion_matches(pattern, upn));
        for (_, rule) in rules.chain(users) {
            v.from_cost |= rule.from_cost;
            v.from_reclaim |= rule.from_reclaim;
        }
        v
    }

    /// The identifier alone is excluded from both cost and reclaim: drop its rows.
    pub fn drops_identifier(&self, identifier: &str) -> bool {
        let mut v = Verdict::default();
        for (_, rule) in self
            .identifiers
            .iter()
            .filter(|(code, _)| code == identifier)
        {
            v.from_cost |= rule.from_cost;
            v.from_reclaim |= rule.from_reclaim;
        }
        v.drops()
    }
}
