//! A run's `detail` JSON: its attempt number, how often it was handed back, and why it
//! failed (`errorCode`, `vendorCode`). Read leniently: a run stored before a key existed
//! reads as its default.

use entity::job_run;
use serde_json::{Map, Value};

use crate::domain::run_errors::{Failure, RunErrorCode};

fn number(run: &job_run::Model, key: &str) -> Option<i32> {
    run.detail
        .as_ref()
        .and_then(|d| d.get(key))
        .and_then(Value::as_i64)
        .map(|n| n as i32)
}

fn text(run: &job_run::Model, key: &str) -> Option<String> {
    run.detail
        .as_ref()
        .and_then(|d| d.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// `detail` as a map to change (a run without one, or with a non-object, starts empty).
fn map_of(detail: Option<Value>) -> Map<String, Value> {
    match detail {
        Some(Value::Object(map)) => map,
        Some(_) | None => Map::new(),
    }
}

/// Which attempt a run is on (1 for the first).
pub fn attempt(run: &job_run::Model) -> i32 {
    number(run, "attempt").unwrap_or(1)
}

/// How often a stopping server handed the run back (see [`super::hand_back`]).
pub fn handed_back(run: &job_run::Model) -> i32 {
    number(run, "handedBack").unwrap_or(0)
}

/// The code a failed run failed with. Runs failed before codes were recorded have none.
pub fn error_code(run: &job_run::Model) -> Option<RunErrorCode> {
    text(run, "errorCode").and_then(|c| RunErrorCode::parse(&c))
}

/// The vendor's own error code of a run that failed at the vendor, when it gave one.
pub fn vendor_error_code(run: &job_run::Model) -> Option<String> {
    text(run, "vendorCode")
}

pub(super) fn with_attempt(detail: Option<Value>, attempt: i32) -> Value {
    let mut map = map_of(detail);
    map.insert("attempt".into(), attempt.into());
    Value::Object(map)
}

pub(super) fn with_handed_back(detail: Option<Value>, times: i32) -> Value {
    let mut map = map_of(detail);
    map.insert("handedBack".into(), times.into());
    Value::Object(map)
}

/// `detail` with the failure's code and vendor code.
pub(super) fn with_failure(detail: Option<Value>, failure: &Failure) -> Value {
    let mut map = map_of(detail);
    map.insert("errorCode".into(), failure.code.as_str().into());
    match &failure.vendor_code {
        Some(vc) => map.insert("vendorCode".into(), vc.as_str().into()),
        None => map.remove("vendorCode"),
    };
    Value::Object(map)
}
