//! `Storage`, `Transaction` and their options, on dosim's storage API.
//!
//! The semantics are dosim's (input and output gates, write coalescing,
//! alarms as writes); the names and shapes are workers-rs's: `put` takes
//! the value by value, `delete_multiple` counts, `Transaction::get` fails
//! on a missing key, alarm times are milliseconds since the Unix epoch
//! and an `i64` or a `Duration` is an offset from now.

use std::future::Future;
use std::ops::Deref;
use std::time::{Duration, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{Error, Result};
use super::sql::SqlStorage;
use super::unmirrored::{NotMirrored, StorageMapReturn, StorageRawValue, StorageSync};

/// The reads that return a `js_sys::Map` in workers-rs, which `Storage`
/// and `Transaction` both have: each fails to compile at the call.
macro_rules! map_returns {
    () => {
        /// Not mirrored: returns a `js_sys::Map` in workers-rs.
        pub async fn get_multiple<'a>(
            &'a self,
            keys: Vec<impl Deref<Target = str>>,
        ) -> Result<NotMirrored>
        where
            &'a (): StorageMapReturn,
        {
            let _ = keys;
            Err(Error::RustError("not mirrored".into()))
        }

        /// Not mirrored: returns a `js_sys::Map` in workers-rs.
        pub async fn list<'a>(&'a self) -> Result<NotMirrored>
        where
            &'a (): StorageMapReturn,
        {
            Err(Error::RustError("not mirrored".into()))
        }

        /// Not mirrored: returns a `js_sys::Map` in workers-rs.
        pub async fn list_with_options<'a>(&'a self, opts: ListOptions<'_>) -> Result<NotMirrored>
        where
            &'a (): StorageMapReturn,
        {
            let _ = opts;
            Err(Error::RustError("not mirrored".into()))
        }
    };
}

/// An object's storage (`state.storage()`).
#[derive(Clone)]
pub struct Storage(pub(crate) dosim::Storage);

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Storage")
    }
}

/// When an alarm fires: an offset from now (`i64` milliseconds, a
/// `Duration`) or a time (`chrono::DateTime<Utc>`, a [`Date`](super::Date)).
#[derive(Debug)]
pub struct ScheduledTime(When);

#[derive(Debug)]
enum When {
    OffsetMs(f64),
    UnixMs(f64),
}

impl ScheduledTime {
    /// The time, in milliseconds since the Unix epoch, as the runtime's
    /// clock reads now.
    fn unix_ms(self) -> f64 {
        match self.0 {
            When::UnixMs(ms) => ms,
            When::OffsetMs(offset) => super::Date::now().as_millis() as f64 + offset,
        }
    }
}

impl From<i64> for ScheduledTime {
    fn from(offset_ms: i64) -> Self {
        ScheduledTime(When::OffsetMs(offset_ms as f64))
    }
}

impl From<Duration> for ScheduledTime {
    fn from(offset: Duration) -> Self {
        ScheduledTime(When::OffsetMs(offset.as_millis() as f64))
    }
}

impl From<chrono::DateTime<chrono::Utc>> for ScheduledTime {
    fn from(date: chrono::DateTime<chrono::Utc>) -> Self {
        ScheduledTime(When::UnixMs(date.timestamp_millis() as f64))
    }
}

impl From<super::Date> for ScheduledTime {
    fn from(date: super::Date) -> Self {
        ScheduledTime(When::UnixMs(date.as_millis() as f64))
    }
}

/// Options of `get_alarm_with_options` (accepted; dosim has one behaviour).
#[derive(Debug, Clone, Default, Serialize)]
pub struct GetAlarmOptions {
    /// Accepted and ignored.
    pub allow_concurrency: Option<bool>,
}

/// Options of `set_alarm_with_options` and `delete_alarm_with_options`
/// (accepted; dosim has one behaviour).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SetAlarmOptions {
    /// Accepted and ignored.
    pub allow_concurrency: Option<bool>,
    /// Accepted and ignored.
    pub allow_unconfirmed: Option<bool>,
}

/// The range of `list_with_options`. dosim-worker keeps it for code that
/// builds one, though the methods taking it are not mirrored (they return
/// a `js_sys::Map`).
#[derive(Default, Serialize, Debug)]
pub struct ListOptions<'a> {
    start: Option<&'a str>,
    end: Option<&'a str>,
    prefix: Option<&'a str>,
    reverse: Option<bool>,
    limit: Option<usize>,
}

impl<'a> ListOptions<'a> {
    /// No bounds.
    pub fn new() -> Self {
        ListOptions::default()
    }
    /// The first key, inclusive.
    pub fn start(mut self, val: &'a str) -> Self {
        self.start = Some(val);
        self
    }
    /// The key to stop before.
    pub fn end(mut self, val: &'a str) -> Self {
        self.end = Some(val);
        self
    }
    /// Only keys starting with `val`.
    pub fn prefix(mut self, val: &'a str) -> Self {
        self.prefix = Some(val);
        self
    }
    /// Descending order.
    pub fn reverse(mut self, val: bool) -> Self {
        self.reverse = Some(val);
        self
    }
    /// At most `val` entries.
    pub fn limit(mut self, val: usize) -> Self {
        self.limit = Some(val);
        self
    }
}

/// The entries of a serde struct or map, for `put_multiple`.
fn entries<T: Serialize>(values: T) -> Result<Vec<(String, serde_json::Value)>> {
    match serde_json::to_value(values)? {
        serde_json::Value::Object(map) => Ok(map.into_iter().collect()),
        _ => Err(Error::JsError("Must pass in a struct type".into())),
    }
}

fn as_strs<K: Deref<Target = str>>(keys: &[K]) -> Vec<&str> {
    keys.iter().map(|k| k.deref()).collect()
}

fn unix_ms(time: std::time::SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Storage {
    /// The value of `key`, if any.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        Ok(self.0.get(key).await?)
    }

    /// Stores `value` under `key`.
    pub async fn put<T: Serialize>(&self, key: &str, value: T) -> Result<()> {
        Ok(self.0.put(key, &value).await?)
    }

    /// Stores every field of a struct (or entry of a map) as a key.
    pub async fn put_multiple<T: Serialize>(&self, values: T) -> Result<()> {
        let entries = entries(values)?;
        let refs: Vec<(&str, &serde_json::Value)> =
            entries.iter().map(|(k, v)| (k.as_str(), v)).collect();
        Ok(self.0.put_many(&refs).await?)
    }

    /// Deletes `key`; whether it existed.
    pub async fn delete(&self, key: &str) -> Result<bool> {
        Ok(self.0.delete(key).await?)
    }

    /// Deletes `keys`; how many existed.
    pub async fn delete_multiple(&self, keys: Vec<impl Deref<Target = str>>) -> Result<usize> {
        Ok(self.0.delete_many(&as_strs(&keys)).await?)
    }

    /// Deletes every key (and the alarm).
    pub async fn delete_all(&self) -> Result<()> {
        Ok(self.0.delete_all().await?)
    }

    map_returns!();

    /// Not mirrored: takes a JS value in workers-rs.
    pub async fn put_raw<'a, V>(&'a self, key: &str, value: V) -> Result<()>
    where
        &'a (): StorageRawValue,
    {
        let _ = (key, value);
        Err(Error::RustError("not mirrored".into()))
    }

    /// Not mirrored: takes a JS object in workers-rs.
    pub async fn put_multiple_raw<'a, V>(&'a self, values: V) -> Result<()>
    where
        &'a (): StorageRawValue,
    {
        let _ = values;
        Err(Error::RustError("not mirrored".into()))
    }

    /// Not mirrored yet.
    pub async fn sync<'a>(&'a self) -> Result<()>
    where
        &'a (): StorageSync,
    {
        Err(Error::RustError("not mirrored".into()))
    }

    /// The alarm's time in milliseconds since the Unix epoch, if one is set.
    pub async fn get_alarm(&self) -> Result<Option<i64>> {
        Ok(self.0.get_alarm().await?.map(unix_ms))
    }

    /// See [`get_alarm`](Self::get_alarm).
    pub async fn get_alarm_with_options(&self, options: GetAlarmOptions) -> Result<Option<i64>> {
        let _ = options;
        self.get_alarm().await
    }

    /// Sets the alarm: an `i64` or a `Duration` is an offset from now.
    pub async fn set_alarm(&self, scheduled_time: impl Into<ScheduledTime>) -> Result<()> {
        Ok(self.0.set_alarm_ms(scheduled_time.into().unix_ms()).await?)
    }

    /// See [`set_alarm`](Self::set_alarm).
    pub async fn set_alarm_with_options(
        &self,
        scheduled_time: impl Into<ScheduledTime>,
        options: SetAlarmOptions,
    ) -> Result<()> {
        let _ = options;
        self.set_alarm(scheduled_time).await
    }

    /// Deletes the alarm, if one is set.
    pub async fn delete_alarm(&self) -> Result<()> {
        Ok(self.0.delete_alarm().await?)
    }

    /// See [`delete_alarm`](Self::delete_alarm).
    pub async fn delete_alarm_with_options(&self, options: SetAlarmOptions) -> Result<()> {
        let _ = options;
        self.delete_alarm().await
    }

    /// Runs `closure` as a transaction: its writes are kept if it returns
    /// `Ok`, rolled back if it returns `Err` (whose error is returned).
    pub async fn transaction<F, Fut>(&self, closure: F) -> Result<()>
    where
        F: FnOnce(Transaction) -> Fut + 'static,
        Fut: Future<Output = Result<()>> + 'static,
    {
        // The body's own error type travels inside dosim's error and comes
        // back out unchanged.
        let outcome = std::cell::RefCell::new(None);
        let slot = &outcome;
        let result = self
            .0
            .transaction(move |txn| async move {
                let result = closure(Transaction(txn)).await;
                let failed = result.is_err();
                *slot.borrow_mut() = Some(result);
                if failed {
                    Err(dosim::Error::new("the transaction's body failed"))
                } else {
                    Ok(())
                }
            })
            .await;
        match outcome.into_inner() {
            Some(Err(e)) => Err(e),
            _ => Ok(result?),
        }
    }

    /// The SQL API of this object's database.
    pub fn sql(&self) -> SqlStorage {
        SqlStorage(self.0.sql())
    }
}

/// What a [`transaction`](Storage::transaction) body reads and writes
/// through.
#[derive(Clone)]
pub struct Transaction(dosim::Transaction);

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transaction")
    }
}

impl Transaction {
    /// The value of `key`; unlike `Storage::get`, an error if it has none.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<T> {
        self.0
            .get(key)
            .await?
            .ok_or_else(|| Error::JsError("No such value in storage.".into()))
    }

    /// Stores `value` under `key`.
    pub async fn put<T: Serialize>(&self, key: &str, value: T) -> Result<()> {
        Ok(self.0.put(key, &value).await?)
    }

    /// Stores every field of a struct (or entry of a map) as a key.
    pub async fn put_multiple<T: Serialize>(&self, values: T) -> Result<()> {
        for (key, value) in entries(values)? {
            self.0.put(&key, &value).await?;
        }
        Ok(())
    }

    /// Deletes `key`; whether it existed.
    pub async fn delete(&self, key: &str) -> Result<bool> {
        Ok(self.0.delete(key).await?)
    }

    /// Deletes `keys`; how many existed.
    pub async fn delete_multiple(&self, keys: Vec<impl Deref<Target = str>>) -> Result<usize> {
        let mut deleted = 0;
        for key in as_strs(&keys) {
            deleted += usize::from(self.0.delete(key).await?);
        }
        Ok(deleted)
    }

    /// Deletes every key, in the transaction.
    pub async fn delete_all(&self) -> Result<()> {
        let keys: Vec<(String, serde_json::Value)> =
            self.0.list(dosim::ListOptions::default()).await?;
        for (key, _) in keys {
            self.0.delete(&key).await?;
        }
        Ok(())
    }

    map_returns!();

    /// Rolls the transaction back when its body returns.
    pub fn rollback(&self) -> Result<()> {
        Ok(self.0.rollback()?)
    }
}
