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
//!
//! A call's answer crosses the network on its way back. The caller names
//! that way ([`ReplyFuture::travel_back`]) before the call goes out, and
//! the answer starts it the moment the slot settles: the latency is drawn
//! then, and the caller's task is woken once, when the answer arrives,
//! rather than once to learn of it and again after sleeping the latency
//! itself.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use madsim::time::Sleep;

use super::error::{Error, Result};
use crate::sim::network;
use crate::sim::world::World;
use crate::sim::world_config::LocationId;

/// A new slot: its sending end and its receiving end.
pub(crate) fn channel<T>() -> (Replier<T>, ReplyFuture<T>) {
    let slot = Rc::new(Slot {
        state: RefCell::new(State::Waiting(None)),
        way_back: RefCell::new(None),
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
    /// The network path the answer takes once it settles, if it crosses one.
    way_back: RefCell<Option<WayBack>>,
}

/// The path an answer crosses to reach its receiver.
pub(crate) struct WayBack {
    /// The run's world: its network draws the latency.
    pub(crate) world: Rc<World>,
    /// Where the answer leaves from (the object's host).
    pub(crate) from: LocationId,
    /// Where the receiver is.
    pub(crate) to: LocationId,
}

enum State<T> {
    /// No answer yet; the receiver's waker, once it polled.
    Waiting(Option<Waker>),
    /// Settled (`None`: closed unanswered) and still crossing the network;
    /// readable when the sleep ends.
    Travelling(Option<T>, Sleep),
    Answered(T),
    /// The sending end went away without an answer.
    Closed,
    /// The receiver took the answer.
    Taken,
}

impl<T> Slot<T> {
    /// Answers, unless answered or closed already; wakes the receiver.
    fn answer(&self, value: T) {
        self.settle(Some(value));
    }

    /// Closes an unanswered slot; wakes the receiver.
    fn close(&self) {
        self.settle(None);
    }

    /// Settles a waiting slot with `value` (`None`: closed unanswered); a
    /// slot already settled stays as it is. Without a way back, the
    /// receiver is woken now; with one, the answer sets out on it, and the
    /// receiver is woken when it arrives.
    fn settle(&self, value: Option<T>) {
        let mut state = self.state.borrow_mut();
        let State::Waiting(waker) = &mut *state else {
            return;
        };
        let waker = waker.take();
        // No way back, or no run going on any more: it is there at once.
        let way = self.way_back.borrow_mut().take();
        if let Some(mut sleep) = way.and_then(|w| network::departure(&w.world, w.from, w.to)) {
            // Polled with the receiver's waker, the sleep's timer wakes the
            // receiver on arrival; a receiver that never polled yet polls
            // the sleep itself.
            let arrived = waker.as_ref().is_some_and(|w| {
                Pin::new(&mut sleep)
                    .poll(&mut Context::from_waker(w))
                    .is_ready()
            });
            if !arrived {
                *state = State::Travelling(value, sleep);
                return;
            }
        }
        *state = settled(value);
        // Released before the wake: a waker may poll at once.
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The state of a slot that settled with `value` and has arrived.
fn settled<T>(value: Option<T>) -> State<T> {
    match value {
        Some(v) => State::Answered(v),
        None => State::Closed,
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

impl<T> ReplyFuture<T> {
    /// Makes the answer cross the network from `way.from` to `way.to`
    /// before this future resolves: the latency starts when the slot
    /// settles, as if the object sent its answer then. The receiver still
    /// checks the answer arrived ([`network::arrival`]) once it resolves.
    /// Named before the call goes out; a slot that settled already sets
    /// out now.
    pub(crate) fn travel_back(&mut self, way: WayBack) {
        let mut state = self.slot.state.borrow_mut();
        let value = match &*state {
            State::Waiting(_) => {
                *self.slot.way_back.borrow_mut() = Some(way);
                return;
            }
            State::Answered(_) | State::Closed => {
                match std::mem::replace(&mut *state, State::Taken) {
                    State::Answered(v) => Some(v),
                    _ => None,
                }
            }
            State::Travelling(..) | State::Taken => return,
        };
        *state = match network::departure(&way.world, way.from, way.to) {
            Some(sleep) => State::Travelling(value, sleep),
            None => settled(value),
        };
    }
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
            State::Travelling(_, sleep) => {
                if Pin::new(sleep).poll(cx).is_pending() {
                    return Poll::Pending;
                }
                match std::mem::replace(&mut *state, State::Taken) {
                    State::Travelling(Some(value), _) => Poll::Ready(Ok(value)),
                    _ => Poll::Ready(Err(ReplyLost)),
                }
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

    /// A world whose every link takes exactly 5 ms, and the way back of a
    /// call from its client to its host. Made inside a madsim runtime.
    fn way_back() -> WayBack {
        use crate::sim::fault_plan::FaultPlan;
        use crate::sim::seed::Seed;
        use crate::sim::world_config::{Latency, WorldConfig};
        let config = WorldConfig::new(1, 1).latency_between_kinds_us(Latency::us(5_000, 5_000));
        let (host, client) = (
            config.location_named("host-0"),
            config.location_named("client-0"),
        );
        let world = World::new(Seed::nth(0), config, FaultPlan::none(), u64::MAX);
        WayBack {
            world: Rc::new(world),
            from: host,
            to: client,
        }
    }

    /// Runs `body` in a madsim runtime with [`way_back`]'s world and way.
    fn with_way_back(body: impl FnOnce(Rc<World>, WayBack) + 'static) {
        let rt = madsim::runtime::Runtime::new();
        rt.block_on(async move {
            let way = way_back();
            body(way.world.clone(), way);
        });
    }

    #[test]
    fn an_answer_with_a_way_back_wakes_the_receiver_when_it_arrives_not_when_it_leaves() {
        with_way_back(|world, way| {
            let woken = Arc::new(Count(AtomicUsize::new(0)));
            let (tx, mut rx) = channel::<Result<u32>>();
            rx.travel_back(way);
            assert!(poll_once(&mut rx, &woken).is_pending());
            let sent = world.now();
            tx.owe().answer(Ok(7u32));
            assert_eq!(
                woken.0.load(Ordering::Relaxed),
                0,
                "the receiver is not woken when the answer leaves"
            );
            assert!(
                poll_once(&mut rx, &woken).is_pending(),
                "a spurious poll does not read an answer still on its way"
            );
            madsim::time::advance(std::time::Duration::from_millis(5));
            assert_eq!(world.now() - sent, std::time::Duration::from_millis(5));
            assert!(
                woken.0.load(Ordering::Relaxed) >= 1,
                "the answer's arrival wakes the receiver"
            );
            assert!(matches!(poll_once(&mut rx, &woken), Poll::Ready(Ok(Ok(7)))));
        });
    }

    #[test]
    fn a_lost_answer_and_an_early_one_travel_back_too() {
        with_way_back(|_world, way| {
            let woken = Arc::new(Count(AtomicUsize::new(0)));
            let (tx, mut rx) = channel::<Result<()>>();
            rx.travel_back(WayBack {
                world: way.world.clone(),
                ..way
            });
            assert!(poll_once(&mut rx, &woken).is_pending());
            drop(tx);
            assert!(
                poll_once(&mut rx, &woken).is_pending(),
                "the news that no answer comes takes the way back as well"
            );
            madsim::time::advance(std::time::Duration::from_millis(5));
            assert!(matches!(
                poll_once(&mut rx, &woken),
                Poll::Ready(Err(ReplyLost))
            ));

            // Answered before the way back was named: it sets out then.
            let (tx, mut rx) = channel::<Result<u8>>();
            tx.owe().answer(Ok(1u8));
            rx.travel_back(way);
            assert!(poll_once(&mut rx, &woken).is_pending());
            madsim::time::advance(std::time::Duration::from_millis(5));
            assert!(matches!(poll_once(&mut rx, &woken), Poll::Ready(Ok(Ok(1)))));
        });
    }

    #[test]
    fn an_answer_settled_outside_the_run_is_there_at_once() {
        let rt = madsim::runtime::Runtime::new();
        let way = rt.block_on(async { way_back() });
        // A run's teardown may drop a sending end after madsim stopped.
        let woken = Arc::new(Count(AtomicUsize::new(0)));
        let (tx, mut rx) = channel::<Result<u8>>();
        rx.travel_back(way);
        assert!(poll_once(&mut rx, &woken).is_pending());
        drop(tx);
        assert_eq!(woken.0.load(Ordering::Relaxed), 1, "woken at once");
        assert!(matches!(
            poll_once(&mut rx, &woken),
            Poll::Ready(Err(ReplyLost))
        ));
    }
}
