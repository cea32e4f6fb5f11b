//! Invariant monitors: small pure functions of a run's trace, one file per
//! invariant, named after it. Every run is checked by every monitor (a
//! runner can switch them off only to measure their cost). The core
//! monitors, which every run needs, share one walk over the trace (see
//! `pass.rs` and `core_walk.rs`); a monitor of a feature the run never used (sockets, queues,
//! agents…) is answered without a walk of its own, as it has nothing to
//! object to.
//!
//! [`linearizability`] is not a trace monitor: it checks a history of calls
//! recorded by a test against the user's sequential model of the object.

use crate::trace::{TraceEntry, What};

pub mod alarm;
mod core_walk;
pub mod durability;
pub mod e_order;
pub mod input_gate;
mod key_map;
pub mod linearizability;
pub mod liveness;
pub mod output_gate;
mod pass;
mod per_object;
pub mod single_instance;
pub mod websocket;
// Platform services.
pub mod kv_staleness;
pub mod queue_delivery;

pub mod bucket_consistency;
// The agents layer.
pub mod agent_schedules;
pub mod agent_state_sync;

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

impl Violation {
    /// A violation of `monitor` at event `index` of the trace, `e`.
    pub(crate) fn at(
        monitor: &'static str,
        index: usize,
        e: &TraceEntry,
        message: String,
    ) -> Violation {
        Violation {
            monitor,
            at_ns: e.t,
            event_index: index,
            message,
        }
    }
}

/// A monitor: a pure function from a trace to its first violation.
pub type Monitor = fn(&[TraceEntry]) -> Option<Violation>;

/// Every monitor, by name.
pub const ALL: &[(&str, Monitor)] = &[
    (single_instance::NAME, single_instance::check),
    (e_order::NAME, e_order::check),
    (input_gate::NAME, input_gate::check),
    (output_gate::NAME, output_gate::check),
    (durability::NAME, durability::check),
    (liveness::NAME, liveness::check),
    (alarm::NAME, alarm::check),
    (websocket::NAME, websocket::check),
    // Platform services.
    (queue_delivery::NAME, queue_delivery::check),
    (kv_staleness::NAME, kv_staleness::check),
    (bucket_consistency::NAME, bucket_consistency::check),
    // The agents layer.
    (agent_schedules::NAME, agent_schedules::check),
    (agent_state_sync::NAME, agent_state_sync::check),
];

/// Runs every monitor over `trace`; returns the earliest violation (by its
/// place in the trace), so a report names what broke first.
pub fn check_all(trace: &[TraceEntry]) -> Option<Violation> {
    check_some(trace, |_| true)
}

/// Runs the monitors whose name `include` accepts over `trace`; returns the
/// earliest violation, as [`check_all`] does. A run that never got to wait
/// for its calls leaves out the liveness monitor this way.
pub(crate) fn check_some(
    trace: &[TraceEntry],
    include: impl Fn(&str) -> bool,
) -> Option<Violation> {
    let (mut found, idle) = core_walk::walk(trace, &include);
    for (order, (name, check)) in ALL.iter().enumerate() {
        let walked = core_walk::NAMES.contains(name);
        if walked || !include(name) || idle.contains(name) {
            continue;
        }
        if let Some(v) = check(trace) {
            found.push((order, v));
        }
    }
    // The earliest by place in the trace; between equals, the first in `ALL`.
    found
        .into_iter()
        .min_by_key(|(order, v)| (v.event_index, *order))
        .map(|(_, v)| v)
}

/// Whether an event is one a monitor reads.
type Concerns = fn(&What) -> bool;

/// The monitors that can object only to a trace holding one of their own
/// events (a socket's, a queue's, an agent's…), each with the test for
/// those events.
///
/// Most runs use few of these features, and a monitor's pass over a long
/// trace costs memory traffic even when it matches nothing (about 1% of a
/// counter run each, in perf), so the core monitors' shared walk also
/// finds which of them have anything to read, and the others are not run. Each test must accept
/// every event a violation of its monitor can start from.
const GATED: &[(&str, Concerns)] = &[
    (websocket::NAME, websocket::concerns),
    (queue_delivery::NAME, queue_delivery::concerns),
    (kv_staleness::NAME, kv_staleness::concerns),
    (bucket_consistency::NAME, bucket_consistency::concerns),
    (agent_schedules::NAME, agent_schedules::concerns),
    (agent_state_sync::NAME, agent_state_sync::concerns),
];

/// The included gated monitors with no event of theirs in `trace`.
#[cfg(test)]
fn idle_monitors(trace: &[TraceEntry], include: impl Fn(&str) -> bool) -> Vec<&'static str> {
    core_walk::walk(trace, &include).1
}

/// Hand-written traces for the monitors' tests.
#[cfg(test)]
pub(crate) mod test_trace {
    use crate::sim::world_config::LocationId;
    use crate::trace::{ObjectRef, TraceEntry, What};

    /// An event of object #0, epoch 1, at time `t`.
    pub(crate) fn ev(t: u64, what: What) -> TraceEntry {
        TraceEntry {
            t,
            at: LocationId(0),
            obj: Some(ObjectRef(0)),
            epoch: 1,
            what,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_trace::ev;
    use super::*;
    use crate::trace::What;

    /// A call sent and never answered: only the liveness monitor objects.
    fn hung_call() -> Vec<TraceEntry> {
        vec![ev(
            1,
            What::CallSent {
                call: 1,
                stub: 1,
                seq: 1,
                method: "m".into(),
                from: None,
                args: None,
            },
        )]
    }

    #[test]
    fn check_all_runs_every_monitor() {
        let v = check_all(&hung_call()).expect("the hung call is a violation");
        assert_eq!(v.monitor, liveness::NAME);
        assert_eq!(check_some(&hung_call(), |_| true), Some(v));
    }

    #[test]
    fn every_gated_monitor_is_a_monitor() {
        for (name, _) in GATED {
            assert!(ALL.iter().any(|(n, _)| n == name), "{name}");
        }
    }

    #[test]
    fn a_gated_monitor_runs_once_its_events_appear() {
        let lost = vec![
            ev(
                1,
                What::QueueSent {
                    queue: "jobs".into(),
                    message: 1,
                },
            ),
            ev(2, What::LivenessPhase),
        ];
        assert!(!idle_monitors(&lost, |_| true).contains(&queue_delivery::NAME));
        let v = check_all(&lost).expect("the message was never acknowledged");
        assert_eq!(v.monitor, queue_delivery::NAME);
        let swapped = [2, 1].map(|seq| {
            ev(
                seq,
                What::SocketDelivered {
                    socket: 1,
                    seq,
                    to_object: true,
                },
            )
        });
        let v = check_all(&swapped).expect("frames out of order");
        assert_eq!(v.monitor, websocket::NAME);
    }

    #[test]
    fn a_trace_without_their_events_skips_the_gated_monitors() {
        let idle = idle_monitors(&hung_call(), |_| true);
        let gated: Vec<&str> = GATED.iter().map(|(name, _)| *name).collect();
        assert_eq!(idle, gated);
        let left_out = idle_monitors(&hung_call(), |name| name != websocket::NAME);
        assert!(!left_out.contains(&websocket::NAME));
    }

    #[test]
    fn check_some_skips_the_monitors_left_out() {
        let without_liveness = check_some(&hung_call(), |name| name != liveness::NAME);
        assert_eq!(without_liveness, None);
    }
}
