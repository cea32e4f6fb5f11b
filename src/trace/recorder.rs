//! The recorder every layer writes its events into, in the order they
//! happened. One per run, held by the run's world; only the harness takes
//! the events out, when the run is over.

use std::cell::RefCell;

use super::event::TraceEvent;

/// The recorder: events in the order they happened.
#[derive(Default)]
pub(crate) struct TraceRecorder {
    events: RefCell<Vec<TraceEvent>>,
}

impl TraceRecorder {
    pub(crate) fn push(&self, event: TraceEvent) {
        self.events.borrow_mut().push(event);
    }

    pub(crate) fn last_t(&self) -> u64 {
        self.events.borrow().last().map_or(0, |e| e.t)
    }

    pub(crate) fn take(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut *self.events.borrow_mut())
    }
}
