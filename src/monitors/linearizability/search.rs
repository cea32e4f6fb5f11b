//! The search: Wing & Gong's backtracking over a history's calls and
//! returns, with Lowe's memo of (linearized set, model state) pairs.
//!
//! The history becomes one list of events sorted by time, calls before
//! returns at equal times (so operations that only touch at one instant are
//! concurrent). The search walks the list from its head: at a call it tries
//! to linearize that operation now (the model must give the recorded return
//! value, if one was recorded) and, if the resulting (set, state) pair is
//! new, lifts the call and its return out of the list and starts again from
//! the head; at a return it has run out of candidates that may go before
//! it, so it undoes the last choice and tries the next call after it. An
//! operation that may never have taken effect has no return event (it never
//! forces anything), accepts any return value, and is tried only where it
//! changes the state; the search succeeds as soon as every operation known
//! to have taken effect is linearized, so the others left over never did.
//!
//! The search is bounded twice: by steps (one step = one event visited) and
//! by the bytes its memo and lists hold (see [`super::memo`]); either bound
//! ends it with [`Found::GaveUp`] and frees what it held.

use std::mem::size_of;

use super::memo::{mix, Memo};
use super::verdict::Limit;
use super::Model;

/// One operation as the search sees it.
pub(super) struct Call<'h, Op, Ret> {
    /// What was asked.
    pub op: &'h Op,
    /// The return value the model must give; `None` accepts any.
    pub ret: Option<&'h Ret>,
    /// When it returned: it took effect by then. `None`: it may have taken
    /// effect at any time after its call, or never.
    pub return_ns: Option<u64>,
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

/// The search's bounds.
#[derive(Clone, Copy, Debug)]
pub(super) struct Bounds {
    /// Events visited before giving up.
    pub steps_max: u64,
    /// Bytes held before giving up.
    pub bytes_max: u64,
}

/// What the search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Found {
    /// An order exists.
    Linearizable,
    /// No order exists.
    NotLinearizable,
    /// A bound was reached first.
    GaveUp(Limit),
}

/// The search's answer and what it cost.
pub(super) struct Search {
    /// The answer.
    pub found: Found,
    /// Steps spent.
    pub steps: u64,
    /// The most bytes held at once (the memo, the event list, the stack).
    pub bytes: u64,
    /// The (set, state) pairs explored.
    pub pairs: usize,
    /// For [`Found::Linearizable`], the operations that took effect, in the
    /// order found (indices into the calls).
    pub order: Vec<usize>,
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
            if let Some(return_ns) = c.return_ns {
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

    /// The bytes the list holds.
    fn bytes(&self) -> u64 {
        let nodes = self.kind.capacity() * size_of::<Node>()
            + (self.next.capacity()
                + self.prev.capacity()
                + self.call_node.capacity()
                + self.return_node.capacity())
                * size_of::<usize>();
        nodes as u64
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

/// Searches for a linearization of `calls` from `init`, within `bounds`.
pub(super) fn search<M: Model>(
    calls: &[Call<'_, M::Op, M::Ret>],
    init: &M,
    bounds: Bounds,
) -> Search {
    let completed = calls.iter().filter(|c| c.return_ns.is_some()).count();
    let mut events = Events::new(calls);
    let words = calls.len().div_ceil(64);
    let mut memo = Memo::<M>::new(words);
    let mut set = vec![0u64; words];
    // The set's fingerprint: the xor of its members' mixes (Zobrist).
    let mut set_print = 0u64;
    // (operation, the state before it) for each operation linearized.
    let mut chosen: Vec<(usize, u32)> = Vec::new();
    let fixed = events.bytes() + (words * size_of::<u64>()) as u64;
    let held = |memo: &Memo<M>, chosen: &Vec<(usize, u32)>| {
        fixed + memo.bytes() + (chosen.capacity() * size_of::<(usize, u32)>()) as u64
    };
    let mut search = Search {
        found: Found::GaveUp(Limit::Memory),
        steps: 0,
        bytes: 0,
        pairs: 0,
        order: Vec::new(),
    };
    let Some(mut state) = memo.intern(init.clone()) else {
        return search;
    };
    let mut linearized = 0usize;
    let mut node = events.first();
    search.found = loop {
        if linearized == completed {
            search.order = chosen.iter().map(|&(i, _)| i).collect();
            break Found::Linearizable;
        }
        if search.steps == bounds.steps_max {
            break Found::GaveUp(Limit::Steps);
        }
        search.steps += 1;
        match events.kind[node] {
            Node::Call(i) => {
                let c = &calls[i];
                let (next, ret) = memo.state(state).step(c.op);
                // An operation that may never have taken effect and changes
                // nothing need never be linearized: whatever follows it
                // could follow without it.
                let useful = match (c.ret, c.return_ns) {
                    (Some(want), _) => *want == ret,
                    (None, Some(_)) => true,
                    (None, None) => next != *memo.state(state),
                };
                if useful {
                    set[i / 64] ^= 1 << (i % 64);
                    set_print ^= mix(i as u64);
                    let new = memo
                        .intern(next)
                        .and_then(|next| Some((next, memo.insert(set_print, &set, next)?)));
                    search.bytes = search.bytes.max(held(&memo, &chosen));
                    match new {
                        _ if search.bytes > bounds.bytes_max => break Found::GaveUp(Limit::Memory),
                        None => break Found::GaveUp(Limit::Memory),
                        Some((next, true)) => {
                            chosen.push((i, std::mem::replace(&mut state, next)));
                            events.lift(i);
                            linearized += usize::from(c.return_ns.is_some());
                            node = events.first();
                            continue;
                        }
                        Some((_, false)) => {}
                    }
                    set[i / 64] ^= 1 << (i % 64);
                    set_print ^= mix(i as u64);
                }
                node = events.next[node];
            }
            Node::Return | Node::End => {
                let Some((i, before)) = chosen.pop() else {
                    break Found::NotLinearizable;
                };
                state = before;
                set[i / 64] ^= 1 << (i % 64);
                set_print ^= mix(i as u64);
                events.unlift(i);
                linearized -= usize::from(calls[i].return_ns.is_some());
                node = events.next[events.call_node[i]];
            }
        }
    };
    search.pairs = memo.pairs();
    search
}
