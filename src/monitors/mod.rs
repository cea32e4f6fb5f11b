//! Invariant monitors: small pure functions of a run's trace, one file per
//! invariant, named after it. Every run is checked by every monitor.

use crate::sim::trace::TraceEvent;

pub mod single_instance;

/// A broken invariant, found in a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The invariant's name (`single_instance`, …).
    pub monitor: &'static str,
    /// Simulated nanoseconds of the offending event.
    pub at_ns: u64,
    /// Its index in the trace.
    pub event_index: usize,
    /// What happened, naming the object, the epoch and the events.
    pub message: String,
}

/// Runs every monitor over `trace`; returns the first violation.
pub fn check_all(trace: &[TraceEvent]) -> Option<Violation> {
    single_instance::check(trace)
}
