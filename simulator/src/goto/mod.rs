use actix_web::http::StatusCode;
use actix_web::web;
use crate::http::ApiError;
use crate::server::Route;
pub(crate) fn routes(_cfg: &mut web::ServiceConfig) {}
pub(crate) fn classify(_path: &str) -> Route { Route { api: false, bucket: None } }
pub(crate) fn status_error(status: StatusCode) -> ApiError { ApiError::raw(status, "text/plain", "x") }
pub(crate) fn rate_limited() -> ApiError { ApiError::raw(StatusCode::TOO_MANY_REQUESTS, "text/plain", "x") }
