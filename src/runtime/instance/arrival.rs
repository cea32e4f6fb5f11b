//! How an arrival gets in: queued in the inbox for the delivery task, or,
//! when that task would start it at once anyway, started right here.
//!
//! A call that reaches an instance with nothing to wait for (no call
//! ahead of it, no event still beginning, the input gate open, the
//! delivery task parked for want of work) would wake the delivery task,
//! which would take it out of the inbox and start it: the only thing in
//! between is one more task poll. Such a call starts here instead, in the
//! caller's task, as the delivery task would have started it, so the
//! trace reads the same (one poll earlier).
//!
//! Only a call from outside every object starts here (a client's, a
//! Worker's): an object's own call (to itself, or to an object that calls
//! it back) would run one object's event inside another's poll. Events
//! the runtime raises (alarms, socket frames) always go through the
//! delivery task.

use std::rc::Rc;

#[cfg(test)]
use std::cell::Cell;

use super::{Arrival, Instance};
use crate::runtime::context;
use crate::runtime::error::Error;
use crate::runtime::inbox::Incoming;

impl Instance {
    /// A call arrived from the network, or the runtime raised an event.
    pub(crate) fn receive(self: &Rc<Self>, incoming: Incoming<Arrival>) {
        if !self.alive.get() {
            incoming.arrival.fail(Error::connection_lost());
            return;
        }
        self.idle_disarm();
        let here = matches!(incoming.arrival, Arrival::Call(_)) && self.starts_here();
        if let Err(refused) = self.inbox.borrow_mut().push(incoming) {
            refused.arrival.fail(Error::connection_lost());
            return;
        }
        if here {
            // The inbox held nothing else, so this takes the call just put
            // in, unless E-order makes it wait for an earlier one of its
            // stub (then the delivery task starts it, in order).
            let next = self.inbox.borrow_mut().take_next(&self.rt.world.rng);
            if let Some(incoming) = next {
                self.rt.world.step();
                self.deliver(incoming);
                // What the parked delivery task does after a delivery.
                if self.is_alive() && !self.idle_armed() {
                    self.idle_arm();
                }
                return;
            }
        }
        if let Some(w) = self.inbox_waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// Whether a call arriving now may start here, in the caller's task:
    /// the delivery task is parked with nothing to do and would start it
    /// at once (see the module documentation).
    fn starts_here(&self) -> bool {
        #[cfg(test)]
        if QUEUE_EVERY_CALL.with(Cell::get) {
            return false;
        }
        context::current().is_none()
            && self.inbox.borrow().is_empty()
            && self.starting.get().is_none()
            && self.inbox_waker.borrow().is_some()
            && self.object.borrow().is_some()
            && !self.idle_window_passed()
            && self.input.admits(None)
    }
}

#[cfg(test)]
thread_local! {
    /// Set by a test body, on its run's thread: every call goes through
    /// the delivery task, so a test can compare the two ways in.
    static QUEUE_EVERY_CALL: Cell<bool> = const { Cell::new(false) };
}

#[cfg(test)]
mod tests {
    use super::QUEUE_EVERY_CALL;
    use crate::sim::{TraceEntry, What};
    use crate::{DurableObject, Env, Runner, Seed, Sim, State};

    struct Tally {
        state: State,
    }

    impl DurableObject for Tally {
        fn new(state: State, _env: Env) -> Self {
            Tally { state }
        }
    }

    crate::rpc! {
        trait TallyRpc for Tally {
            async fn add(&self, by: u64) -> Result<u64> {
                let n: u64 = self.state.storage().get("n").await?.unwrap_or(0);
                self.state.storage().put("n", &(n + by)).await?;
                Ok(n + by)
            }
        }
    }

    /// One client's calls, one after another, each of which finds the
    /// object with nothing to do; `queued` sends every one through the
    /// delivery task instead.
    fn trace(queued: bool) -> Vec<TraceEntry> {
        let runner = Runner::new("starts_here").faults(crate::Faults::None);
        let record = runner.record(Seed::nth(5), move |sim: Sim| async move {
            QUEUE_EVERY_CALL.with(|q| q.set(queued));
            let ns = sim.register::<Tally>("TALLY")?;
            let tally = ns.get_by_name("t");
            for by in 1..=20 {
                tally.add(by).await?;
            }
            QUEUE_EVERY_CALL.with(|q| q.set(false));
            Ok(())
        });
        assert!(record.failure.is_none(), "{:?}", record.failure);
        record.trace
    }

    #[test]
    fn a_call_started_in_its_callers_task_records_what_a_queued_one_does() {
        let (here, queued) = (trace(false), trace(true));
        let untimed = |t: &[TraceEntry]| {
            t.iter()
                .map(|e| (e.at, e.obj, e.epoch, e.what.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            untimed(&here),
            untimed(&queued),
            "the same steps, in the same order, either way in"
        );
        let delivered = |t: &[TraceEntry]| -> u64 {
            t.iter()
                .filter(|e| matches!(e.what, What::CallDelivered { .. }))
                .map(|e| e.t)
                .sum()
        };
        assert!(
            delivered(&here) < delivered(&queued),
            "started where they arrived, the calls began a poll earlier"
        );
    }
}
