//! API tokens and the caller.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::api_token;
use entity::enums::Role;

use crate::domain::tokens::{self, Principal};
use crate::graphql::relay::global_id;

/// An API token. Its value is shown once, when it is created.
#[derive(SimpleObject, Clone)]
pub struct ApiToken {
    /// Global id.
    pub id: ID,
    /// A name saying who or what uses it.
    pub name: String,
    /// What it may do.
    pub roles: Vec<Role>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last authenticated a request (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked token authenticates nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for ApiToken {
    fn from(m: api_token::Model) -> Self {
        ApiToken {
            id: global_id("ApiToken", m.id),
            roles: tokens::roles_of(&m),
            name: m.name,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// A newly created token and its value.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    /// The token.
    pub api_token: ApiToken,
    /// The bearer value. Store it now: it is never shown again.
    pub token: String,
}

/// The caller.
#[derive(SimpleObject)]
pub struct Viewer {
    /// The name of the token that authenticated this request.
    pub name: String,
    /// The token's highest role (admin, then integrator, reclaimer, viewer).
    pub role: Role,
    /// Every role the token holds.
    pub roles: Vec<Role>,
}

impl From<&Principal> for Viewer {
    fn from(p: &Principal) -> Self {
        let rank = |r: &Role| match r {
            Role::Admin => 0,
            Role::Integrator => 1,
            Role::Reclaimer => 2,
            Role::Viewer => 3,
        };
        let role = p
            .roles
            .iter()
            .min_by_key(|r| rank(r))
            .copied()
            .unwrap_or(Role::Viewer);
        Viewer {
            name: p.name.clone(),
            role,
            roles: p.roles.clone(),
        }
    }
}
