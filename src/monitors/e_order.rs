//! `e_order`: calls through one stub start in the order they were made.
//!
//! Sequence numbers of one stub may skip (a call that failed never starts)
//! but never go back: each delivery's number must exceed the last one
//! delivered for that stub.

use std::collections::hash_map::Entry;

use super::key_map::KeyMap;
use super::pass::{self, Pass};
use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "e_order";

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    pass::run::<EOrder>(trace)
}

/// The monitor as a pass: each stub's last delivered number and call, by
/// stub. A hash table: a run makes stubs by the thousand (often one per
/// call), and the pass only looks one up, never walks them.
#[derive(Default)]
pub(crate) struct EOrder {
    last: KeyMap<(u32, u64)>,
}

impl Pass for EOrder {
    fn new(_trace: &[TraceEntry]) -> Self {
        Self::default()
    }

    #[inline]
    fn step(&mut self, i: usize, e: &TraceEntry) -> Option<Violation> {
        let What::CallDelivered {
            call, stub, seq, ..
        } = e.what
        else {
            return None;
        };
        // One search per delivery: the stub's record is read and replaced
        // in place.
        let mut last = match self.last.entry(u64::from(stub)) {
            Entry::Vacant(first) => {
                first.insert((seq, call));
                return None;
            }
            Entry::Occupied(last) => last,
        };
        let (prev_seq, prev_call) = *last.get();
        if seq <= prev_seq {
            return Some(Violation::at(NAME, i, e, format!(
                    "stub {stub} delivered call {call} (#{seq}) at t={} after call {prev_call} (#{prev_seq}) made later",
                    format_sim_time(e.t)
                )));
        }
        last.insert((seq, call));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world_config::LocationId;

    fn delivered(t: u64, stub: u32, seq: u32) -> TraceEntry {
        TraceEntry {
            t,
            at: LocationId(0),
            obj: None,
            epoch: 1,
            what: What::CallDelivered {
                call: u64::from(seq) * 10 + u64::from(stub),
                stub,
                seq,
                event: t,
            },
        }
    }

    #[test]
    fn in_order_and_skipping_passes() {
        let trace = vec![
            delivered(1, 1, 1),
            delivered(2, 2, 1),
            delivered(3, 1, 2),
            delivered(4, 1, 5),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn a_later_call_first_is_caught() {
        let trace = vec![delivered(1, 1, 2), delivered(2, 1, 1)];
        let v = check(&trace).expect("violation");
        assert_eq!((v.monitor, v.event_index), ("e_order", 1));
        assert!(
            v.message.contains("stub 1 delivered call 11 (#1)"),
            "{}",
            v.message
        );
    }
}
