//! How an instance's output leaves through its output gate.
//!
//! An event's reply is the last thing its task does, so the task hands it
//! to the gate and ends: the gate sends it when the writes before it are
//! confirmed, and no task waits only to be woken for it. Anything an event
//! sends while it goes on running (a call to another object, a fetch, a
//! socket message) awaits [`Instance::release_output`] instead.
//!
//! Both ways record the same trace: `OutputHeld` when a message must wait
//! for a batch, `OutputReleased` when it leaves. A message whose instance
//! dies first never leaves; a reply's caller then learns of it as a lost
//! connection, or through the error its instance ended with.

use std::rc::Rc;

use super::Instance;
use crate::runtime::error::{Error, Result};
use crate::storage::database::BatchId;
use crate::storage::input_gate::EventId;
use crate::trace::What;

impl Instance {
    /// Closes the open batch and records what a message sent now by
    /// `event` waits for. `Some(batch)` is the batch it waits for; `None`
    /// means it leaves at once (the `early_output` mutation).
    fn output_barrier(&self, event: EventId) -> Option<BatchId> {
        let barrier = self.storage.barrier(self.host);
        if crate::mutations::active(crate::mutations::Mutation::EarlyOutput)
            && self.output.is_open()
        {
            self.record(What::OutputReleased {
                event,
                batch: barrier,
            });
            return None;
        }
        if barrier > self.output.confirmed() {
            self.record(What::OutputHeld {
                event,
                batch: barrier,
            });
        }
        Some(barrier)
    }

    /// Hands event `event`'s reply to delivery `number` to the output gate.
    /// A reply that cannot pass the gate is never seen; the caller sees its
    /// connection drop instead (or the error its instance ended with).
    pub(super) fn reply<T: 'static>(
        self: &Rc<Self>,
        event: EventId,
        number: u64,
        result: Result<T>,
    ) {
        let Some(barrier) = self.output_barrier(event) else {
            self.answer(number, result);
            return;
        };
        let me = self.clone();
        // Asked even when nothing is pending: a stale instance's gate is
        // broken, and it must never release output.
        self.output.hold(
            barrier,
            Box::new(move |passed| {
                let result = match passed {
                    Ok(()) => {
                        me.record(What::OutputReleased {
                            event,
                            batch: barrier,
                        });
                        result
                    }
                    Err(_) => Err(Error::connection_lost()),
                };
                me.answer(number, result);
            }),
        );
    }

    /// Sends the answer owed to delivery `number`, if it is still owed.
    fn answer<T: 'static>(&self, number: u64, result: Result<T>) {
        let owed = {
            let mut replies = self.replies.borrow_mut();
            let at = replies.binary_search_by_key(&number, |(n, _)| *n);
            at.ok().map(|at| replies.remove(at).1)
        };
        match owed {
            // Failed already, by the end of the instance.
            None => {}
            Some(owed)
                if crate::mutations::active(crate::mutations::Mutation::LoseResponse)
                    && self.rt.world.rng.chance(5.0) =>
            {
                // The planted bug: kept, never sent, so the caller never hears.
                self.lost_replies.borrow_mut().push(owed);
            }
            Some(owed) => owed.answer(result),
        }
        // The last event's answer has left: the idle window starts now.
        self.last_active.set(self.rt.world.now());
        self.idle_arm();
    }

    /// Waits until every write issued so far is confirmed, recording the
    /// hold and the release. Fails if the instance dies first.
    pub(crate) async fn release_output(&self, event: EventId) -> std::result::Result<(), ()> {
        let Some(barrier) = self.output_barrier(event) else {
            return Ok(());
        };
        // Asked even when nothing is pending: a stale instance's gate is
        // broken, and it must never release output.
        if self.output.wait_for(barrier).await.is_err() {
            return Err(());
        }
        self.record(What::OutputReleased {
            event,
            batch: barrier,
        });
        Ok(())
    }
}
