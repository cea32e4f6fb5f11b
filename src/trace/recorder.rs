//! The recorder every layer writes its events into, in the order they
//! happened. One per run, held by the run's world; only the harness takes
//! the events out, when the run is over.

use std::cell::RefCell;

use super::entry::TraceEntry;

/// The recorder: events in the order they happened.
#[derive(Default)]
pub(crate) struct TraceRecorder {
    events: RefCell<Vec<TraceEntry>>,
}

impl TraceRecorder {
    pub(crate) fn push(&self, event: TraceEntry) {
        self.events.borrow_mut().push(event);
    }

    pub(crate) fn last_t(&self) -> u64 {
        self.events.borrow().last().map_or(0, |e| e.t)
    }

    pub(crate) fn take(&self) -> Vec<TraceEntry> {
        std::mem::take(&mut *self.events.borrow_mut())
    }
}
