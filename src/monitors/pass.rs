//! A monitor written as a pass: it reads a trace's entries one at a time,
//! in order, and then hears that the trace ended.
//!
//! Written this way, the core monitors (those every run needs) share one
//! walk over the trace instead of taking one each. A long run's trace is
//! tens of megabytes, more than the caches hold, and a monitor's work per
//! entry is small, so each separate walk cost about as much as reading the
//! trace from memory again.
//!
//! Invariant: a pass gives the same verdict whether it walks alone
//! ([`run`]) or beside others ([`super::check_some`]): it sees the entries
//! in the same order, and nothing after its first violation. The shared
//! walk feeds a pass only the kinds it [`reads`](Pass::reads); walking
//! alone, it is fed every entry. So a monitor's own `check` is the
//! reference, and a `reads` list that missed a kind its `step` needs makes
//! the two disagree (`sim-tests/mutations.rs` compares them on real
//! traces).

use super::Violation;
use crate::trace::{TraceEntry, What};

/// A monitor as a pass over a trace.
pub(crate) trait Pass {
    /// A pass over `trace`, before its first entry (it may size itself
    /// for the trace).
    fn new(trace: &[TraceEntry]) -> Self
    where
        Self: Sized;

    /// Whether the pass reads entries of `what`'s kind; the others are not
    /// fed to it (most of a trace is of kinds a given monitor ignores).
    /// Every kind `step` matches must be accepted. The answer must depend
    /// on the variant alone, never on its fields: the core monitors' walk
    /// asks once per kind (`core_walk.rs`).
    fn reads(_what: &What) -> bool
    where
        Self: Sized,
    {
        true
    }

    /// Reads entry `i` of the trace; a violation ends the pass.
    fn step(&mut self, i: usize, e: &TraceEntry) -> Option<Violation>;

    /// Every entry was read without a violation: what is wrong only at the
    /// end of the trace (a call never answered, an alarm never run).
    fn end(&mut self, _trace: &[TraceEntry]) -> Option<Violation> {
        None
    }
}

/// Walks `trace` with a pass of `P` alone, feeding it every entry (see
/// the module's invariant); returns its first violation.
pub(crate) fn run<P: Pass>(trace: &[TraceEntry]) -> Option<Violation> {
    let mut pass = P::new(trace);
    for (i, e) in trace.iter().enumerate() {
        if let Some(v) = pass.step(i, e) {
            return Some(v);
        }
    }
    pass.end(trace)
}
