//! `agent_state_sync`: every connected client of an agent ends up seeing
//! the agent's persisted state.
//!
//! The agents layer records each state it writes and each state a new
//! instance loads (what storage really holds after a crash), and its test
//! client records each state push it receives. In a run that reached its
//! liveness phase, every client socket still open at the end must have
//! received, last, the state its agent holds, unless that state was
//! written less than [`SLACK_NS`] before the end (its push may still be on
//! the way).

use std::collections::{BTreeMap, BTreeSet};

use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{ObjectRef, TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "agent_state_sync";

/// The events every violation starts from: a trace in which no client
/// received a state cannot break this invariant.
pub(crate) fn concerns(w: &What) -> bool {
    matches!(w, What::AgentStateReceived { .. })
}

/// A state written this recently may not have reached its clients yet.
pub const SLACK_NS: u64 = 2_000_000_000;

/// Checks `trace`; returns the first client left with a stale state.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    if !trace.iter().any(|e| matches!(e.what, What::LivenessPhase)) {
        return None;
    }
    // Per object: the state storage holds, and when it was written.
    let mut held: BTreeMap<ObjectRef, (u64, u64)> = BTreeMap::new();
    // Per socket: its object, the last state received, and where.
    let mut seen: BTreeMap<u64, (ObjectRef, u64, usize)> = BTreeMap::new();
    let mut closed: BTreeSet<u64> = BTreeSet::new();
    for (i, e) in trace.iter().enumerate() {
        match (&e.what, e.obj) {
            (What::AgentStateSaved { state }, Some(obj)) => {
                held.insert(obj, (*state, e.t));
            }
            // A load after a crash is the truth; one that repeats the state
            // held keeps its write time.
            (What::AgentStateLoaded { state }, Some(obj))
                if held.get(&obj).map(|(s, _)| s) != Some(state) =>
            {
                held.insert(obj, (*state, e.t));
            }
            (What::AgentStateReceived { socket, state }, Some(obj)) => {
                seen.insert(*socket, (obj, *state, i));
            }
            (What::SocketClosed { socket, .. }, _) => {
                closed.insert(*socket);
            }
            _ => {}
        }
    }
    let end = trace.last().map_or(0, |e| e.t);
    let (socket, (obj, _, index)) = seen
        .into_iter()
        .filter(|(socket, _)| !closed.contains(socket))
        .filter(|(_, (obj, state, _))| {
            held.get(obj)
                .is_some_and(|(held, t)| held != state && t.saturating_add(SLACK_NS) < end)
        })
        .min_by_key(|(_, (_, _, index))| *index)?;
    let written = held.get(&obj).map_or(0, |(_, t)| *t);
    Some(Violation::at(
        NAME,
        index,
        &trace[index],
        format!(
            "socket {socket}'s client of object #{} last received a state (at t={}) that is \
             not the one the agent holds (written at t={}); the run ended at t={}",
            obj.0,
            format_sim_time(trace[index].t),
            format_sim_time(written),
            format_sim_time(end)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;

    const S: u64 = 1_000_000_000;

    fn trace(received: u64, closed: bool) -> Vec<TraceEntry> {
        let mut t = vec![
            ev(S, What::AgentStateSaved { state: 1 }),
            ev(
                S,
                What::AgentStateReceived {
                    socket: 9,
                    state: received,
                },
            ),
            ev(2 * S, What::AgentStateSaved { state: 2 }),
            ev(3 * S, What::LivenessPhase),
        ];
        if closed {
            t.push(ev(
                4 * S,
                What::SocketClosed {
                    socket: 9,
                    code: 1006,
                },
            ));
        }
        t.push(ev(10 * S, What::Note { text: "end".into() }));
        t
    }

    #[test]
    fn a_connected_client_left_behind_is_caught() {
        let v = check(&trace(1, false)).expect("a stale client");
        assert_eq!(v.event_index, 1);
    }

    #[test]
    fn a_closed_socket_owes_nothing() {
        assert_eq!(check(&trace(1, true)), None);
    }

    #[test]
    fn a_client_with_the_held_state_passes() {
        assert_eq!(check(&trace(2, false)), None);
    }
}
