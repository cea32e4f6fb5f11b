//! The input gate of one instance.
//!
//! While an event has a storage operation in flight, no other event is
//! delivered to the instance: no new call starts, and no event continues
//! after an await that left the object (a timer, a reply to an outgoing
//! call). `block_concurrency_while` closes the gate the same way for
//! everything but its own body. This is what lets object code read, compute
//! and write without another event slipping in between — as long as it only
//! awaits storage.
//!
//! The gate only decides; the runtime asks it before starting an event and
//! before resuming an event after a leaving await, and the gate wakes those
//! who wait when it opens.

use std::cell::RefCell;
use std::task::Waker;

/// Events are numbered by the runtime; the gate only compares them.
pub(crate) type EventId = u64;

#[derive(Default)]
struct GateState {
    /// Storage operations in flight.
    storage_ops: u32,
    /// The event whose storage operations are in flight: only it may run.
    holder: Option<EventId>,
    /// Events running a `block_concurrency_while` body, innermost last.
    blockers: Vec<EventId>,
    waiters: Vec<Waker>,
}

/// See the module documentation.
#[derive(Default)]
pub(crate) struct InputGate {
    state: RefCell<GateState>,
}

impl InputGate {
    /// Whether `event` may run now: `None` asks for a new event.
    pub(crate) fn admits(&self, event: Option<EventId>) -> bool {
        let s = self.state.borrow();
        if s.storage_ops > 0
            && event != s.holder
            && !crate::mutations::active(crate::mutations::Mutation::OpenInputGate)
        {
            return false;
        }
        s.blockers.is_empty() || event.is_some_and(|e| s.blockers.contains(&e))
    }

    /// Whether a storage operation is in flight.
    pub(crate) fn storage_busy(&self) -> bool {
        self.state.borrow().storage_ops > 0
    }

    /// Registers a waker to be woken when the gate opens.
    pub(crate) fn register(&self, waker: &Waker) {
        let mut s = self.state.borrow_mut();
        if !s.waiters.iter().any(|w| w.will_wake(waker)) {
            s.waiters.push(waker.clone());
        }
    }

    /// A storage operation of `event` begins.
    pub(crate) fn storage_started(&self, event: EventId) {
        let mut s = self.state.borrow_mut();
        debug_assert!(
            s.storage_ops == 0 || s.holder == Some(event),
            "invariant input-gate-exclusive: event {event} started a storage operation while event {:?} holds the gate",
            s.holder
        );
        s.storage_ops += 1;
        s.holder = Some(event);
    }

    /// A storage operation ended.
    pub(crate) fn storage_ended(&self) {
        let open = {
            let mut s = self.state.borrow_mut();
            debug_assert!(
                s.storage_ops > 0,
                "invariant input-gate-balance: a storage operation ended that never started"
            );
            s.storage_ops -= 1;
            if s.storage_ops == 0 {
                s.holder = None;
            }
            s.storage_ops == 0
        };
        if open {
            self.wake_all();
        }
    }

    /// `event` starts a `block_concurrency_while` body; returns the depth.
    pub(crate) fn block(&self, event: EventId) -> usize {
        let mut s = self.state.borrow_mut();
        s.blockers.push(event);
        s.blockers.len()
    }

    /// The body of `event` settled.
    pub(crate) fn unblock(&self, event: EventId) {
        {
            let mut s = self.state.borrow_mut();
            let pos = s.blockers.iter().rposition(|e| *e == event);
            debug_assert!(
                pos.is_some(),
                "invariant input-gate-balance: unblock of event {event} that did not block"
            );
            if let Some(p) = pos {
                s.blockers.remove(p);
            }
        }
        self.wake_all();
    }

    /// Wakes everyone waiting (also used when the instance ends: a waiting
    /// task that was aborted is freed only once it is scheduled again).
    pub(crate) fn wake_all(&self) {
        let waiters = std::mem::take(&mut self.state.borrow_mut().waiters);
        for w in waiters {
            w.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_operations_close_the_gate_for_everyone() {
        let g = InputGate::default();
        assert!(g.admits(None));
        g.storage_started(2);
        assert!(!g.admits(None));
        assert!(!g.admits(Some(1)));
        assert!(g.admits(Some(2)), "the holder continues its own operation");
        g.storage_ended();
        assert!(g.admits(Some(1)));
    }

    #[test]
    fn block_concurrency_admits_only_its_body() {
        let g = InputGate::default();
        assert_eq!(g.block(7), 1);
        assert!(!g.admits(None));
        assert!(!g.admits(Some(3)));
        assert!(g.admits(Some(7)));
        g.unblock(7);
        assert!(g.admits(None));
    }
}
