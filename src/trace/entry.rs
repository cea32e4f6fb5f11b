//! One entry of a trace: when and where a step happened, and which object
//! it concerns; what happened is a [`What`].
//!
//! An entry holds only values that are themselves a function of the seed —
//! simulated time, location and object indices — and never a madsim task
//! id, a pointer, or a wall-clock reading.

use serde::{Deserialize, Serialize};

use super::event::What;
use crate::sim::world_config::LocationId;

/// A small number naming one object (namespace + id) within a run, in order
/// of first contact. The [`What::ObjectNamed`] event maps it to the id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef(pub u32);

/// One step of a run: an entry of its trace. ("Event" is kept for what
/// an object handles: a request, an alarm, a socket message.)
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TraceEntry {
    /// Simulated nanoseconds since the run started.
    pub t: u64,
    /// Where it happened.
    pub at: LocationId,
    /// The object it concerns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obj: Option<ObjectRef>,
    /// The instance's epoch (0 when no instance is involved).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub epoch: u32,
    /// What happened.
    #[serde(flatten)]
    pub what: What,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

/// The old name of [`TraceEntry`].
#[deprecated(note = "renamed to TraceEntry: an \"event\" is what an object handles")]
pub type TraceEvent = TraceEntry;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry pays for the largest event kind: a kind that grows past
    /// this grows every trace (a long run holds millions of entries).
    #[test]
    fn a_trace_entry_stays_within_88_bytes() {
        assert_eq!(std::mem::size_of::<What>(), 64);
        assert_eq!(std::mem::size_of::<TraceEntry>(), 88);
    }
}
