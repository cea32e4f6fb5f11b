//! Errors the storage layer hands back to the object's code.
//!
//! These are the errors a Durable Object can observe and match on, so each
//! variant's `Display` is the exact text workerd gives (see `docs/semantics.md`,
//! "Error texts"). Broken framework invariants are not errors: they are
//! assertions in the code that keeps them.

use std::fmt;

/// Errors the storage layer reports; `Display` gives the exact user-visible text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// `list` with `limit <= 0`. Text: "List limit must be positive."
    ListLimitNotPositive,
    /// `list` with both `start` and `start_after`.
    /// Text: "list() cannot be called with both start and startAfter values."
    ListStartAndStartAfter,
    /// SQLite failed, or the real runtime's SQL rules refused a statement;
    /// carries the text workerd gives (e.g. "string or blob too big:
    /// SQLITE_TOOBIG").
    Sqlite(String),
    /// A value the real runtime's JavaScript layer refuses with a
    /// `TypeError` (e.g. a binding beyond 2^53).
    TypeError(String),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::ListLimitNotPositive => f.write_str("List limit must be positive."),
            StorageError::ListStartAndStartAfter => {
                f.write_str("list() cannot be called with both start and startAfter values.")
            }
            StorageError::Sqlite(message) | StorageError::TypeError(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for StorageError {}

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> Self {
        StorageError::Sqlite(super::sql_error::describe(&error))
    }
}

#[cfg(test)]
mod tests {
    use super::StorageError;

    #[test]
    fn list_errors_have_workerds_exact_text() {
        assert_eq!(
            StorageError::ListLimitNotPositive.to_string(),
            "List limit must be positive."
        );
        assert_eq!(
            StorageError::ListStartAndStartAfter.to_string(),
            "list() cannot be called with both start and startAfter values."
        );
    }

    #[test]
    fn sqlite_errors_keep_sqlites_message() {
        let error: StorageError = rusqlite::Error::InvalidQuery.into();
        assert_eq!(
            error,
            StorageError::Sqlite(rusqlite::Error::InvalidQuery.to_string())
        );
        let error: StorageError = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_TOOBIG),
            Some("string or blob too big".into()),
        )
        .into();
        assert_eq!(error.to_string(), "string or blob too big: SQLITE_TOOBIG");
    }
}
