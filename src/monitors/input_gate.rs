//! `input_gate`: no other event runs on an instance while one of its
//! storage operations is in flight, or while a `block_concurrency_while`
//! body runs (except that body and the bodies nested in it).

use std::collections::BTreeMap;

use super::pass::{self, Pass};
use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{Cause, ObjectRef, TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "input_gate";

#[derive(Default)]
struct Gate {
    storage_holder: Option<u64>,
    blockers: Vec<u64>,
}

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    pass::run::<InputGate>(trace)
}

/// The monitor as a pass: each instance's gate.
#[derive(Default)]
pub(crate) struct InputGate {
    gates: BTreeMap<(ObjectRef, u32), Gate>,
}

impl Pass for InputGate {
    fn new(_trace: &[TraceEntry]) -> Self {
        Self::default()
    }

    #[inline]
    fn step(&mut self, i: usize, e: &TraceEntry) -> Option<Violation> {
        let obj = e.obj?;
        let key = (obj, e.epoch);
        let gates = &mut self.gates;
        match &e.what {
            What::InstanceCreated | What::InstanceEnded { .. } => {
                gates.remove(&key);
            }
            What::StorageStarted { event, .. } => {
                gates.entry(key).or_default().storage_holder = Some(*event);
            }
            What::StorageEnded { .. } => {
                gates.entry(key).or_default().storage_holder = None;
            }
            What::EventStarted {
                event,
                cause: Cause::BlockConcurrency,
            } => {
                gates.entry(key).or_default().blockers.push(*event);
            }
            What::EventEnded { event, .. } => {
                let gate = gates.entry(key).or_default();
                gate.blockers.retain(|b| b != event);
            }
            What::EventStarted { event, .. } | What::EventResumed { event } => {
                let gate = gates.entry(key).or_default();
                let why = if gate.storage_holder.is_some_and(|h| h != *event) {
                    format!(
                        "while event {} had a storage operation in flight",
                        gate.storage_holder.unwrap_or(0)
                    )
                } else if !gate.blockers.is_empty() && !gate.blockers.contains(event) {
                    format!(
                        "inside the block_concurrency_while of event {:?}",
                        gate.blockers
                    )
                } else {
                    return None;
                };
                return Some(Violation::at(
                    NAME,
                    i,
                    e,
                    format!(
                        "object #{} epoch {}: event {event} ran at t={} {why}",
                        obj.0,
                        e.epoch,
                        format_sim_time(e.t)
                    ),
                ));
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;
    use crate::trace::StorageOp;

    fn started(t: u64, event: u64) -> TraceEntry {
        ev(
            t,
            What::EventStarted {
                event,
                cause: Cause::Call(event),
            },
        )
    }

    #[test]
    fn the_holder_continues_and_others_wait() {
        let trace = vec![
            started(1, 1),
            ev(
                2,
                What::StorageStarted {
                    event: 1,
                    op: StorageOp::Get,
                },
            ),
            ev(3, What::EventResumed { event: 1 }),
            ev(4, What::StorageEnded { event: 1 }),
            started(5, 2),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn an_event_during_a_storage_operation_is_caught() {
        let trace = vec![
            started(1, 1),
            ev(
                2,
                What::StorageStarted {
                    event: 1,
                    op: StorageOp::Get,
                },
            ),
            ev(3, What::EventResumed { event: 2 }),
        ];
        let v = check(&trace).expect("violation");
        assert_eq!(v.monitor, "input_gate");
        assert!(
            v.message.contains("event 2 ran") && v.message.contains("event 1 had a storage"),
            "{}",
            v.message
        );
    }

    #[test]
    fn an_event_inside_block_concurrency_is_caught_but_nested_bodies_run() {
        let bcw = |t, event| {
            ev(
                t,
                What::EventStarted {
                    event,
                    cause: Cause::BlockConcurrency,
                },
            )
        };
        let ok = vec![
            started(1, 1),
            bcw(2, 2),
            bcw(3, 3),
            ev(4, What::EventResumed { event: 2 }),
        ];
        assert_eq!(check(&ok), None);
        let bad = vec![
            started(1, 1),
            bcw(2, 2),
            ev(3, What::EventResumed { event: 1 }),
        ];
        let v = check(&bad).expect("violation");
        assert!(
            v.message.contains("inside the block_concurrency_while"),
            "{}",
            v.message
        );
    }
}
