//! The output gate of one instance.
//!
//! An outgoing message — a reply, a call to another object, a fetch — may
//! leave only once every write issued before it is confirmed durable. Until
//! then it is held, in order. If the instance dies first, held messages are
//! never released: no one ever sees a result that a crash could take back.
//!
//! Batches are numbered in issue order and confirmed in that order, so the
//! gate keeps one number, the highest confirmed batch, and a message waits
//! for the highest batch issued before it.
//!
//! A message waits in one of two ways. A task that has more to do after
//! the message leaves awaits [`OutputGate::wait_for`]; a confirmation wakes
//! only the waiters whose batch it covers, so a task is not polled for a
//! batch that does not concern it. A message that is the last thing its
//! task does (an event's reply) is handed to [`OutputGate::hold`] instead:
//! the gate itself lets it go on the confirmation, so no task stays behind
//! only to be woken for it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::database::BatchId;

/// What the gate does with a held message once it may leave (`Ok`) or
/// never will (`Err`: the instance died first).
pub(crate) type Release = Box<dyn FnOnce(Result<(), GateBroken>)>;

/// See the module documentation.
#[derive(Default)]
pub(crate) struct OutputGate {
    confirmed: Cell<BatchId>,
    /// Set when the instance is gone: held messages are dropped.
    broken: Cell<bool>,
    /// Tasks waiting, each with the batch it waits for, in the order they
    /// began to wait.
    waiters: RefCell<Vec<(BatchId, Waker)>>,
    /// Messages held by the gate itself, in the order they were held. Their
    /// batches never decrease along the list (a barrier only grows), so a
    /// confirmation releases a prefix.
    held: RefCell<std::collections::VecDeque<(BatchId, Release)>>,
}

/// A held message will never leave: its instance died first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GateBroken;

impl OutputGate {
    /// The highest confirmed batch.
    pub(crate) fn confirmed(&self) -> BatchId {
        self.confirmed.get()
    }

    /// Whether the gate still lets anything through (its instance lives).
    pub(crate) fn is_open(&self) -> bool {
        !self.broken.get()
    }

    /// A new gate starts where storage already is.
    pub(crate) fn confirm_initial(&self, batch: BatchId) {
        self.confirmed.set(batch);
    }

    /// Storage confirmed `batch` (and, by order, every earlier one).
    pub(crate) fn confirm(&self, batch: BatchId) {
        // A gate that started after this batch was confirmed (a new
        // instance) may already know of it; confirmations never go back.
        debug_assert!(
            batch >= self.confirmed.get(),
            "invariant batch-confirm-order: batch {batch} confirmed after batch {}",
            self.confirmed.get()
        );
        let confirmed = batch.max(self.confirmed.get());
        self.confirmed.set(confirmed);
        // Taken one at a time: a release may hold another message.
        loop {
            let next = {
                let mut held = self.held.borrow_mut();
                match held.front() {
                    Some((b, _)) if *b <= confirmed && !self.broken.get() => held.pop_front(),
                    _ => None,
                }
            };
            let Some((_, release)) = next else { break };
            release(Ok(()));
        }
        let mut woken = Vec::new();
        self.waiters.borrow_mut().retain(|(b, w)| {
            if *b <= confirmed {
                woken.push(w.clone());
                false
            } else {
                true
            }
        });
        for w in woken {
            w.wake();
        }
    }

    /// The instance died: every held message is dropped.
    pub(crate) fn break_gate(&self) {
        self.broken.set(true);
        let held = std::mem::take(&mut *self.held.borrow_mut());
        for (_, release) in held {
            release(Err(GateBroken));
        }
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for (_, w) in waiters {
            w.wake();
        }
    }

    /// Resolves once `batch` is confirmed, or fails if the gate broke.
    pub(crate) fn wait_for(&self, batch: BatchId) -> OutputWait<'_> {
        OutputWait { gate: self, batch }
    }

    /// Lets a message go once `batch` is confirmed: `release` runs with
    /// `Ok` then, or with `Err` if the gate breaks first. It runs at once
    /// when the gate already decided.
    pub(crate) fn hold(&self, batch: BatchId, release: Release) {
        if self.broken.get() {
            release(Err(GateBroken));
        } else if self.confirmed.get() >= batch {
            release(Ok(()));
        } else {
            let mut held = self.held.borrow_mut();
            debug_assert!(
                held.back().is_none_or(|(b, _)| *b <= batch),
                "invariant held-in-batch-order: batch {batch} held after batch {:?}",
                held.back().map(|(b, _)| *b)
            );
            held.push_back((batch, release));
        }
    }
}

/// Future returned by [`OutputGate::wait_for`].
pub(crate) struct OutputWait<'a> {
    gate: &'a OutputGate,
    batch: BatchId,
}

impl Future for OutputWait<'_> {
    type Output = Result<(), GateBroken>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.gate.broken.get() {
            Poll::Ready(Err(GateBroken))
        } else if self.gate.confirmed.get() >= self.batch {
            Poll::Ready(Ok(()))
        } else {
            let mut waiters = self.gate.waiters.borrow_mut();
            // Polled again before its batch came (woken by something
            // else): one entry per task and batch is enough. A task may
            // wait for two batches at once (two calls joined), so an entry
            // for another batch stays.
            let known = waiters
                .iter()
                .any(|(b, w)| *b == self.batch && w.will_wake(cx.waker()));
            if !known {
                waiters.push((self.batch, cx.waker().clone()));
            }
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    /// The releases that ran, in order: (message, passed).
    type Log = Rc<RefCell<Vec<(u32, bool)>>>;

    fn note(log: &Log, message: u32) -> Release {
        let log = log.clone();
        Box::new(move |passed| log.borrow_mut().push((message, passed.is_ok())))
    }

    struct Counting(AtomicUsize);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Polls `wait_for(batch)` once with a waker that counts its wakes.
    fn park(gate: &OutputGate, batch: BatchId) -> Arc<Counting> {
        let count = Arc::new(Counting(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut wait = std::pin::pin!(gate.wait_for(batch));
        let polled = wait.as_mut().poll(&mut Context::from_waker(&waker));
        assert!(polled.is_pending(), "batch {batch} is not confirmed yet");
        count
    }

    #[test]
    fn held_messages_leave_in_order_once_their_batch_is_confirmed() {
        let gate = OutputGate::default();
        let log = Log::default();
        gate.hold(1, note(&log, 10));
        gate.hold(2, note(&log, 20));
        gate.hold(2, note(&log, 21));
        gate.hold(4, note(&log, 40));
        assert!(
            log.borrow().is_empty(),
            "nothing leaves before a confirmation"
        );
        gate.confirm(2);
        assert_eq!(*log.borrow(), vec![(10, true), (20, true), (21, true)]);
        gate.confirm(3);
        assert_eq!(log.borrow().len(), 3, "batch 3 does not cover batch 4");
        gate.confirm(4);
        assert_eq!(log.borrow().last(), Some(&(40, true)));
    }

    #[test]
    fn a_message_leaves_at_once_when_the_gate_already_decided() {
        let gate = OutputGate::default();
        let log = Log::default();
        gate.confirm_initial(3);
        gate.hold(3, note(&log, 1));
        assert_eq!(*log.borrow(), vec![(1, true)]);
        gate.break_gate();
        gate.hold(3, note(&log, 2));
        assert_eq!(
            log.borrow().last(),
            Some(&(2, false)),
            "a broken gate lets nothing out"
        );
    }

    #[test]
    fn breaking_the_gate_fails_every_held_message() {
        let gate = OutputGate::default();
        let log = Log::default();
        gate.hold(1, note(&log, 1));
        gate.hold(2, note(&log, 2));
        gate.break_gate();
        assert_eq!(*log.borrow(), vec![(1, false), (2, false)]);
        gate.confirm(2);
        assert_eq!(log.borrow().len(), 2, "a failed message never leaves later");
    }

    #[test]
    fn a_release_may_hold_another_message() {
        let gate = Rc::new(OutputGate::default());
        let log = Log::default();
        let (inner_gate, inner_log) = (gate.clone(), log.clone());
        gate.hold(
            1,
            Box::new(move |_| {
                inner_log.borrow_mut().push((1, true));
                inner_gate.hold(1, note(&inner_log, 2));
                inner_gate.hold(5, note(&inner_log, 5));
            }),
        );
        gate.confirm(1);
        assert_eq!(*log.borrow(), vec![(1, true), (2, true)]);
        gate.break_gate();
        assert_eq!(log.borrow().last(), Some(&(5, false)));
    }

    #[test]
    fn a_confirmation_wakes_only_the_waiters_it_covers() {
        let gate = OutputGate::default();
        let first = park(&gate, 1);
        let second = park(&gate, 2);
        gate.confirm(1);
        assert_eq!(first.0.load(Ordering::Relaxed), 1);
        assert_eq!(
            second.0.load(Ordering::Relaxed),
            0,
            "batch 2 is not confirmed"
        );
        gate.confirm(2);
        assert_eq!(second.0.load(Ordering::Relaxed), 1);
        assert_eq!(first.0.load(Ordering::Relaxed), 1, "woken once");
    }

    #[test]
    fn breaking_the_gate_wakes_every_waiter() {
        let gate = OutputGate::default();
        let waiters = [park(&gate, 1), park(&gate, 7)];
        gate.break_gate();
        for w in &waiters {
            assert_eq!(w.0.load(Ordering::Relaxed), 1);
        }
    }
}
