//! What a bucket holds and hands back: objects with their metadata, and the
//! options of each operation, shaped after R2's Workers API.

use std::collections::BTreeMap;
use std::time::SystemTime;

/// An object's metadata, as `head`, `put` and `list` return it, and `get`
/// with its body (R2's `R2Object` / `R2ObjectBody`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketObject {
    /// The key.
    pub key: String,
    /// A unique string for this upload (random, from the run's seed).
    pub version: String,
    /// The body's size in bytes.
    pub size: u64,
    /// A hash of the body, unquoted (R2's MD5 hex; here a deterministic
    /// 128-bit content hash of the same shape).
    pub etag: String,
    /// The etag in quotes, as the `ETag` header carries it.
    pub http_etag: String,
    /// When it was uploaded, on the simulated wall clock.
    pub uploaded: SystemTime,
    /// The metadata the writer attached.
    pub custom_metadata: BTreeMap<String, String>,
    /// The body (the requested range of it), for a `get` whose
    /// preconditions held; `None` for metadata only.
    pub body: Option<Vec<u8>>,
}

impl BucketObject {
    /// The body as text (lossy), or an empty string without a body.
    pub fn text(&self) -> String {
        self.body
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }
}

/// Conditions on an object's etag (R2's `onlyIf`): an operation whose
/// condition fails does nothing (a put returns `None`, a get the metadata
/// without the body).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conditional {
    /// Holds only if the object exists with this etag (unquoted).
    pub etag_matches: Option<String>,
    /// Holds only if the object is absent or has another etag.
    pub etag_does_not_match: Option<String>,
}

impl Conditional {
    /// Holds if the object has etag `etag`.
    pub fn etag_matches(etag: impl Into<String>) -> Conditional {
        Conditional {
            etag_matches: Some(etag.into()),
            ..Conditional::default()
        }
    }

    /// Holds if the object is absent or has another etag than `etag`
    /// (`"*"`: holds only if it is absent).
    pub fn etag_does_not_match(etag: impl Into<String>) -> Conditional {
        Conditional {
            etag_does_not_match: Some(etag.into()),
            ..Conditional::default()
        }
    }
}

/// Options of [`Bucket::put`](super::Bucket::put).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// Metadata stored with the object.
    pub custom_metadata: BTreeMap<String, String>,
    /// Write only if this holds.
    pub only_if: Option<Conditional>,
}

/// Which bytes of a body a `get` returns (R2's `R2Range`). A length or
/// suffix past the end returns fewer bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Range {
    /// From `offset`, at most `length` bytes (to the end without one).
    Offset {
        /// The first byte.
        offset: u64,
        /// How many bytes, at most.
        length: Option<u64>,
    },
    /// The last `suffix` bytes.
    Suffix(u64),
}

/// Options of [`Bucket::get`](super::Bucket::get).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetOptions {
    /// Only these bytes of the body.
    pub range: Option<Range>,
    /// Return the body only if this holds.
    pub only_if: Option<Conditional>,
}

/// Options of [`Bucket::list`](super::Bucket::list).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketListOptions {
    /// Only keys starting with this.
    pub prefix: Option<String>,
    /// Where an earlier, truncated listing stopped.
    pub cursor: Option<String>,
    /// Keys with this after the prefix are rolled up into
    /// [`Listing::delimited_prefixes`].
    pub delimiter: Option<String>,
    /// At most this many entries (1 to 1000; default 1000).
    pub limit: Option<u32>,
    /// Whether the objects carry their custom metadata.
    pub include_custom_metadata: bool,
}

/// One page of a listing (R2's `R2Objects`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Listing {
    /// The objects, in key order, without bodies.
    pub objects: Vec<BucketObject>,
    /// Prefixes rolled up by the delimiter, each ending with it.
    pub delimited_prefixes: Vec<String>,
    /// Whether more entries follow.
    pub truncated: bool,
    /// Where to continue, when truncated.
    pub cursor: Option<String>,
}
