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

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::database::BatchId;

/// See the module documentation.
#[derive(Default)]
pub(crate) struct OutputGate {
    confirmed: Cell<BatchId>,
    /// Set when the instance is gone: held messages are dropped.
    broken: Cell<bool>,
    waiters: RefCell<Vec<Waker>>,
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
        self.confirmed.set(batch.max(self.confirmed.get()));
        self.wake_all();
    }

    /// The instance died: every held message is dropped.
    pub(crate) fn break_gate(&self) {
        self.broken.set(true);
        self.wake_all();
    }

    /// Resolves once `batch` is confirmed, or fails if the gate broke.
    pub(crate) fn wait_for(&self, batch: BatchId) -> OutputWait<'_> {
        OutputWait { gate: self, batch }
    }

    fn wake_all(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in waiters {
            w.wake();
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
            self.gate.waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        }
    }
}
