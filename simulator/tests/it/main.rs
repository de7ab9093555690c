//! One integration binary: each vendor's simulator started in-process on port 0 and driven
//! with a plain HTTP client.

mod aha;
mod common;
mod control;
mod faults;
mod goto;
mod goto_foreign;
mod goto_scopes;
mod recorded_activity;
mod seat_limits;
mod zoom;
mod zoom_reports;
