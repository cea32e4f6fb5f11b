//! The KV API on the object's database: the hidden `_cf_KV` table, created
//! by the first write, and the operations on it. Every write joins the
//! batch being filled and goes into the batch's log (bookmarks replay it),
//! so a crash loses it with its batch.

use rusqlite::OptionalExtension;

use super::bookmarks::Logged;
use super::{Database, Fixed, StorageError};

// workerd's own schema: TEXT with the default BINARY collation compares by
// memcmp, which is exactly the UTF-8 byte order list() must follow.
const CREATE_KV: &str =
    "CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID";
const KV_TABLE_EXISTS: &str =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_cf_KV'";

impl Database {
    /// The value stored under `key`, if any.
    pub fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        if !self.kv_table_exists {
            return Ok(None);
        }
        self.conn.with(Fixed::KvGet, key.len(), |stmt| {
            stmt.query_row([key], |row| row.get(0)).optional()
        })
    }

    /// The entries stored under `keys`, sorted by key in UTF-8 byte order, each
    /// key once, missing keys omitted (the KV API's `get(keys)` returns a Map in
    /// key order, not request order).
    pub fn get_many(&mut self, keys: &[String]) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        if !self.kv_table_exists {
            return Ok(Vec::new());
        }
        // `str`'s Ord is bytewise, i.e. the same order SQLite keeps.
        let mut wanted: Vec<&str> = keys.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let longest = wanted.iter().map(|k| k.len()).max().unwrap_or(0);
        self.conn.with(Fixed::KvGet, longest, |stmt| {
            let mut found = Vec::with_capacity(wanted.len());
            for key in wanted {
                let value: Option<Vec<u8>> = stmt.query_row([key], |row| row.get(0)).optional()?;
                if let Some(value) = value {
                    found.push((key.to_owned(), value));
                }
            }
            Ok(found)
        })
    }

    /// Stores `value` under `key`, in the batch being filled. The log keeps
    /// its own copy, in one buffer with the batch's other values.
    pub fn put(&mut self, key: &str, value: &[u8]) -> Result<(), StorageError> {
        self.begin_write()?;
        let result = self.put_in_batch(key, value);
        match result {
            Ok(()) => self.log_put(key, value),
            Err(_) => self.recover_if_sqlite_rolled_back(),
        }
        result
    }

    /// Removes `key`, in the batch being filled; returns whether the key existed.
    ///
    /// Like workerd, a delete is a write even when the key is missing: it
    /// creates the table and joins (or opens) a batch.
    pub fn delete(&mut self, key: &str) -> Result<bool, StorageError> {
        self.begin_write()?;
        let result = self.delete_in_batch(key);
        match result {
            Ok(_) => self.log(Logged::Delete(key.into())),
            Err(_) => self.recover_if_sqlite_rolled_back(),
        }
        result
    }

    /// Writes `key` (or deletes it, for `None`) and commits at once, outside
    /// any batch. Only the planted bugs of the `mutations` feature use it,
    /// right after a crash, when no batch is open.
    #[cfg_attr(not(feature = "mutations"), allow(dead_code))]
    pub fn apply_committed(&mut self, key: &str, value: Option<&[u8]>) {
        debug_assert!(
            !self.stack.is_open() && !self.filling_has_writes,
            "invariant apply-outside-batches: no batch may be open"
        );
        let _ = self.ensure_kv_table();
        let _ = match value {
            Some(v) => self.conn.with(Fixed::KvPut, key.len() + v.len(), |s| {
                s.execute(rusqlite::params![key, v])
            }),
            None => self
                .conn
                .with(Fixed::KvDelete, key.len(), |s| s.execute([key])),
        };
    }

    // ---- internals ----

    pub(super) fn put_in_batch(&mut self, key: &str, value: &[u8]) -> Result<(), StorageError> {
        self.ensure_kv_table()?;
        self.conn.with(Fixed::KvPut, key.len() + value.len(), |s| {
            s.execute(rusqlite::params![key, value])
        })?;
        Ok(())
    }

    pub(super) fn delete_in_batch(&mut self, key: &str) -> Result<bool, StorageError> {
        self.ensure_kv_table()?;
        let changed = self
            .conn
            .with(Fixed::KvDelete, key.len(), |s| s.execute([key]))?;
        Ok(changed > 0)
    }

    pub(super) fn ensure_kv_table(&mut self) -> Result<(), StorageError> {
        if !self.kv_table_exists {
            self.conn.execute_batch(CREATE_KV)?;
            self.kv_table_exists = true;
        }
        Ok(())
    }

    pub(super) fn kv_table_in_schema(&self) -> Result<bool, StorageError> {
        let mut stmt = self.conn.prepare_cached(KV_TABLE_EXISTS)?;
        Ok(stmt.exists([])?)
    }
}
