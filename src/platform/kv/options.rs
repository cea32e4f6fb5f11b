//! What a caller passes to and gets back from a KV namespace: the options
//! of `get`, `put` and `list`, and the shapes of their answers, named as
//! the Workers KV API names them.

use std::time::Duration;

/// Options of [`KvNamespace::get`](super::KvNamespace::get) and its kin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetOptions {
    /// How long this location may cache what the read finds (`cacheTtl`):
    /// at least 60 s; default the namespace's staleness bound (60 s).
    pub cache_ttl: Option<Duration>,
}

impl GetOptions {
    /// Reads that may cache what they find for `ttl`.
    pub fn cache_ttl(ttl: Duration) -> GetOptions {
        GetOptions {
            cache_ttl: Some(ttl),
        }
    }
}

/// Options of [`KvNamespace::put`](super::KvNamespace::put).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct PutOptions {
    /// When the key expires, in seconds since the Unix epoch (at least 60
    /// s in the future).
    pub expiration: Option<u64>,
    /// How long until the key expires, in seconds (at least 60).
    pub expiration_ttl: Option<u64>,
    /// Metadata kept with the value (at most 1024 bytes as JSON).
    pub metadata: Option<serde_json::Value>,
}

impl PutOptions {
    /// A key that expires `seconds` from now.
    pub fn expiration_ttl(seconds: u64) -> PutOptions {
        PutOptions {
            expiration_ttl: Some(seconds),
            ..PutOptions::default()
        }
    }

    /// A key that expires at `unix_seconds`.
    pub fn expiration(unix_seconds: u64) -> PutOptions {
        PutOptions {
            expiration: Some(unix_seconds),
            ..PutOptions::default()
        }
    }

    /// These options, with `metadata` kept beside the value.
    pub fn with_metadata(mut self, metadata: serde_json::Value) -> PutOptions {
        self.metadata = Some(metadata);
        self
    }
}

/// Options of [`KvNamespace::list`](super::KvNamespace::list).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// Only keys that start with this.
    pub prefix: Option<String>,
    /// At most this many keys (1 to 1000; default 1000).
    pub limit: Option<usize>,
    /// Where the previous page ended (its [`ListResult::cursor`]).
    pub cursor: Option<String>,
}

impl ListOptions {
    /// Keys starting with `prefix`.
    pub fn prefix(prefix: impl Into<String>) -> ListOptions {
        ListOptions {
            prefix: Some(prefix.into()),
            ..ListOptions::default()
        }
    }

    /// These options, with at most `limit` keys a page.
    pub fn with_limit(mut self, limit: usize) -> ListOptions {
        self.limit = Some(limit);
        self
    }

    /// These options, from where `cursor` says the last page ended.
    pub fn with_cursor(mut self, cursor: impl Into<String>) -> ListOptions {
        self.cursor = Some(cursor.into());
        self
    }
}

/// One key of a [`ListResult`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct KeyInfo {
    /// The key.
    pub name: String,
    /// When it expires, in seconds since the Unix epoch.
    pub expiration: Option<u64>,
    /// Its metadata.
    pub metadata: Option<serde_json::Value>,
}

/// One page of [`KvNamespace::list`](super::KvNamespace::list).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ListResult {
    /// The keys, in byte order.
    pub keys: Vec<KeyInfo>,
    /// Whether this is the last page.
    pub list_complete: bool,
    /// Pass it back as [`ListOptions::cursor`] for the next page (`None`
    /// on the last page).
    pub cursor: Option<String>,
}

/// A value with its metadata, from
/// [`KvNamespace::get_with_metadata`](super::KvNamespace::get_with_metadata).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ValueWithMetadata {
    /// The value as text; `None` when the key is absent.
    pub value: Option<String>,
    /// Its metadata; `None` when absent or when it has none.
    pub metadata: Option<serde_json::Value>,
}
