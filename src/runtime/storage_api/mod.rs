//! `Storage`: the object's key-value storage, as its code sees it.
//!
//! Each operation closes the input gate while it is in flight (a read that
//! misses the cache takes simulated time; everything else completes at
//! once), is fenced by the instance's epoch, and is recorded in the trace.
//! Writes are visible at once to later reads and join the open batch;
//! durability comes later, and the output gate waits for it. Values are
//! serialised on the way in and decoded on the way out, so a read always
//! returns a fresh copy.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::limits::Limits;
use crate::runtime::context;
use crate::runtime::error::{Error, Result};
use crate::runtime::instance::Instance;
use crate::runtime::payload::{decode_bytes, Payload};

mod alarm;
pub(crate) mod sql;
pub(crate) mod sql_row_de;
pub(crate) mod sync_kv;
pub(crate) mod transaction;

use crate::storage::database::ListOptions;
use crate::storage::error::StorageError;
use crate::storage::input_gate::EventId;
use crate::storage::service::AccessError;
use crate::trace::{content_hash, Excerpt, StorageOp, What};
pub use sql::{Cursor, Row, Sql};
pub use sync_kv::SyncKv;
pub use transaction::Transaction;

/// The most keys one `get_many`, `put_many` or `delete_many` may name
/// (production's limit; see [`Limits`](crate::limits::Limits)).
pub const BATCH_KEYS_MAX: usize = crate::limits::BATCH_KEYS_PRODUCTION;

/// The longest key, in bytes of UTF-8 (production's limit; see
/// [`Limits`](crate::limits::Limits)).
pub const KEY_BYTES_MAX: usize = crate::limits::KEY_BYTES_PRODUCTION;

/// The object's storage. Every method must be awaited from one of the
/// object's own events (a handler or a `block_concurrency_while` body).
#[derive(Clone)]
pub struct Storage {
    instance: Weak<Instance>,
}

/// Closes the input gate for one operation; reopens it when dropped, even
/// if the event is dropped mid-operation.
///
/// The trace shows the operation in flight (`StorageStarted` …
/// `StorageEnded`) only if it yields: an operation that completes within
/// one poll cannot let another event in, so bracketing it would record two
/// events that say nothing (and most operations, every SQL statement
/// among them, complete so). The gate itself closes either way.
pub(crate) struct InFlight {
    pub(crate) inst: Rc<Instance>,
    pub(crate) event: EventId,
    op: StorageOp,
    shown: Cell<bool>,
}

impl InFlight {
    /// Records the operation as in flight, once, before it first yields.
    pub(crate) fn show(&self) {
        if !self.shown.replace(true) {
            self.inst.record(What::StorageStarted {
                event: self.event,
                op: self.op,
            });
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.inst.input.storage_ended();
        if self.shown.get() {
            self.inst.record(What::StorageEnded { event: self.event });
        }
    }
}

impl Storage {
    pub(crate) fn new(instance: Weak<Instance>) -> Storage {
        Storage { instance }
    }

    /// The object's SQL database.
    pub fn sql(&self) -> Sql {
        Sql::new(self.clone())
    }

    /// The synchronous KV API: the same store, with no await.
    pub fn kv(&self) -> SyncKv {
        SyncKv::new(self.clone())
    }

    /// Opens an operation: checks it runs in an event of this object and
    /// closes the input gate.
    pub(crate) fn begin(&self, op: StorageOp) -> Result<InFlight> {
        let inst = self
            .instance
            .upgrade()
            .filter(|i| i.is_alive())
            .ok_or_else(|| Error::new("storage used by an object that was reset"))?;
        let event = match context::current() {
            Some(ctx) if Rc::ptr_eq(&ctx.instance, &inst) => ctx.event,
            _ => {
                return Err(Error::new(
                    "storage must be used from one of this object's own events \
                     (a handler or a block_concurrency_while body)",
                ))
            }
        };
        inst.input.storage_started(event);
        Ok(InFlight {
            inst,
            event,
            op,
            shown: Cell::new(false),
        })
    }

    /// The run's limits (production's once the object is gone: the
    /// operation then fails on its own).
    fn limits(&self) -> Limits {
        self.instance
            .upgrade()
            .map(|inst| inst.world().config().limits_setting())
            .unwrap_or_default()
    }

    fn check_batch(&self, n: usize) -> Result<()> {
        match self.limits().batch_refusal(n) {
            Some(text) => Err(Error::range_error(text)),
            None => Ok(()),
        }
    }

    pub(crate) fn check_key(&self, key: &str) -> Result<()> {
        match self.limits().key_refusal(key) {
            Some(text) => Err(Error::range_error(text)),
            None => Ok(()),
        }
    }

    /// A read may miss the cache and take time; the gate stays closed.
    async fn read_latency(op: &InFlight) {
        let world = op.inst.world();
        let config = world.config();
        if world.rng.chance_percent(config.storage_read_miss_percent) {
            op.show();
            madsim::time::sleep(world.rng.latency(config.storage_read_miss)).await;
        }
    }

    /// Records a write of `key` in `batch`: `value` is the stored value's
    /// hash and excerpt, `None` for a deletion.
    fn wrote(op: &InFlight, batch: u64, key: &str, value: Option<(u64, Excerpt)>) {
        let (value, value_text) = value.unzip();
        op.inst.record(What::StorageWrote {
            event: op.event,
            batch,
            key: content_hash(key.as_bytes()),
            value,
            key_text: Some(Excerpt::recurring(key.as_bytes())),
            value_text,
        });
    }

    /// The value of `key`, if any.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.check_key(key)?;
        let op = self.begin(StorageOp::Get)?;
        Self::read_latency(&op).await;
        Self::get_in(&op, key)
    }

    pub(crate) fn get_in<T: DeserializeOwned>(op: &InFlight, key: &str) -> Result<Option<T>> {
        let bytes = op
            .inst
            .storage
            .get(op.inst.epoch, key)
            .map_err(access_error)?;
        op.inst.record(What::StorageRead {
            event: op.event,
            key_text: Excerpt::recurring(key.as_bytes()),
            value_text: bytes.as_deref().map(Excerpt::recurring),
        });
        bytes.map(|b| decode(key, &b)).transpose()
    }

    /// The values of several keys, sorted by key (UTF-8 byte order); keys
    /// with no value are left out.
    pub async fn get_many<T: DeserializeOwned>(
        &self,
        keys: &[&str],
    ) -> Result<BTreeMap<String, T>> {
        self.check_batch(keys.len())?;
        keys.iter().try_for_each(|k| self.check_key(k))?;
        let op = self.begin(StorageOp::Get)?;
        Self::read_latency(&op).await;
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let found = op
            .inst
            .storage
            .get_many(op.inst.epoch, &keys)
            .map_err(access_error)?;
        decode_entries(found)
    }

    /// Stores `value` under `key`.
    pub async fn put<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        self.put_now(key, value)
    }

    /// [`Storage::put`], for the synchronous API and transactions too. The
    /// value is serialised straight into storage, with no payload kept.
    pub(crate) fn put_now<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let what = || format!("the value for key `{key}`");
        Payload::encode_then(value, what, |bytes| {
            self.check_key(key)?;
            let op = self.begin(StorageOp::Put)?;
            Self::write_entry(&op, key, bytes)
        })?
    }

    /// Stores several entries, atomically with the rest of the batch.
    pub async fn put_many<T: Serialize>(&self, entries: &[(&str, T)]) -> Result<()> {
        self.check_batch(entries.len())?;
        let encoded = entries
            .iter()
            .map(|(k, v)| Ok((*k, encode_value(k, v)?)))
            .collect::<Result<Vec<_>>>()?;
        self.write(&encoded)
    }

    /// Writes already-encoded entries as one operation.
    pub(crate) fn write(&self, entries: &[(&str, Payload)]) -> Result<()> {
        entries.iter().try_for_each(|(k, _)| self.check_key(k))?;
        let op = self.begin(StorageOp::Put)?;
        Self::write_in(&op, entries)
    }

    fn write_in(op: &InFlight, entries: &[(&str, Payload)]) -> Result<()> {
        entries
            .iter()
            .try_for_each(|(key, bytes)| Self::write_entry(op, key, bytes.bytes()))
    }

    /// Writes one serialised value, and records it.
    fn write_entry(op: &InFlight, key: &str, value: &[u8]) -> Result<()> {
        let shown = (content_hash(value), Excerpt::recurring(value));
        let batch = op
            .inst
            .storage
            .put(op.inst.epoch, key, value)
            .map_err(access_error)?;
        Self::wrote(op, batch, key, Some(shown));
        Ok(())
    }

    /// Deletes `key`; returns whether it existed.
    pub async fn delete(&self, key: &str) -> Result<bool> {
        self.delete_now(key)
    }

    pub(crate) fn delete_now(&self, key: &str) -> Result<bool> {
        self.check_key(key)?;
        let op = self.begin(StorageOp::Delete)?;
        Self::delete_in(&op, key)
    }

    pub(crate) fn delete_in(op: &InFlight, key: &str) -> Result<bool> {
        let (existed, batch) = op
            .inst
            .storage
            .delete(op.inst.epoch, key)
            .map_err(access_error)?;
        Self::wrote(op, batch, key, None);
        Ok(existed)
    }

    /// Deletes several keys; returns how many existed.
    pub async fn delete_many(&self, keys: &[&str]) -> Result<usize> {
        self.check_batch(keys.len())?;
        keys.iter().try_for_each(|k| self.check_key(k))?;
        let op = self.begin(StorageOp::Delete)?;
        let mut count = 0;
        for key in keys {
            let (existed, batch) = op
                .inst
                .storage
                .delete(op.inst.epoch, key)
                .map_err(access_error)?;
            Self::wrote(&op, batch, key, None);
            count += usize::from(existed);
        }
        Ok(count)
    }

    /// Entries in key order (or reverse), as [`ListOptions`] select.
    pub async fn list<T: DeserializeOwned>(
        &self,
        options: ListOptions,
    ) -> Result<Vec<(String, T)>> {
        let op = self.begin(StorageOp::List)?;
        Self::read_latency(&op).await;
        Self::list_in(&op, &options)
    }

    pub(crate) fn list_in<T: DeserializeOwned>(
        op: &InFlight,
        options: &ListOptions,
    ) -> Result<Vec<(String, T)>> {
        let found = op
            .inst
            .storage
            .list(op.inst.epoch, options)
            .map_err(access_error)?;
        decode_entries(found)
    }

    /// Deletes every key and every SQL table, atomically with the rest of
    /// the batch. Not allowed inside a transaction ("Cannot call
    /// deleteAll() within a transaction").
    pub async fn delete_all(&self) -> Result<()> {
        let op = self.begin(StorageOp::DeleteAll)?;
        let batch = op
            .inst
            .storage
            .delete_all(
                op.inst.epoch,
                op.inst.namespace.delete_all_preserves_alarm.get(),
            )
            .map_err(access_error)?;
        op.inst.record(What::StorageWiped {
            event: op.event,
            batch,
        });
        Ok(())
    }
}

fn encode_value<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<Payload> {
    Payload::encode(value, || format!("the value for key `{key}`"))
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T> {
    decode_bytes(bytes, || format!("the value of key `{key}`"))
}

fn decode_entries<T: DeserializeOwned, C: FromIterator<(String, T)>>(
    found: Vec<(String, Vec<u8>)>,
) -> Result<C> {
    found
        .into_iter()
        .map(|(k, v)| {
            let value = decode(&k, &v)?;
            Ok((k, value))
        })
        .collect()
}

pub(crate) fn access_error(e: AccessError) -> Error {
    match e {
        AccessError::Superseded { .. } => Error::new(
            "This Durable Object's instance was superseded by a newer one; \
             its storage can no longer be used.",
        )
        .with_reset(),
        AccessError::Storage(StorageError::ListLimitNotPositive) => {
            Error::type_error(StorageError::ListLimitNotPositive.to_string())
        }
        AccessError::Storage(StorageError::ListStartAndStartAfter) => {
            Error::type_error(StorageError::ListStartAndStartAfter.to_string())
        }
        AccessError::Storage(StorageError::TypeError(text)) => Error::type_error(text),
        AccessError::Storage(e) => Error::new(e.to_string()),
    }
}
