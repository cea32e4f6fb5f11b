//! Which size limits of the storage API a run enforces: production's or
//! local workerd's.
//!
//! Cloudflare's production runtime refuses keys over 2048 bytes, batch calls
//! (`get_many`, `put_many`, `delete_many`) naming more than 128 keys, and
//! strings, blobs or rows over 2 MB. workerd run locally on disk skips the
//! first two and lets SQLite decide the third, so code that works on a
//! laptop can fail once deployed. dosim enforces production's limits unless
//! a test asks for local workerd's, to reproduce what it sees locally:
//!
//! ```
//! use dosim::limits::Limits;
//! use dosim::WorldConfig;
//!
//! let world = WorldConfig::default().limits(Limits::local());
//! assert_eq!(world.limits_setting().key_bytes_max(), None);
//! assert_eq!(WorldConfig::default().limits_setting(), Limits::production());
//! ```
//!
//! The limits are plain data carried by the run's [`WorldConfig`], so a saved
//! failure replays under the limits it failed under. The SQL limits on
//! bound parameters (100), statement length (100 KB) and columns (100) are
//! production's in both profiles.
//!
//! [`WorldConfig`]: crate::WorldConfig

use serde::{Deserialize, Serialize};

/// The longest key production accepts, in bytes of UTF-8.
pub(crate) const KEY_BYTES_PRODUCTION: usize = 2048;
/// The most keys one batch call may name in production.
pub(crate) const BATCH_KEYS_PRODUCTION: usize = 128;
/// The largest string, blob or row production accepts, in bytes (2 MB).
pub(crate) const VALUE_BYTES_PRODUCTION: u32 = 2_000_000;
/// SQLite's own largest string, blob or row (its compile-time
/// `SQLITE_MAX_LENGTH`, which the bundled SQLite leaves at its default).
const VALUE_BYTES_SQLITE: u32 = 1_000_000_000;

/// The storage API's size limits for one run; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Limits {
    key_bytes_max: Option<usize>,
    batch_keys_max: Option<usize>,
    value_bytes_max: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::production()
    }
}

impl Limits {
    /// Production's limits (the default): keys of at most 2048 bytes, at
    /// most 128 keys per batch call, strings, blobs and rows of at most
    /// 2 MB.
    pub const fn production() -> Limits {
        Limits {
            key_bytes_max: Some(KEY_BYTES_PRODUCTION),
            batch_keys_max: Some(BATCH_KEYS_PRODUCTION),
            value_bytes_max: VALUE_BYTES_PRODUCTION,
        }
    }

    /// Local workerd's limits (SQLite-backed, on disk): keys of any size,
    /// batch calls of any size, strings, blobs and rows up to SQLite's own
    /// limit.
    pub const fn local() -> Limits {
        Limits {
            key_bytes_max: None,
            batch_keys_max: None,
            value_bytes_max: VALUE_BYTES_SQLITE,
        }
    }

    /// The longest key, in bytes of UTF-8; `None` for no limit.
    pub const fn key_bytes_max(&self) -> Option<usize> {
        self.key_bytes_max
    }

    /// The most keys one `get_many`, `put_many` or `delete_many` may name;
    /// `None` for no limit.
    pub const fn batch_keys_max(&self) -> Option<usize> {
        self.batch_keys_max
    }

    /// The largest string, blob or row SQL and KV values may hold, in bytes.
    pub const fn value_bytes_max(&self) -> u32 {
        self.value_bytes_max
    }

    /// The error text for a batch call naming `n` keys, if too many.
    pub(crate) fn batch_refusal(&self, n: usize) -> Option<String> {
        let max = self.batch_keys_max.filter(|max| n > *max)?;
        Some(format!(
            "Maximum number of key value pairs is {max}. {n} pairs were provided."
        ))
    }

    /// The error text for `key`, if it is too long.
    pub(crate) fn key_refusal(&self, key: &str) -> Option<String> {
        let max = self.key_bytes_max.filter(|max| key.len() > *max)?;
        Some(format!(
            "Keys cannot be larger than {max} bytes. A key of size {} was provided.",
            key.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_what_local_accepts_with_workerds_texts() {
        let production = Limits::production();
        let long_key = "k".repeat(2049);
        assert_eq!(
            production.key_refusal(&long_key).as_deref(),
            Some("Keys cannot be larger than 2048 bytes. A key of size 2049 was provided.")
        );
        assert_eq!(production.key_refusal(&"k".repeat(2048)), None);
        assert_eq!(
            production.batch_refusal(129).as_deref(),
            Some("Maximum number of key value pairs is 128. 129 pairs were provided.")
        );
        assert_eq!(production.batch_refusal(128), None);
        let local = Limits::local();
        assert_eq!(local.key_refusal(&"k".repeat(100_000)), None);
        assert_eq!(local.batch_refusal(100_000), None);
        assert!(local.value_bytes_max() > 8_000_000);
        assert_eq!(Limits::default(), production);
    }
}
