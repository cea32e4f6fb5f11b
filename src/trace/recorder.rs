//! The recorder every layer writes its events into, in the order they
//! happened. One per run, held by the run's world; only the harness takes
//! the events out, when the run is over. A recorder starts from a list an
//! earlier run gave back (see [`super::spare`]) when there is one.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::entry::{ObjectRef, TraceEntry};
use super::event::What;
use super::spare;
use crate::sim::world_config::LocationId;

/// The most events a new recorder makes room for up front (about 7 MB).
const RESERVED_EVENTS_MAX: usize = 1 << 16;

/// How many events the last run in this process recorded. A sweep runs
/// seed after seed of one scenario, and their traces are about as long: a
/// recorder that starts with that much room does not grow its list (a
/// reallocation and a copy of every event so far) a dozen times per run.
/// Only the list's capacity depends on it, never what a run records, so
/// runs on other threads may race on it freely.
static LAST_RUN_EVENTS: AtomicUsize = AtomicUsize::new(0);

/// The recorder: events in the order they happened.
pub(crate) struct TraceRecorder {
    events: RefCell<Vec<TraceEntry>>,
}

impl Default for TraceRecorder {
    fn default() -> Self {
        let room = LAST_RUN_EVENTS
            .load(Ordering::Relaxed)
            .min(RESERVED_EVENTS_MAX);
        let mut events = spare::take().unwrap_or_default();
        events.reserve(room);
        TraceRecorder {
            events: RefCell::new(events),
        }
    }
}

impl TraceRecorder {
    /// Appends the entry these parts make.
    ///
    /// The parts come separately, not as a built [`TraceEntry`], and the
    /// entry is written straight into the list's free slot: through
    /// `Vec::push`, an 88-byte entry was assembled on the stack and copied
    /// twice more on its way in, a third of what recording it cost, on
    /// every step of every run.
    #[inline]
    pub(crate) fn push(
        &self,
        t: u64,
        at: LocationId,
        obj: Option<ObjectRef>,
        epoch: u32,
        what: What,
    ) {
        let mut events = self.events.borrow_mut();
        events.reserve(1);
        let len = events.len();
        // SAFETY: `reserve(1)` left room for at least one entry past `len`;
        // the slot is written whole before the length counts it.
        unsafe {
            events.as_mut_ptr().add(len).write(TraceEntry {
                t,
                at,
                obj,
                epoch,
                what,
            });
            events.set_len(len + 1);
        }
    }

    pub(crate) fn last_t(&self) -> u64 {
        self.events.borrow().last().map_or(0, |e| e.t)
    }

    /// The events so far, with whatever room the list has left: the
    /// harness either gives the list back for reuse or, when it keeps the
    /// trace, sheds that room ([`Vec::shrink_to_fit`]).
    pub(crate) fn take(&self) -> Vec<TraceEntry> {
        let events = std::mem::take(&mut *self.events.borrow_mut());
        LAST_RUN_EVENTS.store(events.len(), Ordering::Relaxed);
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(t: u64) -> TraceEntry {
        TraceEntry {
            t,
            at: LocationId(0),
            obj: None,
            epoch: 0,
            what: What::LivenessPhase,
        }
    }

    #[test]
    fn a_taken_trace_keeps_its_entries_in_order() {
        let recorder = TraceRecorder::default();
        for t in 0..1000 {
            let e = entry(t);
            recorder.push(e.t, e.at, e.obj, e.epoch, e.what);
        }
        let trace = recorder.take();
        assert_eq!(
            trace.iter().map(|e| e.t).collect::<Vec<_>>(),
            (0..1000).collect::<Vec<_>>()
        );
        assert!(recorder.take().is_empty(), "taking empties the recorder");
    }
}
