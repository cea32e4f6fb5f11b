//! Lowe's memo: every (linearized set, model state) pair the search has
//! explored, kept small enough to bound.
//!
//! The search's memory is this memo, so it is laid out to be cheap and
//! countable. Model states are interned: each distinct state is stored
//! once and named by an index, so a pair costs its set's bit words and two
//! indices, whatever the model (a history revisits few states in many
//! sets). The sets live end to end in one arena. Pairs and states are
//! bucketed by a fingerprint and compared in full, so a collision costs
//! time, never a wrong verdict. [`Memo::bytes`] adds up what the memo holds
//! from the capacities it has allocated, plus what the states report
//! through [`Model::heap_bytes`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::mem::size_of;

use super::Model;

/// The end of a chain.
const NONE: u32 = u32::MAX;

/// Passes a fingerprint through as its own hash.
#[derive(Default)]
struct Fingerprint(u64);

impl Hasher for Fingerprint {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Fingerprint → the first index of a chain.
type Heads = HashMap<u64, u32, BuildHasherDefault<Fingerprint>>;

/// The bytes a [`Heads`] table holds: a slot per bucket (a key, a value
/// and a control byte), with hashbrown's 7/8 load factor.
fn heads_bytes(heads: &Heads) -> u64 {
    let slot = size_of::<u64>() + size_of::<u32>() + 1;
    (heads.capacity() as u64 * 8 / 7) * slot as u64
}

pub(super) use crate::monitors::key_map::mix;

/// The state's hash, for interning.
fn state_hash<M: Hash>(m: &M) -> u64 {
    let mut h = DefaultHasher::new();
    m.hash(&mut h);
    h.finish()
}

/// Interned states and explored pairs.
pub(super) struct Memo<M> {
    /// Each distinct state once; a state is named by its index.
    states: Vec<M>,
    state_next: Vec<u32>,
    state_heads: Heads,
    /// What the states hold on the heap, as they report it.
    state_heap: u64,
    /// Bit words per set.
    words: usize,
    /// Pair `p`'s set is `sets[p * words..][..words]`.
    sets: Vec<u64>,
    pair_state: Vec<u32>,
    pair_next: Vec<u32>,
    pair_heads: Heads,
}

impl<M: Model> Memo<M> {
    /// An empty memo for sets of `words` bit words.
    pub fn new(words: usize) -> Self {
        Memo {
            states: Vec::new(),
            state_next: Vec::new(),
            state_heads: Heads::default(),
            state_heap: 0,
            words,
            sets: Vec::new(),
            pair_state: Vec::new(),
            pair_next: Vec::new(),
            pair_heads: Heads::default(),
        }
    }

    /// The state named `s`.
    pub fn state(&self, s: u32) -> &M {
        &self.states[s as usize]
    }

    /// The name of `state`, storing it if it is new; `None` once the
    /// indices run out (the memory bound stops the search long before).
    pub fn intern(&mut self, state: M) -> Option<u32> {
        let print = state_hash(&state);
        let head = self.state_heads.get(&print).copied().unwrap_or(NONE);
        let mut s = head;
        while s != NONE {
            if self.states[s as usize] == state {
                return Some(s);
            }
            s = self.state_next[s as usize];
        }
        let s = u32::try_from(self.states.len())
            .ok()
            .filter(|&s| s != NONE)?;
        self.state_heap += state.heap_bytes() as u64;
        self.states.push(state);
        self.state_next.push(head);
        self.state_heads.insert(print, s);
        Some(s)
    }

    /// Records the pair (`set`, state `s`), whose set fingerprint is
    /// `set_print`; `Some(false)` if it was already there, `None` once the
    /// indices run out.
    pub fn insert(&mut self, set_print: u64, set: &[u64], s: u32) -> Option<bool> {
        let print = set_print ^ mix(u64::from(s)).rotate_left(17);
        let head = self.pair_heads.get(&print).copied().unwrap_or(NONE);
        let mut p = head;
        while p != NONE {
            let at = p as usize * self.words;
            if self.pair_state[p as usize] == s && self.sets[at..at + self.words] == *set {
                return Some(false);
            }
            p = self.pair_next[p as usize];
        }
        let p = u32::try_from(self.pair_state.len())
            .ok()
            .filter(|&p| p != NONE)?;
        self.sets.extend_from_slice(set);
        self.pair_state.push(s);
        self.pair_next.push(head);
        self.pair_heads.insert(print, p);
        Some(true)
    }

    /// How many pairs are stored.
    pub fn pairs(&self) -> usize {
        self.pair_state.len()
    }

    /// What the memo holds, in bytes: its allocations (by capacity) and the
    /// states' own heap as they report it.
    pub fn bytes(&self) -> u64 {
        let vecs = self.states.capacity() * size_of::<M>()
            + (self.state_next.capacity() + self.pair_state.capacity() + self.pair_next.capacity())
                * size_of::<u32>()
            + self.sets.capacity() * size_of::<u64>();
        vecs as u64
            + heads_bytes(&self.state_heads)
            + heads_bytes(&self.pair_heads)
            + self.state_heap
    }
}
