//! Alarms: the runtime's scheduler of one object's alarm, and the alarm
//! event an instance runs.
//!
//! The alarm time lives in the object's database
//! (`storage/database/alarm_store.rs`); the scheduler runs only what
//! confirmed batches say, so an alarm set in a batch a crash lost never
//! fires. The scheduler belongs to the object's
//! directory entry, not to an instance or a host: it survives crashes,
//! evictions and hibernation, and wakes the object (constructing a new
//! instance) when the alarm is due.
//!
//! Guarantees, each checked by the `alarm` monitor:
//! - never early: a try starts at or after the time it is due;
//! - at least once: a failed try (an error, a panic, a crash or reset of
//!   the instance, or the 15-minute time-out) is retried after 2 s, 4 s,
//!   8 s, … (each with up to 25% jitter), at most [`ALARM_RETRIES_MAX`]
//!   times, then given up;
//! - never two at once: the next try starts only after the last one ended;
//! - a new alarm set during a failing try replaces its retries;
//! - an alarm set again while its handler ran is kept and runs, even when
//!   set to the very time the handler ran for.
//!
//! A try succeeds when the handler returned `Ok` and its writes are
//! confirmed; the alarm is then deleted in the handler's own batch, unless
//! it was set or deleted since the handler started (storage counts alarm
//! writes, so the runtime tells "set again to the same time" from "left
//! alone").

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use futures::future::{poll_fn, select, Either, LocalBoxFuture};

use super::error::{Error, Result};
use super::instance::{Instance, RaisedEvent, RunningAlarm};
use super::object::{AlarmInfo, ErasedObject};
use super::reply::ReplyFuture;
use super::runtime::Runtime;
use super::time::now_unix_ms;
use crate::mutations::{self, Mutation};
use crate::storage::input_gate::EventId;
use crate::trace::{Cause, ObjectRef, What};

/// How many times a failing alarm is retried before it is given up.
pub const ALARM_RETRIES_MAX: u32 = 6;

/// The wait before the first retry; it doubles for each later one.
pub const ALARM_RETRY_FIRST: Duration = Duration::from_secs(2);

/// How long one try of an alarm handler may run.
pub const ALARM_HANDLER_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The scheduler of one object's alarm. See the module documentation.
pub(crate) struct AlarmScheduler {
    rt: Weak<Runtime>,
    obj: ObjectRef,
    /// The alarm as confirmed batches left it (Unix ms).
    armed: Cell<Option<i64>>,
    /// An alarm given up after its last retry: not run again.
    abandoned: Cell<Option<i64>>,
    changes: Cell<u64>,
    waker: RefCell<Option<Waker>>,
    running: Cell<bool>,
}

impl AlarmScheduler {
    pub(crate) fn new(rt: Weak<Runtime>, obj: ObjectRef) -> Rc<AlarmScheduler> {
        Rc::new(AlarmScheduler {
            rt,
            obj,
            armed: Cell::new(None),
            abandoned: Cell::new(None),
            changes: Cell::new(0),
            waker: RefCell::new(None),
            running: Cell::new(false),
        })
    }

    /// A confirmed batch changed the alarm to `at_ms`.
    pub(crate) fn changed(self: &Rc<Self>, at_ms: Option<i64>) {
        let Some(rt) = self.rt.upgrade() else { return };
        self.armed.set(at_ms);
        self.abandoned.set(None);
        self.changes.set(self.changes.get() + 1);
        let storage = rt.world.config().storage();
        rt.world
            .record(storage, Some(self.obj), 0, What::AlarmScheduled { at_ms });
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
        if at_ms.is_some() && !self.running.replace(true) {
            crate::sim::world::spawn_task(&rt.world, self.clone().run());
        }
    }

    /// Waits until the alarm changes (from the count `seen`).
    async fn changed_since(&self, seen: u64) {
        poll_fn(|cx| {
            if self.changes.get() != seen {
                Poll::Ready(())
            } else {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
    }

    /// Sleeps `d`; `false` if the alarm changed meanwhile.
    async fn sleep_unless_changed(&self, d: Duration) -> bool {
        let seen = self.changes.get();
        let sleep = std::pin::pin!(madsim::time::sleep(d));
        let changed = std::pin::pin!(self.changed_since(seen));
        matches!(select(sleep, changed).await, Either::Left(_))
    }

    async fn run(self: Rc<Self>) {
        loop {
            let Some(at) = self
                .armed
                .get()
                .filter(|a| Some(*a) != self.abandoned.get())
            else {
                self.changed_since(self.changes.get()).await;
                continue;
            };
            let Some(rt) = self.rt.upgrade() else { return };
            let now = now_unix_ms(&rt.world);
            drop(rt);
            if at > now && !self.sleep_unless_changed(ms(at - now)).await {
                continue;
            }
            // An alarm still set for `at` after a try succeeded was set
            // again (to the same time) while the handler ran: it is due,
            // and runs again. One given up is marked abandoned by `tries`.
            self.tries(at).await;
            if mutations::active(Mutation::AlarmNoRerun) && self.armed.get() == Some(at) {
                self.abandoned.set(Some(at));
            }
        }
    }

    /// Runs the alarm due at `at` until a try succeeds, it is replaced, or
    /// its retries run out.
    async fn tries(&self, at: i64) {
        for retry_count in 0..=ALARM_RETRIES_MAX {
            let ok = self.attempt(at, retry_count).await;
            let Some(rt) = self.rt.upgrade() else { return };
            let storage = rt.world.config().storage();
            rt.world.record(
                storage,
                Some(self.obj),
                0,
                What::AlarmEnded {
                    scheduled_ms: at,
                    retry_count,
                    ok,
                },
            );
            if ok || self.armed.get() != Some(at) {
                // Done, or a new alarm replaced this one (and its retries).
                return;
            }
            if retry_count == ALARM_RETRIES_MAX {
                self.abandoned.set(Some(at));
                rt.world.record(
                    storage,
                    Some(self.obj),
                    0,
                    What::AlarmAbandoned { scheduled_ms: at },
                );
                return;
            }
            let backoff = ALARM_RETRY_FIRST * 2u32.pow(retry_count);
            let jitter = backoff.mul_f64(rt.world.rng.below(250) as f64 / 1000.0);
            drop(rt);
            if !self.sleep_unless_changed(backoff + jitter).await && self.armed.get() != Some(at) {
                return;
            }
        }
    }

    /// One try: delivered to the object's current instance (built if need
    /// be); `true` if it succeeded.
    async fn attempt(&self, at: i64, retry_count: u32) -> bool {
        let Some(rt) = self.rt.upgrade() else {
            return false;
        };
        let reply = deliver(&rt, self.obj, at, retry_count);
        if mutations::active(Mutation::AlarmOverlap) {
            // The planted bug: a second try starts while the first runs.
            madsim::time::sleep(Duration::from_millis(1)).await;
            drop(deliver(&rt, self.obj, at, retry_count));
        }
        let timeout = std::pin::pin!(madsim::time::sleep(ALARM_HANDLER_TIMEOUT));
        match select(reply, timeout).await {
            Either::Left((Ok(Ok(())), _)) => true,
            Either::Left(_) => false,
            Either::Right(_) => {
                rt.reset_current(
                    self.obj,
                    Error::new("The alarm handler ran for too long and was canceled."),
                );
                false
            }
        }
    }
}

fn deliver(
    rt: &Rc<Runtime>,
    obj: ObjectRef,
    scheduled_ms: i64,
    retry_count: u32,
) -> ReplyFuture<Result<()>> {
    let event = AlarmEvent {
        scheduled_ms,
        retry_count,
    };
    rt.raise(obj, None, Box::new(event))
}

/// One try of the alarm due at `scheduled_ms`, as an event of the instance
/// it reaches: while it runs, `get_alarm` does not show the alarm (unless
/// it was set again since the handler started); on success the alarm is
/// deleted in the handler's batch, unless it was set or deleted since the
/// handler started, to whatever time.
struct AlarmEvent {
    scheduled_ms: i64,
    retry_count: u32,
}

impl RaisedEvent for AlarmEvent {
    fn announce(&self, inst: &Instance, event: EventId) -> Cause {
        inst.record(What::AlarmStarted {
            event,
            scheduled_ms: self.scheduled_ms,
            retry_count: self.retry_count,
        });
        Cause::Alarm
    }

    fn run(
        self: Box<Self>,
        inst: &Rc<Instance>,
        object: Rc<dyn ErasedObject>,
    ) -> LocalBoxFuture<'static, Result<()>> {
        struct Running(Rc<Instance>);
        impl Drop for Running {
            fn drop(&mut self) {
                self.0.alarm_running.set(None);
            }
        }
        let AlarmEvent {
            scheduled_ms,
            retry_count,
        } = *self;
        let inst = inst.clone();
        Box::pin(async move {
            inst.alarm_running.set(Some(RunningAlarm {
                scheduled_ms,
                writes_before: inst.storage.alarm_writes(),
            }));
            let running = Running(inst.clone());
            object.alarm_erased(AlarmInfo::new(retry_count)).await?;
            let storage = super::storage_api::Storage::new(Rc::downgrade(&inst));
            storage.retire_alarm(scheduled_ms)?;
            drop(running);
            Ok(())
        })
    }
}

fn ms(n: i64) -> Duration {
    Duration::from_millis(u64::try_from(n).unwrap_or(0))
}
