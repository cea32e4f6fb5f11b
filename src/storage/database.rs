//! One Durable Object's database: the KV API on SQLite, and the write batches
//! a crash can lose.
//!
//! The real runtime keeps an object's KV data in a hidden table, `_cf_KV`,
//! inside the object's SQLite database, and commits writes in batches: every
//! write made with no await in between joins one batch, which later becomes
//! durable as a whole. dosim needs the same store so that user code sees the
//! same ordering, errors and read-your-writes, and it needs to be able to
//! throw away exactly the batches a real crash would lose.
//!
//! # Invariant: batches are atomic, confirmed batches survive a crash
//!
//! Writes join the batch being filled until [`Database::close_batch`]. Closed
//! batches are confirmed (made durable) strictly in id order. A crash
//! ([`Database::lose_unconfirmed`]) removes every batch not yet confirmed,
//! each one whole, and keeps every confirmed batch, each one whole. Reads see
//! every write at once, confirmed or not.
//!
//! # How: one open transaction, batches in savepoints
//!
//! The first write after a commit opens a transaction (`SAVEPOINT b0`).
//! SQLite cannot commit a batch alone while a later one is open, so a
//! confirmed batch stays in the transaction until nothing is unconfirmed;
//! then `RELEASE b0` commits the lot, unless the next batch may still join
//! the transaction's one savepoint (see `commit_if_all_confirmed`); the
//! object's SQL and a restore commit such a held transaction before they
//! run (`commit_held`). Batches share savepoints in
//! segments, and a crash rolls back to the segment holding the oldest
//! unconfirmed batch and redoes the confirmed batches of that segment
//! from the redo log (`savepoint_stack.rs` says when batches may share).

//! # Fault model
//!
//! What may be lost is decided by the caller (the simulated storage service):
//! at any moment it may declare a crash, and exactly the unconfirmed batches
//! vanish. SQLite itself is trusted: a savepoint that cannot be rolled back
//! is a broken framework invariant, not a fault the object must survive. One
//! SQLite behaviour could break the invariant and is watched for: after
//! SQLITE_FULL (e.g. under `PRAGMA max_page_count`) or SQLITE_NOMEM, SQLite
//! rolls back the whole transaction, held confirmed batches included.

use std::sync::Arc;

use rusqlite::Connection;

use super::authorizer::Authorizer;
use super::error::StorageError;

// A child, not a sibling, so that `storage/mod.rs` need not know about it.
mod list;
pub use list::ListOptions;

mod connection;

mod prepared;
use prepared::{Fixed, Prepared};

mod statement_cache;

mod sql;
pub use sql::{Executed, SQL_BINDINGS_MAX, SQL_COLUMNS_MAX, SQL_LENGTH_MAX, SQL_VALUE_BYTES_MAX};

mod sql_columns;

mod sql_reads;

mod transaction;
pub use transaction::TransactionMark;

mod alarm_store;

mod bookmarks;

mod kv;

mod savepoint_stack;
pub(crate) use bookmarks::parse_bookmark;
// The redo log's entries and the bytes of their values.
mod redo_log;
pub use bookmarks::BOOKMARK_WINDOW;
use redo_log::RedoLog;
use savepoint_stack::SavepointStack;

#[cfg(test)]
mod tests;

/// Identifies one write batch. Ids count up from 1 per database and are never
/// reused, not even for a batch a crash lost.
pub type BatchId = u64;

// How many of the object's own statements stay prepared
// (`statement_cache.rs`).
const STATEMENT_CACHE_CAPACITY: usize = 64;
// The runtime's statements that have no fixed slot (see `prepared.rs`):
// the eight list shapes, transaction savepoints, schema look-ups.
const RUNTIME_STATEMENTS: usize = 32;

/// One object's SQLite database: the KV table plus the write-batch bookkeeping.
#[derive(Debug)]
pub struct Database {
    conn: Prepared,
    // Mirrors whether `_cf_KV` exists, so reads before the first write neither
    // fail nor create it; recomputed after a crash, which may drop the table.
    kv_table_exists: bool,
    // The id the batch being filled has (or will have, once it writes).
    filling: BatchId,
    filling_has_writes: bool,
    // Oldest closed batch not yet confirmed; equals `filling` when none is.
    oldest_unconfirmed: BatchId,
    // The savepoints of the batches not yet committed; empty when
    // everything is. Batches below `oldest_unconfirmed` in it are
    // confirmed, waiting for the commit.
    stack: SavepointStack,
    // Open `transaction` savepoints (`t0`, `t1`, …) inside the batch.
    txn_depth: usize,
    auth: Arc<Authorizer>,
    // The redo log of point-in-time recovery: every write of every batch
    // that exists, under its batch id (see bookmarks.rs).
    log: RedoLog,
    // Whether the alarm may have changed since the service last looked.
    alarm_touched: bool,
    // Whether `_cf_METADATA` exists, when known.
    metadata_table: std::cell::Cell<Option<bool>>,
    // When each confirmed batch was confirmed, in id order.
    confirmed_at: Vec<(BatchId, std::time::Duration)>,
    // The column names of the object's recent statements.
    columns: sql_columns::ColumnNames,
    // Whether the object's recent statements read a table.
    table_reads: sql_reads::TableReads,
}

impl Database {
    /// Opens an empty in-memory database.
    pub fn open() -> Result<Database, StorageError> {
        Database::open_seeded(0)
    }

    /// Opens an empty in-memory database whose SQL `random()` draws from
    /// `seed`, on the simulated clock (see `sql_clock.rs`).
    pub fn open_seeded(seed: u64) -> Result<Database, StorageError> {
        let mut conn = connection::open(seed, RUNTIME_STATEMENTS)?;
        let auth = Authorizer::install(&mut conn)?;
        Ok(Database {
            conn: Prepared::new(conn, STATEMENT_CACHE_CAPACITY),
            kv_table_exists: false,
            filling: 1,
            filling_has_writes: false,
            oldest_unconfirmed: 1,
            stack: SavepointStack::default(),
            txn_depth: 0,
            auth,
            log: RedoLog::default(),
            alarm_touched: false,
            metadata_table: std::cell::Cell::new(None),
            confirmed_at: Vec::new(),
            columns: sql_columns::ColumnNames::default(),
            table_reads: sql_reads::TableReads::default(),
        })
    }

    /// The entries in the range `opts` describes, in key order (descending when
    /// `reverse`), at most `limit` of them.
    ///
    /// Errors, checked in workerd's order: both `start` and `start_after`, then
    /// a `limit` that is not positive.
    pub fn list(&mut self, opts: &ListOptions) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        list::list(&self.conn, self.kv_table_exists, opts)
    }

    /// Ends the batch being filled, if it holds any write, and returns its id.
    /// Writes after this start a new batch. A batch that only read is no batch:
    /// the result is `None` and the id is not used up.
    pub fn close_batch(&mut self) -> Option<BatchId> {
        debug_assert_eq!(
            self.txn_depth, 0,
            "invariant batch-holds-transaction: a batch closed inside a transaction"
        );
        if !self.filling_has_writes {
            return None;
        }
        let id = self.filling;
        self.filling += 1;
        self.filling_has_writes = false;
        Some(id)
    }

    /// Makes the oldest unconfirmed closed batch durable; `id` must be exactly
    /// that batch (the storage service confirms in order).
    pub fn confirm(&mut self, id: BatchId) {
        self.confirm_at(id, std::time::Duration::ZERO);
    }

    /// [`Database::confirm`], remembering when (for bookmarks by time).
    pub fn confirm_at(&mut self, id: BatchId, now: std::time::Duration) {
        let expected = self.oldest_unconfirmed < self.filling && id == self.oldest_unconfirmed;
        debug_assert!(
            expected,
            "invariant batch-confirm-order: confirmed batch {id}, but the oldest unconfirmed closed \
             batch is {} (next batch id {})",
            self.oldest_unconfirmed,
            self.filling
        );
        if !expected {
            // Confirming out of order would make a later batch durable before
            // an earlier one; refusing keeps crashes losing a suffix.
            return;
        }
        self.oldest_unconfirmed += 1;
        self.confirmed_at.push((id, now));
        self.commit_if_all_confirmed();
    }

    /// A crash: every batch not yet confirmed (closed or still being filled)
    /// vanishes atomically, as if it never happened; confirmed ones stay.
    /// Returns the ids that were lost, oldest first; the batch being filled is
    /// among them, under the id it would have had, if it held a write.
    pub fn lose_unconfirmed(&mut self) -> Vec<BatchId> {
        // Nothing unconfirmed means nothing to undo: the schema stays as it
        // is, and so may what is known of it (every new instance comes
        // through here, and forgetting would cost a schema look-up each).
        let loses = self.filling_has_writes || self.oldest_unconfirmed < self.filling;
        if self.filling_has_writes {
            // The lost open batch keeps its id, so ids stay unique after a crash.
            self.filling += 1;
            self.filling_has_writes = false;
        }
        // Rolling back the batch cancels the transactions in it.
        self.txn_depth = 0;
        if loses {
            self.alarm_may_have_changed();
        } else {
            self.alarm_touched = true;
        }
        let lost: Vec<BatchId> = (self.oldest_unconfirmed..self.filling).collect();
        self.forget_log_from(self.oldest_unconfirmed);
        if let Some(&oldest_lost) = lost.first().filter(|_| self.stack.is_open()) {
            // Leaves `kv_table_exists` as the rollback and the redo left it.
            let rolled_back = self.roll_back_from(oldest_lost);
            assert!(
                rolled_back.is_ok(),
                "invariant batch-crash-atomic: could not drop batches {lost:?}: {rolled_back:?}"
            );
        }
        self.oldest_unconfirmed = self.filling;
        self.check_savepoint_stack();
        lost
    }

    /// Number of batches written but not confirmed: the closed ones plus the
    /// one being filled if it holds a write.
    pub fn unconfirmed(&self) -> usize {
        let closed = self.filling - self.oldest_unconfirmed;
        usize::try_from(closed).unwrap_or(usize::MAX) + usize::from(self.filling_has_writes)
    }

    /// Every key and value, in key order (for tests and durability checks).
    pub fn dump(&mut self) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        self.list(&ListOptions::default())
    }

    // ---- internals ----

    /// Puts the batch in a savepoint on its first write, so that the write (and a
    /// table it creates) can be undone together with the rest of the batch.
    fn begin_write(&mut self) -> Result<(), StorageError> {
        self.batch().begin_write()
    }

    /// The batch bookkeeping, borrowed apart from the rest of `self`, so
    /// that a write can open its batch while one of the object's
    /// statements (which borrows `conn`) is held.
    fn batch(&mut self) -> FillingBatch<'_> {
        FillingBatch {
            conn: &self.conn,
            filling: self.filling,
            filling_has_writes: &mut self.filling_has_writes,
            stack: &mut self.stack,
        }
    }

    /// Runs a savepoint statement of a transaction or a multi-statement
    /// `exec` through the statement cache (a batch's own savepoints are
    /// fixed statements, see `prepared.rs`).
    fn run_cached(&self, sql: &str) -> Result<(), StorageError> {
        run_cached(&self.conn, sql)
    }

    /// Commits once no batch is unconfirmed: only then can the outermost
    /// savepoint be released without making an unconfirmed batch durable.
    ///
    /// Unless the next batch may still join the transaction's one segment:
    /// then the transaction stays open for it. A commit there costs more
    /// than the `RELEASE`: the next batch opens a transaction again, and
    /// SQLite copies every page it touches into the journal again (the
    /// counter's request paid about 1 100 instructions for that). Holding
    /// it changes what a crash does only in how it gets there: it rolls
    /// back to the segment's start and redoes the confirmed batches before
    /// the lost one from the log, at most [`savepoint_stack`]'s segment
    /// size of them, as it does whenever batches share a segment.
    fn commit_if_all_confirmed(&mut self) {
        if self.stack.may_take(self.filling) {
            return;
        }
        self.commit_held();
    }

    /// Commits the transaction if every batch in it is confirmed and none
    /// is being filled. The object's SQL and a restore call this first, so
    /// that they find the connection as it was before transactions were
    /// held open for later batches: a batch that an `exec` opens must open
    /// the transaction itself (`close_unwritten_batch` judges it by that),
    /// and the pragmas an object may run do nothing inside a transaction.
    fn commit_held(&mut self) {
        if self.oldest_unconfirmed != self.filling || self.filling_has_writes {
            return;
        }
        if self.stack.is_open() {
            // If the commit fails the savepoints stay, still correct: the batches
            // remain confirmed and the next chance to commit retries.
            if self.conn.run(Fixed::ReleaseOutermost).is_ok() {
                self.stack.clear();
            }
        }
        self.check_savepoint_stack();
    }

    /// Bookkeeping and SQLite agree on whether a transaction is open.
    fn check_savepoint_stack(&self) {
        debug_assert_eq!(
            self.stack.is_open(),
            !self.conn.is_autocommit(),
            "invariant batch-savepoint-stack: bookkeeping says savepoints {:?}, SQLite says \
             autocommit={}",
            self.stack,
            self.conn.is_autocommit()
        );
    }

    /// After some failed writes (SQLITE_FULL, SQLITE_NOMEM; observed for
    /// SQLITE_FULL under `PRAGMA max_page_count`) SQLite rolls back the whole
    /// transaction, not just the statement: every savepoint goes, the held
    /// confirmed batches with them. That breaks the durability invariant, so
    /// debug builds stop here; release builds treat it as a crash, so later
    /// writes open a fresh savepoint instead of silently autocommitting.
    fn recover_if_sqlite_rolled_back(&mut self) {
        if !self.stack.is_open() || !self.conn.is_autocommit() {
            return;
        }
        debug_assert!(
            false,
            "invariant batch-savepoint-stack: a failed write made SQLite roll back the whole \
             transaction, dropping batches {:?}..={} (the confirmed ones below {} included)",
            self.stack, self.filling, self.oldest_unconfirmed
        );
        self.stack.clear();
        self.txn_depth = 0;
        self.forget_log_from(self.oldest_unconfirmed);
        if self.filling_has_writes {
            self.filling += 1;
            self.filling_has_writes = false;
        }
        self.oldest_unconfirmed = self.filling;
        self.kv_table_exists = self.kv_table_in_schema().unwrap_or(true);
        self.alarm_may_have_changed();
    }
}

/// What opening the batch's savepoint reads and changes (see
/// [`Database::batch`]).
struct FillingBatch<'a> {
    conn: &'a Prepared,
    filling: BatchId,
    filling_has_writes: &'a mut bool,
    stack: &'a mut SavepointStack,
}

impl FillingBatch<'_> {
    /// Puts the batch in a savepoint on its first write, so that the write
    /// (and a table it creates) can be undone with the rest of the batch.
    fn begin_write(self) -> Result<(), StorageError> {
        if *self.filling_has_writes {
            return Ok(());
        }
        self.stack.begin(self.conn, self.filling)?;
        *self.filling_has_writes = true;
        Ok(())
    }
}

/// Runs a statement through the statement cache (see
/// [`Database::run_cached`]).
fn run_cached(conn: &Connection, sql: &str) -> Result<(), StorageError> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

#[cfg(test)]
mod sql_tests;

#[cfg(test)]
mod transaction_tests;

#[cfg(test)]
mod model_tests;

#[cfg(test)]
mod savepoint_tests;
