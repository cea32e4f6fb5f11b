//! A bucket's contents and the rules of each operation on them, with no
//! network and no faults: what R2 does once a request reaches it.
//!
//! Every write (a put, or a delete of a key) takes the next number in the
//! bucket's order of writes; the store answers reads with the number of the
//! write they saw, so the `bucket_consistency` monitor can tell a stale read
//! from a fresh one. A delete leaves that number behind for its key.

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::object::{
    BucketListOptions, BucketObject, Conditional, GetOptions, Listing, PutOptions, Range,
};
use crate::runtime::error::{Error, Result};

/// The longest key, in bytes.
pub const BUCKET_KEY_BYTES_MAX: usize = 1024;
/// The most custom metadata per object, in bytes (keys plus values).
pub const BUCKET_METADATA_BYTES_MAX: usize = 8192;
/// The most entries one `list` returns, and its default.
pub const BUCKET_LIST_LIMIT_MAX: u32 = 1000;
/// The most keys one `delete` takes.
pub const BUCKET_DELETE_KEYS_MAX: usize = 1000;

/// R2's error, as workerd words it: `<op>: <message> (<code>)`.
pub(crate) fn r2_error(op: &str, message: &str, code: u32) -> Error {
    Error::new(format!("{op}: {message} ({code})"))
}

/// R2's internal error, which a failed operation returns.
pub(crate) fn internal_error(op: &str) -> Error {
    r2_error(
        op,
        "We encountered an internal error. Please try again.",
        10001,
    )
}

/// One stored object: its metadata, body, and the write that made it.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub(crate) meta: BucketObject,
    pub(crate) body: Vec<u8>,
    pub(crate) write: u64,
}

/// A bucket's contents.
#[derive(Default)]
pub(crate) struct Store {
    objects: BTreeMap<String, Stored>,
    /// The latest write of every key ever written (a delete included).
    last_write: BTreeMap<String, u64>,
    writes: u64,
}

/// A put's inputs that the service chose (its version, its time).
pub(crate) struct Upload {
    pub(crate) version: String,
    pub(crate) uploaded: SystemTime,
}

impl Store {
    /// The latest write of `key` (0: never written).
    pub(crate) fn last_write(&self, key: &str) -> u64 {
        self.last_write.get(key).copied().unwrap_or(0)
    }

    /// The object at `key`, if any.
    pub(crate) fn stored(&self, key: &str) -> Option<&Stored> {
        self.objects.get(key)
    }

    /// Stores `body` at `key` unless `options.only_if` fails (`None`);
    /// returns the object and its write.
    pub(crate) fn put(
        &mut self,
        key: &str,
        body: Vec<u8>,
        options: &PutOptions,
        upload: Upload,
    ) -> Result<Option<(BucketObject, u64)>> {
        check_key("put", key)?;
        check_metadata(&options.custom_metadata)?;
        if let Some(cond) = &options.only_if {
            if !holds(cond, self.objects.get(key))? {
                return Ok(None);
            }
        }
        self.writes += 1;
        let etag = content_hash(&body);
        let meta = BucketObject {
            key: key.to_string(),
            version: upload.version,
            size: body.len() as u64,
            http_etag: format!("\"{etag}\""),
            etag,
            uploaded: upload.uploaded,
            custom_metadata: options.custom_metadata.clone(),
            body: None,
        };
        let write = self.writes;
        self.last_write.insert(key.to_string(), write);
        self.objects.insert(
            key.to_string(),
            Stored {
                meta: meta.clone(),
                body,
                write,
            },
        );
        Ok(Some((meta, write)))
    }

    /// Deletes `keys` (missing ones too); returns each key's write.
    pub(crate) fn delete(&mut self, keys: &[String]) -> Result<Vec<(String, u64)>> {
        if keys.len() > BUCKET_DELETE_KEYS_MAX {
            return Err(Error::range_error(format!(
                "delete: {} keys in one call; the limit is {BUCKET_DELETE_KEYS_MAX}",
                keys.len()
            )));
        }
        for key in keys {
            check_key("delete", key)?;
        }
        let mut written = Vec::new();
        for key in keys {
            self.writes += 1;
            self.objects.remove(key);
            self.last_write.insert(key.clone(), self.writes);
            written.push((key.clone(), self.writes));
        }
        Ok(written)
    }

    /// Checks `get`'s key and options before it reads anything.
    pub(crate) fn check_get(op: &str, key: &str, options: &GetOptions) -> Result<()> {
        check_key(op, key)?;
        if let Some(cond) = &options.only_if {
            check_conditional(cond)?;
        }
        Ok(())
    }

    /// The answer to a `get` of `stored` (`head` when `options` is empty
    /// and `body` false).
    pub(crate) fn read(
        stored: Option<&Stored>,
        options: &GetOptions,
        body: bool,
    ) -> Result<Option<BucketObject>> {
        let Some(stored) = stored else {
            return Ok(None);
        };
        let mut object = stored.meta.clone();
        if let Some(cond) = &options.only_if {
            if !holds(cond, Some(stored))? {
                return Ok(Some(object));
            }
        }
        if body {
            object.body = Some(slice(&stored.body, options.range)?.to_vec());
        }
        Ok(Some(object))
    }

    /// One page of the keys `options` select, each with its write.
    pub(crate) fn list(
        &self,
        options: &BucketListOptions,
    ) -> Result<(Listing, Vec<(String, u64)>)> {
        let limit = options.limit.unwrap_or(BUCKET_LIST_LIMIT_MAX);
        if limit == 0 || limit > BUCKET_LIST_LIMIT_MAX {
            return Err(r2_error(
                "list",
                "MaxKeys params must be positive integer <= 1000.",
                10022,
            ));
        }
        let prefix = options.prefix.as_deref().unwrap_or("");
        let delimiter = options.delimiter.as_deref().filter(|d| !d.is_empty());
        let cursor = options.cursor.as_deref();
        let mut listing = Listing::default();
        let mut seen = Vec::new();
        let mut entries = 0u32;
        let mut last: Option<String> = None;
        for (key, stored) in self.objects.range(prefix.to_string()..) {
            if !key.starts_with(prefix) {
                break;
            }
            if let Some(c) = cursor {
                let rolled = delimiter.is_some_and(|d| c.ends_with(d)) && key.starts_with(c);
                if key.as_str() <= c || rolled {
                    continue;
                }
            }
            let rollup = delimiter.and_then(|d| {
                let rest = &key[prefix.len()..];
                rest.find(d)
                    .map(|i| format!("{prefix}{}", &rest[..i + d.len()]))
            });
            if let Some(p) = &rollup {
                if listing.delimited_prefixes.last() == Some(p) {
                    continue;
                }
            }
            if entries == limit {
                listing.truncated = true;
                listing.cursor = last;
                return Ok((listing, seen));
            }
            entries += 1;
            match rollup {
                Some(p) => {
                    last = Some(p.clone());
                    listing.delimited_prefixes.push(p);
                }
                None => {
                    let mut object = stored.meta.clone();
                    if !options.include_custom_metadata {
                        object.custom_metadata.clear();
                    }
                    listing.objects.push(object);
                    seen.push((key.clone(), stored.write));
                    last = Some(key.clone());
                }
            }
        }
        Ok((listing, seen))
    }
}

fn check_key(op: &str, key: &str) -> Result<()> {
    if key.is_empty() || key.len() > BUCKET_KEY_BYTES_MAX {
        return Err(r2_error(
            op,
            "The specified object name is not valid.",
            10020,
        ));
    }
    Ok(())
}

fn check_metadata(metadata: &BTreeMap<String, String>) -> Result<()> {
    let size: usize = metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > BUCKET_METADATA_BYTES_MAX {
        return Err(r2_error(
            "put",
            "Your metadata headers exceed the maximum allowed metadata size.",
            10012,
        ));
    }
    Ok(())
}

fn check_conditional(cond: &Conditional) -> Result<()> {
    for etag in [&cond.etag_matches, &cond.etag_does_not_match]
        .into_iter()
        .flatten()
    {
        if etag.len() >= 2 && etag.starts_with('"') && etag.ends_with('"') {
            return Err(Error::type_error(format!(
                "Conditional ETag should not be wrapped in quotes ({etag})."
            )));
        }
    }
    Ok(())
}

/// Whether `cond` holds for `stored` (an absent object fails a match).
fn holds(cond: &Conditional, stored: Option<&Stored>) -> Result<bool> {
    check_conditional(cond)?;
    let etag = stored.map(|s| s.meta.etag.as_str());
    let matches = |want: &str| etag.is_some_and(|e| want == "*" || want == e);
    if let Some(want) = &cond.etag_matches {
        if !matches(want) {
            return Ok(false);
        }
    }
    if let Some(want) = &cond.etag_does_not_match {
        if matches(want) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The bytes of `body` that `range` selects.
fn slice(body: &[u8], range: Option<Range>) -> Result<&[u8]> {
    let size = body.len() as u64;
    let unsatisfiable = || r2_error("get", "The requested range is not satisfiable", 10039);
    let (start, end) = match range {
        None => return Ok(body),
        Some(Range::Offset { offset, length }) => {
            if offset > size || length == Some(0) {
                return Err(unsatisfiable());
            }
            let end = length.map_or(size, |l| offset.saturating_add(l).min(size));
            (offset, end)
        }
        Some(Range::Suffix(suffix)) => {
            if suffix == 0 {
                return Err(unsatisfiable());
            }
            (size.saturating_sub(suffix), size)
        }
    };
    Ok(&body[start as usize..end as usize])
}

/// A deterministic 128-bit hash of `body`, as 32 hex digits (the shape of
/// R2's MD5 etag): two FNV-1a passes with different offsets.
pub(crate) fn content_hash(body: &[u8]) -> String {
    let fnv = |basis: u64| {
        body.iter().fold(basis, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x8422_2325_cbf2_9ce4)
    )
}
