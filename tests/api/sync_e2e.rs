//! The whole path for each vendor, through GraphQL only: alias and credentials → validate →
//! publish (first download) → activity → a second download, against the simulators.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::enums::JobState;
use entity::{software_subscription as sub, vendor_user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use seatkeeper::graphql::relay::expect_id;
use seatkeeper_sim::{Product, RateLimitMode, SimConfig, Simulator, Vendor as SimVendor};
use serde_json::json;

use crate::connectors::{identifier, truth_rows};
use crate::helpers::{Db, TestApp, spawn_app_with};
use crate::jobs_support::wait_final;

const USERS: usize = 40;

pub async fn app_and_sim(db: Db, vendor: SimVendor) -> (TestApp, Simulator) {
    let sim = Simulator::start(
        SimConfig::new(vendor)
            .users(USERS)
            .seed(5)
            .rate_limit(RateLimitMode::Off),
    )
    .await
    .unwrap();
    let app = spawn_app_with(db, &[("SEATKEEPER_VENDOR_RATE_LIMIT", "off")]).await;
    (app, sim)
}

fn vendor_name(vendor: SimVendor) -> &'static str {
    match vendor {
        SimVendor::Zoom => "ZOOM",
        SimVendor::GoTo => "GOTO",
        SimVendor::Aha => "AHA",
    }
}

/// Creates an alias pointing at the simulator and gets it credentials the vendor's way:
/// Zoom's account credentials, GoTo's authorization code (through `/oauth/callback`),
/// Aha!'s API key.
pub async fn connect(app: &TestApp, sim: &Simulator) -> String {
    let vendor = sim.vendor();
    let creds = sim.credentials();
    let resp = app
        .gql(
            "mutation($input: ConnectionAliasInput!) { createConnectionAlias(input: $input) { id } }",
            json!({ "input": {
                "name": format!("{} sim", vendor_name(vendor)), "vendor": vendor_name(vendor),
                "baseUrl": sim.base_url(),
            } }),
        )
        .await;
    let alias = resp.data()["createConnectionAlias"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql(
        "mutation($a: ID!, $id: String, $secret: String, $account: String) { setConnectionCredentials(aliasId: $a, clientId: $id, clientSecret: $secret, accountId: $account) { id } }",
        json!({ "a": alias, "id": creds.client_id, "secret": creds.client_secret, "account": creds.account_id }),
    )
    .await
    .data();
    match vendor {
        SimVendor::Zoom => {}
        SimVendor::Aha => {
            let resp = app
                .gql(
                    "mutation($a: ID!, $t: String!) { setConnectionCredentials(aliasId: $a, accessToken: $t) { hasAccessToken } }",
                    json!({ "a": alias, "t": creds.api_key.unwrap() }),
                )
                .await;
            assert_eq!(
                resp.data()["setConnectionCredentials"]["hasAccessToken"],
                true
            );
        }
        SimVendor::GoTo => authorize_in_browser(app, &alias, "PRIMARY").await,
    }
    alias
}

/// Authorizes one of the alias's clients as an admin's browser would: Seatkeeper's authorize
/// URL, the vendor's redirect back to `/oauth/callback`, which stores the tokens.
pub async fn authorize_in_browser(app: &TestApp, alias: &str, credentials: &str) {
    let resp = app
        .gql(
            "mutation($a: ID!, $c: CredentialSet!) { startOAuthAuthorization(aliasId: $a, credentials: $c) }",
            json!({ "a": alias, "c": credentials }),
        )
        .await;
    let url = resp.data()["startOAuthAuthorization"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        url.contains("code_challenge=") && url.contains("state="),
        "{url}"
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let at_vendor = browser.get(&url).send().await.unwrap();
    let back = at_vendor.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&format!("{}/oauth/callback", app.address)),
        "{back}"
    );
    let page = browser.get(&back).send().await.unwrap();
    assert_eq!(page.status(), 200, "{}", page.text().await.unwrap());
    // The same state cannot be used twice.
    assert_eq!(browser.get(&back).send().await.unwrap().status(), 400);
}

pub async fn create_profile(app: &TestApp, vendor: SimVendor, alias: &str) -> String {
    let resp = app
        .gql(
            "mutation($input: CreateIntegrationProfileInput!) { createIntegrationProfile(input: $input) { id } }",
            json!({ "input": { "displayName": "sim tenant", "vendor": vendor_name(vendor), "aliasId": alias, "activityLookBackDays": 365 } }),
        )
        .await;
    resp.data()["createIntegrationProfile"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Validates the profile's connection and publishes it: its first run, once it ended.
pub async fn publish_first_run(app: &TestApp, profile: &str) -> entity::job_run::Model {
    let ok = app
        .gql(
            "mutation($p: ID!) { validateConnection(profileId: $p) { ok } }",
            json!({ "p": profile }),
        )
        .await;
    assert_eq!(ok.data()["validateConnection"]["ok"], true, "{}", ok.body);
    let published = app
        .gql(
            "mutation($p: ID!) { publishIntegrationProfile(profileId: $p) { firstRun { id } } }",
            json!({ "p": profile }),
        )
        .await;
    let first = expect_id(
        &published.data()["publishIntegrationProfile"]["firstRun"]["id"]
            .as_str()
            .unwrap()
            .into(),
        "JobRun",
        "id",
    )
    .unwrap();
    wait_final(&app.state, first).await
}

pub async fn run_and_wait(app: &TestApp, mutation: &str, profile: &str) -> entity::job_run::Model {
    let resp = app
        .gql(
            &format!("mutation($p: ID!) {{ {mutation}(profileId: $p) {{ id }} }}"),
            json!({ "p": profile }),
        )
        .await;
    let id = expect_id(
        &resp.data()[mutation]["id"].as_str().unwrap().into(),
        "JobRun",
        "id",
    )
    .unwrap();
    wait_final(&app.state, id).await
}

pub async fn stored(app: &TestApp, profile_id: i64) -> Vec<sub::Model> {
    sub::Entity::find()
        .filter(sub::Column::ProfileId.eq(profile_id))
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn whole_path(db: Db, vendor: SimVendor) {
    let (app, sim) = app_and_sim(db, vendor).await;
    let alias = connect(&app, &sim).await;
    let profile = create_profile(&app, vendor, &alias).await;
    let profile_id = expect_id(&profile.as_str().into(), "IntegrationProfile", "id").unwrap();

    let early = app
        .gql(
            "mutation($p: ID!) { publishIntegrationProfile(profileId: $p) { profile { status } } }",
            json!({ "p": profile }),
        )
        .await;
    assert_eq!(
        early.error_field(),
        "profileId",
        "publishing needs a validation first"
    );
    let validation = app
        .gql("mutation($p: ID!) { validateConnection(profileId: $p) { ok checks { process ok message vendorCode } } }", json!({ "p": profile }))
        .await;
    assert_eq!(
        validation.data()["validateConnection"]["ok"],
        true,
        "{}",
        validation.body
    );
    let reclaims_before = sim.reclaimed().len();

    let published = app
        .gql("mutation($p: ID!) { publishIntegrationProfile(profileId: $p) { profile { status } firstRun { id state } } }", json!({ "p": profile }))
        .await;
    let data = &published.data()["publishIntegrationProfile"];
    assert_eq!(data["profile"]["status"], "PUBLISHED");
    let first = expect_id(
        &data["firstRun"]["id"].as_str().unwrap().into(),
        "JobRun",
        "id",
    )
    .unwrap();
    let run = wait_final(&app.state, first).await;
    assert_eq!(run.state, JobState::Succeeded, "{:?}", run.error);

    // Subscriptions equal the vendor's truth: every (user, license, privileged) once.
    let truth = sim.truth();
    let rows = stored(&app, profile_id).await;
    let mut mine: Vec<(String, String, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.external_user_id.clone(),
                r.identifier.clone(),
                r.is_privileged,
            )
        })
        .collect();
    mine.sort();
    assert_eq!(mine, truth_rows(&truth));
    assert_eq!(run.created as usize, rows.len());
    assert!(
        rows.iter().all(|r| r.software_model_id.is_some()),
        "known identifiers get their model"
    );

    // Publishing made the schedules and a rule per model of the vendor.
    let listed = app
        .gql("query($p: ID!) { scheduledJobs(profileId: $p) { totalCount } reclamationRules { totalCount } }", json!({ "p": profile }))
        .await;
    assert_eq!(listed.data()["scheduledJobs"]["totalCount"], 3);
    assert!(
        listed.data()["reclamationRules"]["totalCount"]
            .as_u64()
            .unwrap()
            >= 1
    );

    // Activity: last activity per subscription equals the latest the vendor can report.
    let activity = run_and_wait(&app, "runPullActivity", &profile).await;
    assert_eq!(activity.state, JobState::Succeeded, "{:?}", activity.error);
    let expected: BTreeMap<(String, String), Option<DateTime<Utc>>> = truth
        .users
        .iter()
        .flat_map(|u| {
            u.subscriptions
                .iter()
                .map(move |s| ((u.id.clone(), identifier(s.product).to_owned()), s))
        })
        .filter(|(_, s)| has_activity(s.product))
        .map(|(k, s)| {
            // A hosted webinar keeps the Meetings licence in use too (its host needs one).
            let webinar = (s.product == Product::ZoomMeetings)
                .then(|| truth.user(&k.0))
                .flatten()
                .and_then(|u| u.subscription(Product::ZoomWebinar))
                .and_then(|w| w.reportable_last_activity);
            (k, s.reportable_last_activity.max(webinar))
        })
        .collect();
    let got: BTreeMap<(String, String), Option<DateTime<Utc>>> = stored(&app, profile_id)
        .await
        .into_iter()
        .map(|r| ((r.external_user_id, r.identifier), r.last_activity_at))
        .filter(|(k, _)| expected.contains_key(k))
        .collect();
    assert_eq!(got, expected);

    // A second download rewrites nothing, and asks no add-on it learnt the day before.
    let settings_calls = |since: u64| {
        sim.requests(since)
            .iter()
            .filter(|r| r.path.ends_with("/settings"))
            .count()
    };
    let last_seq = || sim.requests(0).last().map_or(0, |r| r.seq);
    let first_checks = settings_calls(0);
    let mark = last_seq();
    let again = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
    assert_eq!(again.state, JobState::Succeeded, "{:?}", again.error);
    assert_eq!((again.created, again.updated, again.closed), (0, 0, 0));
    assert_eq!(again.unchanged as usize, rows.len());
    assert_eq!(
        settings_calls(mark),
        0,
        "add-ons checked recently are not asked again"
    );
    if vendor == SimVendor::Zoom {
        assert!(
            first_checks > 0,
            "the first download asks each Licensed user's add-ons"
        );
        // Once the answers are older than the re-check period, they are asked again (and
        // the emails noted with them refreshed), and the download still rewrites nothing.
        vendor_user::Entity::update_many()
            .col_expr(
                vendor_user::Column::UserPrincipalName,
                Expr::value("stale@example.invalid"),
            )
            .filter(vendor_user::Column::ProfileId.eq(profile_id))
            .filter(vendor_user::Column::AddonsCheckedAt.is_not_null())
            .exec(&app.state.db)
            .await
            .unwrap();
        vendor_user::Entity::update_many()
            .col_expr(
                vendor_user::Column::AddonsCheckedAt,
                Expr::value(Utc::now() - chrono::Duration::days(8)),
            )
            .filter(vendor_user::Column::ProfileId.eq(profile_id))
            .exec(&app.state.db)
            .await
            .unwrap();
        let mark = last_seq();
        let third = run_and_wait(&app, "runDownloadSubscriptions", &profile).await;
        assert_eq!(third.state, JobState::Succeeded, "{:?}", third.error);
        assert_eq!((third.created, third.updated, third.closed), (0, 0, 0));
        assert_eq!(
            settings_calls(mark),
            first_checks,
            "stale answers are asked again"
        );
        let stale = vendor_user::Entity::find()
            .filter(vendor_user::Column::ProfileId.eq(profile_id))
            .filter(vendor_user::Column::UserPrincipalName.eq("stale@example.invalid"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(stale, 0, "a re-check refreshes the user's email");
    }
    assert_eq!(
        sim.reclaimed().len(),
        reclaims_before,
        "nothing here reclaims"
    );
}

fn has_activity(product: Product) -> bool {
    !matches!(
        product,
        Product::GoToTraining | Product::GoToAssist | Product::OpenVoice
    )
}

macro_rules! vendor_paths {
    ($($name:ident: $vendor:expr),+ $(,)?) => {
        $(mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                whole_path(Db::Sqlite, $vendor).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                whole_path(Db::Postgres, $vendor).await;
            }
        })+
    };
}

vendor_paths! {
    zoom_create_validate_publish_download_activity: SimVendor::Zoom,
    goto_create_validate_publish_download_activity: SimVendor::GoTo,
    aha_create_validate_publish_download_activity: SimVendor::Aha,
}
