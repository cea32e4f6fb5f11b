//! SQLite errors as the real runtime words them.
//!
//! workerd appends the error's code name to SQLite's message, the byte
//! offset of the offending token when SQLite knows it, and the extended code
//! when it says more than the primary one (see `docs/semantics.md`, "Error texts"):
//!
//! ```text
//! near "SELEC": syntax error at offset 0: SQLITE_ERROR
//! NOT NULL constraint failed: users.name: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)
//! ```
//!
//! Objects match on these texts, so they are built here, in one place.

use rusqlite::ffi;

/// The workerd text for a rusqlite error.
pub(crate) fn describe(error: &rusqlite::Error) -> String {
    match error {
        rusqlite::Error::SqliteFailure(e, msg) => {
            let message = msg
                .clone()
                .unwrap_or_else(|| primary_message(e.extended_code));
            with_codes(&message, e.extended_code)
        }
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => with_codes(&format!("{msg} at offset {offset}"), error.extended_code),
        rusqlite::Error::ToSqlConversionFailure(e) => e.to_string(),
        other => other.to_string(),
    }
}

fn with_codes(message: &str, extended: i32) -> String {
    let primary = extended & 0xff;
    let name = code_name(primary);
    if extended != primary {
        if let Some(ext) = extended_name(extended) {
            return format!("{message}: {name} (extended: {ext})");
        }
    }
    format!("{message}: {name}")
}

fn primary_message(extended: i32) -> String {
    rusqlite::Error::SqliteFailure(ffi::Error::new(extended), None).to_string()
}

/// The name of a primary result code, as `sqlite3.h` spells it.
pub(crate) fn code_name(primary: i32) -> &'static str {
    match primary {
        ffi::SQLITE_ERROR => "SQLITE_ERROR",
        ffi::SQLITE_INTERNAL => "SQLITE_INTERNAL",
        ffi::SQLITE_PERM => "SQLITE_PERM",
        ffi::SQLITE_ABORT => "SQLITE_ABORT",
        ffi::SQLITE_BUSY => "SQLITE_BUSY",
        ffi::SQLITE_LOCKED => "SQLITE_LOCKED",
        ffi::SQLITE_NOMEM => "SQLITE_NOMEM",
        ffi::SQLITE_READONLY => "SQLITE_READONLY",
        ffi::SQLITE_INTERRUPT => "SQLITE_INTERRUPT",
        ffi::SQLITE_IOERR => "SQLITE_IOERR",
        ffi::SQLITE_CORRUPT => "SQLITE_CORRUPT",
        ffi::SQLITE_NOTFOUND => "SQLITE_NOTFOUND",
        ffi::SQLITE_FULL => "SQLITE_FULL",
        ffi::SQLITE_CANTOPEN => "SQLITE_CANTOPEN",
        ffi::SQLITE_PROTOCOL => "SQLITE_PROTOCOL",
        ffi::SQLITE_EMPTY => "SQLITE_EMPTY",
        ffi::SQLITE_SCHEMA => "SQLITE_SCHEMA",
        ffi::SQLITE_TOOBIG => "SQLITE_TOOBIG",
        ffi::SQLITE_CONSTRAINT => "SQLITE_CONSTRAINT",
        ffi::SQLITE_MISMATCH => "SQLITE_MISMATCH",
        ffi::SQLITE_MISUSE => "SQLITE_MISUSE",
        ffi::SQLITE_NOLFS => "SQLITE_NOLFS",
        ffi::SQLITE_AUTH => "SQLITE_AUTH",
        ffi::SQLITE_FORMAT => "SQLITE_FORMAT",
        ffi::SQLITE_RANGE => "SQLITE_RANGE",
        ffi::SQLITE_NOTADB => "SQLITE_NOTADB",
        _ => "SQLITE_UNKNOWN",
    }
}

/// The name of the extended codes an object's SQL can meet.
fn extended_name(extended: i32) -> Option<&'static str> {
    Some(match extended {
        ffi::SQLITE_CONSTRAINT_CHECK => "SQLITE_CONSTRAINT_CHECK",
        ffi::SQLITE_CONSTRAINT_COMMITHOOK => "SQLITE_CONSTRAINT_COMMITHOOK",
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => "SQLITE_CONSTRAINT_FOREIGNKEY",
        ffi::SQLITE_CONSTRAINT_FUNCTION => "SQLITE_CONSTRAINT_FUNCTION",
        ffi::SQLITE_CONSTRAINT_NOTNULL => "SQLITE_CONSTRAINT_NOTNULL",
        ffi::SQLITE_CONSTRAINT_PRIMARYKEY => "SQLITE_CONSTRAINT_PRIMARYKEY",
        ffi::SQLITE_CONSTRAINT_TRIGGER => "SQLITE_CONSTRAINT_TRIGGER",
        ffi::SQLITE_CONSTRAINT_UNIQUE => "SQLITE_CONSTRAINT_UNIQUE",
        ffi::SQLITE_CONSTRAINT_VTAB => "SQLITE_CONSTRAINT_VTAB",
        ffi::SQLITE_CONSTRAINT_ROWID => "SQLITE_CONSTRAINT_ROWID",
        ffi::SQLITE_CONSTRAINT_DATATYPE => "SQLITE_CONSTRAINT_DATATYPE",
        ffi::SQLITE_ERROR_MISSING_COLLSEQ => "SQLITE_ERROR_MISSING_COLLSEQ",
        ffi::SQLITE_ERROR_RETRY => "SQLITE_ERROR_RETRY",
        ffi::SQLITE_ERROR_SNAPSHOT => "SQLITE_ERROR_SNAPSHOT",
        ffi::SQLITE_AUTH_USER => "SQLITE_AUTH_USER",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_errors_name_the_extended_code() {
        let e = rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_CONSTRAINT_NOTNULL),
            Some("NOT NULL constraint failed: users.name".into()),
        );
        assert_eq!(
            describe(&e),
            "NOT NULL constraint failed: users.name: SQLITE_CONSTRAINT (extended: \
             SQLITE_CONSTRAINT_NOTNULL)"
        );
    }

    #[test]
    fn plain_errors_name_the_primary_code() {
        let e = rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_TOOBIG),
            Some("string or blob too big".into()),
        );
        assert_eq!(describe(&e), "string or blob too big: SQLITE_TOOBIG");
    }
}
