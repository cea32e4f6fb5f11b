//! The search: Wing & Gong's backtracking over a history's calls and
//! returns, with Lowe's memo of (linearized set, model state) pairs.
//!
//! The history becomes one list of events sorted by time, calls before
//! returns at equal times (so operations that only touch at one instant are
//! concurrent). The search walks the list from its head: at a call it tries
//! to linearize that operation now (the model must give the recorded return
//! value) and, if the resulting (set, state) pair is new, lifts the call and
//! its return out of the list and starts again from the head; at a return
//! it has run out of candidates that may go before it, so it undoes the last
//! choice and tries the next call after it. An operation with an unknown
//! outcome has no return event (it never forces anything) and any return
//! value is accepted, and it is tried only where it changes the state; the
//! search succeeds as soon as every operation with a
//! response is linearized, so unknown operations left over never took
//! effect.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};

use super::Model;

/// One operation as the search sees it.
pub(super) struct Call<'h, Op, Ret> {
    /// What was asked.
    pub op: &'h Op,
    /// The return value and its time; `None` for an unknown outcome.
    pub ret: Option<(&'h Ret, u64)>,
    /// When it was invoked.
    pub call_ns: u64,
}

// Manual impls: a derive would ask `Op: Clone` and `Ret: Clone`.
impl<Op, Ret> Clone for Call<'_, Op, Ret> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Op, Ret> Copy for Call<'_, Op, Ret> {}

/// What the search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Found {
    /// An order exists.
    Linearizable,
    /// No order exists.
    NotLinearizable,
    /// The step budget ran out first.
    GaveUp,
}

/// A node of the event list.
#[derive(Clone, Copy)]
enum Node {
    /// The list's head or tail sentinel.
    End,
    /// Operation `i` is invoked.
    Call(usize),
    /// An operation returns.
    Return,
}

/// The doubly linked event list, over arrays; node 0 is the head and the
/// last node the tail.
struct Events {
    kind: Vec<Node>,
    next: Vec<usize>,
    prev: Vec<usize>,
    /// The call node of each operation, and its return node (or 0).
    call_node: Vec<usize>,
    return_node: Vec<usize>,
}

impl Events {
    fn new<Op, Ret>(calls: &[Call<'_, Op, Ret>]) -> Events {
        let mut sorted: Vec<(u64, u8, usize)> = Vec::with_capacity(calls.len() * 2);
        for (i, c) in calls.iter().enumerate() {
            sorted.push((c.call_ns, 0, i));
            if let Some((_, return_ns)) = c.ret {
                sorted.push((return_ns, 1, i));
            }
        }
        sorted.sort_unstable();
        let len = sorted.len() + 2;
        let mut kind = Vec::with_capacity(len);
        kind.push(Node::End);
        let mut call_node = vec![0; calls.len()];
        let mut return_node = vec![0; calls.len()];
        for (n, &(_, is_return, i)) in sorted.iter().enumerate() {
            if is_return == 1 {
                return_node[i] = n + 1;
                kind.push(Node::Return);
            } else {
                call_node[i] = n + 1;
                kind.push(Node::Call(i));
            }
        }
        kind.push(Node::End);
        Events {
            kind,
            next: (1..=len).collect(),
            prev: (0..len).map(|n| n.saturating_sub(1)).collect(),
            call_node,
            return_node,
        }
    }

    fn first(&self) -> usize {
        self.next[0]
    }

    fn unlink(&mut self, n: usize) {
        let (p, x) = (self.prev[n], self.next[n]);
        self.next[p] = x;
        self.prev[x] = p;
    }

    fn relink(&mut self, n: usize) {
        let (p, x) = (self.prev[n], self.next[n]);
        self.next[p] = n;
        self.prev[x] = n;
    }

    /// Takes operation `i` out of the list (it is linearized).
    fn lift(&mut self, i: usize) {
        self.unlink(self.call_node[i]);
        if self.return_node[i] != 0 {
            self.unlink(self.return_node[i]);
        }
    }

    /// Puts operation `i` back, undoing its [`lift`](Self::lift).
    fn unlift(&mut self, i: usize) {
        if self.return_node[i] != 0 {
            self.relink(self.return_node[i]);
        }
        self.relink(self.call_node[i]);
    }
}

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

/// Lowe's memo: every (linearized set, state) pair already explored,
/// bucketed by a fingerprint and compared in full, so a collision costs
/// time, never a wrong verdict.
struct Memo<M> {
    seen: HashMap<u64, Bucket<M>, BuildHasherDefault<Fingerprint>>,
}

/// The pairs that share one fingerprint.
type Bucket<M> = Vec<(Box<[u64]>, M)>;

impl<M: Model> Memo<M> {
    /// Records the pair; false if it was already there.
    fn insert(&mut self, fingerprint: u64, set: &[u64], state: &M) -> bool {
        let bucket = self.seen.entry(fingerprint).or_default();
        if bucket.iter().any(|(s, m)| **s == *set && m == state) {
            return false;
        }
        bucket.push((set.into(), state.clone()));
        true
    }
}

/// A well-mixed 64-bit value for `n` (splitmix64's finaliser).
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn state_hash<M: Hash>(m: &M) -> u64 {
    let mut h = DefaultHasher::new();
    m.hash(&mut h);
    h.finish()
}

/// Searches for a linearization of `calls` from `init`, spending at most
/// `*steps_left` steps (one step = one event visited) and deducting what it
/// spent.
pub(super) fn search<M: Model>(
    calls: &[Call<'_, M::Op, M::Ret>],
    init: &M,
    steps_left: &mut u64,
) -> Found {
    let completed = calls.iter().filter(|c| c.ret.is_some()).count();
    let mut events = Events::new(calls);
    let mut memo = Memo::<M> {
        seen: HashMap::default(),
    };
    let mut set = vec![0u64; calls.len().div_ceil(64)];
    // The set's fingerprint: the xor of its members' mixes (Zobrist).
    let mut set_print = 0u64;
    let mut state = init.clone();
    let mut chosen: Vec<(usize, M)> = Vec::new();
    let mut linearized = 0usize;
    let mut node = events.first();
    loop {
        if linearized == completed {
            return Found::Linearizable;
        }
        if *steps_left == 0 {
            return Found::GaveUp;
        }
        *steps_left -= 1;
        match events.kind[node] {
            Node::Call(i) => {
                let c = &calls[i];
                let (next, ret) = state.step(c.op);
                // An unknown operation that changes nothing need never be
                // linearized: whatever follows it could follow without it.
                let useful = match c.ret {
                    Some((want, _)) => *want == ret,
                    None => next != state,
                };
                if useful {
                    set[i / 64] ^= 1 << (i % 64);
                    set_print ^= mix(i as u64);
                    let print = set_print ^ state_hash(&next).rotate_left(17);
                    if memo.insert(print, &set, &next) {
                        chosen.push((i, std::mem::replace(&mut state, next)));
                        events.lift(i);
                        linearized += usize::from(c.ret.is_some());
                        node = events.first();
                        continue;
                    }
                    set[i / 64] ^= 1 << (i % 64);
                    set_print ^= mix(i as u64);
                }
                node = events.next[node];
            }
            Node::Return | Node::End => {
                let Some((i, before)) = chosen.pop() else {
                    return Found::NotLinearizable;
                };
                state = before;
                set[i / 64] ^= 1 << (i % 64);
                set_print ^= mix(i as u64);
                events.unlift(i);
                linearized -= usize::from(calls[i].ret.is_some());
                node = events.next[events.call_node[i]];
            }
        }
    }
}
