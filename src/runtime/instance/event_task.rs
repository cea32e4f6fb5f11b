//! How an event gets a task of its own, and when it does not need one.
//!
//! An event's first poll runs inline, where it is delivered (the delivery
//! task, or a caller's task: see `arrival.rs`), as soon as it is delivered. Most handlers finish there (they read a cached
//! value, write, and return), and such an event never gets a task: its
//! reply goes straight to the output gate. A handler that awaits gets a
//! task then, which takes over the future where the first poll left it.
//!
//! The first poll cannot use the waker of the task it runs in: whatever
//! the handler waits on would wake the wrong task. It polls with a
//! [`Handoff`] waker instead, which remembers a wake-up until the event's
//! task is there to receive it, and passes it on after. The new task
//! polls the handler again only once that wake-up came, as the handler's
//! own task would have: no poll is added to the event, so its trace is
//! the one a task from the start would have made.
//!
//! An event that finishes in its first poll usually leaves its handoff
//! waker unshared (nothing it awaited kept a clone), and the next event
//! takes that waker, reset, instead of a new one. A handoff still shared
//! (a timer or a channel holds a clone) is never reused: a late wake-up
//! through it would reach an event it does not belong to.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use futures::future::LocalBoxFuture;

use super::Instance;
use crate::runtime::error::Result;
use crate::runtime::event::EventBody;
use crate::storage::input_gate::EventId;

/// A waker for a future that has no task yet: it keeps a wake-up until the
/// task comes, then wakes it.
#[derive(Default)]
pub(super) struct Handoff {
    woken: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl Wake for Handoff {
    fn wake(self: Arc<Self>) {
        self.woken.store(true, Ordering::Relaxed);
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            task.wake();
        }
    }
}

impl Handoff {
    /// Resolves once the future was woken (at once if it already was).
    fn woken(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.woken.load(Ordering::Relaxed) {
                return Poll::Ready(());
            }
            if let Ok(mut task) = self.task.lock() {
                *task = Some(cx.waker().clone());
            }
            // A wake between the test and the registration is not lost:
            // it set `woken` before it looked for the task.
            if self.woken.load(Ordering::Relaxed) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

impl Instance {
    /// Runs `fut` as event `event`; its result answers delivery `number`.
    /// The first poll runs here (see the module documentation).
    pub(super) fn run<T: 'static>(
        self: &Rc<Self>,
        event: EventId,
        number: u64,
        fut: LocalBoxFuture<'static, Result<T>>,
    ) {
        let mut body = EventBody::new(self.clone(), event, fut);
        let handoff = self.spare_handoff.borrow_mut().take().unwrap_or_default();
        let waker = Waker::from(handoff.clone());
        let first = Pin::new(&mut body).poll(&mut Context::from_waker(&waker));
        drop(waker);
        match first {
            Poll::Ready(result) => {
                self.keep_handoff(handoff);
                self.reply(event, number, result)
            }
            // The handler ended the instance: the event goes with it, as a
            // task the end aborted would.
            Poll::Pending if !self.is_alive() => {}
            Poll::Pending => {
                let me = self.clone();
                let handle = crate::sim::world::spawn_task(&self.rt.world, async move {
                    handoff.woken().await;
                    let result = body.await;
                    // The task ends here: the gate sends the reply when it may.
                    me.tasks.borrow_mut().remove(&event);
                    me.reply(event, number, result);
                });
                self.tasks.borrow_mut().insert(event, handle.abort_handle());
            }
        }
    }

    /// Keeps `handoff` for the next event if no one else holds it.
    fn keep_handoff(&self, handoff: Arc<Handoff>) {
        if let Some(fresh) = reset_if_unshared(handoff) {
            *self.spare_handoff.borrow_mut() = Some(fresh);
        }
    }
}

/// `handoff` as new, if nothing else holds it (no clone of its waker is
/// left anywhere a wake-up could come from).
fn reset_if_unshared(mut handoff: Arc<Handoff>) -> Option<Arc<Handoff>> {
    let unshared = Arc::get_mut(&mut handoff)?;
    *unshared.woken.get_mut() = false;
    if let Ok(task) = unshared.task.get_mut() {
        *task = None;
    }
    Some(handoff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handoff_is_reused_only_when_no_waker_of_it_is_left() {
        let handoff = Arc::new(Handoff::default());
        let kept = Waker::from(handoff.clone());
        kept.wake_by_ref();
        let handoff = reset_if_unshared(handoff);
        assert!(
            handoff.is_none(),
            "a timer still holds its waker: not reused"
        );

        let handoff = Arc::new(Handoff::default());
        Waker::from(handoff.clone()).wake();
        let fresh = reset_if_unshared(handoff).expect("unshared: reused");
        assert!(!fresh.woken.load(Ordering::Relaxed), "reset before reuse");
    }
}
