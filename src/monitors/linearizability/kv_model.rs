//! A ready-made model: a key-value store of numbers with `put`, `get` and
//! `delete`, partitioned by key, so long histories check one key at a time.
//!
//! ```
//! use dosim::monitors::linearizability::kv_model::{Kv, KvOp, KvRet};
//! use dosim::monitors::linearizability::{check, HistoryBuilder};
//!
//! let mut h = HistoryBuilder::new();
//! let put = h.invoke(1, KvOp::Put { key: 1, value: 5 }, 0);
//! h.ok(put, KvRet::Done, 10).unwrap();
//! let get = h.invoke(2, KvOp::Get { key: 1 }, 20);
//! h.ok(get, KvRet::Value(None), 30).unwrap(); // lost the put
//! assert!(!check(&h.finish(), Kv::default()).is_linearizable());
//! ```

use std::collections::BTreeMap;

use std::mem::size_of;

use super::{Model, PartitionKey};

/// The store: a map from keys to values, empty at first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Kv {
    map: BTreeMap<u64, u64>,
}

impl Kv {
    /// A store holding `entries`.
    pub fn with(entries: impl IntoIterator<Item = (u64, u64)>) -> Kv {
        Kv {
            map: entries.into_iter().collect(),
        }
    }
}

/// A call to the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvOp {
    /// Sets `key` to `value`.
    Put {
        /// The key.
        key: u64,
        /// Its new value.
        value: u64,
    },
    /// Reads `key`.
    Get {
        /// The key.
        key: u64,
    },
    /// Removes `key`.
    Delete {
        /// The key.
        key: u64,
    },
}

impl KvOp {
    /// The key the call touches.
    pub fn key(&self) -> u64 {
        match *self {
            KvOp::Put { key, .. } | KvOp::Get { key } | KvOp::Delete { key } => key,
        }
    }
}

/// What a call returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvRet {
    /// A `put` or `delete` was done.
    Done,
    /// A `get` read this value (`None`: no such key).
    Value(Option<u64>),
}

impl Model for Kv {
    type Op = KvOp;
    type Ret = KvRet;

    fn step(&self, op: &KvOp) -> (Kv, KvRet) {
        match *op {
            KvOp::Get { key } => (self.clone(), KvRet::Value(self.map.get(&key).copied())),
            KvOp::Put { key, value } => {
                let mut next = self.clone();
                next.map.insert(key, value);
                (next, KvRet::Done)
            }
            KvOp::Delete { key } => {
                let mut next = self.clone();
                next.map.remove(&key);
                (next, KvRet::Done)
            }
        }
    }

    fn partition_key(op: &KvOp) -> Option<PartitionKey> {
        Some(PartitionKey::Number(op.key()))
    }

    fn heap_bytes(&self) -> usize {
        btree_bytes::<u64, u64>(self.map.len())
    }
}

/// Roughly the heap a `BTreeMap<K, V>` of `len` entries holds: its nodes
/// keep up to 11 entries and at least 5 (but the root), plus a parent
/// link, the node's length and place, and an internal node's 12 edges
/// (counted for every node, which errs high).
pub(super) fn btree_bytes<K, V>(len: usize) -> usize {
    let node = 11 * (size_of::<K>() + size_of::<V>()) + 12 * size_of::<usize>() + 16;
    len.div_ceil(5) * node
}
