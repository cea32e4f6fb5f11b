//! The object's connection, with the runtime's own statements prepared once
//! and kept in fixed slots.
//!
//! Every KV read and write, every batch savepoint and every alarm change
//! runs one of a handful of fixed statements. Through rusqlite's statement
//! cache each use hashed the statement's text twice and allocated a key,
//! about a thousand instructions; a counter request's four or so uses
//! added up to a twentieth of its instructions.
//! Here each fixed statement has a slot, found by its [`Fixed`] name. The
//! object's own statements, whose texts are not known in advance, are kept
//! by text in a cache of their own (`statement_cache.rs`).
//!
//! Invariant: a slot's statement borrows the connection this struct boxes.
//! The slots are declared before the box, so they are finalized before the
//! connection closes; the box never moves; and nothing borrows the
//! connection mutably once the struct exists (it hands out only `&`).

use std::cell::RefCell;
use std::ops::Deref;

use rusqlite::{Connection, PrepFlags, Statement};

use super::statement_cache::StatementCache;
use super::StorageError;

/// The fixed statements, by what they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fixed {
    KvGet,
    KvPut,
    KvDelete,
    AlarmGet,
    AlarmSet,
    AlarmDelete,
    /// `RELEASE b0`: commits every batch.
    ReleaseOutermost,
    /// `SAVEPOINT b0`: the outermost savepoint, which opens the
    /// transaction.
    SavepointOutermost,
    /// `SAVEPOINT b`: every later savepoint, nested in the one before (one
    /// name for every depth: SQLite finds the innermost; see
    /// `savepoint_stack.rs`).
    SavepointNested,
    /// `ROLLBACK TO b`: undoes the batches of the innermost nested savepoint.
    RollbackNested,
    /// `RELEASE b`: drops the innermost nested savepoint (after its
    /// rollback, so nothing is merged).
    ReleaseNested,
    /// `ROLLBACK TO b0`: undoes every batch.
    RollbackOutermost,
}

const SLOTS: usize = 12;

/// The most bytes of bound values a fixed statement keeps between uses.
/// SQLite copies each bound text and blob, and the copy stays until the
/// statement is bound again; a key (at most 2 KB) and a small value may
/// stay, a stored value of up to 128 KB or a 2 MB blob may not.
pub(super) const BOUND_BYTES_KEPT: usize = 4096;

impl Fixed {
    fn slot(self) -> usize {
        match self {
            Fixed::KvGet => 0,
            Fixed::KvPut => 1,
            Fixed::KvDelete => 2,
            Fixed::AlarmGet => 3,
            Fixed::AlarmSet => 4,
            Fixed::AlarmDelete => 5,
            Fixed::ReleaseOutermost => 6,
            Fixed::SavepointOutermost => 7,
            Fixed::SavepointNested => 8,
            Fixed::RollbackNested => 9,
            Fixed::ReleaseNested => 10,
            Fixed::RollbackOutermost => 11,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Fixed::KvGet => "SELECT value FROM _cf_KV WHERE key = ?1",
            Fixed::KvPut => {
                "INSERT INTO _cf_KV (key, value) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET value = \
                 excluded.value"
            }
            Fixed::KvDelete => "DELETE FROM _cf_KV WHERE key = ?1",
            Fixed::AlarmGet => "SELECT value FROM _cf_METADATA WHERE key = ?1",
            Fixed::AlarmSet => "INSERT OR REPLACE INTO _cf_METADATA (key, value) VALUES (?1, ?2)",
            Fixed::AlarmDelete => "DELETE FROM _cf_METADATA WHERE key = ?1",
            Fixed::ReleaseOutermost => "RELEASE b0",
            Fixed::SavepointOutermost => "SAVEPOINT b0",
            Fixed::SavepointNested => "SAVEPOINT b",
            Fixed::RollbackNested => "ROLLBACK TO b",
            Fixed::ReleaseNested => "RELEASE b",
            Fixed::RollbackOutermost => "ROLLBACK TO b0",
        }
    }
}

/// A connection, its fixed statements and the object's kept statements
/// (see the module documentation).
pub(super) struct Prepared {
    // Both declared before `conn`: dropped, so finalized, first.
    slots: RefCell<[Option<Statement<'static>>; SLOTS]>,
    object: StatementCache,
    conn: Box<Connection>,
}

impl Prepared {
    /// Takes `conn`; no statement is prepared before its first use. Up to
    /// `object_statements` of the object's own statements are kept.
    pub(super) fn new(conn: Connection, object_statements: usize) -> Prepared {
        Prepared {
            slots: RefCell::new(std::array::from_fn(|_| None)),
            object: StatementCache::new(object_statements),
            conn: Box::new(conn),
        }
    }

    /// Runs `f` on the object's statement `sql`: the kept one, or the one
    /// `prepare` makes on this connection (see `statement_cache.rs`). `f`
    /// gets whether the statement was prepared just now, and must not run
    /// another of the object's statements.
    pub(super) fn with_object_sql<'a, R, E>(
        &'a self,
        sql: &str,
        prepare: impl FnOnce() -> Result<Statement<'a>, E>,
        f: impl FnOnce(&mut Statement<'_>, bool) -> R,
    ) -> Result<R, E> {
        // SAFETY: `prepare` prepares on `*self.conn` (the contract above;
        // every caller is in this module's parent), which lives in a box
        // that never moves and outlives the cache (dropped first, see the
        // field order).
        unsafe { self.object.with(sql, prepare, f) }
    }

    /// Runs `f` on the fixed statement `which`, preparing it on first use.
    /// A statement that does not prepare (its table does not exist yet)
    /// fails here and is tried again next time.
    ///
    /// `f` must leave the statement reset, as rusqlite's `execute`,
    /// `query_row` and `exists` do. `bound` is how many bytes of text and
    /// blobs `f` binds: past [`BOUND_BYTES_KEPT`], the statement lets go
    /// of its copies when `f` is done.
    pub(super) fn with<R>(
        &self,
        which: Fixed,
        bound: usize,
        f: impl FnOnce(&mut Statement<'_>) -> rusqlite::Result<R>,
    ) -> Result<R, StorageError> {
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[which.slot()];
        if slot.is_none() {
            let stmt = self
                .conn
                .prepare_with_flags(which.sql(), PrepFlags::SQLITE_PREPARE_PERSISTENT)?;
            // SAFETY: the statement borrows `*self.conn`, which lives in a
            // box that never moves and outlives the slots (they are dropped
            // first, see the field order), and is never borrowed mutably
            // (see the module documentation).
            *slot = Some(unsafe { std::mem::transmute::<Statement<'_>, Statement<'static>>(stmt) });
        }
        let stmt = slot.as_mut().expect("the slot was just filled");
        let result = f(stmt);
        // A bound value is a copy that stays with the statement until its
        // next use. Clearing after every use cost a request about 190
        // instructions; a large value is let go of at once instead (see
        // `BOUND_BYTES_KEPT`).
        if bound > BOUND_BYTES_KEPT {
            stmt.clear_bindings();
        }
        Ok(result?)
    }

    /// Runs a statement that takes no parameters and returns no rows.
    pub(super) fn run(&self, which: Fixed) -> Result<(), StorageError> {
        self.with(which, 0, |stmt| stmt.execute([]).map(drop))
    }
}

impl Deref for Prepared {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prepared = self
            .slots
            .try_borrow()
            .map(|s| s.iter().filter(|s| s.is_some()).count());
        f.debug_struct("Prepared")
            .field("fixed_statements_prepared", &prepared.ok())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_statement_has_its_own_slot() {
        let mut all = vec![
            Fixed::KvGet,
            Fixed::KvPut,
            Fixed::KvDelete,
            Fixed::AlarmGet,
            Fixed::AlarmSet,
            Fixed::AlarmDelete,
            Fixed::ReleaseOutermost,
        ];
        all.extend([
            Fixed::SavepointOutermost,
            Fixed::SavepointNested,
            Fixed::RollbackNested,
            Fixed::ReleaseNested,
            Fixed::RollbackOutermost,
        ]);
        let mut slots: Vec<usize> = all.iter().map(|f| f.slot()).collect();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots, (0..SLOTS).collect::<Vec<_>>());
    }

    #[test]
    fn a_statement_whose_table_is_missing_fails_then_prepares_once_it_exists() {
        let prepared = Prepared::new(Connection::open_in_memory().unwrap(), 4);
        let missing = prepared.with(Fixed::KvGet, 1, |s| s.exists(["k"]));
        assert!(missing.is_err(), "no _cf_KV table yet");
        prepared
            .execute_batch("CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
            .unwrap();
        prepared
            .with(Fixed::KvPut, 2, |s| {
                s.execute(rusqlite::params!["k", b"v".to_vec()])
            })
            .unwrap();
        let got: Vec<u8> = prepared
            .with(Fixed::KvGet, 1, |s| s.query_row(["k"], |r| r.get(0)))
            .unwrap();
        assert_eq!(got, b"v");
    }

    #[test]
    fn a_small_binding_stays_and_a_large_one_is_let_go() {
        let prepared = Prepared::new(Connection::open_in_memory().unwrap(), 4);
        prepared
            .execute_batch("CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
            .unwrap();
        let bound = |which: Fixed| {
            let slots = prepared.slots.borrow();
            let stmt = slots[which.slot()].as_ref().expect("prepared");
            stmt.expanded_sql().expect("the statement has text")
        };
        let small = b"v".to_vec();
        prepared
            .with(Fixed::KvPut, 1 + small.len(), |s| {
                s.execute(rusqlite::params!["k", small])
            })
            .unwrap();
        assert!(
            bound(Fixed::KvPut).contains("'k'"),
            "{}",
            bound(Fixed::KvPut)
        );
        let large = vec![7u8; BOUND_BYTES_KEPT];
        prepared
            .with(Fixed::KvPut, 1 + large.len(), |s| {
                s.execute(rusqlite::params!["k", large])
            })
            .unwrap();
        assert!(
            !bound(Fixed::KvPut).contains("'k'"),
            "{}",
            bound(Fixed::KvPut)
        );
        assert!(
            bound(Fixed::KvPut).contains("NULL"),
            "{}",
            bound(Fixed::KvPut)
        );
    }
}
