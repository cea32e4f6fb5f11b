//! How every object's SQLite connection is opened: on the simulated clock
//! (the `dosim` VFS), with seeded `random()`, production's limits (the run
//! may then choose local workerd's value size, [`Database::set_limits`]),
//! foreign keys on, a small lookaside and a statement cache sized for the
//! runtime's statements that have no fixed slot (the fixed ones and the
//! object's own live in `prepared.rs`).

use rusqlite::limits::Limit;
use rusqlite::Connection;

use super::sql::{SQL_BINDINGS_MAX, SQL_COLUMNS_MAX, SQL_LENGTH_MAX, SQL_VALUE_BYTES_MAX};
use super::Database;
use crate::limits::Limits;
use crate::storage::error::StorageError;
use crate::storage::sql_clock;

/// A new in-memory connection, configured as the module says.
pub(super) fn open(seed: u64, statement_cache: usize) -> Result<Connection, StorageError> {
    let conn = if sql_clock::register_vfs() {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
            | rusqlite::OpenFlags::SQLITE_OPEN_MEMORY
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Connection::open_with_flags_and_vfs(":memory:", flags, sql_clock::VFS_NAME)?
    } else {
        debug_assert!(false, "invariant sql-clock: the dosim VFS did not register");
        Connection::open_in_memory()?
    };
    shrink_lookaside(&conn);
    sql_clock::install_random(&conn, seed)?;
    conn.set_prepared_statement_cache_capacity(statement_cache);
    // Production's limits, so an object fails here before it fails there.
    conn.set_limit(Limit::SQLITE_LIMIT_VARIABLE_NUMBER, SQL_BINDINGS_MAX)?;
    conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, SQL_LENGTH_MAX)?;
    conn.set_limit(Limit::SQLITE_LIMIT_COLUMN, SQL_COLUMNS_MAX)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, SQL_VALUE_BYTES_MAX)?;
    // The same switch as `PRAGMA foreign_keys = ON`, without parsing a
    // statement for every object of every seed.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY,
        true,
    )?;
    Ok(conn)
}

impl Database {
    /// Applies the run's size limits: the largest string, blob or row, which
    /// bounds KV values and SQL values alike. (Key and batch sizes are
    /// checked by the storage API before they reach the database.)
    pub fn set_limits(&mut self, limits: &Limits) {
        let max = i32::try_from(limits.value_bytes_max()).unwrap_or(i32::MAX);
        // SQLite clamps the value to its compile-time ceiling itself.
        set_value_limit(&self.conn, max);
    }

    /// Gives this database the limits `other` has: a restore rebuilds the
    /// database on a new connection, which must hold what the old one held.
    pub(super) fn take_limits_of(&mut self, other: &Database) {
        let max = other.conn.limit(Limit::SQLITE_LIMIT_LENGTH);
        debug_assert!(max.is_ok(), "SQLITE_LIMIT_LENGTH is a valid limit");
        set_value_limit(&self.conn, max.unwrap_or(SQL_VALUE_BYTES_MAX));
    }
}

fn set_value_limit(conn: &Connection, max: i32) {
    let set = conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, max);
    debug_assert!(set.is_ok(), "SQLITE_LIMIT_LENGTH accepts {max}");
}

/// SQLite gives every connection a 120 KB lookaside allocator. A run holds
/// one connection per object, thousands in a big sweep, and each object's
/// database is small: 8 KB serve it as well. Asked for 16 slots of 512
/// bytes, SQLite makes 9 of them and 28 of 128: a statement's cursors (440
/// bytes each, three per counter request) come from the large ones instead
/// of `malloc`, which 64 slots of 128 bytes left them to.
fn shrink_lookaside(conn: &Connection) {
    // SAFETY: the handle is live for the call, and SQLITE_DBCONFIG_LOOKASIDE
    // with a null buffer asks SQLite to allocate the slots itself; it is
    // allowed while no lookaside memory is in use, as on a new connection.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_db_config(
            conn.handle(),
            rusqlite::ffi::SQLITE_DBCONFIG_LOOKASIDE,
            std::ptr::null_mut::<std::ffi::c_void>(),
            512 as std::ffi::c_int,
            16 as std::ffi::c_int,
        )
    };
    debug_assert_eq!(
        rc,
        rusqlite::ffi::SQLITE_OK,
        "lookaside could not be resized"
    );
}
