//! `liveness`: every call is answered or fails — none hangs.
//!
//! The runner gives each run a liveness phase: when the body is done, the
//! world heals and the run waits (for a bounded stretch of simulated time)
//! for every call still out to settle. A call that was sent and by the end
//! of the run was neither answered, nor failed, nor dropped by its caller,
//! hung.

use super::key_map::KeyMap;
use super::pass::{self, Pass};
use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "liveness";

/// Checks `trace`; returns the first call that never settled.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    pass::run::<Liveness>(trace)
}

/// The monitor as a pass: the calls still open, each with its index, time
/// and stub. A hash table, not a tree: every call goes in and comes out
/// again, and the verdict takes the open call sent first, whatever the
/// table's order.
#[derive(Default)]
pub(crate) struct Liveness {
    open: KeyMap<(usize, u64, u32)>,
}

impl Pass for Liveness {
    fn new(_trace: &[TraceEntry]) -> Self {
        Self::default()
    }

    #[inline]
    fn step(&mut self, i: usize, e: &TraceEntry) -> Option<Violation> {
        match e.what {
            What::CallSent { call, stub, .. } => {
                self.open.insert(call, (i, e.t, stub));
            }
            What::ReplyReceived { call, .. } | What::CallAbandoned { call } => {
                self.open.remove(&call);
            }
            _ => {}
        }
        None
    }

    fn end(&mut self, trace: &[TraceEntry]) -> Option<Violation> {
        let end = trace.last().map_or(0, |e| e.t);
        let open = std::mem::take(&mut self.open);
        let (call, (index, sent, stub)) = open.into_iter().min_by_key(|(_, (i, _, _))| *i)?;
        Some(Violation {
            monitor: NAME,
            at_ns: sent,
            event_index: index,
            message: format!(
                "call {call} through stub {stub}, sent at t={}, was never answered (the run ended at t={})",
                format_sim_time(sent),
                format_sim_time(end)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world_config::LocationId;

    fn ev(t: u64, what: What) -> TraceEntry {
        TraceEntry {
            t,
            at: LocationId(0),
            obj: None,
            epoch: 0,
            what,
        }
    }

    fn sent(t: u64, call: u64) -> TraceEntry {
        ev(
            t,
            What::CallSent {
                call,
                stub: 1,
                seq: call as u32,
                method: "m".into(),
                from: None,
                args: None,
            },
        )
    }

    #[test]
    fn answered_failed_and_abandoned_calls_pass() {
        let trace = vec![
            sent(1, 1),
            sent(2, 2),
            sent(3, 3),
            ev(
                4,
                What::ReplyReceived {
                    call: 1,
                    ok: true,
                    result: None,
                },
            ),
            ev(
                5,
                What::ReplyReceived {
                    call: 2,
                    ok: false,
                    result: None,
                },
            ),
            ev(6, What::CallAbandoned { call: 3 }),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn a_call_never_answered_is_caught() {
        let trace = vec![
            sent(1, 1),
            sent(2, 2),
            ev(
                3,
                What::ReplyReceived {
                    call: 1,
                    ok: true,
                    result: None,
                },
            ),
        ];
        let v = check(&trace).expect("violation");
        assert_eq!((v.monitor, v.event_index), ("liveness", 1));
        assert!(v.message.contains("call 2 through stub 1"), "{}", v.message);
    }
}
