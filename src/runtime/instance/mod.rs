//! One live activation of an object: its inbox, gates and events.
//!
//! An instance owns the object value (built on its first event), an inbox
//! of arrivals (stubs' calls, and the alarms and socket frames the runtime
//! raises), and the input and output gates. A delivery task starts
//! events one at a time, in E-order, only while the input gate is open, and
//! waits until each started event has really begun before starting the
//! next. A call that nothing holds back starts at once, in its caller's
//! task, instead of waking the delivery task to start it ([`arrival`]).
//! Every event runs wrapped by [`EventBody`](super::event::EventBody):
//! its first poll inline, where it starts, and the rest (if it awaits) as
//! a task of its own ([`event_task`]). Its answer, typed by the kind of
//! arrival, passes the output gate ([`output`]).
//!
//! An instance never outlives its epoch: once reset (or superseded), it
//! refuses new work, its held output is dropped, and every call it had
//! taken in fails with the reset's error. How an instance begins and ends
//! is in [`lifecycle`].

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use futures::future::LocalBoxFuture;
use madsim::task::AbortHandle;

use super::call::Call;
use super::error::{Error, Result};
use super::event::EventBody;
use super::id::ObjectId;
use super::inbox::{Inbox, Incoming};
use super::object::ErasedObject;
use super::reply::{Owed, Replier};
use super::runtime::{Namespace, Runtime};
use crate::sim::world::World;
use crate::sim::world_config::LocationId;
use crate::storage::input_gate::{EventId, InputGate};
use crate::storage::output_gate::OutputGate;
use crate::storage::service::ObjectStorage;
use crate::trace::{Cause, ObjectRef, What};

mod arrival;
mod event_task;
pub(crate) mod idle;
mod lifecycle;
mod output;

/// An event the runtime raises itself (an alarm, a socket's frame), ready
/// to run on whichever instance it reaches: it says what it is and builds
/// its own handler, so an instance runs it without knowing its kind.
pub(crate) trait RaisedEvent {
    /// Records the event's arrival at `inst`, as event `event`; returns why
    /// the event starts.
    fn announce(&self, inst: &Instance, event: EventId) -> Cause;
    /// The handler's run on `inst`, whose object is `object`.
    fn run(
        self: Box<Self>,
        inst: &Rc<Instance>,
        object: Rc<dyn ErasedObject>,
    ) -> LocalBoxFuture<'static, Result<()>>;
}

/// What arrives at an instance: a stub's call, or an event the runtime
/// raised, with the channel that learns when its handler is done.
pub(crate) enum Arrival {
    Call(Call),
    Raised {
        event: Box<dyn RaisedEvent>,
        done: Replier<Result<()>>,
    },
}

impl Arrival {
    /// Answers with `error` without running anything.
    pub(crate) fn fail(self, error: Error) {
        match self {
            Arrival::Call(call) => call.fail(error),
            Arrival::Raised { done, .. } => done.send(Err(error)),
        }
    }
}

/// See the module documentation.
pub(crate) struct Instance {
    pub(crate) rt: Rc<Runtime>,
    pub(crate) namespace: Rc<Namespace>,
    pub(crate) id: ObjectId,
    pub(crate) obj: ObjectRef,
    pub(crate) epoch: u32,
    pub(crate) host: LocationId,
    pub(crate) storage: Rc<ObjectStorage>,
    pub(crate) input: InputGate,
    pub(crate) output: Rc<OutputGate>,
    object: RefCell<Option<Rc<dyn ErasedObject>>>,
    inbox: RefCell<Inbox<Arrival>>,
    inbox_waker: RefCell<Option<Waker>>,
    /// The event the delivery task waits to see begin (E-order).
    starting: Cell<Option<EventId>>,
    /// Answers owed, by delivery number, in number order: a sorted vector,
    /// as an instance owes only a few at once (a tree walked its nodes for
    /// each insert and removal).
    replies: RefCell<Vec<(u64, Owed)>>,
    /// Replies the `lose_response` mutation swallowed.
    lost_replies: RefCell<Vec<Owed>>,
    tasks: RefCell<BTreeMap<EventId, AbortHandle>>,
    delivery: RefCell<Option<AbortHandle>>,
    alive: Cell<bool>,
    /// Placed again elsewhere: takes no new calls, can reply to none.
    superseded: Cell<bool>,
    /// The alarm whose handler is running, if one is.
    pub(crate) alarm_running: Cell<Option<RunningAlarm>>,
    /// When an event last started or ended (the hibernation watch counts
    /// idle time from it).
    pub(crate) last_active: Cell<std::time::Duration>,
    /// Whether the hibernation watch runs.
    pub(crate) hibernation_watched: Cell<bool>,
    /// The idle window running now, if the instance is idle.
    idle: RefCell<Option<std::sync::Arc<idle::IdleLatch>>>,
    /// A first-poll waker no one kept, for the next event (see
    /// `event_task.rs`).
    spare_handoff: RefCell<Option<std::sync::Arc<event_task::Handoff>>>,
}

/// An alarm whose handler runs: when it was due, and how many alarm writes
/// storage had counted when the handler started. While the count is the
/// same, the handler (and every other event) has left the alarm alone, so
/// `get_alarm` hides it and success deletes it; once the alarm was set or
/// deleted since, it is the object's again, even when set to the same time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RunningAlarm {
    pub(crate) scheduled_ms: i64,
    pub(crate) writes_before: u64,
}

impl Instance {
    pub(crate) fn world(&self) -> &World {
        &self.rt.world
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.alive.get()
    }

    /// Alive and still the object's current instance.
    pub(crate) fn is_current(&self) -> bool {
        self.alive.get() && !self.superseded.get()
    }

    /// No event running, no call waiting, no reply or write pending.
    pub(crate) fn is_idle(&self) -> bool {
        self.tasks.borrow().is_empty()
            && self.inbox.borrow().is_empty()
            && self.replies.borrow().is_empty()
            && !self.storage.has_unconfirmed()
    }

    /// A stub's connection broke: fail its calls still waiting here.
    pub(crate) fn break_stub(&self, stub: u64, error: &Error) {
        let failed = self.inbox.borrow_mut().break_stub(stub);
        for incoming in failed {
            incoming.arrival.fail(error.clone());
        }
    }

    /// Records a trace event at this instance.
    pub(crate) fn record(&self, what: What) {
        self.rt
            .world
            .record(self.host, Some(self.obj), self.epoch, what);
    }

    async fn deliver_loop(self: Rc<Self>) {
        loop {
            // E-order: the next call may start only once the last one has
            // begun. The task is not woken for that begin unless a call
            // waits, so a lone request costs it one wake-up, not two.
            let idle_passed = poll_fn(|cx| {
                if !self.inbox.borrow().is_empty() && self.starting.get().is_none() {
                    Poll::Ready(false)
                } else if self.idle_window_passed() {
                    Poll::Ready(true)
                } else {
                    *self.inbox_waker.borrow_mut() = Some(cx.waker().clone());
                    // The last event may have ended before this task
                    // parked: the idle window starts now, then.
                    if !self.idle_armed() {
                        self.idle_arm();
                    }
                    Poll::Pending
                }
            })
            .await;
            if idle_passed {
                if self.idle_evict() {
                    return;
                }
                continue;
            }
            if self.object.borrow().is_none() && !self.construct() {
                return;
            }
            let incoming = poll_fn(|cx| {
                if !self.input.admits(None) {
                    self.input.register(cx.waker());
                    return Poll::Pending;
                }
                match self.inbox.borrow_mut().take_next(&self.rt.world.rng) {
                    Some(incoming) => Poll::Ready(incoming),
                    None => {
                        *self.inbox_waker.borrow_mut() = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            })
            .await;
            self.rt.world.step();
            self.deliver(incoming);
            if !self.is_alive() {
                return; // the event's first poll ended the instance
            }
            if !self.inbox.borrow().is_empty() {
                // The next call waits for the one delivered now to begin,
                // which it did, inline. Yield before delivering it, as the
                // wait for the begin did: other tasks may run between two
                // deliveries, and the schedules that explores stay.
                yield_once().await;
            }
        }
    }

    /// Called by an event on its first admitted poll.
    pub(crate) fn event_started(&self, event: EventId) {
        if self.starting.get() == Some(event) {
            self.starting.set(None);
            if self.inbox.borrow().is_empty() {
                return; // the next arrival wakes the delivery task
            }
            if let Some(w) = self.inbox_waker.borrow_mut().take() {
                w.wake();
            }
        }
    }

    /// Starts the event for one arrival.
    fn deliver(self: &Rc<Self>, incoming: Incoming<Arrival>) {
        let event = self.rt.next_event();
        // E-order: no later call starts until this event has begun.
        self.starting.set(Some(event));
        let Incoming {
            number,
            lane,
            seq,
            arrival,
            ..
        } = incoming;
        let cause = match &arrival {
            Arrival::Raised { event: raised, .. } => raised.announce(self, event),
            Arrival::Call(_) => {
                self.record(What::CallDelivered {
                    call: number,
                    stub: crate::trace::narrow_count(lane),
                    seq: crate::trace::narrow_count(seq),
                    event,
                });
                Cause::Call(number)
            }
        };
        self.record(What::EventStarted { event, cause });
        self.last_active.set(self.rt.world.now());
        let object = || {
            self.object.borrow().clone().expect(
                "invariant constructed-before-delivery: an event starts only on a built object",
            )
        };
        match arrival {
            Arrival::Call(Call::Fetch { req, reply }) => {
                self.owe(number, reply);
                let fut = object().fetch_erased(req);
                self.run(event, number, fut);
            }
            Arrival::Call(Call::Rpc {
                method,
                args,
                reply,
            }) => {
                self.owe(number, reply);
                let fut = object().call_erased(method, args);
                self.run(event, number, fut);
            }
            Arrival::Raised {
                event: raised,
                done,
            } => {
                self.owe(number, done);
                let fut = raised.run(self, object());
                self.run(event, number, fut);
            }
        }
    }

    /// Notes that delivery `number` is owed an answer on `tx`.
    fn owe<T: 'static>(&self, number: u64, reply: Replier<Result<T>>) {
        let mut replies = self.replies.borrow_mut();
        let at = replies.partition_point(|(n, _)| *n < number);
        debug_assert!(
            replies.get(at).is_none_or(|(n, _)| *n != number),
            "invariant delivery-owed-once: delivery {number} owed twice"
        );
        replies.insert(at, (number, reply.owe()));
    }

    /// Runs `body` as an event of this instance (for
    /// `block_concurrency_while`), tracking it so a reset can abort it.
    pub(crate) fn spawn_event<T: 'static>(
        self: &Rc<Self>,
        event: EventId,
        body: LocalBoxFuture<'static, Result<T>>,
        done: impl FnOnce(Result<T>) + 'static,
    ) {
        let me = self.clone();
        let body = EventBody::new(self.clone(), event, body);
        let handle = crate::sim::world::spawn_task(&self.rt.world, async move {
            let result = body.await;
            me.tasks.borrow_mut().remove(&event);
            me.last_active.set(me.rt.world.now());
            me.idle_arm();
            done(result);
        });
        self.tasks.borrow_mut().insert(event, handle.abort_handle());
    }
}

/// Returns `Pending` once, waking its task first: the task goes back among
/// the ready ones, and the executor picks which runs next.
async fn yield_once() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}
