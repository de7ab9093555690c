//! What a connector connects with: the tenant's URLs and OAuth clients, the tokens as
//! stored, and where refreshed tokens go.

use chrono::{DateTime, Utc};
use entity::enums::{CredentialSet, Vendor};

use super::VendorUrls;
use crate::secret::Secret;

/// OAuth tokens as stored (encrypted) on the connection alias.
#[derive(Debug, Clone)]
pub struct StoredTokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Where a connector saves tokens it obtained or refreshed, for one of the alias's clients.
#[async_trait::async_trait]
pub trait TokenSink: Send + Sync {
    async fn save(&self, set: CredentialSet, tokens: &StoredTokens) -> Result<(), String>;
}

/// A second OAuth client of a connection (GoTo Connect's): its id, secret and tokens.
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub tokens: Option<StoredTokens>,
}

/// Everything a connector needs to reach one tenant.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    pub vendor: Vendor,
    /// Every URL of the tenant: API, OAuth, GoTo Connect.
    pub urls: VendorUrls,
    /// This server's OAuth callback, registered at the vendor.
    pub redirect_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// Zoom's account id for the account-credentials grant.
    pub account_id: Option<String>,
    pub scopes: Option<String>,
    pub tokens: Option<StoredTokens>,
    /// GoTo Connect's own client, when call history is granted to a second one.
    pub connect: Option<ClientCredentials>,
}

impl ConnectionConfig {
    /// The connection as one of its clients sees it: `GoToConnect` swaps in that client's
    /// id, secret and tokens (`None` when the connection has no such client).
    pub fn for_credentials(&self, set: CredentialSet) -> Option<ConnectionConfig> {
        match set {
            CredentialSet::Primary => Some(self.clone()),
            CredentialSet::GoToConnect => self.connect.as_ref().map(|c| ConnectionConfig {
                client_id: c.client_id.clone(),
                client_secret: c.client_secret.clone(),
                account_id: None,
                scopes: None,
                tokens: c.tokens.clone(),
                connect: None,
                ..self.clone()
            }),
        }
    }
}

/// A sink that keeps nothing: for validation with throw-away tokens, and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscardTokens;

#[async_trait::async_trait]
impl TokenSink for DiscardTokens {
    async fn save(&self, _set: CredentialSet, _tokens: &StoredTokens) -> Result<(), String> {
        Ok(())
    }
}
