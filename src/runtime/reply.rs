//! The answer a delivery owes whoever sent it: a call's caller, or the
//! runtime part that raised an event (the alarm scheduler, a socket's
//! pump).
//!
//! futures' `oneshot` does this for threads: an `Arc`, atomics and a lock
//! per call. A run has one thread, so here the two ends share one `Rc`
//! slot. Once the instance takes a delivery in, it keeps the sending end
//! as an [`Owed`] answer, type-erased, under the delivery's number; the
//! event that answers finds it there, so no second handle has to travel
//! with the event.
//!
//! Invariant: a slot is answered at most once, and a sending end that goes
//! away without answering (a [`Replier`] or an [`Owed`] dropped) closes
//! the slot and wakes the receiver, which then reads [`ReplyLost`]: a
//! caller never waits for an answer nobody can give.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::error::{Error, Result};

/// A new slot: its sending end and its receiving end.
pub(crate) fn channel<T>() -> (Replier<T>, ReplyFuture<T>) {
    let slot = Rc::new(Slot {
        state: RefCell::new(State::Waiting(None)),
    });
    (
        Replier {
            slot: Some(slot.clone()),
        },
        ReplyFuture { slot },
    )
}

/// The sending end went away without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplyLost;

struct Slot<T> {
    state: RefCell<State<T>>,
}

enum State<T> {
    /// No answer yet; the receiver's waker, once it polled.
    Waiting(Option<Waker>),
    Answered(T),
    /// The sending end went away without an answer.
    Closed,
    /// The receiver took the answer.
    Taken,
}

impl<T> Slot<T> {
    /// Answers, unless answered or closed already; wakes the receiver.
    fn answer(&self, value: T) {
        self.settle(State::Answered(value));
    }

    /// Closes an unanswered slot; wakes the receiver.
    fn close(&self) {
        self.settle(State::Closed);
    }

    /// Moves a waiting slot to `next` (answered or closed) and wakes the
    /// receiver; a slot already settled stays as it is.
    fn settle(&self, next: State<T>) {
        let mut state = self.state.borrow_mut();
        if let State::Waiting(waker) = &mut *state {
            let waker = waker.take();
            *state = next;
            // Released before the wake: a waker may poll at once.
            drop(state);
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

/// The sending end, before the instance takes the delivery in. Dropped
/// unanswered, it closes the slot.
pub(crate) struct Replier<T> {
    slot: Option<Rc<Slot<T>>>,
}

impl<T> Replier<T> {
    /// Answers with `value`.
    pub(crate) fn send(mut self, value: T) {
        if let Some(slot) = self.slot.take() {
            slot.answer(value);
        }
    }
}

impl<T> Drop for Replier<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            slot.close();
        }
    }
}

impl<U: 'static> Replier<Result<U>> {
    /// Hands the sending end to the instance, which keeps it until the
    /// event answers (or the instance fails it).
    pub(crate) fn owe(mut self) -> Owed {
        let slot = self
            .slot
            .take()
            .expect("invariant reply-once: a replier is owed at most once");
        Owed(slot)
    }
}

/// An answer the instance owes, whatever its type.
pub(crate) struct Owed(Rc<dyn Unanswered>);

/// What the instance can do with an owed answer without knowing its type.
trait Unanswered {
    fn fail(&self, error: Error);
    fn close(&self);
    fn into_any(self: Rc<Self>) -> Rc<dyn Any>;
}

impl<U: 'static> Unanswered for Slot<Result<U>> {
    fn fail(&self, error: Error) {
        self.answer(Err(error));
    }

    fn close(&self) {
        Slot::close(self);
    }

    fn into_any(self: Rc<Self>) -> Rc<dyn Any> {
        self
    }
}

impl Owed {
    /// Answers with `result`, whose type must be the one the sender asked
    /// for (the delivery's kind fixes it).
    pub(crate) fn answer<U: 'static>(self, result: Result<U>) {
        match self.0.clone().into_any().downcast::<Slot<Result<U>>>() {
            Ok(slot) => slot.answer(result),
            Err(_) => debug_assert!(
                false,
                "invariant reply-type: an answer of type {} for a delivery that wants another",
                std::any::type_name::<U>()
            ),
        }
    }

    /// Answers with `error`.
    pub(crate) fn fail(self, error: Error) {
        self.0.fail(error);
    }
}

impl Drop for Owed {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// The receiving end: resolves to the answer, or to [`ReplyLost`].
pub(crate) struct ReplyFuture<T> {
    slot: Rc<Slot<T>>,
}

impl<T> Future for ReplyFuture<T> {
    type Output = std::result::Result<T, ReplyLost>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.state.borrow_mut();
        match &mut *state {
            State::Waiting(waker) => {
                match waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            State::Answered(_) => match std::mem::replace(&mut *state, State::Taken) {
                State::Answered(value) => Poll::Ready(Ok(value)),
                _ => unreachable!("matched Answered just above"),
            },
            State::Closed => Poll::Ready(Err(ReplyLost)),
            State::Taken => panic!("invariant reply-once: a reply future polled after it resolved"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Polls `fut` once with a waker that counts its wake-ups.
    fn poll_once<F: Future + Unpin>(fut: &mut F, woken: &Arc<Count>) -> Poll<F::Output> {
        let waker = Waker::from(woken.clone());
        Pin::new(fut).poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn an_answer_wakes_the_receiver_and_is_read_once() {
        let (tx, mut rx) = channel::<Result<u32>>();
        let woken = Arc::new(Count(AtomicUsize::new(0)));
        assert!(poll_once(&mut rx, &woken).is_pending());
        tx.owe().answer(Ok(7u32));
        assert_eq!(woken.0.load(Ordering::Relaxed), 1);
        match poll_once(&mut rx, &woken) {
            Poll::Ready(Ok(Ok(7))) => {}
            other => panic!("expected the answer, got {:?}", other.map(|r| r.is_ok())),
        }
    }

    #[test]
    fn a_sending_end_dropped_unanswered_reads_as_lost() {
        let woken = Arc::new(Count(AtomicUsize::new(0)));
        let (tx, mut rx) = channel::<Result<()>>();
        assert!(poll_once(&mut rx, &woken).is_pending());
        drop(tx);
        assert_eq!(woken.0.load(Ordering::Relaxed), 1);
        assert!(matches!(
            poll_once(&mut rx, &woken),
            Poll::Ready(Err(ReplyLost))
        ));

        let (tx, mut rx) = channel::<Result<()>>();
        drop(tx.owe());
        assert!(matches!(
            poll_once(&mut rx, &woken),
            Poll::Ready(Err(ReplyLost))
        ));
    }

    #[test]
    fn a_failed_answer_carries_the_error_and_a_second_answer_is_ignored() {
        let woken = Arc::new(Count(AtomicUsize::new(0)));
        let (tx, mut rx) = channel::<Result<u8>>();
        let owed = tx.owe();
        let again = Owed(owed.0.clone());
        owed.fail(Error::new("instance ended"));
        again.answer(Ok(1u8));
        match poll_once(&mut rx, &woken) {
            Poll::Ready(Ok(Err(e))) => assert!(e.to_string().contains("instance ended"), "{e}"),
            _ => panic!("expected the error"),
        }
    }
}
