//! What demo mode sets up beside the connections, so every concept of the product has an
//! example from the first minute: an entitlement per software model (positions with waste
//! and a true-up), an identifier exclusion and a user exclusion, an identifier no model
//! knows (GoTo's foreign licence), a rule that notifies seat holders and one that waits for
//! an approval. Idempotent: a restart on the same database changes nothing it made.

use entity::enums::Vendor;
use entity::{
    subscription_identifier, subscription_identifier_exclusion, subscription_user_exclusion,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use seatkeeper_sim::{Product as SimProduct, Simulator};

use crate::domain::exclusions::ExclusionTerms;
use crate::domain::exclusions::identifiers::{self, NewIdentifierExclusion};
use crate::domain::exclusions::users::{self, NewUserExclusion};
use crate::domain::reclamation_rules::{self, RulePatch};
use crate::domain::tokens::Principal;
use crate::state::AppState;

/// The licence GoTo's demo tenant holds for a product outside Seatkeeper's catalog.
pub const FOREIGN_CODE: &str = "G2R";
pub const FOREIGN_NAME: &str = "GoTo Resolve";
pub const FOREIGN_HOLDERS: u32 = 12;
/// Zoom's identifiers of its Meetings licence and Webinar add-on, as stored.
const MEETINGS: &str = "ZOOM_MEETINGS_LICENSED";
const WEBINAR: &str = "ZOOM_WEBINAR";
/// Days a notified seat holder has to answer before the seat is reclaimed.
const NOTICE_WAIT_DAYS: i32 = 7;

fn fail(err: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!(err.message())
}

/// Exclusions, before the first download applies them.
pub async fn exclusions(
    state: &AppState,
    actor: &Principal,
    vendor: Vendor,
    sim: &Simulator,
) -> anyhow::Result<()> {
    match vendor {
        Vendor::GoTo => {
            let exists = subscription_identifier_exclusion::Entity::find()
                .filter(subscription_identifier_exclusion::Column::Vendor.eq(vendor))
                .filter(subscription_identifier_exclusion::Column::Identifier.eq("OPENVOICE"))
                .one(&state.db)
                .await?
                .is_some();
            if !exists {
                let input = NewIdentifierExclusion {
                    vendor,
                    identifier: "OPENVOICE".into(),
                    terms: ExclusionTerms {
                        exclude_from_cost: true,
                        exclude_from_reclaim: false,
                        reason: Some("Bundled with GoTo Meeting: no cost of its own".into()),
                        expires_at: None,
                        active: true,
                    },
                };
                identifiers::create_audited(&state.db, actor, &input)
                    .await
                    .map_err(fail)?;
            }
        }
        Vendor::Zoom => {
            // An idle member the Meetings rule would flag: the exclusion is what saves them.
            let truth = sim.truth();
            let Some(keep) = truth
                .inactive(SimProduct::ZoomMeetings, 365)
                .into_iter()
                .find(|u| u.role == seatkeeper_sim::UserRole::Member)
                .map(|u| u.email.to_lowercase())
            else {
                return Ok(());
            };
            let exists = subscription_user_exclusion::Entity::find()
                .filter(subscription_user_exclusion::Column::UserPrincipalName.eq(keep.as_str()))
                .one(&state.db)
                .await?
                .is_some();
            if !exists {
                let input = NewUserExclusion {
                    user_principal_name: keep,
                    terms: ExclusionTerms {
                        exclude_from_cost: false,
                        exclude_from_reclaim: true,
                        reason: Some("Board member: keeps a licence while on leave".into()),
                        expires_at: Some(chrono::Utc::now() + chrono::Duration::days(180)),
                        active: true,
                    },
                };
                users::create_audited(&state.db, actor, &input)
                    .await
                    .map_err(fail)?;
            }
        }
        Vendor::Aha => {}
    }
    Ok(())
}

/// After publishing created the default rules: Zoom Meetings notifies its seat holders
/// (when a notice channel is configured: demo mode's own inbox, unless the operator set
/// one), Zoom Webinar waits for a reclaimer's approval.
pub async fn rules(state: &AppState, actor: &Principal, vendor: Vendor) -> anyhow::Result<()> {
    if vendor != Vendor::Zoom {
        return Ok(());
    }
    let model_of = |identifier: &'static str| async move {
        subscription_identifier::Entity::find()
            .filter(subscription_identifier::Column::Vendor.eq(vendor))
            .filter(subscription_identifier::Column::Code.eq(identifier))
            .one(&state.db)
            .await
            .map(|row| row.map(|r| r.software_model_id))
    };
    if state.settings.notices.any_channel()
        && let Some(model) = model_of(MEETINGS).await?
        && let Some(rule) = reclamation_rules::for_model(&state.db, model)
            .await
            .map_err(fail)?
    {
        let patch = RulePatch {
            notify_user: Some(true),
            notify_wait_days: Some(NOTICE_WAIT_DAYS),
            ..Default::default()
        };
        reclamation_rules::update_audited(&state.db, actor, rule.id, &patch)
            .await
            .map_err(fail)?;
    }
    if let Some(model) = model_of(WEBINAR).await?
        && let Some(rule) = reclamation_rules::for_model(&state.db, model)
            .await
            .map_err(fail)?
    {
        let patch = RulePatch {
            require_approval: Some(true),
            ..Default::default()
        };
        reclamation_rules::update_audited(&state.db, actor, rule.id, &patch)
            .await
            .map_err(fail)?;
    }
    Ok(())
}

/// What the demo bought of each of the vendor's models: more than used for some, fewer for
/// others, so positions show both waste and a true-up; GoTo is bought in euros.
pub async fn entitlements(
    state: &AppState,
    actor: &Principal,
    vendor: Vendor,
) -> anyhow::Result<()> {
    use crate::domain::entitlements::{self, NewEntitlement};
    use entity::enums::{EntitlementPeriod, EntitlementState};
    use entity::{entitlement, software_model};
    let models = software_model::Entity::find()
        .filter(software_model::Column::Vendor.eq(vendor))
        .all(&state.db)
        .await?;
    let today = chrono::Utc::now().date_naive();
    for (i, model) in models.iter().enumerate() {
        let bought = entitlement::Entity::find()
            .filter(entitlement::Column::SoftwareModelId.eq(model.id))
            .one(&state.db)
            .await?;
        if bought.is_some() {
            continue;
        }
        let (unit, currency, period) = match vendor {
            Vendor::Zoom => ("15.00", "USD", EntitlementPeriod::Monthly),
            Vendor::GoTo => ("12.00", "EUR", EntitlementPeriod::Monthly),
            Vendor::Aha => ("708.00", "USD", EntitlementPeriod::Annual),
        };
        let rights = [150, 400, 250][i % 3];
        let new = NewEntitlement {
            software_model_id: model.id,
            name: format!("{} seats", model.display_name),
            purchased_rights: rights,
            unit_cost: unit.into(),
            currency: currency.into(),
            period_start: today - chrono::Duration::days(120),
            period_end: today + chrono::Duration::days(245),
            period_type: period,
            state: EntitlementState::Active,
            contract_reference: Some(format!("DEMO-{vendor}-{}", today.format("%Y"))),
            note: Some("seeded by demo mode".into()),
        };
        entitlements::create_audited(&state.db, actor, &new)
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
    }
    Ok(())
}
