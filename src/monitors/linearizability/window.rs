//! Narrowing a non-linearizable history down to a few operations a person
//! can read.
//!
//! First the shortest failing prefix: the history as it stood at time `t`
//! (calls made by `t`; a response after `t` not yet seen, so its outcome
//! unknown). Linearizable histories are prefix-closed, so whether the prefix
//! fails is monotone in `t`, and a binary search over the event times finds
//! the instant the history stopped being linearizable, and the *culprits*:
//! the operations that returned at that instant.
//!
//! Then the operations invoked by that instant, with their real outcomes
//! (more constrained, so still failing), are shrunk by delta debugging: drop
//! halves, quarters, ... single operations, while what is left fails *for
//! the same reason*, until no single operation can go. The same reason
//! means: a culprit stays in, and if at first the culprits' return values
//! could be explained by the others (a culprit moved to any point in time
//! makes the set linearizable), they must stay explained. Without that rule
//! a window could shrink to a read of a value whose write was dropped, which
//! fails alone but blames an innocent operation, or hides the write that a
//! stale read saw.

use super::history::History;
use super::search::{search, Bounds, Call, Found};
use super::Model;

/// A failing set of operations, as indices into the history.
pub(super) struct Window {
    /// The operations, sorted by invocation.
    pub ops: Vec<usize>,
    /// The end of the shortest failing prefix.
    pub prefix_end_ns: u64,
    /// How many operations of the part were invoked by then.
    pub prefix_ops: usize,
    /// False if a probe reached a bound, so an operation may remain that
    /// could have gone.
    pub minimal: bool,
}

/// The window of the operations `part`, which fail as a whole.
pub(super) fn window<M: Model>(
    history: &History<M::Op, M::Ret>,
    part: &[usize],
    init: &M,
    bounds: Bounds,
) -> Window {
    let prefix_end_ns = prefix_end(history, part, init, bounds);
    let invoked: Vec<usize> = part
        .iter()
        .copied()
        .filter(|&i| history.ops()[i].call_ns <= prefix_end_ns)
        .collect();
    let prefix_ops = invoked.len();
    let culprits: Vec<usize> = part
        .iter()
        .copied()
        .filter(|&i| history.ops()[i].return_ns() == Some(prefix_end_ns))
        .collect();
    let (ops, minimal) = shrink(history, by_call(history, invoked), &culprits, init, bounds);
    Window {
        ops: by_call(history, ops),
        prefix_end_ns,
        prefix_ops,
        minimal,
    }
}

/// `ops` sorted by invocation.
fn by_call<Op, Ret>(history: &History<Op, Ret>, mut ops: Vec<usize>) -> Vec<usize> {
    ops.sort_by_key(|&i| (history.ops()[i].call_ns, i));
    ops
}

/// The end of the shortest failing prefix of the operations `part` (which
/// fail as a whole). A probe that gives up counts as passing, so the prefix
/// found always fails, though it may then not be the shortest.
fn prefix_end<M: Model>(
    history: &History<M::Op, M::Ret>,
    part: &[usize],
    init: &M,
    bounds: Bounds,
) -> u64 {
    let mut times: Vec<u64> = part
        .iter()
        .flat_map(|&i| {
            let o = &history.ops()[i];
            [Some(o.call_ns), o.return_ns()]
        })
        .flatten()
        .collect();
    times.sort_unstable();
    times.dedup();
    // Invariant: the prefix at times[hi] fails; those before lo do not
    // (or could not be shown to).
    let (mut lo, mut hi) = (0, times.len() - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(history, part, times[mid], &[], init, bounds) == Some(true) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    times[hi]
}

/// Shrinks the failing operations `ops` while they fail for the same
/// reason (see the module doc); also says whether every probe answered.
fn shrink<M: Model>(
    history: &History<M::Op, M::Ret>,
    mut ops: Vec<usize>,
    culprits: &[usize],
    init: &M,
    bounds: Bounds,
) -> (Vec<usize>, bool) {
    let mut answered = true;
    let mut probe = |trial: &[usize], anytime: &[usize]| {
        let verdict = fails(history, trial, u64::MAX, anytime, init, bounds);
        answered &= verdict.is_some();
        verdict
    };
    let explained = probe(&ops, culprits) == Some(false);
    let mut same_reason = |trial: &[usize]| {
        let kept: Vec<usize> = culprits
            .iter()
            .copied()
            .filter(|c| trial.contains(c))
            .collect();
        !kept.is_empty()
            && probe(trial, &[]) == Some(true)
            && (!explained || probe(trial, &kept) == Some(false))
    };
    // First the latest start: drop the operations invoked earliest while
    // the rest fails for the same reason (a binary search, a heuristic:
    // this need not be monotone), so delta debugging starts small.
    let (mut keep_from, mut drop_from) = (0, ops.len());
    while keep_from + 1 < drop_from {
        let mid = keep_from + (drop_from - keep_from) / 2;
        if same_reason(&ops[mid..]) {
            keep_from = mid;
        } else {
            drop_from = mid;
        }
    }
    ops.drain(..keep_from);
    let mut chunk = (ops.len() / 2).max(1);
    loop {
        let mut removed = false;
        let mut start = 0;
        while start < ops.len() && ops.len() > 1 {
            let end = (start + chunk).min(ops.len());
            let trial: Vec<usize> = ops[..start].iter().chain(&ops[end..]).copied().collect();
            if same_reason(&trial) {
                ops = trial;
                removed = true;
            } else {
                start = end;
            }
        }
        if chunk > 1 {
            chunk /= 2;
        } else if !removed {
            return (ops, answered);
        }
    }
}

/// Checks the operations `ids` of `history` as they stood at `cut_ns`, with
/// the operations `anytime` free to take effect at any time. `Some(true)`
/// if they are not linearizable, `None` if the search gave up.
fn fails<M: Model>(
    history: &History<M::Op, M::Ret>,
    ids: &[usize],
    cut_ns: u64,
    anytime: &[usize],
    init: &M,
    bounds: Bounds,
) -> Option<bool> {
    let calls: Vec<Call<'_, M::Op, M::Ret>> = ids
        .iter()
        .map(|&i| (anytime.contains(&i), &history.ops()[i]))
        .filter(|(_, o)| o.call_ns <= cut_ns)
        .map(|(free, o)| {
            // A free operation took effect (it returned) at any time; one
            // that returned after the cut may or may not have by then.
            let seen = o.return_ns().filter(|&t| free || t <= cut_ns);
            Call {
                op: &o.op,
                ret: seen.and(o.ret()),
                return_ns: seen.map(|t| if free { u64::MAX } else { t }),
                call_ns: if free { 0 } else { o.call_ns },
            }
        })
        .collect();
    match search(&calls, init, bounds).found {
        Found::Linearizable => Some(false),
        Found::NotLinearizable => Some(true),
        Found::GaveUp(_) => None,
    }
}
