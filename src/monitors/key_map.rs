//! A map keyed by content hashes, for monitors that model a store (or by
//! other `u64` ids, such as the liveness monitor's open calls).
//!
//! A monitor that replays writes keeps the store's contents as (key hash,
//! value hash) pairs and updates it for every write of a run: a counter run
//! writes two keys per request, one of them new, so the model grows with
//! the run. An ordered map pays a walk down its tree for each write, about
//! 500 instructions at a few thousand keys, which made the model a fifth of
//! what the monitors cost per request. A hash table pays a constant few
//! dozen.
//!
//! Invariant: nothing about a run may depend on the table's iteration
//! order. The hasher has no random state, so that order is a function of
//! the writes alone; and every reader that walks the map sorts what it
//! reads (the storage digest does) or only counts it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Content hash → value, hashed without random state.
pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Hashes a `u64` key by mixing its bits ([`mix`]). Content
/// hashes are mixed already, but a hand-made trace may use keys 1, 2, 3,
/// whose high bits, which the table's probe uses, are all zero.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

/// A well-mixed 64-bit value for `n` (splitmix64's finaliser).
pub(crate) fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        mix(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_keys_spread_over_the_high_bits() {
        let hash = |n: u64| {
            let mut h = KeyHasher::default();
            h.write_u64(n);
            h.finish()
        };
        let tops: std::collections::BTreeSet<u64> = (0..64).map(|n| hash(n) >> 57).collect();
        assert!(tops.len() > 32, "only {} distinct top bits", tops.len());
    }

    #[test]
    fn the_same_writes_iterate_in_the_same_order() {
        let fill = || {
            let mut m: KeyMap<u64> = KeyMap::default();
            for k in (0..500u64).map(|k| k.wrapping_mul(0x2545_f491_4f6c_dd1d)) {
                m.insert(k, k + 1);
            }
            m.remove(&0x2545_f491_4f6c_dd1d);
            m.into_iter().collect::<Vec<_>>()
        };
        assert_eq!(fill(), fill());
    }
}
