//! Why a job run failed, as a code dashboards and alerts can group by, beside the message
//! a person reads and the vendor's own code when the vendor gave one.

use crate::connectors::ConnectorError;
use crate::domain::sync::SyncError;

/// The class of a run's failure; stored as its name in the run's `detail.errorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunErrorCode {
    /// The vendor refused the credentials (after a token refresh, where there is one).
    Unauthorized,
    /// The vendor kept answering 429 past the retries (or asked to wait too long).
    RateLimited,
    /// The vendor could not be reached or kept failing (timeouts, 5xx) past the retries.
    VendorUnavailable,
    /// The vendor refused the request itself (a missing scope or admin role, a bad id).
    VendorRefused,
    /// The vendor answered 404 for something the run needed (a wrong base URL, a tenant
    /// that moved).
    VendorNotFound,
    /// The vendor's answer was not what it documents (truncated, not JSON, wrong shape).
    BadVendorData,
    /// The connection lacks a setting or credential the run needs.
    NotConfigured,
    /// The run refused to apply its result: a download far smaller than the last one.
    ShrinkGuard,
    /// The profile cannot run this (deleted, draft, activity off, alias gone…).
    Precondition,
    /// Its worker stopped without finishing it too many times.
    WorkerLost,
    /// Anything else: a bug or the database; the cause is in the server's log.
    Internal,
}

impl RunErrorCode {
    pub const ALL: [RunErrorCode; 11] = [
        RunErrorCode::Unauthorized,
        RunErrorCode::RateLimited,
        RunErrorCode::VendorUnavailable,
        RunErrorCode::VendorRefused,
        RunErrorCode::VendorNotFound,
        RunErrorCode::BadVendorData,
        RunErrorCode::NotConfigured,
        RunErrorCode::ShrinkGuard,
        RunErrorCode::Precondition,
        RunErrorCode::WorkerLost,
        RunErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunErrorCode::Unauthorized => "UNAUTHORIZED",
            RunErrorCode::RateLimited => "RATE_LIMITED",
            RunErrorCode::VendorUnavailable => "VENDOR_UNAVAILABLE",
            RunErrorCode::VendorRefused => "VENDOR_REFUSED",
            RunErrorCode::VendorNotFound => "VENDOR_NOT_FOUND",
            RunErrorCode::BadVendorData => "BAD_VENDOR_DATA",
            RunErrorCode::NotConfigured => "NOT_CONFIGURED",
            RunErrorCode::ShrinkGuard => "SHRINK_GUARD",
            RunErrorCode::Precondition => "PRECONDITION",
            RunErrorCode::WorkerLost => "WORKER_LOST",
            RunErrorCode::Internal => "INTERNAL",
        }
    }

    /// The code a stored name stands for.
    pub fn parse(name: &str) -> Option<RunErrorCode> {
        RunErrorCode::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The class of a vendor failure.
    pub fn of_vendor(err: &ConnectorError) -> RunErrorCode {
        match err {
            ConnectorError::Unauthorized { .. } => RunErrorCode::Unauthorized,
            ConnectorError::RateLimited { .. } => RunErrorCode::RateLimited,
            ConnectorError::NotFound { .. } => RunErrorCode::VendorNotFound,
            ConnectorError::Transient(_) => RunErrorCode::VendorUnavailable,
            ConnectorError::Permanent { .. } => RunErrorCode::VendorRefused,
            ConnectorError::Malformed(_) => RunErrorCode::BadVendorData,
            ConnectorError::NotConfigured(_) => RunErrorCode::NotConfigured,
        }
    }
}

/// How a run failed: its code, its message and the vendor's own code, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: RunErrorCode,
    pub message: String,
    pub vendor_code: Option<String>,
}

impl Failure {
    pub fn new(code: RunErrorCode, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            vendor_code: None,
        }
    }
}

impl From<&SyncError> for Failure {
    fn from(err: &SyncError) -> Failure {
        match err {
            SyncError::Vendor(vendor) => Failure {
                code: RunErrorCode::of_vendor(vendor),
                message: err.message(),
                vendor_code: vendor.vendor_code().map(str::to_owned),
            },
            SyncError::Guard(m) => Failure::new(RunErrorCode::ShrinkGuard, m.clone()),
            SyncError::Precondition(m) => Failure::new(RunErrorCode::Precondition, m.clone()),
            SyncError::App(app) => Failure::new(RunErrorCode::Internal, app.message()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_names() {
        for code in RunErrorCode::ALL {
            assert_eq!(RunErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(RunErrorCode::parse("nonsense"), None);
    }

    #[test]
    fn vendor_failures_keep_the_vendors_code() {
        let err = SyncError::Vendor(ConnectorError::Unauthorized {
            message: "Invalid access token.".into(),
            vendor_code: Some("124".into()),
        });
        let failure = Failure::from(&err);
        assert_eq!(failure.code, RunErrorCode::Unauthorized);
        assert_eq!(failure.vendor_code.as_deref(), Some("124"));
        assert!(failure.message.contains("Invalid access token."));
    }
}
