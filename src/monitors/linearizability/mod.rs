//! `linearizability`: does a recorded history of calls agree with a
//! sequential model of the object?
//!
//! The trace monitors check the runtime's own rules. This checks the user's
//! object from the outside, the way its clients see it: every call has an
//! invocation time and either a response or an unknown outcome (a fault hid
//! it), and the history is *linearizable* if the calls can be put in one
//! order that (1) respects real time (a call that returned before another
//! was invoked comes first), (2) gives every call the return value it
//! really got when replayed through the user's sequential [`Model`], and
//! (3) includes every call that returned, while a call with an unknown
//! outcome may take effect anywhere after its invocation, or never.
//!
//! Guarantees:
//! - [`Verdict::Linearizable`] and [`Verdict::NotLinearizable`] are exact:
//!   the search (Wing & Gong, with Lowe's memo of visited (linearized set,
//!   model state) pairs) is complete, and the memo compares pairs in full,
//!   so a hash collision never changes a verdict.
//! - The search is bounded in steps ([`Checker::steps_max`], per part) and
//!   in memory ([`Checker::memory_max`], per search): past either it stops
//!   with [`Verdict::GaveUp`], which names the bound, the part and the
//!   steps it used, rather than run for ever or exhaust the machine. A
//!   pair in the memo costs its set's bits and a few indices, because
//!   states are stored once each.
//! - A failure comes with a [`Counterexample`]: a small set of operations
//!   that is itself not linearizable, found from the shortest failing
//!   prefix of the history and then shrunk until no single operation can be
//!   removed with the rest failing for the same reason: the operation whose
//!   response broke the history stays in, and so do the writes that explain
//!   the values it and the others saw (1-minimal under that rule, not the
//!   smallest possible window). [`Checker::verdict_only`] skips the
//!   shrinking.
//! - A success can come with a witness: [`Checker::linearization`] gives one
//!   order of the operations that agrees with the model and real time.
//! - Models whose operations each touch one independent part of the state
//!   (one key of a key-value store) say so with [`Model::partition_key`]
//!   (a number or a text); each part is then checked alone
//!   (P-compositionality), which is what makes long histories fast, and the
//!   checker stops at the first part that fails.
//! - Deterministic: the same history gives the same verdict and report.
//!
//! Histories recorded elsewhere (Jepsen's, for one) map onto [`Outcome`]s:
//! `:ok` is [`Outcome::Returned`] (or [`Outcome::ValueUnknown`] when the
//! value was not kept), `:info` is [`Outcome::Unknown`] and `:fail` is
//! [`Outcome::Withdrawn`]. [`kv_model`] and [`text_kv_model`] are
//! ready-made models of key-value stores.
//!
//! Operations that only touch at one instant (one returns at `t`, the next
//! is invoked at `t`) count as concurrent.
//!
//! ```
//! use dosim::monitors::linearizability::{check, HistoryBuilder, Model, Verdict};
//!
//! /// A register holding one number.
//! #[derive(Clone, Debug, PartialEq, Eq, Hash)]
//! struct Register(u64);
//!
//! #[derive(Clone, Debug)]
//! enum Op { Write(u64), Read }
//!
//! impl Model for Register {
//!     type Op = Op;
//!     type Ret = Option<u64>;
//!     fn step(&self, op: &Op) -> (Self, Option<u64>) {
//!         match op {
//!             Op::Write(v) => (Register(*v), None),
//!             Op::Read => (self.clone(), Some(self.0)),
//!         }
//!     }
//! }
//!
//! let mut h = HistoryBuilder::new();
//! let w = h.invoke(1, Op::Write(7), 10);
//! let r = h.invoke(2, Op::Read, 20); // concurrent with the write: may see 7
//! h.ok(r, Some(7), 30).unwrap();
//! h.ok(w, None, 40).unwrap();
//! let late = h.invoke(2, Op::Read, 50); // after the write: must see 7
//! h.ok(late, Some(0), 60).unwrap();
//!
//! let Verdict::NotLinearizable(bad) = check(&h.finish(), Register(0)) else {
//!     panic!("a stale read must be caught");
//! };
//! // The window: the write and the late read are enough to show it.
//! assert_eq!(bad.window.len(), 2);
//! println!("{bad}");
//! ```

use std::fmt::Debug;
use std::hash::Hash;

mod checker;
mod history;
pub mod kv_model;
mod memo;
mod partition;
mod search;
pub mod text_kv_model;
mod verdict;
mod window;

pub use checker::Checker;
#[allow(deprecated)]
pub use history::HistoryRecorder;
pub use history::{History, HistoryBuilder, HistoryError, OpId, Operation, Outcome};
pub use partition::PartitionKey;
pub use verdict::{Counterexample, Limit, Verdict};

/// The checker's name in reports.
pub const NAME: &str = "linearizability";

/// A sequential specification of an object: a plain state machine.
///
/// `Eq` and `Hash` let the checker remember the states it has explored;
/// they must agree (equal states hash equally) and cover everything that
/// affects later steps.
pub trait Model: Clone + Eq + Hash {
    /// An operation a client can call.
    type Op: Clone + Debug;
    /// What a call returns.
    type Ret: Clone + PartialEq + Debug;

    /// Applies `op` to this state: the next state and the return value.
    fn step(&self, op: &Self::Op) -> (Self, Self::Ret);

    /// The independent part of the state that `op` reads and writes, if the
    /// model splits into parts (one key of a store). Returning `Some` for
    /// every operation of a history promises that an operation's step
    /// depends on and changes only its own part; the checker then checks
    /// each part alone, from the same initial state. One `None` makes it
    /// check the history whole. The default asks the older
    /// [`partition`](Self::partition), which says `None`.
    fn partition_key(op: &Self::Op) -> Option<PartitionKey> {
        #[allow(deprecated)]
        Self::partition(op).map(PartitionKey::Number)
    }

    /// The numeric part of the state `op` touches; see
    /// [`partition_key`](Self::partition_key), which also takes text keys.
    #[deprecated(note = "implement Model::partition_key, which also takes text keys")]
    fn partition(op: &Self::Op) -> Option<u64> {
        let _ = op;
        None
    }

    /// Roughly what this state owns on the heap, in bytes (a map's nodes,
    /// a string's buffer), which the checker counts against
    /// [`Checker::memory_max`] for each distinct state it stores. The
    /// default, 0, counts only the state's own size: right for states with
    /// no heap data.
    fn heap_bytes(&self) -> usize {
        0
    }
}

/// Checks `history` against the model from `init`, with the default bounds.
pub fn check<M: Model>(history: &History<M::Op, M::Ret>, init: M) -> Verdict<M::Op, M::Ret> {
    Checker::new().check(history, init)
}

#[cfg(test)]
mod tests;
