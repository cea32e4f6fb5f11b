//! The checker: each part of a history searched on its own bounded budget,
//! a counterexample for the one part reported, and a witness order for a
//! linearizable history.
//!
//! Budgets are spent in rounds: every part still undecided is searched with
//! a step budget ten times the last round's (1 000 at first), up to
//! [`Checker::steps_max`]. An easy failing part is then found in the first
//! round whatever hard parts come before it in key order, the search stops
//! at the first part that fails, and only that part's counterexample is
//! built. Each search also holds at most [`Checker::memory_max`] bytes; a
//! part that reaches it is not searched again, since a larger step budget
//! would only need more memory.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::history::{History, OpId};
use super::partition::{parts, Part};
use super::search::{search, Bounds, Call, Found};
use super::verdict::{Counterexample, Limit, Verdict};
use super::{window, Model};

/// The first round's step budget per part.
const ROUND_STEPS_FIRST: u64 = 1_000;

/// Checks histories; [`check`](super::check) with the defaults is the
/// common case.
#[derive(Clone, Debug)]
pub struct Checker {
    steps_max: u64,
    memory_max: u64,
    verdict_only: bool,
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            steps_max: 10_000_000,
            memory_max: 1 << 30,
            verdict_only: false,
        }
    }
}

/// Each part's order, as its search found it (indices into the history).
type Orders = Vec<Vec<usize>>;

/// A part's last search, while it is undecided.
#[derive(Clone, Copy)]
struct GaveUp {
    limit: Limit,
    steps: u64,
    bytes: u64,
}

impl Checker {
    /// A checker with the default bounds: 10 million search steps and
    /// 1 GiB per search.
    pub fn new() -> Self {
        Self::default()
    }

    /// The search's step budget: events visited before giving up, for each
    /// part of the history on its own (a partitioned model's key), so a
    /// hard part cannot starve the others. It is spent in rounds (1 000
    /// steps per part, then ten times more each round), so an easy failure
    /// is found early wherever it is; the probes that narrow down the one
    /// counterexample reported get the same budget again.
    pub fn steps_max(mut self, steps_max: u64) -> Self {
        self.steps_max = steps_max;
        self
    }

    /// The bytes one search may hold: its memo of explored (set, state)
    /// pairs, its event list and its stack, counted by what they allocated
    /// (with [`Model::heap_bytes`] for what states own). A search that
    /// passes it stops at once with [`Verdict::GaveUp`] naming
    /// [`Limit::Memory`] and frees what it held; it may pass the bound by
    /// the one table growth that crossed it. Searches run one at a time.
    /// The default is 1 GiB.
    pub fn memory_max(mut self, bytes: u64) -> Self {
        self.memory_max = bytes;
        self
    }

    /// Decides only: a failing history's counterexample is its whole
    /// failing part, not narrowed down to a window (which can cost many
    /// more searches than the verdict). The search still stops at the
    /// first failing part.
    pub fn verdict_only(mut self) -> Self {
        self.verdict_only = true;
        self
    }

    /// Checks `history` against the model, starting from `init`.
    pub fn check<M: Model>(
        &self,
        history: &History<M::Op, M::Ret>,
        init: M,
    ) -> Verdict<M::Op, M::Ret> {
        self.decide(history, &init).0
    }

    /// One order of the operations that took effect that agrees with the
    /// model and with real time, if the history is linearizable: every
    /// operation that returned, and those of unknown outcome that must (or
    /// may) have taken effect for the others' values. Else the verdict
    /// saying why there is none (never [`Verdict::Linearizable`]).
    ///
    /// ```
    /// use dosim::monitors::linearizability::kv_model::{Kv, KvOp, KvRet};
    /// use dosim::monitors::linearizability::{Checker, HistoryBuilder};
    ///
    /// let mut h = HistoryBuilder::new();
    /// let get = h.invoke(1, KvOp::Get { key: 1 }, 0);
    /// let put = h.invoke(2, KvOp::Put { key: 1, value: 5 }, 10);
    /// h.ok(put, KvRet::Done, 20).unwrap();
    /// h.ok(get, KvRet::Value(Some(5)), 30).unwrap(); // saw the later put
    /// let order = Checker::new().linearization(&h.finish(), Kv::default()).unwrap();
    /// assert_eq!(order, vec![put, get]);
    /// ```
    pub fn linearization<M: Model>(
        &self,
        history: &History<M::Op, M::Ret>,
        init: M,
    ) -> Result<Vec<OpId>, Verdict<M::Op, M::Ret>> {
        match self.decide(history, &init) {
            (Verdict::Linearizable, orders) => Ok(merge(history, orders)),
            (other, _) => Err(other),
        }
    }

    /// The verdict, and for each part the order its search found (indices
    /// into the history; complete only for a linearizable verdict).
    fn decide<M: Model>(
        &self,
        history: &History<M::Op, M::Ret>,
        init: &M,
    ) -> (Verdict<M::Op, M::Ret>, Orders) {
        let parts: Vec<Part> = parts::<M>(history);
        let mut orders = vec![Vec::new(); parts.len()];
        let mut gave_up: Vec<Option<GaveUp>> = vec![None; parts.len()];
        let mut undecided: Vec<usize> = (0..parts.len()).collect();
        let mut budget = self.steps_max.min(ROUND_STEPS_FIRST);
        let mut failing = None;
        while failing.is_none() && !undecided.is_empty() {
            let mut still = Vec::new();
            for &p in &undecided {
                let calls = calls(history, &parts[p].1);
                let bounds = Bounds {
                    steps_max: budget,
                    bytes_max: self.memory_max,
                };
                let s = search(&calls, init, bounds);
                gave_up[p] = None;
                match s.found {
                    Found::Linearizable => {
                        orders[p] = s.order.iter().map(|&k| parts[p].1[k]).collect();
                    }
                    Found::NotLinearizable => {
                        failing = Some(p);
                        break;
                    }
                    Found::GaveUp(limit) => {
                        gave_up[p] = Some(GaveUp {
                            limit,
                            steps: s.steps,
                            bytes: s.bytes,
                        });
                        if limit == Limit::Steps {
                            still.push(p);
                        }
                    }
                }
            }
            undecided = still;
            if budget == self.steps_max {
                break;
            }
            budget = budget.saturating_mul(10).min(self.steps_max);
        }
        if let Some(p) = failing {
            let (partition, part) = &parts[p];
            return (
                Verdict::NotLinearizable(Box::new(self.counterexample(
                    history,
                    partition.clone(),
                    part,
                    init,
                ))),
                orders,
            );
        }
        let verdict = match gave_up.iter().position(Option::is_some) {
            Some(p) => {
                let g = gave_up[p].expect("found by position");
                Verdict::GaveUp {
                    limit: g.limit,
                    steps: g.steps,
                    bytes: g.bytes,
                    partition: parts[p].0.clone(),
                }
            }
            None => Verdict::Linearizable,
        };
        (verdict, orders)
    }

    /// The counterexample for the failing operations `part`.
    fn counterexample<M: Model>(
        &self,
        history: &History<M::Op, M::Ret>,
        partition: Option<super::PartitionKey>,
        part: &[usize],
        init: &M,
    ) -> Counterexample<M::Op, M::Ret> {
        let (ops, prefix_end_ns, prefix_ops, minimal, narrowed) = if self.verdict_only {
            let end_ns = part
                .iter()
                .map(|&i| {
                    let o = &history.ops()[i];
                    o.return_ns().unwrap_or(o.call_ns)
                })
                .max()
                .unwrap_or(0);
            (part.to_vec(), end_ns, part.len(), false, false)
        } else {
            let bounds = Bounds {
                steps_max: self.steps_max,
                bytes_max: self.memory_max,
            };
            let w = window::window(history, part, init, bounds);
            (w.ops, w.prefix_end_ns, w.prefix_ops, w.minimal, true)
        };
        Counterexample {
            window: History::from_ops(ops.iter().map(|&i| history.ops()[i].clone()).collect())
                .expect("a window of a valid history is valid"),
            ids: ops.iter().map(|&i| OpId(i)).collect(),
            partition,
            prefix_end_ns,
            prefix_ops,
            minimal,
            narrowed,
        }
    }
}

/// The operations `part` of `history` as the search takes them.
fn calls<'h, Op, Ret>(history: &'h History<Op, Ret>, part: &[usize]) -> Vec<Call<'h, Op, Ret>> {
    part.iter()
        .map(|&i| {
            let o = &history.ops()[i];
            Call {
                op: &o.op,
                ret: o.ret(),
                return_ns: o.return_ns(),
                call_ns: o.call_ns,
            }
        })
        .collect()
}

/// One order of all the parts' operations from each part's own order: the
/// parts' next operations merged by invocation time. It respects real
/// time: if `y` returned before `x` was invoked, `y` comes first. Were `x`
/// taken first, it would be invoked no later than the next operation `h`
/// of `y`'s part, and `h` no later than `y` returned (`h` is `y` or goes
/// before it in an order that respects real time), so `x` would be
/// invoked before `y` returned.
fn merge<Op, Ret>(history: &History<Op, Ret>, orders: Orders) -> Vec<OpId> {
    let call_ns = |i: usize| history.ops()[i].call_ns;
    let mut next: BinaryHeap<Reverse<(u64, usize, usize, usize)>> = orders
        .iter()
        .enumerate()
        .filter_map(|(p, order)| order.first().map(|&i| Reverse((call_ns(i), i, p, 0))))
        .collect();
    let mut merged = Vec::with_capacity(orders.iter().map(Vec::len).sum());
    while let Some(Reverse((_, i, p, k))) = next.pop() {
        merged.push(OpId(i));
        if let Some(&j) = orders[p].get(k + 1) {
            next.push(Reverse((call_ns(j), j, p, k + 1)));
        }
    }
    merged
}
