//! `SyncKv`: the synchronous KV API of SQLite-backed objects
//! (`storage.kv` in the real runtime).
//!
//! It is the same store as the asynchronous API — a `put` through one is
//! visible to a `get` through the other — with the same limits and errors,
//! but no operation awaits: each completes at once, so it never gives
//! another event a chance to run.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Storage;
use crate::runtime::error::Result;
use crate::storage::database::ListOptions;
use crate::trace::StorageOp;

/// The synchronous KV API: `state.storage().kv()`.
#[derive(Clone)]
pub struct SyncKv {
    storage: Storage,
}

impl SyncKv {
    pub(crate) fn new(storage: Storage) -> SyncKv {
        SyncKv { storage }
    }

    /// The value of `key`, if any.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.storage.check_key(key)?;
        let op = self.storage.begin(StorageOp::Get)?;
        Storage::get_in(&op, key)
    }

    /// Stores `value` under `key`.
    pub fn put<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        self.storage.put_now(key, value)
    }

    /// Deletes `key`; returns whether it existed.
    pub fn delete(&self, key: &str) -> Result<bool> {
        self.storage.delete_now(key)
    }

    /// Entries in key order (or reverse), as [`ListOptions`] select.
    pub fn list<T: DeserializeOwned>(&self, options: ListOptions) -> Result<Vec<(String, T)>> {
        let op = self.storage.begin(StorageOp::List)?;
        Storage::list_in(&op, &options)
    }
}
