//! Natural eviction: the runtime frees an instance that stayed idle for
//! its idle window, with no fault injected, as production frees an idle
//! object that cannot hibernate.
//!
//! An instance is idle when no event runs, no call or raised event waits
//! in its inbox, no write is unconfirmed, and it holds no plain WebSocket.
//! Each time its last event ends, an idle window starts: it ends at a
//! madsim timer between [`IDLE_EVICTION_MIN`] and [`IDLE_EVICTION_MAX`]
//! ahead, and a new arrival disarms it. The stretch reuses the timer the
//! last one armed when that timer still lies at least
//! [`IDLE_EVICTION_MIN`] ahead; only otherwise does it draw a fresh window
//! from the seed's idle stream and add a timer. Why: madsim cannot cancel
//! a timer, and a timer per idle stretch left one dead timer per request
//! in madsim's timer heap for two minutes of simulated time, thousands in
//! a busy run, which made every other timer slower to add and to fire.
//! When the timer fires on a still idle instance,
//! the instance ends as `Evicted` (memory lost, confirmed storage kept,
//! hibernatable sockets kept), and the trace says it was the idle window,
//! not a fault.
//!
//! Invariant: natural eviction leaves every run in which no window
//! elapses exactly as it was. So it spawns no task and draws nothing
//! from the other streams: the timer is a madsim timer whose waker is a
//! disarmable latch, and only a timer that fires while still armed wakes
//! the instance's own delivery task, which then ends the instance.
//!
//! Invariant: every idle window is between [`IDLE_EVICTION_MIN`] and
//! [`IDLE_EVICTION_MAX`] long. A reused timer lies at most
//! [`IDLE_EVICTION_MAX`] ahead because it was added at most that far
//! ahead of an earlier moment.

use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use super::Instance;
use crate::trace::{EndReason, What};

/// The shortest idle window after which the runtime evicts an idle
/// instance that cannot hibernate (production's lower bound).
pub const IDLE_EVICTION_MIN: Duration = Duration::from_secs(70);

/// The longest idle window (production's upper bound).
pub const IDLE_EVICTION_MAX: Duration = Duration::from_secs(140);

/// One armed idle window: the waker the madsim timer calls. Disarmed, it
/// does nothing, so a window that an event interrupted wakes no task.
#[derive(Default)]
pub(super) struct IdleLatch {
    armed: AtomicBool,
    fired: AtomicBool,
    /// The delivery task to wake when the window passes. Kept while the
    /// latch is disarmed, so that rearming it for the same task takes no
    /// new waker; let go when the instance ends.
    delivery: Mutex<Option<Waker>>,
    /// When the window started: simulated nanoseconds since the run began.
    since_ns: AtomicU64,
    /// When the latch's timer fires (simulated time since the run began).
    deadline: Duration,
}

impl IdleLatch {
    /// Whether the window passed while armed.
    pub(super) fn fired(&self) -> bool {
        self.fired.load(Ordering::Relaxed)
    }

    /// Whether the latch waits for its timer on behalf of an idle window.
    fn armed(&self) -> bool {
        self.armed.load(Ordering::Relaxed)
    }

    fn disarm(&self) {
        self.armed.store(false, Ordering::Relaxed);
    }

    /// Disarms the latch and lets go of the delivery task's waker.
    fn release(&self) {
        self.disarm();
        self.delivery.lock().map(|mut w| w.take()).ok();
    }

    /// Arms the latch again for a window that starts at `now`, waking
    /// `delivery` when its timer fires.
    fn rearm(&self, now: Duration, delivery: &Waker) {
        self.since_ns.store(nanos(now), Ordering::Relaxed);
        if let Ok(mut task) = self.delivery.lock() {
            if !task.as_ref().is_some_and(|t| t.will_wake(delivery)) {
                *task = Some(delivery.clone());
            }
        }
        self.armed.store(true, Ordering::Relaxed);
    }

    /// When the window started.
    fn since(&self) -> Duration {
        Duration::from_nanos(self.since_ns.load(Ordering::Relaxed))
    }
}

impl Wake for IdleLatch {
    fn wake(self: Arc<Self>) {
        if !self.armed.swap(false, Ordering::Relaxed) {
            return;
        }
        self.fired.store(true, Ordering::Relaxed);
        let task = self.delivery.lock().ok().and_then(|mut w| w.take());
        if let Some(task) = task {
            task.wake();
        }
    }
}

impl Instance {
    /// Stops the idle window, if one runs: something arrived. A latch
    /// whose timer has not fired stays, so the next idle stretch can reuse
    /// the timer.
    pub(super) fn idle_disarm(&self) {
        let mut idle = self.idle.borrow_mut();
        if let Some(latch) = idle.as_ref() {
            latch.disarm();
            if latch.fired() {
                *idle = None;
            }
        }
    }

    /// The instance ended: stops the idle window for good, letting go of
    /// the delivery task's waker (the timer may hold the latch for two
    /// minutes more).
    pub(super) fn idle_release(&self) {
        if let Some(latch) = self.idle.borrow_mut().take() {
            latch.release();
        }
    }

    /// The last event ended (or the delivery task parked after it):
    /// starts a fresh idle window, if natural eviction is on and the
    /// instance is idle and could be evicted.
    pub(super) fn idle_arm(&self) {
        self.idle_disarm();
        let world = self.world();
        if !world.config().natural_eviction_setting() || !self.idle_evictable() {
            return;
        }
        // The delivery task parks its waker here while the inbox is empty.
        let waker = self.inbox_waker.borrow();
        let Some(delivery) = waker.as_ref() else {
            return;
        };
        let now = world.now();
        if let Some(latch) = self.idle.borrow().as_ref() {
            if !latch.fired() && latch.deadline >= now + IDLE_EVICTION_MIN {
                assert!(
                    latch.deadline <= now + IDLE_EVICTION_MAX,
                    "invariant idle-window-bounded: a reused idle timer lies {:?} ahead",
                    latch.deadline - now
                );
                latch.rearm(now, delivery);
                return;
            }
        }
        let window = world
            .idle_rng
            .latency(crate::sim::world_config::Latency::us(
                micros(IDLE_EVICTION_MIN),
                micros(IDLE_EVICTION_MAX),
            ));
        let latch = Arc::new(IdleLatch {
            armed: AtomicBool::new(true),
            fired: AtomicBool::new(false),
            delivery: Mutex::new(Some(delivery.clone())),
            since_ns: AtomicU64::new(nanos(now)),
            deadline: now + window,
        });
        let mut timer = std::pin::pin!(madsim::time::sleep(window));
        let waker = Waker::from(latch.clone());
        // Polled once, here, so the timer holds the latch's waker; dropping
        // the sleep leaves the timer in place.
        let _ = timer.as_mut().poll(&mut Context::from_waker(&waker));
        // The old latch's timer stays in madsim's heap; its waker goes now.
        if let Some(old) = self.idle.borrow_mut().replace(latch) {
            old.release();
        }
    }

    /// Whether the instance is idle in the sense of natural eviction: it
    /// is the object's live instance, nothing runs or waits, and it holds
    /// no plain socket. A reply the `lose_response` mutation swallowed is
    /// still owed: a request is in flight, and production would not free
    /// the instance under it.
    fn idle_evictable(&self) -> bool {
        self.is_alive()
            && self.is_current()
            && self.is_idle()
            && self.alarm_running.get().is_none()
            && self.lost_replies.borrow().is_empty()
            && !self.rt.sockets.has_plain(self.obj, self.epoch)
    }

    /// Whether an idle window runs (or passed, and the delivery task has
    /// yet to act on it).
    pub(super) fn idle_armed(&self) -> bool {
        self.idle
            .borrow()
            .as_ref()
            .is_some_and(|l| l.armed() || l.fired())
    }

    /// Whether the idle window passed (asked by the delivery task when it
    /// wakes with an empty inbox).
    pub(super) fn idle_window_passed(&self) -> bool {
        self.idle.borrow().as_ref().is_some_and(|l| l.fired())
    }

    /// The idle window passed: evicts the instance if it is still idle,
    /// else waits for the next one. Returns whether it ended.
    pub(super) fn idle_evict(self: &Rc<Self>) -> bool {
        let Some(latch) = self.idle.borrow_mut().take() else {
            return false;
        };
        if !self.idle_evictable() {
            self.idle_arm();
            return false;
        }
        let idle = self.world().now().saturating_sub(latch.since());
        self.record(What::IdleEvicted {
            idle_ms: u64::try_from(idle.as_millis()).unwrap_or(u64::MAX),
        });
        self.world().count_natural(|n| n.evicted += 1);
        self.end(EndReason::Evicted, None);
        true
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
