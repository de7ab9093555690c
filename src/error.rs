//! The error type of the domain and its GraphQL `extensions.code`.

use async_graphql::ErrorExtensions;

/// What went wrong, in terms a client can act on.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type
/// into an error without an `extensions.code`, so leaving it out makes `?` in a resolver use
/// the conversion below, which keeps the code and hides internal causes.
#[derive(Debug)]
pub enum AppError {
    /// No bearer token came with the request.
    Unauthenticated,
    /// A bearer token came, but no live token has that value (unknown or revoked).
    InvalidToken,
    Forbidden(String),
    NotFound(String),
    BadUserInput {
        field: String,
        message: String,
    },
    Conflict(String),
    Vendor {
        message: String,
        vendor_code: Option<String>,
    },
    Internal(String),
}

/// Domain results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    /// The `extensions.code` a client sees.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated | AppError::InvalidToken => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::Vendor { .. } => "VENDOR_ERROR",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client sees. Internal causes are never part of it.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => {
                "authentication required: send `Authorization: Bearer <token>`".into()
            }
            AppError::InvalidToken => "invalid token: it is unknown or was revoked".into(),
            AppError::Forbidden(m) | AppError::Conflict(m) => m.clone(),
            AppError::NotFound(what) => format!("{what} not found"),
            AppError::BadUserInput { field, message } => format!("{field}: {message}"),
            AppError::Vendor { message, .. } => format!("vendor error: {message}"),
            AppError::Internal(_) => "internal error".into(),
        }
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    /// Logs the cause and hides it from the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let cause = cause.to_string();
        tracing::error!(%cause, "internal error");
        AppError::Internal(cause)
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::internal(format_args!("database: {err}"))
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let code = err.code();
        // The Display of Internal is generic on purpose: the cause was logged, not returned.
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            match &err {
                AppError::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                AppError::Vendor {
                    vendor_code: Some(vc),
                    ..
                } => ext.set("vendorCode", vc.as_str()),
                _ => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let gql: async_graphql::Error = AppError::internal("password=hunter2 at db").into();
        assert_eq!(gql.message, "internal error");
        let ext = serde_json::to_value(&gql.extensions).unwrap();
        assert_eq!(ext["code"], "INTERNAL");
        assert!(!ext.to_string().contains("hunter2"));
    }

    #[test]
    fn bad_input_names_the_field() {
        let gql: async_graphql::Error =
            AppError::bad_input("purchasedRights", "must be ≥ 0").into();
        let ext = serde_json::to_value(&gql.extensions).unwrap();
        assert_eq!(ext["code"], "BAD_USER_INPUT");
        assert_eq!(ext["field"], "purchasedRights");
    }
}
