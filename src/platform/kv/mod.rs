//! A KV namespace: the platform's eventually consistent key-value store
//! (Workers KV), which objects and Workers read configuration and flags
//! from.
//!
//! A test binds one with [`Sim::kv_namespace`](crate::Sim::kv_namespace);
//! code reaches it with [`Env::kv_namespace`](crate::Env::kv_namespace).
//! It keeps the product's rules: a write is seen at once where it was made
//! and, elsewhere, once that location's cached copy (up to the staleness
//! bound, 60 s unless a read's `cache_ttl` is longer) has expired; a cached
//! "not found" counts too. Last write wins. More than one write a second to
//! one key fails with `KV PUT failed: 429 Too Many Requests`. Keys, values,
//! metadata and expirations are checked with the product's limits and
//! error texts ([`limits`]). Expired keys vanish on simulated time.
//!
//! ```
//! use dosim::platform::kv::PutOptions;
//! dosim::Runner::new("kv_flags").seeds(2).faults(dosim::Faults::None).run(|sim: dosim::Sim| async move {
//!     let flags = sim.kv_namespace("FLAGS")?;
//!     flags.put("beta", "on").await?;
//!     assert_eq!(flags.get("beta").await?.as_deref(), Some("on"));
//!     let err = flags.put_with("beta", "off", PutOptions::expiration_ttl(30)).await.unwrap_err();
//!     assert!(err.to_string().contains("Invalid expiration_ttl of 30. Expiration TTL must be at least 60."));
//!     Ok(())
//! }).assert_passed();
//! ```

mod call;
pub mod limits;
mod options;
mod store;

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use serde::de::DeserializeOwned;

pub use options::{GetOptions, KeyInfo, ListOptions, ListResult, PutOptions, ValueWithMetadata};
use store::{Entry, Store, TooManyWrites};

use crate::runtime::error::{Error, Result};
use crate::runtime::runtime::Runtime;
use crate::sim::rng::RunRng;
use crate::sim::world_config::LocationId;
use crate::trace::What;
use crate::Env;

/// How long a location may cache a copy unless a read asks for longer: the
/// namespace's staleness bound.
pub const CACHE_TTL_DEFAULT: Duration = Duration::from_secs(60);

/// The binding kind, as errors name it.
pub(crate) const KIND: &str = "KV namespace";

/// One namespace's data, shared by every handle to it.
pub(crate) struct Service {
    pub(crate) name: String,
    pub(crate) store: RefCell<Store>,
}

impl Service {
    pub(crate) fn new(name: &str, rng: RunRng) -> Service {
        Service {
            name: name.to_string(),
            store: RefCell::new(Store::new(rng)),
        }
    }
}

/// A KV namespace as seen from one location (an object's host, or a
/// client's edge). Cheap to clone.
#[derive(Clone)]
pub struct KvNamespace {
    pub(crate) service: Rc<Service>,
    pub(crate) rt: Rc<Runtime>,
    pub(crate) origin: LocationId,
}

impl fmt::Debug for KvNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KvNamespace")
            .field("name", &self.service.name)
            .finish_non_exhaustive()
    }
}

impl Env {
    /// The KV namespace bound to `name`; an error naming it if there is
    /// none (bind it with [`Sim::kv_namespace`](crate::Sim::kv_namespace)).
    pub fn kv_namespace(&self, name: &str) -> Result<KvNamespace> {
        let service = self.platform::<Service>(name, KIND, "Sim::kv_namespace")?;
        Ok(KvNamespace {
            service,
            rt: self.runtime().clone(),
            origin: self.origin(),
        })
    }
}

impl KvNamespace {
    /// The binding's name.
    pub fn name(&self) -> &str {
        &self.service.name
    }

    /// The value of `key` as text; `None` if absent (or expired).
    pub async fn get(&self, key: &str) -> Result<Option<String>> {
        self.get_with(key, GetOptions::default()).await
    }

    /// [`get`](Self::get) with options (`cache_ttl`).
    pub async fn get_with(&self, key: &str, options: GetOptions) -> Result<Option<String>> {
        Ok(self.get_with_metadata(key, options).await?.value)
    }

    /// The value of `key` parsed as JSON.
    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let Some(bytes) = self.get_bytes(key).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::new(format!(
                "KV value of `{key}` is not the JSON asked for: {e}"
            ))
        })
    }

    /// The value of `key` as bytes.
    pub async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .read(key, GetOptions::default())
            .await?
            .and_then(|e| e.value))
    }

    /// The value of `key` as text, with its metadata.
    pub async fn get_with_metadata(
        &self,
        key: &str,
        options: GetOptions,
    ) -> Result<ValueWithMetadata> {
        let entry = self.read(key, options).await?;
        let value = entry
            .as_ref()
            .and_then(|e| e.value.as_ref())
            .map(|v| String::from_utf8_lossy(v).into_owned());
        let metadata = entry
            .and_then(|e| e.metadata)
            .and_then(|m| serde_json::from_str(&m).ok());
        Ok(ValueWithMetadata { value, metadata })
    }

    /// Stores `value` under `key`.
    pub async fn put(&self, key: &str, value: impl AsRef<[u8]>) -> Result<()> {
        self.put_with(key, value, PutOptions::default()).await
    }

    /// [`put`](Self::put) with options (expiration, metadata).
    pub async fn put_with(
        &self,
        key: &str,
        value: impl AsRef<[u8]>,
        options: PutOptions,
    ) -> Result<()> {
        limits::key("PUT", key)?;
        let value = value.as_ref().to_vec();
        let metadata = limits::value_and_metadata(&value, options.metadata.as_ref())?;
        self.write("PUT", key, move |unix_s| {
            Ok(Entry {
                value: Some(value),
                metadata,
                expiration: limits::expiration(options.expiration, options.expiration_ttl, unix_s)?,
                version: 0,
            })
        })
        .await
    }

    /// Removes `key` (fine if it is absent).
    pub async fn delete(&self, key: &str) -> Result<()> {
        limits::key("DELETE", key)?;
        self.write("DELETE", key, |_| {
            Ok(Entry {
                value: None,
                metadata: None,
                expiration: None,
                version: 0,
            })
        })
        .await
    }

    /// One page of keys, in byte order, with their expirations and
    /// metadata. Lists read the central store.
    pub async fn list(&self, options: ListOptions) -> Result<ListResult> {
        let limit = options.limit.unwrap_or(limits::LIST_LIMIT_MAX);
        limits::list_limit(limit)?;
        let prefix = options.prefix.unwrap_or_default();
        let cursor = options.cursor;
        self.call("GET", false, move |store, at| {
            let (page, more) = store.list(&prefix, cursor.as_deref(), limit, at.unix_s);
            let cursor = if more {
                page.last().map(|(k, _)| k.clone())
            } else {
                None
            };
            let keys = page
                .into_iter()
                .map(|(name, e)| KeyInfo {
                    name,
                    expiration: e.expiration,
                    metadata: e.metadata.and_then(|m| serde_json::from_str(&m).ok()),
                })
                .collect();
            Ok(ListResult {
                keys,
                list_complete: !more,
                cursor,
            })
        })
        .await
    }

    /// Reads `key` at this location, recording which write it saw; `None`
    /// if absent, deleted or expired.
    async fn read(&self, key: &str, options: GetOptions) -> Result<Option<Entry>> {
        limits::key("GET", key)?;
        let bound = match options.cache_ttl {
            Some(ttl) => {
                limits::cache_ttl(ttl.as_secs())?;
                ttl.max(CACHE_TTL_DEFAULT)
            }
            None => CACHE_TTL_DEFAULT,
        };
        let (origin, name) = (self.origin, self.service.name.clone());
        let world = self.rt.world.clone();
        self.call("GET", true, move |store, at| {
            let found = store.read(origin, key, at.now, bound, at.stale);
            world.record(
                origin,
                None,
                0,
                What::KvRead {
                    namespace: name.into(),
                    key: key.into(),
                    version: found.version,
                    bound_ms: u64::try_from(found.bound.as_millis()).unwrap_or(u64::MAX),
                },
            );
            Ok(found.entry.and_then(|e| e.live(at.unix_s).cloned()))
        })
        .await
    }

    /// Sends a write of `key` (the entry `make` builds at the store's time)
    /// to the central store.
    async fn write(
        &self,
        method: &'static str,
        key: &str,
        make: impl FnOnce(u64) -> Result<Entry>,
    ) -> Result<()> {
        let (origin, name) = (self.origin, self.service.name.clone());
        let world = self.rt.world.clone();
        self.call(method, false, move |store, at| {
            let entry = make(at.unix_s)?;
            match store.write(origin, key, entry, at.now, CACHE_TTL_DEFAULT) {
                Ok(version) => {
                    world.record(
                        world.config().storage(),
                        None,
                        0,
                        What::KvWritten {
                            namespace: name,
                            key: key.to_string(),
                            version,
                        },
                    );
                    Ok(())
                }
                Err(TooManyWrites) => Err(limits::failed(method, 429, "Too Many Requests")),
            }
        })
        .await
    }
}
