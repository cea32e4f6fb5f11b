//! Point-in-time recovery: bookmarks, and restoring the database to one.
//!
//! The real runtime keeps 30 days of its write-ahead log and can rebuild an
//! object's database as it was at any moment in that window. dosim keeps a
//! redo log instead: every write (KV put and delete, the object's writing
//! SQL with its bindings, `delete_all`, a restore) under the id of the
//! batch it joined. A bookmark names a batch; restoring to it replays, into
//! a fresh database, exactly the logged writes of the batches up to it
//! that survived.
//!
//! Invariant: the log holds the writes of the batches that exist, and only
//! those — a rolled-back transaction and a batch a crash lost leave no
//! entry — so replaying it to the newest batch rebuilds the database as it
//! is. Bookmarks are fixed-width hex batch ids, so they sort in time order.
//!
//! Replay runs SQL again; SQL whose result depends on `random()` replays
//! with other random values (noted in the README's storage table).

use std::borrow::Cow;
use std::rc::Rc;
use std::time::Duration;

use compact_str::CompactString;

use super::redo_log::{RedoLog, ValueAt};
use super::{BatchId, Database, StorageError};
use crate::storage::sql_value::SqlValue;

/// How far back `bookmark_for_time` reaches: production's 30-day
/// point-in-time recovery window.
pub const BOOKMARK_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);

/// How many of the newest log entries [`Database::log_sql`] looks through
/// for the same query text.
const SHARED_SQL_LOOKBACK: usize = 4;

/// One logged write. A key (up to 24 bytes) is kept inline when short, as
/// most are, and a put's value lies in the log's values buffer
/// (`redo_log.rs`): the log keeps every write of a run, and an allocation
/// of its own for each cost more than the write (freed only when the run
/// ends, they all miss the allocator's per-thread cache).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Logged {
    Put(CompactString, ValueAt),
    Delete(CompactString),
    Sql(Rc<str>, Vec<SqlValue>),
    /// `delete_all`; `true` when it keeps the alarm.
    DeleteAll(bool),
    /// The alarm set (or deleted).
    Alarm(Option<i64>),
    /// The database became what it was at this batch.
    Restore(BatchId),
}

impl Database {
    pub(crate) fn log(&mut self, op: Logged) {
        debug_assert!(
            self.filling_has_writes,
            "invariant log-in-batch: a write was logged outside any batch"
        );
        if matches!(op, Logged::Sql(..) | Logged::Restore(_)) {
            // A crash could not redo it exactly (see `savepoint_stack.rs`).
            self.stack.close_top();
        }
        self.log.push(self.filling, op);
    }

    /// Logs a put of `value` at `key` (see [`Database::log`]).
    pub(crate) fn log_put(&mut self, key: &str, value: &[u8]) {
        debug_assert!(
            self.filling_has_writes,
            "invariant log-in-batch: a write was logged outside any batch"
        );
        self.log.push_put(self.filling, key, value);
    }

    /// Logs a writing `exec`. A query run again soon after (the usual
    /// loop of inserts) shares the text the log already holds.
    pub(crate) fn log_sql(&mut self, query: &str, bindings: Cow<'_, [SqlValue]>) {
        let mut recent = self.log.entries().iter().rev().take(SHARED_SQL_LOOKBACK);
        let kept = recent.find_map(|(_, op)| match op {
            Logged::Sql(text, _) if **text == *query => Some(text.clone()),
            _ => None,
        });
        let text = kept.unwrap_or_else(|| Rc::from(query));
        self.log(Logged::Sql(text, bindings.into_owned()));
    }

    /// Forgets the log entries of batches from `first` on (a crash lost them).
    pub(crate) fn forget_log_from(&mut self, first: BatchId) {
        let keep = self.log.entries().partition_point(|(b, _)| *b < first);
        self.log.truncate(keep);
    }

    /// The bookmark of the database as it is now (unconfirmed writes
    /// included: should they be lost, the bookmark means the newest
    /// surviving batch before it).
    pub fn current_bookmark(&self) -> String {
        let newest = if self.filling_has_writes {
            self.filling
        } else {
            self.filling - 1
        };
        bookmark(newest)
    }

    /// The bookmark of the database as it was at `t` (time since the run
    /// began): the newest batch confirmed at or before `t`.
    pub fn bookmark_for_time(&self, t: Duration, now: Duration) -> Result<String, StorageError> {
        if t > now {
            return Err(StorageError::Sqlite(format!(
                "Cannot get a bookmark for a time in the future ({} ms ahead).",
                (t - now).as_millis()
            )));
        }
        if now.saturating_sub(t) > BOOKMARK_WINDOW {
            return Err(StorageError::Sqlite(
                "Requested bookmark is older than the 30-day point-in-time recovery window."
                    .to_string(),
            ));
        }
        let at = self.confirmed_at.partition_point(|(_, when)| *when <= t);
        Ok(bookmark(
            at.checked_sub(1).map_or(0, |i| self.confirmed_at[i].0),
        ))
    }

    /// Makes the database what it was at `bookmark`, as one new batch that
    /// is confirmed at once (the runtime restores only between two
    /// instances, when nothing is unconfirmed). Returns the bookmark of the
    /// state before, which undoes the restore.
    pub fn restore(&mut self, bookmark: &str, now: Duration) -> Result<String, StorageError> {
        let target = parse_bookmark(bookmark)?;
        debug_assert!(
            self.unconfirmed() == 0,
            "invariant restore-between-instances: a restore found unconfirmed batches"
        );
        self.commit_held();
        let undo = self.current_bookmark();
        let mut fresh = Database::open()?;
        fresh.take_limits_of(self);
        for op in self.writes_until(target) {
            fresh.apply(op, &self.log)?;
        }
        if let Some(id) = fresh.close_batch() {
            fresh.confirm(id);
        }
        // The connection changes hands without its savepoint bookkeeping,
        // so it must come with no transaction open.
        fresh.commit_held();
        self.conn = fresh.conn;
        self.auth = fresh.auth;
        self.kv_table_exists = fresh.kv_table_exists;
        self.alarm_may_have_changed();
        self.filling_has_writes = true;
        self.log(Logged::Restore(target));
        let id = self.filling;
        self.filling += 1;
        self.filling_has_writes = false;
        self.oldest_unconfirmed = self.filling;
        self.confirmed_at.push((id, now));
        Ok(undo)
    }

    /// The writes that rebuild the database as it was at batch `target`.
    fn writes_until(&self, target: BatchId) -> Vec<&Logged> {
        let mut out = Vec::new();
        for (batch, op) in self.log.entries() {
            if *batch > target {
                break;
            }
            match op {
                Logged::Restore(to) => out = self.writes_until(*to),
                op => out.push(op),
            }
        }
        out
    }

    /// Applies `op`, from `log`, to this database.
    fn apply(&mut self, op: &Logged, log: &RedoLog) -> Result<(), StorageError> {
        match op {
            Logged::Put(k, v) => self.put(k, log.value(*v)),
            Logged::Delete(k) => self.delete(k).map(drop),
            Logged::Sql(q, b) => self.exec(q, b).map(drop),
            Logged::DeleteAll(keep_alarm) => self.delete_all(*keep_alarm),
            Logged::Alarm(at) => self.set_alarm(*at),
            Logged::Restore(_) => unreachable!("writes_until resolves restores"),
        }
    }
}

fn bookmark(batch: BatchId) -> String {
    format!("{batch:016x}")
}

pub(crate) fn parse_bookmark(text: &str) -> Result<BatchId, StorageError> {
    if text.len() == 16 {
        if let Ok(id) = BatchId::from_str_radix(text, 16) {
            return Ok(id);
        }
    }
    Err(StorageError::Sqlite(format!("Invalid bookmark: {text:?}")))
}
