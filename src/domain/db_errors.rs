//! Database errors a client caused, told apart from the ones it did not.

use sea_orm::{DbErr, SqlErr};

use crate::error::AppError;

/// Whether the database refused a write because a unique index already holds the value.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Maps a unique violation to `CONFLICT` with `message`; anything else stays internal.
///
/// The index decides rather than a prior lookup, so two concurrent writers cannot both pass.
pub trait ConflictOnUnique<T> {
    fn conflict_on_unique(self, message: &str) -> Result<T, AppError>;
}

impl<T> ConflictOnUnique<T> for Result<T, DbErr> {
    fn conflict_on_unique(self, message: &str) -> Result<T, AppError> {
        self.map_err(|err| {
            if is_unique_violation(&err) {
                AppError::Conflict(message.to_owned())
            } else {
                err.into()
            }
        })
    }
}
