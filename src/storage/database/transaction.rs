//! Explicit transactions and `delete_all`, inside the write batch.
//!
//! Invariant: a transaction is a savepoint nested inside the one that
//! holds the batch (`t<depth>` inside `b0` or `b`), so its writes stay
//! part of the batch (they commit, or a crash loses them, with the batch)
//! and a rollback undoes exactly the writes made since it began, SQL, KV and the
//! redo log alike. A batch never closes while a transaction is open.

use super::bookmarks::Logged;
use super::{Database, StorageError};

/// A transaction's starting point, handed back to end it.
#[derive(Debug)]
#[must_use = "a transaction must be committed or rolled back"]
pub struct TransactionMark {
    depth: usize,
    log_len: usize,
}

impl Database {
    /// Begins a (possibly nested) transaction in the batch being filled.
    pub fn transaction_begin(&mut self) -> Result<TransactionMark, StorageError> {
        self.begin_write()?;
        let depth = self.txn_depth;
        self.run_cached(&format!("SAVEPOINT t{depth}"))?;
        self.txn_depth += 1;
        Ok(TransactionMark {
            depth,
            log_len: self.log.len(),
        })
    }

    /// Keeps the transaction's writes (they stay in the batch).
    pub fn transaction_commit(&mut self, mark: TransactionMark) -> Result<(), StorageError> {
        self.end_transaction(&mark)?;
        self.run_cached(&format!("RELEASE t{}", mark.depth))
    }

    /// Undoes every write made since the transaction began.
    pub fn transaction_rollback(&mut self, mark: TransactionMark) -> Result<(), StorageError> {
        self.end_transaction(&mark)?;
        let depth = mark.depth;
        self.run_cached(&format!("ROLLBACK TO t{depth}"))?;
        self.run_cached(&format!("RELEASE t{depth}"))?;
        self.log.truncate(mark.log_len);
        self.alarm_may_have_changed();
        // The rollback may have undone the creation of `_cf_KV`.
        self.kv_table_exists = self.kv_table_in_schema().unwrap_or(true);
        Ok(())
    }

    fn end_transaction(&mut self, mark: &TransactionMark) -> Result<(), StorageError> {
        if self.txn_depth != mark.depth + 1 || !self.filling_has_writes {
            // A crash in between already dropped the transaction's savepoint.
            return Err(StorageError::Sqlite(
                "the transaction was cancelled: the object was reset".to_string(),
            ));
        }
        self.txn_depth -= 1;
        Ok(())
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.txn_depth > 0
    }

    /// Deletes every table, index, view and trigger (the KV table included),
    /// in the batch being filled, so it is atomic with the batch. The alarm
    /// goes too, unless `keep_alarm`.
    pub fn delete_all(&mut self, keep_alarm: bool) -> Result<(), StorageError> {
        self.begin_write()?;
        self.drop_schema(keep_alarm)?;
        self.log(Logged::DeleteAll(keep_alarm));
        Ok(())
    }

    /// Drops what [`Database::delete_all`] deletes, with no batch
    /// bookkeeping.
    pub(super) fn drop_schema(&mut self, keep_alarm: bool) -> Result<(), StorageError> {
        let schema: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') \
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type DESC, name",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        // Foreign keys between dropped tables are checked when the batch
        // commits, by which time nothing is left to violate them.
        self.conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        for (kind, name) in schema {
            if keep_alarm && name == super::alarm_store::METADATA_TABLE {
                continue;
            }
            let kind = if kind == "view" { "VIEW" } else { "TABLE" };
            let quoted = name.replace('"', "\"\"");
            self.conn
                .execute_batch(&format!("DROP {kind} IF EXISTS \"{quoted}\""))?;
        }
        self.kv_table_exists = false;
        self.alarm_may_have_changed();
        Ok(())
    }

    /// Bytes the database occupies: pages in use times the page size.
    pub fn database_size(&self) -> Result<u64, StorageError> {
        let pages: i64 = self
            .conn
            .prepare_cached("PRAGMA page_count")?
            .query_row([], |r| r.get(0))?;
        let size: i64 = self
            .conn
            .prepare_cached("PRAGMA page_size")?
            .query_row([], |r| r.get(0))?;
        Ok(u64::try_from(pages * size).unwrap_or(0))
    }
}
