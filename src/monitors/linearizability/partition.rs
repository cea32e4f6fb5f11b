//! Splitting a history into independent parts, one per key of the state.
//!
//! A model whose operations each touch one independent part of the state
//! (one key of a store) names that part with [`Model::partition_key`]; a
//! history is then linearizable if and only if each part's operations are
//! on their own (P-compositionality), and each part is checked alone,
//! which is what makes long histories fast. Keys are numbers or text, as
//! the histories recorded elsewhere have them.

use std::collections::BTreeMap;
use std::fmt;

use super::history::{History, Outcome};
use super::Model;

/// Names one independent part of a model's state: a number or a text key.
///
/// Parts are checked and reported in this type's order: numbers first, in
/// numeric order, then texts in byte order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartitionKey {
    /// A numeric key.
    Number(u64),
    /// A text key.
    Text(String),
}

impl From<u64> for PartitionKey {
    fn from(n: u64) -> Self {
        PartitionKey::Number(n)
    }
}

impl From<String> for PartitionKey {
    fn from(s: String) -> Self {
        PartitionKey::Text(s)
    }
}

impl From<&str> for PartitionKey {
    fn from(s: &str) -> Self {
        PartitionKey::Text(s.to_string())
    }
}

impl fmt::Display for PartitionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionKey::Number(n) => write!(f, "{n}"),
            PartitionKey::Text(s) => write!(f, "{s:?}"),
        }
    }
}

/// One part: its key (`None` for a history checked whole) and its
/// operations, as indices into the history.
pub(super) type Part = (Option<PartitionKey>, Vec<usize>);

/// The history's operations split by [`Model::partition_key`], in key
/// order; one part keyed `None` if any operation has no key. Withdrawn
/// operations are left out: they never happened.
pub(super) fn parts<M: Model>(history: &History<M::Op, M::Ret>) -> Vec<Part> {
    let happened = |i: &usize| !matches!(history.ops()[*i].outcome, Outcome::Withdrawn);
    let mut by_key: BTreeMap<PartitionKey, Vec<usize>> = BTreeMap::new();
    for i in (0..history.len()).filter(happened) {
        match M::partition_key(&history.ops()[i].op) {
            Some(key) => by_key.entry(key).or_default().push(i),
            None => return vec![(None, (0..history.len()).filter(happened).collect())],
        }
    }
    by_key.into_iter().map(|(k, ops)| (Some(k), ops)).collect()
}
