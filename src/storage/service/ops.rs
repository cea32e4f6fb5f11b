//! The storage service's newer operations: the object's SQL, explicit
//! transactions, `delete_all`, the alarm and point-in-time recovery. Each is
//! fenced by epoch like every access; each write joins the open batch, so
//! the service's batch bookkeeping (`wrote`, `wrote_key`) is the one
//! `service.rs` keeps.

use super::{AccessError, AlarmListener, ObjectStorage};
use crate::storage::database::{BatchId, Executed, TransactionMark};
use crate::storage::error::StorageError;
use crate::storage::sql_value::SqlValue;
use crate::trace::What;

/// An open transaction, as the storage service sees it.
pub(crate) struct ServiceTransaction {
    mark: TransactionMark,
    writes_before: u64,
    alarm_writes_before: u64,
}

impl ObjectStorage {
    /// Runs the object's SQL; a writing statement joins the open batch.
    pub(crate) fn exec(
        &self,
        epoch: u32,
        query: &str,
        bindings: Vec<SqlValue>,
    ) -> Result<Executed, AccessError> {
        self.fence(epoch)?;
        let done = self.db.borrow_mut().exec_owned(query, bindings)?;
        if done.wrote {
            self.wrote(epoch);
        }
        Ok(done)
    }

    /// Opens a transaction in the open batch.
    pub(crate) fn transaction_begin(&self, epoch: u32) -> Result<ServiceTransaction, AccessError> {
        self.fence(epoch)?;
        let mark = self.db.borrow_mut().transaction_begin()?;
        self.wrote(epoch);
        Ok(ServiceTransaction {
            mark,
            writes_before: self.open_writes.get(),
            alarm_writes_before: self.alarm_writes.get(),
        })
    }

    /// Ends a transaction. On a rollback, returns the batch and how many of
    /// its recorded KV writes remain, for the trace.
    pub(crate) fn transaction_end(
        &self,
        epoch: u32,
        txn: ServiceTransaction,
        commit: bool,
    ) -> Result<Option<(BatchId, u64)>, AccessError> {
        self.fence(epoch)?;
        if commit {
            self.db.borrow_mut().transaction_commit(txn.mark)?;
            return Ok(None);
        }
        self.db.borrow_mut().transaction_rollback(txn.mark)?;
        self.open_writes.set(txn.writes_before);
        self.alarm_writes.set(txn.alarm_writes_before);
        Ok(Some((self.issued.get(), txn.writes_before)))
    }

    /// Deletes everything (the alarm too, unless `keep_alarm`), in the open
    /// batch; returns the batch.
    pub(crate) fn delete_all(&self, epoch: u32, keep_alarm: bool) -> Result<BatchId, AccessError> {
        self.fence(epoch)?;
        if self.db.borrow().in_transaction() {
            return Err(AccessError::Storage(StorageError::Sqlite(
                "Cannot call deleteAll() within a transaction".to_string(),
            )));
        }
        self.db.borrow_mut().delete_all(keep_alarm)?;
        if !keep_alarm {
            self.alarm_writes.set(self.alarm_writes.get() + 1);
        }
        Ok(self.wrote_key(epoch))
    }

    /// Sets (or deletes) the alarm, in the open batch; returns the batch.
    pub(crate) fn set_alarm(&self, epoch: u32, at_ms: Option<i64>) -> Result<BatchId, AccessError> {
        self.fence(epoch)?;
        self.db.borrow_mut().set_alarm(at_ms)?;
        self.alarm_writes.set(self.alarm_writes.get() + 1);
        Ok(self.wrote(epoch))
    }

    /// How many alarm writes stand so far (see `alarm_writes` on the
    /// service): equal counts mean the alarm was not written in between.
    pub(crate) fn alarm_writes(&self) -> u64 {
        self.alarm_writes.get()
    }

    /// The alarm as the object sees it (its own unconfirmed writes included).
    pub(crate) fn alarm(&self, epoch: u32) -> Result<Option<i64>, AccessError> {
        self.fence(epoch)?;
        Ok(self.db.borrow().alarm()?)
    }

    /// Who to tell when the confirmed alarm changes.
    pub(crate) fn on_alarm_change(&self, listener: AlarmListener) {
        *self.alarm_listener.borrow_mut() = Some(listener);
    }

    pub(super) fn alarm_confirmed(&self, alarm: Option<i64>) {
        if self.confirmed_alarm.replace(alarm) != alarm {
            if let Some(listener) = self.alarm_listener.borrow().as_ref() {
                listener(alarm);
            }
        }
    }

    /// Bytes the database occupies.
    pub(crate) fn database_size(&self, epoch: u32) -> Result<u64, AccessError> {
        self.fence(epoch)?;
        Ok(self.db.borrow().database_size()?)
    }

    /// The bookmark of the database now.
    pub(crate) fn current_bookmark(&self, epoch: u32) -> Result<String, AccessError> {
        self.fence(epoch)?;
        Ok(self.db.borrow().current_bookmark())
    }

    /// The bookmark of the database at simulated time `t`.
    pub(crate) fn bookmark_for_time(
        &self,
        epoch: u32,
        t: std::time::Duration,
    ) -> Result<String, AccessError> {
        self.fence(epoch)?;
        Ok(self.db.borrow().bookmark_for_time(t, self.world.now())?)
    }

    /// Asks for a restore to `bookmark` when the next instance starts;
    /// returns the bookmark that undoes it.
    pub(crate) fn restore_on_next_session(
        &self,
        epoch: u32,
        bookmark: &str,
    ) -> Result<String, AccessError> {
        self.fence(epoch)?;
        crate::storage::database::parse_bookmark(bookmark)?;
        *self.restore_next.borrow_mut() = Some(bookmark.to_string());
        Ok(self.db.borrow().current_bookmark())
    }

    /// Between two instances, carries out a restore asked for earlier: one
    /// batch, confirmed at once.
    pub(super) fn restore_if_asked(&self) {
        let Some(bookmark) = self.restore_next.borrow_mut().take() else {
            return;
        };
        let restored = self.db.borrow_mut().restore(&bookmark, self.world.now());
        if let Err(e) = restored {
            tracing::warn!(object = self.obj.0, %e, "restore to a bookmark failed");
            return;
        }
        let batch = self.issued.get() + 1;
        self.issued.set(batch);
        self.closed.set(batch);
        self.confirmed.set(batch);
        self.db.borrow_mut().take_alarm_touched();
        let alarm = self.db.borrow().alarm().unwrap_or(None);
        self.alarm_confirmed(alarm);
        let entries = self.db.borrow_mut().dump().map_or(0, |d| d.len() as u64);
        let storage = self.world.config().storage();
        self.world.record(
            storage,
            Some(self.obj),
            self.epoch.get(),
            What::StorageRestored { batch, entries },
        );
    }
}
