//! `KvStore` (`env.kv("BINDING")?`): workers-rs's builders over dosim's
//! simulated KV namespace, with its eventual consistency, limits and
//! faults (see `docs/platform.md`).
//!
//! Values are text, as the real store keeps a JS string: a serde value is
//! written as workers-rs writes it (a string as is, a number or a boolean
//! as its text, anything else as JSON).

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use dosim::platform::kv::{GetOptions, KvNamespace, ListOptions, PutOptions};

/// A KV namespace binding.
#[derive(Clone)]
pub struct KvStore(pub(crate) KvNamespace);

impl fmt::Debug for KvStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KvStore({})", self.0.name())
    }
}

/// An error of a KV operation.
#[derive(Debug)]
pub enum KvError {
    /// The store refused or failed; workers-rs holds the thrown `JsValue`.
    JavaScript(dosim::Error),
    /// A value or its metadata did not (de)serialize.
    Serialization(serde_json::Error),
    /// No KV namespace has this binding.
    InvalidKvStore(String),
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvError::JavaScript(e) => write!(f, "js error: {e}"),
            KvError::Serialization(e) => write!(f, "unable to serialize/deserialize: {e}"),
            KvError::InvalidKvStore(binding) => write!(f, "invalid kv store: {binding}"),
        }
    }
}

impl std::error::Error for KvError {}

impl From<dosim::Error> for KvError {
    fn from(e: dosim::Error) -> Self {
        KvError::JavaScript(e)
    }
}

impl From<serde_json::Error> for KvError {
    fn from(e: serde_json::Error) -> Self {
        KvError::Serialization(e)
    }
}

/// A value `put` can store.
pub trait ToRawKvValue {
    /// The text stored.
    fn raw_kv_value(&self) -> Result<String, KvError>;
}

impl ToRawKvValue for str {
    fn raw_kv_value(&self) -> Result<String, KvError> {
        Ok(self.to_string())
    }
}

impl<T: Serialize> ToRawKvValue for T {
    fn raw_kv_value(&self) -> Result<String, KvError> {
        Ok(match serde_json::to_value(self)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            other => other.to_string(),
        })
    }
}

/// One page of keys.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ListResponse {
    /// The keys, in byte order.
    pub keys: Vec<Key>,
    /// Whether this is the last page.
    pub list_complete: bool,
    /// The cursor of the next page.
    pub cursor: Option<String>,
}

/// One listed key.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Key {
    /// The key.
    pub name: String,
    /// When it expires, in seconds since the Unix epoch.
    pub expiration: Option<u64>,
    /// Its metadata.
    pub metadata: Option<serde_json::Value>,
}

impl KvStore {
    /// A read of `name`; finish it with `text`, `json`, `bytes`, ….
    pub fn get(&self, name: &str) -> GetOptionsBuilder {
        GetOptionsBuilder {
            store: self.0.clone(),
            name: name.to_string(),
            cache_ttl: None,
        }
    }

    /// A write of `value` under `name`; finish it with `execute`.
    pub fn put<T: ToRawKvValue>(&self, name: &str, value: T) -> Result<PutOptionsBuilder, KvError> {
        Ok(self.put_raw(name, value.raw_kv_value()?.into_bytes()))
    }

    /// A write of bytes under `name`; finish it with `execute`.
    pub fn put_bytes(&self, name: &str, value: &[u8]) -> Result<PutOptionsBuilder, KvError> {
        Ok(self.put_raw(name, value.to_vec()))
    }

    fn put_raw(&self, name: &str, value: Vec<u8>) -> PutOptionsBuilder {
        PutOptionsBuilder {
            store: self.0.clone(),
            name: name.to_string(),
            value,
            options: PutOptions::default(),
        }
    }

    /// A listing; finish it with `execute`.
    pub fn list(&self) -> ListOptionsBuilder {
        ListOptionsBuilder {
            store: self.0.clone(),
            options: ListOptions::default(),
        }
    }

    /// Deletes `name`.
    pub async fn delete(&self, name: &str) -> Result<(), KvError> {
        Ok(self.0.delete(name).await?)
    }
}

/// A read, before its value type is chosen.
#[derive(Debug, Clone)]
#[must_use = "GetOptionsBuilder does nothing until you read the value"]
pub struct GetOptionsBuilder {
    store: KvNamespace,
    name: String,
    cache_ttl: Option<u64>,
}

impl GetOptionsBuilder {
    /// How long this location may cache the value, in seconds.
    pub fn cache_ttl(mut self, cache_ttl: u64) -> Self {
        self.cache_ttl = Some(cache_ttl);
        self
    }

    async fn read(self) -> Result<(Option<String>, Option<serde_json::Value>), KvError> {
        let mut options = GetOptions::default();
        options.cache_ttl = self.cache_ttl.map(Duration::from_secs);
        let read = self.store.get_with_metadata(&self.name, options).await?;
        Ok((read.value, read.metadata))
    }

    /// The value as text.
    pub async fn text(self) -> Result<Option<String>, KvError> {
        Ok(self.read().await?.0)
    }

    /// The value as JSON.
    pub async fn json<T: DeserializeOwned>(self) -> Result<Option<T>, KvError> {
        Ok(self
            .text_with_metadata::<()>()
            .await?
            .0
            .map(|t| serde_json::from_str(&t))
            .transpose()?)
    }

    /// The value's bytes.
    pub async fn bytes(self) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.text().await?.map(String::into_bytes))
    }

    /// The value as text, with its metadata.
    pub async fn text_with_metadata<M: DeserializeOwned>(
        self,
    ) -> Result<(Option<String>, Option<M>), KvError> {
        let (value, metadata) = self.read().await?;
        let metadata = metadata.map(serde_json::from_value).transpose()?;
        Ok((value, metadata))
    }

    /// The value as JSON, with its metadata.
    pub async fn json_with_metadata<T: DeserializeOwned, M: DeserializeOwned>(
        self,
    ) -> Result<(Option<T>, Option<M>), KvError> {
        let (value, metadata) = self.text_with_metadata::<M>().await?;
        let value = value.map(|t| serde_json::from_str(&t)).transpose()?;
        Ok((value, metadata))
    }

    /// The value's bytes, with its metadata.
    pub async fn bytes_with_metadata<M: DeserializeOwned>(
        self,
    ) -> Result<(Option<Vec<u8>>, Option<M>), KvError> {
        let (value, metadata) = self.text_with_metadata::<M>().await?;
        Ok((value.map(String::into_bytes), metadata))
    }
}

/// A write, before it is executed.
#[derive(Debug, Clone)]
#[must_use = "PutOptionsBuilder does nothing until you 'execute' it"]
pub struct PutOptionsBuilder {
    store: KvNamespace,
    name: String,
    value: Vec<u8>,
    options: PutOptions,
}

impl PutOptionsBuilder {
    /// Expires at `expiration`, in seconds since the Unix epoch.
    pub fn expiration(mut self, expiration: u64) -> Self {
        self.options.expiration = Some(expiration);
        self
    }

    /// Expires `expiration_ttl` seconds from now.
    pub fn expiration_ttl(mut self, expiration_ttl: u64) -> Self {
        self.options.expiration_ttl = Some(expiration_ttl);
        self
    }

    /// Attaches metadata.
    pub fn metadata<T: Serialize>(mut self, metadata: T) -> Result<Self, KvError> {
        self.options.metadata = Some(serde_json::to_value(metadata)?);
        Ok(self)
    }

    /// Writes.
    pub async fn execute(self) -> Result<(), KvError> {
        Ok(self
            .store
            .put_with(&self.name, self.value, self.options)
            .await?)
    }
}

/// A listing, before it is executed.
#[derive(Debug, Clone)]
#[must_use = "ListOptionsBuilder does nothing until you 'execute' it"]
pub struct ListOptionsBuilder {
    store: KvNamespace,
    options: ListOptions,
}

impl ListOptionsBuilder {
    /// At most `limit` keys.
    pub fn limit(mut self, limit: u64) -> Self {
        self.options.limit = Some(limit as usize);
        self
    }

    /// The page after `cursor`.
    pub fn cursor(mut self, cursor: String) -> Self {
        self.options.cursor = Some(cursor);
        self
    }

    /// Only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: String) -> Self {
        self.options.prefix = Some(prefix);
        self
    }

    /// One page of keys.
    pub async fn execute(self) -> Result<ListResponse, KvError> {
        let page = self.store.list(self.options).await?;
        Ok(ListResponse {
            keys: page
                .keys
                .into_iter()
                .map(|k| Key {
                    name: k.name,
                    expiration: k.expiration,
                    metadata: k.metadata,
                })
                .collect(),
            list_complete: page.list_complete,
            cursor: page.cursor,
        })
    }
}
