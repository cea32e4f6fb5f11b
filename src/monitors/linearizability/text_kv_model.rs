//! A ready-made model: a key-value store of text keys and text values with
//! `get`, `put`, `append`, compare-and-set and `delete`, partitioned by
//! key, the shape of the multi-key histories Jepsen-style tests record.
//!
//! `append` adds to the end of a value (an absent key counts as empty).
//! Some histories cannot tell an absent key from an empty value (their
//! reads return `""` for both); check those against
//! [`TextKv::absent_reads_empty`], whose reads of an absent key return
//! `Some("")`.
//!
//! ```
//! use dosim::monitors::linearizability::text_kv_model::{TextKv, TextKvOp, TextKvRet};
//! use dosim::monitors::linearizability::{check, HistoryBuilder, PartitionKey, Verdict};
//!
//! let mut h = HistoryBuilder::new();
//! let a = h.invoke(1, TextKvOp::append("cart", "x"), 0);
//! let b = h.invoke(2, TextKvOp::append("cart", "y"), 0);
//! h.ok(a, TextKvRet::Done, 10).unwrap();
//! h.ok(b, TextKvRet::Done, 10).unwrap();
//! let get = h.invoke(3, TextKvOp::get("cart"), 20);
//! h.ok(get, TextKvRet::value("x"), 30).unwrap(); // lost the "y"
//! let Verdict::NotLinearizable(bad) = check(&h.finish(), TextKv::default()) else {
//!     panic!("a lost append must be caught");
//! };
//! assert_eq!(bad.partition, Some(PartitionKey::from("cart")));
//! ```

use std::collections::BTreeMap;

use super::kv_model::btree_bytes;
use super::{Model, PartitionKey};

/// The store: a map from text keys to text values, empty at first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TextKv {
    map: BTreeMap<String, String>,
    absent_reads_empty: bool,
}

impl TextKv {
    /// A store holding `entries`.
    pub fn with<K: Into<String>, V: Into<String>>(
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> TextKv {
        TextKv {
            map: entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            absent_reads_empty: false,
        }
    }

    /// This store, but a read of an absent key returns `Some("")`, as in
    /// histories that do not tell the two apart.
    pub fn absent_reads_empty(mut self) -> TextKv {
        self.absent_reads_empty = true;
        self
    }

    /// What a read of `key` returns.
    fn read(&self, key: &str) -> Option<String> {
        match self.map.get(key) {
            Some(v) => Some(v.clone()),
            None if self.absent_reads_empty => Some(String::new()),
            None => None,
        }
    }
}

/// A call to the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TextKvOp {
    /// Reads `key`.
    Get {
        /// The key.
        key: String,
    },
    /// Sets `key` to `value`.
    Put {
        /// The key.
        key: String,
        /// Its new value.
        value: String,
    },
    /// Adds `value` to the end of `key`'s value.
    Append {
        /// The key.
        key: String,
        /// What to add.
        value: String,
    },
    /// Sets `key` to `to` if its value reads as `from` (`None`: absent).
    Cas {
        /// The key.
        key: String,
        /// The value expected.
        from: Option<String>,
        /// The new value.
        to: String,
    },
    /// Removes `key`.
    Delete {
        /// The key.
        key: String,
    },
}

impl TextKvOp {
    /// A read of `key`.
    pub fn get(key: impl Into<String>) -> Self {
        TextKvOp::Get { key: key.into() }
    }

    /// A write of `value` to `key`.
    pub fn put(key: impl Into<String>, value: impl Into<String>) -> Self {
        TextKvOp::Put {
            key: key.into(),
            value: value.into(),
        }
    }

    /// An append of `value` to `key`.
    pub fn append(key: impl Into<String>, value: impl Into<String>) -> Self {
        TextKvOp::Append {
            key: key.into(),
            value: value.into(),
        }
    }

    /// The key the call touches.
    pub fn key(&self) -> &str {
        match self {
            TextKvOp::Get { key }
            | TextKvOp::Put { key, .. }
            | TextKvOp::Append { key, .. }
            | TextKvOp::Cas { key, .. }
            | TextKvOp::Delete { key } => key,
        }
    }
}

/// What a call returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TextKvRet {
    /// A `put`, `append` or `delete` was done.
    Done,
    /// A `get` read this value (`None`: no such key).
    Value(Option<String>),
    /// Whether a compare-and-set swapped. A history that records a failed
    /// compare-and-set as "did not happen" can give it
    /// [`Outcome::Withdrawn`](super::Outcome::Withdrawn) instead.
    Swapped(bool),
}

impl TextKvRet {
    /// A read that saw `value`.
    pub fn value(value: impl Into<String>) -> Self {
        TextKvRet::Value(Some(value.into()))
    }
}

impl Model for TextKv {
    type Op = TextKvOp;
    type Ret = TextKvRet;

    fn step(&self, op: &TextKvOp) -> (TextKv, TextKvRet) {
        let mut next = self.clone();
        let ret = match op {
            TextKvOp::Get { key } => return (next, TextKvRet::Value(self.read(key))),
            TextKvOp::Put { key, value } => {
                next.map.insert(key.clone(), value.clone());
                TextKvRet::Done
            }
            TextKvOp::Append { key, value } => {
                next.map.entry(key.clone()).or_default().push_str(value);
                TextKvRet::Done
            }
            TextKvOp::Cas { key, from, to } => {
                let swapped = self.read(key) == *from;
                if swapped {
                    next.map.insert(key.clone(), to.clone());
                }
                TextKvRet::Swapped(swapped)
            }
            TextKvOp::Delete { key } => {
                next.map.remove(key);
                TextKvRet::Done
            }
        };
        (next, ret)
    }

    fn partition_key(op: &TextKvOp) -> Option<PartitionKey> {
        Some(PartitionKey::Text(op.key().to_string()))
    }

    fn heap_bytes(&self) -> usize {
        let text: usize = self
            .map
            .iter()
            .map(|(k, v)| k.capacity() + v.capacity())
            .sum();
        btree_bytes::<String, String>(self.map.len()) + text
    }
}
