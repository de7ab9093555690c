//! `seatkeeper serve --demo`: the three vendor simulators in-process with seeded tenants,
//! a published profile for each pointing at them, and their first download and activity
//! pull, so a newcomer sees real data and live job streams in GraphiQL within seconds.
//! The only production code that uses the simulator crate. [`showcase`] adds an example
//! of every other concept; [`inbox`] receives the notices its notifying rule sends.

pub mod inbox;
mod showcase;

use anyhow::Context as _;
use entity::enums::{CredentialSet, JobKind, JobState, Vendor};
use entity::{connection_alias, integration_profile};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use seatkeeper_sim::{RateLimitMode, SimConfig, Simulator, Vendor as SimVendor};

use crate::domain::aliases::{self, AliasInput, CredentialsInput};
use crate::domain::profiles::{self, ProfileInput};
use crate::domain::tokens::Principal;
use crate::domain::{lifecycle, oauth};
use crate::secret::Secret;
use crate::state::AppState;

/// Users per demo tenant.
pub const DEMO_USERS: usize = 500;
const SEED: u64 = 2026;

/// The running simulators (dropping this stops them) and the notice inbox, if demo mode
/// serves one.
pub struct Demo {
    pub simulators: Vec<Simulator>,
    pub inbox: Option<(String, actix_web::dev::ServerHandle)>,
}

fn demo_actor() -> Principal {
    Principal {
        token_id: 0,
        name: "demo mode".into(),
        roles: crate::domain::tokens::ALL_ROLES.to_vec(),
    }
}

/// Starts the simulators and connects a published profile to each. Idempotent across
/// restarts: the demo aliases are re-pointed at the new simulator ports. `inbox` is the
/// notice webhook's receiver when demo mode provides it ([`inbox::Inbox::reserve_for`]).
pub async fn start(state: &AppState, inbox: Option<inbox::Inbox>) -> anyhow::Result<Demo> {
    let inbox = match inbox {
        Some(inbox) => {
            let url = inbox.url().to_owned();
            Some((url, inbox.serve().context("serving the demo notice inbox")?))
        }
        None => None,
    };
    let mut simulators = Vec::new();
    for (sim_vendor, vendor) in [
        (SimVendor::Zoom, Vendor::Zoom),
        (SimVendor::GoTo, Vendor::GoTo),
        (SimVendor::Aha, Vendor::Aha),
    ] {
        let mut config = SimConfig::new(sim_vendor)
            .users(DEMO_USERS)
            .seed(SEED)
            .rate_limit(RateLimitMode::Off);
        if vendor == Vendor::GoTo {
            config = config.foreign_license(
                showcase::FOREIGN_CODE,
                showcase::FOREIGN_NAME,
                showcase::FOREIGN_HOLDERS,
            );
        }
        let sim = Simulator::start(config)
            .await
            .with_context(|| format!("starting the {vendor} simulator"))?;
        let profile = connect(state, &sim, vendor)
            .await
            .with_context(|| format!("connecting the {vendor} demo tenant"))?;
        tracing::info!(%vendor, url = %sim.base_url(), profile, "demo tenant connected");
        simulators.push(sim);
    }
    Ok(Demo { simulators, inbox })
}

async fn connect(state: &AppState, sim: &Simulator, vendor: Vendor) -> anyhow::Result<i64> {
    let actor = demo_actor();
    let creds = sim.credentials();
    let name = format!("demo-{}", vendor.as_str().to_lowercase());
    let input = || AliasInput {
        name: Some(name.clone()),
        vendor: None,
        parent_id: None,
        cloud: None,
        base_url: Some(sim.base_url()),
        scopes: None,
        credentials: CredentialsInput {
            set: CredentialSet::Primary,
            client_id: Some(creds.client_id.clone()),
            client_secret: Some(Secret::new(creds.client_secret.clone())),
            account_id: creds.account_id.clone(),
            access_token: creds.api_key.clone().map(Secret::new),
            clear_secrets: false,
        },
    };
    let existing = connection_alias::Entity::find()
        .filter(connection_alias::Column::Name.eq(name.as_str()))
        .one(&state.db)
        .await?;
    let alias = match existing {
        Some(row) => {
            aliases::update(
                &state.db,
                &state.cipher,
                &actor,
                row.id,
                "demoConnectionAlias",
                input(),
            )
            .await
        }
        None => {
            aliases::create(
                &state.db,
                &state.cipher,
                &actor,
                AliasInput {
                    vendor: Some(vendor),
                    ..input()
                },
            )
            .await
        }
    }
    .map_err(|e| anyhow::anyhow!(e.message()))?;
    if vendor == Vendor::GoTo {
        authorize(state, &actor, alias.id).await?;
    }
    let label = match vendor {
        Vendor::Zoom => "Zoom",
        Vendor::GoTo => "GoTo",
        Vendor::Aha => "Aha!",
    };
    let display = format!("Demo {label} tenant");
    let profile = integration_profile::Entity::find()
        .filter(integration_profile::Column::DisplayName.eq(display.as_str()))
        .one(&state.db)
        .await?;
    let profile = match profile {
        Some(p) => p,
        None => profiles::create(
            &state.db,
            &actor,
            ProfileInput {
                display_name: Some(display),
                vendor: Some(vendor),
                alias_id: Some(alias.id),
                activity_look_back_days: Some(180),
                // One tenant shows candidates tracked with nothing sent to the vendor.
                reclaim: Some(vendor != Vendor::Aha),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?,
    };
    // Before the first download, which applies them.
    showcase::exclusions(state, &actor, vendor, sim).await?;
    let validation = lifecycle::validate(state, &actor, profile.id)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    anyhow::ensure!(
        validation.ok,
        "the demo tenant did not validate: {:?}",
        validation.checks
    );
    let (_, first) = lifecycle::publish(state, &actor, profile.id)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    // Before the download ends, so its reconciliation and the pull's candidates are priced,
    // and before the first pull evaluates the rules.
    showcase::entitlements(state, &actor, vendor).await?;
    showcase::rules(state, &actor, vendor).await?;
    let first = match first {
        Some(run) => run,
        None => crate::jobs::enqueue(
            state,
            Some(&actor),
            Some(profile.id),
            JobKind::DownloadSubscriptions,
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?,
    };
    // Activity after the download, so it has subscriptions to roll up into.
    let state = state.clone();
    let profile_id = profile.id;
    tokio::spawn(async move {
        let mut events = state.jobs.events.subscribe();
        while let Ok(run) = events.recv().await {
            if run.id == first.id
                && matches!(
                    run.state,
                    JobState::Succeeded | JobState::Failed | JobState::Canceled
                )
            {
                if let Err(err) = crate::jobs::enqueue(
                    &state,
                    Some(&demo_actor()),
                    Some(profile_id),
                    JobKind::PullActivity,
                    None,
                )
                .await
                {
                    tracing::warn!(err = %err.message(), "demo activity pull not queued");
                }
                break;
            }
        }
    });
    Ok(profile.id)
}

/// Runs the authorization-code flow against the simulator as a browser would.
async fn authorize(state: &AppState, actor: &Principal, alias_id: i64) -> anyhow::Result<()> {
    let url = oauth::start(state, actor, alias_id, CredentialSet::Primary)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = browser.get(&url).send().await?;
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .context("the simulator did not redirect back")?;
    let back = url::Url::parse(location)?;
    let param = |name: &str| {
        back.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let (code, flow_state) = param("code")
        .zip(param("state"))
        .context("no code in the redirect")?;
    oauth::callback(state, &code, &flow_state)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    Ok(())
}
