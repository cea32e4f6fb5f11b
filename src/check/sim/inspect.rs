//! Looking inside an object's storage from a test, without waking it.
//!
//! The view is what the object's instance would read now: confirmed
//! writes and writes still waiting for confirmation alike (an instance
//! reads its own pending writes, and a check that wants only what survived
//! a crash can crash the host first). It reads only: it takes no part in
//! the object's input or output gate, creates no instance, and records
//! nothing in the trace, so inspecting does not change the run.

use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;

use crate::runtime::error::{Error, Result};
use crate::runtime::id::ObjectId;
use crate::runtime::namespace::ObjectNamespace;
use crate::runtime::payload::Payload;
use crate::runtime::storage_api::Cursor;
use crate::storage::database::Database;
use crate::storage::{ListOptions, SqlValue};

use super::Sim;

/// Read access to one object's storage, for [`Sim::inspect`].
pub struct StorageView<'a> {
    db: &'a mut Database,
}

/// What an object is named by, for [`Sim::inspect`]: a name (as with
/// `id_from_name`) or an id.
pub trait ObjectKey {
    /// The object's id in `namespace`.
    fn id_in<O>(&self, namespace: &ObjectNamespace<O>) -> ObjectId;
}

impl ObjectKey for &str {
    fn id_in<O>(&self, namespace: &ObjectNamespace<O>) -> ObjectId {
        namespace.id_from_name(self)
    }
}

impl ObjectKey for &ObjectId {
    fn id_in<O>(&self, _namespace: &ObjectNamespace<O>) -> ObjectId {
        (*self).clone()
    }
}

impl StorageView<'_> {
    /// The value under `key`, decoded, if any.
    pub fn get<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>> {
        let raw = self.db.get(key).map_err(storage_error)?;
        raw.map(|v| Payload::from_vec(v).decode(|| format!("the value of key `{key}`")))
            .transpose()
    }

    /// The entries `options` selects (as the object's `list()`), in key
    /// order, each value decoded.
    pub fn list<T: DeserializeOwned>(&mut self, options: &ListOptions) -> Result<Vec<(String, T)>> {
        let entries = self.db.list(options).map_err(storage_error)?;
        entries
            .into_iter()
            .map(|(k, v)| {
                let value = Payload::from_vec(v).decode(|| format!("the value of key `{k}`"))?;
                Ok((k, value))
            })
            .collect()
    }

    /// Runs one SQL statement that only reads; a statement that writes is
    /// refused with an error, and nothing runs.
    pub fn sql(&mut self, query: &str, bindings: &[SqlValue]) -> Result<Cursor> {
        let done = self
            .db
            .exec_read_only(query, bindings)
            .map_err(storage_error)?;
        Ok(Cursor::new(done))
    }

    /// When the object's alarm is set for, if it is set.
    pub fn alarm(&self) -> Result<Option<SystemTime>> {
        let at_ms = self.db.alarm().map_err(storage_error)?;
        Ok(at_ms.map(|ms| {
            SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
        }))
    }
}

fn storage_error(e: crate::storage::error::StorageError) -> Error {
    Error::new(e.to_string())
}

impl Sim {
    /// Runs `look` with read access to the storage of the object `key`
    /// names in `namespace` (a name, or `&ObjectId`), as its instance would
    /// read it now: pending writes included. Neither wakes nor creates an
    /// instance, and leaves the trace as it was; an object never contacted
    /// has empty storage.
    pub fn inspect<O, R>(
        &self,
        namespace: &ObjectNamespace<O>,
        key: impl ObjectKey,
        look: impl FnOnce(&mut StorageView<'_>) -> R,
    ) -> Result<R> {
        let id = key.id_in(namespace);
        match self.runtime().find_object(namespace.binding(), &id) {
            Some(obj) => Ok(self
                .runtime()
                .storage_of(obj)
                .inspect(|db| look(&mut StorageView { db }))),
            None => {
                let mut db = Database::open().map_err(storage_error)?;
                Ok(look(&mut StorageView { db: &mut db }))
            }
        }
    }
}
