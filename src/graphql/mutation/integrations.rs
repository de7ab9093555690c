//! Integration profiles and connection aliases (integrator).

use async_graphql::{Context, ID, InputObject, Object};
use entity::enums::{CredentialSet, Role, Vendor, VendorCloud};

use crate::domain::aliases::{AliasInput, CredentialsInput};
use crate::domain::profiles::ProfileInput;
use crate::domain::{aliases, profiles};
use crate::graphql::context::{RoleGuard, principal, state};
use crate::graphql::relay::expect_id;
use crate::graphql::types::{ConnectionAlias, IntegrationProfile};
use crate::secret::Secret;

/// A new integration profile; it starts as a draft.
#[derive(InputObject)]
pub struct CreateIntegrationProfileInput {
    /// Name shown to people.
    pub display_name: String,
    /// The vendor.
    pub vendor: Vendor,
    /// The connection alias to use (same vendor).
    pub alias_id: Option<ID>,
    /// Download user activity (default true).
    pub download_activity: Option<bool>,
    /// Reclaim through the vendor (default true).
    pub reclaim: Option<bool>,
    /// Days of activity to analyse, 1 to 365 (default 60).
    pub activity_look_back_days: Option<i32>,
}

/// Changes to a profile; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateIntegrationProfileInput {
    /// Name shown to people.
    pub display_name: Option<String>,
    /// Another alias of the same vendor; a published profile returns to draft.
    pub alias_id: Option<ID>,
    /// Turning it off on a published profile returns it to draft.
    pub download_activity: Option<bool>,
    /// Reclaim through the vendor.
    pub reclaim: Option<bool>,
    /// Days of activity to analyse, 1 to 365.
    pub activity_look_back_days: Option<i32>,
}

/// A connection alias: where the vendor tenant lives. Every URL of the vendor (API, OAuth,
/// GoTo Connect) derives from one setting: a named `cloud`, or a `baseUrl` root; neither
/// means the vendor's public cloud. Credentials are set with `setConnectionCredentials`.
#[derive(InputObject)]
pub struct ConnectionAliasInput {
    /// Unique name (required on create).
    pub name: Option<String>,
    /// The vendor (required on create; cannot change).
    pub vendor: Option<Vendor>,
    /// The parent alias, making this a child alias (same vendor); a child without a cloud
    /// or root of its own uses its parent's.
    pub parent_id: Option<ID>,
    /// The vendor's named cloud, e.g. `ZOOM_GOV`; replaces `baseUrl`.
    pub cloud: Option<VendorCloud>,
    /// The root every URL derives from, the same meaning for every vendor: a host, never an
    /// API path (a trailing `/v2` is dropped). A proxy, a simulator, or an Aha! tenant
    /// (`https://acme.aha.io`, required for Aha!). Replaces `cloud`; empty returns to the
    /// vendor's public cloud.
    pub base_url: Option<String>,
    /// OAuth scopes, space separated; empty clears them.
    pub scopes: Option<String>,
}

impl ConnectionAliasInput {
    fn into_domain(self) -> async_graphql::Result<AliasInput> {
        Ok(AliasInput {
            name: self.name,
            vendor: self.vendor,
            parent_id: self
                .parent_id
                .map(|id| expect_id(&id, "ConnectionAlias", "parentId"))
                .transpose()?,
            cloud: self.cloud,
            base_url: self.base_url,
            scopes: self.scopes,
            credentials: CredentialsInput::default(),
        })
    }
}

fn alias_id(id: &ID) -> async_graphql::Result<i64> {
    Ok(expect_id(id, "ConnectionAlias", "id")?)
}

fn profile_id(id: &ID) -> async_graphql::Result<i64> {
    Ok(expect_id(id, "IntegrationProfile", "id")?)
}

#[derive(Default)]
pub struct IntegrationMutation;

#[Object]
impl IntegrationMutation {
    /// Creates a draft integration profile.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    async fn create_integration_profile(
        &self,
        ctx: &Context<'_>,
        input: CreateIntegrationProfileInput,
    ) -> async_graphql::Result<IntegrationProfile> {
        let domain = ProfileInput {
            display_name: Some(input.display_name),
            vendor: Some(input.vendor),
            alias_id: input
                .alias_id
                .map(|id| expect_id(&id, "ConnectionAlias", "aliasId"))
                .transpose()?,
            download_activity: input.download_activity,
            reclaim: input.reclaim,
            activity_look_back_days: input.activity_look_back_days,
        };
        Ok(profiles::create(&state(ctx).db, principal(ctx)?, domain)
            .await?
            .into())
    }

    /// Changes a profile.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    async fn update_integration_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateIntegrationProfileInput,
    ) -> async_graphql::Result<IntegrationProfile> {
        let domain = ProfileInput {
            display_name: input.display_name,
            vendor: None,
            alias_id: input
                .alias_id
                .map(|id| expect_id(&id, "ConnectionAlias", "aliasId"))
                .transpose()?,
            download_activity: input.download_activity,
            reclaim: input.reclaim,
            activity_look_back_days: input.activity_look_back_days,
        };
        Ok(
            profiles::update(&state(ctx).db, principal(ctx)?, profile_id(&id)?, domain)
                .await?
                .into(),
        )
    }

    /// Deletes a profile with its subscriptions and jobs; its open removal candidates are
    /// closed as skipped; reclamation rules are kept. Returns the deleted id.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    async fn delete_integration_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        crate::domain::lifecycle::delete(state(ctx), principal(ctx)?, profile_id(&id)?).await?;
        Ok(id)
    }

    /// Creates a connection alias, or a child alias when `parentId` is given.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    async fn create_connection_alias(
        &self,
        ctx: &Context<'_>,
        input: ConnectionAliasInput,
    ) -> async_graphql::Result<ConnectionAlias> {
        let st = state(ctx);
        Ok(
            aliases::create(&st.db, &st.cipher, principal(ctx)?, input.into_domain()?)
                .await?
                .into(),
        )
    }

    /// Changes a connection alias's name, parent, cloud or root, or scopes.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    async fn update_connection_alias(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ConnectionAliasInput,
    ) -> async_graphql::Result<ConnectionAlias> {
        let st = state(ctx);
        let row = aliases::update(
            &st.db,
            &st.cipher,
            principal(ctx)?,
            alias_id(&id)?,
            "updateConnectionAlias",
            input.into_domain()?,
        )
        .await?;
        Ok(row.into())
    }

    /// Sets the OAuth client credentials (and Zoom account id) of one of the alias's clients:
    /// its own, or with `credentials: GOTO_CONNECT` the second client GoTo Connect's call
    /// history may need. The secret is stored encrypted and never returned; a new secret
    /// forgets that client's tokens; `clear: true` forgets the secret and tokens.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    #[allow(clippy::too_many_arguments)]
    async fn set_connection_credentials(
        &self,
        ctx: &Context<'_>,
        alias_id: ID,
        client_id: Option<String>,
        #[graphql(secret)] client_secret: Option<String>,
        account_id: Option<String>,
        #[graphql(secret, desc = "A token used as is, e.g. an Aha! API key; write-only.")]
        access_token: Option<String>,
        #[graphql(default = false)] clear: bool,
        #[graphql(
            default_with = "CredentialSet::Primary",
            desc = "Which of the alias's clients (default its own)."
        )]
        credentials: CredentialSet,
    ) -> async_graphql::Result<ConnectionAlias> {
        let st = state(ctx);
        let id = expect_id(&alias_id, "ConnectionAlias", "aliasId")?;
        let input = AliasInput {
            credentials: CredentialsInput {
                set: credentials,
                client_id,
                client_secret: client_secret.map(Secret::new),
                account_id,
                access_token: access_token.map(Secret::new),
                clear_secrets: clear,
            },
            ..Default::default()
        };
        Ok(aliases::update(
            &st.db,
            &st.cipher,
            principal(ctx)?,
            id,
            "setConnectionCredentials",
            input,
        )
        .await?
        .into())
    }

    /// Deletes an alias that no profile and no child alias uses. Returns the deleted id.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    async fn delete_connection_alias(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        aliases::delete(&state(ctx).db, principal(ctx)?, alias_id(&id)?).await?;
        Ok(id)
    }
}

/// What mapping an identifier did.
#[derive(async_graphql::SimpleObject)]
pub struct MappedIdentifier {
    /// The identifier, now mapped.
    pub identifier: crate::graphql::types::UnrecognizedSubscriptionIdentifier,
    /// How many existing subscriptions now point at the model.
    pub subscriptions_repointed: u64,
}

#[derive(Default)]
pub struct IdentifierMutation;

#[Object]
impl IdentifierMutation {
    /// Maps an unrecognized subscription identifier to a software model of the same vendor:
    /// its subscriptions are re-pointed now and later downloads use the mapping.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn map_unrecognized_subscription_identifier(
        &self,
        ctx: &Context<'_>,
        id: ID,
        software_model_id: ID,
    ) -> async_graphql::Result<MappedIdentifier> {
        let id = expect_id(&id, "UnrecognizedSubscriptionIdentifier", "id")?;
        let model = expect_id(&software_model_id, "SoftwareModel", "softwareModelId")?;
        let (row, n) = crate::domain::identifiers::map_unrecognized(
            &state(ctx).db,
            principal(ctx)?,
            id,
            model,
        )
        .await?;
        Ok(MappedIdentifier {
            identifier: row.into(),
            subscriptions_repointed: n,
        })
    }
}

/// How one process fared during validation.
#[derive(async_graphql::SimpleObject)]
pub struct ProcessCheckResult {
    /// `DOWNLOAD_SUBSCRIPTIONS` or `PULL_ACTIVITY`.
    pub process: entity::enums::JobKind,
    /// Whether the vendor answered as expected.
    pub ok: bool,
    /// What worked, or what failed and how to fix it.
    pub message: String,
    /// The vendor's error code, when it gave one.
    pub vendor_code: Option<String>,
}

/// The outcome of `validateConnection`.
#[derive(async_graphql::SimpleObject)]
pub struct ConnectionValidation {
    /// True when every checked process works; the profile may then be published.
    pub ok: bool,
    /// One result per process (reclaim is never exercised).
    pub checks: Vec<ProcessCheckResult>,
    /// The profile, with its validation recorded.
    pub profile: IntegrationProfile,
}

/// The outcome of `publishIntegrationProfile`.
#[derive(async_graphql::SimpleObject)]
pub struct PublishedProfile {
    /// The profile, now published.
    pub profile: IntegrationProfile,
    /// Its first download, queued now (null when it was already published).
    pub first_run: Option<crate::graphql::types::JobRun>,
}

#[derive(Default)]
pub struct LifecycleMutation;

#[Object]
impl LifecycleMutation {
    /// Tests the profile's download API (and activity API when activity is on) with its
    /// credentials; never reclaim. The result is recorded on the profile.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    async fn validate_connection(
        &self,
        ctx: &Context<'_>,
        profile_id: ID,
    ) -> async_graphql::Result<ConnectionValidation> {
        let id = expect_id(&profile_id, "IntegrationProfile", "profileId")?;
        let v = crate::domain::lifecycle::validate(state(ctx), principal(ctx)?, id).await?;
        Ok(ConnectionValidation {
            ok: v.ok,
            checks: v
                .checks
                .into_iter()
                .map(|c| ProcessCheckResult {
                    process: c.process,
                    ok: c.ok,
                    message: c.message,
                    vendor_code: c.vendor_code,
                })
                .collect(),
            profile: v.profile.into(),
        })
    }

    /// Publishes a validated profile: daily download (and activity) schedules, a default
    /// reclamation rule per software model without one, and the first download now.
    #[graphql(guard = "RoleGuard(Role::Integrator)")]
    async fn publish_integration_profile(
        &self,
        ctx: &Context<'_>,
        profile_id: ID,
    ) -> async_graphql::Result<PublishedProfile> {
        let id = expect_id(&profile_id, "IntegrationProfile", "profileId")?;
        let (profile, run) =
            crate::domain::lifecycle::publish(state(ctx), principal(ctx)?, id).await?;
        Ok(PublishedProfile {
            profile: profile.into(),
            first_run: run.map(Into::into),
        })
    }
}

#[derive(Default)]
pub struct OAuthMutation;

#[Object]
impl OAuthMutation {
    /// Starts the vendor's OAuth authorization-code flow (with `state` and PKCE) for one of
    /// an alias's clients (its own, or `GOTO_CONNECT`) and returns the URL to open in a
    /// browser. The vendor redirects to `/oauth/callback`, which stores the tokens on the
    /// alias.
    #[graphql(
        name = "startOAuthAuthorization",
        guard = "RoleGuard(Role::Integrator)"
    )]
    async fn start_oauth_authorization(
        &self,
        ctx: &Context<'_>,
        alias_id: ID,
        #[graphql(
            default_with = "CredentialSet::Primary",
            desc = "Which of the alias's clients to authorize (default its own)."
        )]
        credentials: CredentialSet,
    ) -> async_graphql::Result<String> {
        let id = expect_id(&alias_id, "ConnectionAlias", "aliasId")?;
        Ok(crate::domain::oauth::start(state(ctx), principal(ctx)?, id, credentials).await?)
    }
}
