//! Digests and comparison of traces: how two runs of one seed are checked
//! to be the same run, and how the trace speaks of contents (keys, values,
//! a whole store) without carrying them.
//!
//! The digests use `DefaultHasher::new()`, whose keys are fixed: the same
//! in every process of one build, which is what a determinism check needs.

use std::hash::{DefaultHasher, Hash, Hasher};

use super::entry::TraceEntry;

/// A stable 64-bit hash of some bytes (a key or a value), so the trace can
/// speak of contents without carrying them.
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

/// The digest of a whole key-value state, given as (key hash, value hash)
/// pairs in any order.
pub fn storage_digest(entries: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let sorted: std::collections::BTreeMap<u64, u64> = entries.into_iter().collect();
    let mut h = DefaultHasher::new();
    sorted.hash(&mut h);
    h.finish()
}

/// A stable digest of a whole trace, for comparing runs.
pub fn trace_hash(events: &[TraceEntry]) -> u64 {
    // DefaultHasher::new() uses fixed keys: the same in every process of
    // one build, which is what a determinism check compares.
    let mut h = DefaultHasher::new();
    events.hash(&mut h);
    h.finish()
}

/// The index of the first event where two traces differ, if they do.
pub fn first_divergence(a: &[TraceEntry], b: &[TraceEntry]) -> Option<usize> {
    let common = a.iter().zip(b).position(|(x, y)| x != y);
    match common {
        Some(i) => Some(i),
        None if a.len() != b.len() => Some(a.len().min(b.len())),
        None => None,
    }
}
