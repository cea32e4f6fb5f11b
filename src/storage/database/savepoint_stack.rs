//! The savepoints that hold batches not yet committed, and how a crash
//! undoes the unconfirmed ones.
//!
//! SQLite cannot commit one batch while a later one is still open, so
//! every batch since the last commit lives inside one open transaction,
//! and a crash must undo exactly the unconfirmed suffix of them. A
//! savepoint per batch would let it roll back to the oldest unconfirmed
//! one, but each savepoint makes SQLite copy every page a batch touches
//! into its journal again, and check the page against every savepoint
//! below: under load, with dozens of batches in flight, that was a sixth
//! of a counter request's instructions.
//!
//! So batches share savepoints. The stack is a list of *segments*, each one
//! savepoint holding consecutive batches: the outermost is `b0`, which
//! opened the transaction, the nested ones are all named `b` (SQLite finds
//! the innermost). A crash rolls back to the start of the segment holding
//! the oldest unconfirmed batch, then redoes, from the redo log (see
//! `bookmarks.rs`), the confirmed batches of that segment that came before
//! it. Because SQLite is deterministic, the same writes on the same state
//! leave the same database, pages included.
//!
//! Invariant: within a segment, every batch before the last holds only
//! writes that redo exactly (KV puts and deletes, `delete_all`, the
//! alarm). A batch that runs the object's SQL (which may read `random()`
//! or the clock) or restores a bookmark closes its segment to later
//! batches, and a segment takes at most [`SEGMENT_BATCHES_MAX`] batches,
//! which bounds the work a crash redoes.

use super::bookmarks::Logged;
use super::prepared::{Fixed, Prepared};
use super::redo_log::RedoLog;
use super::{BatchId, Database, StorageError};

/// The most batches one savepoint holds. Every segment costs its pages'
/// journal copies once; a crash redoes at most this many batches.
pub(super) const SEGMENT_BATCHES_MAX: BatchId = 32;

/// The open savepoints, as segments of batches (see the module docs).
#[derive(Debug, Default)]
pub(super) struct SavepointStack {
    // The first batch of each open segment, oldest (`b0`) first.
    firsts: Vec<BatchId>,
    // Whether a later batch may join the innermost segment.
    top_open: bool,
}

impl SavepointStack {
    /// Whether a transaction is open: some batch is not committed.
    pub(super) fn is_open(&self) -> bool {
        !self.firsts.is_empty()
    }

    /// Whether `batch` opened the transaction (so it is the only batch
    /// in it).
    pub(super) fn opened_by(&self, batch: BatchId) -> bool {
        self.firsts == [batch]
    }

    /// Puts batch `filling`, about to make its first write, into a
    /// segment: a new one (a savepoint statement) or the innermost one.
    pub(super) fn begin(&mut self, conn: &Prepared, filling: BatchId) -> Result<(), StorageError> {
        match self.firsts.last() {
            None => conn.run(Fixed::SavepointOutermost)?,
            Some(&first) if self.top_open && filling - first < SEGMENT_BATCHES_MAX => return Ok(()),
            Some(_) => conn.run(Fixed::SavepointNested)?,
        }
        self.firsts.push(filling);
        self.top_open = true;
        Ok(())
    }

    /// Whether batch `next` may still join the only open segment: one
    /// savepoint holds the transaction, open to later batches, with room.
    pub(super) fn may_take(&self, next: BatchId) -> bool {
        matches!(self.firsts[..], [first] if self.top_open && next - first < SEGMENT_BATCHES_MAX)
    }

    /// The batch being filled logged a write that does not redo exactly:
    /// no later batch may share its segment.
    pub(super) fn close_top(&mut self) {
        self.top_open = false;
    }

    /// Forgets every savepoint: the transaction committed or rolled back.
    pub(super) fn clear(&mut self) {
        self.firsts.clear();
        self.top_open = false;
    }

    /// The index of the segment holding `batch`.
    fn segment_of(&self, batch: BatchId) -> usize {
        self.firsts
            .partition_point(|first| *first <= batch)
            .saturating_sub(1)
    }
}

impl Database {
    /// Undoes every batch from `oldest_lost` on, keeps the confirmed ones
    /// below it, commits them and empties the stack. Rolls back to the
    /// start of `oldest_lost`'s segment, innermost segment first, then
    /// redoes the batches of that segment below `oldest_lost` from the
    /// log, which must already have forgotten the lost batches.
    pub(super) fn roll_back_from(&mut self, oldest_lost: BatchId) -> Result<(), StorageError> {
        let target = self.stack.segment_of(oldest_lost);
        let first = self.stack.firsts[target];
        for _ in target.max(1)..self.stack.firsts.len() {
            self.conn.run(Fixed::RollbackNested)?;
            self.conn.run(Fixed::ReleaseNested)?;
        }
        if target == 0 {
            // ROLLBACK TO keeps `b0` open, so the redo below stays inside
            // the transaction.
            self.conn.run(Fixed::RollbackOutermost)?;
        }
        // The rollback may have dropped `_cf_KV` or `_cf_METADATA`; the
        // redo below keeps `kv_table_exists` up to date from here.
        self.kv_table_exists = self.kv_table_in_schema()?;
        self.metadata_table.set(None);
        let log = std::mem::take(&mut self.log);
        let start = log.entries().partition_point(|(batch, _)| *batch < first);
        let redone = log.entries()[start..].iter().try_for_each(|(batch, op)| {
            debug_assert!(
                *batch < oldest_lost,
                "invariant batch-crash-atomic: the log still holds lost batch {batch}"
            );
            self.redo(op, &log)
        });
        self.log = log;
        redone?;
        // RELEASE of the outermost savepoint commits the confirmed batches
        // and empties the stack.
        self.conn.run(Fixed::ReleaseOutermost)?;
        self.stack.clear();
        Ok(())
    }

    /// Applies one logged write again, outside the batch bookkeeping.
    fn redo(&mut self, op: &Logged, log: &RedoLog) -> Result<(), StorageError> {
        match op {
            Logged::Put(key, value) => self.put_in_batch(key, log.value(*value)),
            Logged::Delete(key) => self.delete_in_batch(key).map(drop),
            Logged::DeleteAll(keep_alarm) => self.drop_schema(*keep_alarm),
            Logged::Alarm(at) => self.write_alarm(*at),
            Logged::Sql(..) | Logged::Restore(_) => {
                debug_assert!(
                    false,
                    "invariant segment-redo: a batch that must be redone ran SQL or a restore"
                );
                Err(StorageError::Sqlite(
                    "internal error: cannot redo SQL after a crash".to_string(),
                ))
            }
        }
    }
}
