//! Integration profiles and connection aliases.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{ProfileStatus, Vendor, VendorCloud};
use entity::{connection_alias, integration_profile};

use crate::domain::connections::{UrlSetting, endpoints};
use crate::graphql::context::state;
use crate::graphql::loaders::load;
use crate::graphql::relay::global_id;

/// One vendor tenant Seatkeeper keeps in sync.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct IntegrationProfile {
    /// Global id.
    pub id: ID,
    /// Name shown to people.
    pub display_name: String,
    /// The vendor whose admin API this profile reads.
    pub vendor: Vendor,
    /// `DRAFT` until validated and published.
    pub status: ProfileStatus,
    /// Subscriptions are always downloaded.
    pub download_subscriptions: bool,
    /// Whether user activity is downloaded (on by default).
    pub download_activity: bool,
    /// Whether removal candidates are reclaimed through the vendor; when off they are
    /// still created, never reclaimed.
    pub reclaim: bool,
    /// How many days back activity is analysed.
    pub activity_look_back_days: i32,
    /// When the connection last validated successfully.
    pub validated_at: Option<DateTime<Utc>>,
    /// The last validation's result per process, as recorded.
    pub last_validation: Option<async_graphql::Json<serde_json::Value>>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub alias_id: Option<i64>,
}

#[ComplexObject]
impl IntegrationProfile {
    /// The connection alias (credentials and endpoints) it uses.
    async fn alias(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ConnectionAlias>> {
        let Some(id) = self.alias_id else {
            return Ok(None);
        };
        Ok(load::<connection_alias::Entity>(ctx, id)
            .await?
            .map(Into::into))
    }
}

impl From<integration_profile::Model> for IntegrationProfile {
    fn from(m: integration_profile::Model) -> Self {
        IntegrationProfile {
            id: global_id("IntegrationProfile", m.id),
            display_name: m.display_name,
            vendor: m.vendor,
            status: m.status,
            download_subscriptions: true,
            download_activity: m.download_activity,
            reclaim: m.reclaim,
            activity_look_back_days: m.activity_look_back_days,
            validated_at: m.validated_at,
            last_validation: m.last_validation.map(async_graphql::Json),
            published_at: m.published_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            alias_id: m.alias_id,
        }
    }
}

/// What is stored for a second OAuth client; secrets are write-only.
#[derive(SimpleObject, Clone)]
pub struct ClientCredentialStatus {
    /// OAuth client id.
    pub client_id: Option<String>,
    /// Whether a client secret is stored.
    pub has_client_secret: bool,
    /// Whether an access token is stored.
    pub has_access_token: bool,
    /// Whether a refresh token is stored.
    pub has_refresh_token: bool,
    /// When the stored access token expires.
    pub token_expires_at: Option<DateTime<Utc>>,
}

/// The URLs a connection alias resolves to.
#[derive(SimpleObject, Clone)]
pub struct VendorEndpoints {
    /// Where API paths start (Zoom's includes `/v2`).
    pub api_url: String,
    /// OAuth token endpoint.
    pub token_url: String,
    /// OAuth authorization endpoint.
    pub authorize_url: String,
    /// GoTo Connect's API (call history); null for other vendors.
    #[graphql(name = "goToConnectUrl")]
    pub go_to_connect_url: Option<String>,
}

/// Credentials and endpoints for one vendor tenant. Secrets are write-only: only whether
/// they are set is shown.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ConnectionAlias {
    /// Global id.
    pub id: ID,
    /// Unique name.
    pub name: String,
    /// The vendor.
    pub vendor: Vendor,
    /// The named cloud as set (null: a root, the parent's setting, or the public cloud).
    pub cloud: Option<VendorCloud>,
    /// The root every URL derives from, as set (null: a named cloud or the parent's).
    pub base_url: Option<String>,
    /// OAuth client id.
    pub client_id: Option<String>,
    /// Whether a client secret is stored.
    pub has_client_secret: bool,
    /// Zoom account id (account credentials grant).
    pub account_id: Option<String>,
    /// Requested OAuth scopes, space separated.
    pub scopes: Option<String>,
    /// Whether an access token is stored.
    pub has_access_token: bool,
    /// Whether a refresh token is stored.
    pub has_refresh_token: bool,
    /// When the stored access token expires.
    pub token_expires_at: Option<DateTime<Utc>>,
    /// GoTo Connect's own OAuth client, when call history is granted to a second one (set
    /// with `setConnectionCredentials(credentials: GOTO_CONNECT)`); null when none is set.
    #[graphql(name = "goToConnect")]
    pub go_to_connect: Option<ClientCredentialStatus>,
    /// True for a child alias.
    pub is_child: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub parent_id: Option<i64>,
    #[graphql(skip)]
    pub row_id: i64,
}

#[ComplexObject]
impl ConnectionAlias {
    /// The parent alias of a child alias.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ConnectionAlias>> {
        let Some(id) = self.parent_id else {
            return Ok(None);
        };
        Ok(load::<connection_alias::Entity>(ctx, id)
            .await?
            .map(Into::into))
    }

    /// The callback to register at the vendor as the OAuth redirect URL: this server's
    /// `/oauth/callback` on its public URL (`SEATKEEPER_PUBLIC_URL`).
    async fn redirect_url(&self, ctx: &Context<'_>) -> String {
        state(ctx).settings.oauth_callback_url()
    }

    /// Every URL the alias reaches its vendor on, derived from its cloud or root (else its
    /// parent's, else the vendor's public cloud); null for an Aha! alias without its
    /// tenant's URL.
    async fn endpoints(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<VendorEndpoints>> {
        let own = UrlSetting {
            cloud: self.cloud,
            base_url: self.base_url.as_deref(),
        };
        let parent = match self.parent_id {
            Some(id) if own.cloud.is_none() && own.base_url.is_none() => {
                load::<connection_alias::Entity>(ctx, id).await?
            }
            _ => None,
        };
        Ok(
            endpoints(self.vendor, own, parent.as_ref().map(Into::into)).map(|urls| {
                VendorEndpoints {
                    api_url: urls.api_url,
                    token_url: urls.token_url,
                    authorize_url: urls.authorize_url,
                    go_to_connect_url: (self.vendor == Vendor::GoTo).then_some(urls.connect_url),
                }
            }),
        )
    }

    /// Child aliases of a parent alias.
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ConnectionAlias>> {
        let rows = crate::domain::aliases::children(&state(ctx).db, self.row_id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

impl From<connection_alias::Model> for ConnectionAlias {
    fn from(m: connection_alias::Model) -> Self {
        ConnectionAlias {
            id: global_id("ConnectionAlias", m.id),
            row_id: m.id,
            name: m.name,
            vendor: m.vendor,
            cloud: m.cloud,
            base_url: m.base_url,
            client_id: m.client_id,
            has_client_secret: m.client_secret_enc.is_some(),
            account_id: m.account_id,
            scopes: m.scopes,
            has_access_token: m.access_token_enc.is_some(),
            has_refresh_token: m.refresh_token_enc.is_some(),
            token_expires_at: m.token_expires_at,
            go_to_connect: (m.connect_client_id.is_some()
                || m.connect_client_secret_enc.is_some()
                || m.connect_access_token_enc.is_some())
            .then(|| ClientCredentialStatus {
                client_id: m.connect_client_id,
                has_client_secret: m.connect_client_secret_enc.is_some(),
                has_access_token: m.connect_access_token_enc.is_some(),
                has_refresh_token: m.connect_refresh_token_enc.is_some(),
                token_expires_at: m.connect_token_expires_at,
            }),
            is_child: m.parent_id.is_some(),
            parent_id: m.parent_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}
