//! The alarm's time, kept in the object's own database.
//!
//! The real runtime stores the alarm beside the data (in `_cf_METADATA`), so
//! setting it is a write like any other: it joins the event's batch, a
//! crash loses it with the batch, a transaction rollback undoes it, and
//! `delete_all` deletes it (unless the namespace keeps alarms across
//! `delete_all`, as the `delete_all_preserves_alarm` compatibility flag
//! does). Invariant: [`Database::alarm`] always reads what the batches
//! applied so far say, confirmed or not.

use rusqlite::OptionalExtension;

use super::bookmarks::Logged;
use super::{Database, Fixed, StorageError};

/// The table that holds the alarm; `_cf_` keeps it out of the object's SQL.
pub(crate) const METADATA_TABLE: &str = "_cf_METADATA";
const ALARM_ROW: i64 = 1;

impl Database {
    /// The alarm time (Unix milliseconds), if one is set.
    pub fn alarm(&self) -> Result<Option<i64>, StorageError> {
        if !self.metadata_exists()? {
            return Ok(None);
        }
        self.conn.with(Fixed::AlarmGet, 0, |stmt| {
            stmt.query_row([ALARM_ROW], |r| r.get(0)).optional()
        })
    }

    /// Sets (or, with `None`, deletes) the alarm, in the batch being filled.
    pub fn set_alarm(&mut self, at_ms: Option<i64>) -> Result<(), StorageError> {
        self.begin_write()?;
        self.write_alarm(at_ms)?;
        self.log(Logged::Alarm(at_ms));
        Ok(())
    }

    /// The alarm's row written, with no batch bookkeeping.
    pub(super) fn write_alarm(&mut self, at_ms: Option<i64>) -> Result<(), StorageError> {
        if !self.metadata_exists()? {
            self.conn
                .execute_batch("CREATE TABLE _cf_METADATA (key INTEGER PRIMARY KEY, value)")?;
            self.metadata_table.set(Some(true));
        }
        match at_ms {
            Some(t) => self
                .conn
                .with(Fixed::AlarmSet, 0, |s| s.execute([ALARM_ROW, t]))?,
            None => self
                .conn
                .with(Fixed::AlarmDelete, 0, |s| s.execute([ALARM_ROW]))?,
        };
        self.alarm_touched = true;
        Ok(())
    }

    /// Whether a write since the last call may have changed the alarm
    /// (`set_alarm`, `delete_all`, a rollback or a crash); clears the mark.
    pub fn take_alarm_touched(&mut self) -> bool {
        std::mem::take(&mut self.alarm_touched)
    }

    /// Marks that the alarm (and whether its table exists) may have
    /// changed: a crash, a rollback, a restore or `delete_all`.
    pub(crate) fn alarm_may_have_changed(&mut self) {
        self.alarm_touched = true;
        self.metadata_table.set(None);
    }

    fn metadata_exists(&self) -> Result<bool, StorageError> {
        if let Some(known) = self.metadata_table.get() {
            return Ok(known);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_cf_METADATA'",
        )?;
        let exists = stmt.exists([])?;
        self.metadata_table.set(Some(exists));
        Ok(exists)
    }
}
