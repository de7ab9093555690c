//! Reclamation rules: one per software model, saying when an idle paid seat becomes a
//! removal candidate and what happens before it is reclaimed.

use crate::db::BeginWrite;
use chrono::Utc;
use entity::{reclamation_rule, software_model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait,
    QueryFilter, Set,
};

use crate::domain::audit;
use crate::domain::db_errors::ConflictOnUnique;
use crate::domain::page::{Page, PageRequest, find, keyset};
pub use crate::domain::reclamation::Condition;
use crate::domain::software_models::MAX_NAME_LEN;
use crate::domain::tokens::Principal;
use crate::domain::validate;
use crate::error::{AppError, Result};

/// Days without activity before a seat is flagged, unless the rule says otherwise.
pub const DEFAULT_THRESHOLD_DAYS: i32 = 60;
/// Thresholds from a day to ten years.
pub const THRESHOLD_DAYS: std::ops::RangeInclusive<i32> = 1..=3650;
/// Notice periods up to a year.
pub const NOTIFY_WAIT_DAYS: std::ops::RangeInclusive<i32> = 0..=365;
/// How long a decision holds a seat back, unless the rule says otherwise.
pub const DEFAULT_COOLDOWN_DAYS: i32 = 90;
/// Cooldowns up to ten years (0: none).
pub const COOLDOWN_DAYS: std::ops::RangeInclusive<i32> = 0..=3650;
/// At most five reminders.
pub const REMINDER_COUNT: std::ops::RangeInclusive<i32> = 0..=5;
/// Reminders a day to three months apart.
pub const REMINDER_INTERVAL_DAYS: std::ops::RangeInclusive<i32> = 1..=90;
/// The approver value that sends approval requests to the notice webhook.
pub const APPROVER_WEBHOOK: &str = "webhook";

const DUPLICATE: &str = "this software model already has a reclamation rule";

/// A rule to create.
#[derive(Debug, Clone)]
pub struct NewRule {
    pub software_model_id: i64,
    /// Defaults to the model's display name.
    pub name: Option<String>,
    pub inactivity_threshold_days: i32,
    pub notify_user: bool,
    pub notify_wait_days: i32,
    pub require_approval: bool,
    pub active: bool,
    pub auto_reclaim: bool,
    pub condition: Option<Condition>,
    pub cooldown_days: i32,
    pub reminder_count: i32,
    pub reminder_interval_days: i32,
    /// An email address, `webhook`, or `None` (reclaimers decide in the API).
    pub approver: Option<String>,
}

/// Changes to a rule; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RulePatch {
    pub name: Option<String>,
    pub inactivity_threshold_days: Option<i32>,
    pub notify_user: Option<bool>,
    pub notify_wait_days: Option<i32>,
    pub require_approval: Option<bool>,
    pub active: Option<bool>,
    pub auto_reclaim: Option<bool>,
    /// `Some` of an empty condition removes the rule's.
    pub condition: Option<Condition>,
    pub cooldown_days: Option<i32>,
    pub reminder_count: Option<i32>,
    pub reminder_interval_days: Option<i32>,
    /// `Some("")` removes the approver.
    pub approver: Option<String>,
}

/// At most this many entries in each list of a condition.
const CONDITION_ENTRIES: usize = 200;

/// A condition as stored: domains in lower case, no blanks; `None` when it narrows nothing.
fn checked_condition(condition: Option<&Condition>) -> Result<Option<serde_json::Value>> {
    let Some(c) = condition else {
        return Ok(None);
    };
    let clean = |field: &str, list: &[String], lower: bool| -> Result<Vec<String>> {
        if list.len() > CONDITION_ENTRIES {
            return Err(AppError::bad_input(
                field,
                format!("at most {CONDITION_ENTRIES} entries"),
            ));
        }
        list.iter()
            .map(|v| {
                let v = v.trim().trim_start_matches('@');
                if v.is_empty() || v.len() > 253 || v.contains(char::is_whitespace) {
                    return Err(AppError::bad_input(
                        field,
                        format!("`{v}` is not a valid entry"),
                    ));
                }
                Ok(if lower {
                    v.to_ascii_lowercase()
                } else {
                    v.to_owned()
                })
            })
            .collect()
    };
    let c = Condition {
        email_domains_in: clean("condition.emailDomainsIn", &c.email_domains_in, true)?,
        email_domains_not_in: clean("condition.emailDomainsNotIn", &c.email_domains_not_in, true)?,
        identifiers: clean("condition.identifiers", &c.identifiers, false)?,
    };
    if c == Condition::default() {
        return Ok(None);
    }
    serde_json::to_value(c)
        .map(Some)
        .map_err(AppError::internal)
}

impl RulePatch {
    fn changed(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            (
                "inactivityThresholdDays",
                self.inactivity_threshold_days.is_some(),
            ),
            ("notifyUser", self.notify_user.is_some()),
            ("notifyWaitDays", self.notify_wait_days.is_some()),
            ("requireApproval", self.require_approval.is_some()),
            ("active", self.active.is_some()),
            ("autoReclaim", self.auto_reclaim.is_some()),
            ("condition", self.condition.is_some()),
            ("cooldownDays", self.cooldown_days.is_some()),
            ("reminderCount", self.reminder_count.is_some()),
            (
                "reminderIntervalDays",
                self.reminder_interval_days.is_some(),
            ),
            ("approver", self.approver.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// The timing rules, checked on the values the rule will have after the change.
fn check_timing(threshold_days: i32, notify_user: bool, notify_wait_days: i32) -> Result<()> {
    validate::in_range("inactivityThresholdDays", threshold_days, THRESHOLD_DAYS)?;
    validate::in_range("notifyWaitDays", notify_wait_days, NOTIFY_WAIT_DAYS)?;
    // A wait without a notice would only delay the reclaim with nobody told why.
    if notify_wait_days > 0 && !notify_user {
        return Err(AppError::bad_input(
            "notifyWaitDays",
            "a wait needs notifyUser: nobody is told to act during it otherwise",
        ));
    }
    Ok(())
}

/// Cooldown and reminders, on the values the rule will have after the change: every
/// reminder goes out at least a day before the reclaim date.
fn check_followups(
    notify_user: bool,
    wait: i32,
    cooldown: i32,
    count: i32,
    every: i32,
) -> Result<()> {
    validate::in_range("cooldownDays", cooldown, COOLDOWN_DAYS)?;
    validate::in_range("reminderCount", count, REMINDER_COUNT)?;
    validate::in_range("reminderIntervalDays", every, REMINDER_INTERVAL_DAYS)?;
    if count > 0 && !notify_user {
        return Err(AppError::bad_input(
            "reminderCount",
            "reminders need notifyUser: they follow the first notice",
        ));
    }
    if count > 0 && count * every > wait - 1 {
        return Err(AppError::bad_input(
            "reminderCount",
            format!(
                "{count} reminder(s) {every} day(s) apart end on day {}, but the last must go out at least a day before the reclaim date (day {wait}): fewer reminders, a shorter interval, or a longer notifyWaitDays",
                count * every
            ),
        ));
    }
    Ok(())
}

/// The approver as stored: a lower-case email address or `webhook`; `None` for none.
pub fn checked_approver(raw: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if raw.eq_ignore_ascii_case(APPROVER_WEBHOOK) {
        return Ok(Some(APPROVER_WEBHOOK.to_owned()));
    }
    if raw.len() > 254 || raw.parse::<lettre::Address>().is_err() {
        return Err(AppError::bad_input(
            "approver",
            "an email address, or `webhook` for the notice webhook",
        ));
    }
    Ok(Some(raw.to_ascii_lowercase()))
}

/// The rule with this id; `NOT_FOUND` otherwise.
pub async fn get(db: &DatabaseConnection, id: i64) -> Result<reclamation_rule::Model> {
    find::<reclamation_rule::Entity>(db, id, "reclamation rule").await
}

/// Rules, oldest first, optionally of one model and by whether they run.
pub async fn list(
    db: &DatabaseConnection,
    software_model_id: Option<i64>,
    active: Option<bool>,
    req: &PageRequest,
) -> Result<Page<reclamation_rule::Model>> {
    let mut select = reclamation_rule::Entity::find();
    if let Some(id) = software_model_id {
        select = select.filter(reclamation_rule::Column::SoftwareModelId.eq(id));
    }
    if let Some(active) = active {
        select = select.filter(reclamation_rule::Column::Active.eq(active));
    }
    keyset(db, select, reclamation_rule::Column::Id, req).await
}

/// The rule of one model, if it has one.
pub async fn for_model(
    db: &DatabaseConnection,
    software_model_id: i64,
) -> Result<Option<reclamation_rule::Model>> {
    Ok(reclamation_rule::Entity::find()
        .filter(reclamation_rule::Column::SoftwareModelId.eq(software_model_id))
        .one(db)
        .await?)
}

/// Creates a model's rule; a second rule for the same model is `CONFLICT`.
pub async fn create(db: &impl ConnectionTrait, input: &NewRule) -> Result<reclamation_rule::Model> {
    check_timing(
        input.inactivity_threshold_days,
        input.notify_user,
        input.notify_wait_days,
    )?;
    check_followups(
        input.notify_user,
        input.notify_wait_days,
        input.cooldown_days,
        input.reminder_count,
        input.reminder_interval_days,
    )?;
    let approver = checked_approver(input.approver.as_deref())?;
    let name = input
        .name
        .as_deref()
        .map(|n| validate::name("name", n, MAX_NAME_LEN))
        .transpose()?;
    let condition = checked_condition(input.condition.as_ref())?;
    let model = software_model::Entity::find_by_id(input.software_model_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("softwareModelId", "no software model has this id"))?;
    let now = Utc::now();
    reclamation_rule::ActiveModel {
        software_model_id: Set(model.id),
        name: Set(name.unwrap_or(model.display_name)),
        inactivity_threshold_days: Set(input.inactivity_threshold_days),
        notify_user: Set(input.notify_user),
        notify_wait_days: Set(input.notify_wait_days),
        require_approval: Set(input.require_approval),
        active: Set(input.active),
        auto_reclaim: Set(input.auto_reclaim),
        condition: Set(condition),
        cooldown_days: Set(input.cooldown_days),
        reminder_count: Set(input.reminder_count),
        reminder_interval_days: Set(input.reminder_interval_days),
        approver_email: Set(approver),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .conflict_on_unique(DUPLICATE)
}

/// `create`, recorded in the audit log in the same transaction.
pub async fn create_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    input: &NewRule,
) -> Result<reclamation_rule::Model> {
    let txn = db.begin_write().await?;
    let row = create(&txn, input).await?;
    let details = serde_json::json!({
        "softwareModelId": row.software_model_id,
        "inactivityThresholdDays": row.inactivity_threshold_days,
        "notifyUser": row.notify_user,
        "notifyWaitDays": row.notify_wait_days,
        "requireApproval": row.require_approval,
        "active": row.active,
        "cooldownDays": row.cooldown_days,
        "reminderCount": row.reminder_count,
        "approver": row.approver_email,
    });
    audit::record(
        &txn,
        actor,
        "createReclamationRule",
        "ReclamationRule",
        Some(row.id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes a rule, with an audit entry in the same transaction.
pub async fn update_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    patch: &RulePatch,
) -> Result<reclamation_rule::Model> {
    let txn = db.begin_write().await?;
    let row = find::<reclamation_rule::Entity>(&txn, id, "reclamation rule").await?;
    let threshold = patch
        .inactivity_threshold_days
        .unwrap_or(row.inactivity_threshold_days);
    let notify_user = patch.notify_user.unwrap_or(row.notify_user);
    let wait = patch.notify_wait_days.unwrap_or(row.notify_wait_days);
    check_timing(threshold, notify_user, wait)?;
    let cooldown = patch.cooldown_days.unwrap_or(row.cooldown_days);
    let reminders = patch.reminder_count.unwrap_or(row.reminder_count);
    let every = patch
        .reminder_interval_days
        .unwrap_or(row.reminder_interval_days);
    check_followups(notify_user, wait, cooldown, reminders, every)?;
    let approver = patch
        .approver
        .as_deref()
        .map(|a| checked_approver(Some(a)))
        .transpose()?;
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::name("name", n, MAX_NAME_LEN))
        .transpose()?;
    let mut active: reclamation_rule::ActiveModel = row.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    active.inactivity_threshold_days = Set(threshold);
    active.notify_user = Set(notify_user);
    active.notify_wait_days = Set(wait);
    active.cooldown_days = Set(cooldown);
    active.reminder_count = Set(reminders);
    active.reminder_interval_days = Set(every);
    if let Some(approver) = approver {
        active.approver_email = Set(approver);
    }
    if let Some(v) = patch.require_approval {
        active.require_approval = Set(v);
    }
    if let Some(v) = patch.active {
        active.active = Set(v);
    }
    if let Some(v) = patch.auto_reclaim {
        active.auto_reclaim = Set(v);
    }
    if patch.condition.is_some() {
        active.condition = Set(checked_condition(patch.condition.as_ref())?);
    }
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "updateReclamationRule",
        "ReclamationRule",
        Some(id),
        serde_json::json!({ "changed": patch.changed() }),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes a rule; its past candidates keep their evidence and lose the link.
pub async fn delete_audited(db: &DatabaseConnection, actor: &Principal, id: i64) -> Result<()> {
    let txn = db.begin_write().await?;
    let row = find::<reclamation_rule::Entity>(&txn, id, "reclamation rule").await?;
    let details = serde_json::json!({ "softwareModelId": row.software_model_id });
    row.delete(&txn).await?;
    audit::record(
        &txn,
        actor,
        "deleteReclamationRule",
        "ReclamationRule",
        Some(id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: Result<()>) -> String {
        match r {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn reminders_end_a_day_before_the_reclaim_date() {
        assert!(
            check_followups(true, 7, 90, 2, 3).is_ok(),
            "days 3 and 6 of 7"
        );
        assert_eq!(field(check_followups(true, 6, 90, 2, 3)), "reminderCount");
        assert_eq!(field(check_followups(false, 0, 90, 1, 3)), "reminderCount");
        assert!(check_followups(false, 0, 0, 0, 3).is_ok());
        assert_eq!(field(check_followups(false, 0, -1, 0, 3)), "cooldownDays");
        assert_eq!(field(check_followups(true, 30, 90, 6, 3)), "reminderCount");
        assert_eq!(
            field(check_followups(true, 30, 90, 1, 0)),
            "reminderIntervalDays"
        );
    }

    #[test]
    fn an_approver_is_an_address_or_the_webhook() {
        assert_eq!(checked_approver(None).unwrap(), None);
        assert_eq!(checked_approver(Some(" ")).unwrap(), None);
        assert_eq!(
            checked_approver(Some("Webhook")).unwrap().as_deref(),
            Some("webhook")
        );
        assert_eq!(
            checked_approver(Some("Boss@Example.com"))
                .unwrap()
                .as_deref(),
            Some("boss@example.com")
        );
        assert!(checked_approver(Some("not an address")).is_err());
    }

    #[test]
    fn thresholds_and_waits_are_bounded() {
        assert!(check_timing(DEFAULT_THRESHOLD_DAYS, false, 0).is_ok());
        assert!(check_timing(1, true, 365).is_ok());
        assert!(check_timing(3650, true, 0).is_ok());
        assert_eq!(field(check_timing(0, false, 0)), "inactivityThresholdDays");
        assert_eq!(
            field(check_timing(3651, false, 0)),
            "inactivityThresholdDays"
        );
        assert_eq!(field(check_timing(60, true, 366)), "notifyWaitDays");
        assert_eq!(field(check_timing(60, true, -1)), "notifyWaitDays");
    }

    #[test]
    fn a_wait_needs_a_notice() {
        assert_eq!(field(check_timing(60, false, 7)), "notifyWaitDays");
        assert!(check_timing(60, true, 7).is_ok());
    }
}
