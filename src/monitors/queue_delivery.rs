//! `queue_delivery`: every message a queue accepted reaches an end.
//!
//! A send that resolved means the queue wrote the message; from then on
//! the queue owes it a delivery the consumer acknowledges, or, once it ran
//! out of retries, a move to the dead-letter queue (or its deletion, when
//! the queue has none, which the trace records). The run's liveness phase
//! waits for queues to drain, so a message still held at the end of a run
//! that reached that phase was lost or stuck.

use std::collections::BTreeMap;

use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "queue_delivery";

/// The events every violation starts from: a trace in which no message was
/// accepted cannot break this invariant.
pub(crate) fn concerns(w: &What) -> bool {
    matches!(w, What::QueueSent { .. })
}

/// Checks `trace`; returns the first accepted message that never reached
/// an end, if the run got to its liveness phase.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    if !trace.iter().any(|e| matches!(e.what, What::LivenessPhase)) {
        return None;
    }
    let mut open: BTreeMap<(&str, u64), usize> = BTreeMap::new();
    for (i, e) in trace.iter().enumerate() {
        match &e.what {
            What::QueueSent { queue, message } => {
                open.insert((queue, *message), i);
            }
            What::QueueAcked { queue, message }
            | What::QueueDeadLettered { queue, message, .. }
            | What::QueueDropped { queue, message } => {
                open.remove(&(queue.as_str(), *message));
            }
            _ => {}
        }
    }
    let ((queue, message), index) = open.into_iter().min_by_key(|(_, i)| *i)?;
    let sent = &trace[index];
    let end = trace.last().map_or(0, |e| e.t);
    Some(Violation::at(
        NAME,
        index,
        sent,
        format!(
            "message {message} of queue `{queue}`, accepted at t={}, was never acknowledged, \
             dead-lettered or dropped after its retries (the run ended at t={})",
            format_sim_time(sent.t),
            format_sim_time(end)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;

    fn sent(message: u64) -> What {
        What::QueueSent {
            queue: "jobs".into(),
            message,
        }
    }

    #[test]
    fn a_message_never_acknowledged_is_a_violation() {
        let trace = vec![
            ev(1, sent(1)),
            ev(2, sent(2)),
            ev(
                3,
                What::QueueAcked {
                    queue: "jobs".into(),
                    message: 1,
                },
            ),
            ev(4, What::LivenessPhase),
        ];
        let v = check(&trace).expect("message 2 is lost");
        assert_eq!(v.event_index, 1);
        assert!(
            v.message.contains("message 2 of queue `jobs`"),
            "{}",
            v.message
        );
    }

    #[test]
    fn dead_lettered_and_dropped_messages_reached_an_end() {
        let trace = vec![
            ev(1, sent(1)),
            ev(2, sent(2)),
            ev(
                3,
                What::QueueDeadLettered {
                    queue: "jobs".into(),
                    message: 1,
                    to: "dlq".into(),
                },
            ),
            ev(
                4,
                What::QueueDropped {
                    queue: "jobs".into(),
                    message: 2,
                },
            ),
            ev(5, What::LivenessPhase),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn a_run_cut_off_before_its_liveness_phase_is_not_judged() {
        assert_eq!(check(&[ev(1, sent(1))]), None);
    }
}
