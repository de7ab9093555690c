//! Entitlements: what was bought of a software model, for how much, over which period.

use crate::db::BeginWrite;
use chrono::{NaiveDate, Utc};
use entity::enums::{EntitlementPeriod, EntitlementState};
use entity::{entitlement, software_model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::domain::audit;
use crate::domain::money;
use crate::domain::page::{Page, PageRequest, find, keyset};
use crate::domain::software_models::MAX_NAME_LEN;
use crate::domain::tokens::Principal;
use crate::domain::validate;
use crate::error::{AppError, Result};

/// An entitlement to record. Money comes in as a decimal string, as the client sent it.
#[derive(Debug, Clone)]
pub struct NewEntitlement {
    pub software_model_id: i64,
    pub name: String,
    pub purchased_rights: i64,
    pub unit_cost: String,
    pub currency: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub period_type: EntitlementPeriod,
    pub state: EntitlementState,
    pub contract_reference: Option<String>,
    pub note: Option<String>,
}

/// Changes to an entitlement; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EntitlementPatch {
    pub software_model_id: Option<i64>,
    pub name: Option<String>,
    pub purchased_rights: Option<i64>,
    pub unit_cost: Option<String>,
    pub currency: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub period_type: Option<EntitlementPeriod>,
    pub state: Option<EntitlementState>,
    /// `Some("")` removes it.
    pub contract_reference: Option<String>,
    /// `Some("")` removes it.
    pub note: Option<String>,
}

impl EntitlementPatch {
    fn changed(&self) -> Vec<&'static str> {
        [
            ("softwareModelId", self.software_model_id.is_some()),
            ("name", self.name.is_some()),
            ("purchasedRights", self.purchased_rights.is_some()),
            ("unitCost", self.unit_cost.is_some()),
            ("currency", self.currency.is_some()),
            ("periodStart", self.period_start.is_some()),
            ("periodEnd", self.period_end.is_some()),
            ("periodType", self.period_type.is_some()),
            ("state", self.state.is_some()),
            ("contractReference", self.contract_reference.is_some()),
            ("note", self.note.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// Whether the entitlement counts on `day`: active (not a draft) and its period includes
/// the day (both ends inclusive).
pub fn is_active_on(row: &entitlement::Model, day: NaiveDate) -> bool {
    row.state == EntitlementState::Active && row.period_start <= day && day <= row.period_end
}

/// What one right costs per year, in minor units: the unit cost scaled from its period
/// (a whole term by its length in days, 365.25 to a year).
pub fn annual_cost_per_right_minor(row: &entitlement::Model) -> i64 {
    let unit = i128::from(row.unit_cost_minor);
    let annual = match row.period_type {
        EntitlementPeriod::Monthly => unit * 12,
        EntitlementPeriod::Quarterly => unit * 4,
        EntitlementPeriod::Annual => unit,
        EntitlementPeriod::WholeTerm => {
            let days = i128::from((row.period_end - row.period_start).num_days() + 1).max(1);
            (unit * 36_525) / (days * 100)
        }
    };
    i64::try_from(annual).unwrap_or(i64::MAX)
}

/// Months one unit cost pays for (a whole term: its length, 30.44-day months, at least 1).
pub fn period_months(row: &entitlement::Model) -> i64 {
    match row.period_type {
        EntitlementPeriod::Monthly => 1,
        EntitlementPeriod::Quarterly => 3,
        EntitlementPeriod::Annual => 12,
        EntitlementPeriod::WholeTerm => {
            let days = (row.period_end - row.period_start).num_days() + 1;
            ((days * 100 + 1522) / 3044).max(1)
        }
    }
}

/// A free-text field as stored: trimmed, empty for none, at most `max` characters.
fn optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// Whether the period includes today (UTC).
pub fn is_active(row: &entitlement::Model) -> bool {
    is_active_on(row, Utc::now().date_naive())
}

/// Unit cost times seats. Writes refuse overflowing pairs, so saturation is never reached.
pub fn total_cost_minor(row: &entitlement::Model) -> i64 {
    row.unit_cost_minor.saturating_mul(row.purchased_rights)
}

/// Validated values, ready to store.
struct Checked {
    name: String,
    purchased_rights: i64,
    unit_cost_minor: i64,
    currency: String,
    period_start: NaiveDate,
    period_end: NaiveDate,
}

fn check(
    name: &str,
    purchased_rights: i64,
    unit_cost: Option<&str>,
    stored_unit_cost: i64,
    currency: &str,
    period_start: NaiveDate,
    period_end: NaiveDate,
) -> Result<Checked> {
    let name = validate::name("name", name, MAX_NAME_LEN)?;
    if purchased_rights < 0 {
        return Err(AppError::bad_input(
            "purchasedRights",
            "negative seats: must be 0 or more",
        ));
    }
    let unit_cost_minor = match unit_cost {
        Some(text) => money::parse(text).map_err(|msg| AppError::bad_input("unitCost", msg))?,
        None => stored_unit_cost,
    };
    if unit_cost_minor.checked_mul(purchased_rights).is_none() {
        return Err(AppError::bad_input(
            "unitCost",
            "unit cost times purchased rights is too large",
        ));
    }
    if !money::is_currency_code(currency) {
        return Err(AppError::bad_input(
            "currency",
            "must be an ISO 4217 code: three upper-case letters, e.g. USD",
        ));
    }
    if period_end < period_start {
        return Err(AppError::bad_input(
            "periodEnd",
            "must not be before periodStart",
        ));
    }
    Ok(Checked {
        name,
        purchased_rights,
        unit_cost_minor,
        currency: currency.to_owned(),
        period_start,
        period_end,
    })
}

/// The model an input refers to must exist: an unknown id is the client's mistake.
async fn require_model(db: &impl ConnectionTrait, id: i64) -> Result<()> {
    match software_model::Entity::find_by_id(id).one(db).await? {
        Some(_) => Ok(()),
        None => Err(AppError::bad_input(
            "softwareModelId",
            "no software model has this id",
        )),
    }
}

/// The entitlement with this id; `NOT_FOUND` otherwise.
pub async fn get(db: &DatabaseConnection, id: i64) -> Result<entitlement::Model> {
    find::<entitlement::Entity>(db, id, "entitlement").await
}

/// Entitlements, oldest first, optionally of one model and covering one day.
pub async fn list(
    db: &DatabaseConnection,
    software_model_id: Option<i64>,
    active_on: Option<NaiveDate>,
    req: &PageRequest,
) -> Result<Page<entitlement::Model>> {
    let mut select = entitlement::Entity::find();
    if let Some(id) = software_model_id {
        select = select.filter(entitlement::Column::SoftwareModelId.eq(id));
    }
    if let Some(day) = active_on {
        select = select
            .filter(entitlement::Column::PeriodStart.lte(day))
            .filter(entitlement::Column::PeriodEnd.gte(day));
    }
    keyset(db, select, entitlement::Column::Id, req).await
}

/// Up to `limit` entitlements of one model, oldest first.
pub async fn for_model(
    db: &DatabaseConnection,
    software_model_id: i64,
    limit: u64,
) -> Result<Vec<entitlement::Model>> {
    Ok(entitlement::Entity::find()
        .filter(entitlement::Column::SoftwareModelId.eq(software_model_id))
        .order_by_asc(entitlement::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Records an entitlement, with an audit entry in the same transaction.
pub async fn create_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    input: &NewEntitlement,
) -> Result<entitlement::Model> {
    let checked = check(
        &input.name,
        input.purchased_rights,
        Some(&input.unit_cost),
        0,
        &input.currency,
        input.period_start,
        input.period_end,
    )?;
    let contract_reference = optional_text(
        "contractReference",
        input.contract_reference.as_deref(),
        200,
    )?;
    let note = optional_text("note", input.note.as_deref(), 2_000)?;
    let txn = db.begin_write().await?;
    require_model(&txn, input.software_model_id).await?;
    let now = Utc::now();
    let row = entitlement::ActiveModel {
        software_model_id: Set(input.software_model_id),
        name: Set(checked.name),
        purchased_rights: Set(checked.purchased_rights),
        unit_cost_minor: Set(checked.unit_cost_minor),
        currency: Set(checked.currency),
        period_start: Set(checked.period_start),
        period_end: Set(checked.period_end),
        period_type: Set(input.period_type),
        state: Set(input.state),
        contract_reference: Set(contract_reference),
        note: Set(note),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let details = serde_json::json!({
        "softwareModelId": row.software_model_id,
        "name": row.name,
        "purchasedRights": row.purchased_rights,
        "unitCost": money::format(row.unit_cost_minor),
        "currency": row.currency,
    });
    audit::record(
        &txn,
        actor,
        "createEntitlement",
        "Entitlement",
        Some(row.id),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes an entitlement; the result is validated as a whole (a new start is checked
/// against the stored end).
pub async fn update_audited(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    patch: &EntitlementPatch,
) -> Result<entitlement::Model> {
    let txn = db.begin_write().await?;
    let row = find::<entitlement::Entity>(&txn, id, "entitlement").await?;
    let checked = check(
        patch.name.as_deref().unwrap_or(&row.name),
        patch.purchased_rights.unwrap_or(row.purchased_rights),
        patch.unit_cost.as_deref(),
        row.unit_cost_minor,
        patch.currency.as_deref().unwrap_or(&row.currency),
        patch.period_start.unwrap_or(row.period_start),
        patch.period_end.unwrap_or(row.period_end),
    )?;
    if let Some(model_id) = patch.software_model_id {
        require_model(&txn, model_id).await?;
    }
    let contract_reference = patch
        .contract_reference
        .as_deref()
        .map(|r| optional_text("contractReference", Some(r), 200))
        .transpose()?;
    let note = patch
        .note
        .as_deref()
        .map(|n| optional_text("note", Some(n), 2_000))
        .transpose()?;
    let mut active: entitlement::ActiveModel = row.into();
    if let Some(v) = patch.period_type {
        active.period_type = Set(v);
    }
    if let Some(v) = patch.state {
        active.state = Set(v);
    }
    if let Some(v) = contract_reference {
        active.contract_reference = Set(v);
    }
    if let Some(v) = note {
        active.note = Set(v);
    }
    if let Some(model_id) = patch.software_model_id {
        active.software_model_id = Set(model_id);
    }
    active.name = Set(checked.name);
    active.purchased_rights = Set(checked.purchased_rights);
    active.unit_cost_minor = Set(checked.unit_cost_minor);
    active.currency = Set(checked.currency);
    active.period_start = Set(checked.period_start);
    active.period_end = Set(checked.period_end);
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "updateEntitlement",
        "Entitlement",
        Some(id),
        serde_json::json!({ "changed": patch.changed() }),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Deletes an entitlement; an unknown id is `NOT_FOUND`.
pub async fn delete_audited(db: &DatabaseConnection, actor: &Principal, id: i64) -> Result<()> {
    let txn = db.begin_write().await?;
    let row = find::<entitlement::Entity>(&txn, id, "entitlement").await?;
    let details = serde_json::json!({ "softwareModelId": row.software_model_id, "name": row.name });
    row.delete(&txn).await?;
    audit::record(
        &txn,
        actor,
        "deleteEntitlement",
        "Entitlement",
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

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn field_of(err: AppError) -> String {
        match err {
            AppError::BadUserInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn each_invalid_value_names_its_field() {
        let (start, end) = (day("2026-01-01"), day("2026-12-31"));
        let ok = |name, rights, cost, cur, s, e| check(name, rights, Some(cost), 0, cur, s, e);
        assert!(ok("Zoom 2026", 10, "12.50", "USD", start, end).is_ok());
        let field = |r: Result<Checked>| field_of(r.err().expect("rejected"));
        assert_eq!(field(ok(" ", 10, "1", "USD", start, end)), "name");
        assert_eq!(
            field(ok("x", -1, "1", "USD", start, end)),
            "purchasedRights"
        );
        assert_eq!(field(ok("x", 1, "1.234", "USD", start, end)), "unitCost");
        assert_eq!(field(ok("x", 1, "-1", "USD", start, end)), "unitCost");
        assert_eq!(field(ok("x", 1, "1", "usd", start, end)), "currency");
        assert_eq!(field(ok("x", 1, "1", "USD", end, start)), "periodEnd");
        assert_eq!(field(ok("x", i64::MAX, "2", "USD", start, end)), "unitCost");
    }

    #[test]
    fn a_period_includes_both_of_its_ends() {
        let row = entitlement::Model {
            id: 1,
            software_model_id: 1,
            name: "x".into(),
            purchased_rights: 3,
            unit_cost_minor: 1250,
            currency: "USD".into(),
            period_start: day("2026-01-01"),
            period_end: day("2026-01-31"),
            period_type: EntitlementPeriod::WholeTerm,
            state: EntitlementState::Active,
            contract_reference: None,
            note: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert!(!is_active_on(
            &entitlement::Model {
                state: EntitlementState::Draft,
                ..row.clone()
            },
            day("2026-01-15")
        ));
        let per = |period_type| {
            annual_cost_per_right_minor(&entitlement::Model {
                period_type,
                period_end: day("2026-12-31"),
                ..row.clone()
            })
        };
        assert_eq!(per(EntitlementPeriod::Monthly), 15_000);
        assert_eq!(per(EntitlementPeriod::Quarterly), 5_000);
        assert_eq!(per(EntitlementPeriod::Annual), 1_250);
        assert_eq!(per(EntitlementPeriod::WholeTerm), 1_250 * 36_525 / 36_500);
        assert!(is_active_on(&row, day("2026-01-01")));
        assert!(is_active_on(&row, day("2026-01-31")));
        assert!(!is_active_on(&row, day("2026-02-01")));
        assert!(!is_active_on(&row, day("2025-12-31")));
        assert_eq!(total_cost_minor(&row), 3750);
    }
}
