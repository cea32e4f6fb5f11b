//! `output_gate`: no outgoing message (a reply, a call an object makes)
//! leaves before every write issued before it is confirmed.
//!
//! Worked out from the trace alone, not from what the runtime claims: per
//! object, the highest batch any write had joined when the message was
//! sent (when it was held, or at its release if nothing held it) must be
//! confirmed when it is released. Writes issued after the message was sent
//! do not hold it back. Batches that a crash or a reset dropped (they never
//! will be confirmed) stop counting when the instance ends or a new one
//! starts.

use super::pass::{self, Pass};
use super::per_object::PerObject;
use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{EndReason, TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "output_gate";

#[derive(Default)]
struct Batches {
    written: u64,
    confirmed: u64,
    /// Held messages, oldest first: the event that sent each and the
    /// batch it needs. Few are held at once, so a list that keeps its
    /// capacity beats a map that allocates per event.
    held: Vec<(u64, u64)>,
}

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    pass::run::<OutputGate>(trace)
}

/// The monitor as a pass: each object's batches and held messages.
pub(crate) struct OutputGate {
    objects: PerObject<Batches>,
}

impl Pass for OutputGate {
    fn new(trace: &[TraceEntry]) -> Self {
        OutputGate {
            objects: PerObject::for_trace(trace),
        }
    }

    /// The kinds `step` matches.
    fn reads(what: &What) -> bool {
        matches!(
            what,
            What::StorageWrote { .. }
                | What::BatchConfirmed { .. }
                | What::InstanceCreated
                | What::InstanceEnded { .. }
                | What::OutputHeld { .. }
                | What::OutputReleased { .. }
        )
    }

    #[inline]
    fn step(&mut self, i: usize, e: &TraceEntry) -> Option<Violation> {
        let obj = e.obj?;
        let b = self.objects.entry(obj);
        match &e.what {
            What::StorageWrote { batch, .. } => b.written = b.written.max(*batch),
            What::BatchConfirmed { batch } => b.confirmed = b.confirmed.max(*batch),
            What::InstanceCreated
            | What::InstanceEnded {
                reason: EndReason::Crash | EndReason::Reset | EndReason::CodeUpdate,
            } => b.written = b.confirmed,
            What::OutputHeld { event, .. } => {
                b.held.push((*event, b.written));
            }
            What::OutputReleased { event, .. } => {
                // The event's oldest held message is the one released.
                let needed = match b.held.iter().position(|(held, _)| held == event) {
                    Some(at) => b.held.remove(at).1,
                    None => b.written,
                };
                if needed <= b.confirmed {
                    return None;
                }
                return Some(Violation::at(NAME, i, e, format!(
                        "object #{} epoch {}: event {event} released output at t={} that needed batch {needed}, but only batch {} was confirmed",
                        obj.0,
                        e.epoch,
                        format_sim_time(e.t),
                        b.confirmed
                    )));
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

    #[test]
    fn output_after_confirmation_passes() {
        let trace = vec![
            ev(
                1,
                What::StorageWrote {
                    event: 1,
                    batch: 1,
                    key: 0,
                    value: None,
                    key_text: None,
                    value_text: None,
                },
            ),
            ev(2, What::OutputHeld { event: 1, batch: 1 }),
            ev(3, What::BatchConfirmed { batch: 1 }),
            ev(4, What::OutputReleased { event: 1, batch: 1 }),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn output_before_confirmation_is_caught() {
        let trace = vec![
            ev(
                1,
                What::StorageWrote {
                    event: 1,
                    batch: 1,
                    key: 0,
                    value: None,
                    key_text: None,
                    value_text: None,
                },
            ),
            ev(2, What::OutputReleased { event: 1, batch: 0 }),
        ];
        let v = check(&trace).expect("violation");
        assert_eq!(v.monitor, "output_gate");
        assert!(
            v.message.contains("needed batch 1, but only batch 0"),
            "{}",
            v.message
        );
    }

    #[test]
    fn writes_after_a_message_was_sent_do_not_hold_it() {
        let trace = vec![
            ev(
                1,
                What::StorageWrote {
                    event: 1,
                    batch: 1,
                    key: 0,
                    value: None,
                    key_text: None,
                    value_text: None,
                },
            ),
            ev(2, What::OutputHeld { event: 1, batch: 1 }),
            ev(
                3,
                What::StorageWrote {
                    event: 2,
                    batch: 2,
                    key: 0,
                    value: None,
                    key_text: None,
                    value_text: None,
                },
            ),
            ev(4, What::BatchConfirmed { batch: 1 }),
            ev(5, What::OutputReleased { event: 1, batch: 1 }),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn lost_batches_stop_counting_after_a_crash() {
        let trace = vec![
            ev(
                1,
                What::StorageWrote {
                    event: 1,
                    batch: 1,
                    key: 0,
                    value: None,
                    key_text: None,
                    value_text: None,
                },
            ),
            ev(
                2,
                What::InstanceEnded {
                    reason: EndReason::Crash,
                },
            ),
            ev(3, What::InstanceCreated),
            ev(4, What::OutputReleased { event: 2, batch: 0 }),
        ];
        assert_eq!(check(&trace), None);
    }
}
