//! Digests and comparison of traces: how two runs of one seed are checked
//! to be the same run, and how the trace speaks of contents (keys, values,
//! a whole store) without carrying them.
//!
//! Every hash here, and every choice a seed makes through a hash, uses
//! [`stable_hasher`]: SipHash-1-3 with zero keys. That is what std's
//! `DefaultHasher::new()` computes today, but std may change its algorithm
//! in any release; a named algorithm does not, so a trace's hashes and a
//! seed's choices stay the same across Rust toolchains (a seed saved with
//! one replays with the next).

use std::hash::{Hash, Hasher};

use siphasher::sip::SipHasher13;

use super::entry::TraceEntry;

/// The hasher of every digest and seeded choice (see the module
/// documentation).
pub(crate) fn stable_hasher() -> SipHasher13 {
    SipHasher13::new_with_keys(0, 0)
}

/// A stable 64-bit hash of some bytes (a key or a value), so the trace can
/// speak of contents without carrying them.
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut h = stable_hasher();
    h.write(bytes);
    h.finish()
}

/// The digest of a whole key-value state, given as (key hash, value hash)
/// pairs in any order.
pub fn storage_digest(entries: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let sorted: std::collections::BTreeMap<u64, u64> = entries.into_iter().collect();
    let mut h = stable_hasher();
    sorted.hash(&mut h);
    h.finish()
}

/// A stable digest of a whole trace, for comparing runs.
pub fn trace_hash(events: &[TraceEntry]) -> u64 {
    let mut h = stable_hasher();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// These values are in saved traces and decide what seeds do: they
    /// must never change, whatever the toolchain.
    #[test]
    fn hashes_are_pinned() {
        assert_eq!(content_hash(b""), 0xd1fb_a762_150c_532c);
        assert_eq!(content_hash(b"key"), 0xdf61_b30b_6842_17c0);
        assert_eq!(
            content_hash(b"a much longer value with many bytes in it, past sixteen"),
            0x2882_db7f_6e5a_e52a
        );
        let mut h = stable_hasher();
        (7u64, "src/x.rs", 3u32, 4u32).hash(&mut h);
        assert_eq!(
            h.finish(),
            0x9a2a_c93d_102c_07ec,
            "a call site's hash, as buggify takes it"
        );
    }
}
