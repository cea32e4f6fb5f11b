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
//! - The search is bounded: past [`Checker::steps_max`] it stops with
//!   [`Verdict::GaveUp`] rather than run for ever on a pathological history.
//! - A failure comes with a [`Counterexample`]: a small set of operations
//!   that is itself not linearizable, found from the shortest failing
//!   prefix of the history and then shrunk until no single operation can be
//!   removed with the rest failing for the same reason: the operation whose
//!   response broke the history stays in, and so do the writes that explain
//!   the values it and the others saw (1-minimal under that rule, not the
//!   smallest possible window).
//! - Models whose operations each touch one independent part of the state
//!   (one key of a key-value store) say so with [`Model::partition`]; each
//!   part is then checked alone (P-compositionality), which is what makes
//!   long histories fast.
//! - Deterministic: the same history gives the same verdict and report.
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

use std::collections::BTreeMap;
use std::fmt::{self, Debug};
use std::hash::Hash;

mod checker;
mod history;
pub mod kv_model;
mod window;

#[allow(deprecated)]
pub use history::HistoryRecorder;
pub use history::{History, HistoryBuilder, HistoryError, OpId, Operation, Outcome};

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
    /// check the history whole. The default is `None`.
    fn partition(op: &Self::Op) -> Option<u64> {
        let _ = op;
        None
    }
}

/// What [`check`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<Op, Ret> {
    /// Some order of the calls agrees with the model.
    Linearizable,
    /// None does; here is a small set of operations that shows it.
    NotLinearizable(Box<Counterexample<Op, Ret>>),
    /// The search spent a part's step budget without an answer (and no
    /// other part failed).
    GaveUp {
        /// The budget that ran out (each part has one of its own).
        steps: u64,
        /// The part whose search gave up first, in key order, if the model
        /// is partitioned.
        partition: Option<u64>,
    },
}

impl<Op, Ret> Verdict<Op, Ret> {
    /// Whether the history was shown linearizable.
    pub fn is_linearizable(&self) -> bool {
        matches!(self, Verdict::Linearizable)
    }
}

impl<Op: Debug, Ret: Debug> fmt::Display for Verdict<Op, Ret> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Linearizable => write!(f, "linearizable"),
            Verdict::NotLinearizable(c) => write!(f, "{c}"),
            Verdict::GaveUp { steps, partition } => {
                write!(
                    f,
                    "linearizability unknown: gave up after {steps} search steps"
                )?;
                if let Some(p) = partition {
                    write!(f, " on partition {p}")?;
                }
                write!(f, " (raise Checker::steps_max)")
            }
        }
    }
}

/// A non-linearizable window of a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample<Op, Ret> {
    /// Operations of the history that are not linearizable even alone,
    /// sorted by invocation.
    pub window: History<Op, Ret>,
    /// The id in the checked history of each operation of `window`.
    pub ids: Vec<OpId>,
    /// The part of the state they touch, if the model is partitioned.
    pub partition: Option<u64>,
    /// The history (or its part) was already not linearizable as it stood
    /// at this time.
    pub prefix_end_ns: u64,
    /// How many operations (of the part) were invoked by then.
    pub prefix_ops: usize,
    /// Whether no single operation can be removed from `window` with the
    /// rest failing for the same reason; false only if a shrinking probe
    /// ran out of steps.
    pub minimal: bool,
}

impl<Op: Debug, Ret: Debug> fmt::Display for Counterexample<Op, Ret> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not linearizable: no order of these {} operations",
            self.window.len()
        )?;
        if let Some(p) = self.partition {
            write!(f, " (partition {p})")?;
        }
        writeln!(f, " agrees with the model")?;
        for (id, o) in self.ids.iter().zip(self.window.ops()) {
            let end = match &o.outcome {
                Outcome::Returned { ret, return_ns } => {
                    format!("{} -> {ret:?}", format_ns(*return_ns))
                }
                Outcome::Unknown => "unknown".to_string(),
            };
            writeln!(
                f,
                "  {id} client {} {} {:?} .. {end}",
                o.client,
                format_ns(o.call_ns),
                o.op
            )?;
        }
        write!(
            f,
            "  already not linearizable at t={} ({} operations invoked)",
            format_ns(self.prefix_end_ns),
            self.prefix_ops
        )?;
        if !self.minimal {
            write!(
                f,
                "; shrinking ran out of steps, the window may shrink further"
            )?;
        }
        Ok(())
    }
}

/// Seconds with nanoseconds: histories from other systems may be that fine.
fn format_ns(ns: u64) -> String {
    format!("{}.{:09}s", ns / 1_000_000_000, ns % 1_000_000_000)
}

/// The first round's budget per part (see [`Checker::check`]).
const ROUND_STEPS_FIRST: u64 = 1_000;

/// Checks histories; [`check`] with the defaults is the common case.
#[derive(Clone, Debug)]
pub struct Checker {
    steps_max: u64,
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            steps_max: 10_000_000,
        }
    }
}

impl Checker {
    /// A checker with the default budget (10 million search steps).
    pub fn new() -> Self {
        Self::default()
    }

    /// The search's budget: events visited before giving up, for each part
    /// of the history on its own (a partitioned model's key), so a hard part
    /// cannot starve the others. It is spent in rounds (1 000 steps per
    /// part, then ten times more each round), so an easy failure is found
    /// early wherever it is; the probes that narrow down the one
    /// counterexample reported get the same budget again.
    pub fn steps_max(mut self, steps_max: u64) -> Self {
        self.steps_max = steps_max;
        self
    }

    /// Checks `history` against the model, starting from `init`.
    pub fn check<M: Model>(
        &self,
        history: &History<M::Op, M::Ret>,
        init: M,
    ) -> Verdict<M::Op, M::Ret> {
        // Each part has a budget of its own, spent in rounds: every part
        // still undecided is searched with a budget ten times the last
        // round's, up to `steps_max`. An easy failing part is found in the
        // first round whatever hard parts come before it in key order, and
        // only the part reported gets a counterexample built.
        let parts: Vec<(Option<u64>, Vec<usize>)> = parts::<M>(history);
        let calls: Vec<Vec<checker::Call<'_, M::Op, M::Ret>>> = parts
            .iter()
            .map(|(_, part)| {
                part.iter()
                    .map(|&i| {
                        let o = &history.ops()[i];
                        checker::Call {
                            op: &o.op,
                            ret: o.ret().zip(o.return_ns()),
                            call_ns: o.call_ns,
                        }
                    })
                    .collect()
            })
            .collect();
        let mut undecided: Vec<usize> = (0..parts.len()).collect();
        let mut budget = self.steps_max.min(ROUND_STEPS_FIRST);
        let mut failing = None;
        while failing.is_none() && !undecided.is_empty() {
            let mut still = Vec::new();
            for &p in &undecided {
                let mut steps_left = budget;
                match checker::search(&calls[p], &init, &mut steps_left) {
                    checker::Found::Linearizable => {}
                    checker::Found::NotLinearizable => {
                        failing = Some(p);
                        break;
                    }
                    checker::Found::GaveUp => still.push(p),
                }
            }
            undecided = still;
            if budget == self.steps_max {
                break;
            }
            budget = budget.saturating_mul(10).min(self.steps_max);
        }
        let gave_up = undecided.first().map(|&p| parts[p].0);
        let failing = failing.map(|p| parts[p].clone());
        match failing {
            Some((partition, part)) => {
                let w = window::window(history, &part, &init, self.steps_max);
                Verdict::NotLinearizable(Box::new(Counterexample {
                    window: History::from_ops(
                        w.ops.iter().map(|&i| history.ops()[i].clone()).collect(),
                    )
                    .expect("a window of a valid history is valid"),
                    ids: w.ops.iter().map(|&i| OpId(i)).collect(),
                    partition,
                    prefix_end_ns: w.prefix_end_ns,
                    prefix_ops: w.prefix_ops,
                    minimal: w.minimal,
                }))
            }
            None => match gave_up {
                Some(partition) => Verdict::GaveUp {
                    steps: self.steps_max,
                    partition,
                },
                None => Verdict::Linearizable,
            },
        }
    }
}

/// The history's operations split by [`Model::partition`], in key order;
/// one part keyed `None` if any operation has no partition.
fn parts<M: Model>(history: &History<M::Op, M::Ret>) -> Vec<(Option<u64>, Vec<usize>)> {
    let mut by_key: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, o) in history.ops().iter().enumerate() {
        match M::partition(&o.op) {
            Some(key) => by_key.entry(key).or_default().push(i),
            None => return vec![(None, (0..history.len()).collect())],
        }
    }
    by_key.into_iter().map(|(k, ops)| (Some(k), ops)).collect()
}

/// Checks `history` against the model from `init`, with the default budget.
pub fn check<M: Model>(history: &History<M::Op, M::Ret>, init: M) -> Verdict<M::Op, M::Ret> {
    Checker::new().check(history, init)
}

#[cfg(test)]
mod tests;
